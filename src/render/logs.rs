//! Output of `wsusprobe logs`.

use std::io::{self, Write};

use super::style::{BOLD, DIM};
use crate::model::logs::LogReport;

pub fn text(r: &LogReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{BOLD}{} line(s) in {} file(s){BOLD:#}",
        r.lines,
        r.files.len()
    )?;
    if r.groups.is_empty() {
        writeln!(out, "  no sync failure found")?;
    }
    for g in &r.groups {
        let when = match (&g.first, &g.last) {
            (Some(f), Some(l)) if f != l => format!("{f} … {l}"),
            (Some(f), _) => f.clone(),
            _ => "time unknown".into(),
        };
        writeln!(
            out,
            "{BOLD}{}×  {}{BOLD:#}  {DIM}({when}){DIM:#}",
            g.count, g.cause
        )?;
        writeln!(
            out,
            "    stage {} — e.g. {DIM}{}{DIM:#}",
            g.stage, g.example
        )?;
        writeln!(out, "    test: {}", g.check)?;
    }
    for n in &r.notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}

pub fn json(r: &LogReport, out: &mut dyn Write) -> io::Result<()> {
    super::json::write(r, out)
}
