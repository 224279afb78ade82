//! Stage `proxy`: open a tunnel with `CONNECT host:port`, answer a 407 once with Basic
//! credentials, and classify the proxy's answer by its own error marker and status.
//!
//! The password is read here and nowhere else: it goes into the `Proxy-Authorization` header and
//! is never copied into a message, a detail or a log.

use std::time::Instant;

use base64::Engine as _;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::deadline::Deadline;
use crate::config::{ProxyAuth, ProxySpec};
use crate::hello::first_line;
use crate::knowledge::proxies;
use crate::model::{Kind, Stage, StageResult};

/// Most bytes of a proxy's answer header read before giving up on it.
pub const MAX_HEAD: usize = 64 * 1024;

/// A proxy's answer, as far as it was read.
#[derive(Debug, Clone)]
pub enum Answer {
    Head(ProxyHead),
    Timeout { bytes: usize },
    Closed { bytes: usize },
    Reset,
    NotHttp(String),
    TooLarge,
}

#[derive(Debug, Clone)]
pub struct ProxyHead {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
}

impl ProxyHead {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The scheme names offered in `Proxy-Authenticate` (Basic, NTLM, Negotiate…).
    pub fn schemes(&self) -> Vec<String> {
        self.all("proxy-authenticate")
            .iter()
            .filter_map(|v| v.split_whitespace().next().map(str::to_string))
            .collect()
    }
}

/// The `Proxy-Authorization` value for Basic. Kept in a local; never formatted anywhere else.
pub(crate) fn basic(auth: &ProxyAuth) -> String {
    let raw = format!("{}:{}", auth.user, auth.password.expose_secret());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
    )
}

/// `host:port` as it goes in the CONNECT line (IPv6 in brackets).
pub fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Read an HTTP answer header byte by byte, so no byte of the tunnel is consumed.
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S, deadline: &Deadline) -> Answer {
    let mut buf: Vec<u8> = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    loop {
        match deadline.run(None, stream.read(&mut byte)).await {
            None => return Answer::Timeout { bytes: buf.len() },
            Some(Ok(0)) => return Answer::Closed { bytes: buf.len() },
            Some(Ok(_)) => buf.push(byte[0]),
            Some(Err(e)) => {
                return match e.kind() {
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                        Answer::Reset
                    }
                    _ => Answer::Closed { bytes: buf.len() },
                };
            }
        }
        if buf.len() <= 5 && !b"HTTP/".starts_with(&buf) {
            return Answer::NotHttp(first_line(&buf));
        }
        if buf.ends_with(b"\r\n\r\n") || buf.ends_with(b"\n\n") {
            return parse_head(&buf);
        }
        if buf.len() >= MAX_HEAD {
            return Answer::TooLarge;
        }
    }
}

pub fn parse_head(buf: &[u8]) -> Answer {
    let mut headers = [httparse::EMPTY_HEADER; 100];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(_)) => Answer::Head(ProxyHead {
            status: resp.code.unwrap_or(0),
            reason: resp.reason.unwrap_or("").to_string(),
            headers: resp
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).chars().take(512).collect(),
                    )
                })
                .collect(),
        }),
        _ => Answer::NotHttp(first_line(buf)),
    }
}

/// Send one CONNECT (with credentials when given) and read the answer.
async fn connect_once<S>(
    stream: &mut S,
    target: &str,
    auth: Option<&ProxyAuth>,
    deadline: &Deadline,
) -> Answer
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let ua = concat!("wsusprobe/", env!("CARGO_PKG_VERSION"));
    let mut req = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {ua}\r\n");
    if let Some(a) = auth {
        req.push_str("Proxy-Authorization: ");
        req.push_str(&basic(a));
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    match deadline.run(None, stream.write_all(req.as_bytes())).await {
        None => return Answer::Timeout { bytes: 0 },
        Some(Err(_)) => return Answer::Reset,
        Some(Ok(())) => {}
    }
    drop(req);
    read_head(stream, deadline).await
}

