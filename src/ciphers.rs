//! `wsusprobe ciphers`: which TLS versions and suites a server accepts, found with the raw
//! handshake engine by elimination (offer every remaining suite, note the one the server picks,
//! remove it, repeat), one version per task, directly or through the proxy.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::{Config, Target};
use crate::hello::{self, HelloOutcome, HelloSpec};
use crate::knowledge::suites;
use crate::model::Route;
use crate::probe::deadline::Deadline;
use crate::probe::dial::{DialStats, Dialer, Tunnel};
use crate::probe::{dns, tcp};
use crate::timefmt::system_rfc3339;

/// Budget of one hello.
const HELLO_CAP: Duration = Duration::from_secs(8);
/// Groups offered while enumerating: every common one, so no ECDHE suite is missed for want of a curve.
const SCAN_GROUPS: &[u16] = &[0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101];
/// Most suites in one hello; longer candidate lists are offered in slices.
const MAX_SUITES_PER_HELLO: usize = 200;

pub const VERSIONS: &[(u16, &str)] = &[
    (hello::SSL3, "SSLv3"),
    (hello::TLS10, "TLSv1.0"),
    (hello::TLS11, "TLSv1.1"),
    (hello::TLS12, "TLSv1.2"),
    (hello::TLS13, "TLSv1.3"),
];

