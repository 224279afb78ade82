//! The raw handshake engine: a ClientHello written byte by byte (any version, any suite code point)
//! and a reader for the server's first answer. It speaks the suites and versions rustls cannot
//! (CBC, static RSA, DHE, TLS 1.0/1.1), so the tls stage can tell *why* a handshake failed.
//!
//! Every read is bounded in bytes and time; malformed input is an outcome, never a panic.

use std::io;
use std::time::Duration;

pub mod server_flight;

use tls_parser::parse_tls_raw_record;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::deadline::Deadline;

pub mod client_hello;
pub mod offer;
pub mod scan;
pub mod sent;

pub use client_hello::{DEFAULT_GROUPS, HelloSpec, client_hello};
pub use offer::ClientOffer;

/// SSL 2.0's version number (its records have another framing).
pub const SSL2: u16 = 0x0002;
pub const SSL3: u16 = 0x0300;
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;
pub const TLS13: u16 = 0x0304;

/// How the server answered a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloOutcome {
    ServerHello {
        /// The negotiated version (from supported_versions for TLS 1.3).
        version: u16,
        suite: u16,
        /// A HelloRetryRequest: the server accepts the suite but wants another key share.
        hrr: bool,
        /// Key exchange group: key_share (TLS 1.3) or ServerKeyExchange (TLS ≤ 1.2), when read.
        group: Option<u16>,
        /// The certificate chain of a TLS ≤ 1.2 flight, when read.
        certificates: Vec<Vec<u8>>,
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

/// Most bytes read while waiting for the server's flight.
const MAX_FLIGHT: usize = 256 * 1024;

/// How much of the server's answer to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Stop at the ServerHello (enumeration).
    ServerHello,
    /// Read on to ServerHelloDone: certificate chain and key exchange group (TLS ≤ 1.2).
    Flight,
}

/// Send a ClientHello on `stream` and read the server's answer up to the ServerHello.
pub async fn offer<S>(
    stream: &mut S,
    spec: &HelloSpec<'_>,
    deadline: &Deadline,
    cap: Duration,
) -> HelloOutcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    offer_until(stream, spec, Until::ServerHello, deadline, cap).await
}

/// Send a ClientHello and read the server's answer as far as `until` says.
pub async fn offer_until<S>(
    stream: &mut S,
    spec: &HelloSpec<'_>,
    until: Until,
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
    match deadline.run(Some(cap), read_answer(stream, until)).await {
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

async fn read_answer<S: AsyncRead + Unpin>(stream: &mut S, until: Until) -> HelloOutcome {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => {
                return if buf.is_empty() {
                    HelloOutcome::Closed
                } else {
                    parse_flight(&buf, true, until)
                };
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return io_outcome(&e),
        }
        match parse_flight(&buf, false, until) {
            HelloOutcome::Malformed(m) if m.is_empty() => {
                if buf.len() >= MAX_FLIGHT {
                    return HelloOutcome::Malformed(format!(
                        "the server's first flight did not end within {} KiB",
                        MAX_FLIGHT / 1024
                    ));
                }
            }
            other => return other,
        }
    }
}

/// Interpret what has been read so far, up to the ServerHello. `Malformed("")` means
/// "need more bytes".
pub fn parse_answer(buf: &[u8], at_eof: bool) -> HelloOutcome {
    parse_flight(buf, at_eof, Until::ServerHello)
}

/// An answer that is not TLS records at all, judged from its first bytes.
fn not_a_tls_record(buf: &[u8]) -> Option<HelloOutcome> {
    let first = *buf.first()?;
    // An SSL 2.0 SERVER-HELLO (two-byte header with the top bit set, message type 4): a server,
    // or a very old middlebox, that speaks nothing newer.
    if first & 0x80 != 0 && buf.len() >= 7 && buf[2] == 4 {
        return Some(HelloOutcome::ServerHello {
            version: SSL2,
            suite: 0,
            hrr: false,
            group: None,
            certificates: vec![],
        });
    }
    if !(0x14..=0x18).contains(&first) {
        return Some(HelloOutcome::NotTls {
            first_line: first_line(buf),
        });
    }
    None
}

/// Interpret what has been read so far. `Malformed("")` means "need more bytes".
pub fn parse_flight(buf: &[u8], at_eof: bool, until: Until) -> HelloOutcome {
    let need_more = HelloOutcome::Malformed(String::new());
    if buf.is_empty() {
        return need_more;
    }
    if let Some(answer) = not_a_tls_record(buf) {
        return answer;
    }
    let mut rest = buf;
    let mut handshake = Vec::new();
    let mut flight = server_flight::Flight::default();
    let mut complete = false;
    while !rest.is_empty() {
        match parse_tls_raw_record(rest) {
            Ok((next, rec)) => {
                rest = next;
                match rec.hdr.record_type.0 {
                    0x15 => {
                        // An alert after the ServerHello ends the flight; before it, it is the answer.
                        if flight.hello.is_some() {
                            complete = true;
                            break;
                        }
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
                        match server_flight::read_messages(&handshake, &mut flight) {
                            Err(m) => return HelloOutcome::Malformed(m),
                            Ok(done) => {
                                let hello_done =
                                    flight.hello.is_some() && (until == Until::ServerHello || done);
                                if hello_done {
                                    complete = true;
                                    break;
                                }
                            }
                        }
                    }
                    // ChangeCipherSpec (TLS 1.3 middlebox compatibility) and encrypted records
                    // after a TLS 1.3 ServerHello end what can be read in clear.
                    0x14 | 0x17 if flight.hello.is_some() => {
                        complete = true;
                        break;
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
    match flight.hello {
        Some(h) if complete || at_eof => HelloOutcome::ServerHello {
            version: h.version,
            suite: h.suite,
            hrr: h.hrr,
            group: h.group.or(flight.ske_group),
            certificates: flight.certificates,
        },
        _ if at_eof => {
            HelloOutcome::Malformed("connection closed in the middle of the server's answer".into())
        }
        _ => need_more,
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
        .unwrap_or_else(|| format!("unassigned ({code})"))
}

pub fn version_name(v: u16) -> String {
    match v {
        SSL2 => "SSL 2.0".into(),
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

    use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};

    #[test]
    fn hello_round_trips_through_tls_parser() {
        let rec = client_hello(&HelloSpec {
            version: TLS12,
            also: &[],
            suites: &[0xc030, 0xc028],
            groups: DEFAULT_GROUPS,
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
        assert_eq!(alert_name(250), "unassigned (250)");
    }
}
