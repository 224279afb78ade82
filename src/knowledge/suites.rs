//! Cipher suite names and code points.
//!
//! The IANA registry itself comes from tls-parser's generated table (every assigned code point with
//! its IANA name); this module adds what wsusprobe needs on top: which suites the rustls handshake
//! can speak, and the broad offers the follow-up probes send.

use rustls::SupportedCipherSuite;
use rustls::crypto::ring::ALL_CIPHER_SUITES;
use tls_parser::TlsCipherSuite;

/// The IANA name of a code point, or its hex form when unassigned.
pub fn name(id: u16) -> String {
    TlsCipherSuite::from_id(id)
        .map(|s| s.name.to_string())
        .unwrap_or_else(|| format!("0x{id:04X}"))
}

/// Parse one `--ciphers` entry: an IANA name (case-insensitive) or `0xNNNN`.
pub fn parse_one(entry: &str) -> Result<u16, String> {
    let e = entry.trim();
    if let Some(hex) = e.strip_prefix("0x").or_else(|| e.strip_prefix("0X")) {
        return u16::from_str_radix(hex, 16)
            .map_err(|_| format!("'{e}' is not a cipher suite code point (expected 0xNNNN)"));
    }
    let upper = e.to_ascii_uppercase();
    TlsCipherSuite::from_name(&upper)
        .map(|s| s.id.0)
        .ok_or_else(|| {
            format!("unknown cipher suite '{e}' (use IANA names such as TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, or 0xNNNN)")
        })
}

/// The rustls suite for a code point, if rustls (ring provider) implements it.
pub fn rustls_suite(id: u16) -> Option<SupportedCipherSuite> {
    ALL_CIPHER_SUITES
        .iter()
        .copied()
        .find(|s| u16::from(s.suite()) == id)
}

/// Code points rustls can negotiate, for error messages.
pub fn rustls_names() -> Vec<String> {
    ALL_CIPHER_SUITES
        .iter()
        .map(|s| name(u16::from(s.suite())))
        .collect()
}

/// A broad TLS 1.2 offer for the follow-up probe: what Windows Schannel versions and common
/// servers accept, GCM first, then CBC, static RSA and DHE.
pub static BROAD_TLS12: &[u16] = &[
    0xc02c, 0xc02b, 0xc030, 0xc02f, 0xcca9, 0xcca8, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a, 0xc009,
    0xc014, 0xc013, 0x009f, 0x009e, 0x006b, 0x0067, 0x0039, 0x0033, 0x009d, 0x009c, 0x003d, 0x003c,
    0x0035, 0x002f, 0x000a,
];

/// A TLS 1.0 offer (no AEAD suites exist before TLS 1.2).
pub static BROAD_TLS10: &[u16] = &[
    0xc00a, 0xc009, 0xc014, 0xc013, 0x0039, 0x0033, 0x0035, 0x002f, 0x000a, 0x0005, 0x0004,
];

