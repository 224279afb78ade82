//! The CONNECT exchange: a plain CONNECT, and on a 407 with credentials configured, the
//! scheme chosen from what the proxy offers, answered on a new connection for as many legs as
//! it takes.

use tokio::net::TcpStream;

use super::refusal::refusal;
use super::wire::{Answer, connect_once, drain_body, leg_detail};
use crate::auth::{self, Exchange, ProxyAuth};
use crate::deadline::Deadline;
use crate::model::Kind;

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
}

/// Most CONNECTs one exchange sends (plain, then at most three authentication legs).
const MAX_LEGS: usize = 4;

/// CONNECT without credentials; on a 407 with credentials configured, answer with the scheme
/// chosen from what the proxy offers, on a new connection, for as many legs as it takes.
pub(super) async fn negotiate<F, Fut>(
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
    legs(&mut n, ex.as_mut(), &a.user, target, deadline).await;
    n
}

/// The authentication legs on `n.stream`: the credentials (Basic), or NEGOTIATE, the proxy's
/// challenge and AUTHENTICATE on one connection (NTLM). Leaves the last answer in `n.answer`.
async fn legs(
    n: &mut Negotiated,
    ex: &mut (dyn Exchange + '_),
    user: &str,
    target: &str,
    deadline: &Deadline,
) {
    let request = format!("CONNECT {target}");
    let scheme = ex.scheme();
    let desc = |leg: &str| Some(format!("{scheme} {leg} (user {user})"));
    let mut token = match ex.start() {
        Ok(t) => t,
        Err(e) => {
            n.early = Some((Kind::AuthRequired, e.0));
            n.answer = Answer::Reset;
            return;
        }
    };
    let mut leg = if ex.connection_bound() {
        "NEGOTIATE"
    } else {
        "credentials"
    };
    let mut answer = Answer::Reset;
    for _ in 1..MAX_LEGS {
        answer = connect_once(&mut n.stream, target, Some(&token), deadline).await;
        n.legs.push(leg_detail(&request, desc(leg), &answer));
        let Answer::Head(h) = &answer else {
            if ex.connection_bound() && leg == "NEGOTIATE" {
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
}
