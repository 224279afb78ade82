//! One module per subcommand: its job (validated from the arguments, exit 2 on a usage error)
//! and its `run(job, out) -> Done` (an exit code, or the `Failure` that `main` prints). What the
//! commands share — the async runtime, probing with progress and Ctrl-C, writing the output —
//! is here.

pub mod allowlist;
pub mod check;
pub mod ciphers;
pub mod completions;
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
use crate::error::{Done, InternalError};
use crate::exit::Exit;
use crate::model::{ConfigLint, Report};
use crate::render::{self, Format};

/// Where a command writes its answer (stdout for the binary, a buffer in tests).
pub type Out<'a> = &'a mut dyn Write;

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
        FormatArg::Html => Format::Html,
    }
}

/// Write with `f`; a closed pipe (`| head`) is not an error.
pub fn write_out(
    out: Out<'_>,
    f: impl FnOnce(Out<'_>) -> io::Result<()>,
) -> Result<(), InternalError> {
    match f(&mut *out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(InternalError(format!("cannot write the report: {e}")))
        }
        _ => Ok(()),
    }
}

/// Write a check report in `format`; the exit code follows it.
pub(crate) fn write_report(report: &Report, format: Format, out: Out<'_>) -> Done {
    write_out(out, |o| render::render(report, format, o))?;
    Ok(Exit::from_report(report))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, InternalError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InternalError(format!("cannot start the async runtime: {e}")))
}

/// What every probing command does first: probe each path of `cfg` (progress on a terminal,
/// until done or Ctrl-C), with `lint` as the report's configuration findings. An interrupted
/// run is written as the plain report it is, whatever the command; a finished one goes to
/// `conclude`, which adds what only that command knows and writes it.
pub(crate) fn probe_then(
    cfg: Config,
    format: Format,
    lint: Option<ConfigLint>,
    out: Out<'_>,
    conclude: impl FnOnce(Report, Out<'_>) -> Done,
) -> Done {
    let runtime = runtime()?;
    let mut report = runtime.block_on(async {
        let stop = signals::Stop::install();
        crate::probe::check_until(Arc::new(cfg), progress(format), stop.wait()).await
    });
    report.config = lint;
    if report.interrupted.is_some() {
        return write_report(&report, format, out);
    }
    conclude(report, out)
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
