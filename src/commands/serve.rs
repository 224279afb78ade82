//! `wsusprobe serve`: a Prometheus exporter in the shape of blackbox_exporter. Each scrape of
//! `GET /probe?target=URL` runs one path probe with the network settings given at start
//! (`&debug=true`: its report instead of the metrics); `GET /metrics` answers the exporter's own
//! counters; `GET /` lists the last `--history` probes, each with its page at `/report?id=N`.
//!
//! Not an open proxy: only Microsoft Update's hosts (every host the catalog's patterns cover, and
//! the sync endpoints the `endpoint` stage knows) and the `--allow-target` patterns may be probed. Probes in flight are bounded by `--concurrency`; a scrape beyond it gets 503 at once.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
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

use crate::cli::RouteArg;
use crate::cli::ServeArgs;
use crate::commands::{Out, runtime, write_out};
use crate::config::exporter::Exporter;
use crate::config::{Config, Network, Proxies, RouteMode, Routing, TlsSettings};
use crate::error::{Done, InternalError, UsageError, usage};
use crate::exit::Exit;
use crate::knowledge::endpoints;
use crate::model::Report;
use crate::probe::cert::Trust;
use crate::render::html::{self, RecentProbe, RunFacts};
use crate::target::Target;

/// What `wsusprobe serve` serves.
#[derive(Debug)]
pub struct ServeJob {
    pub listen: SocketAddr,
    /// The settings every probe starts from (its target is the scrape's).
    pub base: Config,
    /// `--config` modules: settings a scrape picks with `&module=NAME`.
    pub modules: BTreeMap<String, Config>,
    /// Hosts besides the catalog's: `--allow-target` and the file's `allow_targets`.
    pub allow: Vec<Allowed>,
    /// Probes kept for `/` and `/report` (`--history`).
    pub history: usize,
}

/// A host, every host under a domain, or an address the exporter may probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    Host(String),
    Under(String),
    Addr(IpAddr),
}

impl Allowed {
    /// `wsus01.contoso.test`, `*.contoso.test`, `192.0.2.10`, `::1` or `[::1]`.
    pub fn parse(raw: &str) -> Result<Allowed, UsageError> {
        let p = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = p.trim_start_matches('[').trim_end_matches(']').parse() {
            return Ok(Allowed::Addr(ip));
        }
        let (host, under) = match p.strip_prefix("*.") {
            Some(d) => (d, true),
            None => (p.as_str(), false),
        };
        if host.is_empty() || host.contains(['/', ':', '*', ' ', '[', ']']) {
            return usage(format!(
                "allowed target '{}': expected a host name, *.domain or an address",
                raw.trim()
            ));
        }
        Ok(if under {
            Allowed::Under(host.to_string())
        } else {
            Allowed::Host(host.to_string())
        })
    }

    fn admits(&self, target: &Target) -> bool {
        match self {
            Allowed::Host(h) => *h == target.host,
            Allowed::Under(d) => target
                .host
                .strip_suffix(d.as_str())
                .is_some_and(|rest| rest.ends_with('.')),
            Allowed::Addr(ip) => target.ip == Some(*ip),
        }
    }
}

