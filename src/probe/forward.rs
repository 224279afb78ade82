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
use crate::auth::ProxyAuth;
use crate::deadline::Deadline;
use crate::model::detail::ForwardDetail;
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
    let (mut creds_sent, mut early) = (false, None);
    if let (Some(h), Some(a)) = (&out.head, auth)
        && h.status == 407
    {
        match answer_407(h, a) {
            Ok(()) => {
                if let Some(mut s) = hop.dial_hop(deadline).await {
                    out = timed(http::exchange(
                        &mut s,
                        target,
                        http::Via::Forward(Some(a)),
                        deadline,
                    ))
                    .await;
                    creds_sent = true;
                }
            }
            Err(why) => early = Some(why),
        }
    }
    let mut detail = ForwardDetail {
        mode: "forward (absolute-form request, no tunnel)".to_string(),
        proxy: p.url.clone(),
        proxy_authenticate: None,
        status: None,
        status_line: None,
        warning: creds_sent.then(|| BASIC_WARNING.to_string()),
        x_squid_error: None,
    };
    let from_proxy = out
        .head
        .as_ref()
        .filter(|h| h.status == 407 || h.header("x-squid-error").is_some());
    let result = match from_proxy {
        Some(h) if early.is_some() => {
            detail.proxy_authenticate = Some(h.all("proxy-authenticate"));
            StageResult::fail(
                Stage::Proxy,
                Kind::AuthRequired,
                early.unwrap_or_default(),
                detail,
            )
        }
        Some(h) => {
            let (kind, msg) = refusal(&Answer::Head(h.clone()), creds_sent);
            detail.status_line = Some(h.status_line());
            detail.x_squid_error = Some(h.header("x-squid-error").map(str::to_string));
            detail.proxy_authenticate = Some(h.all("proxy-authenticate"));
            detail.status = Some(h.status);
            StageResult::fail(Stage::Proxy, kind, msg, detail)
        }
        None => StageResult::pass(
            Stage::Proxy,
            format!("request forwarded by {}", p.url),
            detail,
        ),
    };
    (result.with_elapsed(started.elapsed()), out)
}

/// Whether a 407 to a forwarded request can be answered: Basic can (again, with the header);
/// a connection-bound scheme cannot yet, nor one wsusprobe does not speak.
fn answer_407(h: &Head, a: &ProxyAuth) -> Result<(), String> {
    let offered = h.schemes();
    match crate::auth::choose(&offered, a.scheme, a) {
        Some(ex) if !ex.connection_bound() => Ok(()),
        Some(ex) => Err(format!(
            "the proxy wants {} for forwarded http:// requests; wsusprobe speaks {} through CONNECT tunnels (https://) only so far — use --proxy-auth basic if the proxy also offers Basic",
            ex.scheme(),
            ex.scheme()
        )),
        None => Err(format!(
            "the proxy offers {}, and wsusprobe answers only Basic and NTLM",
            offered.join(", ")
        )),
    }
}
