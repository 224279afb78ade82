//! The rustls path of the tls stage: the handshake with the versions and suites of the run,
//! the chain captured (not judged) by the verifier. A failure that could be about versions,
//! suites or the name is explained by the follow-ups (below).

use std::io;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{AlertDescription, ClientConfig, PeerIncompatible, PeerMisbehaved};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::capture::{Capture, Recorder};
use super::follow;
use super::peer::{FOLLOW_UP_CAP, Peer, PeerSeen, TlsOutcome};
use crate::config::{TlsSettings, TlsVersion};
use crate::hello::{self, HelloOutcome, HelloSpec};
use crate::knowledge::suites;
use crate::model::detail::{Negotiated, Refused};
use crate::model::{Kind, Stage, StageResult};
use crate::target::sni_for;

fn client_config(tls: &TlsSettings, capture: Arc<Capture>) -> Result<ClientConfig, rustls::Error> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(ids) = &tls.suites {
        provider.cipher_suites = ids
            .iter()
            .filter_map(|id| suites::rustls_suite(*id))
            .collect();
    }
    let versions: &[&'static rustls::SupportedProtocolVersion] = match tls.version {
        TlsVersion::V12 => &[&rustls::version::TLS12],
        TlsVersion::V13 => &[&rustls::version::TLS13],
    };
    let mut config = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)?
        .dangerous()
        .with_custom_certificate_verifier(capture)
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The suites this run offers, as code points, in order.
pub fn offered_suites(tls: &TlsSettings) -> Vec<u16> {
    if let Some(ids) = &tls.suites {
        return ids.clone();
    }
    let want = match tls.version {
        TlsVersion::V12 => &rustls::version::TLS12,
        TlsVersion::V13 => &rustls::version::TLS13,
    };
    rustls::crypto::ring::ALL_CIPHER_SUITES
        .iter()
        .filter(|s| s.version() == want)
        .map(|s| u16::from(s.suite()))
        .collect()
}

/// The handshake with rustls, offering `tls.version` and `tls.suites`.
pub(super) async fn with_rustls(tls: &TlsSettings, tcp: TcpStream, peer: Peer<'_>) -> TlsOutcome {
    let (host, deadline) = (peer.host, peer.deadline);
    let provider = rustls::crypto::ring::default_provider();
    let capture = Arc::new(Capture::new(provider.signature_verification_algorithms));
    let offered = offered_suites(tls);
    let offered_names: Vec<String> = offered.iter().map(|s| suites::name(*s)).collect();
    let config = match client_config(tls, capture.clone()) {
        Ok(c) => c,
        Err(e) => {
            return TlsOutcome::failed(
                Kind::NoCommonCipher,
                format!("no usable TLS configuration for the chosen version and suites: {e}"),
                refused(offered_names, None),
            );
        }
    };
    let Ok(server_name) = ServerName::try_from(host.to_string()) else {
        return TlsOutcome::failed(
            Kind::Alert,
            format!("'{host}' cannot be used as a TLS server name"),
            crate::model::Detail::None,
        );
    };
    let connector = TlsConnector::from(Arc::new(config));
    let (recorder, seen) = Recorder::new(tcp);
    let cap = leave_room(deadline);
    let attempt = deadline
        .run(Some(cap), connector.connect(server_name, recorder))
        .await;
    match attempt {
        Some(Ok(stream)) => established(stream, host, offered_names, capture.chain()),
        None => {
            let seen = seen.lock().map(|s| s.len()).unwrap_or(0);
            let spec = HelloSpec {
                version: hello_version(tls),
                also: &[],
                suites: &offered,
                groups: hello::DEFAULT_GROUPS,
                sni: peer.sni(),
            };
            let f = follow::packet_size(&spec, peer, Some(seen)).await;
            let mut detail = refused(offered_names, None);
            let msg = match f.verdict {
                Some((_, m)) => m,
                None => "the server did not complete the TLS handshake before the deadline".into(),
            };
            if !f.evidence.is_empty() {
                detail.follow_up = Some(f.evidence);
            }
            TlsOutcome::failed(Kind::Timeout, msg, detail)
        }
        Some(Err(e)) => {
            let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
            let (mut kind, mut msg) = failure_of(&e, &seen);
            let mut detail = refused(offered_names, Some(e.to_string()));
            let silent = seen.is_empty() && matches!(kind, Kind::Reset | Kind::Closed);
            let mut found = PeerSeen::Nothing;
            if silent && peer.sni().is_some() {
                // Cut off before the server said anything: was it the name in the hello?
                let f = follow::name_or_address(&offered, hello_version(tls), peer, kind).await;
                found = f.seen();
                if let Some((k, m)) = f.verdict {
                    kind = k;
                    msg = m;
                }
                detail.follow_up = Some(f.evidence);
            } else if tls.version == TlsVersion::V12
                && matches!(
                    kind,
                    Kind::NoCommonCipher | Kind::ProtocolVersion | Kind::Reset | Kind::Closed
                )
            {
                let f = follow::follow_up(&offered, peer).await;
                if f.answered {
                    found = PeerSeen::AnswersHellos;
                }
                if let Some((k, m)) = f.verdict {
                    kind = k;
                    msg = m;
                }
                detail.follow_up = Some(f.evidence);
            }
            let mut out = TlsOutcome::failed(kind, msg, detail);
            out.seen = found;
            out
        }
    }
}