impl ServeJob {
    pub fn from_args(args: &ServeArgs) -> Result<ServeJob, UsageError> {
        let listen: SocketAddr = args.listen.trim().parse().map_err(|_| {
            UsageError(format!(
                "--listen '{}': expected ADDR:PORT, e.g. 127.0.0.1:9925 or [::1]:9925",
                args.listen
            ))
        })?;
        let network = Network::from_args(&args.net)?;
        let tls = TlsSettings::from_args(&args.offer, &args.ca_file)?;
        let route = Routing::from_args(&args.net, RouteArg::Auto, Proxies::default())?;
        let base = Config::new(Vec::new(), network, route, tls);
        let file = match &args.config {
            None => Exporter::default(),
            Some(path) => Exporter::load(path, &args.net, &args.offer, &args.ca_file)?,
        };
        let allow = args
            .allow_target
            .iter()
            .chain(&file.allow_targets)
            .map(|p| Allowed::parse(p))
            .collect::<Result<_, _>>()?;
        Ok(ServeJob {
            listen,
            base,
            modules: file.modules,
            allow,
            history: args.history as usize,
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

/// The settings of one kind of scrape, with the trust anchors they name read once at start.
struct Profile {
    cfg: Config,
    trust: Arc<Option<Trust>>,
}

impl Profile {
    fn new(cfg: Config) -> Profile {
        let trust = Arc::new(Some(Trust::load(&cfg.tls.extra_roots)));
        Profile { cfg, trust }
    }
}

struct Served {
    allow: Vec<Allowed>,
    /// The command line's settings.
    base: Profile,
    modules: BTreeMap<String, Profile>,
    permits: Semaphore,
    counters: Counters,
    /// The last probes with their reports, oldest first (at most `history`).
    recent: Mutex<VecDeque<(RecentProbe, Arc<Report>)>>,
    history: usize,
    next_id: std::sync::atomic::AtomicU64,
}

impl Served {
    /// Keep `report` as the newest probe, dropping the oldest beyond `--history`.
    fn remember(&self, query: &HashMap<String, String>, report: Report, seconds: f64) {
        if self.history == 0 {
            return;
        }
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let path = report.paths.first();
        let verdict = match path.and_then(|p| p.verdict.as_ref()) {
            Some(v) => format!("{}/{}", v.stage, v.kind),
            None if path.is_some_and(|p| p.has_warnings()) => "ok with warnings".into(),
            None => "ok".into(),
        };
        let entry = RecentProbe {
            id,
            time: report.started_at.clone(),
            target: query.get("target").cloned().unwrap_or_default(),
            module: query.get("module").cloned(),
            route: path
                .map(|p| p.route.proxy.clone().unwrap_or_else(|| "direct".into()))
                .unwrap_or_default(),
            verdict,
            ok: report.ok,
            seconds,
        };
        if let Ok(mut r) = self.recent.lock() {
            r.push_back((entry, Arc::new(report)));
            while r.len() > self.history {
                r.pop_front();
            }
        }
    }
}

/// Serve until Ctrl-C or SIGTERM. The first line on `out` says where it listens.
pub fn run(job: ServeJob, out: Out<'_>) -> Done {
    let runtime = runtime()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(job.listen)
            .await
            .map_err(|e| UsageError(format!("cannot listen on {}: {e}", job.listen)))?;
        // Handlers first: a SIGTERM sent as soon as the address is announced must stop it cleanly.
        let stop = super::signals::Stop::install();
        let bound = listener.local_addr().unwrap_or(job.listen);
        write_out(out, |o| {
            writeln!(o, "wsusprobe serve: listening on http://{bound}/")
        })?;
        let state = Arc::new(Served {
            allow: job.allow,
            permits: Semaphore::new(job.base.net.concurrency.max(1)),
            base: Profile::new(job.base),
            modules: job
                .modules
                .into_iter()
                .map(|(n, c)| (n, Profile::new(c)))
                .collect(),
            counters: Counters::new(),
            recent: Mutex::new(VecDeque::new()),
            history: job.history,
            next_id: Default::default(),
        });
        let app = Router::new()
            .route("/", get(index))
            .route("/probe", get(probe))
            .route("/report", get(report_page))
            .route("/metrics", get(metrics))
            .with_state(state);
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.wait())
            .await
            .map_err(|e| InternalError(format!("the server stopped: {e}")))?;
        Ok(Exit::Ok)
    })
}

fn text(status: StatusCode, body: String) -> Response {
    let kind = "text/plain; version=0.0.4; charset=utf-8";
    (status, [(header::CONTENT_TYPE, kind)], body).into_response()
}

fn page(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The last probes, newest first, each linking to its report.
async fn index(State(served): State<Arc<Served>>) -> Response {
    let list: Vec<RecentProbe> = served
        .recent
        .lock()
        .map(|r| r.iter().map(|(e, _)| e.clone()).collect())
        .unwrap_or_default();
    let mut body = Vec::new();
    match html::recent_probes(&list, served.history, &mut body) {
        Ok(()) => page(StatusCode::OK, body),
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "cannot render\n".into()),
    }
}

/// One kept probe's report as a page (`/report?id=N`).
async fn report_page(
    State(served): State<Arc<Served>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(id) = query.get("id").and_then(|i| i.parse::<u64>().ok()) else {
        return text(StatusCode::BAD_REQUEST, "give id=N, as / links it\n".into());
    };
    let found = served.recent.lock().ok().and_then(|r| {
        r.iter()
            .find(|(e, _)| e.id == id)
            .map(|(e, rep)| (e.clone(), rep.clone()))
    });
    let Some((entry, report)) = found else {
        return text(
            StatusCode::NOT_FOUND,
            format!(
                "probe {id} is not kept: only the last {} are (--history)\n",
                served.history
            ),
        );
    };
    let facts = RunFacts {
        command: format!(
            "serve probe {}: target={}{}",
            entry.id,
            entry.target,
            entry
                .module
                .as_deref()
                .map(|m| format!(" module={m}"))
                .unwrap_or_default()
        ),
    };
    let mut body = Vec::new();
    match html::render(&report, &facts, &mut body) {
        Ok(()) => page(StatusCode::OK, body),
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "cannot render\n".into()),
    }
}