/// OpenSSL's names for the suites it implements (`openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`,
/// OpenSSL 3.0). Also the candidate set of `wsusprobe ciphers`: what sslscan and nmap can test.
pub static OPENSSL_NAMES: &[(u16, &str)] = &[
    (0x0001, "NULL-MD5"),
    (0x0002, "NULL-SHA"),
    (0x002c, "PSK-NULL-SHA"),
    (0x002d, "DHE-PSK-NULL-SHA"),
    (0x002e, "RSA-PSK-NULL-SHA"),
    (0x002f, "AES128-SHA"),
    (0x0032, "DHE-DSS-AES128-SHA"),
    (0x0033, "DHE-RSA-AES128-SHA"),
    (0x0034, "ADH-AES128-SHA"),
    (0x0035, "AES256-SHA"),
    (0x0038, "DHE-DSS-AES256-SHA"),
    (0x0039, "DHE-RSA-AES256-SHA"),
    (0x003a, "ADH-AES256-SHA"),
    (0x003b, "NULL-SHA256"),
    (0x003c, "AES128-SHA256"),
    (0x003d, "AES256-SHA256"),
    (0x0040, "DHE-DSS-AES128-SHA256"),
    (0x0041, "CAMELLIA128-SHA"),
    (0x0044, "DHE-DSS-CAMELLIA128-SHA"),
    (0x0045, "DHE-RSA-CAMELLIA128-SHA"),
    (0x0046, "ADH-CAMELLIA128-SHA"),
    (0x0067, "DHE-RSA-AES128-SHA256"),
    (0x006a, "DHE-DSS-AES256-SHA256"),
    (0x006b, "DHE-RSA-AES256-SHA256"),
    (0x006c, "ADH-AES128-SHA256"),
    (0x006d, "ADH-AES256-SHA256"),
    (0x0084, "CAMELLIA256-SHA"),
    (0x0087, "DHE-DSS-CAMELLIA256-SHA"),
    (0x0088, "DHE-RSA-CAMELLIA256-SHA"),
    (0x0089, "ADH-CAMELLIA256-SHA"),
    (0x008c, "PSK-AES128-CBC-SHA"),
    (0x008d, "PSK-AES256-CBC-SHA"),
    (0x0090, "DHE-PSK-AES128-CBC-SHA"),
    (0x0091, "DHE-PSK-AES256-CBC-SHA"),
    (0x0094, "RSA-PSK-AES128-CBC-SHA"),
    (0x0095, "RSA-PSK-AES256-CBC-SHA"),
    (0x009c, "AES128-GCM-SHA256"),
    (0x009d, "AES256-GCM-SHA384"),
    (0x009e, "DHE-RSA-AES128-GCM-SHA256"),
    (0x009f, "DHE-RSA-AES256-GCM-SHA384"),
    (0x00a2, "DHE-DSS-AES128-GCM-SHA256"),
    (0x00a3, "DHE-DSS-AES256-GCM-SHA384"),
    (0x00a6, "ADH-AES128-GCM-SHA256"),
    (0x00a7, "ADH-AES256-GCM-SHA384"),
    (0x00a8, "PSK-AES128-GCM-SHA256"),
    (0x00a9, "PSK-AES256-GCM-SHA384"),
    (0x00aa, "DHE-PSK-AES128-GCM-SHA256"),
    (0x00ab, "DHE-PSK-AES256-GCM-SHA384"),
    (0x00ac, "RSA-PSK-AES128-GCM-SHA256"),
    (0x00ad, "RSA-PSK-AES256-GCM-SHA384"),
    (0x00ae, "PSK-AES128-CBC-SHA256"),
    (0x00af, "PSK-AES256-CBC-SHA384"),
    (0x00b0, "PSK-NULL-SHA256"),
    (0x00b1, "PSK-NULL-SHA384"),
    (0x00b2, "DHE-PSK-AES128-CBC-SHA256"),
    (0x00b3, "DHE-PSK-AES256-CBC-SHA384"),
    (0x00b4, "DHE-PSK-NULL-SHA256"),
    (0x00b5, "DHE-PSK-NULL-SHA384"),
    (0x00b6, "RSA-PSK-AES128-CBC-SHA256"),
    (0x00b7, "RSA-PSK-AES256-CBC-SHA384"),
    (0x00b8, "RSA-PSK-NULL-SHA256"),
    (0x00b9, "RSA-PSK-NULL-SHA384"),
    (0x00ba, "CAMELLIA128-SHA256"),
    (0x00bd, "DHE-DSS-CAMELLIA128-SHA256"),
    (0x00be, "DHE-RSA-CAMELLIA128-SHA256"),
    (0x00bf, "ADH-CAMELLIA128-SHA256"),
    (0x00c0, "CAMELLIA256-SHA256"),
    (0x00c3, "DHE-DSS-CAMELLIA256-SHA256"),
    (0x00c4, "DHE-RSA-CAMELLIA256-SHA256"),
    (0x00c5, "ADH-CAMELLIA256-SHA256"),
    (0x1301, "TLS_AES_128_GCM_SHA256"),
    (0x1302, "TLS_AES_256_GCM_SHA384"),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
    (0xc006, "ECDHE-ECDSA-NULL-SHA"),
    (0xc009, "ECDHE-ECDSA-AES128-SHA"),
    (0xc00a, "ECDHE-ECDSA-AES256-SHA"),
    (0xc010, "ECDHE-RSA-NULL-SHA"),
    (0xc013, "ECDHE-RSA-AES128-SHA"),
    (0xc014, "ECDHE-RSA-AES256-SHA"),
    (0xc015, "AECDH-NULL-SHA"),
    (0xc018, "AECDH-AES128-SHA"),
    (0xc019, "AECDH-AES256-SHA"),
    (0xc01d, "SRP-AES-128-CBC-SHA"),
    (0xc01e, "SRP-RSA-AES-128-CBC-SHA"),
    (0xc01f, "SRP-DSS-AES-128-CBC-SHA"),
    (0xc020, "SRP-AES-256-CBC-SHA"),
    (0xc021, "SRP-RSA-AES-256-CBC-SHA"),
    (0xc022, "SRP-DSS-AES-256-CBC-SHA"),
    (0xc023, "ECDHE-ECDSA-AES128-SHA256"),
    (0xc024, "ECDHE-ECDSA-AES256-SHA384"),
    (0xc027, "ECDHE-RSA-AES128-SHA256"),
    (0xc028, "ECDHE-RSA-AES256-SHA384"),
    (0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256"),
    (0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384"),
    (0xc02f, "ECDHE-RSA-AES128-GCM-SHA256"),
    (0xc030, "ECDHE-RSA-AES256-GCM-SHA384"),
    (0xc035, "ECDHE-PSK-AES128-CBC-SHA"),
    (0xc036, "ECDHE-PSK-AES256-CBC-SHA"),
    (0xc037, "ECDHE-PSK-AES128-CBC-SHA256"),
    (0xc038, "ECDHE-PSK-AES256-CBC-SHA384"),
    (0xc039, "ECDHE-PSK-NULL-SHA"),
    (0xc03a, "ECDHE-PSK-NULL-SHA256"),
    (0xc03b, "ECDHE-PSK-NULL-SHA384"),
    (0xc050, "ARIA128-GCM-SHA256"),
    (0xc051, "ARIA256-GCM-SHA384"),
    (0xc052, "DHE-RSA-ARIA128-GCM-SHA256"),
    (0xc053, "DHE-RSA-ARIA256-GCM-SHA384"),
    (0xc056, "DHE-DSS-ARIA128-GCM-SHA256"),
    (0xc057, "DHE-DSS-ARIA256-GCM-SHA384"),
    (0xc05c, "ECDHE-ECDSA-ARIA128-GCM-SHA256"),
    (0xc05d, "ECDHE-ECDSA-ARIA256-GCM-SHA384"),
    (0xc060, "ECDHE-ARIA128-GCM-SHA256"),
    (0xc061, "ECDHE-ARIA256-GCM-SHA384"),
    (0xc06a, "PSK-ARIA128-GCM-SHA256"),
    (0xc06b, "PSK-ARIA256-GCM-SHA384"),
    (0xc06c, "DHE-PSK-ARIA128-GCM-SHA256"),
    (0xc06d, "DHE-PSK-ARIA256-GCM-SHA384"),
    (0xc06e, "RSA-PSK-ARIA128-GCM-SHA256"),
    (0xc06f, "RSA-PSK-ARIA256-GCM-SHA384"),
    (0xc072, "ECDHE-ECDSA-CAMELLIA128-SHA256"),
    (0xc073, "ECDHE-ECDSA-CAMELLIA256-SHA384"),
    (0xc076, "ECDHE-RSA-CAMELLIA128-SHA256"),
    (0xc077, "ECDHE-RSA-CAMELLIA256-SHA384"),
    (0xc094, "PSK-CAMELLIA128-SHA256"),
    (0xc095, "PSK-CAMELLIA256-SHA384"),
    (0xc096, "DHE-PSK-CAMELLIA128-SHA256"),
    (0xc097, "DHE-PSK-CAMELLIA256-SHA384"),
    (0xc098, "RSA-PSK-CAMELLIA128-SHA256"),
    (0xc099, "RSA-PSK-CAMELLIA256-SHA384"),
    (0xc09a, "ECDHE-PSK-CAMELLIA128-SHA256"),
    (0xc09b, "ECDHE-PSK-CAMELLIA256-SHA384"),
    (0xc09c, "AES128-CCM"),
    (0xc09d, "AES256-CCM"),
    (0xc09e, "DHE-RSA-AES128-CCM"),
    (0xc09f, "DHE-RSA-AES256-CCM"),
    (0xc0a0, "AES128-CCM8"),
    (0xc0a1, "AES256-CCM8"),
    (0xc0a2, "DHE-RSA-AES128-CCM8"),
    (0xc0a3, "DHE-RSA-AES256-CCM8"),
    (0xc0a4, "PSK-AES128-CCM"),
    (0xc0a5, "PSK-AES256-CCM"),
    (0xc0a6, "DHE-PSK-AES128-CCM"),
    (0xc0a7, "DHE-PSK-AES256-CCM"),
    (0xc0a8, "PSK-AES128-CCM8"),
    (0xc0a9, "PSK-AES256-CCM8"),
    (0xc0aa, "DHE-PSK-AES128-CCM8"),
    (0xc0ab, "DHE-PSK-AES256-CCM8"),
    (0xc0ac, "ECDHE-ECDSA-AES128-CCM"),
    (0xc0ad, "ECDHE-ECDSA-AES256-CCM"),
    (0xc0ae, "ECDHE-ECDSA-AES128-CCM8"),
    (0xc0af, "ECDHE-ECDSA-AES256-CCM8"),
    (0xcca8, "ECDHE-RSA-CHACHA20-POLY1305"),
    (0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305"),
    (0xccaa, "DHE-RSA-CHACHA20-POLY1305"),
    (0xccab, "PSK-CHACHA20-POLY1305"),
    (0xccac, "ECDHE-PSK-CHACHA20-POLY1305"),
    (0xccad, "DHE-PSK-CHACHA20-POLY1305"),
    (0xccae, "RSA-PSK-CHACHA20-POLY1305"),
];

pub fn openssl_name(id: u16) -> Option<&'static str> {
    OPENSSL_NAMES
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, n)| *n)
}

