//! The report contract (see DESIGN.md): what every renderer reads and what CI scripts parse.
//!
//! `paths[].ok`, `verdict.stage`, `verdict.kind` and `stages[].status` are the stable keys.
//! Every type here serialises and deserialises (a saved report reads back), and the module
//! imports nothing else of this crate. Nothing here does I/O.

pub mod ciphers;
pub mod detail;
pub mod explain;
pub mod host;
pub mod lint;
pub mod logs;
pub mod plan;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use detail::Detail;
pub use lint::{ConfigLint, Finding, Severity};

/// An enum whose wire names are written once: serde reads and writes them, and `as_str`,
/// `Display`, `FromStr` and `ALL` give the same names to renderers, plans and `explain`.
macro_rules! named {
    ($(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal,)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The wire name (the JSON value).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        format!("'{s}' is not one of: {}", names.join(", "))
                    })
            }
        }
    };
}
pub(crate) use named;

named! {
    /// The stages of one probed path, in the order they run.
    pub enum Stage {
        Endpoint = "endpoint",
        Dns = "dns",
        Tcp = "tcp",
        Proxy = "proxy",
        Tls = "tls",
        Certificate = "certificate",
        Clock = "clock",
        Http = "http",
        /// The probing host's own TLS policy (`wsusprobe host`), not a network stage.
        Host = "host",
    }
}

impl Stage {
    /// The stages a probed path walks, in order (`host` is not one of them).
    pub const PATH: &'static [Stage] = &[
        Stage::Endpoint,
        Stage::Dns,
        Stage::Tcp,
        Stage::Proxy,
        Stage::Tls,
        Stage::Certificate,
        Stage::Clock,
        Stage::Http,
    ];
}

named! {
    pub enum Status {
        Pass = "pass",
        Warn = "warn",
        Fail = "fail",
        Skip = "skip",
    }
}

named! {
    /// Failure (and warning) kinds; the names are part of the contract.
    pub enum Kind {
        // endpoint
        DecommissionedEndpoint = "decommissioned_endpoint",
        LegacyEndpoint = "legacy_endpoint",
        // dns
        Nxdomain = "nxdomain",
        NoRecords = "no_records",
        Servfail = "servfail",
        Refused = "refused",
        /// Only blocking addresses (0.0.0.0, ::) in the answer: a DNS filter.
        Sinkholed = "sinkholed",
        // shared by several stages
        Timeout = "timeout",
        Unreachable = "unreachable",
        Reset = "reset",
        Closed = "closed",
        // proxy
        AuthRequired = "auth_required",
        AuthRejected = "auth_rejected",
        UpstreamDnsFailed = "upstream_dns_failed",
        UpstreamUnreachable = "upstream_unreachable",
        UpstreamTimeout = "upstream_timeout",
        Unavailable = "unavailable",
        // tls
        ProtocolVersion = "protocol_version",
        NoCommonCipher = "no_common_cipher",
        NotTls = "not_tls",
        /// TLS framing or a handshake message that breaks the protocol (lengths, sizes, order).
        Malformed = "malformed",
        Alert = "alert",
        // certificate
        Expired = "expired",
        NotYetValid = "not_yet_valid",
        NameMismatch = "name_mismatch",
        UnknownIssuer = "unknown_issuer",
        IncompleteChain = "incomplete_chain",
        SelfSigned = "self_signed",
        Intercepted = "intercepted",
        BadSignature = "bad_signature",
        UnknownCriticalExtension = "unknown_critical_extension",
        // clock
        Skew = "skew",
        // http
        Unauthorized = "unauthorized",
        Forbidden = "forbidden",
        NotFound = "not_found",
        ServerError = "server_error",
        BadGateway = "bad_gateway",
        ServiceUnavailable = "service_unavailable",
        SoapFault = "soap_fault",
        NotService = "not_service",
        NotHttp = "not_http",
        UnexpectedStatus = "unexpected_status",
        // host (the WSUS host's own policy, `wsusprobe host`)
        Tls12ClientDisabled = "tls12_client_disabled",
        LegacyProtocolsOnly = "legacy_protocols_only",
        DotnetStrongCryptoMissing = "dotnet_strong_crypto_missing",
        CipherOrderExcludesMicrosoftUpdate = "cipher_order_excludes_microsoft_update",
        W3wpTlsSwitchMissing = "w3wp_tls_switch_missing",
        /// WSUS goes through a proxy, WinHTTP (Windows' own certificate fetches) goes direct.
        WinhttpDirectWsusProxied = "winhttp_direct_wsus_proxied",
        RootAutoUpdateDisabled = "root_auto_update_disabled",
    }
}

