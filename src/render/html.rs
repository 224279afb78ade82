//! `--format html`: one self-contained page to hand over — inline CSS and an inline SVG of each
//! path (this host → DNS → proxy → TLS peer → service) with the hop that breaks marked in shape
//! and words as well as colour, the verdict, the Windows error, the log line, the fix, and every
//! stage's evidence. No script, no external fetch; prints on A4.
//!
//! Everything that came from the network (status lines, error pages' titles, certificate names,
//! DNS answers) reaches the page only through `esc` (the XML escaping JUnit uses, which HTML reads
//! the same), in text and attribute values alike.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::Value;

use super::junit::esc;
use crate::knowledge::endpoints::{CatalogEntry, Role};
use crate::model::{PathReport, Report, RouteKind, Stage, StageResult, Status};

/// What the page says about the run besides the report: the command line (secrets never reach
/// it: passwords are not accepted as arguments, and URL user-info is cut).
#[derive(Debug, Default, Clone)]
pub struct RunFacts {
    pub command: String,
}

impl RunFacts {
    /// This process's arguments, with any `user:password@` of a URL removed.
    pub fn from_env() -> RunFacts {
        let args: Vec<String> = std::env::args()
            .skip(1)
            .map(|a| without_userinfo(&a))
            .collect();
        RunFacts {
            command: format!("wsusprobe {}", args.join(" ")),
        }
    }
}

/// `http://user:pw@host` → `http://host`, anywhere in an argument.
fn without_userinfo(arg: &str) -> String {
    let Some(scheme_end) = arg.find("://") else {
        return arg.to_string();
    };
    let rest = &arg[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &arg[..scheme_end + 3], &rest[at + 1..]),
        None => arg.to_string(),
    }
}

