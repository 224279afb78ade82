//! Runs paths concurrently; inside a path, stages run in order under the path deadline.
//! Concurrency lives here only. Stages return data and never print.

pub mod cert;
pub mod clock;
pub mod deadline;
pub mod dial;
pub mod dns;
pub mod endpoint;
pub mod http;
pub mod proxy;
pub mod tcp;
pub mod tls;

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use serde_json::json;

use self::deadline::Deadline;
use self::dial::{Dialer, Tunnel};
use crate::config::{Config, ProxySpec, Scheme, Target};
use crate::knowledge::winerr;
use crate::model::{Interrupted, Kind, PathReport, Report, Route, Stage, StageResult, Verdict};
use crate::timefmt::system_rfc3339;

const ORDER: [Stage; 8] = [
    Stage::Endpoint,
    Stage::Dns,
    Stage::Tcp,
    Stage::Proxy,
    Stage::Tls,
    Stage::Certificate,
    Stage::Clock,
    Stage::Http,
];

/// Called after each finished path with (done, total).
pub type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// Probe every target of `cfg` and build the report.
pub async fn check(cfg: Arc<Config>) -> Report {
    check_until(cfg, None, std::future::pending()).await
}

/// Probe every target of `cfg`, at most `cfg.concurrency` paths at once, until all are done or
/// `stop` completes (Ctrl-C): then the paths still running are dropped, and the report holds the
/// finished ones and says it was interrupted.
pub async fn check_until(
    cfg: Arc<Config>,
    progress: Option<Progress>,
    stop: impl Future<Output = ()>,
) -> Report {
    let needs_trust = cfg.targets.iter().any(|t| t.scheme == Scheme::Https);
    let trust = Arc::new(needs_trust.then(|| cert::Trust::load(&cfg)));
    let jobs: Vec<(Target, Option<ProxySpec>)> = cfg
        .targets
        .iter()
        .flat_map(|t| cfg.routes_for(t).into_iter().map(move |r| (t.clone(), r)))
        .collect();
    let permits = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
    let mut set = JoinSet::new();
    for (i, (target, route)) in jobs.iter().cloned().enumerate() {
        let cfg = cfg.clone();
        let trust = trust.clone();
        let permits = permits.clone();
        set.spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = permits.acquire_owned().await.ok();
            let report = probe_path(&cfg, trust.as_ref().as_ref(), &target, route.as_ref()).await;
            (i, report)
        });
    }
    let mut paths: Vec<Option<PathReport>> = vec![None; jobs.len()];
    let mut done = 0;
    let mut interrupted = false;
    tokio::pin!(stop);
    loop {
        let joined = tokio::select! {
            joined = set.join_next() => joined,
            () = &mut stop => {
                interrupted = true;
                set.abort_all();
                break;
            }
        };
        let Some(joined) = joined else { break };
        done += 1;
        if let Some(p) = &progress {
            p(done, jobs.len());
        }
        if let Ok((i, report)) = joined {
            paths[i] = Some(report);
        }
    }
    let paths: Vec<PathReport> = if interrupted {
        log::info!("interrupted: {done} of {} paths finished", jobs.len());
        paths.into_iter().flatten().collect()
    } else {
        paths
            .into_iter()
            .zip(&jobs)
            .map(|(p, (t, r))| p.unwrap_or_else(|| crashed(t, r.as_ref())))
            .collect()
    };
    Report {
        tool: "wsusprobe".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        started_at: system_rfc3339(cfg.now),
        ok: !interrupted && paths.iter().all(|p| p.ok),
        interrupted: interrupted.then_some(Interrupted {
            finished: paths.len(),
            planned: jobs.len(),
        }),
        config: cfg.lint.clone(),
        paths,
    }
}

/// A path whose task died (a bug): reported, never silently dropped.
fn crashed(t: &Target, proxy: Option<&ProxySpec>) -> PathReport {
    PathReport {
        target: t.url.clone(),
        route: route_of(proxy),
        ok: false,
        verdict: None,
        elapsed_ms: 0.0,
        stages: vec![],
    }
}

