//! Reading certificates: names, keys and validity as the report shows them.

use std::time::{SystemTime, UNIX_EPOCH};

use x509_parser::certificate::X509Certificate;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::X509Name;

use crate::model::detail::CertSummary;
use crate::timefmt::rfc3339;

pub(super) fn cn_or_dn(name: &X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| name.to_string())
}

pub(super) fn org(name: &X509Name<'_>) -> String {
    name.iter_organization()
        .next()
        .and_then(|o| o.as_str().ok())
        .map(str::to_string)
        .unwrap_or_default()
}

pub(super) fn key_desc(c: &X509Certificate<'_>) -> String {
    match c.public_key().parsed() {
        Ok(PublicKey::RSA(r)) => format!("RSA {}", r.key_size()),
        Ok(PublicKey::EC(e)) => format!("EC {}", e.key_size()),
        Ok(other) => format!("{} bits", other.key_size()),
        Err(_) => "unparsed".into(),
    }
}

pub(super) fn sig_alg(c: &X509Certificate<'_>) -> String {
    let oid = &c.signature_algorithm.algorithm;
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

pub(super) fn summary(c: &X509Certificate<'_>) -> CertSummary {
    CertSummary {
        issuer: c.issuer().to_string(),
        not_after: rfc3339(c.validity().not_after.timestamp()),
        not_before: rfc3339(c.validity().not_before.timestamp()),
        subject: c.subject().to_string(),
    }
}

pub(super) fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