/// TLS 1.3 suites (RFC 8446 and the two CCM ones).
pub static TLS13_SUITES: &[u16] = &[0x1302, 0x1301, 0x1303, 0x1304, 0x1305];

/// Suites offered when enumerating SSL 3.0 to TLS 1.2: every non-1.3 suite OpenSSL knows, plus
/// what the Windows profiles offer.
pub fn scan_candidates() -> Vec<u16> {
    let mut v: Vec<u16> = OPENSSL_NAMES
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| c >> 8 != 0x13)
        .collect();
    for p in PROFILES {
        for s in p.suites {
            if s >> 8 != 0x13 && !v.contains(s) {
                v.push(*s);
            }
        }
    }
    v
}

/// Named groups by code point.
pub fn group_name(g: u16) -> String {
    match g {
        0x0017 => "secp256r1".into(),
        0x0018 => "secp384r1".into(),
        0x0019 => "secp521r1".into(),
        0x001d => "x25519".into(),
        0x001e => "x448".into(),
        0x0100 => "ffdhe2048".into(),
        0x0101 => "ffdhe3072".into(),
        0x11ec => "X25519MLKEM768".into(),
        other => format!("0x{other:04X}"),
    }
}

/// A suite as Windows names it in a GPO cipher order: `TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256`
/// is 0xC028 restricted to secp256r1 (Windows 8.1/2012 R2 and older spell the curve this way).
pub fn parse_schannel(entry: &str) -> Result<(u16, Option<u16>), String> {
    let e = entry.trim();
    let upper = e.to_ascii_uppercase();
    for (suffix, group) in [("_P256", 0x0017u16), ("_P384", 0x0018), ("_P521", 0x0019)] {
        if let Some(base) = upper.strip_suffix(suffix) {
            return parse_one(base).map(|id| (id, Some(group)));
        }
    }
    parse_one(e).map(|id| (id, None))
}

