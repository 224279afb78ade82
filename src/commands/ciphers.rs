//! `wsusprobe ciphers`: which TLS versions and suites a server accepts, found with the raw
//! handshake engine by elimination (offer every remaining suite, note the one the server picks,
//! remove it, repeat), one version per task, directly or through the proxy.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::cli::CiphersArgs;
use crate::commands::{Out, runtime, write_out};
use crate::config::{Config, Proxies, RouteMode};
use crate::deadline::Deadline;
use crate::error::{Done, UsageError, usage};
use crate::exit::Exit;
use crate::hello::scan::{VERSIONS, scan_version};
use crate::model::ciphers::{CiphersReport, VersionReport};
use crate::probe::dial::{DialStats, Dialer, Tunnel};
use crate::probe::{dns, route, tcp};
use crate::render;
use crate::target::{ProxySpec, Target, authority, parse_host_port, sni_for};
use crate::timefmt::system_rfc3339;

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
    pub fn from_args(args: &CiphersArgs) -> Result<CiphersJob, UsageError> {
        let (host, port) = parse_host_port(&args.target)?;
        let sni = match &args.sni {
            Some(n) if n.trim().is_empty() => return usage("--sni: the name is empty"),
            Some(n) => Some(n.trim().to_ascii_lowercase()),
            None => sni_for(&host).map(str::to_string),
        };
        let target = Target::server(&host, port);
        let cfg = Config::from_net_args(vec![target], &args.net, Proxies::default(), &[])?;
        Ok(CiphersJob {
            cfg,
            host,
            port,
            sni,
            json: args.json,
        })
    }
}

/// Exit 0 when the server accepts some version, 1 when it accepts none.
pub fn run(job: CiphersJob, out: Out<'_>) -> Done {
    let runtime = runtime()?;
    let report = runtime.block_on(scan(&job.cfg, &job.host, job.port, job.sni.as_deref()));
    write_out(out, |o| {
        if job.json {
            render::ciphers::json(&report, o)
        } else {
            render::ciphers::text(&report, o)
        }
    })?;
    Ok(Exit::from_ok(report.any_supported()))
}

/// Enumerate `host:port` over the route `cfg` gives it.
pub async fn scan(cfg: &Config, host: &str, port: u16, sni: Option<&str>) -> CiphersReport {
    let started = Instant::now();
    let deadline = Deadline::after(cfg.net.timeout);
    let proxy = match cfg.route.mode {
        RouteMode::Direct => None,
        _ => route::proxy_for(&cfg.route, &Target::server(host, port)).cloned(),
    };
    let mut report = CiphersReport {
        tool: "wsusprobe".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        started_at: system_rfc3339(cfg.now),
        target: authority(host, port),
        sni: sni.map(str::to_string),
        route: route::route_of(proxy.as_ref()),
        address: None,
        versions: Vec::new(),
        connections: 0,
        proxy_requests: None,
        elapsed_ms: 0.0,
        error: None,
    };
    match connect(cfg, host, port, proxy.as_ref(), &deadline).await {
        Err(e) => report.error = Some(e),
        Ok(dialer) => {
            report.address = Some(dialer.peer.to_string());
            // Through a proxy, check once that a tunnel opens at all: otherwise every version
            // would just look unsupported.
            if proxy.is_some() && dialer.dial(&deadline).await.is_none() {
                report.error = Some(
                    "the proxy did not open a tunnel to the target (run `wsusprobe check` for the proxy's verdict)".into(),
                );
            } else {
                report.versions = scan_versions(&dialer, sni, cfg.net.concurrency, deadline).await;
            }
            report.connections = dialer.stats.connections.load(Ordering::Relaxed);
            if proxy.is_some() {
                report.proxy_requests = Some(dialer.stats.proxy_requests.load(Ordering::Relaxed));
            }
        }
    }
    report.elapsed_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    report
}

/// Resolve and connect to the first hop (the server, or the proxy): a dialer for fresh
/// connections to the server, or why there is none.
async fn connect(
    cfg: &Config,
    host: &str,
    port: u16,
    proxy: Option<&ProxySpec>,
    deadline: &Deadline,
) -> Result<Dialer, String> {
    let (hop_host, hop_port) = match proxy {
        Some(p) => (p.host.as_str(), p.port),
        None => (host, port),
    };
    let resolved = dns::resolve(&cfg.net, hop_host, hop_port, deadline).await;
    if resolved.result.failed() {
        return Err(format!("dns: {}", resolved.result.message));
    }
    let t = tcp::connect(&resolved.addrs, cfg.net.connect_timeout, deadline).await;
    if t.result.failed() {
        return Err(format!("tcp: {}", t.result.message));
    }
    let peer = t.peer.ok_or_else(|| "tcp: no connection".to_string())?;
    Ok(Dialer {
        peer,
        connect_timeout: cfg.net.connect_timeout,
        tunnel: proxy.map(|p| Tunnel::new(p, host, port, cfg.route.auth.clone())),
        stats: Arc::new(DialStats::default()),
    })
}

/// Every version side by side, at most `concurrency` at once (one socket each), reported in
/// `VERSIONS` order.
async fn scan_versions(
    dialer: &Dialer,
    sni: Option<&str>,
    concurrency: usize,
    deadline: Deadline,
) -> Vec<VersionReport> {
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (i, (v, label)) in VERSIONS.iter().enumerate() {
        let dialer = dialer.clone();
        let sni = sni.map(str::to_string);
        let (v, label) = (*v, *label);
        let permits = permits.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            let found = scan_version(&dialer, v, label, sni.as_deref(), &deadline).await;
            (i, found)
        });
    }
    let mut found: Vec<Option<VersionReport>> = vec![None; VERSIONS.len()];
    while let Some(Ok((i, r))) = set.join_next().await {
        found[i] = Some(r);
    }
    found.into_iter().flatten().collect()
}
