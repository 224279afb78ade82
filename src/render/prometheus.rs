//! One probe's report as a Prometheus scrape (text exposition 0.0.4, through prometheus-client):
//! the series of DESIGN.md's "Monitoring" table, in that table's order, and each family's series
//! in pipeline order — so a page read with `curl` reads like the report (prometheus-client's own
//! `Family` keeps its series in hash order; a `Collector` keeps ours).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, prometheus_text};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::model::{Detail, PathReport, Report, Stage, Status};

/// The families a probe page may hold, in the order it shows them.
#[derive(Debug, Clone, Copy)]
enum Series {
    Success,
    Duration,
    StageOk,
    StageSeconds,
    Failure,
    Tls,
    NotAfter,
    Skew,
}

/// (name, help) of each `Series`, in the same order.
const FAMILIES: [(&str, &str); 8] = [
    ("probe_success", "1 when the path has no verdict"),
    ("probe_duration_seconds", "the whole probe"),
    (
        "wsusprobe_stage_ok",
        "1 pass or warn, 0 fail, per stage that ran",
    ),
    ("wsusprobe_stage_duration_seconds", "per stage"),
    (
        "wsusprobe_failure_info",
        "the verdict, present only when the path failed",
    ),
    ("wsusprobe_tls_info", "the negotiated TLS version and suite"),
    (
        "wsusprobe_certificate_not_after_timestamp_seconds",
        "the leaf certificate's notAfter (Unix time)",
    ),
    (
        "wsusprobe_clock_skew_seconds",
        "local clock minus the server's Date",
    ),
];

type Labels = Vec<(String, String)>;

#[derive(Debug, Clone, Copy)]
enum Sample {
    Int(i64),
    Float(f64),
}

/// The samples of one page, per family of `FAMILIES`, in the order they were added. A family
/// without samples is left off the page (no HELP/TYPE lines either).
#[derive(Debug)]
struct Page(Vec<Vec<(Labels, Sample)>>);

impl Page {
    fn new() -> Page {
        Page(vec![Vec::new(); FAMILIES.len()])
    }

    fn add(&mut self, series: Series, labels: &[(&str, &str)], sample: Sample) {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.0[series as usize].push((labels, sample));
    }
}

fn encode_sample(m: &mut MetricEncoder<'_>, sample: Sample) -> std::fmt::Result {
    match sample {
        Sample::Int(v) => m.encode_gauge(&v),
        Sample::Float(v) => m.encode_gauge(&v),
    }
}

impl Collector for Page {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        for ((name, help), samples) in FAMILIES.iter().zip(&self.0) {
            if samples.is_empty() {
                continue;
            }
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for (labels, sample) in samples {
                if labels.is_empty() {
                    encode_sample(&mut family, *sample)?;
                } else {
                    encode_sample(&mut family.encode_family(labels)?, *sample)?;
                }
            }
        }
        Ok(())
    }
}

/// The exposition of one path's probe that took `seconds`.
pub fn probe(report: &Report, seconds: f64, out: &mut String) -> std::fmt::Result {
    let mut page = Page::new();
    page.add(Series::Duration, &[], Sample::Float(seconds));
    if let Some(p) = report.paths.first() {
        page.add(Series::Success, &[], Sample::Int(i64::from(p.ok)));
        stages(p, &mut page);
        if let Some(v) = &p.verdict {
            let code = v.windows_error.as_deref().unwrap_or("");
            let l = [
                ("stage", v.stage.as_str()),
                ("kind", v.kind.as_str()),
                ("windows_error", code),
            ];
            page.add(Series::Failure, &l, Sample::Int(1));
        }
        evidence(p, &mut page);
    }
    let mut registry = Registry::default();
    registry.register_collector(Box::new(page));
    prometheus_text::encode(out, &registry)
}

/// Per-stage series, in pipeline order; skipped stages are absent.
fn stages(p: &PathReport, page: &mut Page) {
    for s in p.stages.iter().filter(|s| s.status != Status::Skip) {
        let l = [("stage", s.stage.as_str())];
        let ok = i64::from(!s.failed());
        page.add(Series::StageOk, &l, Sample::Int(ok));
        // Whole microseconds divided by 10^6: 0.0021, not 0.0021000000000000005.
        let secs = Sample::Float((s.elapsed_ms * 1000.0).round() / 1_000_000.0);
        page.add(Series::StageSeconds, &l, secs);
    }
}

/// The TLS, certificate and clock evidence, present only when the stages produced it.
fn evidence(p: &PathReport, page: &mut Page) {
    let detail = |stage: Stage| -> Option<&Detail> {
        p.stages
            .iter()
            .find(|s| s.stage == stage && s.status != Status::Skip)
            .map(|s| &s.detail)
    };
    if let Some((v, s)) = detail(Stage::Tls)
        .and_then(Detail::tls)
        .and_then(|t| t.agreed())
    {
        let l = [("version", v), ("suite", s)];
        page.add(Series::Tls, &l, Sample::Int(1));
    }
    let expiry = detail(Stage::Certificate)
        .and_then(Detail::certificate)
        .and_then(|c| {
            time::OffsetDateTime::parse(
                &c.leaf.not_after,
                &time::format_description::well_known::Rfc3339,
            )
            .ok()
        });
    if let Some(t) = expiry {
        let at = Sample::Float(t.unix_timestamp() as f64);
        page.add(Series::NotAfter, &[], at);
    }
    if let Some(s) = detail(Stage::Clock)
        .and_then(Detail::clock)
        .and_then(|c| c.skew_seconds)
    {
        page.add(Series::Skew, &[], Sample::Float(s));
    }
}
