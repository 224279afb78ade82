//! `wsusprobe logs FILE…`: the sync failures `crate::logscan` finds in WSUS and Configuration
//! Manager logs, grouped by cause, each with the `check` command that tests it.

use crate::cli::LogsArgs;
use crate::commands::{Out, write_out};
use crate::config::inputs;
use crate::error::{Done, UsageError};
use crate::exit::Exit;
use crate::logscan::scan_files;
use crate::render;

/// The logs to scan, and how to answer.
#[derive(Debug)]
pub struct LogsJob {
    pub files: Vec<std::path::PathBuf>,
    pub json: bool,
}

impl LogsJob {
    pub fn from_args(args: &LogsArgs) -> Result<LogsJob, UsageError> {
        Ok(LogsJob {
            files: inputs::expand_wildcards(&args.files, "logs")?,
            json: args.json,
        })
    }
}

/// Exit 0 when no failure was found, 1 when some were, 2 when a file cannot be read.
pub fn run(job: LogsJob, out: Out<'_>) -> Done {
    let report = scan_files(&job.files).map_err(UsageError)?;
    write_out(out, |o| {
        if job.json {
            render::logs::json(&report, o)
        } else {
            render::logs::text(&report, o)
        }
    })?;
    Ok(Exit::from_ok(report.groups.is_empty()))
}
