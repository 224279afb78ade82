//! A missing issuer fetched from its AIA URL, as Windows' chain engine (CryptoAPI) fetches it:
//! over HTTP, through **WinHTTP's** route — direct, or the machine's WinHTTP proxy — not the proxy
//! WSUS is configured with. The fetch is a small path of its own (dns → tcp → proxy → http), each
//! step one of the probe's stages, so where it breaks is a stage and a kind like any other.
//! Bounded: http:// only, at most `MAX_REDIRECTS` redirects, the body cap of the http stage, and
//! a share of the path's deadline.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use x509_parser::asn1_rs::{Any, Class, FromDer, Oid, Tag};

use super::dial::{DialStats, Dialer};
use super::stage::timed;
use super::{dns, forward, http, tcp};
use crate::config::{Config, IssuerRoute};
use crate::deadline::Deadline;
use crate::knowledge::anchors;
use crate::model::detail::{AiaFailure, FetchedIssuer};
use crate::model::{Kind, Stage, StageResult};
use crate::target::{ProxySpec, Scheme, Target};
use crate::timefmt::rfc3339;

/// Redirects followed, as WinHTTP follows them for CryptoAPI (a loop ends here).
const MAX_REDIRECTS: usize = 3;
/// Most of the path's remaining time one fetch may take, and its ceiling (CryptoAPI's own URL
/// retrieval timeout is 15 s by default).
const FETCH_CAP: Duration = Duration::from_secs(15);

/// What one fetch brought: the certificates, with what the report says of each.
pub struct Fetched {
    pub certs: Vec<CertificateDer<'static>>,
    pub report: Vec<FetchedIssuer>,
}

/// Fetch `url` over `route` within the path's `deadline`.
pub async fn fetch(
    cfg: &Config,
    route: &IssuerRoute,
    url: &str,
    deadline: &Deadline,
) -> Result<Fetched, AiaFailure> {
    let budget = (deadline.remaining() / 2).min(FETCH_CAP);
    let sub = Deadline::after(budget);
    let via = route.describe();
    let broke = |stage: Stage, kind: Kind, message: String| AiaFailure {
        kind,
        message,
        route: via.clone(),
        stage,
        url: url.to_string(),
    };
    let from = |r: &StageResult| broke(r.stage, r.kind.unwrap_or(Kind::Closed), r.message.clone());
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        let target = match Target::parse(&current) {
            Ok(t) if t.scheme == Scheme::Http => t,
            Ok(_) => {
                return Err(broke(
                    Stage::Endpoint,
                    Kind::UnexpectedStatus,
                    format!("{current} is not an http:// URL, which is all the AIA fetch takes"),
                ));
            }
            Err(e) => {
                return Err(broke(
                    Stage::Endpoint,
                    Kind::UnexpectedStatus,
                    format!("{current} is not a URL: {}", e.0),
                ));
            }
        };
        let answer = get(cfg, route, &target, &sub).await.map_err(|r| from(&r))?;
        let status = answer.head.as_ref().map(|h| h.status).unwrap_or(0);
        if (300..400).contains(&status) {
            let Some(next) = answer
                .head
                .as_ref()
                .and_then(|h| h.header("location"))
                .map(str::to_string)
            else {
                return Err(broke(
                    Stage::Http,
                    Kind::UnexpectedStatus,
                    format!("{current} answered {status} with no Location"),
                ));
            };
            current = match url::Url::parse(&current).and_then(|u| u.join(&next)) {
                Ok(u) => u.to_string(),
                Err(_) => next,
            };
            continue;
        }
        if answer.result.failed() {
            return Err(from(&answer.result));
        }
        return match certificates(&answer.body) {
            Ok((format, certs)) => Ok(Fetched {
                report: certs
                    .iter()
                    .map(|der| described(der, format, &via, &current))
                    .collect(),
                certs,
            }),
            Err(why) => Err(broke(
                Stage::Http,
                Kind::NotService,
                format!("{current} answered {status}, but {why}"),
            )),
        };
    }
    Err(broke(
        Stage::Http,
        Kind::UnexpectedStatus,
        format!("more than {MAX_REDIRECTS} redirects from {url}"),
    ))
}

/// One GET over `route`: the failing stage's result, or the answer.
async fn get(
    cfg: &Config,
    route: &IssuerRoute,
    target: &Target,
    deadline: &Deadline,
) -> Result<http::HttpOutcome, StageResult> {
    let proxy: Option<&ProxySpec> = route.proxy_for(&target.host);
    let (host, port) = match proxy {
        Some(p) => (p.host.as_str(), p.port),
        None => (target.host.as_str(), target.port),
    };
    let resolved = timed(dns::resolve(&cfg.net, host, port, deadline)).await;
    if resolved.result.failed() {
        return Err(resolved.result);
    }
    let tcp = timed(tcp::connect(
        &resolved.addrs,
        cfg.net.connect_timeout,
        deadline,
    ))
    .await;
    let (Some(mut stream), Some(peer)) = (tcp.stream, tcp.peer) else {
        return Err(tcp.result);
    };
    match proxy {
        None => Ok(timed(http::exchange(
            &mut stream,
            target,
            http::Via::Origin,
            deadline,
        ))
        .await),
        Some(p) => {
            let hop = Dialer {
                peer,
                connect_timeout: cfg.net.connect_timeout,
                tunnel: None,
                stats: Arc::new(DialStats::default()),
            };
            let auth = cfg.route.auth.as_deref();
            let (proxied, answer) = forward::forward(p, stream, target, auth, &hop, deadline).await;
            if proxied.failed() {
                return Err(proxied);
            }
            Ok(answer)
        }
    }
}