named! {
    pub enum RouteKind {
        Direct = "direct",
        Proxy = "proxy",
    }
}

/// The result of one stage: data only, formatted by the renderers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StageWire")]
pub struct StageResult {
    pub stage: Stage,
    pub status: Status,
    pub kind: Option<Kind>,
    pub elapsed_ms: f64,
    pub message: String,
    /// The stage's evidence (addresses, negotiated suite, chain summary, skew, status line…),
    /// typed by the stage.
    pub detail: Detail,
}

/// A stage as read from a report: the detail is typed once the stage beside it is known.
#[derive(Deserialize)]
struct StageWire {
    stage: Stage,
    status: Status,
    kind: Option<Kind>,
    elapsed_ms: f64,
    message: String,
    detail: Value,
}

impl TryFrom<StageWire> for StageResult {
    type Error = String;

    fn try_from(w: StageWire) -> Result<Self, String> {
        let detail = Detail::read(w.stage, w.detail)
            .map_err(|e| format!("the {} stage's detail: {e}", w.stage))?;
        Ok(StageResult {
            stage: w.stage,
            status: w.status,
            kind: w.kind,
            elapsed_ms: w.elapsed_ms,
            message: w.message,
            detail,
        })
    }
}

impl StageResult {
    fn new(
        stage: Stage,
        status: Status,
        kind: Option<Kind>,
        message: String,
        detail: impl Into<Detail>,
    ) -> Self {
        Self {
            stage,
            status,
            kind,
            elapsed_ms: 0.0,
            message,
            detail: detail.into(),
        }
    }

    pub fn pass(stage: Stage, message: impl Into<String>, detail: impl Into<Detail>) -> Self {
        Self::new(stage, Status::Pass, None, message.into(), detail)
    }

    pub fn fail(
        stage: Stage,
        kind: Kind,
        message: impl Into<String>,
        detail: impl Into<Detail>,
    ) -> Self {
        Self::new(stage, Status::Fail, Some(kind), message.into(), detail)
    }

    pub fn warn(
        stage: Stage,
        kind: Option<Kind>,
        message: impl Into<String>,
        detail: impl Into<Detail>,
    ) -> Self {
        Self::new(stage, Status::Warn, kind, message.into(), detail)
    }

    pub fn skip(stage: Stage, message: impl Into<String>) -> Self {
        Self::new(stage, Status::Skip, None, message.into(), Detail::None)
    }

    /// The HTTP status the proxy answered with, when the stage failed on it (the verdict's
    /// Windows code follows it).
    pub fn answer_status(&self) -> Option<u16> {
        self.detail.proxy().and_then(detail::ProxyDetail::status)
    }

    pub fn with_elapsed(mut self, elapsed: std::time::Duration) -> Self {
        self.record_elapsed(elapsed);
        self
    }

    /// The stage's time, in milliseconds to a tenth.
    pub fn record_elapsed(&mut self, elapsed: std::time::Duration) {
        self.elapsed_ms = (elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    }

    pub fn failed(&self) -> bool {
        self.status == Status::Fail
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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
    pub config: Option<ConfigLint>,
    pub paths: Vec<PathReport>,
    /// With `--route both`: each URL whose direct and proxy routes disagree, and what that means.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteComparison>,
}

/// A URL probed both directly and through the proxy, whose routes came to different outcomes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct RouteComparison {
    pub target: String,
    /// `pass`, or the verdict as `stage/kind`.
    pub direct: String,
    pub proxy: String,
    /// Where the routes part and what that means, in one sentence.
    pub summary: String,
}

/// The JSON Schema of the report as wsusprobe writes it (`--format json`): every field it always
/// writes is required (`null` where the type says so), every field it may leave out is optional,
/// and no other field is allowed. Published as `testdata/schema/report.schema.json`.
pub fn report_schema() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Report>()
}

/// How far an interrupted run got.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Interrupted {
    pub finished: usize,
    pub planned: usize,
}
