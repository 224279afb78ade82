//! `wsusprobe serve`: a Prometheus exporter in the shape of blackbox_exporter. Each scrape of
//! `GET /probe?target=URL` runs one path probe with the network settings given at start;
//! `GET /metrics` answers the exporter's own counters; `GET /` links both.
//!
//! Not an open proxy: only the endpoint catalog's hosts and the `--allow-target` patterns may be
//! probed. Probes in flight are bounded by `--concurrency`; a scrape beyond it gets 503 at once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;

use crate::cli::ServeArgs;
use crate::commands::{Out, complain, runtime, write_out};
use crate::config::{Config, Proxies, RouteMode};
use crate::exit::Exit;
use crate::knowledge::endpoints::CATALOG;
use crate::target::{Target, UsageError, usage};

/// What `wsusprobe serve` serves.
#[derive(Debug)]
pub struct ServeJob {
    pub listen: SocketAddr,
    /// The settings every probe starts from (its target is the scrape's).
    pub base: Config,
    /// `--allow-target`: hosts, or `*.domain` suffixes, besides the catalog's.
    pub allow: Vec<String>,
}

impl ServeJob {
    pub fn from_args(args: &ServeArgs) -> Result<ServeJob, UsageError> {
        let listen: SocketAddr = args.listen.trim().parse().map_err(|_| {
            UsageError(format!(
                "--listen '{}': expected ADDR:PORT, e.g. 127.0.0.1:9925",
                args.listen
            ))
        })?;
        let mut allow = Vec::new();
        for p in &args.allow_target {
            let p = p.trim().trim_end_matches('.').to_ascii_lowercase();
            let host = p.strip_prefix("*.").unwrap_or(&p);
            if host.is_empty() || host.contains(['/', ':', '*', ' ']) {
                return usage(format!(
                    "--allow-target '{p}': expected a host name or *.domain"
                ));
            }
            allow.push(p);
        }
        let base = Config::from_net_args(Vec::new(), &args.net, Proxies::default(), &args.ca_file)?;
        Ok(ServeJob {
            listen,
            base,
            allow,
        })
    }
}

/// The exporter's own series, registered once.
struct Counters {
    registry: Registry,
    probes: Family<Vec<(String, String)>, Counter>,
    refused: Counter,
    in_flight: Gauge,
}

impl Counters {
    fn new() -> Counters {
        let mut registry = Registry::default();
        let probes = Family::<Vec<(String, String)>, Counter>::default();
        let refused = Counter::default();
        let in_flight = Gauge::default();
        registry.register("wsusprobe_probes", "probes run, by result", probes.clone());
        registry.register(
            "wsusprobe_scrapes_refused",
            "scrapes answered 400, 403 or 503 without a probe",
            refused.clone(),
        );
        registry.register(
            "wsusprobe_probes_in_flight",
            "probes running now",
            in_flight.clone(),
        );
        Counters {
            registry,
            probes,
            refused,
            in_flight,
        }
    }

    fn probed(&self, ok: bool) {
        let result = if ok { "success" } else { "failure" };
        self.probes
            .get_or_create(&vec![("result".to_string(), result.to_string())])
            .inc();
    }
}