/// Collects stage results; once one fails, the stages after it are reported as skipped.
struct Stages {
    list: Vec<StageResult>,
}

impl Stages {
    fn push(&mut self, r: StageResult) -> bool {
        let ok = !r.failed();
        self.list.push(r);
        ok
    }

    fn skip_rest(&mut self, why: &str) {
        let done: Vec<Stage> = self.list.iter().map(|s| s.stage).collect();
        for st in ORDER {
            if !done.contains(&st) {
                self.list.push(StageResult::skip(st, why));
            }
        }
        self.list
            .sort_by_key(|s| ORDER.iter().position(|o| *o == s.stage));
    }
}

fn route_of(proxy: Option<&ProxySpec>) -> Route {
    match proxy {
        Some(p) => Route::proxy(p.url.clone()),
        None => Route::direct(),
    }
}

pub async fn probe_path(
    cfg: &Config,
    trust: Option<&cert::Trust>,
    target: &Target,
    proxy: Option<&ProxySpec>,
) -> PathReport {
    let started = Instant::now();
    let deadline = Deadline::after(cfg.timeout);
    let mut st = Stages { list: Vec::new() };
    let finish = |st: Stages| build_report(cfg, target, proxy, st.list, started);

    let endpoint = endpoint::lint(target);
    if !st.push(endpoint) {
        st.skip_rest("not run: the endpoint is decommissioned");
        return finish(st);
    }

    // The first hop: the target, or the proxy. Through a proxy the target is also resolved
    // locally, as information only.
    let (hop_host, hop_port) = match proxy {
        Some(p) => (p.host.as_str(), p.port),
        None => (target.host.as_str(), target.port),
    };
    let mut dns = match proxy {
        None => dns::resolve(cfg, hop_host, hop_port, &deadline).await,
        Some(_) => {
            let local_deadline = Deadline::after(deadline.remaining().min(LOCAL_LOOKUP_CAP));
            let (hop, local) = tokio::join!(
                dns::resolve(cfg, hop_host, hop_port, &deadline),
                dns::resolve(cfg, &target.host, target.port, &local_deadline)
            );
            let mut hop = hop;
            hop.result.message = format!("proxy {}", hop.result.message);
            hop.result.detail["target_local"] = json!({
                "status": local.result.status.as_str(),
                "message": local.result.message,
                "note": "local resolution only: the proxy resolves the target with its own DNS, so this proves nothing about the proxy's view",
            });
            hop
        }
    };
    dns.result.detail["hop"] = json!(if proxy.is_some() { "proxy" } else { "target" });
    if !st.push(dns.result) {
        st.skip_rest("not run: name resolution failed");
        return finish(st);
    }

    let tcp = tcp::connect(&dns.addrs, cfg.connect_timeout, &deadline).await;
    let ok = st.push(tcp.result);
    let (Some(stream), Some(peer), true) = (tcp.stream, tcp.peer, ok) else {
        st.skip_rest("not run: no TCP connection");
        return finish(st);
    };
    let auth = cfg.proxy_auth.as_deref();
    let dialer = Dialer {
        stats: Default::default(),
        peer,
        connect_timeout: cfg.connect_timeout,
        tunnel: proxy.map(|_| Tunnel::new(&target.host, target.port, cfg.proxy_auth.clone())),
    };
    let hop_only = Dialer {
        tunnel: None,
        ..dialer.clone()
    };

    match (target.scheme, proxy) {
        (Scheme::Http, Some(p)) => {
            st.push(StageResult::skip(Stage::Tls, "plain http:// URL: no TLS"));
            st.push(StageResult::skip(
                Stage::Certificate,
                "plain http:// URL: no certificate",
            ));
            let (proxy_result, http) = forward(p, stream, target, auth, &hop_only, &deadline).await;
            let proxy_ok = st.push(proxy_result);
            let clock = clock::judge(cfg.now, http.date.as_ref(), None);
            if proxy_ok {
                st.push(clock);
                st.push(http.result);
            } else {
                st.skip_rest("not run: the proxy refused the request");
            }
        }
        (Scheme::Http, None) => {
            st.push(StageResult::skip(
                Stage::Proxy,
                "direct route: no proxy configured",
            ));
            st.push(StageResult::skip(Stage::Tls, "plain http:// URL: no TLS"));
            st.push(StageResult::skip(
                Stage::Certificate,
                "plain http:// URL: no certificate",
            ));
            let mut stream = stream;
            let http = http::exchange(&mut stream, target, http::Via::Origin, &deadline).await;
            let clock = clock::judge(cfg.now, http.date.as_ref(), None);
            st.push(clock);
            st.push(http.result);
        }
        (Scheme::Https, _) => {
            let stream = match proxy {
                None => {
                    st.push(StageResult::skip(
                        Stage::Proxy,
                        "direct route: no proxy configured",
                    ));
                    stream
                }
                Some(p) => {
                    let t = proxy::tunnel(
                        p,
                        stream,
                        &target.host,
                        target.port,
                        auth,
                        || hop_only.dial_hop(&deadline),
                        &deadline,
                    )
                    .await;
                    let ok = st.push(t.result);
                    match (t.stream, ok) {
                        (Some(s), true) => s,
                        _ => {
                            st.skip_rest("not run: no tunnel through the proxy");
                            return finish(st);
                        }
                    }
                }
            };
            let tls = tls::handshake(cfg, &target.host, stream, &dialer, &deadline).await;
            let ok = st.push(tls.result);
            if ok && tls.flight_only {
                match trust {
                    Some(t) if !tls.chain.is_empty() => {
                        let t0 = Instant::now();
                        let c = cert::analyse(t, &target.host, &tls.chain, cfg.now);
                        st.push(c.result.with_elapsed(t0.elapsed()));
                    }
                    _ => {
                        st.push(StageResult::skip(
                            Stage::Certificate,
                            "not run: the server's flight carried no readable certificate (TLS 1.3 encrypts it)",
                        ));
                    }
                }
                st.skip_rest("not run: the negotiated suite is one wsusprobe cannot complete");
                return finish(st);
            }
            let (Some(mut stream), true) = (tls.stream, ok) else {
                st.skip_rest("not run: the TLS handshake failed");
                return finish(st);
            };
            let cert = trust.map(|t| {
                let t0 = Instant::now();
                let mut c = cert::analyse(t, &target.host, &tls.chain, cfg.now);
                c.result = c.result.with_elapsed(t0.elapsed());
                c
            });
            let http = http::exchange(&mut stream, target, http::Via::Origin, &deadline).await;
            let clock = clock::judge(cfg.now, http.date.as_ref(), cert.as_ref());
            if let Some(c) = cert {
                st.push(c.result);
            }
            st.push(clock);
            st.push(http.result);
        }
    }
    finish(st)
}

