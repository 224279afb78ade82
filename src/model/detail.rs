//! The evidence each stage records: one type per stage, written into the report as the stage's
//! `detail` object. The stage named beside it says which type it is (see `Detail::read`).
//!
//! Two wire rules, both checked by the golden round-trip and by every lab report the tests decode:
//! - fields are declared in alphabetical order, the order the report has had since 0.1 (its
//!   objects were sorted maps);
//! - a field is either *optional* (`#[serde(default, skip_serializing_if = "Option::is_none")]`:
//!   absent when unknown, never `null`), *nullable* (a plain `Option`: always present, `null` when
//!   unknown), or both (`Nullable`, for the few fields that one branch of a stage writes as `null`
//!   and another leaves out).
//!
//! The JSON Schema of the whole report (`testdata/schema/report.schema.json`) is generated from
//! these types; `tests/schema.rs` keeps it current and validates reports against it.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{Kind, Stage, Status, named};

/// A field that one branch writes as `null` and another leaves out: `None` absent, `Some(None)`
/// `null`.
pub type Nullable<T> = Option<Option<T>>;

/// Read a `Nullable`: present (even as `null`) is `Some`; `#[serde(default)]` makes absent `None`.
fn nullable<'de, D, T>(d: D) -> Result<Nullable<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A stage's evidence. Serialised as the bare object (the stage name sits beside it); `None` is
/// the empty object of a skipped stage, or of a failure found before any evidence existed.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Detail {
    #[default]
    None,
    Endpoint(EndpointDetail),
    Dns(DnsDetail),
    Tcp(TcpDetail),
    Proxy(ProxyDetail),
    Tls(TlsDetail),
    Certificate(CertificateDetail),
    Clock(ClockDetail),
    Http(HttpDetail),
}

impl Serialize for Detail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Detail::None => serde::ser::SerializeMap::end(s.serialize_map(Some(0))?),
            Detail::Endpoint(d) => d.serialize(s),
            Detail::Dns(d) => d.serialize(s),
            Detail::Tcp(d) => d.serialize(s),
            Detail::Proxy(d) => d.serialize(s),
            Detail::Tls(d) => d.serialize(s),
            Detail::Certificate(d) => d.serialize(s),
            Detail::Clock(d) => d.serialize(s),
            Detail::Http(d) => d.serialize(s),
        }
    }
}

impl Detail {
    /// The detail object of `stage` read back into its type: `{}` is `None` whatever the stage.
    pub fn read(stage: Stage, value: Value) -> Result<Detail, serde_json::Error> {
        use serde_json::from_value as from;
        if value.as_object().is_some_and(|m| m.is_empty()) {
            return Ok(Detail::None);
        }
        Ok(match stage {
            Stage::Endpoint => Detail::Endpoint(from(value)?),
            Stage::Dns => Detail::Dns(from(value)?),
            Stage::Tcp => Detail::Tcp(from(value)?),
            Stage::Proxy => Detail::Proxy(from(value)?),
            Stage::Tls => Detail::Tls(from(value)?),
            Stage::Certificate => Detail::Certificate(from(value)?),
            Stage::Clock => Detail::Clock(from(value)?),
            Stage::Http => Detail::Http(from(value)?),
            Stage::Host => {
                return Err(serde::de::Error::custom(
                    "the host stage carries no detail object",
                ));
            }
        })
    }

    /// Record what the idle-connection check saw, on the stage whose reset or close it explains.
    /// False when this stage's evidence has no place for it.
    pub fn note_idle(&mut self, seen: IdleWatch) -> bool {
        let slot = match self {
            Detail::Tcp(d) => &mut d.idle_connection,
            Detail::Proxy(ProxyDetail::Tunnel(d)) => &mut d.idle_connection,
            Detail::Tls(TlsDetail::Refused(d)) => &mut d.idle_connection,
            Detail::Tls(TlsDetail::Offered(d)) => &mut d.idle_connection,
            Detail::Http(HttpDetail::Answered(d)) => &mut d.idle_connection,
            Detail::Http(HttpDetail::Unanswered(d)) => &mut d.idle_connection,
            _ => return false,
        };
        *slot = Some(seen);
        true
    }

    pub fn dns(&self) -> Option<&DnsDetail> {
        match self {
            Detail::Dns(d) => Some(d),
            _ => None,
        }
    }

    pub fn tcp(&self) -> Option<&TcpDetail> {
        match self {
            Detail::Tcp(d) => Some(d),
            _ => None,
        }
    }

    pub fn proxy(&self) -> Option<&ProxyDetail> {
        match self {
            Detail::Proxy(d) => Some(d),
            _ => None,
        }
    }

