//! The CONNECT exchange: a plain CONNECT, and on a 407, the scheme chosen from what the proxy
//! offers and what was given (a password, or this process's own identity for Negotiate),
//! answered on a new connection for as many legs as it takes.

use std::time::SystemTime;

use tokio::net::TcpStream;

use super::refusal::refusal;
use super::wire::{Answer, connect_once, drain_body, leg_detail};
use crate::auth::{self, AuthError, Exchange, ProxyAuth};
use crate::deadline::Deadline;
use crate::model::Kind;
use crate::model::detail::NegotiateDetail;

/// What the CONNECT exchange came to.
pub(super) struct Negotiated {
    pub(super) answer: Answer,
    pub(super) stream: TcpStream,
    pub(super) legs: Vec<crate::model::detail::Leg>,
    /// The scheme credentials were sent with.
    pub(super) scheme: Option<&'static str>,
    pub(super) offered: Vec<String>,
    /// A verdict decided before the last answer (nothing doable offered, a bad challenge…).
    pub(super) early: Option<(Kind, String)>,
    /// What the security library did, for Negotiate with the process's own identity.
    pub(super) negotiate: Option<NegotiateDetail>,
    /// Kerberos said this host's clock and the KDC's differ.
    clock_skew: bool,
}

/// Most CONNECTs one exchange sends (plain, then at most three authentication legs).
const MAX_LEGS: usize = 4;

/// The proxy and the CONNECT the exchange is about.
pub(super) struct Connect<'a> {
    /// `host:port` asked for.
    pub(super) target: &'a str,
    /// The proxy's host as configured (the Kerberos SPN is made from it).
    pub(super) proxy_host: &'a str,
    pub(super) auth: Option<&'a ProxyAuth>,
    /// The schemes an earlier tunnel learnt: authenticate at once.
    pub(super) known: Option<Vec<String>>,
}

/// CONNECT without credentials; on a 407 that something given can answer, answer with the
/// scheme chosen from what the proxy offers, on a new connection, for as many legs as it takes.
pub(super) async fn negotiate<F, Fut>(
    stream: TcpStream,
    c: Connect<'_>,
    redial: F,
    deadline: &Deadline,
) -> Negotiated
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Option<TcpStream>>,
{
    let target = c.target;
    let request = format!("CONNECT {target}");
    let mut n = Negotiated {
        legs: vec![],
        answer: Answer::Reset,
        stream,
        scheme: None,
        offered: vec![],
        early: None,
        negotiate: None,
        clock_skew: false,
    };
    // When an earlier tunnel learned what the proxy wants, authenticate at once on this
    // connection instead of asking again.
    let reuse = matches!((&c.known, c.auth), (Some(o), Some(_)) if !o.is_empty());
    let first = if reuse {
        n.offered = c.known.unwrap_or_default();
        None
    } else {
        let answer = connect_once(&mut n.stream, target, None, deadline).await;
        n.legs.push(leg_detail(&request, None, &answer));
        Some(answer)
    };
    let Some(a) = c.auth else {
        n.answer = first.unwrap_or(Answer::Reset);
        return n;
    };
    let mut proxy_date = None;
    if let Some(answer) = &first {
        match answer {
            Answer::Head(h) if h.status == 407 => {
                n.offered = h.schemes();
                proxy_date = h
                    .header("date")
                    .and_then(|d| httpdate::parse_http_date(d).ok())
                    .map(|d| (d, SystemTime::now()));
            }
            _ => {
                n.answer = first.unwrap_or(Answer::Reset);
                return n;
            }
        }
    }
    let Some(mut ex) = auth::choose(&n.offered, a, c.proxy_host) else {
        if a.credentials.is_none() {
            // Nothing given can answer: the verdict on the proxy's own answer ("give --proxy-user").
            n.answer = first.unwrap_or(Answer::Reset);
            return n;
        }
        let offered = if n.offered.is_empty() {
            "no scheme".to_string()
        } else {
            n.offered.join(", ")
        };
        n.early = Some((
            Kind::AuthRequired,
            format!(
                "the proxy offers {offered}, and a password answers only Basic and NTLM (also inside Negotiate){}",
                if a.scheme == auth::SchemeChoice::Auto {
                    ""
                } else {
                    " as chosen with --proxy-auth"
                }
            ),
        ));
        return n;
    };
    n.scheme = Some(ex.scheme());
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
    legs(&mut n, ex.as_mut(), target, deadline).await;
    n.negotiate = ex.evidence();
    if let Some((kind, msg)) = &mut n.early
        && *kind == Kind::AuthRequired
        && n.negotiate.as_ref().is_some_and(|d| d.error.is_some())
    {
        // The library's own failure (no ticket, unknown SPN…): say what else the proxy takes.
        let others: Vec<&str> = n
            .offered
            .iter()
            .map(String::as_str)
            .filter(|s| !s.eq_ignore_ascii_case("Negotiate"))
            .collect();
        if !others.is_empty() && a.credentials.is_none() {
            msg.push_str(&format!(
                "; the proxy also offers {}, which --proxy-user answers with a password",
                others.join(", ")
            ));
        }
    }
    if let (true, Some((date, read_at)), Some((_, msg))) = (n.clock_skew, proxy_date, &mut n.early)
    {
        let secs = match read_at.duration_since(date) {
            Ok(d) => d.as_secs_f64(),
            Err(e) => -e.duration().as_secs_f64(),
        };
        msg.push_str(&format!(
            "; this host's clock is {} the proxy's (the Date of its 407)",
            crate::timefmt::offset_words(secs)
        ));
    }
    n
}

