//! The chain's path to a trust anchor, walked by hand with x509-parser: webpki reports only its
//! first problem and cannot tell a missing intermediate from an unknown root.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

use super::Trust;
use super::parse::cn_or_dn;
use crate::knowledge::anchors;
use crate::knowledge::remedies::{self, Remedy};
use crate::model::Kind;

/// A problem found with the certificate, in words.
pub(super) type Problem = (Kind, String);

pub(super) enum Walk {
    Trusted(super::Source),
    BadSignature(String),
    SelfSigned,
    Incomplete(String),
    Unknown(String),
}

fn verifies(
    child: &X509Certificate<'_>,
    issuer_spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> bool {
    child.verify_signature(Some(issuer_spki)).is_ok()
}

pub(super) fn walk(trust: &Trust, chain: &[X509Certificate<'_>], path: &mut Vec<usize>) -> Walk {
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

/// The walk's problem, if any; else the anchor's source, described.
pub(super) fn trust(
    walked: &Walk,
    leaf: &X509Certificate<'_>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match walked {
        Walk::Trusted(src) => return Some(src.describe()),
        Walk::BadSignature(who) => problems.push((
            Kind::BadSignature,
            format!("the signature on \"{who}\" does not verify against its issuer"),
        )),
        Walk::SelfSigned => problems.push((
            Kind::SelfSigned,
            format!(
                "the certificate is self-signed (\"{}\") and not trusted",
                cn_or_dn(leaf.subject())
            ),
        )),
        Walk::Incomplete(missing) => problems.push(missing_issuer(leaf, missing)),
        Walk::Unknown(top) => problems.push((
            Kind::UnknownIssuer,
            format!(
                "the chain ends at \"{top}\", which is not a trusted root: {}",
                remedies::text(Remedy::DeployOrganisationRoot)
            ),
        )),
    }
    None
}

/// The http:// caIssuers URL of the last certificate on a path that stops short of a trusted
/// root (its issuer neither sent nor an anchor): what Windows' chain engine would fetch.
/// With it, the missing issuer's name.
pub(super) fn fetch_from(
    walked: &Walk,
    parsed: &[X509Certificate<'_>],
    path: &[usize],
) -> Option<(String, String)> {
    if !matches!(walked, Walk::Incomplete(_) | Walk::Unknown(_)) {
        return None;
    }
    let last = parsed.get(*path.last()?)?;
    if last.subject().as_raw() == last.issuer().as_raw() {
        return None;
    }
    ca_issuers_url(last)
        .filter(|u| u.to_ascii_lowercase().starts_with("http://"))
        .map(|u| (u, cn_or_dn(last.issuer())))
}

/// Where a certificate says its issuer can be fetched (AIA caIssuers), if it says.
pub(super) fn ca_issuers_url(c: &X509Certificate<'_>) -> Option<String> {
    c.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => aia.iter().find_map(|d| {
                match (&d.access_location, d.access_method.to_id_string().as_str()) {
                    (GeneralName::URI(u), CA_ISSUERS) => Some((*u).to_string()),
                    _ => None,
                }
            }),
            _ => None,
        })
}

/// id-ad-caIssuers.
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// The server sent only certificates below an issuer nobody trusts, named `missing`: a public
/// intermediate it failed to send, or a private CA? An AIA URL or a public CA's name points to
/// the first (`incomplete_chain`); neither, to the second (`unknown_issuer`). Both say what is
/// still uncertain.
fn missing_issuer(leaf: &X509Certificate<'_>, missing: &str) -> Problem {
    let org = super::parse::org(leaf.issuer());
    let public = anchors::PUBLIC_ISSUER_NAMES
        .iter()
        .any(|n| missing.contains(n) || org.contains(n));
    match (ca_issuers_url(leaf), public) {
        (Some(url), _) => (
            Kind::IncompleteChain,
            format!(
                "the server did not send the certificate that issued its own (\"{missing}\"), and it is not a trusted root; the certificate says it can be fetched from {url} — {}",
                remedies::text(Remedy::FetchedFromAia)
            ),
        ),
        (None, true) => (
            Kind::IncompleteChain,
            format!(
                "the server did not send the certificate that issued its own (\"{missing}\", a public CA's intermediate by its name), and it is not a trusted root: {}",
                remedies::text(Remedy::ServerSendsIntermediate)
            ),
        ),
        (None, false) => (
            Kind::UnknownIssuer,
            format!(
                "the certificate was issued by \"{missing}\", which the server did not send and no trust store here knows; with no AIA URL and no public CA's name this looks like a private CA: {}",
                remedies::text(Remedy::DeployPrivateRoot)
            ),
        ),
    }
}

/// The first certificate carrying an extension marked critical that no verifier knows.
pub(super) fn critical_extension(parsed: &[X509Certificate<'_>]) -> Option<Problem> {
    parsed.iter().find_map(|c| {
        let oid = c
            .extensions()
            .iter()
            .find(|e| {
                e.critical
                    && matches!(
                        e.parsed_extension(),
                        ParsedExtension::UnsupportedExtension { .. }
                    )
            })?
            .oid
            .to_id_string();
        Some((
            Kind::UnknownCriticalExtension,
            format!(
                "\"{}\" carries an extension marked critical that no verifier knows ({oid}): Windows and webpki must reject it",
                cn_or_dn(c.subject())
            ),
        ))
    })
}

/// Validity windows (unix seconds) of the certificates on the path, and their time problems.
pub(super) fn times(
    parsed: &[X509Certificate<'_>],
    path: &[usize],
    now: i64,
    problems: &mut Vec<Problem>,
) -> Vec<(i64, i64)> {
    let mut windows = Vec::new();
    for i in path {
        let c = &parsed[*i];
        let (from, until) = (
            c.validity().not_before.timestamp(),
            c.validity().not_after.timestamp(),
        );
        windows.push((from, until));
        let who = if *i == 0 {
            "the certificate".to_string()
        } else {
            format!("the issuing certificate \"{}\"", cn_or_dn(c.subject()))
        };
        if now > until {
            problems.push((
                Kind::Expired,
                format!("{who} expired on {}", crate::timefmt::rfc3339(until)),
            ));
        } else if now < from {
            problems.push((
                Kind::NotYetValid,
                format!("{who} is valid only from {}", crate::timefmt::rfc3339(from)),
            ));
        }
    }
    windows
}