    pub fn tls(&self) -> Option<&TlsDetail> {
        match self {
            Detail::Tls(d) => Some(d),
            _ => None,
        }
    }

    pub fn certificate(&self) -> Option<&ChainAnalysis> {
        match self {
            Detail::Certificate(CertificateDetail::Analysed(d)) => Some(d),
            _ => None,
        }
    }

    pub fn clock(&self) -> Option<&ClockDetail> {
        match self {
            Detail::Clock(d) => Some(d),
            _ => None,
        }
    }

    pub fn http(&self) -> Option<&HttpAnswer> {
        match self {
            Detail::Http(HttpDetail::Answered(d)) => Some(d),
            _ => None,
        }
    }
}

/// `StageResult::pass(stage, msg, detail)` takes any stage's evidence type.
macro_rules! into_detail {
    ($($ty:ty => |$d:ident| $wrap:expr,)*) => {
        $(impl From<$ty> for Detail {
            fn from($d: $ty) -> Detail {
                $wrap
            }
        })*
    };
}

into_detail! {
    EndpointDetail => |d| Detail::Endpoint(d),
    DnsDetail => |d| Detail::Dns(d),
    TcpDetail => |d| Detail::Tcp(d),
    ProxyDetail => |d| Detail::Proxy(d),
    TlsDetail => |d| Detail::Tls(d),
    CertificateDetail => |d| Detail::Certificate(d),
    ClockDetail => |d| Detail::Clock(d),
    HttpDetail => |d| Detail::Http(d),
    TunnelDetail => |d| Detail::Proxy(ProxyDetail::Tunnel(d)),
    ForwardDetail => |d| Detail::Proxy(ProxyDetail::Forward(d)),
    Negotiated => |d| Detail::Tls(TlsDetail::Negotiated(d)),
    RawOffer => |d| Detail::Tls(TlsDetail::Offered(d)),
    Refused => |d| Detail::Tls(TlsDetail::Refused(d)),
    ChainAnalysis => |d| Detail::Certificate(CertificateDetail::Analysed(Box::new(d))),
    HttpAnswer => |d| Detail::Http(HttpDetail::Answered(Box::new(d))),
    NoAnswer => |d| Detail::Http(HttpDetail::Unanswered(d)),
}

/// The schema of one stage's entry in `paths[].stages`: its name, and its detail's type (or the
/// empty object).
fn stage_schema<T: JsonSchema>(
    g: &mut schemars::SchemaGenerator,
    stage: Stage,
) -> schemars::Schema {
    let detail = g.subschema_for::<T>();
    let status = g.subschema_for::<Status>();
    let kind = g.subschema_for::<Option<Kind>>();
    schemars::json_schema!({
        "type": "object",
        "additionalProperties": false,
        "required": ["stage", "status", "kind", "elapsed_ms", "message", "detail"],
        "properties": {
            "stage": {"const": stage.as_str()},
            "status": status,
            "kind": kind,
            "elapsed_ms": {"type": "number"},
            "message": {"type": "string"},
            "detail": {"anyOf": [{"type": "object", "maxProperties": 0}, detail]},
        }
    })
}

impl JsonSchema for super::StageResult {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StageResult".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one_of = vec![
            stage_schema::<EndpointDetail>(g, Stage::Endpoint),
            stage_schema::<DnsDetail>(g, Stage::Dns),
            stage_schema::<TcpDetail>(g, Stage::Tcp),
            stage_schema::<ProxyDetail>(g, Stage::Proxy),
            stage_schema::<TlsDetail>(g, Stage::Tls),
            stage_schema::<CertificateDetail>(g, Stage::Certificate),
            stage_schema::<ClockDetail>(g, Stage::Clock),
            stage_schema::<HttpDetail>(g, Stage::Http),
        ];
        schemars::json_schema!({
            "description": "One stage of a path: its status, the failure kind, and its evidence, typed by the stage.",
            "oneOf": one_of,
        })
    }
}

named! {
    /// What an idle connection to the peer showed, when a reset or close needed explaining.
    pub enum IdleWatch {
        /// The peer resets even a connection that sends nothing: the reset is the tcp stage's.
        ResetAtOnce = "reset at once, with nothing sent",
        /// The idle connection survives: the peer reacted to what the stage sent.
        StaysOpen = "stays open: the peer reacted to what was sent",
    }
}

// ---- endpoint ----------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointDetail {
    pub host: String,
    /// Absent when a catalog rule matched (the rule names the endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// What is sent: the SOAP GetAuthConfig call, or a plain GET.
    pub role: String,
    /// The catalog entry that matched a decommissioned or legacy endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

