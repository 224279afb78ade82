//! What `wsusprobe explain` answers: a code's meaning and the stage/kind verdicts that produce it.

use serde::{Deserialize, Serialize};

use super::{Kind, Stage};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeInfo {
    pub code: String,
    pub name: String,
    pub meaning: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Match {
    pub stage: Stage,
    pub kind: Kind,
    pub windows_error: String,
    pub wsus_log: String,
    pub advice: String,
    pub command: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Explanation {
    pub query: String,
    pub code: Option<CodeInfo>,
    pub matches: Vec<Match>,
}
