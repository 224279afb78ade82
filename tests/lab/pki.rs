//! Lab PKI made with rcgen: a root and intermediate the tests trust with --ca-file, an unrelated
//! PKI the tests do not trust, a "TLS inspection" CA, and leaves with chosen names and dates.

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

pub struct Ca {
    pub cert: Certificate,
    pub issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }
}

pub struct Leaf {
    pub der: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Leaf {
    pub fn key(&self) -> PrivateKeyDer<'static> {
        self.key.clone_key()
    }
}

pub fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, cn);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2045, 1, 1);
    p
}

pub fn root(cn: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let params = ca_params(cn);
    let cert = params.self_signed(&key).unwrap();
    Ca {
        cert,
        issuer: Issuer::new(params, key),
    }
}

pub fn intermediate(cn: &str, parent: &Ca) -> Ca {
    let key = KeyPair::generate().unwrap();
    let params = ca_params(cn);
    let cert = params.signed_by(&key, &parent.issuer).unwrap();
    Ca {
        cert,
        issuer: Issuer::new(params, key),
    }
}

/// An intermediate that expired `days_ago` days ago (valid for a year before that).
pub fn expired_intermediate(cn: &str, parent: &Ca, days_ago: i64) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = ca_params(cn);
    params.not_before = now() - days(days_ago + 365);
    params.not_after = now() - days(days_ago);
    let cert = params.signed_by(&key, &parent.issuer).unwrap();
    Ca {
        cert,
        issuer: Issuer::new(params, key),
    }
}

/// An issuer with the same name as `cn` but a key of its own: what it signs does not verify
/// against the real CA of that name.
pub fn impostor(cn: &str) -> Issuer<'static, KeyPair> {
    Issuer::new(ca_params(cn), KeyPair::generate().unwrap())
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn leaf_params(names: &[&str], nb: OffsetDateTime, na: OffsetDateTime) -> CertificateParams {
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = nb;
    p.not_after = na;
    p
}

fn finish(cert: Certificate, key: KeyPair) -> Leaf {
    Leaf {
        der: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

pub fn leaf_dated(
    names: &[&str],
    nb: OffsetDateTime,
    na: OffsetDateTime,
    issuer: &Issuer<'static, KeyPair>,
) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let cert = leaf_params(names, nb, na).signed_by(&key, issuer).unwrap();
    finish(cert, key)
}

/// Valid from yesterday for 30 days.
pub fn leaf(names: &[&str], issuer: &Issuer<'static, KeyPair>) -> Leaf {
    leaf_dated(names, now() - days(1), now() + days(30), issuer)
}

/// Valid as `leaf`, with `cn` and `org` as its subject instead of its first name (a hostile
/// subject for the renderers).
pub fn leaf_with_subject(
    names: &[&str],
    cn: &str,
    org: &str,
    issuer: &Issuer<'static, KeyPair>,
) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let mut p = leaf_params(names, now() - days(1), now() + days(30));
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name.push(DnType::OrganizationName, org);
    finish(p.signed_by(&key, issuer).unwrap(), key)
}

/// Valid as `leaf`, and saying where its issuer can be fetched (AIA caIssuers `url`).
pub fn leaf_with_aia(names: &[&str], issuer: &Issuer<'static, KeyPair>, url: &str) -> Leaf {
    // AuthorityInfoAccessSyntax ::= SEQUENCE OF SEQUENCE { id-ad-caIssuers, [6] IA5String }
    let der_len = |n: usize| -> Vec<u8> {
        if n < 128 {
            vec![n as u8]
        } else {
            vec![0x81, n as u8]
        }
    };
    let mut location = vec![0x86];
    location.extend(der_len(url.len()));
    location.extend(url.as_bytes());
    let mut desc = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    desc.extend(location);
    let mut one = vec![0x30];
    one.extend(der_len(desc.len()));
    one.extend(desc);
    let mut all = vec![0x30];
    all.extend(der_len(one.len()));
    all.extend(one);
    let mut params = leaf_params(names, now() - days(1), now() + days(30));
    params
        .custom_extensions
        .push(rcgen::CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 5, 5, 7, 1, 1],
            all,
        ));
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    finish(cert, key)
}

pub fn self_signed(names: &[&str]) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let cert = leaf_params(names, now() - days(1), now() + days(30))
        .self_signed(&key)
        .unwrap();
    finish(cert, key)
}

/// The PKI every test shares.
pub struct Pki {
    pub root: Ca,
    pub inter: Ca,
    /// A lab CA named like Microsoft's, so Microsoft host names pass the interception rule.
    pub mu_inter: Ca,
    pub other_root: Ca,
    pub other_inter: Ca,
    pub inspection_root: Ca,
    /// PEM file holding `root`, for --ca-file.
    pub root_pem: tempfile::NamedTempFile,
    /// PEM file holding `inspection_root`.
    pub inspection_pem: tempfile::NamedTempFile,
}

pub fn pki() -> Pki {
    let root = root("wsusprobe Lab Root");
    let inter = intermediate("wsusprobe Lab Intermediate", &root);
    let mu_inter = intermediate("Microsoft Update Secure Server CA 2.1", &root);
    let other_root = root_other();
    let other_inter = intermediate("Unknown Lab Intermediate", &other_root);
    let inspection_root = self::root("Contoso TLS Inspection CA");
    let root_pem = pem_file(&root.cert.pem());
    let inspection_pem = pem_file(&inspection_root.cert.pem());
    Pki {
        root,
        inter,
        mu_inter,
        other_root,
        other_inter,
        inspection_root,
        root_pem,
        inspection_pem,
    }
}

fn root_other() -> Ca {
    root("Unknown Lab Root")
}

pub fn pem_file(pem: &str) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut f = tempfile::Builder::new().suffix(".pem").tempfile().unwrap();
    f.write_all(pem.as_bytes()).unwrap();
    f.flush().unwrap();
    f
}

pub fn path(f: &tempfile::NamedTempFile) -> String {
    f.path().display().to_string()
}