fn leg_detail(request: &str, auth: Option<&ProxyAuth>, answer: &Answer) -> Value {
    let auth_desc = auth.map(|a| format!("Basic (user {})", a.user));
    match answer {
        Answer::Head(h) => json!({
            "request": request,
            "credentials": auth_desc,
            "status_line": format!("{} {}", h.status, h.reason).trim().to_string(),
            "x_squid_error": h.header("x-squid-error"),
            "proxy_authenticate": h.all("proxy-authenticate"),
            "server": h.header("server"),
            "via": h.header("via"),
        }),
        Answer::Timeout { bytes } => {
            json!({"request": request, "credentials": auth_desc, "answer": format!("timeout after {bytes} bytes")})
        }
        Answer::Closed { bytes } => {
            json!({"request": request, "credentials": auth_desc, "answer": format!("closed after {bytes} bytes")})
        }
        Answer::Reset => json!({"request": request, "credentials": auth_desc, "answer": "reset"}),
        Answer::NotHttp(l) => {
            json!({"request": request, "credentials": auth_desc, "answer": format!("not HTTP: {l}")})
        }
        Answer::TooLarge => {
            json!({"request": request, "credentials": auth_desc, "answer": format!("header over {} KiB", MAX_HEAD / 1024)})
        }
    }
}

/// The proxy-stage verdict of an answer that is not a tunnel (or of a forwarded request's answer
/// that came from the proxy itself). `creds_sent` turns a 407 into `auth_rejected`.
pub fn classify(answer: &Answer, creds_sent: bool) -> (Kind, String) {
    match answer {
        Answer::Head(h) => {
            let line = format!("{} {}", h.status, h.reason).trim().to_string();
            if h.status == 407 {
                let schemes = h.schemes();
                let offered = if schemes.is_empty() {
                    "no scheme offered".to_string()
                } else {
                    format!("offers {}", schemes.join(", "))
                };
                return if creds_sent {
                    (
                        Kind::AuthRejected,
                        format!("the proxy rejected the credentials ({line} again; it {offered})"),
                    )
                } else {
                    (
                        Kind::AuthRequired,
                        format!(
                            "the proxy requires authentication ({line}; it {offered}); give --proxy-user"
                        ),
                    )
                };
            }
            if let Some(m) = h.header("x-squid-error").and_then(proxies::squid_marker) {
                let raw = h.header("x-squid-error").unwrap_or_default();
                return (m.kind, format!("{line}, {raw}: {}", m.meaning));
            }
            let kind = proxies::kind_for_status(h.status);
            let what = match kind {
                Kind::Forbidden => "the proxy's policy denies this destination",
                Kind::UpstreamUnreachable => "the proxy could not reach the target",
                Kind::UpstreamTimeout => "the proxy timed out reaching the target",
                Kind::Unavailable => "the proxy says it is unavailable",
                _ => "unexpected answer to CONNECT",
            };
            (kind, format!("{line}: {what}"))
        }
        Answer::Timeout { bytes: 0 } => (
            Kind::Timeout,
            "the proxy accepted the connection but did not answer the CONNECT in time".into(),
        ),
        Answer::Timeout { bytes } => (
            Kind::Timeout,
            format!("the proxy's answer stopped after {bytes} bytes, before its header ended"),
        ),
        Answer::Closed { bytes } => (
            Kind::Closed,
            format!(
                "the proxy closed the connection after {bytes} bytes, without a complete answer"
            ),
        ),
        Answer::Reset => (
            Kind::Closed,
            "the proxy reset the connection instead of answering".into(),
        ),
        Answer::NotHttp(l) => (
            Kind::NotHttp,
            format!("the proxy port does not answer in HTTP: \"{l}\""),
        ),
        Answer::TooLarge => (
            Kind::NotHttp,
            format!(
                "the proxy's answer header is larger than {} KiB",
                MAX_HEAD / 1024
            ),
        ),
    }
}

pub struct ProxyOutcome {
    pub result: StageResult,
    pub stream: Option<TcpStream>,
}

