//! Stage `http`: one request on the established stream, answer read with bounded size and time.
//!
//! On the WSUS sync service the request is the SOAP `GetAuthConfig` call WSUS starts every sync
//! with (unauthenticated, [MS-WSUSSS] 3.1.4.1); elsewhere a plain GET.

use std::time::{Duration, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::wire::{Head, head_of, redact_authorization};
use crate::deadline::Deadline;
use crate::hello::first_line;
use crate::knowledge::endpoints;
use crate::model::detail::{HttpAnswer, NoAnswer};
use crate::model::{Kind, Stage, StageResult};
use crate::target::{Scheme, Target};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 256 * 1024;
/// Once the status line is in, the body gets at most this long.
const BODY_CAP: Duration = Duration::from_secs(5);

pub const SOAP_ACTION: &str = "http://www.microsoft.com/SoftwareDistribution/GetAuthConfig";
const SOAP_BODY: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
<soap:Body><GetAuthConfig xmlns=\"http://www.microsoft.com/SoftwareDistribution\" /></soap:Body>\
</soap:Envelope>";

impl crate::probe::stage::Outcome for HttpOutcome {
    fn result_mut(&mut self) -> &mut StageResult {
        &mut self.result
    }
}

pub struct HttpOutcome {
    pub result: StageResult,
    /// The answer's status line and headers, when one was read.
    pub head: Option<Head>,
    /// The server's `Date` header: parsed time (if valid), raw text, and when it was read.
    pub date: Option<ServerDate>,
    /// The body as read (at most 256 KiB): what an AIA fetch parses.
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct ServerDate {
    pub parsed: Option<SystemTime>,
    pub raw: String,
    pub received_at: SystemTime,
}

/// How the request reaches the server: on a direct (or tunnelled) connection, or handed to a
/// forwarding proxy in absolute form, as WinHTTP does for http:// URLs.
#[derive(Clone, Copy)]
pub enum Via<'a> {
    Origin,
    /// With the `Proxy-Authorization` value to send, if any.
    Forward(Option<&'a str>),
}

pub fn request(target: &Target, via: Via<'_>) -> (Vec<u8>, bool) {
    let ua = concat!("wsusprobe/", env!("CARGO_PKG_VERSION"));
    let soap = endpoints::is_sync_service_path(&target.path);
    let (uri, extra) = match via {
        Via::Origin => (target.path.clone(), String::new()),
        Via::Forward(auth) => {
            let scheme = match target.scheme {
                Scheme::Http => "http",
                Scheme::Https => "https",
            };
            let uri = format!("{scheme}://{}{}", target.authority(), target.path);
            let extra = auth
                .map(|a| format!("Proxy-Authorization: {a}\r\n"))
                .unwrap_or_default();
            (uri, extra)
        }
    };
    let head = if soap {
        format!(
            "POST {uri} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {ua}\r\nContent-Type: text/xml; charset=utf-8\r\n\
             SOAPAction: \"{SOAP_ACTION}\"\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
            target.authority(),
            SOAP_BODY.len()
        )
    } else {
        format!(
            "GET {uri} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {ua}\r\nAccept: */*\r\n{extra}Connection: close\r\n\r\n",
            target.authority()
        )
    };
    let mut bytes = head.into_bytes();
    if soap {
        bytes.extend_from_slice(SOAP_BODY.as_bytes());
    }
    (bytes, soap)
}

enum HeadRead {
    /// The header and its length in bytes.
    Done(Head, usize),
    Fail(Kind, String),
}

fn parse_head(buf: &[u8]) -> Option<HeadRead> {
    let prefix = &buf[..buf.len().min(5)];
    if !b"HTTP/".starts_with(prefix) {
        return Some(HeadRead::Fail(
            Kind::NotHttp,
            format!("the answer is not HTTP: \"{}\"", first_line(buf)),
        ));
    }
    let mut headers = [httparse::EMPTY_HEADER; 100];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => Some(HeadRead::Done(head_of(&resp), len)),
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => Some(HeadRead::Fail(
            Kind::NotHttp,
            format!("the response header is larger than {} KiB", MAX_HEAD / 1024),
        )),
        Ok(httparse::Status::Partial) => None,
        Err(e) => Some(HeadRead::Fail(
            Kind::NotHttp,
            format!("malformed HTTP response ({e}): \"{}\"", first_line(buf)),
        )),
    }
}

/// Send the request, flushed, within the deadline.
async fn send<S>(stream: &mut S, req: &[u8], deadline: &Deadline) -> Result<(), (Kind, String)>
where
    S: AsyncWrite + Unpin,
{
    let sent = deadline
        .run(None, async {
            stream.write_all(req).await?;
            stream.flush().await
        })
        .await;
    match sent {
        None => Err((
            Kind::Timeout,
            "the request could not be sent before the deadline".into(),
        )),
        Some(Err(e)) => Err((
            Kind::Closed,
            format!("the connection failed while sending the request: {e}"),
        )),
        Some(Ok(())) => Ok(()),
    }
}

/// Read until the answer's header is complete: the header and its length in `buf` (which
/// holds the start of the body too).
async fn read_answer_head<S>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    deadline: &Deadline,
) -> Result<(Head, usize), (Kind, String)>
where
    S: AsyncRead + Unpin,
{
    let mut chunk = [0u8; 8192];
    loop {
        match deadline.run(None, stream.read(&mut chunk)).await {
            None if buf.is_empty() => {
                return Err((
                    Kind::Timeout,
                    "no answer to the request before the deadline".into(),
                ));
            }
            None => {
                return Err((
                    Kind::Timeout,
                    format!(
                        "the answer stopped after {} bytes, before its header was complete",
                        buf.len()
                    ),
                ));
            }
            Some(Ok(0)) if buf.is_empty() => {
                return Err((
                    Kind::Closed,
                    "the connection was closed without an answer".into(),
                ));
            }
            Some(Ok(0)) => return Err((Kind::Closed, closed_mid_header(buf))),
            Some(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Some(Err(e)) => {
                return Err((
                    Kind::Closed,
                    format!("the connection failed while waiting for the answer: {e}"),
                ));
            }
        }
        match parse_head(buf) {
            None => continue,
            Some(HeadRead::Fail(kind, msg)) => return Err((kind, msg)),
            Some(HeadRead::Done(h, len)) => return Ok((h, len)),
        }
    }
}

/// One request on `stream` (to the server, or in absolute form to a proxy) and its answer.
pub async fn exchange<S>(
    stream: &mut S,
    target: &Target,
    via: Via<'_>,
    deadline: &Deadline,
) -> HttpOutcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (req, soap) = request(target, via);
    let method = method_name(soap);
    log::trace!(
        "http request to {}: {}",
        target.url,
        redact_authorization(&String::from_utf8_lossy(&req)).escape_debug()
    );
    let fail = |(kind, msg): (Kind, String), bytes| unanswered(kind, msg, method, bytes);
    if let Err(e) = send(stream, &req, deadline).await {
        return fail(e, None);
    }
    let mut buf = Vec::with_capacity(8192);
    let (head, head_len) = match read_answer_head(stream, &mut buf, deadline).await {
        Ok(h) => h,
        Err(e) => return fail(e, Some(buf.len())),
    };
    let received_at = SystemTime::now();
    let date = server_date(&head, received_at);

    // The body matters for the SOAP answer and for error pages.
    let mut body: Vec<u8> = buf[head_len..].to_vec();
    let mut complete = true;
    if soap || head.status >= 400 || head.status == 200 {
        complete = read_body(stream, &head, &mut body, deadline).await;
    }
    outcome_of(head, date, &body, soap, complete)
}

