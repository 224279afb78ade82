//! What ends a command early, typed: the user's mistake (exit 2, nothing probed) or a failure
//! inside wsusprobe (exit 3). Commands return them; `main` alone prints them, one line each.

use std::fmt;

use crate::exit::Exit;

/// A command line or input file the tool cannot use (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub(crate) fn usage<T>(msg: impl Into<String>) -> Result<T, UsageError> {
    Err(UsageError(msg.into()))
}

/// Something failed in wsusprobe itself, not in the input nor on the probed path: the async
/// runtime would not start, the report could not be written, the exporter's server stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalError(pub String);

impl fmt::Display for InternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InternalError {}

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