/// How long the information-only local lookup of the target may take on the proxy route.
const LOCAL_LOOKUP_CAP: std::time::Duration = std::time::Duration::from_secs(3);

/// An http:// URL through a forwarding proxy: the request goes to the proxy in absolute form, as
/// WinHTTP sends it. The proxy's own refusals (407, Squid error pages) are the proxy stage's
/// verdict; anything else is the server's answer.
async fn forward(
    p: &ProxySpec,
    stream: tokio::net::TcpStream,
    target: &Target,
    auth: Option<&crate::config::ProxyAuth>,
    hop: &Dialer,
    deadline: &Deadline,
) -> (StageResult, http::HttpOutcome) {
    let started = Instant::now();
    let mut stream = stream;
    let mut out = http::exchange(&mut stream, target, http::Via::Forward(None), deadline).await;
    let mut creds_sent = false;
    let mut early = None;
    if let (Some(h), Some(a)) = (&out.head, auth)
        && h.status == 407
    {
        let offered = h.schemes();
        match crate::auth::choose(&offered, a.scheme, a) {
            Some(ex) if !ex.connection_bound() => {
                if let Some(mut s) = hop.dial_hop(deadline).await {
                    out =
                        http::exchange(&mut s, target, http::Via::Forward(Some(a)), deadline).await;
                    creds_sent = true;
                }
            }
            Some(ex) => {
                early = Some(format!(
                    "the proxy wants {} for forwarded http:// requests; wsusprobe speaks {} through CONNECT tunnels (https://) only so far — use --proxy-auth basic if the proxy also offers Basic",
                    ex.scheme(),
                    ex.scheme()
                ));
            }
            None => {
                early = Some(format!(
                    "the proxy offers {}, and wsusprobe answers only Basic and NTLM",
                    offered.join(", ")
                ));
            }
        }
    }
    let mut detail = json!({"proxy": p.url, "mode": "forward (absolute-form request, no tunnel)"});
    if creds_sent {
        detail["warning"] =
            json!("Basic authentication sends the password to the proxy in clear text (base64)");
    }
    let from_proxy = out
        .head
        .as_ref()
        .filter(|h| h.status == 407 || h.header("x-squid-error").is_some());
    let result = match from_proxy {
        Some(h) if early.is_some() => {
            detail["proxy_authenticate"] = json!(h.all("proxy-authenticate"));
            StageResult::fail(
                Stage::Proxy,
                Kind::AuthRequired,
                early.unwrap_or_default(),
                detail,
            )
        }
        Some(h) => {
            let (kind, msg) = proxy::classify(&proxy::Answer::Head(h.clone()), creds_sent);
            detail["status"] = json!(h.status);
            detail["status_line"] = json!(format!("{} {}", h.status, h.reason).trim().to_string());
            detail["x_squid_error"] = json!(h.header("x-squid-error"));
            detail["proxy_authenticate"] = json!(h.all("proxy-authenticate"));
            StageResult::fail(Stage::Proxy, kind, msg, detail)
        }
        None => StageResult::pass(
            Stage::Proxy,
            format!("request forwarded by {}", p.url),
            detail,
        ),
    };
    (result.with_elapsed(started.elapsed()), out)
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
            "{} via {}: {} {:?}{}: {}",
            target.url,
            proxy.map_or("direct", |p| p.url.as_str()),
            s.stage.as_str(),
            s.status,
            s.kind
                .map(|k| format!("/{}", k.as_str()))
                .unwrap_or_default(),
            s.message
        );
    }
    let verdict = verdict(&stages);
    let strict_fail = cfg.strict
        && stages
            .iter()
            .any(|s| s.status == crate::model::Status::Warn);
    PathReport {
        target: target.url.clone(),
        route: route_of(proxy),
        ok: verdict.is_none() && !strict_fail,
        verdict,
        elapsed_ms: (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
        stages,
    }
}

