//! The allowlist table: one line per catalog entry.

use std::io::{self, Write};

use super::style::{BAD, BOLD, DIM, DOUBT, GOOD};
use crate::knowledge::endpoints::{CATALOG, CatalogEntry, Role};
use crate::model::Report;
use crate::render::csv::reach;

pub fn list(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{BOLD}{:<40} {:<36} {:<6} role{BOLD:#}",
        "listed", "host probed", "scheme"
    )?;
    for e in CATALOG {
        writeln!(
            out,
            "{:<40} {:<36} {:<6} {}",
            e.listed,
            e.host,
            if e.https { "https" } else { "http" },
            e.role.as_str()
        )?;
    }
    writeln!(
        out,
        "{DIM}Source: Step 2: Configure WSUS (the required-domains list). Microsoft revises it; check the live page.{DIM:#}"
    )
}

pub fn table(report: &Report, entries: &[&CatalogEntry], out: &mut dyn Write) -> io::Result<()> {
    let route = report
        .paths
        .first()
        .and_then(|p| p.route.proxy.clone())
        .map(|p| format!("through {p}"))
        .unwrap_or_else(|| "direct".into());
    if let Some(lint) = &report.config {
        for f in &lint.findings {
            writeln!(
                out,
                "{DIM}WSUS configuration: {} {}{DIM:#}",
                f.severity.as_str(),
                f.message
            )?;
        }
    }
    writeln!(out, "{BOLD}Microsoft Update domains, {route}{BOLD:#}")?;
    writeln!(
        out,
        "{BOLD}{:<36} {:<6} {:<8} {:>8}  stage/kind — message{BOLD:#}",
        "host", "scheme", "result", "ms"
    )?;
    let (mut allowed, mut blocked) = (0, 0);
    for (p, e) in report.paths.iter().zip(entries) {
        let legacy = e.role == Role::Legacy;
        let r = reach(p);
        match r {
            "allowed" => allowed += 1,
            "blocked" => blocked += 1,
            _ => {}
        }
        let style = match (r, legacy) {
            ("allowed", _) if p.ok => GOOD,
            ("allowed", _) => DOUBT,
            (_, true) => DOUBT,
            _ => BAD,
        };
        let why = p
            .verdict
            .as_ref()
            .map(|v| format!("{}/{} — {}", v.stage.as_str(), v.kind.as_str(), v.message))
            .unwrap_or_default();
        let note = if legacy && !p.ok {
            " (legacy, informational)"
        } else {
            ""
        };
        writeln!(
            out,
            "{:<36} {:<6} {style}{:<8}{style:#} {:>8.0}  {why}{DIM}{note}{DIM:#}",
            e.host,
            if p.target.starts_with("https") {
                "https"
            } else {
                "http"
            },
            r,
            p.elapsed_ms
        )?;
    }
    writeln!(
        out,
        "{allowed} allowed, {blocked} blocked of {} paths",
        report.paths.len()
    )
}
