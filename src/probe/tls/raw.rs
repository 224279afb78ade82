//! The raw-engine path of the tls stage: an offer rustls cannot make (`--client-profile`, a
//! GPO-style `--ciphers` list) sent as exactly that ClientHello. A suite rustls speaks is then
//! completed by the rustls path (below); a refusal is explained by the follow-ups (below).

use rustls::pki_types::CertificateDer;
use tokio::net::TcpStream;

use super::follow;
use super::library::{self, with_rustls};
use super::peer::{Peer, PeerSeen, TlsOutcome};
use crate::config::{TlsSettings, TlsVersion};
use crate::hello::{self, ClientOffer, HelloOutcome, HelloSpec};
use crate::knowledge::suites;
use crate::model::detail::{RawOffer, TlsDetail};
use crate::model::{Detail, Kind, Stage, StageResult};

/// `check --client-profile` / a GPO-style `--ciphers` list: the raw engine sends exactly that
/// ClientHello. When the server picks a suite rustls speaks, the handshake is then done for real
/// with that suite; otherwise it is judged from the server's flight.
pub(super) async fn handshake(
    offer: &ClientOffer,
    mut tcp: TcpStream,
    peer: Peer<'_>,
) -> TlsOutcome {
    let max = offer.max_version();
    let also: Vec<u16> = offer
        .versions
        .iter()
        .copied()
        .filter(|v| *v != max)
        .collect();
    let spec = HelloSpec {
        version: max,
        also: &also,
        suites: &offer.suites,
        groups: &offer.groups,
        sni: peer.sni(),
    };
    let answer = hello::offer_until(
        &mut tcp,
        &spec,
        hello::Until::Flight,
        peer.deadline,
        library::leave_room(peer.deadline),
    )
    .await;
    drop(tcp);
    let base = offer_detail(offer);
    let (kind, msg, evidence) = match answer {
        HelloOutcome::ServerHello {
            version,
            suite,
            group,
            certificates,
            ..
        } if offer.versions.contains(&version) && offer.suites.contains(&suite) => {
            let agreed = Agreed {
                version,
                suite,
                group,
                certificates,
            };
            return negotiated(offer, agreed, base, peer).await;
        }
        HelloOutcome::ServerHello { version, suite, .. } if !offer.versions.contains(&version) => (
            Kind::ProtocolVersion,
            format!(
                "the server answered with {} ({}), a version {} does not offer",
                hello::version_name(version),
                suites::name(suite),
                offer.name
            ),
            vec![],
        ),
        HelloOutcome::ServerHello { suite, .. } => (
            Kind::Alert,
            format!(
                "the server chose {}, which was not offered",
                suites::name(suite)
            ),
            vec![],
        ),
        HelloOutcome::Timeout => {
            let f = follow::packet_size(&spec, peer, None).await;
            let msg = f.verdict.map(|(_, m)| m).unwrap_or_else(|| {
                "the server did not answer the ClientHello before the deadline".into()
            });
            (Kind::Timeout, msg, f.evidence)
        }
        HelloOutcome::NotTls { first_line } => (
            Kind::NotTls,
            format!("the server answered the TLS handshake in plaintext: \"{first_line}\""),
            vec![],
        ),
        refused => follow::explain_offer(offer, &refused, peer).await,
    };
    let detail = RawOffer {
        follow_up: Some(evidence),
        ..base
    };
    TlsOutcome::failed(kind, msg, detail)
}

/// What the report says was offered.
fn offer_detail(offer: &ClientOffer) -> RawOffer {
    RawOffer {
        follow_up: None,
        group: None,
        idle_connection: None,
        offer: offer.name.clone(),
        offered_groups: offer
            .groups
            .iter()
            .map(|g| suites::group_name(*g))
            .collect(),
        offered_suites: offer.suites.iter().map(|s| suites::name(*s)).collect(),
        offered_versions: offer
            .versions
            .iter()
            .map(|v| hello::version_name(*v))
            .collect(),
        schannel: None,
        suite: None,
        version: None,
    }
}

/// What the server picked from the offer.
struct Agreed {
    version: u16,
    suite: u16,
    group: Option<u16>,
    certificates: Vec<Vec<u8>>,
}

/// The server accepted the offer. With a suite rustls speaks, the handshake is done again for
/// real with that suite, so http and clock can run; otherwise it is judged from the flight.
async fn negotiated(offer: &ClientOffer, a: Agreed, base: RawOffer, peer: Peer<'_>) -> TlsOutcome {
    let what = format!(
        "{} negotiates {}, {}{}",
        offer.name,
        hello::version_name(a.version),
        suites::name(a.suite),
        a.group
            .map(|g| format!(" with {}", suites::group_name(g)))
            .unwrap_or_default()
    );
    let detail = RawOffer {
        group: Some(a.group.map(suites::group_name)),
        suite: Some(suites::name(a.suite)),
        version: Some(hello::version_name(a.version)),
        ..base
    };
    if suites::rustls_suite(a.suite).is_some()
        && a.version >= hello::TLS12
        && let Some(fresh) = peer.dialer.dial(peer.deadline).await
    {
        let narrowed = TlsSettings {
            version: if a.version >= hello::TLS13 {
                TlsVersion::V13
            } else {
                TlsVersion::V12
            },
            suites: Some(vec![a.suite]),
            offer: None,
            extra_roots: Vec::new(),
        };
        let mut out = with_rustls(&narrowed, fresh, peer).await;
        if !out.result.failed() {
            out.result.message = format!("{what} (completed: {})", out.result.message);
        }
        out.result.detail = completed(out.result.detail, detail);
        return out;
    }
    TlsOutcome {
        result: StageResult::pass(
            Stage::Tls,
            format!(
                "{what}; wsusprobe cannot finish this suite itself, so the certificate is judged from the server's flight and clock/http are not run"
            ),
            detail,
        ),
        stream: None,
        chain: a
            .certificates
            .into_iter()
            .map(CertificateDer::from)
            .collect(),
        seen: PeerSeen::FlightOnly,
    }
}

/// The rustls handshake's detail with the raw offer it completed (or failed to) under `offer`.
fn completed(rustls: Detail, offer: RawOffer) -> Detail {
    match rustls {
        Detail::Tls(TlsDetail::Negotiated(mut n)) => {
            n.offer = Some(Box::new(offer));
            Detail::Tls(TlsDetail::Negotiated(n))
        }
        Detail::Tls(TlsDetail::Refused(mut r)) => {
            r.offer = Some(Box::new(offer));
            Detail::Tls(TlsDetail::Refused(r))
        }
        other => other,
    }
}
