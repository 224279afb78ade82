//! Stage `proxy`: open a tunnel with `CONNECT host:port`, answer a 407 with Basic or NTLM
//! credentials or with Negotiate as this process's own identity (see `auth`), and judge the
//! proxy's answer by its own error marker and status.
//! `wire` reads and writes the proxy's messages and `negotiate` runs the authentication legs.
//! (`probe::forward`, above this and `http`, sends an http:// request through the proxy as
//! WinHTTP does, with no tunnel.)
//!
//! Credentials only ever go into the `Proxy-Authorization` header: never into a message, a detail
//! or a log.

mod negotiate;
mod refusal;
pub mod wire;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::net::TcpStream;

pub use refusal::refusal;
pub use wire::{Answer, MAX_HEAD, parse_head, read_head};

use crate::auth::ProxyAuth;
use crate::deadline::Deadline;
use crate::knowledge::remedies::{self, Remedy};
use crate::model::detail::{PortCheck, ProxyDetail, TunnelDetail};
use crate::model::{Detail, Kind, Stage, StageResult};
use crate::probe::wire::Head;
use crate::target::{ProxySpec, authority};
use negotiate::{Connect, negotiate};

/// What the report says of a password sent with Basic.
pub const BASIC_WARNING: &str =
    "Basic authentication sends the password to the proxy in clear text (base64)";

/// The target behind a proxy.
#[derive(Debug, Clone)]
pub struct Tunnel {
    /// The proxy's host as configured: Negotiate asks a ticket for `HTTP/<it>`.
    pub proxy_host: String,
    pub host: String,
    pub port: u16,
    pub auth: Option<Arc<ProxyAuth>>,
    /// The schemes the proxy offered on an earlier tunnel: later tunnels authenticate at once.
    pub learned: Arc<Mutex<Option<Vec<String>>>>,
}

impl Tunnel {
    pub fn new(proxy: &ProxySpec, host: &str, port: u16, auth: Option<Arc<ProxyAuth>>) -> Tunnel {
        Tunnel {
            proxy_host: proxy.host.clone(),
            host: host.to_string(),
            port,
            auth,
            learned: Arc::default(),
        }
    }
}

pub struct ProxyOutcome {
    pub result: StageResult,
    pub stream: Option<TcpStream>,
}

