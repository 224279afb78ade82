//! Name resolution, time limits and concurrency: what every command that connects shares.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::cli::{NetArgs, TlsStackArg};
use crate::error::{UsageError, usage};
use crate::target::{DnsChoice, ResolveOverride};

#[derive(Debug, Clone)]
pub struct Network {
    pub dns: DnsChoice,
    pub overrides: Vec<ResolveOverride>,
    pub connect_timeout: Duration,
    /// The budget of one whole path.
    pub timeout: Duration,
    /// Paths probed at once (--concurrency).
    pub concurrency: usize,
    /// Which TLS stack judges the handshake (--tls-stack).
    pub tls_stack: TlsStack,
}

/// Which TLS stack judges the tls stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsStack {
    /// rustls, and on Windows one more handshake through Schannel: a Schannel failure fails
    /// the stage, as it would fail WSUS.
    Auto,
    /// rustls only.
    Rustls,
    /// Schannel's outcome is the stage's (Windows only).
    Schannel,
}

impl Network {
    pub fn from_args(net: &NetArgs) -> Result<Network, UsageError> {
        Ok(Network {
            dns: match &net.dns_server {
                None => DnsChoice::System,
                Some(s) => DnsChoice::Server(parse_dns_server(s)?),
            },
            overrides: net
                .resolve
                .iter()
                .map(|s| ResolveOverride::parse(s))
                .collect::<Result<Vec<_>, _>>()?,
            connect_timeout: parse_duration(&net.connect_timeout, "--connect-timeout")?,
            timeout: parse_duration(&net.timeout, "--timeout")?,
            concurrency: usize::from(net.concurrency),
            tls_stack: match net.tls_stack {
                TlsStackArg::Auto => TlsStack::Auto,
                TlsStackArg::Rustls => TlsStack::Rustls,
                TlsStackArg::Schannel if crate::platform::HAS_SCHANNEL => TlsStack::Schannel,
                TlsStackArg::Schannel => {
                    return usage(
                        "--tls-stack schannel: Schannel is Windows' own TLS stack; this system has none (use the Windows build on the WSUS host)",
                    );
                }
            },
        })
    }

    /// The `--resolve` addresses for a host and port, if given.
    pub fn override_for(&self, host: &str, port: u16) -> Option<&ResolveOverride> {
        let host = host.trim_end_matches('.');
        self.overrides
            .iter()
            .find(|o| o.port == port && o.host == host)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn dns_servers() {
        assert_eq!(parse_dns_server("10.0.0.53").unwrap().port(), 53);
        assert_eq!(parse_dns_server("127.0.0.1:5353").unwrap().port(), 5353);
        assert_eq!(parse_dns_server("[::1]:5353").unwrap().port(), 5353);
        assert!(parse_dns_server("dns.example").is_err());
    }
}
