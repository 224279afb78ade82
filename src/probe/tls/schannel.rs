//! The same handshake through this host's own Schannel, on Windows: the proof of what the WSUS
//! host's TLS stack offers and gets, beside rustls's inference. A new connection over the path's
//! route (direct, or a new tunnel) carries one Schannel handshake with the system's defaults; its
//! ClientHello and the server's answer are read back (Schannel reports neither version nor
//! suite), and when the two stacks disagree the stage says so and names the host policy that
//! explains it (`host` findings on the live registry).

use std::time::Duration;

use crate::config::TlsStack;
use crate::deadline::Deadline;
use crate::hello::{self, HelloOutcome, sent::read_client_hello};
use crate::knowledge::{codes, suites};
use crate::model::detail::SchannelCheck;
use crate::model::{Kind, Stage, StageResult, Status};
use crate::platform;
use crate::probe::dial::Dialer;

/// Longest one Schannel handshake may wait for the server.
const CAP: Duration = Duration::from_secs(10);

/// One handshake through Schannel to `host` over `dialer`'s route. `None` where there is no
/// Schannel, or no connection opened.
pub async fn handshake(dialer: &Dialer, host: &str, deadline: &Deadline) -> Option<SchannelCheck> {
    if !platform::HAS_SCHANNEL {
        return None;
    }
    let stream = dialer.dial(deadline).await?.into_std().ok()?;
    let wait = deadline
        .remaining()
        .min(CAP)
        .max(Duration::from_millis(100));
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(wait)).ok()?;
    stream.set_write_timeout(Some(wait)).ok()?;
    let host = host.to_string();
    let run = deadline
        .run(
            None,
            tokio::task::spawn_blocking(move || platform::schannel_handshake(stream, &host)),
        )
        .await?
        .ok()??;
    Some(check_of(&run))
}

/// The findings of `host` on the live registry that explain a Schannel failure (TLS 1.2 off
/// for clients, only legacy protocols, a cipher order without Microsoft Update's suites), as
/// `host/<kind>: <message>`. `None` when none applies or there is no live registry.
pub fn host_policy() -> Option<String> {
    let registry = crate::host::live::read().ok()?;
    let report = crate::host::assess(&crate::host::HostInputs {
        registry,
        ..Default::default()
    });
    let explaining: Vec<String> = report
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                Kind::Tls12ClientDisabled
                    | Kind::LegacyProtocolsOnly
                    | Kind::CipherOrderExcludesMicrosoftUpdate
            )
        })
        .map(|f| format!("host/{}: {}", f.kind, f.message))
        .collect();
    (!explaining.is_empty()).then(|| explaining.join("; "))
}

/// What the report says of one Schannel run.
fn check_of(run: &platform::SchannelRun) -> SchannelCheck {
    let offered = read_client_hello(&run.sent);
    let answer = hello::parse_answer(&run.received, true);
    let (version, suite, alert) = match &answer {
        HelloOutcome::ServerHello { version, suite, .. } => (
            Some(hello::version_name(*version)),
            Some(suites::name(*suite)),
            None,
        ),
        HelloOutcome::Alert { code, .. } => (None, None, Some(hello::alert_name(*code))),
        _ => (None, None, None),
    };
    SchannelCheck {
        alert,
        error: match run.status {
            Ok(()) => None,
            Err(Some(code)) => Some(match codes::lookup(code) {
                Some(c) => format!("{} ({}): {}", c.name, codes::hex(code), c.meaning),
                None => format!("SSPI status {}", codes::hex(code)),
            }),
            Err(None) => Some(
                "the connection failed in the middle of the handshake (time-out or reset)".into(),
            ),
        },
        ok: run.status.is_ok(),
        offered_suites: offered
            .as_ref()
            .map(|h| h.suites.iter().map(|s| suites::name(*s)).collect())
            .unwrap_or_default(),
        offered_versions: offered
            .as_ref()
            .map(|h| h.versions.iter().map(|v| hello::version_name(*v)).collect())
            .unwrap_or_default(),
        suite,
        version,
    }
}

/// The kind of a Schannel failure: from the server's alert when it sent one, else from
/// Schannel's status.
fn kind_of(c: &SchannelCheck) -> Kind {
    let alert = c.alert.as_deref().unwrap_or_default();
    let error = c.error.as_deref().unwrap_or_default();
    // No hello at all: the policy left Schannel nothing to offer.
    let no_hello = c.offered_versions.is_empty() && c.alert.is_none();
    if alert.starts_with("protocol_version")
        || error.contains("NO_AUTHENTICATING_AUTHORITY")
        || no_hello
    {
        Kind::ProtocolVersion
    } else if alert.starts_with("handshake_failure")
        || alert.starts_with("insufficient_security")
        || error.contains("ALGORITHM_MISMATCH")
    {
        Kind::NoCommonCipher
    } else if c.alert.is_some() {
        Kind::Alert
    } else {
        Kind::Closed
    }
}

