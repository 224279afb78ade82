//! Entry points for the fuzz targets in `fuzz/`, one per parser of peer or user data. They live
//! in the library so that `tests/fuzz_regressions.rs` replays every seed and every saved crash
//! input through exactly the code the fuzzer ran.

use std::sync::OnceLock;
use std::time::SystemTime;

use rustls::pki_types::CertificateDer;

use crate::config::network::parse_duration;
use crate::config::tls::parse_cipher_entries;
use crate::config::wsus;
use crate::hello::{Until, parse_flight};
use crate::plan::Plan;
use crate::probe::cert::{Trust, analyse};
use crate::probe::proxy::{Answer, parse_head, refusal};
use crate::probe::{clock, http};
use crate::target::{ProxySpec, ResolveOverride, Target, parse_host_port};

/// A fuzz target's entry point.
pub type Entry = fn(&[u8]);

/// (target name, entry point): the names are the `fuzz/fuzz_targets/*.rs` files.
pub const TARGETS: &[(&str, Entry)] = &[
    ("server_flight", server_flight),
    ("proxy_answer", proxy_answer),
    ("ntlm_challenge", ntlm_challenge),
    ("http_answer", http_answer),
    ("wsus_config", wsus_config),
    ("log_scanner", log_scanner),
    ("arguments", arguments),
    ("certificate", certificate),
    ("aia_answer", aia_answer),
    ("winhttp_settings", winhttp_settings),
];

/// What an AIA URL answered: one DER certificate or a PKCS#7 bundle, as the fetch of a missing
/// issuer reads it.
pub fn aia_answer(data: &[u8]) {
    let _ = crate::probe::aia::certificates(data);
}

/// The `WinHttpSettings` registry value (`netsh winhttp set proxy`), and its bypass list applied
/// to a host.
pub fn winhttp_settings(data: &[u8]) {
    if let Ok(p) = crate::host::winhttp::parse(data) {
        let _ = p.http_proxy_url();
        let _ = p.bypasses("aia.contoso.test");
        let _ = p.describe();
    }
}

/// The handshake engine's reader of the server's first flight (ServerHello, HelloRetryRequest,
/// Certificate, ServerKeyExchange, alerts, SSLv2 and non-TLS answers). The first byte picks
/// whether the stream ended and how far the reader goes.
pub fn server_flight(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let until = if mode & 2 == 0 {
        Until::ServerHello
    } else {
        Until::Flight
    };
    let _ = parse_flight(rest, mode & 1 == 1, until);
}

/// The proxy's answer to CONNECT or to a forwarded request: header, Squid markers, schemes, verdict.
pub fn proxy_answer(data: &[u8]) {
    let answer = parse_head(data);
    if let Answer::Head(h) = &answer {
        let _ = h.schemes();
        let _ = h.all("proxy-authenticate");
    }
    let _ = refusal(&answer, false);
    let _ = refusal(&answer, true);
}

/// The NTLM CHALLENGE message a proxy sends in Proxy-Authenticate, and the response built on it.
pub fn ntlm_challenge(data: &[u8]) {
    use crate::auth::ntlm;
    if let Ok(c) = ntlm::parse_challenge_bytes(data) {
        let ntowf = ntlm::ntowf_v2("user", "DOMAIN", "password");
        let _ = ntlm::ntlmv2_response(&ntowf, &c.server_challenge, &[1; 8], 0, &c.target_info);
    }
}

/// The http stage's reading of an answer (status line, headers, body, SOAP fault, title) and the
/// clock stage's reading of its `Date` header. The first byte picks SOAP or plain GET.
pub fn http_answer(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let now = SystemTime::now();
    let out = http::from_bytes(rest, mode & 1 == 1, now);
    let _ = clock::compare(now, out.date.as_ref(), None);
}

/// A WSUS configuration export (UTF-8 or UTF-16) and everything derived from it.
pub fn wsus_config(data: &[u8]) {
    if let Ok(c) = wsus::parse(data, "fuzz.json") {
        let _ = wsus::derive(&c, "fuzz.json", false);
        let _ = wsus::derive(&c, "fuzz.json", true);
    }
}

/// The log scanner (SoftwareDistribution.log, Change.log, event exports; UTF-8 or UTF-16).
pub fn log_scanner(data: &[u8]) {
    let _ = crate::logscan::scan_bytes("SoftwareDistribution.log", data);
}

/// Every parser of typed values: URLs, proxy URLs, --resolve, HOST[:PORT], --ciphers, durations,
/// plan files. The first byte picks the parser.
pub fn arguments(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 7 {
        0 => {
            if let Ok(t) = Target::parse(s) {
                let _ = t.authority();
            }
        }
        1 => {
            let _ = ProxySpec::parse(s, "--proxy");
        }
        2 => {
            let _ = ResolveOverride::parse(s);
        }
        3 => {
            let _ = parse_host_port(s);
        }
        4 => {
            let _ = parse_cipher_entries(s);
        }
        5 => {
            let _ = parse_duration(s, "--timeout");
        }
        _ => {
            let _ = Plan::parse(s, "fuzz.toml");
        }
    }
}

fn default_trust() -> Option<&'static Trust> {
    static TRUST: OnceLock<Trust> = OnceLock::new();
    Some(TRUST.get_or_init(|| Trust::load(&[])))
}

/// The certificate stage's analysis of a hostile chain: the input is cut into certificates at
/// each FF 00 FF marker, then judged for the sync service's name.
pub fn certificate(data: &[u8]) {
    let Some(trust) = default_trust() else {
        return;
    };
    let mut chain = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && chain.len() < 4 {
        let end = rest
            .windows(3)
            .position(|w| w == [0xFF, 0x00, 0xFF])
            .unwrap_or(rest.len());
        chain.push(CertificateDer::from(rest[..end].to_vec()));
        rest = rest.get(end + 3..).unwrap_or(&[]);
    }
    let _ = analyse(trust, "sws.update.microsoft.com", &chain, SystemTime::now());
}
