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
    fn rustls_speaks_gcm_not_cbc() {
        assert!(rustls_suite(0xc030).is_some());
        assert!(rustls_suite(0x1302).is_some());
        assert!(rustls_suite(0xc028).is_none());
        assert_eq!(name(0xc028), "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");
    }
}