/// The first failing stage, except that a clock skew that explains a certificate time failure
/// takes the verdict (the seeds' 0x80072F8F case).
pub fn verdict(stages: &[StageResult]) -> Option<Verdict> {
    let first = stages.iter().find(|s| s.failed())?;
    let clock_explains = first.stage == Stage::Certificate
        && matches!(first.kind, Some(Kind::Expired | Kind::NotYetValid))
        && stages.iter().any(|s| s.stage == Stage::Clock && s.failed());
    let chosen = if clock_explains {
        stages
            .iter()
            .find(|s| s.stage == Stage::Clock && s.failed())?
    } else {
        first
    };
    let kind = chosen.kind?;
    let fact = winerr::lookup(chosen.stage, kind);
    let mut code = fact
        .filter(|f| !f.code.is_empty())
        .map(|f| (f.code, f.name));
    if winerr::code_follows_status(chosen.stage, kind)
        && let Some(status) = chosen.detail["status"].as_u64()
    {
        code = Some(winerr::for_http_status(status as u16));
    }
    Some(Verdict {
        stage: chosen.stage,
        kind,
        message: chosen.message.clone(),
        windows_error: code.map(|(c, _)| c.to_string()),
        windows_error_name: code.map(|(_, n)| n.to_string()),
        wsus_log: fact
            .filter(|f| !f.wsus_log.is_empty())
            .map(|f| f.wsus_log.to_string()),
        advice: fact
            .map(|f| f.advice.to_string())
            .unwrap_or_else(|| "See the stage detail.".to_string()),
    })
}
