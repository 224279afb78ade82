//! One path: the stages in order — endpoint, dns, tcp, proxy, tls, certificate, clock, http —
//! under one deadline. Once a stage fails, the ones after it are reported as skipped, with why.

use std::time::Instant;

use rustls::pki_types::CertificateDer;
use serde_json::json;
use tokio::net::TcpStream;

use super::dial::{Dialer, Tunnel};
use super::{cert, clock, dns, endpoint, http, proxy, route, tcp, tls};
use crate::config::{Config, Network};
use crate::deadline::Deadline;
use crate::model::{PathReport, Stage, StageResult, Status};
use crate::target::{ProxySpec, Scheme, Target};

/// How long the information-only local lookup of the target may take on the proxy route.
const LOCAL_LOOKUP_CAP: std::time::Duration = std::time::Duration::from_secs(3);

/// Why the stages after a failure did not run.
type Stop = &'static str;

/// Collects stage results; once one fails, the stages after it are reported as skipped.
#[derive(Default)]
struct Stages {
    list: Vec<StageResult>,
}

impl Stages {
    fn push(&mut self, r: StageResult) -> bool {
        let ok = !r.failed();
        self.list.push(r);
        ok
    }

    /// Push, and stop the path with `why` if the stage failed.
    fn pass(&mut self, r: StageResult, why: Stop) -> Result<(), Stop> {
        if self.push(r) { Ok(()) } else { Err(why) }
    }

    fn skip_rest(&mut self, why: &str) {
        let done: Vec<Stage> = self.list.iter().map(|s| s.stage).collect();
        for st in Stage::ALL {
            if !done.contains(st) {
                self.list.push(StageResult::skip(*st, why));
            }
        }
        self.list
            .sort_by_key(|s| Stage::ALL.iter().position(|o| *o == s.stage));
    }
}

/// Probe `target` over one route (`proxy` = `None` is direct).
pub async fn probe_path(
    cfg: &Config,
    trust: Option<&cert::Trust>,
    target: &Target,
    proxy: Option<&ProxySpec>,
) -> PathReport {
    let started = Instant::now();
    let deadline = Deadline::after(cfg.net.timeout);
    let mut st = Stages::default();
    if let Err(why) = stages(&mut st, cfg, trust, target, proxy, &deadline).await {
        st.skip_rest(why);
    }
    build_report(cfg, target, proxy, st.list, started)
}

async fn stages(
    st: &mut Stages,
    cfg: &Config,
    trust: Option<&cert::Trust>,
    target: &Target,
    proxy: Option<&ProxySpec>,
    deadline: &Deadline,
) -> Result<(), Stop> {
    st.pass(
        endpoint::lint(target),
        "not run: the endpoint is decommissioned",
    )?;
    let dns = first_hop(&cfg.net, target, proxy, deadline).await;
    st.pass(dns.result, "not run: name resolution failed")?;
    let tcp = tcp::connect(&dns.addrs, cfg.net.connect_timeout, deadline).await;
    let ok = st.push(tcp.result);
    let (Some(stream), Some(peer), true) = (tcp.stream, tcp.peer, ok) else {
        return Err("not run: no TCP connection");
    };
    let dialer = Dialer {
        stats: Default::default(),
        peer,
        connect_timeout: cfg.net.connect_timeout,
        tunnel: proxy.map(|_| Tunnel::new(&target.host, target.port, cfg.route.auth.clone())),
    };
    match (target.scheme, proxy) {
        (Scheme::Http, Some(p)) => forwarded(st, cfg, target, p, stream, &dialer, deadline).await,
        (Scheme::Http, None) => {
            st.push(no_proxy());
            plain(st, cfg, target, stream, deadline).await;
            Ok(())
        }
        (Scheme::Https, _) => {
            let stream = match proxy {
                None => {
                    st.push(no_proxy());
                    stream
                }
                Some(p) => tunnel(st, cfg, target, p, stream, &dialer, deadline).await?,
            };
            secure(st, cfg, trust, target, stream, &dialer, deadline).await
        }
    }
}

fn no_proxy() -> StageResult {
    StageResult::skip(Stage::Proxy, "direct route: no proxy configured")
}

fn no_tls() -> [StageResult; 2] {
    [
        StageResult::skip(Stage::Tls, "plain http:// URL: no TLS"),
        StageResult::skip(Stage::Certificate, "plain http:// URL: no certificate"),
    ]
}

/// The dns stage for the first hop: the target, or the proxy. Through a proxy the target is
/// also resolved locally, as information only.
async fn first_hop(
    net: &Network,
    target: &Target,
    proxy: Option<&ProxySpec>,
    deadline: &Deadline,
) -> dns::DnsOutcome {
    let Some(p) = proxy else {
        let mut out = dns::resolve(net, &target.host, target.port, deadline).await;
        out.result.detail["hop"] = json!("target");
        return out;
    };
    let local_deadline = Deadline::after(deadline.remaining().min(LOCAL_LOOKUP_CAP));
    let (mut hop, local) = tokio::join!(
        dns::resolve(net, &p.host, p.port, deadline),
        dns::resolve(net, &target.host, target.port, &local_deadline)
    );
    hop.result.message = format!("proxy {}", hop.result.message);
    hop.result.detail["target_local"] = json!({
        "status": local.result.status.as_str(),
        "message": local.result.message,
        "note": "local resolution only: the proxy resolves the target with its own DNS, so this proves nothing about the proxy's view",
    });
    hop.result.detail["hop"] = json!("proxy");
    hop
}

