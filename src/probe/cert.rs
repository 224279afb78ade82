//! Stage `certificate`: judge the chain the server sent.
//!
//! webpki (through rustls) gives the trust verdict; x509-parser explains it, because webpki
//! reports only its first problem and cannot tell a missing intermediate from an unknown root.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde_json::{Value, json};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::public_key::PublicKey;

use crate::knowledge::{anchors, endpoints};
use crate::model::{Kind, Stage, StageResult};
use crate::timefmt::rfc3339;

/// Where a trust anchor comes from.
#[derive(Debug, Clone)]
enum Source {
    System,
    BuiltIn,
    CaFile(String),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::System => "the system trust store".into(),
            Source::BuiltIn => format!("the built-in {}", anchors::MS_ROOT_2011_NAME),
            Source::CaFile(f) => format!("--ca-file {f}"),
        }
    }
}

struct Anchor {
    der: CertificateDer<'static>,
    subject: Vec<u8>,
    source: Source,
}

/// The trust anchors of a run: the system store, Microsoft Root 2011, and every --ca-file.
pub struct Trust {
    verifier: Option<Arc<WebPkiServerVerifier>>,
    anchors: Vec<Anchor>,
    pub system_count: usize,
}

impl Trust {
    /// The system store, Microsoft Root 2011 and `extra` (each with the file it came from).
    pub fn load(extra: &[(CertificateDer<'static>, String)]) -> Trust {
        let system = rustls_native_certs::load_native_certs().certs;
        let mut anchors = Vec::new();
        let mut push = |der: CertificateDer<'static>, source: Source| {
            if let Ok((_, c)) = x509_parser::parse_x509_certificate(&der) {
                let subject = c.subject().as_raw().to_vec();
                anchors.push(Anchor {
                    der,
                    subject,
                    source,
                });
            }
        };
        let system_count = system.len();
        for der in system {
            push(der, Source::System);
        }
        push(anchors::ms_root_2011(), Source::BuiltIn);
        for (der, file) in extra {
            push(der.clone(), Source::CaFile(file.clone()));
        }
        let mut store = RootCertStore::empty();
        let _ = store.add_parsable_certificates(anchors.iter().map(|a| a.der.clone()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
            .build()
            .ok();
        Trust {
            verifier,
            anchors,
            system_count,
        }
    }
}

pub struct CertOutcome {
    pub result: StageResult,
    /// The certificate failed on time only (expired / not yet valid) …
    pub time_failure: bool,
    /// … and these are the validity windows (unix seconds) of the certificates on its path.
    pub windows: Vec<(i64, i64)>,
}

enum Walk {
    Trusted(Source),
    BadSignature(String),
    SelfSigned,
    Incomplete(String),
    Unknown(String),
}

fn cn_or_dn(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| name.to_string())
}

fn org(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_organization()
        .next()
        .and_then(|o| o.as_str().ok())
        .map(str::to_string)
        .unwrap_or_default()
}

fn verifies(
    child: &X509Certificate<'_>,
    issuer_spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> bool {
    child.verify_signature(Some(issuer_spki)).is_ok()
}

fn walk(trust: &Trust, chain: &[X509Certificate<'_>], path: &mut Vec<usize>) -> Walk {
    let mut cur = 0usize;
    path.push(0);
    loop {
        let c = &chain[cur];
        let issuer_raw = c.issuer().as_raw();
        // The server may send the root itself: a sent cert identical to an anchor is trusted.
        for a in &trust.anchors {
            if a.subject == issuer_raw
                && let Ok((_, ac)) = x509_parser::parse_x509_certificate(&a.der)
                && verifies(c, ac.public_key())
            {
                return Walk::Trusted(a.source.clone());
            }
        }
        if c.subject().as_raw() == issuer_raw {
            if verifies(c, c.public_key()) {
                return if cur == 0 {
                    Walk::SelfSigned
                } else {
                    Walk::Unknown(cn_or_dn(c.subject()))
                };
            }
            return Walk::BadSignature(cn_or_dn(c.subject()));
        }
        let next = chain
            .iter()
            .enumerate()
            .find(|(j, cand)| !path.contains(j) && cand.subject().as_raw() == issuer_raw);
        match next {
            Some((j, issuer)) => {
                if !verifies(c, issuer.public_key()) {
                    return Walk::BadSignature(cn_or_dn(c.subject()));
                }
                path.push(j);
                cur = j;
            }
            None => {
                let missing = cn_or_dn(c.issuer());
                return if cur == 0 {
                    Walk::Incomplete(missing)
                } else {
                    Walk::Unknown(missing)
                };
            }
        }
    }
}

fn dns_match(pattern: &str, host: &str) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = p.strip_prefix("*.") {
        match h.split_once('.') {
            Some((first, tail)) => !first.is_empty() && tail == rest,
            None => false,
        }
    } else {
        p == h
    }
}

/// (matches, the names the certificate carries)
fn name_check(leaf: &X509Certificate<'_>, host: &str) -> (bool, Vec<String>) {
    let host_ip: Option<IpAddr> = host.parse().ok();
    let mut names = Vec::new();
    let mut matched = false;
    if let Ok(Some(san)) = leaf.subject_alternative_name() {
        for gn in &san.value.general_names {
            match gn {
                GeneralName::DNSName(d) => {
                    names.push((*d).to_string());
                    matched |= host_ip.is_none() && dns_match(d, host);
                }
                GeneralName::IPAddress(b) => {
                    let ip = match b.len() {
                        4 => <[u8; 4]>::try_from(*b).ok().map(IpAddr::from),
                        16 => <[u8; 16]>::try_from(*b).ok().map(IpAddr::from),
                        _ => None,
                    };
                    if let Some(ip) = ip {
                        names.push(ip.to_string());
                        matched |= host_ip == Some(ip);
                    }
                }
                _ => {}
            }
        }
        return (matched, names);
    }
    // No SAN: Windows still accepts the subject CN.
    let cn = cn_or_dn(leaf.subject());
    let m = dns_match(&cn, host);
    (m, vec![cn])
}

/// The issuer, when a Microsoft host's certificate does not come from Microsoft's CAs.
fn interception(host: &str, leaf: &X509Certificate<'_>) -> Option<String> {
    if !endpoints::is_microsoft_host(host) {
        return None;
    }
    let issuer_cn = cn_or_dn(leaf.issuer());
    let issuer_org = org(leaf.issuer());
    let genuine = if endpoints::is_mu_metadata_host(host) {
        issuer_cn.starts_with(endpoints::MU_ISSUER_PREFIX)
    } else {
        endpoints::MICROSOFT_ISSUER_ORGS
            .iter()
            .any(|o| issuer_cn.contains(o) || issuer_org.contains(o))
    };
    if genuine {
        None
    } else {
        Some(leaf.issuer().to_string())
    }
}

fn key_desc(c: &X509Certificate<'_>) -> String {
    match c.public_key().parsed() {
        Ok(PublicKey::RSA(r)) => format!("RSA {}", r.key_size()),
        Ok(PublicKey::EC(e)) => format!("EC {}", e.key_size()),
        Ok(other) => format!("{} bits", other.key_size()),
        Err(_) => "unparsed".into(),
    }
}

fn sig_alg(c: &X509Certificate<'_>) -> String {
    let oid = &c.signature_algorithm.algorithm;
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

fn summary(c: &X509Certificate<'_>) -> Value {
    json!({
        "subject": c.subject().to_string(),
        "issuer": c.issuer().to_string(),
        "not_before": rfc3339(c.validity().not_before.timestamp()),
        "not_after": rfc3339(c.validity().not_after.timestamp()),
    })
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn analyse(
    trust: &Trust,
    host: &str,
    chain: &[CertificateDer<'static>],
    now: SystemTime,
) -> CertOutcome {
    let fail = |kind, msg: String, detail| CertOutcome {
        result: StageResult::fail(Stage::Certificate, kind, msg, detail),
        time_failure: false,
        windows: vec![],
    };
    let Some(leaf_der) = chain.first() else {
        return fail(
            Kind::UnknownIssuer,
            "the server sent no certificate".into(),
            json!({}),
        );
    };
    let mut parsed = Vec::new();
    for (i, der) in chain.iter().enumerate() {
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, c)) => parsed.push(c),
            Err(e) if i == 0 => {
                return fail(
                    Kind::BadSignature,
                    format!("the server's certificate cannot be parsed: {e}"),
                    json!({"sha256": anchors::sha256_hex(leaf_der)}),
                );
            }
            // An unparsable extra certificate is left out of the path; it is noted in the chain.
            Err(_) => {}
        }
    }
    let leaf = &parsed[0];
    let now_s = unix(now);

    let (name_ok, names) = name_check(leaf, host);
    let mut path = Vec::new();
    let walked = walk(trust, &parsed, &mut path);
    let intercepted_by = interception(host, leaf);

    let mut problems: Vec<(Kind, String)> = Vec::new();
    let mut trusted_by = None;
    match &walked {
        Walk::Trusted(src) => trusted_by = Some(src.describe()),
        Walk::BadSignature(who) => problems.push((
            Kind::BadSignature,
            format!("the signature on \"{who}\" does not verify against its issuer"),
        )),
        Walk::SelfSigned => problems.push((
            Kind::SelfSigned,
            format!("the certificate is self-signed (\"{}\") and not trusted", cn_or_dn(leaf.subject())),
        )),
        Walk::Incomplete(missing) => problems.push((
            Kind::IncompleteChain,
            format!("the server did not send the certificate that issued its own (\"{missing}\"), and it is not a trusted root"),
        )),
        Walk::Unknown(top) => problems.push((
            Kind::UnknownIssuer,
            format!("the chain ends at \"{top}\", which is not a trusted root"),
        )),
    }
    for c in &parsed {
        if let Some(oid) = c
            .extensions()
            .iter()
            .find(|e| {
                e.critical
                    && matches!(
                        e.parsed_extension(),
                        ParsedExtension::UnsupportedExtension { .. }
                    )
            })
            .map(|e| e.oid.to_id_string())
        {
            problems.push((
                Kind::UnknownCriticalExtension,
                format!(
                    "\"{}\" carries an extension marked critical that no verifier knows ({oid}): Windows and webpki must reject it",
                    cn_or_dn(c.subject())
                ),
            ));
            break;
        }
    }
    let windows: Vec<(i64, i64)> = path
        .iter()
        .map(|i| {
            let v = parsed[*i].validity();
            (v.not_before.timestamp(), v.not_after.timestamp())
        })
        .collect();
    for i in &path {
        let c = &parsed[*i];
        let v = c.validity();
        let who = if *i == 0 {
            "the certificate".to_string()
        } else {
            format!("the issuing certificate \"{}\"", cn_or_dn(c.subject()))
        };
        if now_s > v.not_after.timestamp() {
            problems.push((
                Kind::Expired,
                format!("{who} expired on {}", rfc3339(v.not_after.timestamp())),
            ));
        } else if now_s < v.not_before.timestamp() {
            problems.push((
                Kind::NotYetValid,
                format!(
                    "{who} is valid only from {}",
                    rfc3339(v.not_before.timestamp())
                ),
            ));
        }
    }
    if !name_ok {
        let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
        let more = if names.len() > 8 {
            format!(" and {} more", names.len() - 8)
        } else {
            String::new()
        };
        problems.push((
            Kind::NameMismatch,
            format!(
                "the certificate names {}{more}, not {host}",
                shown.join(", ")
            ),
        ));
    }

    let webpki = match (&trust.verifier, ServerName::try_from(host.to_string())) {
        (Some(v), Ok(name)) => {
            let t = UnixTime::since_unix_epoch(Duration::from_secs(now_s.max(0) as u64));
            v.verify_server_cert(leaf_der, &chain[1..], &name, &[], t)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        _ => Err("no verifier".to_string()),
    };

    let leaf_names: Vec<&String> = names.iter().take(20).collect();
    let mut detail = json!({
        "leaf": {
            "subject": leaf.subject().to_string(),
            "issuer": leaf.issuer().to_string(),
            "names": leaf_names,
            "names_total": names.len(),
            "not_before": rfc3339(leaf.validity().not_before.timestamp()),
            "not_after": rfc3339(leaf.validity().not_after.timestamp()),
            "key": key_desc(leaf),
            "signature_algorithm": sig_alg(leaf),
            "sha256": anchors::sha256_hex(leaf_der),
        },
        "chain": parsed.iter().map(summary).collect::<Vec<_>>(),
        "chain_sent": chain.len(),
        "trusted_by": trusted_by,
        "webpki": match &webpki { Ok(()) => "ok".to_string(), Err(e) => e.clone() },
        "problems": problems.iter().map(|(k, m)| json!({"kind": k.as_str(), "message": m})).collect::<Vec<_>>(),
    });

    let issuer = cn_or_dn(leaf.issuer());
    if let Some(by) = &intercepted_by {
        detail["intercepted_by"] = json!(by);
        let msg = format!(
            "{host} is a Microsoft host, but its certificate was issued by \"{issuer}\", not by Microsoft: TLS inspection re-signs it"
        );
        if webpki.is_ok() {
            return CertOutcome {
                result: StageResult::warn(
                    Stage::Certificate,
                    Some(Kind::Intercepted),
                    format!(
                        "{msg} (trusted through {})",
                        trusted_by.as_deref().unwrap_or("an added CA")
                    ),
                    detail,
                ),
                time_failure: false,
                windows,
            };
        }
        return CertOutcome {
            result: StageResult::fail(Stage::Certificate, Kind::Intercepted, msg, detail),
            time_failure: false,
            windows,
        };
    }

    if webpki.is_ok() {
        let until = rfc3339(leaf.validity().not_after.timestamp());
        return CertOutcome {
            result: StageResult::pass(
                Stage::Certificate,
                format!(
                    "\"{}\" issued by \"{issuer}\", valid until {until}, trusted through {}",
                    cn_or_dn(leaf.subject()),
                    trusted_by.as_deref().unwrap_or("a trusted root")
                ),
                detail,
            ),
            time_failure: false,
            windows,
        };
    }

    const ORDER: &[Kind] = &[
        Kind::BadSignature,
        Kind::UnknownCriticalExtension,
        Kind::SelfSigned,
        Kind::IncompleteChain,
        Kind::UnknownIssuer,
        Kind::Expired,
        Kind::NotYetValid,
        Kind::NameMismatch,
    ];
    let chosen = ORDER
        .iter()
        .find_map(|k| problems.iter().find(|(pk, _)| pk == k))
        .cloned()
        .unwrap_or_else(|| {
            (
                Kind::BadSignature,
                format!(
                    "the certificate was rejected: {}",
                    webpki.as_ref().err().cloned().unwrap_or_default()
                ),
            )
        });
    let time_failure = matches!(chosen.0, Kind::Expired | Kind::NotYetValid);
    let mut msg = chosen.1.clone();
    if problems.len() > 1 {
        msg.push_str(&format!(
            " (+{} more problem(s) in the detail)",
            problems.len() - 1
        ));
    }
    CertOutcome {
        result: StageResult::fail(Stage::Certificate, chosen.0, msg, detail),
        time_failure,
        windows,
    }
}

#[cfg(test)]
mod tests {
    use super::dns_match;

    #[test]
    fn wildcards() {
        assert!(dns_match(
            "*.update.microsoft.com",
            "sws.update.microsoft.com"
        ));
        assert!(!dns_match("*.update.microsoft.com", "update.microsoft.com"));
        assert!(!dns_match(
            "*.update.microsoft.com",
            "a.b.update.microsoft.com"
        ));
        assert!(dns_match(
            "SWS.update.microsoft.com.",
            "sws.update.microsoft.com"
        ));
    }
}