/// A finished handshake: what was negotiated.
fn established(
    stream: TlsStream<Recorder<TcpStream>>,
    host: &str,
    offered_names: Vec<String>,
    chain: Vec<CertificateDer<'static>>,
) -> TlsOutcome {
    let (_, conn) = stream.get_ref();
    let version = conn
        .protocol_version()
        .map(|v| hello::version_name(u16::from(v)))
        .unwrap_or_else(|| "?".into());
    let suite = conn
        .negotiated_cipher_suite()
        .map(|s| suites::name(u16::from(s.suite())))
        .unwrap_or_else(|| "?".into());
    let group = conn
        .negotiated_key_exchange_group()
        .map(|g| format!("{:?}", g.name()))
        .unwrap_or_else(|| "?".into());
    let alpn = conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    TlsOutcome {
        result: StageResult::pass(
            Stage::Tls,
            format!("{version}, {suite}, {group}"),
            Negotiated {
                alpn,
                group,
                offer: None,
                offered_suites: offered_names,
                schannel: None,
                sni: sni_for(host).map(str::to_string),
                suite,
                version,
            },
        ),
        stream: Some(stream),
        chain,
        seen: PeerSeen::Nothing,
    }
}

/// How long a handshake may wait for its answer: all but one follow-up's time (5 s, or half of
/// what remains when that is short), so a stall can still be explained before the deadline.
pub(super) fn leave_room(deadline: &crate::deadline::Deadline) -> std::time::Duration {
    let remaining = deadline.remaining();
    remaining - FOLLOW_UP_CAP.min(remaining / 2)
}

/// The record version the run offers, for the raw engine's follow-ups.
fn hello_version(tls: &TlsSettings) -> u16 {
    match tls.version {
        TlsVersion::V12 => hello::TLS12,
        TlsVersion::V13 => hello::TLS13,
    }
}

/// The detail of a handshake rustls could not finish.
fn refused(offered_suites: Vec<String>, error: Option<String>) -> Refused {
    Refused {
        error,
        follow_up: None,
        idle_connection: None,
        offer: None,
        offered_suites,
        schannel: None,
    }
}

/// The kind and words for a handshake rustls could not finish: what the server sent first, then
/// rustls's error.
fn failure_of(e: &io::Error, seen: &[u8]) -> (Kind, String) {
    // What the server sent says more than the error rustls made of it.
    match hello::parse_answer(seen, true) {
        HelloOutcome::NotTls { first_line } => {
            return (
                Kind::NotTls,
                format!("the server answered the TLS handshake in plaintext: \"{first_line}\""),
            );
        }
        HelloOutcome::ServerHello { version, .. } if version < hello::TLS12 => {
            return (
                Kind::ProtocolVersion,
                format!(
                    "the server answered with {}, older than the TLS version offered",
                    hello::version_name(version)
                ),
            );
        }
        _ => {}
    }
    if let Some(te) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match te {
            rustls::Error::AlertReceived(a) => {
                let name = hello::alert_name(u8::from(*a));
                match a {
                    AlertDescription::ProtocolVersion => (
                        Kind::ProtocolVersion,
                        "the server refused the TLS version offered (alert protocol_version)"
                            .into(),
                    ),
                    AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
                        (
                            Kind::NoCommonCipher,
                            format!("the server refused every cipher suite offered (alert {name})"),
                        )
                    }
                    _ => (
                        Kind::Alert,
                        format!("the server ended the handshake with alert {name}"),
                    ),
                }
            }
            rustls::Error::PeerIncompatible(
                PeerIncompatible::ServerDoesNotSupportTls12Or13
                | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig,
            ) => (
                Kind::ProtocolVersion,
                "the server answered with a TLS version older than the one offered".into(),
            ),
            rustls::Error::PeerIncompatible(
                PeerIncompatible::NoCipherSuitesInCommon | PeerIncompatible::NoKxGroupsInCommon,
            )
            | rustls::Error::PeerMisbehaved(
                PeerMisbehaved::SelectedUnofferedCipherSuite
                | PeerMisbehaved::SelectedUnusableCipherSuiteForVersion,
            ) => (
                Kind::NoCommonCipher,
                format!("no cipher suite or group in common with the server ({te})"),
            ),
            rustls::Error::InvalidMessage(_) | rustls::Error::PeerMisbehaved(_) => (
                Kind::Malformed,
                format!("the server's TLS is malformed ({te})"),
            ),
            other => (Kind::Alert, format!("the handshake failed: {other}")),
        };
    }
    match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => (
            Kind::Reset,
            "the connection was reset during the TLS handshake".into(),
        ),
        io::ErrorKind::UnexpectedEof => (
            Kind::Closed,
            "the server closed the connection during the TLS handshake".into(),
        ),
        _ => (Kind::Alert, format!("the handshake failed: {e}")),
    }
}
