//! Stage `proxy`: open a tunnel with `CONNECT host:port`, answer a 407 with Basic or NTLM
//! credentials (see `auth`), and classify the proxy's answer by its own error marker and status.
//!
//! Credentials only ever go into the `Proxy-Authorization` header: never into a message, a detail
//! or a log.

use std::time::Instant;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::deadline::Deadline;
use crate::auth;
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

/// The `Proxy-Authorization` value for Basic (forwarded http:// requests).
pub(crate) fn basic(auth: &ProxyAuth) -> String {
    auth::basic_header(auth)
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

/// An answer header as parsed by httparse, owned (header values cut at 512 characters).
pub(crate) fn head_of(resp: &httparse::Response<'_, '_>) -> ProxyHead {
    ProxyHead {
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
    }
}

pub fn parse_head(buf: &[u8]) -> Answer {
    let mut headers = [httparse::EMPTY_HEADER; 100];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(_)) => Answer::Head(head_of(&resp)),
        _ => Answer::NotHttp(first_line(buf)),
    }
}

/// Send one CONNECT (with a `Proxy-Authorization` value when given) and read the answer header.
async fn connect_once<S>(
    stream: &mut S,
    target: &str,
    authz: Option<&str>,
    deadline: &Deadline,
) -> Answer
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let ua = concat!("wsusprobe/", env!("CARGO_PKG_VERSION"));
    let mut req = format!(
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {ua}\r\nProxy-Connection: Keep-Alive\r\n"
    );
    if let Some(v) = authz {
        req.push_str("Proxy-Authorization: ");
        req.push_str(v);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    log::trace!(
        "proxy request: {}",
        redact_authorization(&req).escape_debug()
    );
    match deadline.run(None, stream.write_all(req.as_bytes())).await {
        None => return Answer::Timeout { bytes: 0 },
        Some(Err(_)) => return Answer::Reset,
        Some(Ok(())) => {}
    }
    drop(req);
    let answer = read_head(stream, deadline).await;
    log::debug!(
        "proxy answer to CONNECT {target}: {}",
        answer_summary(&answer)
    );
    answer
}

/// A request head for the trace log: the value of every Proxy-Authorization or Authorization
/// header is replaced by its scheme and the word `<redacted>`.
pub fn redact_authorization(head: &str) -> String {
    head.split_inclusive("\r\n")
        .map(|line| {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("proxy-authorization:") || lower.starts_with("authorization:") {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                let scheme = value.split_whitespace().next().unwrap_or("");
                format!("{name}: {scheme} <redacted>\r\n")
            } else {
                line.to_string()
            }
        })
        .collect()
}

fn answer_summary(answer: &Answer) -> String {
    match answer {
        Answer::Head(h) => format!("{} {}", h.status, h.reason),
        other => format!("{other:?}").chars().take(200).collect(),
    }
}

/// Read and discard the body of a 407 so the next leg can use the same connection.
async fn drain_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    head: &ProxyHead,
    deadline: &Deadline,
) -> bool {
    let len: usize = head
        .header("content-length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if len > MAX_HEAD {
        return false;
    }
    let mut body = vec![0u8; len];
    matches!(
        deadline.run(None, stream.read_exact(&mut body)).await,
        Some(Ok(_))
    )
}

