//! Built-in trust anchors.
//!
//! Microsoft Update metadata hosts chain to *Microsoft Root Certificate Authority 2011*, which every
//! Windows machine trusts but no Linux/Mozilla bundle carries. Without it every healthy run on Linux
//! would report `unknown_issuer`. The intermediate (Microsoft Update Secure Server CA 2.1) is not
//! pinned: it expires on 2027-06-21.

use rustls::pki_types::CertificateDer;

static MS_ROOT_2011: &[u8] = include_bytes!("anchors/ms-root-2011.der");

/// SHA-256 of the DER above, as published (valid 2011-03-22 → 2036-03-22).
pub const MS_ROOT_2011_SHA256: &str =
    "847df6a78497943f27fc72eb93f9a637320a02b561d0a91b09e87a7807ed7c61";

pub const MS_ROOT_2011_NAME: &str = "Microsoft Root Certificate Authority 2011";

pub fn ms_root_2011() -> CertificateDer<'static> {
    CertificateDer::from(MS_ROOT_2011)
}

/// Names (in an issuer's CN or O) of the CAs that issue publicly trusted server certificates,
/// Microsoft's among them. A missing issuer with one of these names is a public intermediate the
/// server failed to send; an unfamiliar name without an AIA URL points to a private CA.
pub static PUBLIC_ISSUER_NAMES: &[&str] = &[
    "Microsoft",
    "DigiCert",
    "GlobalSign",
    "Sectigo",
    "Let's Encrypt",
    "Entrust",
    "GeoTrust",
    "Thawte",
    "Baltimore",
    "Go Daddy",
    "Amazon",
    "Google Trust Services",
    "Starfield",
];

/// Lower-case hex SHA-256 of a DER blob.
pub fn sha256_hex(der: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_root_matches_published_fingerprint() {
        assert_eq!(sha256_hex(MS_ROOT_2011), MS_ROOT_2011_SHA256);
        let (_, cert) = x509_parser::parse_x509_certificate(MS_ROOT_2011).expect("parses");
        assert!(cert.subject().to_string().contains(MS_ROOT_2011_NAME));
        assert_eq!(cert.subject().as_raw(), cert.issuer().as_raw());
    }
}
