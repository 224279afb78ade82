//! Lab servers on 127.0.0.1:0: rustls TLS servers that answer HTTP, plain HTTP servers, and raw
//! misbehaving peers. Each serves every connection until the test process ends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a lab HTTP server answers a request.
#[derive(Clone)]
pub enum Reply {
    /// A complete status, headers and body; `Date` is added from `date_offset` (seconds, signed).
    Http {
        status: &'static str,
        headers: Vec<(&'static str, String)>,
        body: String,
        date_offset: i64,
    },
    /// Bytes written as they are.
    Raw(Vec<u8>),
    /// Read the request and never answer.
    Silent,
    /// Read the request and close.
    Close,
}

impl Reply {
    pub fn status(status: &'static str) -> Reply {
        Reply::Http {
            status,
            headers: vec![("Content-Type", "text/html".into())],
            body: format!("<html><head><title>{status}</title></head><body>lab</body></html>"),
            date_offset: 0,
        }
    }

    pub fn ok() -> Reply {
        Reply::status("200 OK")
    }

    pub fn soap_ok() -> Reply {
        Reply::Http {
            status: "200 OK",
            headers: vec![("Content-Type", "text/xml; charset=utf-8".into())],
            body: SOAP_OK.into(),
            date_offset: 0,
        }
    }

    pub fn with_date_offset(self, secs: i64) -> Reply {
        match self {
            Reply::Http {
                status,
                headers,
                body,
                ..
            } => Reply::Http {
                status,
                headers,
                body,
                date_offset: secs,
            },
            other => other,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Reply::Http {
                status,
                headers,
                body,
                date_offset,
            } => {
                let now = SystemTime::now();
                let date = if *date_offset >= 0 {
                    now + Duration::from_secs(*date_offset as u64)
                } else {
                    now - Duration::from_secs((-*date_offset) as u64)
                };
                let mut s = format!(
                    "HTTP/1.1 {status}\r\nDate: {}\r\nServer: wsusprobe-lab\r\nContent-Length: {}\r\nConnection: close\r\n",
                    httpdate::fmt_http_date(date),
                    body.len()
                );
                for (k, v) in headers {
                    s.push_str(&format!("{k}: {v}\r\n"));
                }
                s.push_str("\r\n");
                s.push_str(body);
                s.into_bytes()
            }
            Reply::Raw(b) => b.clone(),
            Reply::Silent | Reply::Close => vec![],
        }
    }
}

pub const SOAP_OK: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><GetAuthConfigResponse xmlns=\"http://www.microsoft.com/SoftwareDistribution\"><GetAuthConfigResult><AuthInfo><AuthPlugInInfo><PlugInID>DssTargeting</PlugInID><ServiceUrl>DssAuthWebService/DssAuthWebService.asmx</ServiceUrl></AuthPlugInInfo></AuthInfo></GetAuthConfigResult></GetAuthConfigResponse></s:Body></s:Envelope>";

pub const SOAP_FAULT: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Fault occurred</faultstring><detail><ErrorCode>InternalServerError</ErrorCode></detail></soap:Fault></soap:Body></soap:Envelope>";

/// Read an HTTP request head (and a Content-Length body), bounded.
async fn read_request<S: AsyncRead + Unpin>(s: &mut S) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len && buf.len() < 1 << 20 {
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return;
        }
        if buf.len() > 1 << 20 {
            return;
        }
    }
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, reply: &Reply) {
    read_request(&mut s).await;
    match reply {
        Reply::Silent => tokio::time::sleep(Duration::from_secs(120)).await,
        Reply::Close => {}
        other => {
            let _ = s.write_all(&other.bytes()).await;
            let _ = s.flush().await;
            let _ = s.shutdown().await;
        }
    }
}

async fn listen() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

/// Plain HTTP server.
pub async fn http(reply: Reply) -> SocketAddr {
    let (l, _) = listen().await;
    http_on(l, reply)
}

/// Two listeners on adjacent ports (P, P+1), as WSUS's 8530/8531 pair.
pub async fn adjacent() -> (TcpListener, TcpListener) {
    loop {
        let (a, addr) = listen().await;
        if let Ok(b) = TcpListener::bind(("127.0.0.1", addr.port() + 1)).await {
            return (a, b);
        }
    }
}

/// Plain HTTP server on a given listener.
pub fn http_on(l: TcpListener, reply: Reply) -> SocketAddr {
    let a = l.local_addr().unwrap();
    let reply = Arc::new(reply);
    tokio::spawn(async move {
        loop {
            // A connection reset before it is accepted fails one accept, not the listener.
            let Ok((s, _)) = l.accept().await else {
                continue;
            };
            let reply = reply.clone();
            tokio::spawn(async move { answer(s, &reply).await });
        }
    });
    a
}

pub struct TlsSpec {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub provider: CryptoProvider,
    pub versions: Vec<&'static rustls::SupportedProtocolVersion>,
    pub reply: Reply,
}

impl TlsSpec {
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        reply: Reply,
    ) -> Self {
        Self {
            chain,
            key,
            provider: rustls::crypto::ring::default_provider(),
            versions: vec![&rustls::version::TLS12, &rustls::version::TLS13],
            reply,
        }
    }
}

