//! Reading the server's flight: ServerHello (with supported_versions and key_share for TLS 1.3,
//! HelloRetryRequest), Certificate and the ServerKeyExchange's named group (TLS ≤ 1.2).
//! Handshake messages are walked by hand with every length checked; the ServerHello body and the
//! Certificate list are decoded by tls-parser.

use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};

/// The random of a HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Most certificates kept from a chain.
const MAX_CERTS: usize = 16;

#[derive(Debug, Clone, Copy)]
pub struct Hello {
    pub version: u16,
    pub suite: u16,
    pub hrr: bool,
    pub group: Option<u16>,
}

#[derive(Debug, Default)]
pub struct Flight {
    pub hello: Option<Hello>,
    pub certificates: Vec<Vec<u8>>,
    pub ske_group: Option<u16>,
}

/// Extensions of a ServerHello: (negotiated version, key_share group).
fn hello_extensions(mut ext: &[u8]) -> (Option<u16>, Option<u16>) {
    let (mut version, mut group) = (None, None);
    while ext.len() >= 4 {
        let ty = u16::from_be_bytes([ext[0], ext[1]]);
        let len = u16::from_be_bytes([ext[2], ext[3]]) as usize;
        let Some(body) = ext.get(4..4 + len) else {
            break;
        };
        match (ty, body) {
            (0x002b, [a, b, ..]) => version = Some(u16::from_be_bytes([*a, *b])),
            (0x0033, [a, b, ..]) => group = Some(u16::from_be_bytes([*a, *b])),
            _ => {}
        }
        ext = &ext[4 + len..];
    }
    (version, group)
}

/// Walk the complete handshake messages in `hs`, filling `flight`. Returns whether the flight is
/// over (ServerHelloDone seen, or a TLS 1.3 ServerHello: the rest is encrypted).
pub fn read_messages(hs: &[u8], flight: &mut Flight) -> Result<bool, String> {
    let mut rest = hs;
    while rest.len() >= 4 {
        let ty = rest[0];
        let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
        let Some(msg) = rest.get(..4 + len) else {
            return Ok(false); // incomplete: wait for more records
        };
        rest = &rest[4 + len..];
        match ty {
            2 => {
                if flight.hello.is_some() {
                    continue;
                }
                let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)))) =
                    parse_tls_message_handshake(msg)
                else {
                    return Err("ServerHello does not parse".into());
                };
                let (v13, group) = sh.ext.map(hello_extensions).unwrap_or((None, None));
                let hrr = sh.random == HRR_RANDOM;
                let version = v13.unwrap_or(sh.version.0);
                flight.hello = Some(Hello {
                    version,
                    suite: sh.cipher.0,
                    hrr,
                    group,
                });
                if version >= super::TLS13 || hrr {
                    return Ok(true);
                }
            }
            11 if flight.hello.is_some() => {
                if let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))) =
                    parse_tls_message_handshake(msg)
                {
                    flight.certificates = c
                        .cert_chain
                        .iter()
                        .take(MAX_CERTS)
                        .map(|raw| raw.data.to_vec())
                        .collect();
                }
            }
            // ServerKeyExchange: ECDHE params start with curve_type 3 (named_curve) and the group.
            12 if flight.hello.is_some() => {
                if let [3, a, b, ..] = &msg[4..] {
                    flight.ske_group = Some(u16::from_be_bytes([*a, *b]));
                }
            }
            14 if flight.hello.is_some() => return Ok(true),
            _ if flight.hello.is_none() => {
                return Err(format!("handshake message {ty} before the ServerHello"));
            }
            _ => {}
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(
            hello_extensions(&[0, 0x2b, 0, 2, 3, 4, 0, 0x33, 0, 2, 0, 0x1d]),
            (Some(0x0304), Some(0x001d))
        );
        assert_eq!(hello_extensions(&[0, 0x2b, 0, 9, 3]), (None, None));
        assert_eq!(hello_extensions(&[]), (None, None));
    }

    #[test]
    fn hostile_messages() {
        let mut f = Flight::default();
        assert!(read_messages(&[11, 0, 0, 0], &mut f).is_err());
        assert_eq!(read_messages(&[2, 0xff, 0xff, 0xff, 1], &mut f), Ok(false));
        assert!(read_messages(&[2, 0, 0, 1, 0], &mut f).is_err());
    }
}