const STYLE: &str = r#"
@page { size: A4; margin: 14mm; }
:root { --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --skip: #6e7781; --ink: #1f2328; }
body { font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; color: var(--ink); margin: 24px auto; padding: 0 16px; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 0 0 6px; word-break: break-all; }
.summary { font-size: 16px; font-weight: bold; margin: 6px 0 12px; }
.pass { color: var(--ok); } .warn { color: var(--warn); } .fail { color: var(--bad); } .skip { color: var(--skip); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 16px; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; word-break: break-all; }
section.path { border: 1px solid #d0d7de; border-left: 8px solid var(--ok); border-radius: 6px; padding: 12px 16px; margin: 0 0 18px; break-inside: avoid-page; }
section.path.p-fail { border-left-color: var(--bad); } section.path.p-warn { border-left-color: var(--warn); }
.verdict { font-size: 15px; margin: 8px 0; } .verdict b { white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 13px; }
th, td { border-bottom: 1px solid #d8dee4; text-align: left; padding: 3px 6px; vertical-align: top; }
td.msg { word-break: break-word; } th { background: #f6f8fa; }
dl.windows { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; background: #f6f8fa; padding: 8px; border-radius: 4px; }
dl.windows dt { font-weight: bold; } dl.windows dd { margin: 0; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: bold; }
dl.ev { margin: 2px 0 2px 14px; display: grid; grid-template-columns: max-content 1fr; gap: 0 10px; font-size: 12px; }
dl.ev dt { color: #57606a; } dl.ev dd { margin: 0; word-break: break-all; }
svg.hops { width: 100%; height: auto; max-height: 150px; }
.hop text { font: 13px "DejaVu Sans", sans-serif; }
@media print { body { margin: 0; max-width: none; } details { display: block; } details > summary { list-style: none; } }
"#;

/// The hops of a path as the diagram draws them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hop {
    Host,
    Dns,
    Proxy,
    Peer,
    Service,
}

const HOPS: [(Hop, &str); 5] = [
    (Hop::Host, "this host"),
    (Hop::Dns, "DNS"),
    (Hop::Proxy, "proxy"),
    (Hop::Peer, "TLS peer"),
    (Hop::Service, "service"),
];

/// Which hop a stage's outcome belongs to: the local clock is this host's; a TCP failure is the
/// first hop's (the proxy when there is one).
fn hop_of(stage: Stage, proxied: bool) -> Hop {
    match stage {
        Stage::Endpoint | Stage::Clock | Stage::Host => Hop::Host,
        Stage::Dns => Hop::Dns,
        Stage::Tcp if proxied => Hop::Proxy,
        Stage::Proxy => Hop::Proxy,
        Stage::Tcp | Stage::Tls | Stage::Certificate => Hop::Peer,
        Stage::Http => Hop::Service,
    }
}

/// A hop's state: the worst status of its stages, or not reached when all were skipped.
fn hop_status(p: &PathReport, hop: Hop) -> Option<Status> {
    let proxied = p.route.kind == RouteKind::Proxy;
    let mine: Vec<&StageResult> = p
        .stages
        .iter()
        .filter(|s| hop_of(s.stage, proxied) == hop)
        .collect();
    if hop == Hop::Proxy && !proxied {
        return None;
    }
    if mine.iter().any(|s| s.status == Status::Fail) {
        return Some(Status::Fail);
    }
    if mine.iter().all(|s| s.status == Status::Skip) {
        return if hop == Hop::Service && mine.is_empty() {
            None
        } else {
            Some(Status::Skip)
        };
    }
    if mine.iter().any(|s| s.status == Status::Warn) {
        return Some(Status::Warn);
    }
    Some(Status::Pass)
}

/// The path as an SVG: a node per hop, the failing one an octagon with a cross and "BREAKS
/// HERE" under it, a warning a triangle, unreached hops dashed and grey.
fn diagram(p: &PathReport, out: &mut String) {
    let mut broken_seen = false;
    let states: Vec<(Hop, &str, Option<Status>)> = HOPS
        .iter()
        .map(|(h, name)| {
            let mut st = hop_status(p, *h);
            // WSUS stops at the first break: what lies beyond is drawn as not reached, even
            // when wsusprobe went on (a bad certificate still lets it read the answer).
            if broken_seen && matches!(st, Some(Status::Pass | Status::Warn)) {
                st = Some(Status::Skip);
            }
            broken_seen |= st == Some(Status::Fail);
            (*h, *name, st)
        })
        .collect();
    let broken = states
        .iter()
        .find(|(_, _, s)| *s == Some(Status::Fail))
        .map(|(_, n, _)| *n);
    let label = match broken {
        Some(n) => format!(
            "Path from this host to the service; it breaks at {n}. Hops: {}",
            states
                .iter()
                .map(|(_, n, s)| format!("{n} {}", word(*s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "Path from this host to the service; no hop breaks.".to_string(),
    };
    let _ = write!(
        out,
        r#"<svg class="hops" viewBox="0 0 1000 140" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(&label)
    );
    let x_of = |i: usize| 100 + i * 200;
    for i in 0..states.len() - 1 {
        let reached = matches!(
            states[i + 1].2,
            Some(Status::Pass | Status::Warn | Status::Fail)
        );
        let _ = write!(
            out,
            r##"<line x1="{}" y1="50" x2="{}" y2="50" stroke="{}" stroke-width="3"{}/>"##,
            x_of(i) + 38,
            x_of(i + 1) - 38,
            if reached { "#57606a" } else { "#afb8c1" },
            if reached {
                ""
            } else {
                r#" stroke-dasharray="6 6""#
            }
        );
    }
    for (i, (_, name, state)) in states.iter().enumerate() {
        let x = x_of(i);
        let _ = write!(
            out,
            r#"<g class="hop hop-{}">"#,
            word(*state).replace(' ', "-")
        );
        match state {
            Some(Status::Fail) => {
                // A regular octagon of radius 36 (a stop sign), corners at 22.5° + k·45°.
                const CORNERS: [(f64, f64); 8] = [
                    (33.3, 13.8),
                    (13.8, 33.3),
                    (-13.8, 33.3),
                    (-33.3, 13.8),
                    (-33.3, -13.8),
                    (-13.8, -33.3),
                    (13.8, -33.3),
                    (33.3, -13.8),
                ];
                let pts: Vec<String> = CORNERS
                    .iter()
                    .map(|(dx, dy)| format!("{:.1},{:.1}", x as f64 + dx, 50.0 + dy))
                    .collect();
                let _ = write!(
                    out,
                    r##"<polygon points="{}" fill="#cf222e" stroke="#82071e" stroke-width="3"/><path d="M{} 36 l28 28 M{} 36 l-28 28" stroke="#fff" stroke-width="6"/>"##,
                    pts.join(" "),
                    x - 14,
                    x + 14
                );
            }
            Some(Status::Warn) => {
                let _ = write!(
                    out,
                    r##"<polygon points="{},16 {},80 {},80" fill="#d4a72c" stroke="#7d4e00" stroke-width="3"/><text x="{x}" y="70" text-anchor="middle" font-weight="bold" font-size="30" fill="#fff">!</text>"##,
                    x,
                    x - 38,
                    x + 38
                );
            }
            Some(Status::Pass) => {
                let _ = write!(
                    out,
                    r##"<circle cx="{x}" cy="50" r="34" fill="#1a7f37"/><path d="M{} 50 l10 11 l20 -22" stroke="#fff" stroke-width="6" fill="none"/>"##,
                    x - 15
                );
            }
            Some(_) | None => {
                let _ = write!(
                    out,
                    r##"<circle cx="{x}" cy="50" r="34" fill="none" stroke="#afb8c1" stroke-width="3" stroke-dasharray="6 5"/>"##
                );
            }
        }
        let _ = write!(
            out,
            r##"<text x="{x}" y="108" text-anchor="middle" font-weight="bold">{}</text><text x="{x}" y="128" text-anchor="middle" fill="{}">{}</text></g>"##,
            esc(name),
            match state {
                Some(Status::Fail) => "#cf222e",
                Some(Status::Warn) => "#9a6700",
                Some(Status::Pass) => "#1a7f37",
                _ => "#6e7781",
            },
            match state {
                Some(Status::Fail) => "BREAKS HERE",
                _ => word(*state),
            }
        );
    }
    out.push_str("</svg>");
}

/// A hop state in words.
fn word(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Pass) => "passes",
        Some(Status::Warn) => "warns",
        Some(Status::Fail) => "breaks",
        Some(Status::Skip) => "not reached",
        None => "not used",
    }
}

fn class(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
        Status::Skip => "skip",
    }
}

/// A JSON value as nested definition lists (objects), lists (arrays) or text.
fn evidence(v: &Value, out: &mut String, depth: usize) {
    match v {
        Value::Object(map) if depth < 6 => {
            out.push_str(r#"<dl class="ev">"#);
            for (k, v) in map {
                let _ = write!(out, "<dt>{}</dt><dd>", esc(k));
                evidence(v, out, depth + 1);
                out.push_str("</dd>");
            }
            out.push_str("</dl>");
        }
        Value::Array(items) if depth < 6 => {
            if items.iter().all(|i| !i.is_object() && !i.is_array()) {
                let parts: Vec<String> = items.iter().map(scalar).collect();
                out.push_str(&esc(&parts.join(", ")));
            } else {
                out.push_str("<ol>");
                for i in items {
                    out.push_str("<li>");
                    evidence(i, out, depth + 1);
                    out.push_str("</li>");
                }
                out.push_str("</ol>");
            }
        }
        other => out.push_str(&esc(&scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

fn path_section(n: usize, p: &PathReport, out: &mut String) {
    let state = if !p.ok {
        "fail"
    } else if p.has_warnings() {
        "warn"
    } else {
        "pass"
    };
    let route = match &p.route.proxy {
        Some(px) => format!("through the proxy {px}"),
        None => "direct".to_string(),
    };
    let _ = write!(
        out,
        r#"<section class="path p-{state}" id="path-{n}"><h2>{}</h2><p>{} · {:.1} ms</p>"#,
        esc(&p.target),
        esc(&route),
        p.elapsed_ms
    );
    diagram(p, out);
    match &p.verdict {
        Some(v) => {
            let _ = write!(
                out,
                r#"<p class="verdict fail"><b>✗ FAIL at {}/{}</b>: {}</p><dl class="windows">"#,
                v.stage,
                v.kind,
                esc(&v.message)
            );
            if let Some(code) = &v.windows_error {
                let _ = write!(
                    out,
                    "<dt>Windows error</dt><dd>{} {}</dd>",
                    esc(code),
                    esc(v.windows_error_name.as_deref().unwrap_or_default())
                );
            }
            if let Some(log) = &v.wsus_log {
                let _ = write!(
                    out,
                    "<dt>SoftwareDistribution.log</dt><dd>{}</dd>",
                    esc(log)
                );
            }
            let _ = write!(out, "<dt>Fix</dt><dd>{}</dd></dl>", esc(&v.advice));
        }
        None if p.has_warnings() => {
            let warned: Vec<String> = p
                .stages
                .iter()
                .filter(|s| s.status == Status::Warn)
                .map(|s| {
                    format!(
                        "{}/{}",
                        s.stage,
                        s.kind.map(|k| k.to_string()).unwrap_or_default()
                    )
                })
                .collect();
            let _ = write!(
                out,
                r#"<p class="verdict warn"><b>! OK with warnings</b>: {}</p>"#,
                esc(&warned.join(", "))
            );
        }
        None => out.push_str(r#"<p class="verdict pass"><b>✓ OK</b>: every stage passed.</p>"#),
    }
    out.push_str(
        "<table><thead><tr><th>stage</th><th>status</th><th>ms</th><th>finding</th></tr></thead><tbody>",
    );
    for s in &p.stages {
        let kind = s.kind.map(|k| format!("{k}: ")).unwrap_or_default();
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="{}"><b>{}</b></td><td>{:.1}</td><td class="msg">{}{}</td></tr>"#,
            s.stage,
            class(s.status),
            s.status,
            s.elapsed_ms,
            esc(&kind),
            esc(&s.message)
        );
    }
    out.push_str("</tbody></table><details open><summary>Evidence, stage by stage</summary>");
    for s in &p.stages {
        let v = serde_json::to_value(&s.detail).unwrap_or(Value::Null);
        if v.is_null() || v.as_object().is_some_and(|m| m.is_empty()) {
            continue;
        }
        let _ = write!(out, "<h3>{}</h3>", s.stage);
        evidence(&v, out, 0);
    }
    out.push_str("</details></section>");
}

fn head(title: &str, out: &mut String) {
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{}</title><style>{STYLE}</style></head><body>"#,
        esc(title)
    );
}

/// The start every page shares: the document head, the header with its title line and summary,
/// the run's facts, and the opening of `<main>`.
fn opening(
    title: &str,
    h1: &str,
    (line, state): (&str, &str),
    report: &Report,
    run: &RunFacts,
    page: &mut String,
) {
    head(title, page);
    let _ = write!(
        page,
        r#"<header><h1>{}</h1><p class="summary {state}">{}</p>"#,
        esc(h1),
        esc(line)
    );
    facts(report, run, page);
    page.push_str("</header><main>");
}

fn facts(report: &Report, run: &RunFacts, out: &mut String) {
    let _ = write!(
        out,
        r#"<dl class="facts"><dt>wsusprobe</dt><dd>{}</dd><dt>started</dt><dd>{}</dd><dt>command</dt><dd><code>{}</code></dd>"#,
        esc(&report.version),
        esc(&report.started_at),
        esc(&run.command)
    );
    if let Some(i) = &report.interrupted {
        let _ = write!(
            out,
            "<dt>interrupted</dt><dd>{}</dd>",
            esc(&serde_json::to_value(i)
                .map(|v| scalar(&v))
                .unwrap_or_default())
        );
    }
    out.push_str("</dl>");
    if let Some(lint) = &report.config {
        let _ = write!(
            out,
            "<h2>WSUS configuration ({})</h2><ul>",
            esc(&lint.source)
        );
        for f in &lint.findings {
            let _ = write!(out, "<li>{}: {}</li>", f.severity, esc(&f.message));
        }
        out.push_str("</ul>");
    }
    if !report.routes.is_empty() {
        out.push_str("<h2>Direct vs proxy</h2><ul>");
        for r in &report.routes {
            let _ = write!(out, "<li>{}: {}</li>", esc(&r.target), esc(&r.summary));
        }
        out.push_str("</ul>");
    }
}

fn summary(report: &Report) -> (String, &'static str) {
    let failing = report.paths.iter().filter(|p| !p.ok).count();
    let warned = report
        .paths
        .iter()
        .filter(|p| p.ok && p.has_warnings())
        .count();
    match (failing, warned) {
        (0, 0) => (
            format!("✓ OK: {} path(s), every stage passed", report.paths.len()),
            "pass",
        ),
        (0, w) => (
            format!(
                "! OK with warnings: {w} of {} path(s) warn",
                report.paths.len()
            ),
            "warn",
        ),
        (f, _) => (
            format!("✗ FAIL: {f} of {} path(s) break", report.paths.len()),
            "fail",
        ),
    }
}

/// The report of `check` or `run`: a section per path.
pub fn render(report: &Report, run: &RunFacts, out: &mut dyn Write) -> io::Result<()> {
    let (line, state) = summary(report);
    let first_verdict = report
        .paths
        .iter()
        .find_map(|p| p.verdict.as_ref())
        .map(|v| format!(" — {}/{}", v.stage, v.kind))
        .unwrap_or_default();
    let mut page = String::new();
    opening(
        &format!("wsusprobe: {line}{first_verdict}"),
        "wsusprobe report",
        (&line, state),
        report,
        run,
        &mut page,
    );
    for (i, p) in report.paths.iter().enumerate() {
        path_section(i + 1, p, &mut page);
    }
    page.push_str("</main></body></html>\n");
    out.write_all(page.as_bytes())
}

/// One probe `serve` ran, as its status page lists it.
#[derive(Debug, Clone)]
pub struct RecentProbe {
    pub id: u64,
    pub time: String,
    pub target: String,
    pub module: Option<String>,
    pub route: String,
    /// `ok`, `ok with warnings`, or `stage/kind`.
    pub verdict: String,
    pub ok: bool,
    pub seconds: f64,
}

/// `serve`'s `/`: the last probes, newest first, each linking to its report.
pub fn recent_probes(list: &[RecentProbe], kept: usize, out: &mut dyn Write) -> io::Result<()> {
    let mut page = String::new();
    head("wsusprobe serve", &mut page);
    let _ = write!(
        page,
        r#"<header><h1>wsusprobe serve</h1><p><a href="/probe?target=https://sws.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx">/probe?target=URL</a> runs one path probe (<code>&amp;module=NAME</code>, <code>&amp;route=direct|proxy</code>; <code>&amp;debug=true</code> answers with the report instead of the metrics); <a href="/metrics">/metrics</a> are the exporter's own.</p><p>The last {} probe(s) are kept ({kept} at most), newest first.</p></header><main><table><thead><tr><th>time</th><th>target</th><th>module</th><th>route</th><th>verdict</th><th>s</th><th></th></tr></thead><tbody>"#,
        list.len()
    );
    for p in list.iter().rev() {
        let _ = write!(
            page,
            r#"<tr><td>{}</td><td class="msg">{}</td><td>{}</td><td>{}</td><td class="{}"><b>{}</b></td><td>{:.3}</td><td><a href="/report?id={}">report</a></td></tr>"#,
            esc(&p.time),
            esc(&p.target),
            esc(p.module.as_deref().unwrap_or("—")),
            esc(&p.route),
            if p.ok { "pass" } else { "fail" },
            esc(&p.verdict),
            p.seconds,
            p.id
        );
    }
    if list.is_empty() {
        page.push_str(r#"<tr><td colspan="7">No probe yet.</td></tr>"#);
    }
    page.push_str("</tbody></table></main></body></html>\n");
    out.write_all(page.as_bytes())
}

/// `run`'s plan: each expectation, met or not, then each path.
pub fn plan(
    r: &crate::model::plan::PlanReport,
    run: &RunFacts,
    out: &mut dyn Write,
) -> io::Result<()> {
    let unmet = r.results.iter().filter(|o| !o.met).count();
    let (line, state) = if unmet == 0 {
        (format!("✓ every expectation of {} met", r.plan), "pass")
    } else {
        (
            format!("✗ {unmet} of {} expectation(s) not met", r.results.len()),
            "fail",
        )
    };
    let mut page = String::new();
    opening(
        &format!("wsusprobe run: {line}"),
        "wsusprobe plan",
        (&line, state),
        &r.report,
        run,
        &mut page,
    );
    page.push_str(
        "<table><thead><tr><th>expectation</th><th>target</th><th>expected</th><th>actual</th><th>met</th></tr></thead><tbody>",
    );
    for o in &r.results {
        let _ = write!(
            page,
            r#"<tr class="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><b>{}</b></td></tr>"#,
            if o.met { "pass" } else { "fail" },
            esc(&o.name),
            esc(&o.target),
            esc(&o.expected),
            esc(&o.actual),
            if o.met { "met" } else { "NOT MET" }
        );
    }
    page.push_str("</tbody></table>");
    for (i, p) in r.report.paths.iter().enumerate() {
        path_section(i + 1, p, &mut page);
    }
    page.push_str("</main></body></html>\n");
    out.write_all(page.as_bytes())
}

/// The allowlist sweep: a host × result table grouped by role, failures first; then each
/// failing path as `render` shows it.
pub fn allowlist(
    report: &Report,
    entries: &[&CatalogEntry],
    run: &RunFacts,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (line, state) = summary(report);
    let mut page = String::new();
    opening(
        &format!("wsusprobe allowlist: {line}"),
        "Microsoft Update domains: allowlist sweep",
        (&line, state),
        report,
        run,
        &mut page,
    );
    let rows: Vec<(&PathReport, &CatalogEntry)> =
        report.paths.iter().zip(entries.iter().copied()).collect();
    for role in Role::ALL {
        let mut mine: Vec<&(&PathReport, &CatalogEntry)> =
            rows.iter().filter(|(_, e)| e.role == *role).collect();
        if mine.is_empty() {
            continue;
        }
        mine.sort_by_key(|(p, _)| (p.ok, !p.has_warnings()));
        let _ = write!(
            page,
            r#"<h2>{}</h2><table><thead><tr><th>host</th><th>listed as</th><th>result</th><th>ms</th><th>stage/kind — message</th></tr></thead><tbody>"#,
            esc(role.as_str())
        );
        for (i, (p, e)) in mine.iter().enumerate() {
            let (result, class) = match &p.verdict {
                Some(_) => ("blocked", "fail"),
                None if p.has_warnings() => ("allowed (warnings)", "warn"),
                None => ("allowed", "pass"),
            };
            let why = p
                .verdict
                .as_ref()
                .map(|v| format!("{}/{} — {}", v.stage, v.kind, v.message))
                .unwrap_or_default();
            let _ = write!(
                page,
                r#"<tr class="{class}" id="{}-{i}"><td>{}</td><td>{}</td><td><b>{result}</b></td><td>{:.0}</td><td class="msg">{}</td></tr>"#,
                esc(role.as_str()),
                esc(&p.target),
                esc(e.listed),
                p.elapsed_ms,
                esc(&why)
            );
        }
        page.push_str("</tbody></table>");
    }
    let failing: Vec<&PathReport> = report.paths.iter().filter(|p| !p.ok).collect();
    if !failing.is_empty() {
        page.push_str("<h2>Where each blocked path breaks</h2>");
        for (i, p) in failing.iter().enumerate() {
            path_section(i + 1, p, &mut page);
        }
    }
    page.push_str("</main></body></html>\n");
    out.write_all(page.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y' <img onerror=z>"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;y&apos; &lt;img onerror=z&gt;"
        );
        assert_eq!(esc("a\u{0}b"), "ab");
    }

    #[test]
    fn userinfo_never_reaches_the_page() {
        assert_eq!(
            without_userinfo("http://wsus:S3cret@proxy:8080/x"),
            "http://proxy:8080/x"
        );
        assert_eq!(without_userinfo("--proxy"), "--proxy");
        assert_eq!(without_userinfo("https://a/b@c"), "https://a/b@c");
    }
}