#[derive(Debug)]
struct Fixed(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for Fixed {
    fn resolve(
        &self,
        _: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// rustls TLS server answering HTTP inside the tunnel.
pub async fn tls(spec: TlsSpec) -> SocketAddr {
    let (l, _) = listen().await;
    tls_on(l, spec)
}

/// rustls TLS server on a given listener.
pub fn tls_on(l: TcpListener, spec: TlsSpec) -> SocketAddr {
    // The chain is served as given, without rustls checking it (with_single_cert would refuse
    // the hostile certificates some tests serve).
    let key = spec
        .provider
        .key_provider
        .load_private_key(spec.key)
        .unwrap();
    let certified = Arc::new(rustls::sign::CertifiedKey::new(spec.chain, key));
    let cfg = ServerConfig::builder_with_provider(Arc::new(spec.provider))
        .with_protocol_versions(&spec.versions)
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(certified)));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let a = l.local_addr().unwrap();
    let reply = Arc::new(spec.reply);
    tokio::spawn(async move {
        loop {
            // A connection reset before it is accepted fails one accept, not the listener.
            let Ok((s, _)) = l.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let reply = reply.clone();
            tokio::spawn(async move {
                if let Ok(t) = acceptor.accept(s).await {
                    answer(t, &reply).await;
                }
            });
        }
    });
    a
}

/// What a raw (non-rustls) server does with the first bytes it gets.
#[derive(Clone)]
pub enum Raw {
    /// Reset the connection as soon as it is accepted.
    ResetOnAccept,
    /// Read the ClientHello, then reset.
    ResetAfterHello,
    /// Read the ClientHello, then close (FIN).
    CloseAfterHello,
    /// Read the ClientHello and never answer.
    Silent,
    /// Read the ClientHello, then write these bytes and close.
    Answer(Vec<u8>),
}

pub fn rst(s: TcpStream) {
    let std = s.into_std().unwrap();
    let _ = socket2::SockRef::from(&std).set_linger(Some(Duration::ZERO));
    drop(std);
}

pub async fn raw(behaviour: Raw) -> SocketAddr {
    let (l, a) = listen().await;
    tokio::spawn(async move {
        loop {
            // A connection reset before it is accepted fails one accept, not the listener.
            let Ok((mut s, _)) = l.accept().await else {
                continue;
            };
            let b = behaviour.clone();
            tokio::spawn(async move {
                if let Raw::ResetOnAccept = b {
                    rst(s);
                    return;
                }
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                match b {
                    Raw::ResetOnAccept => {}
                    Raw::ResetAfterHello => rst(s),
                    Raw::CloseAfterHello => drop(s),
                    Raw::Silent => tokio::time::sleep(Duration::from_secs(120)).await,
                    Raw::Answer(bytes) => {
                        let _ = s.write_all(&bytes).await;
                        let _ = s.shutdown().await;
                    }
                }
            });
        }
    });
    a
}

/// A ServerHello for `version` choosing `suite`, as a TLS 1.0-only server would send.
/// An SNI filter in front of `upstream`, as next-generation firewalls filter: it reads the
/// ClientHello, resets the connection when the hello names `blocked`, and relays it otherwise.
pub async fn sni_filter(blocked: &'static str, upstream: SocketAddr) -> SocketAddr {
    let (l, a) = listen().await;
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut hello = vec![0u8; 4096];
                let Ok(n) = s.read(&mut hello).await else {
                    return;
                };
                hello.truncate(n);
                if hello
                    .windows(blocked.len())
                    .any(|w| w == blocked.as_bytes())
                {
                    rst(s);
                    return;
                }
                let Ok(mut up) = TcpStream::connect(upstream).await else {
                    return;
                };
                if up.write_all(&hello).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut s, &mut up).await;
                }
            });
        }
    });
    a
}

/// A relay to `upstream` that counts the connections made to it.
pub async fn counted(
    upstream: SocketAddr,
) -> (SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (l, a) = listen().await;
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                continue;
            };
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut up) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut s, &mut up).await;
                }
            });
        }
    });
    (a, count)
}

pub fn server_hello(version: u16, suite: u16) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    body.extend_from_slice(&[7u8; 32]);
    body.push(0);
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0);
    let mut hs = vec![2u8, 0, (body.len() >> 8) as u8, body.len() as u8];
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01, (hs.len() >> 8) as u8, hs.len() as u8];
    rec.extend_from_slice(&hs);
    rec
}

/// A listener whose accept queue is full: new connection attempts get no answer.
pub fn black_hole() -> (std::net::TcpListener, Vec<std::net::TcpStream>, SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    s.listen(0).unwrap();
    let l: std::net::TcpListener = s.into();
    let a = l.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(c) = std::net::TcpStream::connect_timeout(&a, Duration::from_millis(200)) {
            fillers.push(c);
        }
    }
    (l, fillers, a)
}

/// A port with nothing listening on it: one no listener bound to port 0 can be given, and no
/// other test of this process is handed (see `ports`).
pub fn closed_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], super::ports::daemon_port()))
}
