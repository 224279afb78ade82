//! `wsusprobe allowlist`: the catalog swept as ordinary paths; a path is `blocked` when it stops
//! at dns, tcp, proxy or tls. Legacy entries never fail the run on their own.

use crate::knowledge::endpoints::{CatalogEntry, Role};
use crate::model::Report;

// The sweep probes each entry once (route `auto`), so `report.paths[i]` is `entries[i]`.

/// The run is OK when every non-legacy path is.
pub fn judge(report: &mut Report, entries: &[&CatalogEntry]) {
    report.ok = report
        .paths
        .iter()
        .zip(entries)
        .all(|(p, e)| p.ok || e.role == Role::Legacy);
}
