//! What `wsusprobe ciphers` reports: the versions and suites a server accepts.

use serde::{Deserialize, Serialize};

use super::Route;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteReport {
    #[serde(skip)]
    pub id: u16,
    /// `0x` + four upper-case hex digits.
    pub code: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub openssl: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionReport {
    pub version: String,
    pub supported: bool,
    /// Whether the server picks by its own order (true) or the client's (false); unknown with
    /// fewer than two suites.
    pub server_preference: Option<bool>,
    pub suites: Vec<SuiteReport>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CiphersReport {
    pub tool: String,
    pub version: String,
    pub started_at: String,
    pub target: String,
    pub sni: Option<String>,
    pub route: Route,
    /// The address connected to (the server, or the proxy).
    pub address: Option<String>,
    pub versions: Vec<VersionReport>,
    /// TCP connections opened.
    pub connections: usize,
    /// CONNECT requests sent to the proxy (each tunnel authenticates: NTLM costs three).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub proxy_requests: Option<usize>,
    pub elapsed_ms: f64,
    /// Why nothing could be enumerated (name, connection or proxy failure).
    pub error: Option<String>,
}

impl CiphersReport {
    pub fn any_supported(&self) -> bool {
        self.versions.iter().any(|v| v.supported)
    }
}
