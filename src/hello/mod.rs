//! The raw handshake engine: a ClientHello written byte by byte (any version, any suite code point)
//! and a reader for the server's first answer. It speaks the suites and versions rustls cannot
//! (CBC, static RSA, DHE, TLS 1.0/1.1), so the tls stage can tell *why* a handshake failed.
//!
//! Every read is bounded in bytes and time; malformed input is an outcome, never a panic.

use std::io;
use std::time::Duration;

use tls_parser::{
    TlsMessage, TlsMessageHandshake, parse_tls_message_handshake, parse_tls_raw_record,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::probe::deadline::Deadline;

pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;
pub const TLS13: u16 = 0x0304;

/// What to put in the ClientHello.
#[derive(Debug, Clone)]
pub struct HelloSpec<'a> {
    /// Highest version offered (legacy_version field).
    pub version: u16,
    pub suites: &'a [u16],
    /// Server name for SNI; `None` for address literals.
    pub sni: Option<&'a str>,
}

/// How the server answered a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloOutcome {
    ServerHello {
        version: u16,
        suite: u16,
    },
    Alert {
        level: u8,
        code: u8,
    },
    /// The peer closed the connection (FIN) without answering.
    Closed,
    /// The peer reset the connection.
    Reset,
    Timeout,
    /// The answer is not TLS; the first line of it, printable characters only.
    NotTls {
        first_line: String,
    },
    /// TLS framing that does not parse.
    Malformed(String),
}

/// Most bytes read while waiting for the ServerHello.
const MAX_FLIGHT: usize = 64 * 1024;

const GROUPS: &[u16] = &[0x001d, 0x0017, 0x0018]; // x25519, secp256r1, secp384r1
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

/// Encode a complete ClientHello record (TLS ≤ 1.2 framing).
pub fn client_hello(spec: &HelloSpec<'_>) -> Vec<u8> {
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
    extension(&mut exts, 0x000a, &u16_list(GROUPS));
    extension(&mut exts, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
    if spec.version >= TLS12 {
        extension(&mut exts, 0x000d, &u16_list(SIG_ALGS));
    }
    extension(&mut exts, 0x0017, &[]); // extended_master_secret
    extension(&mut exts, 0xff01, &[0]); // renegotiation_info, initial

    let mut random = [0u8; 32];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random);

    let mut body = Vec::new();
    put_u16(&mut body, spec.version);
    body.extend_from_slice(&random);
    body.push(0); // empty session id
    let suites: Vec<u16> = spec
        .suites
        .iter()
        .copied()
        .filter(|s| *s != 0x00ff)
        .collect();
    body.extend_from_slice(&u16_list(&suites));
    body.extend_from_slice(&[1, 0]); // compression: null
    put_u16(&mut body, exts.len() as u16);
    body.extend_from_slice(&exts);

    let mut hs = vec![1u8]; // client_hello
    put_u24(&mut hs, body.len());
    hs.extend_from_slice(&body);

    let mut rec = vec![0x16];
    put_u16(&mut rec, TLS10); // record version: what Schannel and most clients send
    put_u16(&mut rec, hs.len() as u16);
    rec.extend_from_slice(&hs);
    rec
}

/// Send a ClientHello on `stream` and read the server's first answer.
pub async fn offer<S>(
    stream: &mut S,
    spec: &HelloSpec<'_>,
    deadline: &Deadline,
    cap: Duration,
) -> HelloOutcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let hello = client_hello(spec);
    match deadline.run(Some(cap), stream.write_all(&hello)).await {
        None => return HelloOutcome::Timeout,
        Some(Err(e)) => return io_outcome(&e),
        Some(Ok(())) => {}
    }
    match deadline.run(Some(cap), read_first_answer(stream)).await {
        None => HelloOutcome::Timeout,
        Some(o) => o,
    }
}

fn io_outcome(e: &io::Error) -> HelloOutcome {
    match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => HelloOutcome::Reset,
        io::ErrorKind::UnexpectedEof => HelloOutcome::Closed,
        _ => HelloOutcome::Malformed(format!("I/O error: {e}")),
    }
}

async fn read_first_answer<S: AsyncRead + Unpin>(stream: &mut S) -> HelloOutcome {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => {
                return if buf.is_empty() {
                    HelloOutcome::Closed
                } else {
                    parse_answer(&buf, true)
                };
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return io_outcome(&e),
        }
        match parse_answer(&buf, false) {
            HelloOutcome::Malformed(m) if m.is_empty() => {
                if buf.len() >= MAX_FLIGHT {
                    return HelloOutcome::Malformed(format!(
                        "no ServerHello within the first {MAX_FLIGHT} bytes"
                    ));
                }
            }
            other => return other,
        }
    }
}

/// Interpret what has been read so far. `Malformed("")` means "need more bytes".
pub fn parse_answer(buf: &[u8], at_eof: bool) -> HelloOutcome {
    let need_more = HelloOutcome::Malformed(String::new());
    let Some(&first) = buf.first() else {
        return need_more;
    };
    if !(0x14..=0x18).contains(&first) {
        return HelloOutcome::NotTls {
            first_line: first_line(buf),
        };
    }
    let mut rest = buf;
    let mut handshake = Vec::new();
    loop {
        if rest.is_empty() {
            break;
        }
        match parse_tls_raw_record(rest) {
            Ok((next, rec)) => {
                rest = next;
                match rec.hdr.record_type.0 {
                    0x15 => {
                        return match rec.data {
                            [level, code, ..] => HelloOutcome::Alert {
                                level: *level,
                                code: *code,
                            },
                            _ => HelloOutcome::Malformed("truncated alert record".into()),
                        };
                    }
                    0x16 => {
                        handshake.extend_from_slice(rec.data);
                        if let Some(o) = server_hello(&handshake) {
                            return o;
                        }
                    }
                    other => {
                        return HelloOutcome::Malformed(format!(
                            "record type {other} before the ServerHello"
                        ));
                    }
                }
            }
            Err(tls_parser::nom::Err::Incomplete(_)) => break,
            Err(_) => return HelloOutcome::Malformed("TLS record header does not parse".into()),
        }
    }
    if at_eof {
        HelloOutcome::Malformed("connection closed in the middle of the server's answer".into())
    } else {
        need_more
    }
}

