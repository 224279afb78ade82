//! `wsusprobe allowlist`: the endpoint catalog swept as ordinary paths; a path is `blocked` when
//! it stops at dns, tcp, proxy or tls. Legacy entries never fail the run on their own.

use crate::cli::AllowlistArgs;
use crate::commands::{Out, format_of, probe_then, write_out, write_report};
use crate::config::{Config, wsus};
use crate::error::Done;
use crate::error::{UsageError, usage};
use crate::exit::Exit;
use crate::knowledge::endpoints::{CATALOG, CatalogEntry, Role};
use crate::model::{ConfigLint, Report};
use crate::render::{self, Format};
use crate::target::Target;

#[derive(Debug)]
pub struct AllowlistJob {
    pub cfg: Config,
    pub format: Format,
    /// The catalog entries swept, in the order of `cfg.targets`.
    pub entries: Vec<&'static CatalogEntry>,
    pub lint: Option<ConfigLint>,
    /// `--list`: print the catalog, probe nothing.
    pub list_only: bool,
}

impl AllowlistJob {
    pub fn from_args(args: &AllowlistArgs) -> Result<AllowlistJob, UsageError> {
        let roles = &args.only;
        let entries: Vec<&'static CatalogEntry> = CATALOG
            .iter()
            .filter(|e| roles.is_empty() || roles.contains(&e.role))
            .filter(|e| {
                args.host.is_empty() || args.host.iter().any(|h| e.host.contains(h.as_str()))
            })
            .collect();
        if entries.is_empty() {
            return usage("--only/--host leave no catalog entry to probe (see allowlist --list)");
        }
        let urls: Vec<String> = entries.iter().map(|e| e.url()).collect();
        let targets = Target::parse_all(&urls)?;
        let has_user = args.net.proxy_user.is_some();
        let from_export = wsus::load_flag(args.wsus_config.as_deref(), has_user)?;
        let (configured, lint) = (from_export.proxies, from_export.lint);
        let cfg = Config::from_net_args(targets, &args.net, configured, &args.report.ca_file)?;
        Ok(AllowlistJob {
            cfg,
            format: format_of(args.report.format, args.report.json),
            entries,
            lint,
            list_only: args.list,
        })
    }
}

pub fn run(job: AllowlistJob, out: Out<'_>) -> Done {
    if job.list_only {
        write_out(out, render::allowlist::list)?;
        return Ok(Exit::Ok);
    }
    let (format, entries) = (job.format, job.entries);
    probe_then(job.cfg, format, job.lint, out, |mut report, out| {
        settle(&mut report, &entries);
        match format {
            Format::Text => {
                write_out(out, |o| render::allowlist::table(&report, &entries, o))?;
                Ok(Exit::from_report(&report))
            }
            Format::Html => {
                let run = render::html::RunFacts::from_env();
                write_out(out, |o| render::html::allowlist(&report, &entries, &run, o))?;
                Ok(Exit::from_report(&report))
            }
            other => write_report(&report, other, out),
        }
    })
}

/// The sweep probes each entry once (route `auto`), so `report.paths[i]` is `entries[i]`: the
/// run is OK when every non-legacy path is.
pub fn settle(report: &mut Report, entries: &[&CatalogEntry]) {
    report.ok = report
        .paths
        .iter()
        .zip(entries)
        .all(|(p, e)| p.ok || e.role == Role::Legacy);
}
