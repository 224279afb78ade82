//! The proxy's side of the wire: answer headers read byte by byte (so no byte of a tunnel is
//! consumed), one CONNECT, the body of a 407, and the per-leg trace for the report. Every read is
//! bounded in bytes and by the path deadline. The head itself is `probe::wire`'s, shared with
//! the http stage.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::deadline::Deadline;
use crate::hello::first_line;
use crate::model::detail::{AnsweredLeg, Leg, UnansweredLeg};
use crate::probe::wire::{Head, head_of, redact_authorization};

/// Most bytes of a proxy's answer header read before giving up on it.
pub const MAX_HEAD: usize = 64 * 1024;

/// A proxy's answer, as far as it was read.
#[derive(Debug, Clone)]
pub enum Answer {
    Head(Head),
    Timeout { bytes: usize },
    Closed { bytes: usize },
    Reset,
    NotHttp(String),
    TooLarge,
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
        Ok(httparse::Status::Complete(_)) => Answer::Head(head_of(&resp)),
        _ => Answer::NotHttp(first_line(buf)),
    }
}

/// Send one CONNECT (with a `Proxy-Authorization` value when given) and read the answer header.
pub(super) async fn connect_once<S>(
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

fn answer_summary(answer: &Answer) -> String {
    match answer {
        Answer::Head(h) => format!("{} {}", h.status, h.reason),
        other => format!("{other:?}").chars().take(200).collect(),
    }
}

/// Read and discard the body of a 407 so the next leg can use the same connection.
pub(super) async fn drain_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    head: &Head,
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

pub(super) fn leg_detail(request: &str, credentials: Option<String>, answer: &Answer) -> Leg {
    let unanswered = |what: String| {
        Leg::Unanswered(UnansweredLeg {
            answer: what,
            credentials: credentials.clone(),
            request: request.to_string(),
        })
    };
    match answer {
        Answer::Head(h) => Leg::Answered(AnsweredLeg {
            credentials: credentials.clone(),
            proxy_authenticate: h.all("proxy-authenticate"),
            request: request.to_string(),
            server: h.header("server").map(str::to_string),
            status_line: h.status_line(),
            via: h.header("via").map(str::to_string),
            x_squid_error: h.header("x-squid-error").map(str::to_string),
        }),
        Answer::Timeout { bytes } => unanswered(format!("timeout after {bytes} bytes")),
        Answer::Closed { bytes } => unanswered(format!("closed after {bytes} bytes")),
        Answer::Reset => unanswered("reset".to_string()),
        Answer::NotHttp(l) => unanswered(format!("not HTTP: {l}")),
        Answer::TooLarge => unanswered(format!("header over {} KiB", MAX_HEAD / 1024)),
    }
}