fn server_hello(handshake: &[u8]) -> Option<HelloOutcome> {
    match parse_tls_message_handshake(handshake) {
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)))) => {
            Some(HelloOutcome::ServerHello {
                version: sh.version.0,
                suite: sh.cipher.0,
            })
        }
        Ok((_, TlsMessage::Handshake(other))) => Some(HelloOutcome::Malformed(format!(
            "first handshake message is not a ServerHello ({})",
            handshake_name(&other)
        ))),
        Ok(_) => Some(HelloOutcome::Malformed("unexpected message".into())),
        Err(tls_parser::nom::Err::Incomplete(_)) => None,
        Err(_) => Some(HelloOutcome::Malformed("ServerHello does not parse".into())),
    }
}

fn handshake_name(m: &TlsMessageHandshake<'_>) -> &'static str {
    match m {
        TlsMessageHandshake::HelloRequest => "HelloRequest",
        TlsMessageHandshake::ServerHelloV13Draft18(_) => "ServerHello (draft)",
        TlsMessageHandshake::Certificate(_) => "Certificate",
        TlsMessageHandshake::ServerKeyExchange(_) => "ServerKeyExchange",
        TlsMessageHandshake::ServerDone(_) => "ServerHelloDone",
        _ => "another handshake message",
    }
}

/// The first line of a non-TLS answer, printable ASCII only, at most 120 characters.
pub fn first_line(buf: &[u8]) -> String {
    let line = buf
        .split(|b| *b == b'\n' || *b == b'\r')
        .next()
        .unwrap_or_default();
    let s: String = line
        .iter()
        .take(120)
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            }
        })
        .collect();
    s
}

/// IANA names of TLS alerts (RFC 8446 §6 and older).
static ALERTS: &[(u8, &str)] = &[
    (0, "close_notify"),
    (10, "unexpected_message"),
    (20, "bad_record_mac"),
    (21, "decryption_failed"),
    (22, "record_overflow"),
    (30, "decompression_failure"),
    (40, "handshake_failure"),
    (41, "no_certificate"),
    (42, "bad_certificate"),
    (43, "unsupported_certificate"),
    (44, "certificate_revoked"),
    (45, "certificate_expired"),
    (46, "certificate_unknown"),
    (47, "illegal_parameter"),
    (48, "unknown_ca"),
    (49, "access_denied"),
    (50, "decode_error"),
    (51, "decrypt_error"),
    (60, "export_restriction"),
    (70, "protocol_version"),
    (71, "insufficient_security"),
    (80, "internal_error"),
    (86, "inappropriate_fallback"),
    (90, "user_canceled"),
    (100, "no_renegotiation"),
    (109, "missing_extension"),
    (110, "unsupported_extension"),
    (112, "unrecognized_name"),
    (113, "bad_certificate_status_response"),
    (115, "unknown_psk_identity"),
    (116, "certificate_required"),
    (120, "no_application_protocol"),
];

pub fn alert_name(code: u8) -> String {
    ALERTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| (*n).to_string())
        .unwrap_or_else(|| format!("alert {code}"))
}

pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        TLS10 => "TLS 1.0".into(),
        TLS11 => "TLS 1.1".into(),
        TLS12 => "TLS 1.2".into(),
        TLS13 => "TLS 1.3".into(),
        other => format!("0x{other:04X}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_through_tls_parser() {
        let rec = client_hello(&HelloSpec {
            version: TLS12,
            suites: &[0xc030, 0xc028],
            sni: Some("sws.update.microsoft.com"),
        });
        let (rest, raw) = parse_tls_raw_record(&rec).expect("record");
        assert!(rest.is_empty());
        match parse_tls_message_handshake(raw.data).expect("hs").1 {
            TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) => {
                assert_eq!(ch.version.0, TLS12);
                let ids: Vec<u16> = ch.ciphers.iter().map(|c| c.0).collect();
                assert_eq!(ids, vec![0xc030, 0xc028]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn answers() {
        assert_eq!(
            parse_answer(&[0x15, 3, 3, 0, 2, 2, 40], false),
            HelloOutcome::Alert { level: 2, code: 40 }
        );
        assert!(
            matches!(parse_answer(b"HTTP/1.1 403 Forbidden\r\n", false), HelloOutcome::NotTls { first_line } if first_line == "HTTP/1.1 403 Forbidden")
        );
        assert_eq!(
            parse_answer(&[0x16, 3, 3, 0, 50], false),
            HelloOutcome::Malformed(String::new())
        );
        assert!(
            matches!(parse_answer(&[0x16, 3, 3, 0, 50], true), HelloOutcome::Malformed(m) if !m.is_empty())
        );
        assert!(matches!(
            parse_answer(&[0x17, 3, 3, 0, 1, 0], false),
            HelloOutcome::Malformed(_)
        ));
        assert_eq!(alert_name(70), "protocol_version");
        assert_eq!(alert_name(250), "alert 250");
    }
}