#[derive(Debug, Clone, Serialize)]
pub struct SuiteReport {
    #[serde(skip)]
    pub id: u16,
    /// `0x` + four upper-case hex digits.
    pub code: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openssl: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    pub version: &'static str,
    pub supported: bool,
    /// Whether the server picks by its own order (true) or the client's (false); unknown with
    /// fewer than two suites.
    pub server_preference: Option<bool>,
    pub suites: Vec<SuiteReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CiphersReport {
    pub tool: &'static str,
    pub version: &'static str,
    pub started_at: String,
    pub target: String,
    pub sni: Option<String>,
    pub route: Route,
    /// The address connected to (the server, or the proxy).
    pub address: Option<String>,
    pub versions: Vec<VersionReport>,
    /// TCP connections opened.
    pub connections: usize,
    /// CONNECT requests sent to the proxy (each tunnel authenticates: NTLM costs three).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_requests: Option<usize>,
    pub elapsed_ms: f64,
    /// Why nothing could be enumerated (name, connection or proxy failure).
    pub error: Option<String>,
}

impl CiphersReport {
    pub fn any_supported(&self) -> bool {
        self.versions.iter().any(|v| v.supported)
    }
}

fn suite_report(id: u16) -> SuiteReport {
    SuiteReport {
        id,
        code: format!("0x{id:04X}"),
        name: suites::name(id),
        openssl: suites::openssl_name(id),
    }
}

async fn offer(
    dialer: &Dialer,
    version: u16,
    suites: &[u16],
    sni: Option<&str>,
    deadline: &Deadline,
) -> Option<HelloOutcome> {
    let mut stream = dialer.dial(deadline).await?;
    let spec = HelloSpec {
        version,
        also: &[],
        suites,
        groups: SCAN_GROUPS,
        sni,
    };
    Some(hello::offer(&mut stream, &spec, deadline, HELLO_CAP).await)
}

/// Enumerate one version by elimination.
pub async fn scan_version(
    dialer: &Dialer,
    version: u16,
    label: &'static str,
    sni: Option<&str>,
    deadline: &Deadline,
) -> VersionReport {
    let candidates: Vec<u16> = if version == hello::TLS13 {
        suites::TLS13_SUITES.to_vec()
    } else {
        suites::scan_candidates()
    };
    let mut accepted: Vec<u16> = Vec::new();
    let mut note = None;
    // Offer the candidates slice by slice; within a slice, eliminate until the server refuses.
    for slice in candidates.chunks(MAX_SUITES_PER_HELLO) {
        loop {
            let remaining: Vec<u16> = slice
                .iter()
                .copied()
                .filter(|s| !accepted.contains(s))
                .collect();
            if remaining.is_empty() {
                break;
            }
            let Some(answer) = offer(dialer, version, &remaining, sni, deadline).await else {
                note = Some("could not open a connection".to_string());
                break;
            };
            match answer {
                HelloOutcome::ServerHello {
                    version: v, suite, ..
                } if v == version && remaining.contains(&suite) => {
                    accepted.push(suite);
                }
                HelloOutcome::ServerHello { version: v, .. } if v != version => break,
                HelloOutcome::ServerHello { suite, .. } => {
                    note = Some(format!(
                        "the server chose 0x{suite:04X}, which was not offered"
                    ));
                    break;
                }
                HelloOutcome::Timeout => {
                    note = Some("the server did not answer a hello in time".into());
                    break;
                }
                _ => break,
            }
        }
    }
    // Server or client order? Offer the first two accepted suites the other way round.
    let mut server_preference = None;
    if accepted.len() >= 2 {
        let swapped = [accepted[1], accepted[0]];
        if let Some(HelloOutcome::ServerHello { suite, .. }) =
            offer(dialer, version, &swapped, sni, deadline).await
        {
            server_preference = Some(suite == accepted[0]);
        }
    }
    VersionReport {
        version: label,
        supported: !accepted.is_empty(),
        server_preference,
        suites: accepted.into_iter().map(suite_report).collect(),
        note,
    }
}

/// Enumerate `host:port` over the route `cfg` gives it.
pub async fn scan(cfg: &Config, host: &str, port: u16, sni: Option<&str>) -> CiphersReport {
    let started = Instant::now();
    let deadline = Deadline::after(cfg.timeout);
    let target = Target {
        url: format!("https://{}/", crate::probe::proxy::authority(host, port)),
        scheme: crate::config::Scheme::Https,
        host: host.to_string(),
        ip: host.parse().ok(),
        port,
        path: "/".into(),
    };
    let proxy = match cfg.route_mode {
        crate::config::RouteMode::Direct => None,
        _ => cfg.proxy_for(&target).cloned(),
    };
    let mut report = CiphersReport {
        tool: "wsusprobe",
        version: env!("CARGO_PKG_VERSION"),
        started_at: system_rfc3339(cfg.now),
        target: crate::probe::proxy::authority(host, port),
        sni: sni.map(str::to_string),
        route: match &proxy {
            Some(p) => Route::proxy(p.url.clone()),
            None => Route::direct(),
        },
        address: None,
        versions: Vec::new(),
        connections: 0,
        proxy_requests: None,
        elapsed_ms: 0.0,
        error: None,
    };
    let (hop_host, hop_port) = match &proxy {
        Some(p) => (p.host.clone(), p.port),
        None => (host.to_string(), port),
    };
    let resolved = dns::resolve(cfg, &hop_host, hop_port, &deadline).await;
    let connected = if resolved.result.failed() {
        report.error = Some(format!("dns: {}", resolved.result.message));
        None
    } else {
        let t = tcp::connect(&resolved.addrs, cfg.connect_timeout, &deadline).await;
        if t.result.failed() {
            report.error = Some(format!("tcp: {}", t.result.message));
        }
        t.peer
    };
    if let Some(peer) = connected {
        report.address = Some(peer.to_string());
        let stats = Arc::new(DialStats::default());
        let dialer = Dialer {
            peer,
            connect_timeout: cfg.connect_timeout,
            tunnel: proxy
                .as_ref()
                .map(|_| Tunnel::new(host, port, cfg.proxy_auth.clone())),
            stats: stats.clone(),
        };
        // Through a proxy, check once that a tunnel opens at all: otherwise every version would
        // just look unsupported.
        if proxy.is_some() && dialer.dial(&deadline).await.is_none() {
            report.error = Some(
                "the proxy did not open a tunnel to the target (run `wsusprobe check` for the proxy's verdict)".into(),
            );
        } else {
            // Versions are scanned side by side, at most --concurrency at once (one socket each).
            let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(cfg.concurrency.max(1)));
            let mut set = tokio::task::JoinSet::new();
            for (i, (v, label)) in VERSIONS.iter().enumerate() {
                let dialer = dialer.clone();
                let sni = sni.map(str::to_string);
                let (v, label) = (*v, *label);
                let permits = permits.clone();
                set.spawn(async move {
                    let _permit = permits.acquire_owned().await.ok();
                    (
                        i,
                        scan_version(&dialer, v, label, sni.as_deref(), &deadline).await,
                    )
                });
            }
            let mut found: Vec<Option<VersionReport>> = vec![None; VERSIONS.len()];
            while let Some(Ok((i, r))) = set.join_next().await {
                found[i] = Some(r);
            }
            report.versions = found.into_iter().flatten().collect();
        }
        report.connections = stats.connections.load(Ordering::Relaxed);
        if proxy.is_some() {
            report.proxy_requests = Some(stats.proxy_requests.load(Ordering::Relaxed));
        }
    }
    report.elapsed_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    report
}
