//! An http:// URL through a proxy: the request goes to the proxy in absolute form, as WinHTTP
//! sends it, with no tunnel. The proxy's own refusals (407, Squid error pages) are the proxy
//! stage's verdict; anything else is the server's answer, for the http stage.

use std::time::Instant;

use tokio::net::TcpStream;

use super::dial::Dialer;
use super::http;
use super::proxy::{Answer, BASIC_WARNING, refusal};
use super::stage::timed;
use super::wire::Head;
use crate::auth::{Exchange, ProxyAuth};
use crate::deadline::Deadline;
use crate::model::detail::{ForwardDetail, NegotiateDetail};
use crate::model::{Kind, Stage, StageResult};
use crate::target::{ProxySpec, Target};

/// An http:// URL through a forwarding proxy: the request goes to the proxy in absolute form, as
/// WinHTTP sends it. The proxy's own refusals (407, Squid error pages) are the proxy stage's
/// verdict; anything else is the server's answer.
pub async fn forward(
    p: &ProxySpec,
    stream: TcpStream,
    target: &Target,
    auth: Option<&ProxyAuth>,
    hop: &Dialer,
    deadline: &Deadline,
) -> (StageResult, http::HttpOutcome) {
    let started = Instant::now();
    let mut stream = stream;
    let mut out = timed(http::exchange(
        &mut stream,
        target,
        http::Via::Forward(None),
        deadline,
    ))
    .await;
    let (mut creds_sent, mut early, mut scheme, mut refused, mut negotiate) =
        (false, None, None, None, None);
    if let (Some(h), Some(a)) = (&out.head, auth)
        && h.status == 407
    {
        match answer_407(h, a, &p.host) {
            Ok((ex, header)) => {
                scheme = Some(ex.scheme());
                if let Some(mut s) = hop.dial_hop(deadline).await {
                    out = timed(http::exchange(
                        &mut s,
                        target,
                        http::Via::Forward(Some(&header)),
                        deadline,
                    ))
                    .await;
                    creds_sent = true;
                    refused = ex.refused(true).map(|e| (e.kind, e.message));
                }
                negotiate = ex.evidence();
            }
            Err(why) => {
                negotiate = why.negotiate;
                early = Some(why.verdict);
            }
        }
    }
    let mut detail = ForwardDetail {
        mode: "forward (absolute-form request, no tunnel)".to_string(),
        negotiate,
        proxy: p.url.clone(),
        proxy_authenticate: None,
        status: None,
        status_line: None,
        warning: (scheme == Some("Basic")).then(|| BASIC_WARNING.to_string()),
        x_squid_error: None,
    };
    let from_proxy = out
        .head
        .as_ref()
        .filter(|h| h.status == 407 || h.header("x-squid-error").is_some());
    let result = match from_proxy {
        Some(h) if early.is_some() => {
            detail.proxy_authenticate = Some(h.all("proxy-authenticate"));
            let (kind, msg) = early.unwrap_or((Kind::AuthRequired, String::new()));
            StageResult::fail(Stage::Proxy, kind, msg, detail)
        }
        Some(h) => {
            let (kind, msg) = match refused.filter(|_| h.status == 407) {
                Some(r) => r,
                None => refusal(&Answer::Head(h.clone()), creds_sent),
            };
            detail.status_line = Some(h.status_line());
            detail.x_squid_error = Some(h.header("x-squid-error").map(str::to_string));
            detail.proxy_authenticate = Some(h.all("proxy-authenticate"));
            detail.status = Some(h.status);
            StageResult::fail(Stage::Proxy, kind, msg, detail)
        }
        None => {
            let how = match (scheme, &detail.negotiate) {
                (Some(s), Some(d)) => format!(" after {s} authentication ({})", d.summary()),
                (Some(s), None) => format!(" after {s} authentication"),
                (None, _) => String::new(),
            };
            StageResult::pass(
                Stage::Proxy,
                format!("request forwarded by {}{how}", p.url),
                detail,
            )
        }
    };
    (result.with_elapsed(started.elapsed()), out)
}

/// Why a 407 to a forwarded request gets no answer, and what the security library did.
struct NoAnswer {
    verdict: (Kind, String),
    negotiate: Option<NegotiateDetail>,
}

/// The answer to a 407 to a forwarded request, on a new connection: Basic, or a Kerberos token
/// of this process's own identity (one leg); not NTLM, whose legs must share a connection that
/// a forwarded request closes. `Err`: why not, and what the security library did.
fn answer_407<'a>(
    h: &Head,
    a: &'a ProxyAuth,
    proxy_host: &str,
) -> Result<(Box<dyn Exchange + 'a>, String), Box<NoAnswer>> {
    let offered = h.schemes();
    let Some(mut ex) = crate::auth::choose(&offered, a, proxy_host) else {
        let given = if a.credentials.is_some() {
            "a password answers only Basic and NTLM"
        } else {
            "without --proxy-user wsusprobe answers only Negotiate"
        };
        return Err(Box::new(NoAnswer {
            verdict: (
                Kind::AuthRequired,
                format!("the proxy offers {}, and {given}", offered.join(", ")),
            ),
            negotiate: None,
        }));
    };
    if ex.connection_bound() && ex.evidence().is_none() {
        return Err(Box::new(NoAnswer {
            verdict: (
                Kind::AuthRequired,
                format!(
                    "the proxy wants {} for forwarded http:// requests; wsusprobe speaks NTLM through CONNECT tunnels (https://) only — use --proxy-auth basic if the proxy also offers Basic",
                    ex.scheme()
                ),
            ),
            negotiate: None,
        }));
    }
    match ex.start() {
        Ok(header) => Ok((ex, header)),
        Err(e) => Err(Box::new(NoAnswer {
            verdict: (e.kind, e.message),
            negotiate: ex.evidence(),
        })),
    }
}
