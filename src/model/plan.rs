//! What `wsusprobe run` reports: each expectation of the plan, judged, and the probe report.

use serde::{Deserialize, Serialize};

use super::Report;

/// One expectation, judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub name: String,
    pub target: String,
    pub expected: String,
    pub actual: String,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanReport {
    pub plan: String,
    pub ok: bool,
    pub results: Vec<Outcome>,
    pub report: Report,
}
