//! Output of `wsusprobe run`: expected vs actual per path.

use std::io::{self, Write};

use super::style::{BAD, BOLD, GOOD};
use crate::model::plan::PlanReport;
use crate::render::csv::field;
use crate::render::junit::{Case, write_suite};

pub fn text(r: &PlanReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{BOLD}plan {}{BOLD:#}", r.plan)?;
    for o in &r.results {
        let (mark, style) = if o.met {
            ("✓ met  ", GOOD)
        } else {
            ("✗ unmet", BAD)
        };
        writeln!(
            out,
            "  {style}{mark}{style:#} {}: expected {}, got {}",
            o.name, o.expected, o.actual
        )?;
    }
    let met = r.results.iter().filter(|o| o.met).count();
    writeln!(out, "{met} of {} expectations met", r.results.len())
}

pub fn json(r: &PlanReport, out: &mut dyn Write) -> io::Result<()> {
    super::json::write(r, out)
}

pub fn csv(r: &PlanReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "name,target,expected,actual,met")?;
    for o in &r.results {
        writeln!(
            out,
            "{},{},{},{},{}",
            field(&o.name),
            field(&o.target),
            field(&o.expected),
            field(&o.actual),
            o.met
        )?;
    }
    Ok(())
}

pub fn junit(r: &PlanReport, out: &mut dyn Write) -> io::Result<()> {
    let cases: Vec<Case> = r
        .results
        .iter()
        .zip(&r.report.paths)
        .map(|(o, p)| Case {
            name: o.name.clone(),
            class: "wsusprobe.plan".into(),
            seconds: p.elapsed_ms / 1000.0,
            failure: (!o.met).then(|| {
                (
                    "unmet".to_string(),
                    format!("expected {}, got {}", o.expected, o.actual),
                    p.verdict
                        .as_ref()
                        .map(|v| {
                            format!(
                                "{}/{}: {}\nFix: {}",
                                v.stage.as_str(),
                                v.kind.as_str(),
                                v.message,
                                v.advice
                            )
                        })
                        .unwrap_or_default(),
                )
            }),
            output: String::new(),
        })
        .collect();
    write_suite(
        &format!("wsusprobe plan {}", r.plan),
        &r.report.started_at,
        &cases,
        out,
    )
}

pub fn html(r: &PlanReport, out: &mut dyn Write) -> io::Result<()> {
    super::html::plan(r, &super::html::RunFacts::from_env(), out)
}
