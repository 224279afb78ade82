//! Command line → validated `Config`. Every exit-2 error is born here; nothing below reads clap
//! types or the environment.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::{Duration, SystemTime};

use std::io::IsTerminal;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use secrecy::SecretString;

use crate::cli::{CheckArgs, FormatArg, NetArgs, ProxyAuthArg, RouteArg, TlsVersionArg};
use crate::knowledge::{endpoints, suites};

/// A command line or input file the tool cannot use (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage<T>(msg: impl Into<String>) -> Result<T, UsageError> {
    Err(UsageError(msg.into()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// One URL to probe.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL as it will be reported.
    pub url: String,
    pub scheme: Scheme,
    /// Host name (or address literal) without brackets, lower case.
    pub host: String,
    /// Set when the host is an address literal.
    pub ip: Option<IpAddr>,
    pub port: u16,
    /// Path and query, starting with '/'.
    pub path: String,
}

impl Target {
    pub fn parse(raw: &str) -> Result<Target, UsageError> {
        let shown = without_userinfo(raw);
        let input = shown.as_str();
        let url = url::Url::parse(raw.trim())
            .map_err(|e| UsageError(format!("'{input}' is not a valid URL: {e}")))?;
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => {
                return usage(format!(
                    "'{input}': scheme '{other}' is not supported (WSUS uses http:// and https://)"
                ));
            }
        };
        let (host, ip) = match url.host() {
            Some(url::Host::Domain(d)) => (d.to_ascii_lowercase(), None),
            Some(url::Host::Ipv4(a)) => (a.to_string(), Some(IpAddr::V4(a))),
            Some(url::Host::Ipv6(a)) => (a.to_string(), Some(IpAddr::V6(a))),
            None => return usage(format!("'{input}' has no host")),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return usage(format!(
                "'{input}': credentials in the URL are not supported (WSUS never sends them)"
            ));
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| UsageError(format!("'{input}' has no port")))?;
        let mut path = url.path().to_string();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        Ok(Target {
            url: url.to_string(),
            scheme,
            host,
            ip,
            port,
            path,
        })
    }

    /// `host[:port]` for the Host header (port omitted when it is the scheme's default).
    pub fn authority(&self) -> String {
        let host = match self.ip {
            Some(IpAddr::V6(_)) => format!("[{}]", self.host),
            _ => self.host.clone(),
        };
        let default = match self.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// A URL for messages, with any `user:password@` part cut out.
pub fn without_userinfo(raw: &str) -> String {
    let raw = raw.trim();
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_string();
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..auth_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => raw.to_string(),
    }
}

/// An HTTP proxy, as WSUS is configured with one (ProxyName + ProxyServerPort).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySpec {
    /// `http://host:port`, as reported.
    pub url: String,
    pub host: String,
    pub port: u16,
}

impl ProxySpec {
    pub fn parse(raw: &str, flag: &str) -> Result<ProxySpec, UsageError> {
        let shown = without_userinfo(raw);
        let with_scheme = if raw.contains("://") {
            raw.trim().to_string()
        } else {
            format!("http://{}", raw.trim())
        };
        let url = url::Url::parse(&with_scheme)
            .map_err(|e| UsageError(format!("{flag} '{shown}' is not a valid proxy URL: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return usage(format!(
                "{flag} '{shown}': credentials in the proxy URL are not accepted; use --proxy-user \
                 and WSUSPROBE_PROXY_PASSWORD"
            ));
        }
        if url.scheme() != "http" {
            return usage(format!(
                "{flag} '{shown}': only http:// proxies are supported (WSUS talks plain HTTP to its proxy)"
            ));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return usage(format!("{flag} '{shown}' has no host")),
        };
        let port = url.port().unwrap_or(80);
        let url_host = match url.host() {
            Some(url::Host::Ipv6(a)) => format!("[{a}]"),
            _ => host.clone(),
        };
        Ok(ProxySpec {
            url: format!("http://{url_host}:{port}"),
            host,
            port,
        })
    }
}

