//! Runs paths concurrently; inside a path (`path`), stages run in order under the path
//! deadline. Concurrency lives here only. Stages return data and never print.

pub mod aia;
pub mod cert;
pub mod clock;
pub mod dial;
pub mod dns;
pub mod endpoint;
mod forward;
pub mod http;
mod path;
pub mod proxy;
pub mod route;
mod stage;
pub mod tcp;
pub mod tls;
mod verdict;
pub mod wire;

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use path::probe_path;
pub use verdict::verdict;

use crate::config::Config;
use crate::model::{Interrupted, PathReport, Report};
use crate::target::{ProxySpec, Scheme, Target};
use crate::timefmt::system_rfc3339;

/// Called after each finished path with (done, total).
pub type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// Probe every target of `cfg` and build the report.
pub async fn check(cfg: Arc<Config>) -> Report {
    check_until(cfg, None, std::future::pending()).await
}

/// As `check`, with trust anchors loaded once by the caller (the exporter reuses them for every
/// scrape instead of reading the system store each time).
pub async fn check_trusting(cfg: Arc<Config>, trust: Arc<Option<cert::Trust>>) -> Report {
    run_paths(cfg, trust, None, std::future::pending()).await
}

/// Probe every target of `cfg`, at most `cfg.net.concurrency` paths at once, until all are done
/// or `stop` completes (Ctrl-C): then the paths still running are dropped, and the report holds
/// the finished ones and says it was interrupted.
pub async fn check_until(
    cfg: Arc<Config>,
    progress: Option<Progress>,
    stop: impl Future<Output = ()>,
) -> Report {
    let needs_trust = cfg.targets.iter().any(|t| t.scheme == Scheme::Https);
    let trust = Arc::new(needs_trust.then(|| cert::Trust::load(&cfg.tls.extra_roots)));
    run_paths(cfg, trust, progress, stop).await
}

async fn run_paths(
    cfg: Arc<Config>,
    trust: Arc<Option<cert::Trust>>,
    progress: Option<Progress>,
    stop: impl Future<Output = ()>,
) -> Report {
    let jobs: Vec<(Target, Option<ProxySpec>)> = cfg
        .targets
        .iter()
        .flat_map(|t| {
            route::routes_for(&cfg.route, t)
                .into_iter()
                .map(move |r| (t.clone(), r))
        })
        .collect();
    let permits = Arc::new(Semaphore::new(cfg.net.concurrency.max(1)));
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
    let (paths, interrupted) = collect(set, jobs.len(), progress, stop).await;
    let paths: Vec<PathReport> = if interrupted {
        log::info!(
            "interrupted: {} of {} paths finished",
            paths.iter().flatten().count(),
            jobs.len()
        );
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
        config: None,
        routes: route::compare(&paths),
        paths,
    }
}

/// Wait for the paths in `set`, in any order, until all are done or `stop` completes.
async fn collect(
    mut set: JoinSet<(usize, PathReport)>,
    total: usize,
    progress: Option<Progress>,
    stop: impl Future<Output = ()>,
) -> (Vec<Option<PathReport>>, bool) {
    let mut paths: Vec<Option<PathReport>> = vec![None; total];
    let mut done = 0;
    tokio::pin!(stop);
    loop {
        let joined = tokio::select! {
            joined = set.join_next() => joined,
            () = &mut stop => {
                set.abort_all();
                return (paths, true);
            }
        };
        let Some(joined) = joined else {
            return (paths, false);
        };
        done += 1;
        if let Some(p) = &progress {
            p(done, total);
        }
        if let Ok((i, report)) = joined {
            paths[i] = Some(report);
        }
    }
}

/// A path whose task died (a bug): reported, never silently dropped.
fn crashed(t: &Target, proxy: Option<&ProxySpec>) -> PathReport {
    PathReport {
        target: t.url.clone(),
        route: route::route_of(proxy),
        ok: false,
        verdict: None,
        elapsed_ms: 0.0,
        stages: vec![],
    }
}
