//! Output of `wsusprobe explain`.

use std::io::{self, Write};

use super::style::{BOLD, DIM};
use crate::model::explain::Explanation;

pub fn text(e: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    if let Some(c) = &e.code {
        writeln!(out, "{BOLD}{}  {}{BOLD:#}", c.code, c.name)?;
        writeln!(out, "  {}", c.meaning)?;
    }
    if e.matches.is_empty() {
        writeln!(
            out,
            "No probe stage is known to produce \"{}\". Try a code (0x80072EFE, 12029) or a phrase from the log (\"common algorithm\", \"HTTP status 407\").",
            e.query
        )?;
        return Ok(());
    }
    writeln!(out, "{BOLD}Reproduced by{BOLD:#}")?;
    let mut commands: Vec<&str> = Vec::new();
    for m in &e.matches {
        writeln!(
            out,
            "  {BOLD}{}/{}{BOLD:#} {DIM}({}){DIM:#}",
            m.stage, m.kind, m.windows_error
        )?;
        if !m.wsus_log.is_empty() {
            writeln!(out, "    WSUS logs: {}", m.wsus_log)?;
        }
        writeln!(out, "    Fix: {}", m.advice)?;
        if !commands.contains(&m.command.as_str()) {
            commands.push(m.command.as_str());
        }
    }
    writeln!(out, "{BOLD}Run{BOLD:#}")?;
    for c in commands {
        writeln!(out, "  {c}")?;
    }
    Ok(())
}

pub fn json(e: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    super::json::write(e, out)
}
