//! Exit codes (DESIGN.md): 0 all paths passed, 1 a path has a verdict, 2 usage, 3 internal error,
//! 130 interrupted by Ctrl-C (the paths finished so far are still reported).

use crate::model::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Verdict = 1,
    Usage = 2,
    Internal = 3,
    /// 128 + SIGINT, as shells report a command stopped by Ctrl-C.
    Interrupted = 130,
}

impl Exit {
    /// 0 when the command's answer is good, 1 when it found something wrong.
    pub fn from_ok(ok: bool) -> Exit {
        if ok { Exit::Ok } else { Exit::Verdict }
    }

    pub fn from_report(report: &Report) -> Exit {
        if report.interrupted.is_some() {
            Exit::Interrupted
        } else if report.paths.iter().any(|p| p.stages.is_empty()) {
            Exit::Internal
        } else if report.ok {
            Exit::Ok
        } else {
            Exit::Verdict
        }
    }
}