/// Proxy credentials. The password is a `SecretString`: its `Debug` is redacted, and only the
/// proxy stage reads it, to build the `Proxy-Authorization` header.
#[derive(Debug)]
pub struct ProxyAuth {
    pub user: String,
    pub password: SecretString,
    /// Which scheme to answer a 407 with (`--proxy-auth`).
    pub scheme: crate::auth::SchemeChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteMode {
    /// Through the proxy when one applies to the target, else direct.
    Auto,
    Direct,
    Proxy,
    /// Each target twice: direct and through its proxy.
    Both,
}

/// The variable the proxy password is read from.
pub const PASSWORD_ENV: &str = "WSUSPROBE_PROXY_PASSWORD";

/// Which resolver the dns stage asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsChoice {
    /// The system configuration (resolv.conf / the adapters' DNS servers), hosts file included.
    System,
    /// One given server, UDP then TCP; the hosts file is not consulted.
    Server(SocketAddr),
}

/// `--resolve HOST:PORT:ADDR[,ADDR…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    pub host: String,
    pub port: u16,
    pub addrs: Vec<IpAddr>,
}

impl ResolveOverride {
    pub fn parse(s: &str) -> Result<Self, UsageError> {
        let bad = || {
            UsageError(format!(
                "--resolve '{s}': expected HOST:PORT:ADDR (e.g. sws.update.microsoft.com:443:127.0.0.1)"
            ))
        };
        let (host, rest) = s.split_once(':').ok_or_else(bad)?;
        let (port, addrs) = rest.split_once(':').ok_or_else(bad)?;
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return Err(bad());
        }
        let port: u16 = port.trim().parse().map_err(|_| bad())?;
        let mut list = Vec::new();
        for a in addrs.split(',') {
            let a = a.trim().trim_start_matches('[').trim_end_matches(']');
            let ip: IpAddr = a
                .parse()
                .map_err(|_| UsageError(format!("--resolve '{s}': '{a}' is not an IP address")))?;
            list.push(ip);
        }
        Ok(Self {
            host,
            port,
            addrs: list,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    V12,
    V13,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Junit,
    Csv,
}

impl Format {
    pub fn from_args(format: FormatArg, json: bool) -> Format {
        if json {
            return Format::Json;
        }
        match format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Junit => Format::Junit,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// Everything a probe run needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub targets: Vec<Target>,
    pub dns: DnsChoice,
    pub overrides: Vec<ResolveOverride>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// Paths probed at once (--concurrency).
    pub concurrency: usize,
    pub tls_version: TlsVersion,
    /// Suites to offer (code points rustls implements); `None` = all rustls offers for the version.
    pub suites: Option<Vec<u16>>,
    /// A Windows client profile or a GPO-style suite list, offered by the raw engine: set when
    /// the offer holds anything rustls cannot speak (CBC, static RSA, DHE, TLS 1.0/1.1, curve limits).
    pub offer: Option<ClientOffer>,
    /// Extra trust anchors from --ca-file, with the file each came from.
    pub extra_roots: Vec<(CertificateDer<'static>, String)>,
    pub format: Format,
    pub strict: bool,
    /// The local clock, read once: certificates are judged against it.
    pub now: SystemTime,
    pub proxy: Option<ProxySpec>,
    /// Proxy for https:// targets when it differs (WSUS's UseSeparateProxyForSsl).
    pub ssl_proxy: Option<ProxySpec>,
    pub proxy_auth: Option<Arc<ProxyAuth>>,
    /// Host suffixes that bypass the proxy (from NO_PROXY with --proxy-from-env).
    pub no_proxy: Vec<String>,
    pub route_mode: RouteMode,
    /// Findings from `--wsus-config`, shown before the stages.
    pub lint: Option<crate::wsusconfig::ConfigLint>,
}

impl Config {
    pub fn from_check_args(args: &CheckArgs) -> Result<Config, UsageError> {
        let derived = match &args.wsus_config {
            None => None,
            Some(path) => Some(read_wsus_config(path, args.net.proxy_user.is_some())?),
        };
        let inputs: Vec<&str> = match &derived {
            Some(d) => d.urls.iter().map(String::as_str).collect(),
            None if args.urls.is_empty() => vec![endpoints::DEFAULT_TARGET],
            None => args.urls.iter().map(String::as_str).collect(),
        };
        let targets = inputs
            .iter()
            .map(|u| Target::parse(u))
            .collect::<Result<Vec<_>, _>>()?;

        let tls_version = match args.tls_version {
            TlsVersionArg::V12 => TlsVersion::V12,
            TlsVersionArg::V13 => TlsVersion::V13,
        };
        let entries = match &args.ciphers {
            None => None,
            Some(list) => Some(parse_cipher_entries(list)?),
        };
        let profile = match &args.client_profile {
            None => None,
            Some(name) => Some(suites::profile(name).ok_or_else(|| {
                UsageError(format!(
                    "--client-profile '{name}': known profiles are {}",
                    suites::PROFILES
                        .iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?),
        };
        let rustls_only = entries.as_ref().is_some_and(|e| {
            e.iter()
                .all(|(id, group)| group.is_none() && suites::rustls_suite(*id).is_some())
        });
        let (suites, offer) = match (profile, entries) {
            (None, None) => (None, None),
            (None, Some(e)) if rustls_only => (Some(rustls_list(&e, tls_version)?), None),
            (profile, entries) => (None, Some(ClientOffer::new(profile, entries, tls_version))),
        };

        let extra_roots = load_ca_files(&args.ca_file)?;

        let format = Format::from_args(args.format, args.json);

        let configured = derived
            .as_ref()
            .map(|d| (d.proxy.clone(), d.ssl_proxy.clone()))
            .unwrap_or_default();
        let mut cfg = Config::from_net_with(targets, &args.net, args.route, configured)?;
        cfg.lint = derived.map(|d| d.lint);
        cfg.tls_version = tls_version;
        cfg.suites = suites;
        cfg.offer = offer;
        cfg.extra_roots = extra_roots;
        cfg.format = format;
        cfg.strict = args.strict;
        Ok(cfg)
    }

    /// The network part every command shares: resolver, overrides, time limits, proxy and
    /// credentials; TLS and output settings take their defaults.
    pub fn from_net(
        targets: Vec<Target>,
        net: &NetArgs,
        route: RouteArg,
    ) -> Result<Config, UsageError> {
        Config::from_net_with(targets, net, route, (None, None))
    }

    /// As `from_net`, with the proxies a WSUS configuration names, used when the command line
    /// gives none.
    pub fn from_net_with(
        targets: Vec<Target>,
        net: &NetArgs,
        route: RouteArg,
        configured: (Option<ProxySpec>, Option<ProxySpec>),
    ) -> Result<Config, UsageError> {
        let dns = match &net.dns_server {
            None => DnsChoice::System,
            Some(s) => DnsChoice::Server(parse_dns_server(s)?),
        };
        let overrides = net
            .resolve
            .iter()
            .map(|s| ResolveOverride::parse(s))
            .collect::<Result<Vec<_>, _>>()?;

        let connect_timeout = parse_duration(&net.connect_timeout, "--connect-timeout")?;
        let timeout = parse_duration(&net.timeout, "--timeout")?;

        let (mut proxy, mut ssl_proxy, mut no_proxy) = (None, None, Vec::new());
        if !net.no_proxy && net.proxy.is_none() && net.ssl_proxy.is_none() {
            (proxy, ssl_proxy) = configured;
        }
        if !net.no_proxy {
            if let Some(p) = &net.proxy {
                proxy = Some(ProxySpec::parse(p, "--proxy")?);
            }
            if let Some(p) = &net.ssl_proxy {
                ssl_proxy = Some(ProxySpec::parse(p, "--ssl-proxy")?);
            }
            if net.proxy_from_env {
                let var = |names: &[&str]| {
                    names
                        .iter()
                        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
                };
                if proxy.is_none()
                    && let Some(v) = var(&["HTTP_PROXY", "http_proxy"])
                {
                    proxy = Some(ProxySpec::parse(&v, "HTTP_PROXY")?);
                }
                if ssl_proxy.is_none()
                    && let Some(v) = var(&["HTTPS_PROXY", "https_proxy"])
                {
                    ssl_proxy = Some(ProxySpec::parse(&v, "HTTPS_PROXY")?);
                }
                if let Some(v) = var(&["NO_PROXY", "no_proxy"]) {
                    no_proxy = v
                        .split(',')
                        .map(|h| h.trim().trim_start_matches('.').to_ascii_lowercase())
                        .filter(|h| !h.is_empty())
                        .collect();
                }
            }
        }
        let route_mode = match (net.no_proxy, route) {
            (true, _) | (_, RouteArg::Direct) => RouteMode::Direct,
            (_, RouteArg::Auto) => RouteMode::Auto,
            (_, RouteArg::Proxy) => RouteMode::Proxy,
            (_, RouteArg::Both) => RouteMode::Both,
        };
        let any_proxy = proxy.is_some() || ssl_proxy.is_some();
        if matches!(route_mode, RouteMode::Proxy | RouteMode::Both) && !any_proxy {
            return usage(
                "--route proxy/both needs a proxy: give --proxy (or --ssl-proxy, or --proxy-from-env)",
            );
        }
        let proxy_auth = match &net.proxy_user {
            None => None,
            Some(_) if !any_proxy || route_mode == RouteMode::Direct => {
                return usage("--proxy-user is given but no proxy is used");
            }
            Some(user) => {
                if user.is_empty() || user.contains(':') {
                    return usage(
                        "--proxy-user: the user name must be non-empty and contain no ':'",
                    );
                }
                Some(Arc::new(ProxyAuth {
                    user: user.clone(),
                    password: read_password(user)?,
                    scheme: match net.proxy_auth {
                        ProxyAuthArg::Auto => crate::auth::SchemeChoice::Auto,
                        ProxyAuthArg::Basic => crate::auth::SchemeChoice::Basic,
                        ProxyAuthArg::Ntlm => crate::auth::SchemeChoice::Ntlm,
                    },
                }))
            }
        };

        Ok(Config {
            targets,
            dns,
            overrides,
            connect_timeout,
            concurrency: usize::from(net.concurrency),
            timeout,
            tls_version: TlsVersion::V12,
            suites: None,
            offer: None,
            extra_roots: Vec::new(),
            format: Format::Text,
            strict: false,
            now: SystemTime::now(),
            proxy,
            ssl_proxy,
            proxy_auth,
            no_proxy,
            route_mode,
            lint: None,
        })
    }

    /// Extra trust anchors and the output format of `allowlist`, `run` and `upstream`.
    fn apply_report_args(&mut self, r: &crate::cli::ReportArgs) -> Result<(), UsageError> {
        self.extra_roots.extend(load_ca_files(&r.ca_file)?);
        self.format = Format::from_args(r.format, r.json);
        Ok(())
    }

    /// The proxy WSUS would use for this target, ignoring the route mode.
    pub fn proxy_for(&self, t: &Target) -> Option<&ProxySpec> {
        let host = t.host.as_str();
        let bypass = self
            .no_proxy
            .iter()
            .any(|n| n == "*" || host == n || host.ends_with(&format!(".{n}")));
        if bypass {
            return None;
        }
        match t.scheme {
            Scheme::Https => self.ssl_proxy.as_ref().or(self.proxy.as_ref()),
            Scheme::Http => self.proxy.as_ref(),
        }
    }

    /// The routes to probe for a target, in order.
    pub fn routes_for(&self, t: &Target) -> Vec<Option<ProxySpec>> {
        let p = self.proxy_for(t).cloned();
        match self.route_mode {
            RouteMode::Direct => vec![None],
            RouteMode::Auto | RouteMode::Proxy => vec![p],
            RouteMode::Both => match p {
                Some(p) => vec![None, Some(p)],
                None => vec![None],
            },
        }
    }

    /// The `--resolve` addresses for a host and port, if given.
    pub fn override_for(&self, host: &str, port: u16) -> Option<&ResolveOverride> {
        let host = host.trim_end_matches('.');
        self.overrides
            .iter()
            .find(|o| o.port == port && o.host == host)
    }
}

/// What `wsusprobe allowlist` sweeps.
#[derive(Debug)]
pub struct AllowlistJob {
    pub cfg: Config,
    pub entries: Vec<&'static endpoints::CatalogEntry>,
    pub list_only: bool,
}

impl AllowlistJob {
    pub fn from_args(args: &crate::cli::AllowlistArgs) -> Result<AllowlistJob, UsageError> {
        for role in &args.only {
            if !["sync", "content", "client", "catalog", "redirect", "legacy"]
                .contains(&role.as_str())
            {
                return usage(format!(
                    "--only '{role}': roles are sync, content, client, catalog, redirect, legacy"
                ));
            }
        }
        let entries: Vec<&'static endpoints::CatalogEntry> = endpoints::CATALOG
            .iter()
            .filter(|e| args.only.is_empty() || args.only.iter().any(|r| r == e.role.as_str()))
            .filter(|e| {
                args.host.is_empty() || args.host.iter().any(|h| e.host.contains(h.as_str()))
            })
            .collect();
        if entries.is_empty() {
            return usage("--only/--host leave no catalog entry to probe (see allowlist --list)");
        }
        let targets = entries
            .iter()
            .map(|e| Target::parse(&e.url()))
            .collect::<Result<Vec<_>, _>>()?;
        let derived = match &args.wsus_config {
            None => None,
            Some(path) => Some(read_wsus_config(path, args.net.proxy_user.is_some())?),
        };
        let configured = derived
            .as_ref()
            .map(|d| (d.proxy.clone(), d.ssl_proxy.clone()))
            .unwrap_or_default();
        let mut cfg = Config::from_net_with(targets, &args.net, RouteArg::Auto, configured)?;
        cfg.lint = derived.map(|d| d.lint);
        cfg.apply_report_args(&args.report)?;
        Ok(AllowlistJob {
            cfg,
            entries,
            list_only: args.list,
        })
    }
}

/// What `wsusprobe upstream` checks.
#[derive(Debug)]
pub struct UpstreamJob {
    pub cfg: Config,
    pub host: String,
    pub port: u16,
    pub ssl: bool,
}

impl UpstreamJob {
    pub fn from_args(args: &crate::cli::UpstreamArgs) -> Result<UpstreamJob, UsageError> {
        let (host, _) = parse_host_port(&args.host)?;
        let port = args.port.unwrap_or(if args.ssl { 8531 } else { 8530 });
        if port < 2 || port == u16::MAX {
            return usage(format!("--port {port}: not a usable WSUS port"));
        }
        let targets = crate::upstream::paths(&host, port, args.ssl)
            .iter()
            .map(|(_, u)| Target::parse(u))
            .collect::<Result<Vec<_>, _>>()?;
        let mut cfg = Config::from_net(targets, &args.net, RouteArg::Auto)?;
        cfg.apply_report_args(&args.report)?;
        Ok(UpstreamJob {
            cfg,
            host,
            port,
            ssl: args.ssl,
        })
    }
}

/// What `wsusprobe run` runs.
#[derive(Debug)]
pub struct RunJob {
    pub cfg: Config,
    pub plan: crate::plan::Plan,
}

impl RunJob {
    pub fn from_args(args: &crate::cli::RunArgs) -> Result<RunJob, UsageError> {
        let plan = crate::plan::Plan::load(&args.plan)?;
        let targets = plan.items.iter().map(|i| i.target.clone()).collect();
        let mut cfg = Config::from_net(targets, &args.net, RouteArg::Auto)?;
        cfg.apply_report_args(&args.report)?;
        Ok(RunJob { cfg, plan })
    }
}

/// What `wsusprobe ciphers` scans.
#[derive(Debug)]
pub struct CiphersJob {
    pub cfg: Config,
    pub host: String,
    pub port: u16,
    pub sni: Option<String>,
    pub json: bool,
}

impl CiphersJob {
    pub fn from_args(args: &crate::cli::CiphersArgs) -> Result<CiphersJob, UsageError> {
        let (host, port) = parse_host_port(&args.target)?;
        let sni = match &args.sni {
            Some(n) if n.trim().is_empty() => return usage("--sni: the name is empty"),
            Some(n) => Some(n.trim().to_ascii_lowercase()),
            None if host.parse::<IpAddr>().is_ok() => None,
            None => Some(host.clone()),
        };
        let target = Target::parse(&format!(
            "https://{}/",
            crate::probe::proxy::authority(&host, port)
        ))?;
        let cfg = Config::from_net(vec![target], &args.net, RouteArg::Auto)?;
        Ok(CiphersJob {
            cfg,
            host,
            port,
            sni,
            json: args.json,
        })
    }
}

/// `host`, `host:port`, `[v6]:port` or an https:// URL → (host, port); 443 by default.
pub fn parse_host_port(input: &str) -> Result<(String, u16), UsageError> {
    let s = input.trim();
    if s.contains("://") {
        let t = Target::parse(s)?;
        return Ok((t.host, t.port));
    }
    let bad = || {
        UsageError(format!(
            "'{}': expected HOST[:PORT] or an https:// URL",
            without_userinfo(s)
        ))
    };
    if s.is_empty() || s.contains('/') || s.contains('@') {
        return Err(bad());
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok((ip.to_string(), 443));
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok((sa.ip().to_string(), sa.port()));
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
        None => (s, 443),
    };
    let t = Target::parse(&format!("https://{host}:{port}/")).map_err(|_| bad())?;
    Ok((t.host, port))
}

fn read_wsus_config(path: &Path, has_user: bool) -> Result<crate::wsusconfig::Derived, UsageError> {
    let shown = path.display().to_string();
    let bytes = read_input(path, "--wsus-config", INPUT_LIMIT)?;
    let c = crate::wsusconfig::parse(&bytes, &shown)?;
    crate::wsusconfig::derive(&c, &shown, has_user)
}

/// The most an input file (WSUS export, plan) may hold; CA bundles get four times as much.
pub const INPUT_LIMIT: u64 = 4 * 1024 * 1024;

/// Read a file named on the command line, refusing one larger than `limit` bytes (a wrong path
/// can name a disk image) with a one-line error.
pub fn read_input(path: &Path, flag: &str, limit: u64) -> Result<Vec<u8>, UsageError> {
    use std::io::Read;
    let shown = path.display();
    let cannot = |e: std::io::Error| UsageError(format!("{flag} {shown}: cannot read it: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(UsageError(format!(
            "{flag} {shown}: larger than {} MiB; is it the right file?",
            limit / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

fn read_password(user: &str) -> Result<SecretString, UsageError> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(SecretString::from(p));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("Proxy password for {user}: "))
            .map(SecretString::from)
            .map_err(|e| UsageError(format!("cannot read the proxy password: {e}")));
    }
    usage(format!(
        "--proxy-user {user}: set the password in {PASSWORD_ENV} (there is no terminal to ask on)"
    ))
}

fn parse_dns_server(s: &str) -> Result<SocketAddr, UsageError> {
    let s = s.trim();
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    if let Ok(ip) = s
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(SocketAddr::new(ip, 53));
    }
    usage(format!(
        "--dns-server '{s}': expected IP or IP:PORT (IPv6 as [ADDR]:PORT)"
    ))
}

/// Durations as users type them: `10`, `2.5`, `10s`, `500ms`, `1m`.
pub fn parse_duration(s: &str, flag: &str) -> Result<Duration, UsageError> {
    let t = s.trim().to_ascii_lowercase();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t.as_str(), 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| {
        UsageError(format!(
            "{flag} '{s}': expected a duration such as 10, 2.5s or 500ms"
        ))
    })?;
    let secs = v * scale;
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        return usage(format!(
            "{flag} '{s}': must be more than 0 and at most one hour"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `--ciphers` entries: IANA names, Windows names with `_P256`/`_P384` curve suffixes, or
/// 0xNNNN code points, in the order given.
pub fn parse_cipher_entries(list: &str) -> Result<Vec<(u16, Option<u16>)>, UsageError> {
    let mut out: Vec<(u16, Option<u16>)> = Vec::new();
    for entry in list.split([',', ':', ' ']).filter(|e| !e.trim().is_empty()) {
        let parsed =
            suites::parse_schannel(entry).map_err(|e| UsageError(format!("--ciphers: {e}")))?;
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    if out.is_empty() {
        return usage("--ciphers: the list is empty");
    }
    Ok(out)
}

/// A list rustls speaks, checked against the version offered.
fn rustls_list(
    entries: &[(u16, Option<u16>)],
    version: TlsVersion,
) -> Result<Vec<u16>, UsageError> {
    let mut out = Vec::new();
    for (id, _) in entries {
        let is13 = id >> 8 == 0x13;
        match (version, is13) {
            (TlsVersion::V12, true) => {
                return usage(format!(
                    "--ciphers: {} is a TLS 1.3 suite; add --tls-version 1.3 to offer it",
                    suites::name(*id)
                ));
            }
            (TlsVersion::V13, false) => {
                return usage(format!(
                    "--ciphers: {} is a TLS 1.2 suite and --tls-version 1.3 is set",
                    suites::name(*id)
                ));
            }
            _ => out.push(*id),
        }
    }
    Ok(out)
}

/// What the raw engine offers in `check`: a Windows profile, a GPO-style list, or both (the
/// list then replaces the profile's order, as a GPO overrides the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOffer {
    pub name: String,
    /// Highest first.
    pub versions: Vec<u16>,
    pub suites: Vec<u16>,
    pub groups: Vec<u16>,
}

impl ClientOffer {
    fn new(
        profile: Option<&'static suites::Profile>,
        entries: Option<Vec<(u16, Option<u16>)>>,
        version: TlsVersion,
    ) -> ClientOffer {
        let default_versions = match version {
            TlsVersion::V12 => vec![crate::hello::TLS12],
            TlsVersion::V13 => vec![crate::hello::TLS13, crate::hello::TLS12],
        };
        let mut versions = profile
            .map(|p| p.versions.to_vec())
            .unwrap_or(default_versions);
        let mut groups: Vec<u16> = profile
            .map(|p| p.groups.to_vec())
            .unwrap_or_else(|| crate::hello::DEFAULT_GROUPS.to_vec());
        let (name, suites) = match (&entries, profile) {
            (Some(e), Some(p)) => (
                format!("{} with the --ciphers order", p.name),
                e.iter().map(|(id, _)| *id).collect(),
            ),
            (Some(e), None) => (
                "the --ciphers list".to_string(),
                e.iter().map(|(id, _)| *id).collect(),
            ),
            (None, Some(p)) => (format!("the {} profile", p.name), p.suites.to_vec()),
            (None, None) => ("the default offer".to_string(), Vec::new()),
        };
        // `_P256`/`_P384` entries restrict the curves, in the order they first appear.
        let restricted: Vec<u16> =
            entries
                .iter()
                .flatten()
                .filter_map(|(_, g)| *g)
                .fold(Vec::new(), |mut acc, g| {
                    if !acc.contains(&g) {
                        acc.push(g);
                    }
                    acc
                });
        if !restricted.is_empty() {
            groups = restricted;
        }
        let mut suites: Vec<u16> = suites;
        suites.dedup();
        if suites.iter().any(|s| s >> 8 == 0x13) && !versions.contains(&crate::hello::TLS13) {
            versions.insert(0, crate::hello::TLS13);
        }
        ClientOffer {
            name,
            versions,
            suites,
            groups,
        }
    }

    pub fn max_version(&self) -> u16 {
        self.versions
            .iter()
            .copied()
            .max()
            .unwrap_or(crate::hello::TLS12)
    }
}

/// Every certificate of every `--ca-file`, with the file it came from.
fn load_ca_files(
    paths: &[std::path::PathBuf],
) -> Result<Vec<(CertificateDer<'static>, String)>, UsageError> {
    let mut out = Vec::new();
    for path in paths {
        for cert in load_pem_certs(path)? {
            out.push((cert, path.display().to_string()));
        }
    }
    Ok(out)
}

fn load_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, UsageError> {
    let shown = path.display();
    let data = read_input(path, "--ca-file", 4 * INPUT_LIMIT)?;
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(&data) {
        let cert =
            item.map_err(|e| UsageError(format!("--ca-file {shown}: not valid PEM: {e}")))?;
        if x509_parser::parse_x509_certificate(&cert).is_err() {
            return usage(format!(
                "--ca-file {shown}: a CERTIFICATE block does not hold a valid X.509 certificate"
            ));
        }
        certs.push(cert);
    }
    if certs.is_empty() {
        return usage(format!(
            "--ca-file {shown}: no '-----BEGIN CERTIFICATE-----' block found"
        ));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse(
            "https://SWS.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx",
        )
        .unwrap();
        assert_eq!(t.host, "sws.update.microsoft.com");
        assert_eq!(t.port, 443);
        assert_eq!(t.authority(), "sws.update.microsoft.com");
        let t = Target::parse("http://[::1]:8530/selfupdate/iuident.cab?a=b").unwrap();
        assert_eq!(t.ip, Some("::1".parse().unwrap()));
        assert_eq!(t.authority(), "[::1]:8530");
        assert_eq!(t.path, "/selfupdate/iuident.cab?a=b");
        assert!(Target::parse("ftp://x").is_err());
        assert!(Target::parse("not a url").is_err());
        assert!(Target::parse("https://u:p@host/").is_err());
        assert!(Target::parse("https://").is_err());
    }

    #[test]
    fn userinfo_never_echoed() {
        assert_eq!(
            without_userinfo("http://u:secret@proxy:8080/x"),
            "http://proxy:8080/x"
        );
        let e = Target::parse("https://u:hunter2@host/").unwrap_err();
        assert!(!e.0.contains("hunter2"), "{e}");
        let e = ProxySpec::parse("http://u:hunter2@proxy:3128", "--proxy").unwrap_err();
        assert!(!e.0.contains("hunter2"), "{e}");
        let e = ProxySpec::parse("http://u:hunter2@[bad", "--proxy").unwrap_err();
        assert!(!e.0.contains("hunter2"), "{e}");
    }

    #[test]
    fn host_ports() {
        assert_eq!(
            parse_host_port("sws.update.microsoft.com").unwrap(),
            ("sws.update.microsoft.com".into(), 443)
        );
        assert_eq!(
            parse_host_port("wsus01:8531").unwrap(),
            ("wsus01".into(), 8531)
        );
        assert_eq!(parse_host_port("[::1]:8443").unwrap(), ("::1".into(), 8443));
        assert_eq!(
            parse_host_port("127.0.0.1").unwrap(),
            ("127.0.0.1".into(), 443)
        );
        assert_eq!(
            parse_host_port("https://h.test:9443/x").unwrap(),
            ("h.test".into(), 9443)
        );
        for bad in ["", "h:notaport", "h:99999", "a/b", "u@h", "bad host"] {
            assert!(parse_host_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn proxies() {
        let p = ProxySpec::parse("proxy.contoso.test:8080", "--proxy").unwrap();
        assert_eq!(
            (p.url.as_str(), p.port),
            ("http://proxy.contoso.test:8080", 8080)
        );
        assert_eq!(
            ProxySpec::parse("http://[::1]:3128", "--proxy")
                .unwrap()
                .url,
            "http://[::1]:3128"
        );
        assert_eq!(
            ProxySpec::parse("http://10.0.0.1", "--proxy").unwrap().port,
            80
        );
        assert!(ProxySpec::parse("https://proxy:443", "--proxy").is_err());
        assert!(ProxySpec::parse("socks5://proxy:1080", "--proxy").is_err());
    }

    #[test]
    fn resolve_overrides() {
        let o = ResolveOverride::parse("sws.update.microsoft.com:443:127.0.0.1,[::1]").unwrap();
        assert_eq!(o.port, 443);
        assert_eq!(o.addrs.len(), 2);
        assert!(ResolveOverride::parse("host:443").is_err());
        assert!(ResolveOverride::parse("host:x:1.2.3.4").is_err());
        assert!(ResolveOverride::parse("host:443:nope").is_err());
        assert!(ResolveOverride::parse(":443:1.2.3.4").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10", "x").unwrap(), Duration::from_secs(10));
        assert_eq!(
            parse_duration("500ms", "x").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(
            parse_duration("2.5s", "x").unwrap(),
            Duration::from_millis(2500)
        );
        assert!(parse_duration("0", "x").is_err());
        assert!(parse_duration("-1", "x").is_err());
        assert!(parse_duration("NaN", "x").is_err());
        assert!(parse_duration("abc", "x").is_err());
    }

    #[test]
    fn cipher_lists() {
        let e = parse_cipher_entries("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,0xc02f").unwrap();
        assert_eq!(e, vec![(0xc030, None), (0xc02f, None)]);
        assert_eq!(
            rustls_list(&e, TlsVersion::V12).unwrap(),
            vec![0xc030, 0xc02f]
        );
        assert!(rustls_list(&[(0x1301, None)], TlsVersion::V12).is_err());
        assert!(parse_cipher_entries("TLS_NOPE").is_err());
        assert!(parse_cipher_entries(",").is_err());
        let gpo = parse_cipher_entries(
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384,TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256,TLS_RSA_WITH_AES_256_GCM_SHA384",
        )
        .unwrap();
        let o = ClientOffer::new(None, Some(gpo), TlsVersion::V12);
        assert_eq!(o.suites, vec![0xc028, 0x009d]);
        assert_eq!(o.groups, vec![0x0018, 0x0017]);
        let p = ClientOffer::new(suites::profile("win2012r2"), None, TlsVersion::V12);
        assert_eq!(
            (p.max_version(), p.suites[0], p.groups.clone()),
            (0x0303, 0xc028, vec![0x17, 0x18])
        );
    }

    #[test]
    fn dns_servers() {
        assert_eq!(parse_dns_server("10.0.0.53").unwrap().port(), 53);
        assert_eq!(parse_dns_server("127.0.0.1:5353").unwrap().port(), 5353);
        assert_eq!(parse_dns_server("[::1]:5353").unwrap().port(), 5353);
        assert!(parse_dns_server("dns.example").is_err());
    }
}
