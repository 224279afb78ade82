//! Which route each target takes: the proxies (command line, WSUS configuration or environment),
//! the hosts that bypass them, the credentials, and the route mode. The rules that apply them to
//! a target are the probe's (`probe::route`).

use std::sync::Arc;

use crate::auth::{Credentials, ProxyAuth, SchemeChoice};
use crate::cli::{NetArgs, ProxyAuthArg, RouteArg};
use crate::config::inputs::{self, PasswordSource};
use crate::error::{UsageError, usage};
use crate::host::winhttp;
use crate::target::ProxySpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteMode {
    /// Through the proxy when one applies to the target, else direct.
    Auto,
    Direct,
    Proxy,
    /// Each target twice: direct and through its proxy.
    Both,
}

/// The proxies WSUS is set up with: one for everything, and optionally one for https://.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    pub proxy: Option<ProxySpec>,
    /// Proxy for https:// targets when it differs (WSUS's UseSeparateProxyForSsl).
    pub ssl_proxy: Option<ProxySpec>,
}

impl Proxies {
    /// Whether any proxy is set.
    pub fn any(&self) -> bool {
        self.proxy.is_some() || self.ssl_proxy.is_some()
    }
}

/// How a missing issuer is fetched from its AIA URL: as CryptoAPI fetches it, over WinHTTP's
/// route — direct, or the machine's WinHTTP proxy (`netsh winhttp set proxy`), which need not be
/// the proxy WSUS uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerRoute {
    /// `--no-aia`: judge the chain the server sent, as it is.
    Off,
    Direct,
    Proxy {
        proxy: ProxySpec,
        /// WinHTTP's bypass list (`<local>`, `*.contoso.com`): hosts fetched direct.
        bypass: Vec<String>,
        /// Where the setting came from: `--winhttp-proxy`, or the registry's `WinHttpSettings`.
        from: &'static str,
    },
}

impl IssuerRoute {
    /// `direct`, or `proxy http://…, from --winhttp-proxy`, as the report names it.
    pub fn describe(&self) -> String {
        match self {
            IssuerRoute::Off => "none (--no-aia)".to_string(),
            IssuerRoute::Direct => "direct".to_string(),
            IssuerRoute::Proxy { proxy, from, .. } => {
                format!("proxy {}, from {from}", proxy.url)
            }
        }
    }

    /// The proxy a fetch of `host` goes through: none when direct or when the bypass list
    /// names the host.
    pub fn proxy_for(&self, host: &str) -> Option<&ProxySpec> {
        match self {
            IssuerRoute::Proxy { proxy, bypass, .. } if !winhttp::bypassed(bypass, host) => {
                Some(proxy)
            }
            _ => None,
        }
    }

    /// The route a host's `WinHttpSettings` names, from its registry exports: `None` when they
    /// hold no such value.
    pub fn from_exports(reg: &crate::host::registry::Registry) -> Option<IssuerRoute> {
        use crate::knowledge::host as facts;
        let value = reg.get(facts::WINHTTP_CONNECTIONS, facts::WINHTTP_SETTINGS)?;
        let crate::host::registry::RegValue::Binary(bytes) = value else {
            return None;
        };
        let w = winhttp::parse(bytes).ok()?;
        Some(IssuerRoute::of_winhttp(w, "the exported WinHttpSettings"))
    }

    /// The route a `WinHttpSettings` value names (`from`: where it was read).
    fn of_winhttp(w: winhttp::WinHttpProxy, from: &'static str) -> IssuerRoute {
        match w
            .http_proxy_url()
            .map(|u| ProxySpec::parse(&u, "WinHttpSettings"))
        {
            Some(Ok(proxy)) => IssuerRoute::Proxy {
                proxy,
                bypass: w.bypass,
                from,
            },
            _ => IssuerRoute::Direct,
        }
    }

