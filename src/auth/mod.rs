//! Proxy authentication mechanisms, behind one small interface: Basic and NTLM with a user's
//! password, and Negotiate with the identity the process runs as (Kerberos, or NTLM inside it:
//! SSPI on Windows, GSSAPI elsewhere — `platform`), which is what WSUS uses when its console
//! holds no proxy credentials.
//!
//! Secrets stay inside: tokens are handed to the proxy stage to put in a header, and nothing here
//! formats a password or a token into an error.

pub mod negotiate;
pub mod ntlm;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};

use crate::model::Kind;

/// A user and password for Basic or NTLM. The password is a `SecretString`: its `Debug` is
/// redacted, and only the exchanges here read it, to build the `Proxy-Authorization` value.
#[derive(Debug)]
pub struct Credentials {
    pub user: String,
    pub password: SecretString,
}

/// How to answer a proxy's 407.
#[derive(Debug)]
pub struct ProxyAuth {
    /// `--proxy-user` and its password; without them only Negotiate with the process's own
    /// identity can answer.
    pub credentials: Option<Credentials>,
    /// Which scheme to answer with (`--proxy-auth`).
    pub scheme: SchemeChoice,
    /// The service principal to ask a Kerberos ticket for (`--proxy-spn`); by default
    /// `HTTP/<the proxy's host as configured>`, as WinHTTP asks.
    pub spn: Option<String>,
}

impl ProxyAuth {
    /// The SPN a Negotiate answer to the proxy on `proxy_host` asks a ticket for.
    pub fn spn_for(&self, proxy_host: &str) -> String {
        self.spn.clone().unwrap_or_else(|| {
            format!(
                "HTTP/{}",
                proxy_host.trim_matches(['[', ']']).to_ascii_lowercase()
            )
        })
    }

    /// The user named in the report's legs.
    pub fn user(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.user.as_str())
    }
}

/// Which scheme to use against the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeChoice {
    /// With credentials, the strongest the proxy offers that takes a password: NTLM (also
    /// inside Negotiate), then Basic. Without, Negotiate with the process's own identity.
    Auto,
    Basic,
    Ntlm,
    /// Negotiate with the process's own identity, even when credentials are given.
    Negotiate,
}

/// What an exchange needs from the proxy next.
pub enum Step {
    /// Send this `Proxy-Authorization` value.
    Send(String),
    /// Nothing more to send.
    Done,
}

/// Why an exchange cannot go on: the proxy stage's kind and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub kind: Kind,
    pub message: String,
    /// Kerberos said the clocks differ: the proxy stage adds how far, from the proxy's `Date`.
    pub clock_skew: bool,
}

impl AuthError {
    /// No usable identity or token: `auth_required`.
    pub fn required(message: impl Into<String>) -> AuthError {
        AuthError {
            kind: Kind::AuthRequired,
            message: message.into(),
            clock_skew: false,
        }
    }
}

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
    /// The proxy answered a token (the first: `first_leg`) with 407 and no token of its own:
    /// what that means for this exchange, when it knows better than "rejected".
    fn refused(&self, _first_leg: bool) -> Option<AuthError> {
        None
    }
    /// What the security library did (Negotiate with the process's own identity).
    fn evidence(&self) -> Option<crate::model::detail::NegotiateDetail> {
        None
    }
    /// Who the legs speak for, as the report's legs name it (never a secret).
    fn speaker(&self) -> Option<String>;
}

/// Basic (RFC 7617): the credentials at once, base64-encoded, in clear to the proxy.
pub struct Basic<'a> {
    auth: &'a Credentials,
}

impl<'a> Basic<'a> {
    pub fn new(auth: &'a Credentials) -> Self {
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
    fn speaker(&self) -> Option<String> {
        Some(format!("user {}", self.auth.user))
    }
}

/// The `Proxy-Authorization` value for Basic.
pub fn basic_header(auth: &Credentials) -> String {
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

/// Pick the exchange for what the proxy on `proxy_host` offers. `None` when nothing offered is
/// doable with what was given.
pub fn choose<'a>(
    offered: &[String],
    auth: &'a ProxyAuth,
    proxy_host: &str,
) -> Option<Box<dyn Exchange + 'a>> {
    let has = |s: &str| offered.iter().any(|o| o.eq_ignore_ascii_case(s));
    let ntlm = |c: &'a Credentials| -> Option<Box<dyn Exchange + 'a>> {
        if has("NTLM") {
            Some(Box::new(ntlm::Ntlm::new(c, "NTLM")))
        } else if has("Negotiate") {
            // Negotiate falls back to NTLM when the client offers a raw NTLM token.
            Some(Box::new(ntlm::Ntlm::new(c, "Negotiate")))
        } else {
            None
        }
    };
    let basic = |c: &'a Credentials| -> Option<Box<dyn Exchange + 'a>> {
        has("Basic").then(|| Box::new(Basic::new(c)) as Box<dyn Exchange + 'a>)
    };
    let own_identity = || -> Option<Box<dyn Exchange + 'a>> {
        has("Negotiate").then(|| {
            Box::new(negotiate::Negotiate::new(
                auth.spn_for(proxy_host),
                proxy_host,
            )) as Box<dyn Exchange + 'a>
        })
    };
    match (auth.scheme, &auth.credentials) {
        (SchemeChoice::Negotiate, _) | (SchemeChoice::Auto, None) => own_identity(),
        (SchemeChoice::Auto, Some(c)) => ntlm(c).or_else(|| basic(c)),
        (SchemeChoice::Ntlm, Some(c)) => ntlm(c),
        (SchemeChoice::Basic, Some(c)) => basic(c),
        (SchemeChoice::Ntlm | SchemeChoice::Basic, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(scheme: SchemeChoice) -> ProxyAuth {
        ProxyAuth {
            credentials: Some(Credentials {
                user: "CONTOSO\\wsus".into(),
                password: "pw".to_string().into(),
            }),
            scheme,
            spn: None,
        }
    }

    #[test]
    fn choice_prefers_ntlm_in_auto() {
        let pick = |offered: &[&str], a: &ProxyAuth| {
            let offered: Vec<String> = offered.iter().map(|s| s.to_string()).collect();
            choose(&offered, a, "proxy.contoso.com").map(|e| (e.scheme(), e.evidence().is_some()))
        };
        let auto = creds(SchemeChoice::Auto);
        assert_eq!(pick(&["Basic", "NTLM"], &auto), Some(("NTLM", false)));
        assert_eq!(
            pick(&["Basic", "NTLM"], &creds(SchemeChoice::Basic)),
            Some(("Basic", false))
        );
        // With a password, Negotiate is answered with NTLM inside it.
        assert_eq!(pick(&["Negotiate"], &auto), Some(("Negotiate", false)));
        assert_eq!(pick(&["Digest"], &auto), None);
        assert_eq!(pick(&["Negotiate"], &creds(SchemeChoice::Basic)), None);
        // Without one, or when forced, with the process's own identity.
        let own = ProxyAuth {
            credentials: None,
            scheme: SchemeChoice::Auto,
            spn: None,
        };
        assert_eq!(
            pick(&["Negotiate", "Basic"], &own),
            Some(("Negotiate", true))
        );
        assert_eq!(pick(&["Basic", "NTLM"], &own), None);
        assert_eq!(
            pick(&["Negotiate", "NTLM"], &creds(SchemeChoice::Negotiate)),
            Some(("Negotiate", true))
        );
        assert_eq!(own.spn_for("Proxy.Contoso.com"), "HTTP/proxy.contoso.com");
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