/// A Windows client's default Schannel offer (research/microsoft-update-facts.md §5.2, from
/// Microsoft's "TLS Cipher Suites in Windows …" pages; suite and group order only — the exact
/// extension order of each build is not documented).
#[derive(Debug)]
pub struct Profile {
    pub name: &'static str,
    pub describe: &'static str,
    /// Versions offered, highest first.
    pub versions: &'static [u16],
    pub suites: &'static [u16],
    pub groups: &'static [u16],
}

const P256_P384: &[u16] = &[0x0017, 0x0018];
const X25519_P256_P384: &[u16] = &[0x001d, 0x0017, 0x0018];

pub static PROFILES: &[Profile] = &[
    Profile {
        name: "win2012r2",
        describe: "Windows Server 2012 R2 / 8.1 default order (no ECDHE_RSA with GCM; TLS 1.2 needs the WSUS TLS 1.2 fix)",
        versions: &[0x0303, 0x0302, 0x0301],
        suites: &[
            0xc028, 0xc027, 0xc014, 0xc013, 0x009f, 0x009e, 0x0039, 0x0033, 0x009d, 0x009c, 0x003d,
            0x003c, 0x0035, 0x002f, 0xc02c, 0xc02b, 0xc024, 0xc023, 0xc00a, 0xc009, 0x006a, 0x0040,
            0x0038, 0x0032, 0x000a, 0x0013, 0x0005, 0x0004,
        ],
        groups: P256_P384,
    },
    Profile {
        name: "win2012",
        describe: "Windows Server 2012 / 8 default order (2012 R2 without the DHE_RSA CBC suites)",
        versions: &[0x0303, 0x0302, 0x0301],
        suites: &[
            0xc028, 0xc027, 0xc014, 0xc013, 0x009f, 0x009e, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035,
            0x002f, 0xc02c, 0xc02b, 0xc024, 0xc023, 0xc00a, 0xc009, 0x006a, 0x0040, 0x0038, 0x0032,
            0x000a, 0x0013, 0x0005, 0x0004,
        ],
        groups: P256_P384,
    },
    Profile {
        name: "win2016",
        describe: "Windows Server 2016 / 10 1607 default order",
        versions: &[0x0303, 0x0302, 0x0301],
        suites: &[
            0xc02c, 0xc02b, 0xc030, 0xc02f, 0x009f, 0x009e, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a,
            0xc009, 0xc014, 0xc013, 0x0039, 0x0033, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f,
            0x000a, 0x006a, 0x0040, 0x0038, 0x0032, 0x0013, 0x0005, 0x0004,
        ],
        groups: X25519_P256_P384,
    },
    Profile {
        name: "win2019",
        describe: "Windows Server 2019 / 10 1809 default order",
        versions: &[0x0303, 0x0302, 0x0301],
        suites: &[
            0xc02c, 0xc02b, 0xc030, 0xc02f, 0x009f, 0x009e, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a,
            0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a,
        ],
        groups: X25519_P256_P384,
    },
    Profile {
        name: "win2022",
        describe: "Windows Server 2022 default order (TLS 1.3 and 1.2)",
        versions: &[0x0304, 0x0303],
        suites: &[
            0x1302, 0x1301, 0xc02c, 0xc02b, 0xc030, 0xc02f, 0x009f, 0x009e, 0xc024, 0xc023, 0xc028,
            0xc027, 0xc00a, 0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f,
            0x000a,
        ],
        groups: X25519_P256_P384,
    },
    Profile {
        name: "dotnet-legacy",
        describe: "a .NET Framework client without SchUseStrongCrypto (Catalog import, old tools): TLS 1.0 only, 2012 R2 suites",
        versions: &[0x0301],
        suites: &[
            0xc014, 0xc013, 0x0039, 0x0033, 0x0035, 0x002f, 0xc00a, 0xc009, 0x0038, 0x0032, 0x000a,
            0x0013, 0x0005, 0x0004,
        ],
        groups: P256_P384,
    },
    Profile {
        name: "seeds-2020",
        describe: "the four suites Microsoft Update accepted from August 2020 (ECDHE_RSA AES GCM and CBC-SHA2), TLS 1.2",
        versions: &[0x0303],
        suites: &[0xc030, 0xc02f, 0xc028, 0xc027],
        groups: X25519_P256_P384,
    },
];

