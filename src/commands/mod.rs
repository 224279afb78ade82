//! One module per subcommand: its job (validated from the arguments, exit 2 on a usage error)
//! and its `run(job, out) -> Exit`. What the commands share — the async runtime, probing with
//! progress and Ctrl-C, writing the output, the exit code — is here.

pub mod allowlist;
pub mod check;
pub mod ciphers;
pub mod explain;
pub mod host;
pub mod logs;
pub mod run;
pub mod serve;
pub mod signals;
pub mod upstream;

use std::io::{self, Write};
use std::sync::Arc;

use crate::cli::FormatArg;
use crate::config::Config;
use crate::exit::Exit;
use crate::model::Report;
use crate::render::{self, Format};

/// Where a command writes its answer (stdout for the binary, a buffer in tests).
pub type Out<'a> = &'a mut dyn Write;

/// A one-line error on stderr (a usage error, or an internal one), after the program name.
#[allow(clippy::print_stderr)]
pub fn complain(msg: impl std::fmt::Display) {
    eprintln!("wsusprobe: {msg}");
}

/// The report format from `--format` and `--json`.
pub fn format_of(format: FormatArg, json: bool) -> Format {
    if json {
        return Format::Json;
    }
    match format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Junit => Format::Junit,
        FormatArg::Csv => Format::Csv,
    }
}

/// Write with `f`; a closed pipe (`| head`) is not an error. False when the output failed.
pub fn write_out(out: Out<'_>, f: impl FnOnce(Out<'_>) -> io::Result<()>) -> bool {
    match f(&mut *out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            complain(format_args!("internal error: cannot write the report: {e}"));
            false
        }
        _ => true,
    }
}

/// The exit code of a command whose output was `written` and whose answer was `ok`.
pub fn outcome(written: bool, ok: bool) -> Exit {
    match (written, ok) {
        (false, _) => Exit::Internal,
        (true, true) => Exit::Ok,
        (true, false) => Exit::Verdict,
    }
}

/// The exit code of a written report (`Exit::from_report`), or internal error.
fn reported(written: bool, report: &Report) -> Exit {
    if written {
        Exit::from_report(report)
    } else {
        Exit::Internal
    }
}

pub(crate) fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            complain(format_args!(
                "internal error: cannot start the async runtime: {e}"
            ));
            None
        }
    }
}

/// Probe every path of `cfg`, with progress on a terminal, until done or Ctrl-C. `None` when
/// the runtime cannot start.
fn probe(cfg: Config, format: Format) -> Option<Report> {
    let runtime = runtime()?;
    Some(runtime.block_on(async {
        let stop = signals::Stop::install();
        crate::probe::check_until(Arc::new(cfg), progress(format), stop.wait()).await
    }))
}

/// An interrupted run shows the paths it finished as a plain report, whatever the command.
fn interrupted(report: &Report, format: Format, out: Out<'_>) -> Option<Exit> {
    report.interrupted?;
    let written = write_out(out, |o| render::render(report, format, o));
    Some(if written {
        Exit::Interrupted
    } else {
        Exit::Internal
    })
}

/// Progress on stderr, only when it is a terminal and the output is text.
fn progress(format: Format) -> Option<crate::probe::Progress> {
    use std::io::IsTerminal;
    if format != Format::Text || !io::stderr().is_terminal() {
        return None;
    }
    Some(Arc::new(|done, total| {
        let mut err = io::stderr().lock();
        if done < total {
            let _ = write!(err, "\r{done}/{total} paths done");
        } else {
            let _ = write!(err, "\r{:width$}\r", "", width = 30);
        }
        let _ = err.flush();
    }))
}
