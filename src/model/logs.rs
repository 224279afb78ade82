//! What `wsusprobe logs` reports: sync failures found in WSUS/ConfigMgr logs, grouped by cause.

use serde::{Deserialize, Serialize};

use super::Stage;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub cause_id: String,
    pub cause: String,
    pub stage: Stage,
    pub count: usize,
    pub first: Option<String>,
    pub last: Option<String>,
    pub files: Vec<String>,
    pub example: String,
    pub check: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogReport {
    pub files: Vec<String>,
    pub lines: usize,
    pub groups: Vec<Group>,
    /// SCHANNEL startup lines seen, and whether one says TLS 1.2 is enabled.
    pub schannel_lines: usize,
    pub tls12_enabled: bool,
    pub notes: Vec<String>,
}