/// What the report says of a fetched certificate.
fn described(der: &CertificateDer<'_>, format: &str, route: &str, url: &str) -> FetchedIssuer {
    let (subject, not_after) = match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => (
            c.subject().to_string(),
            rfc3339(c.validity().not_after.timestamp()),
        ),
        Err(_) => (String::new(), String::new()),
    };
    FetchedIssuer {
        format: format.to_string(),
        not_after,
        route: route.to_string(),
        sha256: anchors::sha256_hex(der),
        subject,
        url: url.to_string(),
    }
}

/// The certificates an AIA answer carries, as CryptoAPI accepts them: one DER certificate, or a
/// PKCS#7 (CMS) SignedData holding certificates (`.p7c`). The error says what it was instead.
pub fn certificates(body: &[u8]) -> Result<(&'static str, Vec<CertificateDer<'static>>), String> {
    if body.is_empty() {
        return Err("the answer is empty".into());
    }
    if x509_parser::parse_x509_certificate(body).is_ok() {
        return Ok(("DER", vec![CertificateDer::from(body.to_vec())]));
    }
    match pkcs7_certificates(body) {
        Some(certs) if !certs.is_empty() => Ok(("PKCS#7", certs)),
        Some(_) => Err("its PKCS#7 holds no certificate".into()),
        None => {
            let start = crate::hello::first_line(body);
            Err(if body.starts_with(b"-----BEGIN") {
                "it is PEM, which Windows does not take from an AIA URL (DER or PKCS#7 only)".into()
            } else {
                format!(
                    "it is neither a DER certificate nor PKCS#7 ({} bytes, starting \"{start}\")",
                    body.len()
                )
            })
        }
    }
}

/// id-signedData (1.2.840.113549.1.7.2).
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// ContentInfo { signedData, [0] SignedData { version, digestAlgorithms, encapContentInfo,
/// certificates [0] IMPLICIT SET OF Certificate, … } }: the certificates, each kept only if it
/// parses. `None` when the bytes are not that structure.
fn pkcs7_certificates(body: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    let (_, info) = Any::from_der(body).ok()?;
    if info.header.tag() != Tag::Sequence {
        return None;
    }
    let (rest, oid) = Oid::from_der(info.data).ok()?;
    if oid.as_bytes() != SIGNED_DATA {
        return None;
    }
    let (_, explicit) = Any::from_der(rest).ok()?;
    let (_, signed) = Any::from_der(explicit.data).ok()?;
    let mut fields = signed.data;
    // version, digestAlgorithms, encapContentInfo
    for _ in 0..3 {
        fields = Any::from_der(fields).ok()?.0;
    }
    let (_, certs) = Any::from_der(fields).ok()?;
    if certs.header.class() != Class::ContextSpecific || certs.header.tag() != Tag(0) {
        return Some(vec![]);
    }
    let mut out = Vec::new();
    let mut left = certs.data;
    while !left.is_empty() {
        let (rest, _) = Any::from_der(left).ok()?;
        let der = &left[..left.len() - rest.len()];
        if x509_parser::parse_x509_certificate(der).is_ok() {
            out.push(CertificateDer::from(der.to_vec()));
        }
        left = rest;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DER: &[u8] = include_bytes!("../../fuzz/seeds/aia_answer/issuer.der");
    /// `openssl crl2pkcs7 -nocrl -certfile issuer.pem -outform DER`.
    const P7C: &[u8] = include_bytes!("../../fuzz/seeds/aia_answer/issuer.p7c");

    #[test]
    fn der_and_pkcs7_as_windows_takes_them() {
        let (format, certs) = certificates(DER).unwrap();
        assert_eq!((format, certs.len()), ("DER", 1));
        let (format, from_p7) = certificates(P7C).unwrap();
        assert_eq!((format, from_p7.len()), ("PKCS#7", 1));
        assert_eq!(from_p7[0].as_ref(), DER);
        let why = certificates(b"<html>not a certificate</html>").unwrap_err();
        assert!(
            why.contains("neither a DER certificate nor PKCS#7"),
            "{why}"
        );
        let pem = certificates(b"-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap_err();
        assert!(pem.contains("PEM"), "{pem}");
        assert!(certificates(b"").unwrap_err().contains("empty"));
        // A PKCS#7 cut short is not a bundle.
        assert!(certificates(&P7C[..P7C.len() / 2]).is_err());
    }
}
