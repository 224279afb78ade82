//! Whose certificate it is: the names it carries against the host, and whether a Microsoft
//! host's certificate comes from Microsoft at all (TLS inspection re-signs it).

use std::net::IpAddr;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

use super::chain::Problem;
use super::parse::{cn_or_dn, org};
use crate::knowledge::endpoints;
use crate::model::Kind;

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
pub(super) fn name_check(leaf: &X509Certificate<'_>, host: &str) -> (bool, Vec<String>) {
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
pub(super) fn interception(host: &str, leaf: &X509Certificate<'_>) -> Option<String> {
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

/// The name problem: the names the certificate carries (the first eight), not the host.
pub(super) fn mismatch(names: &[String], host: &str) -> Problem {
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    let more = if names.len() > 8 {
        format!(" and {} more", names.len() - 8)
    } else {
        String::new()
    };
    (
        Kind::NameMismatch,
        format!(
            "the certificate names {}{more}, not {host}",
            shown.join(", ")
        ),
    )
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
