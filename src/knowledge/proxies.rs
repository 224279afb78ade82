//! How proxies say what went wrong: Squid's `X-Squid-Error` markers (research/microsoft-update-facts.md
//! §7.1, Squid source) mapped to proxy-stage kinds, and the generic meaning of CONNECT statuses.

use crate::model::Kind;

#[derive(Debug)]
pub struct Marker {
    /// The marker's name, as Squid sends it: `X-Squid-Error: ERR_DNS_FAIL 0`.
    pub name: &'static str,
    /// When set, only with this errno (the number after the name).
    pub errno: Option<i32>,
    pub kind: Kind,
    pub meaning: &'static str,
}

const fn m(name: &'static str, errno: Option<i32>, kind: Kind, meaning: &'static str) -> Marker {
    Marker {
        name,
        errno,
        kind,
        meaning,
    }
}

pub static SQUID_MARKERS: &[Marker] = &[
    m(
        "ERR_DNS_FAIL",
        None,
        Kind::UpstreamDnsFailed,
        "the proxy cannot resolve the target name with its own DNS",
    ),
    // Squid 4.x–6.x report their own DNS failures as ERR_CANNOT_FORWARD (Squid bug 5294): with no
    // parent proxies configured, "no forwarding path" means "no address for the name".
    m(
        "ERR_CANNOT_FORWARD",
        None,
        Kind::UpstreamDnsFailed,
        "the proxy found no way to reach the target — Squid 4 to 6 report their own DNS failures this way (Squid bug 5294); with parent proxies it can also mean none of them is reachable",
    ),
    m(
        "ERR_CONNECT_FAIL",
        Some(110),
        Kind::UpstreamTimeout,
        "the proxy's connection to the target timed out",
    ),
    m(
        "ERR_CONNECT_FAIL",
        None,
        Kind::UpstreamUnreachable,
        "the proxy could not connect to the target",
    ),
    m(
        "ERR_READ_TIMEOUT",
        None,
        Kind::UpstreamTimeout,
        "the target did not answer the proxy in time",
    ),
    m(
        "ERR_LIFETIME_EXP",
        None,
        Kind::UpstreamTimeout,
        "the proxy gave up on the connection (lifetime expired)",
    ),
    m(
        "ERR_SECURE_CONNECT_FAIL",
        None,
        Kind::UpstreamUnreachable,
        "the inspecting proxy could not set up its own TLS connection to the target (often: it does not trust Microsoft Root CA 2011)",
    ),
    m(
        "ERR_ACCESS_DENIED",
        None,
        Kind::Forbidden,
        "the proxy's access rules deny this destination",
    ),
    m(
        "ERR_FORWARDING_DENIED",
        None,
        Kind::Forbidden,
        "the proxy refuses to forward this request",
    ),
    m(
        "ERR_CACHE_ACCESS_DENIED",
        None,
        Kind::AuthRequired,
        "the proxy requires authentication",
    ),
    m(
        "ERR_READ_ERROR",
        None,
        Kind::UpstreamUnreachable,
        "the proxy's connection to the target failed while reading",
    ),
    m(
        "ERR_ZERO_SIZE_OBJECT",
        None,
        Kind::UpstreamUnreachable,
        "the target closed the proxy's connection without an answer",
    ),
];

/// Parse `ERR_NAME 110` into the marker row that applies, if known.
pub fn squid_marker(header: &str) -> Option<&'static Marker> {
    let mut parts = header.split_whitespace();
    let name = parts.next()?;
    let errno: Option<i32> = parts.next().and_then(|e| e.parse().ok());
    SQUID_MARKERS
        .iter()
        .find(|m| m.name == name && (m.errno.is_none() || m.errno == errno))
}

/// The kind of a proxy answer by its status alone, when it carries no known marker.
pub fn kind_for_status(status: u16) -> Kind {
    match status {
        403 => Kind::Forbidden,
        407 => Kind::AuthRequired,
        502 => Kind::UpstreamUnreachable,
        503 => Kind::Unavailable,
        504 => Kind::UpstreamTimeout,
        _ => Kind::UnexpectedStatus,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(
            squid_marker("ERR_CONNECT_FAIL 110").map(|m| m.kind),
            Some(Kind::UpstreamTimeout)
        );
        assert_eq!(
            squid_marker("ERR_CONNECT_FAIL 111").map(|m| m.kind),
            Some(Kind::UpstreamUnreachable)
        );
        assert_eq!(
            squid_marker("ERR_DNS_FAIL 0").map(|m| m.kind),
            Some(Kind::UpstreamDnsFailed)
        );
        assert_eq!(
            squid_marker("ERR_CANNOT_FORWARD 0").map(|m| m.kind),
            Some(Kind::UpstreamDnsFailed)
        );
        assert!(squid_marker("ERR_SOMETHING_NEW 0").is_none());
        assert!(squid_marker("").is_none());
        assert_eq!(kind_for_status(504), Kind::UpstreamTimeout);
        assert_eq!(kind_for_status(418), Kind::UnexpectedStatus);
    }
}
