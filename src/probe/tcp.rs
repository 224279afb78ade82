//! Stage `tcp`: connect to the resolved addresses in order.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::deadline::Deadline;
use crate::model::detail::{Attempt, AttemptResult, IdleWatch, TcpDetail};
use crate::model::{Detail, Kind, Stage, StageResult};

/// How long a fresh, idle connection is watched when the stage after tcp ended in a reset: a
/// firewall or IPS that accepts and then kills every connection resets it within this time; a
/// server that reacted to what was sent leaves it open. Only failing paths pay it.
const IDLE_WATCH: Duration = Duration::from_millis(300);

pub struct TcpOutcome {
    pub result: StageResult,
    pub stream: Option<TcpStream>,
    pub peer: Option<SocketAddr>,
}

impl crate::probe::stage::Outcome for TcpOutcome {
    fn result_mut(&mut self) -> &mut StageResult {
        &mut self.result
    }
}

/// Addresses tried before the stage gives up (Windows tries each, but a hostile DNS answer can
/// hold hundreds).
const MAX_ATTEMPTS: usize = 16;

/// Open a new connection to `addr`, send nothing, and watch it: `None` when no connection
/// opens. Tells a peer that kills every connection (a tcp verdict) from one that reacted to what
/// the next stage sent.
pub async fn watch_new_idle(
    addr: SocketAddr,
    connect_timeout: Duration,
    deadline: &Deadline,
) -> Option<IdleWatch> {
    // On a short path the reset can beat the end of connect() itself.
    let stream = match deadline
        .run(Some(connect_timeout), TcpStream::connect(addr))
        .await?
    {
        Ok(s) => s,
        Err(e) => return is_reset(&e).then_some(IdleWatch::ResetAtOnce),
    };
    Some(watch_idle(&stream, deadline).await)
}

/// Whether the peer resets `stream`, on which nothing was sent, within a short watch.
pub async fn watch_idle(stream: &TcpStream, deadline: &Deadline) -> IdleWatch {
    let mut probe = [0u8; 1];
    let watched = deadline
        .run(Some(IDLE_WATCH), stream.peek(&mut probe))
        .await;
    if matches!(watched, Some(Err(e)) if is_reset(&e)) {
        IdleWatch::ResetAtOnce
    } else {
        IdleWatch::StaysOpen
    }
}

/// The tcp stage judged again once the peer was seen resetting an idle connection: the
/// connection `connected` reported is a reset at once, and the reset is this stage's.
pub fn reset_at_once(connected: StageResult, peer: SocketAddr) -> StageResult {
    let mut detail = connected.detail;
    detail.note_idle(IdleWatch::ResetAtOnce);
    let mut tcp = StageResult::fail(
        Stage::Tcp,
        Kind::Reset,
        format!("{peer} accepted the connection and reset it at once"),
        detail,
    );
    tcp.elapsed_ms = connected.elapsed_ms;
    tcp
}

fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
    )
}

fn attempt(addr: &SocketAddr, result: AttemptResult, error: Option<String>, ms: f64) -> Attempt {
    Attempt {
        address: addr.to_string(),
        error,
        ms,
        result,
    }
}

fn connected(stream: TcpStream, addr: SocketAddr, attempts: Vec<Attempt>) -> TcpOutcome {
    let local = stream.local_addr().ok().map(|a| a.to_string());
    let msg = if attempts.len() > 1 {
        format!(
            "connected to {addr} after {} failed address(es)",
            attempts.len() - 1
        )
    } else {
        format!("connected to {addr}")
    };
    TcpOutcome {
        result: StageResult::pass(
            Stage::Tcp,
            msg,
            Detail::Tcp(TcpDetail {
                address: Some(addr.to_string()),
                attempts,
                idle_connection: None,
                local: Some(local),
            }),
        ),
        stream: Some(stream),
        peer: Some(addr),
    }
}

/// Connect to the first of `addrs` that accepts, in order.
pub async fn connect(
    addrs: &[SocketAddr],
    connect_timeout: Duration,
    deadline: &Deadline,
) -> TcpOutcome {
    let mut attempts = Vec::new();
    let mut last: Option<(Kind, String)> = None;
    for addr in addrs.iter().take(MAX_ATTEMPTS) {
        let t0 = Instant::now();
        let res = deadline
            .run(Some(connect_timeout), TcpStream::connect(addr))
            .await;
        let ms = (t0.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
        match res {
            Some(Ok(stream)) => {
                // Small handshake writes must not wait for delayed ACKs (Nagle): timings would
                // show 40 ms stalls that are the tool's, not the network's.
                let _ = stream.set_nodelay(true);
                attempts.push(attempt(addr, AttemptResult::Connected, None, ms));
                return connected(stream, *addr, attempts);
            }
            Some(Err(e)) => {
                let (kind, result, what) = failure_of(&e);
                attempts.push(attempt(addr, result, Some(e.to_string()), ms));
                last = Some((kind, format!("{addr}: {what}")));
            }
            None => {
                attempts.push(attempt(addr, AttemptResult::Timeout, None, ms));
                last = Some((
                    Kind::Timeout,
                    format!("{addr}: no answer to the connection attempt within {ms:.0} ms"),
                ));
                if deadline.remaining().is_zero() {
                    break;
                }
            }
        }
    }
    let (kind, msg) = last.unwrap_or((Kind::Unreachable, "no address to connect to".into()));
    let msg = if attempts.len() == MAX_ATTEMPTS && addrs.len() > MAX_ATTEMPTS {
        format!(
            "the first {} of {} addresses failed (no more are tried); last: {msg}",
            attempts.len(),
            addrs.len()
        )
    } else if attempts.len() > 1 {
        format!("all {} addresses failed; last: {msg}", attempts.len())
    } else {
        msg
    };
    TcpOutcome {
        result: StageResult::fail(
            Stage::Tcp,
            kind,
            msg,
            Detail::Tcp(TcpDetail {
                address: None,
                attempts,
                idle_connection: None,
                local: None,
            }),
        ),
        stream: None,
        peer: None,
    }
}

/// The kind a failed connect() names, the attempt's result, and the words for it.
fn failure_of(e: &io::Error) -> (Kind, AttemptResult, &'static str) {
    use io::ErrorKind as E;
    match e.kind() {
        E::ConnectionRefused => (
            Kind::Refused,
            AttemptResult::Refused,
            "connection refused (nothing listening, or a firewall rejects it)",
        ),
        E::TimedOut => (
            Kind::Timeout,
            AttemptResult::Timeout,
            "the connection attempt timed out",
        ),
        E::HostUnreachable | E::NetworkUnreachable | E::AddrNotAvailable => (
            Kind::Unreachable,
            AttemptResult::Unreachable,
            "no route to the address",
        ),
        E::ConnectionReset | E::ConnectionAborted => (
            Kind::Reset,
            AttemptResult::Reset,
            "connection reset during the handshake",
        ),
        _ => (
            Kind::Unreachable,
            AttemptResult::Unreachable,
            "the connection attempt failed",
        ),
    }
}
