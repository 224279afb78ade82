//! Negotiate with the identity the process runs as, as WSUS answers a proxy when its console
//! holds no credentials: a Kerberos ticket for `HTTP/<proxy>` (SPNEGO from GSSAPI, the
//! Negotiate package of SSPI, which may fall back to NTLM on Windows), made by the platform's
//! security library. What the library did goes in the report (`NegotiateDetail`); the tokens
//! never do.

use base64::Engine as _;

use super::{AuthError, Exchange, Step};
use crate::knowledge::kerberos::{self, Cause};
use crate::model::Kind;
use crate::model::detail::NegotiateDetail;
use crate::platform::{self, SecurityContext};

/// Most bytes of a proxy's Negotiate token this reads.
const MAX_TOKEN: usize = 64 * 1024;

pub struct Negotiate {
    ctx: Option<Box<dyn SecurityContext>>,
    evidence: NegotiateDetail,
    /// The proxy's host as configured: an IP address cannot carry a Kerberos SPN.
    proxy_host: String,
}

impl Negotiate {
    pub fn new(spn: String, proxy_host: &str) -> Negotiate {
        Negotiate {
            ctx: None,
            evidence: NegotiateDetail {
                library: platform::NEGOTIATE_LIBRARY.to_string(),
                spn,
                ..NegotiateDetail::default()
            },
            proxy_host: proxy_host.to_string(),
        }
    }

    fn spn(&self) -> &str {
        &self.evidence.spn
    }

    /// The stage's words for a library error: the cause, the fix, and the library's own text.
    fn failure(&mut self, library_text: String) -> AuthError {
        let cause = kerberos::cause_of(&library_text);
        let mut message = format!(
            "{} ({}: {library_text}); {}",
            kerberos::what(cause, self.spn(), ""),
            self.evidence.library,
            kerberos::fix(cause, self.spn())
        );
        if cause == Cause::UnknownSpn && self.proxy_host.parse::<std::net::IpAddr>().is_ok() {
            message.push_str(
                "; the proxy is configured by its IP address, and Kerberos needs its name (Windows falls back to NTLM for an address)",
            );
        }
        self.evidence.error = Some(library_text);
        AuthError {
            kind: Kind::AuthRequired,
            message,
            clock_skew: cause == Cause::ClockSkew,
        }
    }

    /// Record what the token carries, and make the header.
    fn header(&mut self, token: &[u8]) -> String {
        if let Some(m) = mechanism_of(token) {
            self.evidence.mechanism = Some(m.to_string());
        }
        format!(
            "Negotiate {}",
            base64::engine::general_purpose::STANDARD.encode(token)
        )
    }
}

impl Exchange for Negotiate {
    fn scheme(&self) -> &'static str {
        "Negotiate"
    }

    fn connection_bound(&self) -> bool {
        // Kerberos is one leg; the NTLM fallback inside it needs the same connection.
        true
    }

    fn start(&mut self) -> Result<String, AuthError> {
        let mut ctx = match platform::negotiate_client(self.spn()) {
            Ok(c) => c,
            Err(e) => return Err(self.failure(e)),
        };
        self.evidence.identity = ctx.identity();
        let token = match ctx.step(None) {
            Ok(Some(t)) => t,
            Ok(None) => return Err(self.failure("the library made no token".into())),
            Err(e) => return Err(self.failure(e)),
        };
        self.ctx = Some(ctx);
        Ok(self.header(&token))
    }

    fn step(&mut self, challenge: Option<&str>) -> Result<Step, AuthError> {
        let Some(ctx) = self.ctx.as_mut() else {
            return Ok(Step::Done);
        };
        let Some(raw) = challenge else {
            return Ok(Step::Done);
        };
        if raw.len() > MAX_TOKEN {
            return Err(AuthError::required(
                "the proxy's Negotiate token is implausibly large",
            ));
        }
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(raw.trim()) else {
            return Err(AuthError::required(
                "the proxy's Negotiate token is not valid base64",
            ));
        };
        match ctx.step(Some(&bytes)) {
            Ok(Some(t)) => Ok(Step::Send(self.header(&t))),
            Ok(None) => Ok(Step::Done),
            Err(e) => Err(self.failure(e)),
        }
    }

    fn refused(&self, _first_leg: bool) -> Option<AuthError> {
        let identity = self
            .evidence
            .identity
            .as_deref()
            .map(|i| format!(" as {i}"))
            .unwrap_or_default();
        let message = match self.evidence.mechanism.as_deref() {
            Some("NTLM") => format!(
                "the proxy refused the NTLM answer Negotiate fell back to{identity} (no Kerberos ticket for {} was used): check the account is allowed through the proxy, and why Kerberos was not used — `klist get {}`",
                self.spn(),
                self.spn()
            ),
            _ => format!(
                "{}; {}",
                kerberos::what(Cause::ProxyRefused, self.spn(), &identity),
                kerberos::fix(Cause::ProxyRefused, self.spn())
            ),
        };
        Some(AuthError {
            kind: Kind::AuthRejected,
            message,
            clock_skew: false,
        })
    }

    fn evidence(&self) -> Option<NegotiateDetail> {
        Some(self.evidence.clone())
    }

    fn speaker(&self) -> Option<String> {
        Some(match &self.evidence.identity {
            Some(i) => format!("{i}, own identity"),
            None => "own identity".to_string(),
        })
    }
}

