//! What a proxy's answer that is not a tunnel means: the proxy stage's kind and words for it, by
//! the proxy's own error marker (Squid's `X-Squid-Error`) and its status. A leaf of `proxy/`:
//! the stage (`mod.rs`) and the authentication legs (`negotiate.rs`) both read it.

use super::wire::{Answer, MAX_HEAD};
use crate::knowledge::proxies;
use crate::knowledge::remedies::{self, Remedy};
use crate::model::Kind;

/// The kind and words of a proxy's refusal: an answer that is not a tunnel (or of a forwarded request's answer
/// that came from the proxy itself). `creds_sent` turns a 407 into `auth_rejected`.
pub fn refusal(answer: &Answer, creds_sent: bool) -> (Kind, String) {
    match answer {
        Answer::Head(h) => {
            let line = h.status_line();
            if h.status == 407 {
                let schemes = h.schemes();
                let offered = if schemes.is_empty() {
                    "no scheme offered".to_string()
                } else {
                    format!("offers {}", schemes.join(", "))
                };
                return if creds_sent {
                    (
                        Kind::AuthRejected,
                        format!("the proxy rejected the credentials ({line} again; it {offered})"),
                    )
                } else {
                    (
                        Kind::AuthRequired,
                        format!(
                            "the proxy requires authentication ({line}; it {offered}); {}",
                            remedies::text(Remedy::GiveProxyUser)
                        ),
                    )
                };
            }
            if let Some(m) = h.header("x-squid-error").and_then(proxies::squid_marker) {
                let raw = h.header("x-squid-error").unwrap_or_default();
                return (m.kind, format!("{line}, {raw}: {}", m.meaning));
            }
            let kind = proxies::kind_for_status(h.status);
            let what = match kind {
                Kind::Forbidden => "the proxy's policy denies this destination",
                Kind::UpstreamUnreachable => "the proxy could not reach the target",
                Kind::UpstreamTimeout => "the proxy timed out reaching the target",
                Kind::Unavailable => "the proxy says it is unavailable",
                _ => "unexpected answer to CONNECT",
            };
            (kind, format!("{line}: {what}"))
        }
        Answer::Timeout { bytes: 0 } => (
            Kind::Timeout,
            "the proxy accepted the connection but did not answer the CONNECT in time".into(),
        ),
        Answer::Timeout { bytes } => (
            Kind::Timeout,
            format!("the proxy's answer stopped after {bytes} bytes, before its header ended"),
        ),
        Answer::Closed { bytes } => (
            Kind::Closed,
            format!(
                "the proxy closed the connection after {bytes} bytes, without a complete answer"
            ),
        ),
        Answer::Reset => (
            Kind::Closed,
            "the proxy reset the connection instead of answering".into(),
        ),
        Answer::NotHttp(l) => (
            Kind::NotHttp,
            format!("the proxy port does not answer in HTTP: \"{l}\""),
        ),
        Answer::TooLarge => (
            Kind::NotHttp,
            format!(
                "the proxy's answer header is larger than {} KiB",
                MAX_HEAD / 1024
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::proxy::parse_head;

    fn head(raw: &str) -> Answer {
        parse_head(raw.as_bytes())
    }

    #[test]
    fn classifies_squid_answers() {
        let a = head(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nProxy-Authenticate: NTLM\r\n\r\n",
        );
        let (k, m) = refusal(&a, false);
        assert_eq!(k, Kind::AuthRequired);
        assert!(m.contains("Basic, NTLM"), "{m}");
        assert_eq!(refusal(&a, true).0, Kind::AuthRejected);
        let a =
            head("HTTP/1.1 503 Service Unavailable\r\nX-Squid-Error: ERR_CONNECT_FAIL 111\r\n\r\n");
        assert_eq!(refusal(&a, false).0, Kind::UpstreamUnreachable);
        let a = head(
            "HTTP/1.1 500 Internal Server Error\r\nX-Squid-Error: ERR_CANNOT_FORWARD 0\r\n\r\n",
        );
        assert_eq!(refusal(&a, false).0, Kind::UpstreamDnsFailed);
        assert_eq!(
            refusal(&head("HTTP/1.1 502 Bad Gateway\r\n\r\n"), false).0,
            Kind::UpstreamUnreachable
        );
        assert_eq!(
            refusal(&head("HTTP/1.0 503 Busy\r\n\r\n"), false).0,
            Kind::Unavailable
        );
        assert_eq!(
            refusal(&head("HTTP/1.1 403 Forbidden\r\n\r\n"), false).0,
            Kind::Forbidden
        );
        assert_eq!(
            refusal(&head("HTTP/1.1 302 Found\r\n\r\n"), false).0,
            Kind::UnexpectedStatus
        );
        assert_eq!(refusal(&head("garbage\r\n\r\n"), false).0, Kind::NotHttp);
    }
}
