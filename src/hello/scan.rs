//! Version and suite enumeration by elimination: offer every remaining suite, note the one the
//! server picks, remove it, repeat. Used by `wsusprobe ciphers` for every version and by the tls
//! stage to list what a server accepts when a handshake fails. Connections come from a `Dial`
//! (direct, or a fresh tunnel through the proxy), so this module knows nothing of routes.

use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use super::{HelloOutcome, HelloSpec};
use crate::deadline::Deadline;
use crate::knowledge::suites;
use crate::model::ciphers::{SuiteReport, VersionReport};

/// Budget of one hello.
const HELLO_CAP: Duration = Duration::from_secs(8);
/// Groups offered while enumerating: every common one, so no ECDHE suite is missed for want of a curve.
const SCAN_GROUPS: &[u16] = &[0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101];
/// Most suites in one hello; longer candidate lists are offered in slices.
const MAX_SUITES_PER_HELLO: usize = 200;

/// The versions enumerated, oldest first, with the names reports use.
pub const VERSIONS: &[(u16, &str)] = &[
    (super::SSL3, "SSLv3"),
    (super::TLS10, "TLSv1.0"),
    (super::TLS11, "TLSv1.1"),
    (super::TLS12, "TLSv1.2"),
    (super::TLS13, "TLSv1.3"),
];

/// Opens a fresh stream to the server for each hello.
pub trait Dial: Sync {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send;
    fn dial(&self, deadline: &Deadline) -> impl Future<Output = Option<Self::Stream>> + Send;
}

fn suite_report(id: u16) -> SuiteReport {
    SuiteReport {
        id,
        code: format!("0x{id:04X}"),
        name: suites::name(id),
        openssl: suites::openssl_name(id).map(str::to_string),
    }
}

/// One hello on a fresh connection (`spec.sni`, one version): the server's answer, or `None`
/// when no connection opened.
pub async fn offer_fresh<D: Dial>(
    dialer: &D,
    spec: &HelloSpec<'_>,
    deadline: &Deadline,
    cap: Duration,
) -> Option<HelloOutcome> {
    let mut stream = dialer.dial(deadline).await?;
    Some(super::offer(&mut stream, spec, deadline, cap).await)
}

async fn offer<D: Dial>(
    dialer: &D,
    version: u16,
    suites: &[u16],
    sni: Option<&str>,
    deadline: &Deadline,
) -> Option<HelloOutcome> {
    let spec = HelloSpec {
        version,
        also: &[],
        suites,
        groups: SCAN_GROUPS,
        sni,
    };
    offer_fresh(dialer, &spec, deadline, HELLO_CAP).await
}

/// What one round of elimination learnt.
enum Round {
    Accepted(u16),
    /// Nothing more to learn from this slice, with a note when something went wrong.
    Stop(Option<String>),
}

/// What one round's answer means for the scan: a suite accepted, or the end of the scan.
fn round_of(answer: Option<HelloOutcome>, version: u16, offered: &[u16]) -> Round {
    match answer {
        None => Round::Stop(Some("could not open a connection".into())),
        Some(HelloOutcome::ServerHello {
            version: v, suite, ..
        }) if v == version && offered.contains(&suite) => Round::Accepted(suite),
        Some(HelloOutcome::ServerHello { version: v, .. }) if v != version => Round::Stop(None),
        Some(HelloOutcome::ServerHello { suite, .. }) => Round::Stop(Some(format!(
            "the server chose 0x{suite:04X}, which was not offered"
        ))),
        Some(HelloOutcome::Timeout) => {
            Round::Stop(Some("the server did not answer a hello in time".into()))
        }
        Some(_) => Round::Stop(None),
    }
}

/// Enumerate one version by elimination.
pub async fn scan_version<D: Dial>(
    dialer: &D,
    version: u16,
    label: &str,
    sni: Option<&str>,
    deadline: &Deadline,
) -> VersionReport {
    let candidates: Vec<u16> = if version == super::TLS13 {
        suites::TLS13_SUITES.to_vec()
    } else {
        suites::scan_candidates()
    };
    let mut accepted: Vec<u16> = Vec::new();
    let mut note = None;
    // Offer the candidates slice by slice; within a slice, eliminate until the server refuses.
    for slice in candidates.chunks(MAX_SUITES_PER_HELLO) {
        loop {
            let remaining: Vec<u16> = slice
                .iter()
                .copied()
                .filter(|s| !accepted.contains(s))
                .collect();
            if remaining.is_empty() {
                break;
            }
            let answer = offer(dialer, version, &remaining, sni, deadline).await;
            match round_of(answer, version, &remaining) {
                Round::Accepted(suite) => accepted.push(suite),
                Round::Stop(n) => {
                    note = n.or(note);
                    break;
                }
            }
        }
    }
    // Server or client order? Offer the first two accepted suites the other way round.
    let mut server_preference = None;
    if accepted.len() >= 2 {
        let swapped = [accepted[1], accepted[0]];
        if let Some(HelloOutcome::ServerHello { suite, .. }) =
            offer(dialer, version, &swapped, sni, deadline).await
        {
            server_preference = Some(suite == accepted[0]);
        }
    }
    VersionReport {
        version: label.to_string(),
        supported: !accepted.is_empty(),
        server_preference,
        suites: accepted.into_iter().map(suite_report).collect(),
        note,
    }
}