/// Open the tunnel `t` through `proxy` on `stream`: the proxy stage. A 407 is answered, on a new
/// connection from `redial`, when credentials are configured.
pub async fn tunnel<F, Fut>(
    proxy: &ProxySpec,
    stream: TcpStream,
    t: &Tunnel,
    redial: F,
    deadline: &Deadline,
) -> ProxyOutcome
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Option<TcpStream>>,
{
    let started = Instant::now();
    let target = authority(&t.host, t.port);
    let n = negotiate(stream, t.connect(&target, None), redial, deadline).await;
    let creds_sent = n.scheme.is_some();
    let mut detail = TunnelDetail {
        address_check: None,
        idle_connection: None,
        round_trips: n.legs.len(),
        legs: n.legs,
        negotiate: n.negotiate,
        offered_schemes: n.offered,
        port_check: None,
        proxy: proxy.url.clone(),
        scheme: n.scheme.map(str::to_string),
        status: None,
        target: target.clone(),
        warning: (n.scheme == Some("Basic")).then(|| BASIC_WARNING.to_string()),
    };
    let result = match (&n.early, &n.answer) {
        (None, Answer::Head(h)) if (200..300).contains(&h.status) => {
            let how = match (n.scheme, &detail.negotiate) {
                (Some(s), Some(d)) => format!(" after {s} authentication ({})", d.summary()),
                (Some(s), None) => format!(" after {s} authentication"),
                (None, _) => String::new(),
            };
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
            let (kind, msg) = refusal(other, creds_sent);
            if let Answer::Head(h) = other {
                detail.status = Some(h.status);
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

/// After a 403 to `CONNECT host:port` with a port other than 443: ask the same proxy for
/// `host:443` on a new connection. Another 403 means the proxy refuses the name (its domain
/// allowlist); any other answer, that it accepts the name and refuses the port (a port rule such
/// as Squid's default `http_access deny CONNECT !SSL_ports`). One extra request, two or three
/// with credentials; the answer goes in the detail and the conclusion in the message.
pub async fn port_or_name<F, Fut>(
    result: &mut StageResult,
    t: &Tunnel,
    dial: F,
    deadline: &Deadline,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<TcpStream>>,
{
    let (host, port) = (&t.host, t.port);
    if result.kind != Some(Kind::Forbidden) || port == 443 {
        return;
    }
    let probe = authority(host, 443);
    let Some((check, _)) = connect_again(t, &probe, dial, deadline).await else {
        return;
    };
    let status = check.status;
    if let Some(d) = tunnel_detail(result) {
        d.port_check = Some(check);
    }
    let conclusion = match status {
        Some(403) => format!(
            "; the proxy refuses {host} on port 443 as well, so the rule is about the name (its domain allowlist), not the port"
        ),
        Some(407) | None => return,
        Some(s) => format!(
            "; the same proxy lets CONNECT {probe} through ({s}), so the rule is about port {port}, not the domain: {}",
            remedies::fill(Remedy::AllowConnectPort, &[("port", &port.to_string())])
        ),
    };
    result.message.push_str(&conclusion);
}

/// After Squid's `ERR_CANNOT_FORWARD`, which it answers both when its own DNS fails (Squid bug
/// 5294) and when the parent proxy it must forward through is down: ask the same proxy for the
/// address the target has here (`here`), which needs no DNS. A tunnel means the proxy reaches the
/// target and its DNS is what fails; the same refusal means it cannot forward at all — its next
/// hop, `upstream_unreachable`. One extra request (two or three with credentials), on failing
/// paths only; the answer goes in the detail and the conclusion in the message.
pub async fn dns_or_next_hop<F, Fut>(
    result: &mut StageResult,
    t: &Tunnel,
    here: Option<std::net::SocketAddr>,
    dial: F,
    deadline: &Deadline,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<TcpStream>>,
{
    let Detail::Proxy(ProxyDetail::Tunnel(d)) = &result.detail else {
        return;
    };
    if !cannot_forward(d.legs.last().and_then(|l| l.x_squid_error())) {
        return;
    }
    let host = &t.host;
    let Some(addr) = here.map(|a| std::net::SocketAddr::new(a.ip(), t.port)) else {
        result.message.push_str(&format!(
            "; {host} has no address here either, so the proxy's DNS and its next hop could not be told apart"
        ));
        return;
    };
    let probe = addr.to_string();
    let Some((check, head)) = connect_again(t, &probe, dial, deadline).await else {
        return;
    };
    let status = check.status;
    let refused_again = cannot_forward(head.as_ref().and_then(|h| h.header("x-squid-error")));
    if let Some(d) = tunnel_detail(result) {
        d.address_check = Some(check);
    }
    let ip = addr.ip();
    let conclusion = match status {
        Some(s) if (200..300).contains(&s) => format!(
            "; the same proxy opens a tunnel to {probe}, the address {host} has here, so what fails is its own DNS: {}",
            remedies::fill(Remedy::ProxyDns, &[("host", host)])
        ),
        Some(_) if refused_again => {
            result.kind = Some(Kind::UpstreamUnreachable);
            format!(
                "; it cannot forward even a CONNECT to {probe} ({host}'s address here), which needs no DNS: the proxy's next hop — a parent proxy it must forward through — is down or unreachable, not its DNS; {}",
                remedies::text(Remedy::ProxyNextHop)
            )
        }
        Some(s) => format!(
            "; a CONNECT to {ip} got {s} (the proxy's rules may name domains only), so its DNS and its next hop could not be told apart"
        ),
        None => return,
    };
    result.message.push_str(&conclusion);
}

/// Whether Squid's error marker is `ERR_CANNOT_FORWARD` (its own DNS failing, or its next hop).
fn cannot_forward(x_squid_error: Option<&str>) -> bool {
    x_squid_error.is_some_and(|e| e.starts_with("ERR_CANNOT_FORWARD"))
}

/// One more CONNECT to `probe` through the same proxy, on a new connection from `dial` and
/// authenticated as the stage's was: what the detail records of it, and the answer's head when
/// one came. `None` when no connection opens.
async fn connect_again<F, Fut>(
    t: &Tunnel,
    probe: &str,
    dial: F,
    deadline: &Deadline,
) -> Option<(PortCheck, Option<Head>)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<TcpStream>>,
{
    let stream = dial().await?;
    let n = negotiate(stream, t.connect(probe, None), &dial, deadline).await;
    let head = match (n.early, n.answer) {
        (None, Answer::Head(h)) => Some(h),
        _ => None,
    };
    let check = PortCheck {
        request: format!("CONNECT {probe}"),
        status: head.as_ref().map(|h| h.status),
    };
    Some((check, head))
}

/// The tunnel's own detail in a proxy stage result, to add a follow-up's answer to.
fn tunnel_detail(result: &mut StageResult) -> Option<&mut TunnelDetail> {
    match &mut result.detail {
        Detail::Proxy(ProxyDetail::Tunnel(d)) => Some(d),
        _ => None,
    }
}

impl Tunnel {
    /// The CONNECT to `target` through this tunnel's proxy, with its authentication.
    fn connect<'a>(&'a self, target: &'a str, known: Option<Vec<String>>) -> Connect<'a> {
        Connect {
            target,
            proxy_host: &self.proxy_host,
            auth: self.auth.as_deref(),
            known,
        }
    }

    /// A tunnel for follow-up probes on `stream`, authenticated as the first one was (at once,
    /// with the schemes learnt then), and how many CONNECTs it took.
    pub async fn open<F, Fut>(
        &self,
        stream: TcpStream,
        redial: F,
        deadline: &Deadline,
    ) -> (Option<TcpStream>, usize)
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Option<TcpStream>>,
    {
        let known = self.learned.lock().ok().and_then(|l| l.clone());
        let target = authority(&self.host, self.port);
        let n = negotiate(stream, self.connect(&target, known), redial, deadline).await;
        let requests = n.legs.len();
        let open = matches!((&n.early, &n.answer), (None, Answer::Head(h)) if (200..300).contains(&h.status));
        if !open {
            return (None, requests);
        }
        if !n.offered.is_empty()
            && let Ok(mut l) = self.learned.lock()
        {
            *l = Some(n.offered.clone());
        }
        (Some(n.stream), requests)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_header_is_rfc7617() {
        let a = crate::auth::Credentials {
            user: "Aladdin".into(),
            password: "open sesame".to_string().into(),
        };
        assert_eq!(
            crate::auth::basic_header(&a),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(!format!("{a:?}").contains("open sesame"));
    }
}
