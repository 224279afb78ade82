//! Stage `clock`: compare the local clock with the server's `Date` header, and re-judge a
//! certificate that failed on time: if it is valid at the server's time, the clock is the cause.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::cert::CertOutcome;
use super::http::ServerDate;
use crate::model::detail::ClockDetail;
use crate::model::{Kind, Stage, StageResult};
use crate::timefmt::system_rfc3339;

pub const WARN_AT: Duration = Duration::from_secs(120);
pub const FAIL_AT: Duration = Duration::from_secs(3600);

fn signed_secs(a: SystemTime, b: SystemTime) -> f64 {
    match a.duration_since(b) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// How far the local clock is from the server's, in seconds (positive: ahead), read at
/// `received_at`. An HTTP date names a whole second, so a reading anywhere inside
/// [Date, Date + 1 s) is no skew at all; only what lies outside that second counts (a server with
/// the same clock reads 0, not a steady half second).
fn skew_secs(received_at: SystemTime, server: SystemTime) -> f64 {
    let d = signed_secs(received_at, server);
    if d > 1.0 {
        d - 1.0
    } else if d < 0.0 {
        d
    } else {
        0.0
    }
}

fn human(secs: f64) -> String {
    format!(
        "the local clock is {} the server's",
        crate::timefmt::offset_words(secs)
    )
}

/// The clock stage: the local clock compared with the server's `Date` (and, when the certificate
/// failed on time, with its validity). `local_now` is the clock certificates were judged with.
pub fn compare(
    local_now: SystemTime,
    date: Option<&ServerDate>,
    cert: Option<&CertOutcome>,
) -> StageResult {
    let Some(date) = date else {
        return StageResult::skip(
            Stage::Clock,
            "the server sent no Date header to compare with",
        );
    };
    let Some(server) = date.parsed else {
        return StageResult::warn(
            Stage::Clock,
            None,
            format!(
                "the server's Date header \"{}\" is not a valid HTTP date",
                date.raw
            ),
            ClockDetail {
                local_time: None,
                server_date: date.raw.clone(),
                server_time: None,
                skew_seconds: None,
            },
        );
    };
    // Positive: the local clock is ahead. The Date was read at `received_at` by the local clock.
    let skew = skew_secs(date.received_at, server);
    let server_at_judging = if skew >= 0.0 {
        local_now.checked_sub(Duration::from_secs_f64(skew))
    } else {
        local_now.checked_add(Duration::from_secs_f64(-skew))
    }
    .unwrap_or(server);
    let detail = ClockDetail {
        local_time: Some(system_rfc3339(date.received_at)),
        server_date: date.raw.clone(),
        server_time: Some(system_rfc3339(server)),
        skew_seconds: Some((skew * 10.0).round() / 10.0),
    };
    let text = human(skew);

    // Does the server's time explain a certificate time failure?
    if let Some(c) = cert.filter(|c| c.time_failure) {
        let t = server_at_judging
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let valid_then =
            !c.windows.is_empty() && c.windows.iter().all(|(nb, na)| *nb <= t && t <= *na);
        if valid_then && skew.abs() >= WARN_AT.as_secs_f64() {
            return StageResult::fail(
                Stage::Clock,
                Kind::Skew,
                format!(
                    "{text}: local time {}, server time {}; the certificate is valid at the server's time, so the local clock is the cause",
                    system_rfc3339(date.received_at),
                    system_rfc3339(server)
                ),
                detail,
            );
        }
    }
    if skew.abs() >= FAIL_AT.as_secs_f64() {
        StageResult::fail(
            Stage::Clock,
            Kind::Skew,
            format!(
                "{text} (local {}, server {})",
                system_rfc3339(date.received_at),
                system_rfc3339(server)
            ),
            detail,
        )
    } else if skew.abs() >= WARN_AT.as_secs_f64() {
        StageResult::warn(Stage::Clock, Some(Kind::Skew), text, detail)
    } else {
        let text = if skew.abs() < 0.5 {
            "the local clock agrees with the server's Date".to_string()
        } else {
            format!("{text} (within 2 min)")
        };
        StageResult::pass(Stage::Clock, text, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn date(skew_secs: i64) -> ServerDate {
        let now = SystemTime::now();
        let server = if skew_secs >= 0 {
            now - Duration::from_secs(skew_secs as u64)
        } else {
            now + Duration::from_secs((-skew_secs) as u64)
        };
        ServerDate {
            parsed: Some(server),
            raw: httpdate::fmt_http_date(server),
            received_at: now,
        }
    }

    #[test]
    fn thresholds() {
        let now = SystemTime::now();
        assert_eq!(compare(now, Some(&date(5)), None).status, Status::Pass);
        let same = compare(now, Some(&date(0)), None);
        assert_eq!(
            same.message,
            "the local clock agrees with the server's Date"
        );
        assert_eq!(compare(now, Some(&date(-300)), None).status, Status::Warn);
        let r = compare(now, Some(&date(7200)), None);
        assert_eq!((r.status, r.kind), (Status::Fail, Some(Kind::Skew)));
        assert_eq!(compare(now, None, None).status, Status::Skip);
        let bad = ServerDate {
            parsed: None,
            raw: "yesterday".into(),
            received_at: now,
        };
        assert_eq!(compare(now, Some(&bad), None).status, Status::Warn);
    }

    #[test]
    fn the_date_headers_second_is_not_skew() {
        let server = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let at = |ms: u64| server + Duration::from_millis(ms);
        assert_eq!(skew_secs(at(0), server), 0.0);
        assert_eq!(skew_secs(at(800), server), 0.0);
        assert!((skew_secs(at(3500), server) - 2.5).abs() < 1e-9);
        let behind = server - Duration::from_millis(2000);
        assert!((skew_secs(behind, server) + 2.0).abs() < 1e-9);
    }
}
