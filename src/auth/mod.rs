//! Proxy authentication mechanisms, behind one small interface so that a Windows SSPI backend
//! (Negotiate with the logged-on or machine account, which is what WSUS uses with default
//! credentials) can be added under `cfg(windows)` without touching the proxy stage.
//!
//! Secrets stay inside: tokens are handed to the proxy stage to put in a header, and nothing here
//! formats a password or a token into an error.

pub mod ntlm;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};

/// Proxy credentials. The password is a `SecretString`: its `Debug` is redacted, and only the
/// exchanges here read it, to build the `Proxy-Authorization` value.
#[derive(Debug)]
pub struct ProxyAuth {
    pub user: String,
    pub password: SecretString,
    /// Which scheme to answer a 407 with (`--proxy-auth`).
    pub scheme: SchemeChoice,
}

/// Which scheme to use against the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeChoice {
    /// The strongest the proxy offers that wsusprobe can do: NTLM (also inside Negotiate), then Basic.
    Auto,
    Basic,
    Ntlm,
}

/// What an exchange needs from the proxy next.
pub enum Step {
    /// Send this `Proxy-Authorization` value.
    Send(String),
    /// Nothing more to send.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError(pub String);

/// One authentication exchange on one proxy connection.
pub trait Exchange: Send {
    /// The scheme name as it appears in headers (`Basic`, `NTLM`, `Negotiate`).
    fn scheme(&self) -> &'static str;
    /// Whether the legs must share one connection (NTLM and Negotiate do).
    fn connection_bound(&self) -> bool;
    /// The first `Proxy-Authorization` value.
    fn start(&mut self) -> Result<String, AuthError>;
    /// Answer the proxy's `Proxy-Authenticate` token for this scheme.
    fn step(&mut self, challenge: Option<&str>) -> Result<Step, AuthError>;
}

/// Basic (RFC 7617): the credentials at once, base64-encoded, in clear to the proxy.
pub struct Basic<'a> {
    auth: &'a ProxyAuth,
}

impl<'a> Basic<'a> {
    pub fn new(auth: &'a ProxyAuth) -> Self {
        Self { auth }
    }
}

impl Exchange for Basic<'_> {
    fn scheme(&self) -> &'static str {
        "Basic"
    }
    fn connection_bound(&self) -> bool {
        false
    }
    fn start(&mut self) -> Result<String, AuthError> {
        Ok(basic_header(self.auth))
    }
    fn step(&mut self, _challenge: Option<&str>) -> Result<Step, AuthError> {
        Ok(Step::Done)
    }
}

/// The `Proxy-Authorization` value for Basic.
pub fn basic_header(auth: &ProxyAuth) -> String {
    let raw = format!("{}:{}", auth.user, auth.password.expose_secret());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
    )
}

/// The token a proxy sent for `scheme` (`NTLM <base64>`), if any.
pub fn token_for<'h>(headers: &'h [String], scheme: &str) -> Option<&'h str> {
    headers.iter().find_map(|v| {
        let mut it = v.splitn(2, char::is_whitespace);
        let s = it.next()?;
        if s.eq_ignore_ascii_case(scheme) {
            it.next().map(str::trim).filter(|t| !t.is_empty())
        } else {
            None
        }
    })
}

/// Pick the exchange for what the proxy offers. `None` when nothing offered is doable.
pub fn choose<'a>(
    offered: &[String],
    choice: SchemeChoice,
    auth: &'a ProxyAuth,
) -> Option<Box<dyn Exchange + 'a>> {
    let has = |s: &str| offered.iter().any(|o| o.eq_ignore_ascii_case(s));
    let ntlm = || -> Option<Box<dyn Exchange + 'a>> {
        if has("NTLM") {
            Some(Box::new(ntlm::Ntlm::new(auth, "NTLM")))
        } else if has("Negotiate") {
            // Negotiate falls back to NTLM when the client offers a raw NTLM token.
            Some(Box::new(ntlm::Ntlm::new(auth, "Negotiate")))
        } else {
            None
        }
    };
    let basic = || -> Option<Box<dyn Exchange + 'a>> {
        has("Basic").then(|| Box::new(Basic::new(auth)) as Box<dyn Exchange + 'a>)
    };
    match choice {
        SchemeChoice::Auto => ntlm().or_else(basic),
        SchemeChoice::Ntlm => ntlm(),
        SchemeChoice::Basic => basic(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> ProxyAuth {
        ProxyAuth {
            user: "CONTOSO\\wsus".into(),
            password: "pw".to_string().into(),
            scheme: SchemeChoice::Auto,
        }
    }

    #[test]
    fn choice_prefers_ntlm_in_auto() {
        let a = creds();
        let both = vec!["Basic".to_string(), "NTLM".to_string()];
        assert_eq!(
            choose(&both, SchemeChoice::Auto, &a).map(|e| e.scheme()),
            Some("NTLM")
        );
        assert_eq!(
            choose(&both, SchemeChoice::Basic, &a).map(|e| e.scheme()),
            Some("Basic")
        );
        let nego = vec!["Negotiate".to_string()];
        assert_eq!(
            choose(&nego, SchemeChoice::Auto, &a).map(|e| e.scheme()),
            Some("Negotiate")
        );
        let digest = vec!["Digest".to_string()];
        assert!(choose(&digest, SchemeChoice::Auto, &a).is_none());
        assert!(choose(&nego, SchemeChoice::Basic, &a).is_none());
    }

    #[test]
    fn tokens() {
        let h = vec![
            "Basic realm=\"x\"".to_string(),
            "NTLM TlRMTVNTUAACAAAA".to_string(),
        ];
        assert_eq!(token_for(&h, "ntlm"), Some("TlRMTVNTUAACAAAA"));
        assert_eq!(token_for(&["NTLM".to_string()], "NTLM"), None);
    }
}
