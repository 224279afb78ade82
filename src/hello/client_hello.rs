//! The ClientHello, written byte by byte: any version from SSL 3.0 to TLS 1.3, any suite code
//! points, SNI, supported_groups, ec_point_formats, signature_algorithms, and for TLS 1.3
//! supported_versions and a real key_share.

use ring::agreement;
use ring::rand::SystemRandom;

use super::{SSL3, TLS12, TLS13};

/// What to put in the ClientHello.
#[derive(Debug, Clone)]
pub struct HelloSpec<'a> {
    /// Highest version offered. With TLS 1.3 the legacy field says TLS 1.2 and the real offer is
    /// in supported_versions.
    pub version: u16,
    /// Lower versions offered beside TLS 1.3 in supported_versions (e.g. TLS 1.2 for a profile).
    pub also: &'a [u16],
    pub suites: &'a [u16],
    /// Named groups, in preference order (x25519 = 29, secp256r1 = 23, secp384r1 = 24).
    pub groups: &'a [u16],
    /// Server name for SNI; `None` for address literals.
    pub sni: Option<&'a str>,
}

pub const DEFAULT_GROUPS: &[u16] = &[0x001d, 0x0017, 0x0018];

const SIG_ALGS: &[u16] = &[
    0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0201, 0x0203,
];

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, v: usize) {
    let b = (v as u32).to_be_bytes();
    out.extend_from_slice(&b[1..]);
}

fn extension(out: &mut Vec<u8>, ty: u16, body: &[u8]) {
    put_u16(out, ty);
    put_u16(out, body.len() as u16);
    out.extend_from_slice(body);
}

fn u16_list(items: &[u16]) -> Vec<u8> {
    let mut b = Vec::with_capacity(2 + items.len() * 2);
    put_u16(&mut b, (items.len() * 2) as u16);
    for i in items {
        put_u16(&mut b, *i);
    }
    b
}

/// A public key for the first group we can make one for (the private half is thrown away: the
/// probe never finishes the handshake).
fn key_share(groups: &[u16]) -> Option<(u16, Vec<u8>)> {
    let rng = SystemRandom::new();
    groups.iter().find_map(|g| {
        let alg = match g {
            0x001d => &agreement::X25519,
            0x0017 => &agreement::ECDH_P256,
            0x0018 => &agreement::ECDH_P384,
            _ => return None,
        };
        let key = agreement::EphemeralPrivateKey::generate(alg, &rng).ok()?;
        let public = key.compute_public_key().ok()?;
        Some((*g, public.as_ref().to_vec()))
    })
}

/// The extensions of the hello, padding excepted: SNI, groups, signature algorithms, and the
/// TLS 1.3 ones (supported_versions, psk modes, one key share).
fn extensions(spec: &HelloSpec<'_>) -> Vec<u8> {
    let mut exts = Vec::new();
    if let Some(name) = spec.sni {
        let name = name.as_bytes();
        let mut body = Vec::new();
        put_u16(&mut body, (name.len() + 3) as u16);
        body.push(0); // host_name
        put_u16(&mut body, name.len() as u16);
        body.extend_from_slice(name);
        extension(&mut exts, 0x0000, &body);
    }
    if spec.version > SSL3 {
        extension(&mut exts, 0x000a, &u16_list(spec.groups));
        extension(&mut exts, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
    }
    if spec.version >= TLS12 {
        extension(&mut exts, 0x000d, &u16_list(SIG_ALGS));
    }
    if spec.version > SSL3 {
        extension(&mut exts, 0x0017, &[]); // extended_master_secret
        extension(&mut exts, 0xff01, &[0]); // renegotiation_info, initial
    }
    if spec.version >= TLS13 {
        let mut versions = vec![TLS13];
        versions.extend(spec.also.iter().copied().filter(|v| *v < TLS13));
        let mut body = vec![(versions.len() * 2) as u8];
        for v in versions {
            body.extend_from_slice(&v.to_be_bytes());
        }
        extension(&mut exts, 0x002b, &body);
        extension(&mut exts, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
        let mut ks = Vec::new();
        if let Some((group, public)) = key_share(spec.groups) {
            put_u16(&mut ks, group);
            put_u16(&mut ks, public.len() as u16);
            ks.extend_from_slice(&public);
        }
        let mut body = Vec::new();
        put_u16(&mut body, ks.len() as u16);
        body.extend_from_slice(&ks);
        extension(&mut exts, 0x0033, &body);
    }
    exts
}

/// Encode a complete ClientHello record.
pub fn client_hello(spec: &HelloSpec<'_>) -> Vec<u8> {
    let tls13 = spec.version >= TLS13;
    let mut exts = extensions(spec);
    let mut random = [0u8; 32];
    let _ = ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut random);

    let mut body = Vec::new();
    put_u16(&mut body, if tls13 { TLS12 } else { spec.version });
    body.extend_from_slice(&random);
    if tls13 {
        // A legacy session id, as TLS 1.3 clients send for middlebox compatibility.
        body.push(32);
        body.extend_from_slice(&random);
    } else {
        body.push(0);
    }
    let suites: Vec<u16> = spec
        .suites
        .iter()
        .copied()
        .filter(|s| *s != 0x00ff)
        .collect();
    body.extend_from_slice(&u16_list(&suites));
    body.extend_from_slice(&[1, 0]); // compression: null
    // Some servers choke on hellos of 256–511 bytes: pad those to 512 (RFC 7685).
    let base = 4 + body.len() + 2 + exts.len();
    if (256..512).contains(&base) && spec.version > SSL3 {
        let pad = (512 - base).saturating_sub(4);
        extension(&mut exts, 0x0015, &vec![0u8; pad]);
    }
    if spec.version > SSL3 || !exts.is_empty() {
        put_u16(&mut body, exts.len() as u16);
        body.extend_from_slice(&exts);
    }

    let mut hs = vec![1u8]; // client_hello
    put_u24(&mut hs, body.len());
    hs.extend_from_slice(&body);

    let mut rec = vec![0x16];
    // Record version: what Schannel and most clients send (SSL 3.0 for an SSL 3.0 hello).
    put_u16(&mut rec, if spec.version <= SSL3 { SSL3 } else { 0x0301 });
    put_u16(&mut rec, hs.len() as u16);
    rec.extend_from_slice(&hs);
    rec
}
