//! A ClientHello read back from the bytes a TLS client sent: what another stack (Schannel)
//! offered, in its order. The records may split the hello; they are joined first.

use tls_parser::{
    TlsExtension, TlsMessage, TlsMessageHandshake, TlsRecordType, parse_tls_extensions,
    parse_tls_message_handshake, parse_tls_raw_record,
};

/// What a ClientHello offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentHello {
    /// The versions offered, highest first: `supported_versions`, else the legacy version and
    /// what lies below it down to TLS 1.0.
    pub versions: Vec<u16>,
    /// The cipher suites, in the client's order (signalling values left out).
    pub suites: Vec<u16>,
}

/// Most handshake bytes joined (a ClientHello is a few hundred bytes; 64 KiB at most).
const MAX_HELLO: usize = 64 * 1024;

/// The ClientHello at the start of `sent`, if it is one.
pub fn read_client_hello(sent: &[u8]) -> Option<SentHello> {
    let mut handshake = Vec::new();
    let mut rest = sent;
    while !rest.is_empty() && handshake.len() < MAX_HELLO {
        let Ok((next, record)) = parse_tls_raw_record(rest) else {
            break;
        };
        if record.hdr.record_type != TlsRecordType::Handshake {
            break;
        }
        handshake.extend_from_slice(record.data);
        rest = next;
        // Enough once the handshake message's own length is in.
        if handshake.len() >= 4 {
            let len = u32::from_be_bytes([0, handshake[1], handshake[2], handshake[3]]) as usize;
            if handshake.len() >= len + 4 {
                break;
            }
        }
    }
    let (_, TlsMessage::Handshake(TlsMessageHandshake::ClientHello(hello))) =
        parse_tls_message_handshake(&handshake).ok()?
    else {
        return None;
    };
    let suites: Vec<u16> = hello
        .ciphers
        .iter()
        .map(|c| c.0)
        .filter(|c| *c != 0x00ff && *c != 0x5600 && (c & 0x0f0f) != 0x0a0a)
        .collect();
    let supported: Option<Vec<u16>> = hello
        .ext
        .and_then(|e| parse_tls_extensions(e).ok())
        .and_then(|(_, exts)| {
            exts.into_iter().find_map(|x| match x {
                TlsExtension::SupportedVersions(v) => Some(
                    v.iter()
                        .map(|v| v.0)
                        .filter(|v| (v & 0x0f0f) != 0x0a0a)
                        .collect(),
                ),
                _ => None,
            })
        });
    let versions = supported.unwrap_or_else(|| {
        let top = hello.version.0;
        (super::TLS10..=top.max(super::TLS10)).rev().collect()
    });
    Some(SentHello { versions, suites })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hello::{HelloSpec, client_hello};

    #[test]
    fn reads_back_a_hello_the_engine_built() {
        let spec = HelloSpec {
            version: 0x0303,
            also: &[],
            suites: &[0xc030, 0xc014, 0x002f],
            groups: crate::hello::DEFAULT_GROUPS,
            sni: Some("sws.update.microsoft.com"),
        };
        let bytes = client_hello(&spec);
        let read = read_client_hello(&bytes).expect("a ClientHello");
        assert_eq!(read.suites, [0xc030, 0xc014, 0x002f]);
        assert_eq!(read.versions, [0x0303, 0x0302, 0x0301]);
        let tls13 = client_hello(&HelloSpec {
            version: 0x0304,
            also: &[0x0303],
            suites: &[0x1302, 0xc030],
            groups: crate::hello::DEFAULT_GROUPS,
            sni: None,
        });
        assert_eq!(
            read_client_hello(&tls13).unwrap().versions,
            [0x0304, 0x0303]
        );
        assert!(read_client_hello(b"GET / HTTP/1.1\r\n").is_none());
        assert!(read_client_hello(&bytes[..20]).is_none());
    }
}