/// The probe deadline: the profile's `--timeout`, shortened to half a second under the scrape's
/// own timeout.
fn deadline_for(timeout: Duration, headers: &HeaderMap) -> Duration {
    let scrape = headers
        .get("x-prometheus-scrape-timeout-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64((s - 0.5).max(0.5)));
    match scrape {
        Some(s) => s.min(timeout),
        None => timeout,
    }
}

async fn probe(
    State(served): State<Arc<Served>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (profile, mut cfg) = match served.scrape_settings(&query) {
        Ok(p) => p,
        Err((status, msg)) => {
            served.counters.refused.inc();
            return text(status, format!("{msg}\n"));
        }
    };
    let Ok(_permit) = served.permits.try_acquire() else {
        served.counters.refused.inc();
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many probes in flight (--concurrency): try again at the next scrape\n".into(),
        );
    };
    let _in_flight = InFlight::new(&served.counters.in_flight);
    cfg.net.timeout = deadline_for(cfg.net.timeout, &headers);
    cfg.now = std::time::SystemTime::now();
    let started = Instant::now();
    let report = crate::probe::check_trusting(Arc::new(cfg), profile.trust.clone()).await;
    served.counters.probed(report.ok);
    let seconds = started.elapsed().as_secs_f64();
    let mut body = String::new();
    let debug = query.get("debug").is_some_and(|d| d == "true");
    let written = if debug {
        // As blackbox_exporter's debug: the probe's story instead of the metrics.
        serde_json::to_string_pretty(&report)
            .map(|j| body = j + "\n")
            .map_err(|_| std::fmt::Error)
    } else {
        crate::render::prometheus::probe(&report, seconds, &mut body)
    };
    served.remember(&query, report, seconds);
    match written {
        Ok(()) if debug => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Ok(()) => text(StatusCode::OK, body),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the probe\n".into(),
        ),
    }
}

type Refusal = (StatusCode, String);

impl Served {
    /// The settings one scrape asks for: its module's (or the command line's), its target, its
    /// route; or why it is refused.
    fn scrape_settings(
        &self,
        query: &HashMap<String, String>,
    ) -> Result<(&Profile, Config), Refusal> {
        let bad = |msg: String| Err((StatusCode::BAD_REQUEST, msg));
        let profile = match query.get("module") {
            None => &self.base,
            Some(name) => match self.modules.get(name) {
                Some(p) => p,
                None if self.modules.is_empty() => {
                    return bad(format!("module '{name}': no --config modules are loaded"));
                }
                None => {
                    let known: Vec<&str> = self.modules.keys().map(String::as_str).collect();
                    return bad(format!(
                        "module '{name}' is not in --config: known modules are {}",
                        known.join(", ")
                    ));
                }
            },
        };
        let Some(raw) = query.get("target") else {
            return bad("the target parameter is required: /probe?target=URL".into());
        };
        let target = match Target::parse(raw) {
            Ok(t) => t,
            Err(e) => return bad(e.0),
        };
        let catalogued = endpoints::catalog_covers(&target.host);
        if !catalogued && !self.allow.iter().any(|a| a.admits(&target)) {
            return Err((
                StatusCode::FORBIDDEN,
                format!(
                    "{} is not on the Microsoft Update catalog nor allowed by --allow-target or \
                     the --config allow_targets: not probed",
                    target.host
                ),
            ));
        }
        let mut cfg = profile.cfg.clone();
        let proxied = cfg.route.proxies.any();
        cfg.route.mode = match query.get("route").map(String::as_str) {
            None | Some("auto") => cfg.route.mode,
            Some("direct") => RouteMode::Direct,
            Some("proxy") if proxied => RouteMode::Proxy,
            Some(other) => {
                return bad(format!(
                    "route '{other}': use direct, proxy (with a proxy configured) or auto"
                ));
            }
        };
        cfg.targets = vec![target];
        Ok((profile, cfg))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn admits(pattern: &str, url: &str) -> bool {
        Allowed::parse(pattern)
            .unwrap()
            .admits(&Target::parse(url).unwrap())
    }

    #[test]
    fn allowed_targets() {
        assert!(admits(
            "wsus01.contoso.test",
            "https://WSUS01.contoso.test:8531/"
        ));
        assert!(!admits(
            "wsus01.contoso.test",
            "https://wsus02.contoso.test/"
        ));
        assert!(admits("*.contoso.test", "https://a.b.contoso.test/"));
        assert!(!admits("*.contoso.test", "https://contoso.test/"));
        assert!(!admits("*.contoso.test", "https://evilcontoso.test/"));
        assert!(admits("[::1]", "http://[::1]:8530/"));
        assert!(admits("::1", "http://[0:0::1]/"));
        assert!(!admits("::1", "http://127.0.0.1/"));
        assert!(admits("192.0.2.10", "http://192.0.2.10:8530/"));
        for bad in ["", "*.", "http://x/", "a b", "*.*.x"] {
            assert!(Allowed::parse(bad).is_err(), "{bad}");
        }
    }
}
