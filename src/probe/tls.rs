//! Stage `tls`: the handshake with rustls, with the versions and suites WSUS would offer.
//!
//! The certificate verifier only *captures* the chain (the certificate stage judges it), so a bad
//! certificate still lets the handshake finish and the http and clock stages read the server's
//! answer. When the handshake fails in a way that could be about versions or suites, follow-up
//! probes with the raw ClientHello engine tell which.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, ClientConfig, DigitallySignedStruct, PeerIncompatible, PeerMisbehaved,
};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::deadline::Deadline;
use super::dial::Dialer;
use crate::config::{ClientOffer, Config, TlsVersion};
use crate::hello::{self, HelloOutcome, HelloSpec};
use crate::knowledge::suites;
use crate::model::{Kind, Stage, StageResult};

/// Budget of one follow-up probe.
const FOLLOW_UP_CAP: Duration = Duration::from_secs(5);
/// Bytes of the server's first answer kept to explain a failure.
const RECORD_CAP: usize = 512;

/// A stream that remembers the first bytes the server sent, in a buffer that outlives it
/// (tokio-rustls drops the stream when the handshake fails).
pub struct Recorder<S> {
    inner: S,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl<S> Recorder<S> {
    pub fn new(inner: S) -> (Self, Arc<Mutex<Vec<u8>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        (
            Self {
                inner,
                seen: seen.clone(),
            },
            seen,
        )
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            let mut seen = this.seen.lock().unwrap_or_else(|p| p.into_inner());
            let room = RECORD_CAP.saturating_sub(seen.len());
            if room > 0 {
                let new = &buf.filled()[before..];
                seen.extend_from_slice(&new[..new.len().min(room)]);
            }
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Records the chain the server sent and accepts it; the certificate stage judges it.
#[derive(Debug)]
struct Capture {
    chain: Mutex<Vec<CertificateDer<'static>>>,
    algs: WebPkiSupportedAlgorithms,
}

/// A certificate webpki cannot even read (an unknown critical extension, an odd encoding) must
/// not end the handshake: the certificate stage judges it and fails the path with the reason.
/// A signature that does not verify still ends it.
fn readable(
    r: Result<HandshakeSignatureValid, rustls::Error>,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    match r {
        Err(rustls::Error::InvalidCertificate(e))
            if e != rustls::CertificateError::BadSignature =>
        {
            Ok(HandshakeSignatureValid::assertion())
        }
        other => other,
    }
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut v = vec![end_entity.clone().into_owned()];
        v.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        *self.chain.lock().unwrap_or_else(|p| p.into_inner()) = v;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        readable(rustls::crypto::verify_tls12_signature(
            message, cert, dss, &self.algs,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        readable(rustls::crypto::verify_tls13_signature(
            message, cert, dss, &self.algs,
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algs.supported_schemes()
    }
}

pub struct TlsOutcome {
    pub result: StageResult,
    pub stream: Option<TlsStream<Recorder<TcpStream>>>,
    pub chain: Vec<CertificateDer<'static>>,
    /// The handshake was judged from the server's first flight only (a suite wsusprobe cannot
    /// finish): the chain comes from that flight, and there is no stream for http.
    pub flight_only: bool,
}

fn client_config(cfg: &Config, capture: Arc<Capture>) -> Result<ClientConfig, rustls::Error> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(ids) = &cfg.suites {
        provider.cipher_suites = ids
            .iter()
            .filter_map(|id| suites::rustls_suite(*id))
            .collect();
    }
    let versions: &[&'static rustls::SupportedProtocolVersion] = match cfg.tls_version {
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
pub fn offered_suites(cfg: &Config) -> Vec<u16> {
    if let Some(ids) = &cfg.suites {
        return ids.clone();
    }
    let want = match cfg.tls_version {
        TlsVersion::V12 => &rustls::version::TLS12,
        TlsVersion::V13 => &rustls::version::TLS13,
    };
    rustls::crypto::ring::ALL_CIPHER_SUITES
        .iter()
        .filter(|s| s.version() == want)
        .map(|s| u16::from(s.suite()))
        .collect()
}

pub async fn handshake(
    cfg: &Config,
    host: &str,
    tcp: TcpStream,
    dialer: &Dialer,
    deadline: &Deadline,
) -> TlsOutcome {
    let started = Instant::now();
    let mut out = match &cfg.offer {
        Some(offer) => handshake_offer(cfg, offer, host, tcp, dialer, deadline).await,
        None => handshake_inner(cfg, host, tcp, dialer, deadline).await,
    };
    out.result = out.result.with_elapsed(started.elapsed());
    out
}

fn sni_for(host: &str) -> Option<&str> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        None
    } else {
        Some(host)
    }
}

/// `check --client-profile` / a GPO-style `--ciphers` list: the raw engine sends exactly that
/// ClientHello. When the server picks a suite rustls speaks, the handshake is then done for real
/// with that suite; otherwise it is judged from the server's flight.
async fn handshake_offer(
    cfg: &Config,
    offer: &ClientOffer,
    host: &str,
    mut tcp: TcpStream,
    dialer: &Dialer,
    deadline: &Deadline,
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
        sni: sni_for(host),
    };
    let offered_names: Vec<String> = offer.suites.iter().map(|s| suites::name(*s)).collect();
    let base = json!({
        "offer": offer.name,
        "offered_versions": offer.versions.iter().map(|v| hello::version_name(*v)).collect::<Vec<_>>(),
        "offered_suites": offered_names,
        "offered_groups": offer.groups.iter().map(|g| suites::group_name(*g)).collect::<Vec<_>>(),
    });
    let fail = |kind, msg: String, mut detail: Value, evidence: Vec<Value>| {
        detail["follow_up"] = Value::Array(evidence);
        TlsOutcome {
            result: StageResult::fail(Stage::Tls, kind, msg, detail),
            stream: None,
            chain: vec![],
            flight_only: false,
        }
    };
    let answer = hello::offer_until(
        &mut tcp,
        &spec,
        hello::Until::Flight,
        deadline,
        deadline.remaining(),
    )
    .await;
    drop(tcp);
    match answer {
        HelloOutcome::ServerHello {
            version,
            suite,
            group,
            certificates,
            ..
        } if offer.versions.contains(&version) && offer.suites.contains(&suite) => {
            let what = format!(
                "{} negotiates {}, {}{}",
                offer.name,
                hello::version_name(version),
                suites::name(suite),
                group
                    .map(|g| format!(" with {}", suites::group_name(g)))
                    .unwrap_or_default()
            );
            let mut detail = base.clone();
            detail["version"] = json!(hello::version_name(version));
            detail["suite"] = json!(suites::name(suite));
            detail["group"] = json!(group.map(suites::group_name));
            if suites::rustls_suite(suite).is_some() && version >= hello::TLS12 {
                // Finish the handshake for real with that suite, so http and clock can run.
                if let Some(fresh) = dialer.dial(deadline).await {
                    let mut narrowed = cfg.clone();
                    narrowed.offer = None;
                    narrowed.suites = Some(vec![suite]);
                    narrowed.tls_version = if version >= hello::TLS13 {
                        TlsVersion::V13
                    } else {
                        TlsVersion::V12
                    };
                    let mut out = handshake_inner(&narrowed, host, fresh, dialer, deadline).await;
                    if !out.result.failed() {
                        out.result.message = format!("{what} (completed: {})", out.result.message);
                    }
                    out.result.detail["offer"] = detail;
                    return out;
                }
            }
            let chain: Vec<CertificateDer<'static>> =
                certificates.into_iter().map(CertificateDer::from).collect();
            TlsOutcome {
                result: StageResult::pass(
                    Stage::Tls,
                    format!(
                        "{what}; wsusprobe cannot finish this suite itself, so the certificate is judged from the server's flight and clock/http are not run"
                    ),
                    detail,
                ),
                stream: None,
                chain,
                flight_only: true,
            }
        }
        HelloOutcome::ServerHello { version, suite, .. } if !offer.versions.contains(&version) => {
            fail(
                Kind::ProtocolVersion,
                format!(
                    "the server answered with {} ({}), a version {} does not offer",
                    hello::version_name(version),
                    suites::name(suite),
                    offer.name
                ),
                base,
                vec![],
            )
        }
        HelloOutcome::ServerHello { suite, .. } => fail(
            Kind::Alert,
            format!(
                "the server chose {}, which was not offered",
                suites::name(suite)
            ),
            base,
            vec![],
        ),
        HelloOutcome::Timeout => fail(
            Kind::Timeout,
            "the server did not answer the ClientHello before the deadline".into(),
            base,
            vec![],
        ),
        HelloOutcome::NotTls { first_line } => fail(
            Kind::NotTls,
            format!("the server answered the TLS handshake in plaintext: \"{first_line}\""),
            base,
            vec![],
        ),
        refused => {
            let (kind, msg, evidence) =
                explain_offer(offer, host, &refused, dialer, deadline).await;
            fail(kind, msg, base, evidence)
        }
    }
}

/// Why the server refused the offer: which versions and (TLS 1.2) suites it does accept.
async fn explain_offer(
    offer: &ClientOffer,
    host: &str,
    refused: &HelloOutcome,
    dialer: &Dialer,
    deadline: &Deadline,
) -> (Kind, String, Vec<Value>) {
    let mut evidence = vec![json!({"offer": offer.name, "answer": describe(refused)})];
    let sni = sni_for(host);
    // Which versions does the server speak at all?
    let mut server_versions = Vec::new();
    for (v, suites_for) in [
        (hello::TLS13, suites::TLS13_SUITES),
        (hello::TLS12, suites::BROAD_TLS12),
        (hello::TLS11, suites::BROAD_TLS10),
        (hello::TLS10, suites::BROAD_TLS10),
    ] {
        let Some(mut s) = dialer.dial(deadline).await else {
            break;
        };
        let spec = HelloSpec {
            version: v,
            also: &[],
            suites: suites_for,
            groups: hello::DEFAULT_GROUPS,
            sni,
        };
        let a = hello::offer(&mut s, &spec, deadline, FOLLOW_UP_CAP).await;
        evidence.push(
            json!({"offer": format!("{}, broad", hello::version_name(v)), "answer": describe(&a)}),
        );
        if matches!(a, HelloOutcome::ServerHello { version, .. } if version == v) {
            server_versions.push(v);
        }
    }
    let names = |vs: &[u16]| {
        vs.iter()
            .map(|v| hello::version_name(*v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let common: Vec<u16> = offer
        .versions
        .iter()
        .copied()
        .filter(|v| server_versions.contains(v))
        .collect();
    if !server_versions.is_empty() && common.is_empty() {
        return (
            Kind::ProtocolVersion,
            format!(
                "the server accepts only {}; {} offers {}",
                names(&server_versions),
                offer.name,
                names(&offer.versions)
            ),
            evidence,
        );
    }
    // A version in common: list what the server accepts there, and compare.
    let Some(&v) = common.first() else {
        let (kind, msg) = match refused {
            HelloOutcome::Reset => (
                Kind::Reset,
                "the server reset the connection and answers no broader offer either",
            ),
            HelloOutcome::Closed => (
                Kind::Closed,
                "the server closed the connection and answers no broader offer either",
            ),
            _ => (
                Kind::Alert,
                "the server refused the hello and answers no broader offer either",
            ),
        };
        return (kind, msg.to_string(), evidence);
    };
    let label = crate::ciphers::VERSIONS
        .iter()
        .find(|(x, _)| *x == v)
        .map(|(_, l)| *l)
        .unwrap_or("TLS");
    let accepted = crate::ciphers::scan_version(dialer, v, label, sni, deadline).await;
    let accepted_ids: Vec<u16> = accepted.suites.iter().map(|s| s.id).collect();
    evidence.push(json!({"offer": format!("{label}, every suite"), "accepted": accepted.suites.iter().map(|s| s.name.clone()).collect::<Vec<_>>()}));
    let shared: Vec<u16> = offer
        .suites
        .iter()
        .copied()
        .filter(|s| accepted_ids.contains(s))
        .collect();
    let list = |ids: &[u16]| {
        ids.iter()
            .map(|s| suites::name(*s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if shared.is_empty() {
        (
            Kind::NoCommonCipher,
            format!(
                "the server accepts {} only with {}; {} has none of them — add one to the SSL Cipher Suite Order policy (HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002, value Functions)",
                hello::version_name(v),
                list(&accepted_ids),
                offer.name
            ),
            evidence,
        )
    } else {
        (
            Kind::NoCommonCipher,
            format!(
                "the server accepts {} of the suites offered, but refused the hello: the curves offered ({}) are probably not among the server's",
                list(&shared),
                offer
                    .groups
                    .iter()
                    .map(|g| suites::group_name(*g))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            evidence,
        )
    }
}

async fn handshake_inner(
    cfg: &Config,
    host: &str,
    tcp: TcpStream,
    dialer: &Dialer,
    deadline: &Deadline,
) -> TlsOutcome {
    let provider = rustls::crypto::ring::default_provider();
    let capture = Arc::new(Capture {
        chain: Mutex::new(Vec::new()),
        algs: provider.signature_verification_algorithms,
    });
    let offered = offered_suites(cfg);
    let offered_names: Vec<String> = offered.iter().map(|s| suites::name(*s)).collect();
    let failed = |kind, msg: String, detail| TlsOutcome {
        result: StageResult::fail(Stage::Tls, kind, msg, detail),
        stream: None,
        chain: vec![],
        flight_only: false,
    };
    let config = match client_config(cfg, capture.clone()) {
        Ok(c) => c,
        Err(e) => {
            return failed(
                Kind::NoCommonCipher,
                format!("no usable TLS configuration for the chosen version and suites: {e}"),
                json!({"offered_suites": offered_names}),
            );
        }
    };
    let server_name = match ServerName::try_from(host.to_string()) {
        Ok(n) => n,
        Err(_) => {
            return failed(
                Kind::Alert,
                format!("'{host}' cannot be used as a TLS server name"),
                json!({}),
            );
        }
    };
    let connector = TlsConnector::from(Arc::new(config));
    let (recorder, seen) = Recorder::new(tcp);
    let attempt = deadline
        .run(None, connector.connect(server_name, recorder))
        .await;
    let chain = capture.chain.lock().map(|c| c.clone()).unwrap_or_default();
    match attempt {
        Some(Ok(stream)) => {
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
                    json!({
                        "version": version, "suite": suite, "group": group, "alpn": alpn,
                        "sni": if host.parse::<std::net::IpAddr>().is_ok() { None } else { Some(host) },
                        "offered_suites": offered_names,
                    }),
                ),
                stream: Some(stream),
                chain,
                flight_only: false,
            }
        }
        None => failed(
            Kind::Timeout,
            "the server did not complete the TLS handshake before the deadline".into(),
            json!({"offered_suites": offered_names}),
        ),
        Some(Err(e)) => {
            let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
            let (kind, msg) = classify(&e, &seen);
            let mut detail = json!({"offered_suites": offered_names, "error": e.to_string()});
            let mut kind = kind;
            let mut msg = msg;
            if cfg.tls_version == TlsVersion::V12
                && matches!(
                    kind,
                    Kind::NoCommonCipher | Kind::ProtocolVersion | Kind::Reset | Kind::Closed
                )
            {
                let f = follow_up(host, &offered, dialer, deadline).await;
                if let Some((k, m)) = f.verdict {
                    kind = k;
                    msg = m;
                }
                detail["follow_up"] = Value::Array(f.evidence);
            }
            failed(kind, msg, detail)
        }
    }
}

fn classify(e: &io::Error, seen: &[u8]) -> (Kind, String) {
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

struct FollowUp {
    verdict: Option<(Kind, String)>,
    evidence: Vec<Value>,
}

fn describe(o: &HelloOutcome) -> String {
    match o {
        HelloOutcome::ServerHello { version, suite, .. } => format!(
            "ServerHello {} {}",
            hello::version_name(*version),
            suites::name(*suite)
        ),
        HelloOutcome::Alert { code, .. } => format!("alert {}", hello::alert_name(*code)),
        HelloOutcome::Closed => "closed".into(),
        HelloOutcome::Reset => "reset".into(),
        HelloOutcome::Timeout => "timeout".into(),
        HelloOutcome::NotTls { first_line } => format!("plaintext: {first_line}"),
        HelloOutcome::Malformed(m) => format!("malformed: {m}"),
    }
}

async fn probe_once(
    host: &str,
    version: u16,
    suites: &[u16],
    dialer: &Dialer,
    deadline: &Deadline,
) -> Option<HelloOutcome> {
    let mut stream = dialer.dial(deadline).await?;
    let sni = if host.parse::<std::net::IpAddr>().is_ok() {
        None
    } else {
        Some(host)
    };
    let spec = HelloSpec {
        version,
        also: &[],
        suites,
        groups: hello::DEFAULT_GROUPS,
        sni,
    };
    Some(hello::offer(&mut stream, &spec, deadline, FOLLOW_UP_CAP).await)
}

/// Offer broadly (TLS 1.2 with CBC/RSA/DHE suites, then TLS 1.0) to see what the server does accept.
async fn follow_up(host: &str, offered: &[u16], dialer: &Dialer, deadline: &Deadline) -> FollowUp {
    let mut evidence = Vec::new();
    let mut broad: Vec<u16> = offered.to_vec();
    for s in suites::BROAD_TLS12 {
        if !broad.contains(s) {
            broad.push(*s);
        }
    }
    let Some(first) = probe_once(host, hello::TLS12, &broad, dialer, deadline).await else {
        return FollowUp {
            verdict: None,
            evidence,
        };
    };
    evidence.push(json!({"offer": "TLS 1.2, broad suite list", "answer": describe(&first)}));
    match first {
        HelloOutcome::ServerHello { version, .. } if version < hello::TLS12 => {
            return FollowUp {
                verdict: Some((
                    Kind::ProtocolVersion,
                    format!(
                        "the server does not speak TLS 1.2: it answered a TLS 1.2 offer with {}",
                        hello::version_name(version)
                    ),
                )),
                evidence,
            };
        }
        HelloOutcome::ServerHello { suite, .. } if !offered.contains(&suite) => {
            return FollowUp {
                verdict: Some((
                    Kind::NoCommonCipher,
                    format!(
                        "the server speaks TLS 1.2 but accepts none of the suites offered; from a broader offer it chose {}",
                        suites::name(suite)
                    ),
                )),
                evidence,
            };
        }
        HelloOutcome::ServerHello { .. } => {
            // The suites were fine: the failure lies elsewhere; keep the first classification.
            return FollowUp {
                verdict: None,
                evidence,
            };
        }
        HelloOutcome::NotTls { first_line } => {
            return FollowUp {
                verdict: Some((
                    Kind::NotTls,
                    format!("the server answers TLS with plaintext: \"{first_line}\""),
                )),
                evidence,
            };
        }
        _ => {}
    }
    if let Some(old) = probe_once(host, hello::TLS10, suites::BROAD_TLS10, dialer, deadline).await {
        evidence.push(json!({"offer": "TLS 1.0, CBC suites", "answer": describe(&old)}));
        if let HelloOutcome::ServerHello { version, .. } = old {
            return FollowUp {
                verdict: Some((
                    Kind::ProtocolVersion,
                    format!(
                        "the server does not speak TLS 1.2: it refuses TLS 1.2 offers and accepts {}",
                        hello::version_name(version)
                    ),
                )),
                evidence,
            };
        }
    }
    FollowUp {
        verdict: None,
        evidence,
    }
}
