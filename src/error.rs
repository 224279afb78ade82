//! What ends a command early, typed: the user's mistake (exit 2, nothing probed) or a failure
//! inside wsusprobe (exit 3). Commands return them; `main` alone prints them, one line each.

use std::fmt;

use crate::exit::Exit;

/// An error that is one sentence, shown as it is.
macro_rules! sentence_error {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub String);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    };
}

sentence_error! {
    /// A command line or input file the tool cannot use (exit 2).
    UsageError
}

sentence_error! {
    /// Something failed in wsusprobe itself, not in the input nor on the probed path: the async
    /// runtime would not start, the report could not be written, the exporter's server stopped.
    InternalError
}

pub(crate) fn usage<T>(msg: impl Into<String>) -> Result<T, UsageError> {
    Err(UsageError(msg.into()))
}

/// Why a command stopped without an answer of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Usage(UsageError),
    Internal(InternalError),
}

impl Failure {
    pub fn exit(&self) -> Exit {
        match self {
            Failure::Usage(_) => Exit::Usage,
            Failure::Internal(_) => Exit::Internal,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(e) => write!(f, "error: {e}"),
            Failure::Internal(e) => write!(f, "internal error: {e}"),
        }
    }
}

impl From<UsageError> for Failure {
    fn from(e: UsageError) -> Failure {
        Failure::Usage(e)
    }
}

impl From<InternalError> for Failure {
    fn from(e: InternalError) -> Failure {
        Failure::Internal(e)
    }
}

/// What a command's `run` comes to: its exit code, or why it stopped.
pub type Done = Result<Exit, Failure>;
