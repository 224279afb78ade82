//! `wsusprobe host`: the WSUS host's own TLS policy as read from its registry (live, or `reg
//! export` files) and `w3wp.exe.config`, and the findings it leads to.

use serde::{Deserialize, Serialize};

use super::{Kind, Stage, Status};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostReport {
    /// Where the policy was read: files, or "live registry".
    pub sources: Vec<String>,
    /// The Windows version, when `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion` was read.
    pub os: Option<OsInfo>,
    /// TLS 1.0 to 1.3 for clients, as SCHANNEL (or the OS default) sets them.
    pub client_protocols: Vec<ProtocolState>,
    /// The .NET Framework 4 settings in each registry view that was read.
    pub dotnet: Vec<DotnetView>,
    /// The SSL Cipher Suite Order policy, when one is set.
    pub cipher_order: Option<CipherOrder>,
    /// Whether w3wp.exe.config enables system-default TLS; absent when it was not read.
    pub w3wp_switch: Option<bool>,
    /// WinHTTP's machine proxy: the route of Windows' own certificate fetches (AIA, CRL, root
    /// update). Absent when its key was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winhttp: Option<WinHttpView>,
    /// The automatic root update policy, when its key was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_update: Option<RootUpdate>,
    /// The TLS 1.2 fix for WSUS sync on Windows Server 2012 / 2012 R2.
    pub sync_fix: String,
    /// Parts of the policy no source covered (what to export to judge them).
    pub not_read: Vec<String>,
    /// What this host offers, as `check --client-profile host` sends it.
    pub offer: HostOffer,
    pub findings: Vec<HostFinding>,
    /// No finding fails.
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WinHttpView {
    pub key: String,
    /// `direct (no WinHTTP proxy)`, or `proxy host:port (bypass: …)`.
    pub route: String,
    pub proxy: Option<String>,
    pub bypass: Vec<String>,
    /// Why the value could not be read, when it is malformed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RootUpdate {
    pub key: String,
    pub disable_root_auto_update: Option<u32>,
    pub enable_disallowed_cert_auto_update: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OsInfo {
    pub name: String,
    pub build: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProtocolState {
    pub protocol: String,
    /// Offered by default by a client that asks Schannel for the system's versions.
    pub enabled: bool,
    /// `registry` when a key decides it, `os default` otherwise.
    pub by: String,
    pub key: String,
    /// The values read, e.g. `Enabled=0x0, DisabledByDefault=0x1`; empty for an OS default.
    pub values: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DotnetView {
    /// `64-bit` or `32-bit` (WOW6432Node).
    pub view: String,
    pub key: String,
    pub sch_use_strong_crypto: Option<u32>,
    pub system_default_tls_versions: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CipherOrder {
    pub key: String,
    /// The policy's entries as written.
    pub entries: Vec<String>,
    /// Those of them Microsoft Update accepts.
    pub microsoft_update: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostOffer {
    pub versions: Vec<String>,
    pub suites: Vec<String>,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostFinding {
    pub stage: Stage,
    pub kind: Kind,
    pub status: Status,
    pub message: String,
    /// Registry keys (or files) and the values that lead to the finding.
    pub evidence: Vec<Evidence>,
    /// What WSUS logs for it, when the table knows.
    pub windows_error: Option<String>,
    pub fix: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    pub key: String,
    pub value: String,
}