/// DER of the Kerberos mechanism OIDs (1.2.840.113554.1.2.2 and Microsoft's
/// 1.2.840.48018.1.2.2) and of NTLMSSP (1.3.6.1.4.1.311.2.2.10).
const KRB5_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
const MS_KRB5_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02];
const NTLM_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
const NTLM_SIGNATURE: &[u8] = b"NTLMSSP\0";

/// The mechanism a Negotiate token carries: a raw NTLM message, or the first mechanism a
/// SPNEGO or GSS token names (the one its optimistic token is for). `None` when none is found.
pub fn mechanism_of(token: &[u8]) -> Option<&'static str> {
    if token.starts_with(NTLM_SIGNATURE) {
        return Some("NTLM");
    }
    let at = |needle: &[u8]| token.windows(needle.len()).position(|w| w == needle);
    [
        (at(KRB5_OID), "Kerberos"),
        (at(MS_KRB5_OID), "Kerberos"),
        (at(NTLM_OID), "NTLM"),
        (at(NTLM_SIGNATURE), "NTLM"),
    ]
    .into_iter()
    .filter_map(|(pos, m)| pos.map(|p| (p, m)))
    .min_by_key(|(p, _)| *p)
    .map(|(_, m)| m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mechanism_sniffed_from_the_token() {
        // A raw Kerberos AP-REQ as Wine's SSPI sends it: GSS framing, then the krb5 OID.
        let mut raw = vec![0x60, 0x82, 0x02, 0xb3, 0x06, 0x09];
        raw.extend_from_slice(KRB5_OID);
        raw.extend_from_slice(&[0x01, 0x00, 0x6e]);
        assert_eq!(mechanism_of(&raw), Some("Kerberos"));
        // SPNEGO NegTokenInit listing Microsoft's krb5 OID first, then NTLM.
        let mut spnego = vec![0x60, 0x30, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
        spnego.extend_from_slice(&[0xa0, 0x20, 0x30, 0x1e, 0xa0, 0x1c, 0x30, 0x1a, 0x06, 0x09]);
        spnego.extend_from_slice(MS_KRB5_OID);
        spnego.extend_from_slice(&[0x06, 0x0a]);
        spnego.extend_from_slice(NTLM_OID);
        assert_eq!(mechanism_of(&spnego), Some("Kerberos"));
        // The NTLM fallback: SPNEGO naming NTLM only, and a raw NTLMSSP message.
        let mut fallback = vec![
            0x60, 0x28, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0x06, 0x0a,
        ];
        fallback.extend_from_slice(NTLM_OID);
        fallback.extend_from_slice(NTLM_SIGNATURE);
        assert_eq!(mechanism_of(&fallback), Some("NTLM"));
        assert_eq!(mechanism_of(b"NTLMSSP\0\x01\0\0\0"), Some("NTLM"));
        assert_eq!(mechanism_of(b"garbage"), None);
        assert_eq!(mechanism_of(&[]), None);
    }

    #[test]
    fn refusal_names_the_spn_and_the_keytab() {
        let mut n = Negotiate::new("HTTP/proxy.lab.test".into(), "proxy.lab.test");
        n.evidence.identity = Some("alice@LAB.TEST".into());
        n.evidence.mechanism = Some("Kerberos".into());
        let e = n.refused(true).unwrap_or_else(|| AuthError::required(""));
        assert_eq!(e.kind, Kind::AuthRejected);
        assert!(e.message.contains("HTTP/proxy.lab.test as alice@LAB.TEST"));
        assert!(e.message.contains("keytab"));
    }

    #[test]
    fn library_errors_become_causes_with_fixes() {
        let mut n = Negotiate::new("HTTP/10.0.0.8".into(), "10.0.0.8");
        let e = n.failure(
            "gss_init_sec_context: Unspecified GSS failure (Server HTTP/10.0.0.8@LAB.TEST not found in Kerberos database)".into(),
        );
        assert_eq!(e.kind, Kind::AuthRequired);
        assert!(
            e.message
                .starts_with("the KDC knows no account with the service principal HTTP/10.0.0.8")
        );
        assert!(e.message.contains("setspn -Q HTTP/10.0.0.8"));
        assert!(e.message.contains("IP address"));
        assert!(
            n.evidence
                .error
                .as_deref()
                .is_some_and(|t| t.contains("not found"))
        );
        let skew = n.failure("gss_init_sec_context: ... (Clock skew too great)".into());
        assert!(skew.clock_skew);
    }
}