/// A failure before any answer header: what was sent, and how many bytes came back.
fn unanswered(kind: Kind, msg: String, request: &str, bytes: Option<usize>) -> HttpOutcome {
    let detail = NoAnswer {
        bytes,
        idle_connection: None,
        request: request.to_string(),
    };
    HttpOutcome {
        result: StageResult::fail(Stage::Http, kind, msg, detail),
        head: None,
        date: None,
        body: Vec::new(),
    }
}

/// How the report names the request sent.
fn method_name(soap: bool) -> &'static str {
    if soap { "POST GetAuthConfig" } else { "GET" }
}

/// The message for a connection that ended after part of the answer's header.
fn closed_mid_header(buf: &[u8]) -> String {
    format!(
        "the connection was closed in the middle of the header: \"{}\"",
        first_line(buf)
    )
}

fn server_date(head: &Head, received_at: SystemTime) -> Option<ServerDate> {
    head.header("date").map(|raw| ServerDate {
        parsed: httpdate::parse_http_date(raw.trim()).ok(),
        raw: raw.chars().take(200).collect(),
        received_at,
    })
}

/// The http stage on a whole answer held in memory: header, then whatever body follows. The pure half of
/// the stage, also what the `http_answer` fuzz target drives.
pub fn from_bytes(buf: &[u8], soap: bool, received_at: SystemTime) -> HttpOutcome {
    let method = method_name(soap);
    let fail = |kind, msg: String| unanswered(kind, msg, method, Some(buf.len()));
    match parse_head(buf) {
        None => fail(Kind::Closed, closed_mid_header(buf)),
        Some(HeadRead::Fail(kind, msg)) => fail(kind, msg),
        Some(HeadRead::Done(head, len)) => {
            let date = server_date(&head, received_at);
            outcome_of(head, date, &buf[len..], soap, true)
        }
    }
}

