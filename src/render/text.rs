//! Human output: one line per stage, then one sentence with the verdict, the Windows error and the fix.
//! Colour codes are written unconditionally; the caller's stream strips them (NO_COLOR, pipes).

use std::io::{self, Write};

use anstyle::Style;

use super::style::{BAD, BOLD, DIM, DOUBT, GOOD};
use crate::model::Severity;
use crate::model::{PathReport, Report, RouteKind, Status};

pub fn status_style(s: Status) -> Style {
    match s {
        Status::Pass => GOOD,
        Status::Warn => DOUBT,
        Status::Fail => BAD,
        Status::Skip => DIM,
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if let Some(lint) = &report.config {
        writeln!(out, "{BOLD}WSUS configuration ({}){BOLD:#}", lint.source)?;
        if lint.findings.is_empty() {
            writeln!(out, "  {DIM}no finding{DIM:#}")?;
        }
        for f in &lint.findings {
            let st = match f.severity {
                Severity::Error => status_style(Status::Fail),
                Severity::Warn => status_style(Status::Warn),
                Severity::Info => DIM,
            };
            writeln!(out, "  {st}{:<5}{st:#} {}", f.severity.as_str(), f.message)?;
        }
        writeln!(out)?;
    }
    for (i, path) in report.paths.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        render_path(path, out)?;
    }
    render_comparison(report, out)?;
    if report.paths.len() > 1 {
        let failed = report.paths.iter().filter(|p| !p.ok).count();
        writeln!(out)?;
        writeln!(
            out,
            "{BOLD}{} of {} paths OK{BOLD:#}",
            report.paths.len() - failed,
            report.paths.len()
        )?;
    }
    if let Some(i) = report.interrupted {
        let y = DOUBT.bold();
        writeln!(out)?;
        writeln!(
            out,
            "{y}Interrupted:{y:#} {} of {} paths finished before Ctrl-C; the others were not judged.",
            i.finished, i.planned
        )?;
    }
    Ok(())
}

fn outcome(p: &PathReport) -> String {
    match &p.verdict {
        Some(v) => format!("✗ {}/{}", v.stage.as_str(), v.kind.as_str()),
        None if p.ok => "✓ OK".to_string(),
        None => "! warnings (--strict)".to_string(),
    }
}

/// With `--route both`: one line per URL with its direct and proxy verdicts side by side, and
/// where they disagree, the sentence that says where they part.
fn render_comparison(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut targets: Vec<&str> = Vec::new();
    for p in &report.paths {
        if !targets.contains(&p.target.as_str()) {
            targets.push(&p.target);
        }
    }
    if targets.len() == report.paths.len() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{BOLD}Direct vs proxy{BOLD:#}")?;
    for t in targets {
        let cells: Vec<String> = report
            .paths
            .iter()
            .filter(|p| p.target == t)
            .map(|p| {
                let route = match p.route.kind {
                    RouteKind::Direct => "direct",
                    RouteKind::Proxy => "proxy",
                };
                format!("{route}: {:<28}", outcome(p))
            })
            .collect();
        writeln!(out, "  {t}")?;
        writeln!(out, "    {}", cells.join("  ").trim_end())?;
        if let Some(c) = report.routes.iter().find(|c| c.target == t) {
            writeln!(out, "    {}", c.summary)?;
        }
    }
    Ok(())
}

fn render_path(p: &PathReport, out: &mut dyn Write) -> io::Result<()> {
    let route = match (&p.route.kind, &p.route.proxy) {
        (RouteKind::Proxy, Some(proxy)) => format!("via proxy {proxy}"),
        _ => "direct".to_string(),
    };
    writeln!(out, "{BOLD}{}{BOLD:#} {DIM}({route}){DIM:#}", p.target)?;
    for s in &p.stages {
        let st = status_style(s.status);
        let kind = s.kind.map(|k| format!("{k}: ")).unwrap_or_default();
        let time = if s.status == Status::Skip {
            "        ".to_string()
        } else {
            format!("{:>6.1} ms", s.elapsed_ms)
        };
        let (stage, status, message) = (s.stage.as_str(), s.status.as_str(), &s.message);
        writeln!(
            out,
            "  {stage:<12} {st}{status:<4}{st:#} {DIM}{time}{DIM:#}  {kind}{message}"
        )?;
    }
    render_conclusion(p, out)
}

/// The path's last line: the verdict with its Windows code and fix, or OK (with warnings).
fn render_conclusion(p: &PathReport, out: &mut dyn Write) -> io::Result<()> {
    match &p.verdict {
        Some(v) => {
            let red = status_style(Status::Fail);
            let code = match (&v.windows_error, &v.windows_error_name) {
                (Some(c), Some(n)) => format!(" WSUS would log {c} ({n})."),
                (Some(c), None) => format!(" WSUS would log {c}."),
                _ => String::new(),
            };
            let (stage, kind, message) = (v.stage, v.kind, &v.message);
            writeln!(
                out,
                "{red}✗ FAIL{red:#} at {stage}/{kind}: {message}.{code}"
            )?;
            if let Some(log) = &v.wsus_log {
                writeln!(out, "  {DIM}SoftwareDistribution.log: {log}{DIM:#}")?;
            }
            writeln!(out, "  {BOLD}Fix:{BOLD:#} {}", v.advice)?;
        }
        None if !p.ok && p.stages.is_empty() => {
            writeln!(out, "✗ internal error: this path was not probed")?;
        }
        None => {
            let warns: Vec<String> = p
                .stages
                .iter()
                .filter(|s| s.status == Status::Warn)
                .map(|s| {
                    format!(
                        "{}{}",
                        s.stage.as_str(),
                        s.kind
                            .map(|k| format!("/{}", k.as_str()))
                            .unwrap_or_default()
                    )
                })
                .collect();
            if warns.is_empty() {
                let g = status_style(Status::Pass);
                writeln!(
                    out,
                    "{g}✓ OK{g:#}: every stage passed in {:.0} ms.",
                    p.elapsed_ms
                )?;
            } else {
                let y = status_style(Status::Warn);
                let label = if p.ok {
                    "OK with warnings"
                } else {
                    "FAIL (--strict)"
                };
                writeln!(out, "{y}! {label}{y:#}: {}.", warns.join(", "))?;
            }
        }
    }
    Ok(())
}
