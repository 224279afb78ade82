//! A scripted CONNECT proxy on 127.0.0.1:0 for the proxy behaviours Squid will not show on
//! demand: silence, a reset, garbage, odd statuses, and a Basic-auth check that tunnels for real.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
pub enum Mode {
    /// Tunnel to the address the CONNECT names (it must be a loopback host:port literal, or the
    /// given fixed upstream).
    Tunnel(SocketAddr),
    /// Require `Proxy-Authorization: Basic base64(user:pass)`, then tunnel to the upstream.
    Basic {
        user: String,
        pass: String,
        upstream: SocketAddr,
    },
    /// Answer every CONNECT with these bytes, then close.
    Answer(Vec<u8>),
    /// Require NTLMv2 (verified for real) on one kept-alive connection, then tunnel.
    Ntlm {
        user: String,
        domain: String,
        pass: String,
        upstream: SocketAddr,
    },
    /// Answer the NTLM NEGOTIATE with a challenge, then close before the AUTHENTICATE.
    NtlmDropAfterChallenge,
    /// Offer only `Negotiate` and refuse NTLM tokens inside it (a Kerberos-only proxy).
    KerberosOnly,
    /// Read the CONNECT and never answer.
    Silent,
    /// Read the CONNECT and close.
    Close,
}

pub async fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut b = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut b).await {
            Ok(1) => buf.push(b[0]),
            _ => return None,
        }
        if buf.len() > 65536 {
            return None;
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

async fn tunnel(mut client: TcpStream, upstream: SocketAddr) {
    if let Ok(mut up) = TcpStream::connect(upstream).await {
        let _ = client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await;
        let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
    } else {
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await;
    }
}

const SERVER_CHALLENGE: [u8; 8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];

/// A CHALLENGE message with TargetInfo (NbDomainName "LAB").
fn challenge_message() -> Vec<u8> {
    let mut ti = vec![2u8, 0, 6, 0];
    ti.extend("LAB".encode_utf16().flat_map(|u| u.to_le_bytes()));
    ti.extend_from_slice(&[0, 0, 0, 0]);
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend_from_slice(&2u32.to_le_bytes());
    m.extend_from_slice(&[0, 0, 0, 0, 48, 0, 0, 0]); // empty TargetName at 48
    m.extend_from_slice(&(0x0088_8205u32).to_le_bytes()); // UNICODE|NTLM|ALWAYS_SIGN|NTLM2_KEY|TARGET_INFO
    m.extend_from_slice(&SERVER_CHALLENGE);
    m.extend_from_slice(&[0; 8]);
    m.extend_from_slice(&(ti.len() as u16).to_le_bytes());
    m.extend_from_slice(&(ti.len() as u16).to_le_bytes());
    m.extend_from_slice(&48u32.to_le_bytes());
    m.extend_from_slice(&ti);
    m
}

fn ntlm_token(head: &str) -> Option<Vec<u8>> {
    head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("proxy-authorization") {
            return None;
        }
        let mut it = value.trim().splitn(2, ' ');
        let scheme = it.next()?;
        if !(scheme.eq_ignore_ascii_case("NTLM") || scheme.eq_ignore_ascii_case("Negotiate")) {
            return None;
        }
        base64::engine::general_purpose::STANDARD
            .decode(it.next()?.trim())
            .ok()
    })
}

/// The NTLM proxy: challenge on the same connection, then verify the NTLMv2 response.
async fn ntlm(
    mut s: TcpStream,
    mut head: String,
    user: &str,
    domain: &str,
    pass: &str,
    upstream: SocketAddr,
    drop_after: bool,
) {
    const DENY: &[u8] = b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\nContent-Length: 6\r\n\r\ndenied";
    for _ in 0..4 {
        match ntlm_token(&head) {
            None => {
                let _ = s.write_all(DENY).await;
                return;
            }
            Some(t) if t.get(8..12) == Some(&[1, 0, 0, 0]) => {
                let answer = format!(
                    "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM {}\r\nContent-Length: 6\r\n\r\ndenied",
                    base64::engine::general_purpose::STANDARD.encode(challenge_message())
                );
                let _ = s.write_all(answer.as_bytes()).await;
                if drop_after {
                    return;
                }
            }
            Some(t) => {
                let ok = match ntlmclient::Message::try_from(t.as_slice()) {
                    Ok(ntlmclient::Message::Authenticate(a)) => {
                        a.user_name.eq_ignore_ascii_case(user)
                            && a.domain_name == domain
                            && wsusprobe::auth::ntlm::verify_ntlmv2(
                                &wsusprobe::auth::ntlm::ntowf_v2(user, domain, pass),
                                &SERVER_CHALLENGE,
                                &a.ntlm_response,
                            )
                    }
                    _ => false,
                };
                if ok {
                    tunnel(s, upstream).await;
                } else {
                    let _ = s.write_all(DENY).await;
                }
                return;
            }
        }
        match read_head(&mut s).await {
            Some(h) => head = h,
            None => return,
        }
    }
}

async fn serve_one(mut s: TcpStream, mode: Mode) {
    let Some(head) = read_head(&mut s).await else {
        return;
    };
    match mode {
        Mode::Ntlm {
            user,
            domain,
            pass,
            upstream,
        } => ntlm(s, head, &user, &domain, &pass, upstream, false).await,
        Mode::NtlmDropAfterChallenge => {
            let up: SocketAddr = "127.0.0.1:9".parse().unwrap();
            ntlm(s, head, "x", "x", "x", up, true).await
        }
        Mode::KerberosOnly => {
            let _ = s
                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
        Mode::Tunnel(up) => tunnel(s, up).await,
        Mode::Basic {
            user,
            pass,
            upstream,
        } => {
            let want = format!(
                "proxy-authorization: basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
            )
            .to_ascii_lowercase();
            if head.to_ascii_lowercase().lines().any(|l| l.trim() == want) {
                tunnel(s, upstream).await;
            } else {
                let _ = s
                    .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"lab\"\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        }
        Mode::Answer(bytes) => {
            let _ = s.write_all(&bytes).await;
            let _ = s.shutdown().await;
        }
        Mode::Silent => tokio::time::sleep(Duration::from_secs(120)).await,
        Mode::Close => drop(s),
    }
}

pub async fn start(mode: Mode) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            // A connection reset before it is accepted fails one accept, not the listener.
            let Ok((s, _)) = l.accept().await else {
                continue;
            };
            tokio::spawn(serve_one(s, mode.clone()));
        }
    });
    a
}
