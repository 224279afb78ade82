//! What sync failures look like in SoftwareDistribution.log, wsyncmgr.log and WCM.log (seeds
//! 000–004, research/microsoft-update-facts.md §4.4), and the probe stage that tests each.
//! Matched case-insensitively, most specific first; one line counts for its first match.

use crate::model::Stage;

#[derive(Debug)]
pub struct LogPattern {
    pub id: &'static str,
    /// All of these must appear in the line (lower case).
    pub needles: &'static [&'static str],
    pub cause: &'static str,
    pub stage: Stage,
}

const fn p(
    id: &'static str,
    needles: &'static [&'static str],
    cause: &'static str,
    stage: Stage,
) -> LogPattern {
    LogPattern {
        id,
        needles,
        cause,
        stage,
    }
}

pub static LOG_PATTERNS: &[LogPattern] = &[
    p(
        "soap_fault_old_endpoint",
        &["soapexception", "fe2.update.microsoft.com"],
        "SOAP fault from the decommissioned fe2 endpoint: MUUrl must be https://sws.update.microsoft.com (RedirectorChangeNumber 4002)",
        Stage::Endpoint,
    ),
    p(
        "soap_fault_old_endpoint",
        &["actor = https://fe2.update.microsoft.com"],
        "SOAP fault from the decommissioned fe2 endpoint: MUUrl must be https://sws.update.microsoft.com (RedirectorChangeNumber 4002)",
        Stage::Endpoint,
    ),
    p(
        "soap_fault",
        &["soapexception"],
        "SOAP fault from the sync service (the service was reached)",
        Stage::Http,
    ),
    p(
        "no_common_algorithm",
        &["do not possess a common algorithm"],
        "no TLS version or cipher suite in common (TLS 1.2 disabled or a cipher-suite policy)",
        Stage::Tls,
    ),
    p(
        "connection_reset_on_send",
        &["underlying connection was closed", "forcibly closed"],
        "the connection was reset during TLS: the server (or a middlebox) refused the ClientHello",
        Stage::Tls,
    ),
    p(
        "trust_failure",
        &["could not establish trust relationship"],
        "certificate not trusted (chain, name, expiry, TLS inspection — or the clock)",
        Stage::Certificate,
    ),
    p(
        "untrusted_root",
        &["not microsoft root ca signed"],
        "the chain does not end at Microsoft's root: TLS inspection or a missing root",
        Stage::Certificate,
    ),
    p(
        "secure_channel",
        &["could not create ssl/tls secure channel"],
        "the TLS channel could not be created",
        Stage::Tls,
    ),
    p(
        "remote_closed",
        &["remote party has closed the transport stream"],
        "the peer closed the connection during TLS (often a proxy)",
        Stage::Tls,
    ),
    p(
        "name_not_resolved",
        &["remote name could not be resolved"],
        "the server name does not resolve",
        Stage::Dns,
    ),
    p(
        "proxy_name_not_resolved",
        &["proxy name could not be resolved"],
        "the proxy's name does not resolve",
        Stage::Dns,
    ),
    p(
        "connect_refused",
        &["actively refused"],
        "connection refused",
        Stage::Tcp,
    ),
    p(
        "connect_timeout",
        &["did not properly respond after a period of time"],
        "connection attempt timed out (firewall or missing proxy)",
        Stage::Tcp,
    ),
    p(
        "unable_to_connect",
        &["unable to connect to the remote server"],
        "could not connect to the server",
        Stage::Tcp,
    ),
    p(
        "http_407",
        &["http status 407"],
        "the proxy requires authentication (HTTP 407)",
        Stage::Proxy,
    ),
    p(
        "http_407",
        &["(407)"],
        "the proxy requires authentication (HTTP 407)",
        Stage::Proxy,
    ),
    p(
        "http_401",
        &["http status 401"],
        "HTTP 401: the service requires authentication (DssAuthWebService must allow anonymous)",
        Stage::Http,
    ),
    p(
        "http_403",
        &["http status 403"],
        "HTTP 403: refused by the proxy's policy or the server",
        Stage::Proxy,
    ),
    p(
        "http_502",
        &["http status 502"],
        "HTTP 502: a proxy or gateway could not reach the service",
        Stage::Proxy,
    ),
    p(
        "http_503",
        &["http status 503"],
        "HTTP 503: the service or the proxy is unavailable (WsusPool?)",
        Stage::Http,
    ),
    p(
        "http_500",
        &["http status 500"],
        "HTTP 500: the service failed",
        Stage::Http,
    ),
    p(
        "timeout",
        &["the operation has timed out"],
        "the operation timed out",
        Stage::Tcp,
    ),
];

/// SCHANNEL startup lines WSUS writes when its TLS 1.2 fix is installed.
pub const SCHANNEL_MARKER: &str = "schannel protocol";
pub const TLS12_ENABLED: &str = "'tls 1.2' not found. protocol is enabled";

/// What `logs` notes when SCHANNEL's startup lines say TLS 1.2 is enabled.
pub const NOTE_TLS12_ENABLED: &str =
    "SCHANNEL startup lines show TLS 1.2 enabled for the WSUS service";
/// … when they are there but none says so.
pub const NOTE_TLS12_NOT_SAID: &str = "SCHANNEL startup lines are present but none says TLS 1.2 is enabled: check the SCHANNEL\\Protocols\\TLS 1.2 registry keys";
/// … when a WSUS log (or one with failures) has none at all.
pub const NOTE_NO_SCHANNEL_LINES: &str = "no SCHANNEL startup lines: the TLS 1.2 fix for the WSUS sync service may be missing (Windows Server 2012/2012 R2: KB4022721/KB4022720 or a later Monthly Rollup), or the log does not cover a service start";
