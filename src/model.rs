//! The report contract (see DESIGN.md): what every renderer reads and what CI scripts parse.
//!
//! `paths[].ok`, `verdict.stage`, `verdict.kind` and `stages[].status` are the stable keys.
//! Nothing here does I/O.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The stages of one probed path, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Endpoint,
    Dns,
    Tcp,
    Proxy,
    Tls,
    Certificate,
    Clock,
    Http,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Endpoint => "endpoint",
            Stage::Dns => "dns",
            Stage::Tcp => "tcp",
            Stage::Proxy => "proxy",
            Stage::Tls => "tls",
            Stage::Certificate => "certificate",
            Stage::Clock => "clock",
            Stage::Http => "http",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// Failure (and warning) kinds. The JSON name is the snake_case form; it is part of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    // endpoint
    DecommissionedEndpoint,
    LegacyEndpoint,
    // dns
    Nxdomain,
    NoRecords,
    Servfail,
    Refused,
    // shared by several stages
    Timeout,
    Unreachable,
    Reset,
    Closed,
    // proxy
    AuthRequired,
    AuthRejected,
    UpstreamDnsFailed,
    UpstreamUnreachable,
    UpstreamTimeout,
    Unavailable,
    // tls
    ProtocolVersion,
    NoCommonCipher,
    NotTls,
    /// TLS framing or a handshake message that breaks the protocol (lengths, sizes, order).
    Malformed,
    Alert,
    // certificate
    Expired,
    NotYetValid,
    NameMismatch,
    UnknownIssuer,
    IncompleteChain,
    SelfSigned,
    Intercepted,
    BadSignature,
    UnknownCriticalExtension,
    // clock
    Skew,
    // http
    Unauthorized,
    Forbidden,
    NotFound,
    ServerError,
    BadGateway,
    ServiceUnavailable,
    SoapFault,
    NotService,
    NotHttp,
    UnexpectedStatus,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DecommissionedEndpoint => "decommissioned_endpoint",
            Kind::LegacyEndpoint => "legacy_endpoint",
            Kind::Nxdomain => "nxdomain",
            Kind::NoRecords => "no_records",
            Kind::Servfail => "servfail",
            Kind::Refused => "refused",
            Kind::Timeout => "timeout",
            Kind::Unreachable => "unreachable",
            Kind::Reset => "reset",
            Kind::Closed => "closed",
            Kind::AuthRequired => "auth_required",
            Kind::AuthRejected => "auth_rejected",
            Kind::UpstreamDnsFailed => "upstream_dns_failed",
            Kind::UpstreamUnreachable => "upstream_unreachable",
            Kind::UpstreamTimeout => "upstream_timeout",
            Kind::Unavailable => "unavailable",
            Kind::ProtocolVersion => "protocol_version",
            Kind::NoCommonCipher => "no_common_cipher",
            Kind::NotTls => "not_tls",
            Kind::Malformed => "malformed",
            Kind::Alert => "alert",
            Kind::Expired => "expired",
            Kind::NotYetValid => "not_yet_valid",
            Kind::NameMismatch => "name_mismatch",
            Kind::UnknownIssuer => "unknown_issuer",
            Kind::IncompleteChain => "incomplete_chain",
            Kind::SelfSigned => "self_signed",
            Kind::Intercepted => "intercepted",
            Kind::BadSignature => "bad_signature",
            Kind::UnknownCriticalExtension => "unknown_critical_extension",
            Kind::Skew => "skew",
            Kind::Unauthorized => "unauthorized",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not_found",
            Kind::ServerError => "server_error",
            Kind::BadGateway => "bad_gateway",
            Kind::ServiceUnavailable => "service_unavailable",
            Kind::SoapFault => "soap_fault",
            Kind::NotService => "not_service",
            Kind::NotHttp => "not_http",
            Kind::UnexpectedStatus => "unexpected_status",
        }
    }
}

/// The result of one stage: data only, formatted by the renderers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageResult {
    pub stage: Stage,
    pub status: Status,
    pub kind: Option<Kind>,
    pub elapsed_ms: f64,
    pub message: String,
    /// Stage-specific evidence (addresses, negotiated suite, chain summary, skew, status line…).
    pub detail: Value,
}

impl StageResult {
    pub fn pass(stage: Stage, message: impl Into<String>, detail: Value) -> Self {
        Self {
            stage,
            status: Status::Pass,
            kind: None,
            elapsed_ms: 0.0,
            message: message.into(),
            detail,
        }
    }

    pub fn fail(stage: Stage, kind: Kind, message: impl Into<String>, detail: Value) -> Self {
        Self {
            stage,
            status: Status::Fail,
            kind: Some(kind),
            elapsed_ms: 0.0,
            message: message.into(),
            detail,
        }
    }

    pub fn warn(
        stage: Stage,
        kind: Option<Kind>,
        message: impl Into<String>,
        detail: Value,
    ) -> Self {
        Self {
            stage,
            status: Status::Warn,
            kind,
            elapsed_ms: 0.0,
            message: message.into(),
            detail,
        }
    }

    pub fn skip(stage: Stage, message: impl Into<String>) -> Self {
        Self {
            stage,
            status: Status::Skip,
            kind: None,
            elapsed_ms: 0.0,
            message: message.into(),
            detail: Value::Object(Default::default()),
        }
    }

    pub fn with_elapsed(mut self, elapsed: std::time::Duration) -> Self {
        self.elapsed_ms = (elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
        self
    }

    pub fn failed(&self) -> bool {
        self.status == Status::Fail
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    Direct,
    Proxy,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Route {
    pub kind: RouteKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
}

impl Route {
    pub fn direct() -> Self {
        Self {
            kind: RouteKind::Direct,
            proxy: None,
        }
    }

    pub fn proxy(url: impl Into<String>) -> Self {
        Self {
            kind: RouteKind::Proxy,
            proxy: Some(url.into()),
        }
    }
}

/// The first failing stage of a path, with what Windows would say and what to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub stage: Stage,
    pub kind: Kind,
    pub message: String,
    /// The HRESULT WSUS/WinHTTP would log for this failure, e.g. "0x80072EE7".
    pub windows_error: Option<String>,
    /// Its symbolic name, e.g. "ERROR_WINHTTP_NAME_NOT_RESOLVED".
    pub windows_error_name: Option<String>,
    /// The .NET text WSUS writes to SoftwareDistribution.log for it.
    pub wsus_log: Option<String>,
    pub advice: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathReport {
    pub target: String,
    pub route: Route,
    pub ok: bool,
    pub verdict: Option<Verdict>,
    pub elapsed_ms: f64,
    pub stages: Vec<StageResult>,
}

impl PathReport {
    pub fn has_warnings(&self) -> bool {
        self.stages.iter().any(|s| s.status == Status::Warn)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub tool: String,
    pub version: String,
    pub started_at: String,
    pub ok: bool,
    /// Set when the run was stopped (Ctrl-C) before every path finished; `paths` then holds only
    /// the finished ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<Interrupted>,
    /// Findings about the WSUS configuration read with --wsus-config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<crate::wsusconfig::ConfigLint>,
    pub paths: Vec<PathReport>,
}

/// How far an interrupted run got.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Interrupted {
    pub finished: usize,
    pub planned: usize,
}