// ---- dns ---------------------------------------------------------------------------------------

named! {
    /// Where the addresses came from, when no DNS server was asked.
    pub enum DnsSource {
        Literal = "literal",
        Resolve = "--resolve",
        System = "system",
    }
}

named! {
    /// Which hop the dns stage resolved: the target (direct), or the proxy.
    pub enum Hop {
        Target = "target",
        Proxy = "proxy",
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsDetail {
    /// How many addresses the answer held (the list keeps the first ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_count: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<String>>,
    /// An alias chain that leads nowhere: the name asked for, its CNAME target(s), and last the
    /// name that does not exist or has no address (the dead link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname_chain: Option<Vec<String>>,
    /// The names of a CNAME chain that comes back on itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname_loop: Option<Vec<String>>,
    /// `name → canonical` for each CNAME in the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnames: Option<Vec<String>>,
    /// The resolver's own error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop: Option<Hop>,
    /// The name asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The resolver asked: "system" or an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<DnsSource>,
    /// Through a proxy: the target resolved locally too, as information only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_local: Option<LocalLookup>,
    /// The smallest TTL of the address records (`null` when none carried one).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    pub ttl: Nullable<u32>,
}

/// The local resolver's view of the target on the proxy route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalLookup {
    /// Always written (`null` for a pass); absent in reports saved before it existed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    pub kind: Nullable<Kind>,
    pub message: String,
    pub note: String,
    pub status: Status,
}

// ---- tcp ---------------------------------------------------------------------------------------

named! {
    /// How one connection attempt ended.
    pub enum AttemptResult {
        Connected = "connected",
        Refused = "refused",
        Timeout = "timeout",
        Unreachable = "unreachable",
        Reset = "reset",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpDetail {
    /// The address connected to (absent when every attempt failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub attempts: Vec<Attempt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_connection: Option<IdleWatch>,
    /// The local end of the connection (present once connected; `null` if the OS did not say).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    pub local: Nullable<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds, to a tenth.
    pub ms: f64,
    pub result: AttemptResult,
}

// ---- proxy -------------------------------------------------------------------------------------

/// The proxy stage: a CONNECT tunnel (https://), or a request forwarded in absolute form
/// (http://).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ProxyDetail {
    Tunnel(TunnelDetail),
    Forward(ForwardDetail),
}

impl ProxyDetail {
    /// The HTTP status the proxy itself answered with, when the stage failed on one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ProxyDetail::Tunnel(t) => t.status,
            ProxyDetail::Forward(f) => f.status,
        }
    }

    /// The proxy's last status line (`500 Internal Server Error`), when it answered with one.
    pub fn status_line(&self) -> Option<&str> {
        match self {
            ProxyDetail::Tunnel(t) => t.legs.iter().rev().find_map(|l| match l {
                Leg::Answered(a) => Some(a.status_line.as_str()),
                Leg::Unanswered(_) => None,
            }),
            ProxyDetail::Forward(f) => f.status_line.as_deref(),
        }
    }

    /// What the security library did, when the proxy was answered with Negotiate as the
    /// process's own identity.
    pub fn negotiate(&self) -> Option<&NegotiateDetail> {
        match self {
            ProxyDetail::Tunnel(t) => t.negotiate.as_ref(),
            ProxyDetail::Forward(f) => f.negotiate.as_ref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TunnelDetail {
    /// After an answer that cannot tell the proxy's DNS from its next hop: the same CONNECT
    /// naming the address the target has here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_check: Option<PortCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_connection: Option<IdleWatch>,
    /// Each CONNECT sent and what came back (credentials named, never shown).
    pub legs: Vec<Leg>,
    /// Negotiate with this process's own identity (Kerberos, or NTLM inside it): what the
    /// security library did. Never a token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negotiate: Option<NegotiateDetail>,
    /// The schemes the proxy offered in `Proxy-Authenticate`.
    pub offered_schemes: Vec<String>,
    /// After a 403 on a port other than 443: the same CONNECT to port 443.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_check: Option<PortCheck>,
    pub proxy: String,
    pub round_trips: usize,
    /// The scheme credentials were sent with (`null`: none were).
    pub scheme: Option<String>,
    /// The proxy's status, when the stage failed on its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `host:port` of the CONNECT.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// A Negotiate answer made with the identity the process runs as, as WSUS makes it with the
/// computer account: through SSPI on Windows, GSSAPI elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NegotiateDetail {
    /// The security library's own words when it could not make a token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The principal the token speaks for, when the library tells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Which library made the token (`SSPI (Negotiate)`, `GSSAPI (SPNEGO)`).
    pub library: String,
    /// The mechanism inside the token: `Kerberos` or `NTLM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<String>,
    /// The service principal a ticket was asked for (`HTTP/proxy.contoso.com`).
    pub spn: String,
}

impl NegotiateDetail {
    /// `Kerberos as alice@LAB.TEST`: the mechanism and identity, as far as known.
    pub fn summary(&self) -> String {
        let mechanism = self.mechanism.as_deref().unwrap_or("Negotiate");
        match &self.identity {
            Some(i) => format!("{mechanism} as {i}"),
            None => mechanism.to_string(),
        }
    }
}

/// One CONNECT: answered with a header, or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Leg {
    Answered(AnsweredLeg),
    Unanswered(UnansweredLeg),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnsweredLeg {
    /// Which credentials the request carried (`null`: none).
    pub credentials: Option<String>,
    pub proxy_authenticate: Vec<String>,
    pub request: String,
    pub server: Option<String>,
    pub status_line: String,
    pub via: Option<String>,
    pub x_squid_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnansweredLeg {
    /// What happened instead of an answer (timeout, closed, reset, not HTTP…).
    pub answer: String,
    pub credentials: Option<String>,
    pub request: String,
}

impl Leg {
    pub fn x_squid_error(&self) -> Option<&str> {
        match self {
            Leg::Answered(a) => a.x_squid_error.as_deref(),
            Leg::Unanswered(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortCheck {
    pub request: String,
    /// The proxy's status for it (`null`: no answer header).
    pub status: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardDetail {
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negotiate: Option<NegotiateDetail>,
    pub proxy: String,
    /// Present when the proxy answered the request itself (a 407, an error page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_authenticate: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    pub x_squid_error: Nullable<String>,
}

// ---- tls ---------------------------------------------------------------------------------------

/// The tls stage: a handshake rustls finished, an offer of the raw engine, or a refusal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TlsDetail {
    Negotiated(Negotiated),
    Offered(RawOffer),
    Refused(Refused),
}

impl TlsDetail {
    /// The negotiated version and suite, when the handshake got that far.
    pub fn agreed(&self) -> Option<(&str, &str)> {
        match self {
            TlsDetail::Negotiated(n) => Some((&n.version, &n.suite)),
            TlsDetail::Offered(RawOffer {
                version: Some(v),
                suite: Some(s),
                ..
            }) => Some((v, s)),
            _ => None,
        }
    }

    /// The suites the handshake offered, in order.
    pub fn offered_suites(&self) -> &[String] {
        match self {
            TlsDetail::Negotiated(n) => &n.offered_suites,
            TlsDetail::Offered(o) => &o.offered_suites,
            TlsDetail::Refused(r) => &r.offered_suites,
        }
    }

    pub fn follow_up(&self) -> &[FollowUpHello] {
        match self {
            TlsDetail::Offered(o) => o.follow_up.as_deref().unwrap_or_default(),
            TlsDetail::Refused(r) => r.follow_up.as_deref().unwrap_or_default(),
            TlsDetail::Negotiated(_) => &[],
        }
    }

    /// Where the Schannel cross-check goes.
    pub fn schannel_mut(&mut self) -> &mut Option<SchannelCheck> {
        match self {
            TlsDetail::Negotiated(n) => &mut n.schannel,
            TlsDetail::Offered(o) => &mut o.schannel,
            TlsDetail::Refused(r) => &mut r.schannel,
        }
    }

    pub fn idle_connection(&self) -> Option<IdleWatch> {
        match self {
            TlsDetail::Offered(o) => o.idle_connection,
            TlsDetail::Refused(r) => r.idle_connection,
            TlsDetail::Negotiated(_) => None,
        }
    }
}

/// A handshake rustls completed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Negotiated {
    pub alpn: Option<String>,
    pub group: String,
    /// The raw-engine offer this handshake completed (`--client-profile`, a GPO-style list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<Box<RawOffer>>,
    pub offered_suites: Vec<String>,
    /// The same handshake through this host's Schannel (Windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schannel: Option<SchannelCheck>,
    /// The server name sent (`null` for an address).
    pub sni: Option<String>,
    pub suite: String,
    pub version: String,
}

/// A ClientHello the raw engine sent, and what the server chose (or why it refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOffer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<Vec<FollowUpHello>>,
    /// The group the server chose (present once it answered; `null` for none).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    pub group: Nullable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_connection: Option<IdleWatch>,
    /// The offer's name (a client profile, or the cipher list).
    pub offer: String,
    pub offered_groups: Vec<String>,
    pub offered_suites: Vec<String>,
    pub offered_versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schannel: Option<SchannelCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A rustls handshake that failed, and the follow-up hellos that explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Refused {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<Vec<FollowUpHello>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_connection: Option<IdleWatch>,
    /// The raw-engine offer whose completion failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<Box<RawOffer>>,
    pub offered_suites: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schannel: Option<SchannelCheck>,
}

/// One handshake through Windows' own Schannel with the system's defaults: what this host
/// offered (read from its ClientHello) and what the server chose, or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchannelCheck {
    /// The server's alert, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// Schannel's status when it failed (`SEC_E_ALGORITHM_MISMATCH (0x80090331): …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub ok: bool,
    pub offered_suites: Vec<String>,
    pub offered_versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One follow-up hello: what it offered and what came back (or, for a suite scan, what the
/// server accepted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpHello {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    pub offer: String,
}

impl FollowUpHello {
    pub fn answered(offer: impl Into<String>, answer: impl Into<String>) -> FollowUpHello {
        FollowUpHello {
            accepted: None,
            answer: Some(answer.into()),
            offer: offer.into(),
        }
    }
}

// ---- certificate -------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CertificateDetail {
    Analysed(Box<ChainAnalysis>),
    /// The leaf could not be parsed: only its fingerprint.
    Unparsable {
        sha256: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainAnalysis {
    /// A missing issuer's AIA URL that could not be fetched, and where the fetch broke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aia_failure: Option<AiaFailure>,
    /// Every certificate the server sent that parsed, leaf first.
    pub chain: Vec<CertSummary>,
    /// How many certificates the server sent.
    pub chain_sent: usize,
    /// Issuers the server left out, fetched from AIA URLs as Windows fetches them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fetched: Vec<FetchedIssuer>,
    /// The issuer that re-signed a Microsoft host's certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intercepted_by: Option<String>,
    pub leaf: Leaf,
    /// Every problem found, the verdict's first.
    pub problems: Vec<Problem>,
    /// The trust stores the anchors came from, with their counts (always written; absent in
    /// reports saved by versions before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_stores: Option<Vec<String>>,
    /// The anchor the chain ends at (`null`: none).
    pub trusted_by: Option<String>,
    /// "ok", or webpki's error.
    pub webpki: String,
}

/// A certificate fetched from an AIA caIssuers URL (CryptoAPI's retrieval, over WinHTTP's route).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchedIssuer {
    /// `DER` or `PKCS#7`.
    pub format: String,
    pub not_after: String,
    /// WinHTTP's route it was fetched over: `direct`, or `proxy http://…, from …`.
    pub route: String,
    pub sha256: String,
    pub subject: String,
    pub url: String,
}

/// Where the fetch of a missing issuer broke: the stage and kind of that small path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AiaFailure {
    pub kind: Kind,
    pub message: String,
    pub route: String,
    pub stage: Stage,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertSummary {
    pub issuer: String,
    pub not_after: String,
    pub not_before: String,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Leaf {
    /// The Authority Information Access caIssuers URL (`null`: none). Always written; absent in
    /// reports saved before it existed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    pub aia_ca_issuers: Nullable<String>,
    pub issuer: String,
    pub key: String,
    /// The first 20 DNS names (subject alternative names, else the CN).
    pub names: Vec<String>,
    pub names_total: usize,
    pub not_after: String,
    pub not_before: String,
    pub sha256: String,
    pub signature_algorithm: String,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    pub kind: Kind,
    pub message: String,
}

// ---- clock -------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockDetail {
    /// When the Date header was read, by the local clock (absent when the Date is not valid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_time: Option<String>,
    /// The Date header as sent.
    pub server_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<String>,
    /// Local minus server, in seconds to a tenth (positive: the local clock is ahead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skew_seconds: Option<f64>,
}

// ---- http --------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum HttpDetail {
    Answered(Box<HttpAnswer>),
    Unanswered(NoAnswer),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpAnswer {
    pub body_bytes: usize,
    /// False when the body was still coming at the size or time cap.
    pub body_complete: bool,
    pub content_type: Option<String>,
    /// The Date header (cut at 200 characters).
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_connection: Option<IdleWatch>,
    pub location: Option<String>,
    /// What was sent: "POST GetAuthConfig" or "GET".
    pub request: String,
    pub server: Option<String>,
    /// The SOAP fault's ErrorCode (or faultstring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soap_error: Option<String>,
    pub status: u16,
    pub status_line: String,
    /// An HTML page's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub x_squid_error: Option<String>,
}

/// No answer header: the request failed, or the answer was not HTTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoAnswer {
    /// Bytes received before reading stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_connection: Option<IdleWatch>,
    pub request: String,
}
