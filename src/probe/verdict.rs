//! The path's verdict: which stage broke, what Windows would log, and the fix.

use crate::knowledge::{kerberos, winerr};
use crate::model::{Kind, Stage, StageResult, Verdict};

/// The first failing stage, except that a clock skew that explains a certificate time failure
/// takes the verdict (the seeds' 0x80072F8F case).
pub fn verdict(stages: &[StageResult]) -> Option<Verdict> {
    let first = stages.iter().find(|s| s.failed())?;
    let clock_explains = first.stage == Stage::Certificate
        && matches!(first.kind, Some(Kind::Expired | Kind::NotYetValid))
        && stages.iter().any(|s| s.stage == Stage::Clock && s.failed());
    let chosen = if clock_explains {
        stages
            .iter()
            .find(|s| s.stage == Stage::Clock && s.failed())?
    } else {
        first
    };
    let kind = chosen.kind?;
    let fact = winerr::lookup(chosen.stage, kind);
    let mut code = fact
        .filter(|f| !f.code.is_empty())
        .map(|f| (f.code, f.name));
    let mut wsus_log = fact
        .filter(|f| !f.wsus_log.is_empty())
        .map(|f| f.wsus_log.to_string());
    if winerr::code_follows_status(chosen.stage, kind)
        && let Some(status) = chosen.answer_status()
    {
        code = Some(winerr::for_http_status(status));
        // WSUS's SOAP client words it from the status line it got, as the code follows it.
        let line = chosen.detail.proxy().and_then(|d| d.status_line());
        wsus_log = Some(winerr::failed_with_status(status, line));
    }
    Some(Verdict {
        stage: chosen.stage,
        kind,
        message: chosen.message.clone(),
        windows_error: code.map(|(c, _)| c.to_string()),
        windows_error_name: code.map(|(_, n)| n.to_string()),
        wsus_log,
        advice: chosen
            .detail
            .proxy()
            .and_then(|d| d.negotiate())
            .and_then(|_| kerberos::advice(kind))
            .or(fact.map(|f| f.advice))
            .unwrap_or("See the stage detail.")
            .to_string(),
    })
}