/// The authentication legs on `n.stream`: the credentials (Basic), a token (Kerberos), or a
/// first token, the proxy's challenge and the answer on one connection (NTLM, also inside
/// Negotiate). Leaves the last answer in `n.answer`.
async fn legs(n: &mut Negotiated, ex: &mut (dyn Exchange + '_), target: &str, deadline: &Deadline) {
    let request = format!("CONNECT {target}");
    let scheme = ex.scheme();
    let speaker = ex.speaker().unwrap_or_default();
    let own_identity = ex.evidence().is_some();
    let mut token = match ex.start() {
        Ok(t) => t,
        Err(e) => {
            n.clock_skew = e.clock_skew;
            n.early = Some(early(e));
            n.answer = Answer::Reset;
            return;
        }
    };
    let mut leg = 1;
    let mut answer = Answer::Reset;
    while leg < MAX_LEGS {
        let label = match (leg, ex.connection_bound(), own_identity) {
            (_, false, _) => "credentials".to_string(),
            (1, true, true) => "token".to_string(),
            (l, true, true) => format!("token {l}"),
            (1, true, false) => "NEGOTIATE".to_string(),
            (_, true, false) => "AUTHENTICATE".to_string(),
        };
        answer = connect_once(&mut n.stream, target, Some(&token), deadline).await;
        n.legs.push(leg_detail(
            &request,
            Some(format!("{scheme} {label} ({speaker})")),
            &answer,
        ));
        let Answer::Head(h) = &answer else {
            if ex.connection_bound() && leg == 1 {
                let (_, what) = refusal(&answer, false);
                n.early = Some((
                    Kind::Closed,
                    format!(
                        "the proxy dropped the connection in the middle of the {scheme} exchange: {what}"
                    ),
                ));
            }
            break;
        };
        if h.status != 407 || !ex.connection_bound() {
            break;
        }
        let challenge = auth::token_for(&h.all("proxy-authenticate"), scheme).map(str::to_string);
        if challenge.is_none() {
            n.early = ex.refused(leg == 1).map(early).or_else(|| {
                (leg == 1).then(|| {
                    (
                        Kind::AuthRequired,
                        format!("the proxy did not answer the {scheme} NEGOTIATE with a challenge"),
                    )
                })
            });
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
                leg += 1;
            }
            Ok(auth::Step::Done) => break,
            Err(e) => {
                n.clock_skew = e.clock_skew;
                let mut e = early(e);
                if e.0 == Kind::AuthRequired && ex.evidence().is_none() {
                    e.1.push_str("; cannot authenticate");
                }
                n.early = Some(e);
                break;
            }
        }
    }
    n.answer = answer;
}

fn early(e: AuthError) -> (Kind, String) {
    (e.kind, e.message)
}
