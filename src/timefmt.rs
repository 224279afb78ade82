//! Time formatting shared by stages and renderers.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Unix seconds → `2026-11-23T10:00:00Z` (or the number itself when out of range).
pub fn rfc3339(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ts.to_string())
}

pub fn system_rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    rfc3339(secs)
}

/// A clock offset in words: `10 min ahead of`, `3 s behind` (positive seconds: ahead).
pub fn offset_words(secs: f64) -> String {
    let a = secs.abs();
    let dir = if secs >= 0.0 { "ahead of" } else { "behind" };
    let amount = if a < 120.0 {
        format!("{a:.0} s")
    } else if a < 7200.0 {
        format!("{:.0} min", a / 60.0)
    } else if a < 172_800.0 {
        format!("{:.1} h", a / 3600.0)
    } else {
        format!("{:.1} days", a / 86400.0)
    };
    format!("{amount} {dir}")
}