/// Fold Schannel's handshake into the tls stage's `result` (whose detail receives it), as
/// `stack` says: `Auto` — a failure of Schannel's where rustls passed fails the stage (WSUS
/// uses Schannel); `Schannel` — Schannel's outcome is the stage's. `policy`: the host findings
/// that explain a Schannel failure. Returns whether the stage now passes.
pub fn fold(
    result: &mut StageResult,
    check: SchannelCheck,
    stack: TlsStack,
    policy: Option<String>,
) -> bool {
    let offered = if check.offered_versions.is_empty() {
        "no ClientHello at all (its policy leaves it nothing to offer)".to_string()
    } else {
        format!(
            "{}; {} suite(s){}",
            check.offered_versions.join(", "),
            check.offered_suites.len(),
            check
                .offered_suites
                .first()
                .map(|s| format!(", first {s}"))
                .unwrap_or_default()
        )
    };
    let rustls_ok = !result.failed();
    let explain = policy
        .map(|p| format!("; this host's policy explains it: {p}"))
        .unwrap_or_else(|| "; run `wsusprobe host` to see the SCHANNEL policy behind it".into());
    match (rustls_ok, check.ok) {
        (true, true) => {
            result.message.push_str(&format!(
                "; this host's Schannel agrees ({}, {})",
                check.version.as_deref().unwrap_or("?"),
                check.suite.as_deref().unwrap_or("?")
            ));
        }
        (true, false) => {
            let why = check
                .alert
                .as_deref()
                .map(|a| format!("the server refuses it (alert {a})"))
                .or_else(|| {
                    check
                        .error
                        .as_ref()
                        .map(|e| format!("Schannel fails with {}", e.trim_end_matches('.')))
                })
                .unwrap_or_default();
            let msg = format!(
                "rustls completes {}, but this host's Schannel — what WSUS uses — does not: it sends {offered}, and {why}{explain}",
                result.message
            );
            result.status = Status::Fail;
            result.kind = Some(kind_of(&check));
            result.message = msg;
        }
        (false, true) => {
            let msg = format!(
                "{}; but this host's Schannel completes the handshake ({}, {}): WSUS itself gets through, and what fails is the offer wsusprobe made",
                result.message,
                check.version.as_deref().unwrap_or("?"),
                check.suite.as_deref().unwrap_or("?")
            );
            result.message = msg;
            if stack == TlsStack::Schannel {
                result.status = Status::Pass;
                result.kind = None;
            }
        }
        (false, false) => {
            result.message.push_str(&format!(
                "; this host's Schannel fails too ({}; it offers {offered})",
                check
                    .alert
                    .as_deref()
                    .map(|a| format!("alert {a}"))
                    .or_else(|| check.error.clone())
                    .unwrap_or_default()
            ));
        }
    }
    if let crate::model::Detail::Tls(d) = &mut result.detail {
        *d.schannel_mut() = Some(check);
    }
    result.stage == Stage::Tls && !result.failed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::detail::Refused;

    fn check(ok: bool, alert: Option<&str>) -> SchannelCheck {
        SchannelCheck {
            alert: alert.map(str::to_string),
            error: (!ok).then(|| "SEC_E_ILLEGAL_MESSAGE (0x80090326): …".to_string()),
            ok,
            offered_suites: vec!["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA".into()],
            offered_versions: vec!["TLS 1.1".into(), "TLS 1.0".into()],
            suite: ok.then(|| "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into()),
            version: ok.then(|| "TLS 1.2".into()),
        }
    }

    fn passed() -> StageResult {
        StageResult::pass(
            Stage::Tls,
            "TLS 1.2, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, X25519",
            Refused {
                error: None,
                follow_up: None,
                idle_connection: None,
                offer: None,
                offered_suites: vec![],
                schannel: None,
            },
        )
    }

    #[test]
    fn schannel_failing_where_rustls_passes_fails_the_stage() {
        let mut r = passed();
        let ok = fold(
            &mut r,
            check(false, Some("protocol_version (70)")),
            TlsStack::Auto,
            Some("host/tls12_client_disabled: TLS 1.2 is switched off".into()),
        );
        assert!(!ok);
        assert_eq!(r.kind, Some(Kind::ProtocolVersion));
        assert!(
            r.message.starts_with("rustls completes TLS 1.2"),
            "{}",
            r.message
        );
        assert!(
            r.message.contains("sends TLS 1.1, TLS 1.0"),
            "{}",
            r.message
        );
        assert!(
            r.message.contains("host/tls12_client_disabled"),
            "{}",
            r.message
        );
        let mut r = passed();
        assert!(fold(&mut r, check(true, None), TlsStack::Auto, None));
        assert!(r.message.contains("Schannel agrees (TLS 1.2"));
    }
}
