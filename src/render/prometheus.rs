//! One probe's report as a Prometheus scrape (text exposition 0.0.4, through prometheus-client):
//! the series of DESIGN.md's "Monitoring" table.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde_json::Value;

use crate::model::{PathReport, Report, Stage, Status};

type Labels = Vec<(String, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The exposition of one path's probe that took `seconds`.
pub fn probe(report: &Report, seconds: f64, out: &mut String) -> std::fmt::Result {
    let mut registry = Registry::default();
    let success = Gauge::<i64>::default();
    let duration = FloatGauge::default();
    let stage_ok = Family::<Labels, Gauge>::default();
    let stage_seconds = Family::<Labels, FloatGauge>::default();
    let failure = Family::<Labels, Gauge>::default();
    let tls = Family::<Labels, Gauge>::default();
    let not_after = FloatGauge::default();
    let skew = FloatGauge::default();
    duration.set(seconds);
    if let Some(p) = report.paths.first() {
        success.set(i64::from(p.ok));
        stages(p, &stage_ok, &stage_seconds);
        if let Some(v) = &p.verdict {
            let code = v.windows_error.as_deref().unwrap_or("");
            let l = [
                ("stage", v.stage.as_str()),
                ("kind", v.kind.as_str()),
                ("windows_error", code),
            ];
            failure.get_or_create(&labels(&l)).set(1);
        }
        evidence(p, &tls, &not_after, &skew, &mut registry);
    }
    registry.register("probe_success", "1 when the path has no verdict", success);
    registry.register("probe_duration_seconds", "the whole probe", duration);
    registry.register(
        "wsusprobe_stage_ok",
        "1 pass or warn, 0 fail, per stage that ran",
        stage_ok,
    );
    registry.register(
        "wsusprobe_stage_duration_seconds",
        "per stage",
        stage_seconds,
    );
    registry.register(
        "wsusprobe_failure_info",
        "the verdict, present only when the path failed",
        failure,
    );
    registry.register(
        "wsusprobe_tls_info",
        "the negotiated TLS version and suite",
        tls,
    );
    prometheus_text::encode(out, &registry)
}

/// Per-stage series; skipped stages are absent.
fn stages(p: &PathReport, ok: &Family<Labels, Gauge>, seconds: &Family<Labels, FloatGauge>) {
    for s in p.stages.iter().filter(|s| s.status != Status::Skip) {
        let l = labels(&[("stage", s.stage.as_str())]);
        ok.get_or_create(&l).set(i64::from(!s.failed()));
        seconds.get_or_create(&l).set(s.elapsed_ms / 1000.0);
    }
}

/// The TLS, certificate and clock evidence, registered only when the stages produced it.
fn evidence(
    p: &PathReport,
    tls: &Family<Labels, Gauge>,
    not_after: &FloatGauge,
    skew: &FloatGauge,
    registry: &mut Registry,
) {
    let detail = |stage: Stage| -> Option<&Value> {
        p.stages
            .iter()
            .find(|s| s.stage == stage && s.status != Status::Skip)
            .map(|s| &s.detail)
    };
    if let Some(d) = detail(Stage::Tls)
        && let (Some(v), Some(s)) = (d["version"].as_str(), d["suite"].as_str())
    {
        tls.get_or_create(&labels(&[("version", v), ("suite", s)]))
            .set(1);
    }
    let expiry = detail(Stage::Certificate)
        .and_then(|d| d["leaf"]["not_after"].as_str())
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        });
    if let Some(t) = expiry {
        not_after.set(t.unix_timestamp() as f64);
        registry.register(
            "wsusprobe_certificate_not_after_timestamp_seconds",
            "the leaf certificate's notAfter (Unix time)",
            not_after.clone(),
        );
    }
    if let Some(s) = detail(Stage::Clock).and_then(|d| d["skew_seconds"].as_f64()) {
        skew.set(s);
        registry.register(
            "wsusprobe_clock_skew_seconds",
            "local clock minus the server's Date",
            skew.clone(),
        );
    }
}
