//! `wsusprobe allowlist`: the catalog swept as ordinary paths; a path is `blocked` when it stops
//! at dns, tcp, proxy or tls. Legacy entries never fail the run on their own.

use crate::knowledge::endpoints::{CatalogEntry, Role};
use crate::model::Report;

/// The catalog entry a report path came from (paths are in catalog order).
pub fn entry_for<'a>(entries: &[&'a CatalogEntry], target: &str) -> Option<&'a CatalogEntry> {
    entries.iter().copied().find(|e| {
        crate::config::Target::parse(&e.url())
            .map(|t| t.url == target)
            .unwrap_or(false)
    })
}

/// The run is OK when every non-legacy path is.
pub fn judge(report: &mut Report, entries: &[&CatalogEntry]) {
    report.ok = report
        .paths
        .iter()
        .all(|p| p.ok || entry_for(entries, &p.target).is_some_and(|e| e.role == Role::Legacy));
}