/// From a parsed header and the body read after it to the stage result. `complete` is false when
/// the body was still coming at the size or time cap.
fn outcome_of(
    head: Head,
    date: Option<ServerDate>,
    body: &[u8],
    soap: bool,
    complete: bool,
) -> HttpOutcome {
    let method = method_name(soap);
    let body_text = String::from_utf8_lossy(&body[..body.len().min(MAX_BODY)]).into_owned();
    let soap_fault = body_text.contains(":Fault>") || body_text.contains("<Fault>");
    let soap_error =
        extract(&body_text, "ErrorCode").or_else(|| extract(&body_text, "faultstring"));
    let title = extract(&body_text, "title");

    let header = |name: &str| head.header(name).map(str::to_string);
    let answer = HttpAnswer {
        body_bytes: body.len(),
        body_complete: complete,
        content_type: header("content-type"),
        date: date.as_ref().map(|d| d.raw.clone()),
        idle_connection: None,
        location: header("location"),
        request: method.to_string(),
        server: header("server"),
        soap_error,
        status: head.status,
        status_line: format!("{} {}", head.status, head.reason),
        title,
        x_squid_error: header("x-squid-error"),
    };
    let read = Body {
        text: &body_text,
        soap,
        soap_fault,
    };
    let mut result = result_of(answer, &read);
    if !complete && result.failed() {
        result.message.push_str(&format!(
            " (the body was still coming when reading stopped after {} KiB)",
            body.len() / 1024
        ));
    }
    HttpOutcome {
        result,
        head: Some(head),
        date,
        body: body[..body.len().min(MAX_BODY)].to_vec(),
    }
}

/// What the body of an answer says, beside its header.
struct Body<'a> {
    text: &'a str,
    /// The request was the SOAP GetAuthConfig call.
    soap: bool,
    soap_fault: bool,
}

/// The http stage's result for a parsed answer: a pass, or the failure its status and body name.
fn result_of(answer: HttpAnswer, body: &Body<'_>) -> StageResult {
    let status_line = answer.status_line.trim().to_string();
    let from = answer
        .server
        .as_ref()
        .map(|s| format!(" (Server: {s})"))
        .unwrap_or_default();
    let titled = answer
        .title
        .as_ref()
        .map(|t| format!(" \"{t}\""))
        .unwrap_or_default();
    if body.soap_fault {
        let msg = format!(
            "the service answered {status_line} with a SOAP fault{}",
            answer
                .soap_error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
        return StageResult::fail(Stage::Http, Kind::SoapFault, msg, answer);
    }
    let s = answer.status;
    if body.soap {
        if (200..300).contains(&s) {
            if body.text.contains("GetAuthConfigResponse") {
                let plugin = if body.text.contains("DssTargeting") {
                    " (plug-in DssTargeting)"
                } else {
                    ""
                };
                let msg = format!("{status_line}: GetAuthConfig answered{plugin}");
                return StageResult::pass(Stage::Http, msg, answer);
            }
            let msg = format!(
                "{status_line}{from}, but the body is not a GetAuthConfig answer{titled}: something other than the sync service answered"
            );
            return StageResult::fail(Stage::Http, Kind::NotService, msg, answer);
        }
        if (300..400).contains(&s) {
            let msg = format!(
                "{status_line}{from}: the sync service call was redirected to {}",
                answer.location.as_deref().unwrap_or("?")
            );
            return StageResult::fail(Stage::Http, Kind::NotService, msg, answer);
        }
    } else if (200..400).contains(&s) || s == 405 {
        return StageResult::pass(Stage::Http, format!("{status_line}{from}"), answer);
    }
    let kind = match s {
        401 => Kind::Unauthorized,
        403 => Kind::Forbidden,
        404 => Kind::NotFound,
        500 => Kind::ServerError,
        502 => Kind::BadGateway,
        503 => Kind::ServiceUnavailable,
        _ => Kind::UnexpectedStatus,
    };
    let msg = format!("the server answered {status_line}{from}{titled}");
    StageResult::fail(Stage::Http, kind, msg, answer)
}

async fn read_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    head: &Head,
    body: &mut Vec<u8>,
    deadline: &Deadline,
) -> bool {
    let length: Option<usize> = head
        .header("content-length")
        .and_then(|v| v.trim().parse().ok());
    let chunked = head
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let mut chunk = [0u8; 8192];
    let done = |b: &Vec<u8>| {
        b.len() >= MAX_BODY
            || length.is_some_and(|l| b.len() >= l)
            || (chunked && b.ends_with(b"0\r\n\r\n"))
    };
    let ended = deadline
        .run(Some(BODY_CAP), async {
            while !done(body) {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return true,
                    Ok(n) => body.extend_from_slice(&chunk[..n]),
                }
            }
            body.len() < MAX_BODY
        })
        .await;
    ended.unwrap_or(false)
}