fn leg_detail(request: &str, auth_desc: Option<String>, answer: &Answer) -> Value {
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

/// What the CONNECT exchange came to.
struct Negotiated {
    answer: Answer,
    stream: TcpStream,
    legs: Vec<Value>,
    /// The scheme credentials were sent with.
    scheme: Option<&'static str>,
    offered: Vec<String>,
    /// A verdict decided before the last answer (nothing doable offered, a bad challenge…).
    early: Option<(Kind, String)>,
}

/// Most CONNECTs one exchange sends (plain, then at most three authentication legs).
const MAX_LEGS: usize = 4;

/// CONNECT without credentials; on a 407 with credentials configured, answer with the scheme
/// chosen from what the proxy offers, on a new connection, for as many legs as it takes.
async fn negotiate<F, Fut>(
    stream: TcpStream,
    target: &str,
    auth: Option<&ProxyAuth>,
    known: Option<Vec<String>>,
    redial: F,
    deadline: &Deadline,
) -> Negotiated
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Option<TcpStream>>,
{
    let request = format!("CONNECT {target}");
    let mut n = Negotiated {
        legs: vec![],
        answer: Answer::Reset,
        stream,
        scheme: None,
        offered: vec![],
        early: None,
    };
    // When an earlier tunnel learned what the proxy wants, authenticate at once on this
    // connection instead of asking again.
    let reuse = matches!((&known, auth), (Some(o), Some(_)) if !o.is_empty());
    let first = if reuse {
        n.offered = known.unwrap_or_default();
        None
    } else {
        let answer = connect_once(&mut n.stream, target, None, deadline).await;
        n.legs.push(leg_detail(&request, None, &answer));
        Some(answer)
    };
    let Some(a) = auth else {
        n.answer = first.unwrap_or(Answer::Reset);
        return n;
    };
    if let Some(answer) = first {
        match &answer {
            Answer::Head(h) if h.status == 407 => n.offered = h.schemes(),
            _ => {
                n.answer = answer;
                return n;
            }
        }
    }
    let mut answer = Answer::Reset;
    let Some(mut ex) = auth::choose(&n.offered, a.scheme, a) else {
        let offered = if n.offered.is_empty() {
            "no scheme".to_string()
        } else {
            n.offered.join(", ")
        };
        n.early = Some((
            Kind::AuthRequired,
            format!(
                "the proxy offers {offered}, and wsusprobe answers only Basic and NTLM (also inside Negotiate){}",
                if a.scheme == auth::SchemeChoice::Auto {
                    ""
                } else {
                    " as chosen with --proxy-auth"
                }
            ),
        ));
        return n;
    };
    let scheme = ex.scheme();
    n.scheme = Some(scheme);
    if !reuse {
        let Some(fresh) = redial().await else {
            n.early = Some((
                Kind::Closed,
                "could not reconnect to the proxy to authenticate".into(),
            ));
            return n;
        };
        n.stream = fresh;
    }
    let desc = |leg: &str| Some(format!("{scheme} {leg} (user {})", a.user));
    let mut token = match ex.start() {
        Ok(t) => t,
        Err(e) => {
            n.early = Some((Kind::AuthRequired, e.0));
            n.answer = answer;
            return n;
        }
    };
    let mut leg = if ex.connection_bound() {
        "NEGOTIATE"
    } else {
        "credentials"
    };
    for _ in 1..MAX_LEGS {
        answer = connect_once(&mut n.stream, target, Some(&token), deadline).await;
        n.legs.push(leg_detail(&request, desc(leg), &answer));
        let Answer::Head(h) = &answer else {
            if ex.connection_bound() && leg == "NEGOTIATE" {
                let (_, what) = classify(&answer, false);
                n.early = Some((
                    Kind::Closed,
                    format!(
                        "the proxy dropped the connection in the middle of the {scheme} exchange: {what}"
                    ),
                ));
            }
            break;
        };
        if h.status != 407 || !ex.connection_bound() || leg != "NEGOTIATE" {
            break;
        }
        let challenge = auth::token_for(&h.all("proxy-authenticate"), scheme).map(str::to_string);
        if challenge.is_none() {
            n.early = Some((
                Kind::AuthRequired,
                format!(
                    "the proxy did not answer the {scheme} NEGOTIATE with a challenge{}",
                    if scheme == "Negotiate" {
                        ": it probably accepts Kerberos only, which needs a domain-joined Windows host"
                    } else {
                        ""
                    }
                ),
            ));
            break;
        }
        if !drain_body(&mut n.stream, h, deadline).await {
            n.early = Some((
                Kind::Closed,
                format!(
                    "the proxy closed the connection after the {scheme} challenge; NTLM needs the same connection for all legs"
                ),
            ));
            break;
        }
        match ex.step(challenge.as_deref()) {
            Ok(auth::Step::Send(t)) => {
                token = t;
                leg = "AUTHENTICATE";
            }
            Ok(auth::Step::Done) => break,
            Err(e) => {
                n.early = Some((Kind::AuthRequired, format!("{}; cannot authenticate", e.0)));
                break;
            }
        }
    }
    n.answer = answer;
    n
}

/// Open a tunnel to `host:port` through the proxy on `stream`. A 407 is answered, on a new
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
    let n = negotiate(stream, &target, auth, None, redial, deadline).await;
    let creds_sent = n.scheme.is_some();
    let mut detail = json!({
        "proxy": proxy.url,
        "target": target,
        "offered_schemes": n.offered,
        "scheme": n.scheme,
        "round_trips": n.legs.len(),
        "legs": n.legs,
    });
    if n.scheme == Some("Basic") {
        detail["warning"] =
            json!("Basic authentication sends the password to the proxy in clear text (base64)");
    }
    let result = match (&n.early, &n.answer) {
        (None, Answer::Head(h)) if (200..300).contains(&h.status) => {
            let how = n
                .scheme
                .map(|s| format!(" after {s} authentication"))
                .unwrap_or_default();
            let mut msg = format!(
                "tunnel to {target} open ({} {}){how}",
                h.status,
                h.reason.trim()
            );
            if n.scheme == Some("Basic") {
                msg.push_str("; note: Basic sends the password in clear to the proxy");
            }
            StageResult::pass(Stage::Proxy, msg, detail)
        }
        (Some((kind, msg)), _) => StageResult::fail(Stage::Proxy, *kind, msg.clone(), detail),
        (None, other) => {
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
        stream: ok.then_some(n.stream),
    }
}

/// A tunnel for follow-up probes, authenticated the same way, with the CONNECTs it took.
pub async fn open<F, Fut>(
    stream: TcpStream,
    host: &str,
    port: u16,
    auth: Option<&ProxyAuth>,
    known: Option<Vec<String>>,
    redial: F,
    deadline: &Deadline,
) -> (Option<TcpStream>, usize, Vec<String>)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Option<TcpStream>>,
{
    let n = negotiate(
        stream,
        &authority(host, port),
        auth,
        known,
        redial,
        deadline,
    )
    .await;
    let requests = n.legs.len();
    let offered = n.offered.clone();
    match (&n.early, &n.answer) {
        (None, Answer::Head(h)) if (200..300).contains(&h.status) => {
            (Some(n.stream), requests, offered)
        }
        _ => (None, requests, offered),
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
            scheme: crate::auth::SchemeChoice::Auto,
        };
        assert_eq!(basic(&a), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(!format!("{a:?}").contains("open sesame"));
    }
}
