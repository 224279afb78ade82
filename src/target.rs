//! The shared vocabulary: what is probed (`Target`), through what (`ProxySpec`), resolved how
//! (`DnsChoice`, `ResolveOverride`); its parsers return `error::UsageError`.
//! The two rules every layer needs — IPv6 literals in brackets, no SNI for an address — live
//! here once.

use std::net::{IpAddr, SocketAddr};

use crate::error::{UsageError, usage};

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
        let default = match self.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        if self.port == default {
            bracketed(&self.host)
        } else {
            authority(&self.host, self.port)
        }
    }

    /// Every URL of a list, or the first that cannot be parsed.
    pub fn parse_all<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Target>, UsageError> {
        raw.iter().map(|u| Target::parse(u.as_ref())).collect()
    }

    /// The name to send in SNI: none for an address literal.
    pub fn sni(&self) -> Option<&str> {
        sni_for(&self.host)
    }

    /// `https://host:port/` for a bare server (the ciphers command).
    pub fn server(host: &str, port: u16) -> Target {
        Target {
            url: format!("https://{}/", authority(host, port)),
            scheme: Scheme::Https,
            host: host.to_string(),
            ip: host.parse().ok(),
            port,
            path: "/".into(),
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

/// A host as it goes before `:port` in a URL or a CONNECT line: IPv6 literals in brackets.
pub fn bracketed(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// `host:port` (IPv6 in brackets), as in a CONNECT line or a Host header.
pub fn authority(host: &str, port: u16) -> String {
    format!("{}:{port}", bracketed(host))
}

/// The TLS server name for a host: none for an address literal (RFC 6066 forbids it).
pub fn sni_for(host: &str) -> Option<&str> {
    if host.parse::<IpAddr>().is_ok() {
        None
    } else {
        Some(host)
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
        Ok(ProxySpec {
            url: format!("http://{}", authority(&host, port)),
            host,
            port,
        })
    }
}

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
    fn brackets_and_sni() {
        assert_eq!(authority("::1", 443), "[::1]:443");
        assert_eq!(authority("[::1]", 443), "[::1]:443");
        assert_eq!(authority("wsus01", 8531), "wsus01:8531");
        assert_eq!(sni_for("127.0.0.1"), None);
        assert_eq!(sni_for("::1"), None);
        assert_eq!(
            sni_for("sws.update.microsoft.com"),
            Some("sws.update.microsoft.com")
        );
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
}
