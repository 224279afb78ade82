//! Findings about a configuration (a WSUS export, an upstream hierarchy), shown before the stages.

use serde::{Deserialize, Serialize};

use super::named;

named! {
    /// How much a finding matters.
    pub enum Severity {
        /// The configuration cannot work.
        Error = "error",
        Warn = "warn",
        Info = "info",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConfigLint {
    pub source: String,
    pub findings: Vec<Finding>,
}

impl ConfigLint {
    /// Whether any finding says the configuration cannot work.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}