/// http:// straight to the server: the request, then the clock from its Date header.
async fn plain(
    st: &mut Stages,
    cfg: &Config,
    target: &Target,
    mut stream: TcpStream,
    deadline: &Deadline,
) {
    st.list.extend(no_tls());
    let http = http::exchange(&mut stream, target, http::Via::Origin, deadline).await;
    st.push(clock::judge(cfg.now, http.date.as_ref(), None));
    st.push(http.result);
}

/// http:// through the proxy, forwarded (no tunnel): the proxy stage judges the proxy's answer.
async fn forwarded(
    st: &mut Stages,
    cfg: &Config,
    target: &Target,
    p: &ProxySpec,
    stream: TcpStream,
    dialer: &Dialer,
    deadline: &Deadline,
) -> Result<(), Stop> {
    st.list.extend(no_tls());
    let hop_only = Dialer {
        tunnel: None,
        ..dialer.clone()
    };
    let auth = cfg.route.auth.as_deref();
    let (result, http) = proxy::forward(p, stream, target, auth, &hop_only, deadline).await;
    st.pass(result, "not run: the proxy refused the request")?;
    st.push(clock::judge(cfg.now, http.date.as_ref(), None));
    st.push(http.result);
    Ok(())
}

/// The CONNECT tunnel through the proxy, for https://.
async fn tunnel(
    st: &mut Stages,
    cfg: &Config,
    target: &Target,
    p: &ProxySpec,
    stream: TcpStream,
    dialer: &Dialer,
    deadline: &Deadline,
) -> Result<TcpStream, Stop> {
    let t = proxy::tunnel(
        p,
        stream,
        &target.host,
        target.port,
        cfg.route.auth.as_deref(),
        || dialer.dial_hop(deadline),
        deadline,
    )
    .await;
    let ok = st.push(t.result);
    match (t.stream, ok) {
        (Some(s), true) => Ok(s),
        _ => Err("not run: no tunnel through the proxy"),
    }
}

/// https://: the handshake, the certificate, then the request and the clock (which reads both
/// the Date header and the certificate's validity).
async fn secure(
    st: &mut Stages,
    cfg: &Config,
    trust: Option<&cert::Trust>,
    target: &Target,
    stream: TcpStream,
    dialer: &Dialer,
    deadline: &Deadline,
) -> Result<(), Stop> {
    let tls = tls::handshake(&cfg.tls, &target.host, stream, dialer, deadline).await;
    let ok = st.push(tls.result);
    let judge = |chain: &[CertificateDer<'static>]| {
        trust.map(|t| {
            let t0 = Instant::now();
            let mut c = cert::analyse(t, &target.host, chain, cfg.now);
            c.result = c.result.with_elapsed(t0.elapsed());
            c
        })
    };
    if ok && tls.flight_only {
        let judged = if tls.chain.is_empty() {
            None
        } else {
            judge(&tls.chain)
        };
        match judged {
            Some(c) => st.push(c.result),
            None => st.push(StageResult::skip(
                Stage::Certificate,
                "not run: the server's flight carried no readable certificate (TLS 1.3 encrypts it)",
            )),
        };
        return Err("not run: the negotiated suite is one wsusprobe cannot complete");
    }
    let (Some(mut stream), true) = (tls.stream, ok) else {
        return Err("not run: the TLS handshake failed");
    };
    let cert = judge(&tls.chain);
    let http = http::exchange(&mut stream, target, http::Via::Origin, deadline).await;
    let clock = clock::judge(cfg.now, http.date.as_ref(), cert.as_ref());
    if let Some(c) = cert {
        st.push(c.result);
    }
    st.push(clock);
    st.push(http.result);
    Ok(())
}

fn build_report(
    cfg: &Config,
    target: &Target,
    proxy: Option<&ProxySpec>,
    stages: Vec<StageResult>,
    started: Instant,
) -> PathReport {
    for s in &stages {
        log::debug!(
            "{} via {}: {} {}{}: {}",
            target.url,
            proxy.map_or("direct", |p| p.url.as_str()),
            s.stage,
            s.status,
            s.kind.map(|k| format!("/{k}")).unwrap_or_default(),
            s.message
        );
    }
    let verdict = super::verdict(&stages);
    let strict_fail = cfg.strict && stages.iter().any(|s| s.status == Status::Warn);
    PathReport {
        target: target.url.clone(),
        route: route::route_of(proxy),
        ok: verdict.is_none() && !strict_fail,
        verdict,
        elapsed_ms: (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
        stages,
    }
}
