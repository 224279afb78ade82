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
    /// Read the CONNECT and never answer.
    Silent,
    /// Read the CONNECT and close.
    Close,
}

async fn read_head(s: &mut TcpStream) -> Option<String> {
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

async fn serve_one(mut s: TcpStream, mode: Mode) {
    let Some(head) = read_head(&mut s).await else {
        return;
    };
    match mode {
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
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(serve_one(s, mode.clone()));
        }
    });
    a
}