/// Open a tunnel to `host:port` through the proxy on `stream`. A 407 is answered once, on a new
/// connection from `redial`, when credentials are configured.
pub async fn tunnel<F, Fut>(
    proxy: &ProxySpec,
    stream: TcpStream,
    host: &str,
    port: u16,
    auth: Option<&ProxyAuth>,
    redial: F,
    deadline: &Deadline,
) -> ProxyOutcome
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Option<TcpStream>>,
{
    let started = Instant::now();
    let target = authority(host, port);
    let request = format!("CONNECT {target}");
    let mut stream = stream;
    let mut legs = Vec::new();
    let mut answer = connect_once(&mut stream, &target, None, deadline).await;
    legs.push(leg_detail(&request, None, &answer));
    let mut creds_sent = false;
    if let (Answer::Head(h), Some(a)) = (&answer, auth)
        && h.status == 407
    {
        match redial().await {
            Some(s) => {
                stream = s;
                answer = connect_once(&mut stream, &target, Some(a), deadline).await;
                legs.push(leg_detail(&request, Some(a), &answer));
                creds_sent = true;
            }
            None => {
                legs.push(json!({"request": request, "answer": "could not reconnect to the proxy to send credentials"}));
            }
        }
    }
    let mut detail = json!({
        "proxy": proxy.url,
        "target": target,
        "legs": legs,
    });
    if creds_sent {
        detail["warning"] =
            json!("Basic authentication sends the password to the proxy in clear text (base64)");
    }
    let result = match &answer {
        Answer::Head(h) if (200..300).contains(&h.status) => {
            let how = if creds_sent {
                " after Basic authentication"
            } else {
                ""
            };
            let mut msg = format!(
                "tunnel to {target} open ({} {}){how}",
                h.status,
                h.reason.trim()
            );
            if creds_sent {
                msg.push_str("; note: Basic sends the password in clear to the proxy");
            }
            StageResult::pass(Stage::Proxy, msg, detail)
        }
        other => {
            let (kind, msg) = classify(other, creds_sent);
            if let Answer::Head(h) = other {
                detail["status"] = json!(h.status);
            }
            StageResult::fail(Stage::Proxy, kind, msg, detail)
        }
    };
    let ok = !result.failed();
    ProxyOutcome {
        result: result.with_elapsed(started.elapsed()),
        stream: ok.then_some(stream),
    }
}

/// A tunnel for follow-up probes: credentials are sent at once when configured.
pub async fn open(
    mut stream: TcpStream,
    host: &str,
    port: u16,
    auth: Option<&ProxyAuth>,
    deadline: &Deadline,
) -> Option<TcpStream> {
    match connect_once(&mut stream, &authority(host, port), auth, deadline).await {
        Answer::Head(h) if (200..300).contains(&h.status) => Some(stream),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> Answer {
        parse_head(raw.as_bytes())
    }

    #[test]
    fn classifies_squid_answers() {
        let a = head(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nProxy-Authenticate: NTLM\r\n\r\n",
        );
        let (k, m) = classify(&a, false);
        assert_eq!(k, Kind::AuthRequired);
        assert!(m.contains("Basic, NTLM"), "{m}");
        assert_eq!(classify(&a, true).0, Kind::AuthRejected);
        let a =
            head("HTTP/1.1 503 Service Unavailable\r\nX-Squid-Error: ERR_CONNECT_FAIL 111\r\n\r\n");
        assert_eq!(classify(&a, false).0, Kind::UpstreamUnreachable);
        let a = head(
            "HTTP/1.1 500 Internal Server Error\r\nX-Squid-Error: ERR_CANNOT_FORWARD 0\r\n\r\n",
        );
        assert_eq!(classify(&a, false).0, Kind::UpstreamDnsFailed);
        assert_eq!(
            classify(&head("HTTP/1.1 502 Bad Gateway\r\n\r\n"), false).0,
            Kind::UpstreamUnreachable
        );
        assert_eq!(
            classify(&head("HTTP/1.0 503 Busy\r\n\r\n"), false).0,
            Kind::Unavailable
        );
        assert_eq!(
            classify(&head("HTTP/1.1 403 Forbidden\r\n\r\n"), false).0,
            Kind::Forbidden
        );
        assert_eq!(
            classify(&head("HTTP/1.1 302 Found\r\n\r\n"), false).0,
            Kind::UnexpectedStatus
        );
        assert_eq!(classify(&head("garbage\r\n\r\n"), false).0, Kind::NotHttp);
    }

    #[test]
    fn basic_header_is_rfc7617() {
        let a = ProxyAuth {
            user: "Aladdin".into(),
            password: "open sesame".to_string().into(),
        };
        assert_eq!(basic(&a), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(!format!("{a:?}").contains("open sesame"));
    }
}
