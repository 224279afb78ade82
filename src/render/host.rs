//! Output of `wsusprobe host`.

use std::io::{self, Write};

use super::text::status_style as style;

use super::style::{BOLD, DIM};
use crate::model::Status;
use crate::model::host::HostReport;

pub fn text(r: &HostReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{BOLD}Host TLS policy{BOLD:#} ({})",
        r.sources.join(", ")
    )?;
    match &r.os {
        Some(os) => writeln!(out, "  Windows       {} (build {})", os.name, os.build)?,
        None => writeln!(out, "  Windows       not read")?,
    }
    let protocols: Vec<String> = r
        .client_protocols
        .iter()
        .map(|p| {
            let state = if p.enabled { "on" } else { "off" };
            if p.by == "registry" {
                format!("{} {state} ({})", p.protocol, p.values)
            } else {
                format!("{} {state}", p.protocol)
            }
        })
        .collect();
    writeln!(out, "  Client TLS    {}", protocols.join(", "))?;
    for v in &r.dotnet {
        let shown = |x: Option<u32>| x.map_or("absent".to_string(), |n| n.to_string());
        writeln!(
            out,
            "  .NET {:<8} SchUseStrongCrypto={}, SystemDefaultTlsVersions={}",
            v.view,
            shown(v.sch_use_strong_crypto),
            shown(v.system_default_tls_versions)
        )?;
    }
    match &r.cipher_order {
        Some(c) => writeln!(
            out,
            "  Cipher order  GPO: {} suite(s), {} that Microsoft Update accepts",
            c.entries.len(),
            c.microsoft_update.len()
        )?,
        None => writeln!(out, "  Cipher order  Windows default (no policy)")?,
    }
    if let Some(on) = r.w3wp_switch {
        let state = if on { "set" } else { "not set" };
        writeln!(out, "  w3wp.exe      system-default TLS switch {state}")?;
    }
    writeln!(out, "  TLS 1.2 fix   {}", r.sync_fix)?;
    if let Some(w) = &r.winhttp {
        match &w.error {
            Some(e) => writeln!(out, "  WinHTTP       unreadable: {e}")?,
            None => writeln!(
                out,
                "  WinHTTP       {} (AIA, CRL and root-update fetches)",
                w.route
            )?,
        }
    }
    if let Some(u) = &r.root_update {
        let state = match u.disable_root_auto_update {
            Some(1) => "off (DisableRootAutoUpdate=1)",
            _ => "on",
        };
        writeln!(out, "  Root update   {state}")?;
    }
    if !r.offer.versions.is_empty() {
        writeln!(
            out,
            "  Offers        {}; {} suite(s), first {}",
            r.offer.versions.join(", "),
            r.offer.suites.len(),
            r.offer.suites.first().map_or("-", String::as_str)
        )?;
    }
    for n in &r.not_read {
        writeln!(out, "  {DIM}not read: {n}{DIM:#}")?;
    }
    writeln!(out)?;
    findings(r, out)
}

/// Each finding with its evidence and fix, or the all-clear.
fn findings(r: &HostReport, out: &mut dyn Write) -> io::Result<()> {
    if r.findings.is_empty() {
        let g = style(Status::Pass);
        writeln!(
            out,
            "{g}✓ OK{g:#}: nothing in this policy keeps WSUS from Microsoft Update."
        )?;
        return Ok(());
    }
    for f in &r.findings {
        let s = style(f.status);
        let mark = if f.status == Status::Fail {
            "✗ FAIL"
        } else {
            "! WARN"
        };
        write!(out, "{s}{mark} host/{}{s:#}: {}.", f.kind, f.message)?;
        if let Some(code) = &f.windows_error {
            write!(out, " WSUS would log {code}.")?;
        }
        writeln!(out)?;
        for e in &f.evidence {
            writeln!(out, "  {DIM}{}: {}{DIM:#}", e.key, e.value)?;
        }
        writeln!(out, "  Fix: {}", f.fix)?;
    }
    Ok(())
}

pub fn json(r: &HostReport, out: &mut dyn Write) -> io::Result<()> {
    super::json::write(r, out)
}
