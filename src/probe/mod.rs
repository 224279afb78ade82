//! Runs paths concurrently; inside a path, stages run in order under the path deadline.
//! Concurrency lives here only. Stages return data and never print.

pub mod cert;
pub mod clock;
pub mod deadline;
pub mod dial;
pub mod dns;
pub mod endpoint;
pub mod http;
pub mod tcp;
pub mod tls;

use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinSet;

use self::deadline::Deadline;
use self::dial::Dialer;
use crate::config::{Config, Scheme, Target};
use crate::knowledge::winerr;
use crate::model::{Kind, PathReport, Report, Route, Stage, StageResult, Verdict};
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

/// Probe every target of `cfg` and build the report.
pub async fn check(cfg: Arc<Config>) -> Report {
    let needs_trust = cfg.targets.iter().any(|t| t.scheme == Scheme::Https);
    let trust = Arc::new(needs_trust.then(|| cert::Trust::load(&cfg)));
    let mut set = JoinSet::new();
    for (i, target) in cfg.targets.iter().cloned().enumerate() {
        let cfg = cfg.clone();
        let trust = trust.clone();
        set.spawn(async move { (i, probe_path(&cfg, trust.as_ref().as_ref(), &target).await) });
    }
    let mut paths: Vec<Option<PathReport>> = vec![None; cfg.targets.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, report)) = joined {
            paths[i] = Some(report);
        }
    }
    let paths: Vec<PathReport> = paths
        .into_iter()
        .zip(&cfg.targets)
        .map(|(p, t)| p.unwrap_or_else(|| crashed(t)))
        .collect();
    Report {
        tool: "wsusprobe",
        version: env!("CARGO_PKG_VERSION"),
        started_at: system_rfc3339(cfg.now),
        ok: paths.iter().all(|p| p.ok),
        paths,
    }
}

/// A path whose task died (a bug): reported, never silently dropped.
fn crashed(t: &Target) -> PathReport {
    PathReport {
        target: t.url.clone(),
        route: Route::direct(),
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

pub async fn probe_path(cfg: &Config, trust: Option<&cert::Trust>, target: &Target) -> PathReport {
    let started = Instant::now();
    let deadline = Deadline::after(cfg.timeout);
    let mut st = Stages { list: Vec::new() };
    let finish = |st: Stages| build_report(cfg, target, st.list, started);

    let endpoint = endpoint::lint(target);
    if !st.push(endpoint) {
        st.skip_rest("not run: the endpoint is decommissioned");
        return finish(st);
    }

    let dns = dns::resolve(cfg, &target.host, target.port, &deadline).await;
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
    st.push(StageResult::skip(
        Stage::Proxy,
        "direct route: no proxy configured",
    ));

    match target.scheme {
        Scheme::Http => {
            st.push(StageResult::skip(Stage::Tls, "plain http:// URL: no TLS"));
            st.push(StageResult::skip(
                Stage::Certificate,
                "plain http:// URL: no certificate",
            ));
            let mut stream = stream;
            let http = http::exchange(&mut stream, target, &deadline).await;
            let clock = clock::judge(cfg.now, http.date.as_ref(), None);
            st.push(clock);
            st.push(http.result);
        }
        Scheme::Https => {
            let dialer = Dialer {
                peer,
                connect_timeout: cfg.connect_timeout,
            };
            let tls = tls::handshake(cfg, &target.host, stream, &dialer, &deadline).await;
            let ok = st.push(tls.result);
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
            let http = http::exchange(&mut stream, target, &deadline).await;
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

fn build_report(
    cfg: &Config,
    target: &Target,
    stages: Vec<StageResult>,
    started: Instant,
) -> PathReport {
    let verdict = verdict(&stages);
    let strict_fail = cfg.strict
        && stages
            .iter()
            .any(|s| s.status == crate::model::Status::Warn);
    PathReport {
        target: target.url.clone(),
        route: Route::direct(),
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
    Some(Verdict {
        stage: chosen.stage,
        kind,
        message: chosen.message.clone(),
        windows_error: fact
            .filter(|f| !f.code.is_empty())
            .map(|f| f.code.to_string()),
        windows_error_name: fact
            .filter(|f| !f.name.is_empty())
            .map(|f| f.name.to_string()),
        wsus_log: fact
            .filter(|f| !f.wsus_log.is_empty())
            .map(|f| f.wsus_log.to_string()),
        advice: fact
            .map(|f| f.advice.to_string())
            .unwrap_or_else(|| "See the stage detail.".to_string()),
    })
}