/// The text of the first `<tag>` or `<prefix:tag>` element, trimmed, at most 200 characters.
fn extract(body: &str, tag: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let t = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find('<') {
        let start = from + pos + 1;
        let rest = &lower[start..];
        let name_end = rest.find(['>', ' ', '/'])?;
        let name = &rest[..name_end];
        let local = name.rsplit(':').next().unwrap_or(name);
        if local == t && rest.as_bytes().get(name_end) != Some(&b'/') {
            let open_end = start + rest.find('>')? + 1;
            let close = lower[open_end..].find("</")? + open_end;
            let text: String = body[open_end..close].trim().chars().take(200).collect();
            return (!text.is_empty()).then_some(text);
        }
        from = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts() {
        let b = "<html><head><TITLE> Access Denied </TITLE></head></html>";
        assert_eq!(extract(b, "title").as_deref(), Some("Access Denied"));
        let f = "<s:Envelope><s:Body><s:Fault><faultstring>Fault occurred</faultstring><detail><ErrorCode>InternalServerError</ErrorCode></detail></s:Fault></s:Body></s:Envelope>";
        assert_eq!(
            extract(f, "ErrorCode").as_deref(),
            Some("InternalServerError")
        );
        assert_eq!(extract("<a><b/></a>", "b"), None);
        assert_eq!(extract("<<<", "b"), None);
        assert_eq!(extract("<title>", "title"), None);
    }

    #[test]
    fn heads() {
        assert!(parse_head(b"HTT").is_none());
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n"),
            Some(HeadRead::Fail(Kind::NotHttp, _))
        ));
        assert!(
            matches!(parse_head(b"HTTP/1.1 200 OK\r\nDate: x\r\n\r\n"), Some(HeadRead::Done(h, _)) if h.status == 200)
        );
        assert!(matches!(
            parse_head(b"HTTP/1.1 abc\r\n\r\n"),
            Some(HeadRead::Fail(Kind::NotHttp, _))
        ));
    }

    #[test]
    fn requests() {
        let t = Target::parse(crate::knowledge::endpoints::DEFAULT_TARGET).unwrap();
        let (r, soap) = request(&t, Via::Origin);
        let s = String::from_utf8(r).unwrap();
        assert!(soap);
        assert!(s.starts_with("POST /ServerSyncWebService/ServerSyncWebService.asmx HTTP/1.1\r\nHost: sws.update.microsoft.com\r\n"));
        assert!(s.contains(
            "SOAPAction: \"http://www.microsoft.com/SoftwareDistribution/GetAuthConfig\""
        ));
        let t = Target::parse("http://wsus:8530/selfupdate/iuident.cab").unwrap();
        let s = String::from_utf8(request(&t, Via::Origin).0).unwrap();
        assert!(s.starts_with("GET /selfupdate/iuident.cab HTTP/1.1\r\nHost: wsus:8530\r\n"));
        let s = String::from_utf8(request(&t, Via::Forward(None)).0).unwrap();
        assert!(s.starts_with("GET http://wsus:8530/selfupdate/iuident.cab HTTP/1.1\r\n"));
    }
}