    /// WinHTTP's own setting on this machine: the live `WinHttpSettings` on Windows (a proxy it
    /// names, with its bypass list), direct elsewhere or when it names none.
    fn of_this_machine() -> IssuerRoute {
        match crate::host::live::winhttp_proxy() {
            Some(w) => IssuerRoute::of_winhttp(w, "this machine's WinHttpSettings"),
            None => IssuerRoute::Direct,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Routing {
    pub proxies: Proxies,
    /// How missing issuers are fetched (`--winhttp-proxy`, `--no-aia`).
    pub issuers: IssuerRoute,
    pub auth: Option<Arc<ProxyAuth>>,
    /// Host suffixes that bypass the proxy (from NO_PROXY with --proxy-from-env).
    pub no_proxy: Vec<String>,
    pub mode: RouteMode,
}

impl Routing {
    /// The route settings of the command line. `configured` holds the proxies a WSUS
    /// configuration names; the command line's own proxy flags win over them.
    pub fn from_args(
        net: &NetArgs,
        route: RouteArg,
        configured: Proxies,
    ) -> Result<Routing, UsageError> {
        Routing::with_password(net, route, configured, &PasswordSource::Default)
    }

    /// As `from_args`, with the proxy password read from `password`.
    pub fn with_password(
        net: &NetArgs,
        route: RouteArg,
        configured: Proxies,
        password: &PasswordSource,
    ) -> Result<Routing, UsageError> {
        let (proxies, no_proxy) = if net.no_proxy {
            (Proxies::default(), Vec::new())
        } else {
            proxies_of(net, configured)?
        };
        let mode = match (net.no_proxy, route) {
            (true, _) | (_, RouteArg::Direct) => RouteMode::Direct,
            (_, RouteArg::Auto) => RouteMode::Auto,
            (_, RouteArg::Proxy) => RouteMode::Proxy,
            (_, RouteArg::Both) => RouteMode::Both,
        };
        if matches!(mode, RouteMode::Proxy | RouteMode::Both) && !proxies.any() {
            return usage(
                "--route proxy/both needs a proxy: give --proxy (or --ssl-proxy, or --proxy-from-env)",
            );
        }
        let used = proxies.any() && mode != RouteMode::Direct;
        let issuers = match (&net.winhttp_proxy, net.no_aia) {
            (_, true) => IssuerRoute::Off,
            (Some(u), false) => IssuerRoute::Proxy {
                proxy: ProxySpec::parse(u, "--winhttp-proxy")?,
                bypass: vec![],
                from: "--winhttp-proxy",
            },
            (None, false) => IssuerRoute::of_this_machine(),
        };
        let winhttp_proxy = matches!(issuers, IssuerRoute::Proxy { .. });
        let scheme = match net.proxy_auth {
            ProxyAuthArg::Auto => SchemeChoice::Auto,
            ProxyAuthArg::Basic => SchemeChoice::Basic,
            ProxyAuthArg::Ntlm => SchemeChoice::Ntlm,
            ProxyAuthArg::Negotiate => SchemeChoice::Negotiate,
        };
        let credentials = match &net.proxy_user {
            None => None,
            Some(_) if !used && !winhttp_proxy => {
                return usage("--proxy-user is given but no proxy is used");
            }
            Some(_) if scheme == SchemeChoice::Negotiate => {
                return usage(
                    "--proxy-auth negotiate answers with the identity wsusprobe runs as, never a password: drop --proxy-user (or use --proxy-auth ntlm for a user's password)",
                );
            }
            Some(user) => Some(credentials(user, password)?),
        };
        if let Some(spn) = &net.proxy_spn
            && (spn.is_empty() || spn.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return usage("--proxy-spn: give a service principal such as HTTP/proxy.contoso.com");
        }
        // Always set when a proxy is used (WSUS's, or WinHTTP's for AIA): without a password,
        // Negotiate answers as this process's own identity.
        let auth = (used || winhttp_proxy).then(|| {
            Arc::new(ProxyAuth {
                credentials,
                scheme,
                spn: net.proxy_spn.clone(),
            })
        });
        Ok(Routing {
            proxies,
            issuers,
            auth,
            no_proxy,
            mode,
        })
    }
}

/// The proxies from the flags, else the configured ones, else (with --proxy-from-env) the
/// environment's; and the NO_PROXY list.
fn proxies_of(net: &NetArgs, configured: Proxies) -> Result<(Proxies, Vec<String>), UsageError> {
    let mut p = if net.proxy.is_none() && net.ssl_proxy.is_none() {
        configured
    } else {
        Proxies::default()
    };
    if let Some(u) = &net.proxy {
        p.proxy = Some(ProxySpec::parse(u, "--proxy")?);
    }
    if let Some(u) = &net.ssl_proxy {
        p.ssl_proxy = Some(ProxySpec::parse(u, "--ssl-proxy")?);
    }
    let mut no_proxy = Vec::new();
    if net.proxy_from_env {
        let env = inputs::proxy_environment();
        if p.proxy.is_none()
            && let Some(v) = &env.http
        {
            p.proxy = Some(ProxySpec::parse(v, "HTTP_PROXY")?);
        }
        if p.ssl_proxy.is_none()
            && let Some(v) = &env.https
        {
            p.ssl_proxy = Some(ProxySpec::parse(v, "HTTPS_PROXY")?);
        }
        if let Some(v) = &env.no_proxy {
            no_proxy = v
                .split(',')
                .map(|h| h.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect();
        }
    }
    Ok((p, no_proxy))
}

fn credentials(user: &str, password: &PasswordSource) -> Result<Credentials, UsageError> {
    if user.is_empty() || user.contains(':') {
        return usage("--proxy-user: the user name must be non-empty and contain no ':'");
    }
    Ok(Credentials {
        user: user.to_string(),
        password: inputs::proxy_password(user, password)?,
    })
}