/// Counts a probe in flight until dropped (also when the scraper goes away mid-probe).
struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    fn new(g: &'a Gauge) -> InFlight<'a> {
        g.inc();
        InFlight(g)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

struct Served {
    job: ServeJob,
    /// The system store, Microsoft's root and --ca-file, read once at start.
    trust: Arc<Option<crate::probe::cert::Trust>>,
    permits: Semaphore,
    counters: Counters,
}

/// Serve until Ctrl-C or SIGTERM. The first line on `out` says where it listens.
pub fn run(job: ServeJob, out: Out<'_>) -> Exit {
    let Some(runtime) = runtime() else {
        return Exit::Internal;
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(job.listen).await {
            Ok(l) => l,
            Err(e) => {
                complain(format_args!("error: cannot listen on {}: {e}", job.listen));
                return Exit::Usage;
            }
        };
        let bound = listener.local_addr().unwrap_or(job.listen);
        if !write_out(out, |o| {
            writeln!(o, "wsusprobe serve: listening on http://{bound}/")
        }) {
            return Exit::Internal;
        }
        let permits = Semaphore::new(job.base.net.concurrency.max(1));
        let trust = Arc::new(Some(crate::probe::cert::Trust::load(
            &job.base.tls.extra_roots,
        )));
        let state = Arc::new(Served {
            trust,
            job,
            permits,
            counters: Counters::new(),
        });
        let app = Router::new()
            .route("/", get(index))
            .route("/probe", get(probe))
            .route("/metrics", get(metrics))
            .with_state(state);
        match axum::serve(listener, app)
            .with_graceful_shutdown(stopped())
            .await
        {
            Ok(()) => Exit::Ok,
            Err(e) => {
                complain(format_args!("internal error: the server stopped: {e}"));
                Exit::Internal
            }
        }
    })
}

/// Ctrl-C, or SIGTERM where there is one.
async fn stopped() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn text(status: StatusCode, body: String) -> Response {
    let kind = "text/plain; version=0.0.4; charset=utf-8";
    (status, [(header::CONTENT_TYPE, kind)], body).into_response()
}

async fn index() -> Response {
    let page = "<html><head><title>wsusprobe</title></head><body><h1>wsusprobe serve</h1>\
<p><a href=\"/probe?target=https://sws.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx\">/probe?target=…</a> \
runs one path probe; <a href=\"/metrics\">/metrics</a> are the exporter's own.</p></body></html>";
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// Whether `host` may be probed: a catalog host, or one `--allow-target` names.
fn allowed(job: &ServeJob, host: &str) -> bool {
    CATALOG.iter().any(|e| e.host == host)
        || job.allow.iter().any(|p| match p.strip_prefix("*.") {
            Some(domain) => host.ends_with(&format!(".{domain}")),
            None => p == host,
        })
}

/// The probe deadline: `--timeout`, shortened to half a second under the scrape's own timeout.
fn deadline_for(job: &ServeJob, headers: &HeaderMap) -> Duration {
    let scrape = headers
        .get("x-prometheus-scrape-timeout-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64((s - 0.5).max(0.5)));
    match scrape {
        Some(s) => s.min(job.base.net.timeout),
        None => job.base.net.timeout,
    }
}

async fn probe(
    State(served): State<Arc<Served>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let job = &served.job;
    let refuse = |status, msg: String| {
        served.counters.refused.inc();
        text(status, format!("{msg}\n"))
    };
    let Some(raw) = query.get("target") else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "the target parameter is required: /probe?target=URL".into(),
        );
    };
    let target = match Target::parse(raw) {
        Ok(t) => t,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e.0),
    };
    if !allowed(job, &target.host) {
        return refuse(
            StatusCode::FORBIDDEN,
            format!(
                "{} is not on the Microsoft Update catalog nor allowed with --allow-target: not probed",
                target.host
            ),
        );
    }
    let mut cfg = job.base.clone();
    cfg.route.mode = match query.get("route").map(String::as_str) {
        None | Some("auto") => cfg.route.mode,
        Some("direct") => RouteMode::Direct,
        Some("proxy")
            if cfg.route.proxies.proxy.is_some() || cfg.route.proxies.ssl_proxy.is_some() =>
        {
            RouteMode::Proxy
        }
        Some(other) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("route '{other}': use direct, proxy (with --proxy) or auto"),
            );
        }
    };
    let Ok(_permit) = served.permits.try_acquire() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many probes in flight (--concurrency): try again at the next scrape".into(),
        );
    };
    let _in_flight = InFlight::new(&served.counters.in_flight);
    cfg.net.timeout = deadline_for(job, &headers);
    cfg.targets = vec![target];
    cfg.now = std::time::SystemTime::now();
    let started = Instant::now();
    let report = crate::probe::check_trusting(Arc::new(cfg), served.trust.clone()).await;
    served.counters.probed(report.ok);
    let mut body = String::new();
    match crate::render::prometheus::probe(&report, started.elapsed().as_secs_f64(), &mut body) {
        Ok(()) => text(StatusCode::OK, body),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the probe\n".into(),
        ),
    }
}

async fn metrics(State(served): State<Arc<Served>>) -> Response {
    let mut body = String::new();
    match prometheus_text::encode(&mut body, &served.counters.registry) {
        Ok(()) => text(StatusCode::OK, body),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the metrics\n".into(),
        ),
    }
}
