//! Exit codes (DESIGN.md): 0 all paths passed, 1 a path has a verdict, 2 usage, 3 internal error.

use crate::model::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Verdict = 1,
    Usage = 2,
    Internal = 3,
}

impl Exit {
    pub fn from_report(report: &Report) -> Exit {
        if report.paths.iter().any(|p| p.stages.is_empty()) {
            Exit::Internal
        } else if report.ok {
            Exit::Ok
        } else {
            Exit::Verdict
        }
    }
}