pub fn profile(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_and_hex() {
        assert_eq!(
            parse_one("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            Ok(0xc030)
        );
        assert_eq!(
            parse_one("tls_ecdhe_rsa_with_aes_256_cbc_sha384"),
            Ok(0xc028)
        );
        assert_eq!(parse_one("0xC02F"), Ok(0xc02f));
        assert!(parse_one("TLS_BOGUS").is_err());
        assert!(parse_one("0xZZ").is_err());
    }

    #[test]
    fn schannel_names() {
        assert_eq!(
            parse_schannel("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256"),
            Ok((0xc028, Some(0x17)))
        );
        assert_eq!(
            parse_schannel("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P384"),
            Ok((0xc027, Some(0x18)))
        );
        assert_eq!(
            parse_schannel("TLS_RSA_WITH_AES_256_GCM_SHA384"),
            Ok((0x009d, None))
        );
        assert!(parse_schannel("TLS_NOPE_P256").is_err());
    }

    #[test]
    fn tables() {
        assert_eq!(openssl_name(0xc030), Some("ECDHE-RSA-AES256-GCM-SHA384"));
        for p in PROFILES {
            for s in p.suites {
                assert!(
                    TlsCipherSuite::from_id(*s).is_some(),
                    "{} has unknown 0x{s:04x}",
                    p.name
                );
            }
        }
        let c = scan_candidates();
        assert!(c.len() > 100 && c.len() < 200, "{}", c.len());
        assert!(!c.iter().any(|s| s >> 8 == 0x13));
        assert_eq!(profile("WIN2012R2").map(|p| p.suites[0]), Some(0xc028));
    }

    #[test]
    fn rustls_speaks_gcm_not_cbc() {
        assert!(rustls_suite(0xc030).is_some());
        assert!(rustls_suite(0x1302).is_some());
        assert!(rustls_suite(0xc028).is_none());
        assert_eq!(name(0xc028), "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");
    }
}
