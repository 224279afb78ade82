//! Stage `tcp`: connect to the resolved addresses in order.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::TcpStream;

use crate::deadline::Deadline;
use crate::model::{Kind, Stage, StageResult};

/// How long a fresh, idle connection is watched when the stage after tcp ended in a reset: a
/// firewall or IPS that accepts and then kills every connection resets it within this time; a
/// server that reacted to what was sent leaves it open. Only failing paths pay it.
const IDLE_WATCH: Duration = Duration::from_millis(300);

pub struct TcpOutcome {
    pub result: StageResult,
    pub stream: Option<TcpStream>,
    pub peer: Option<SocketAddr>,
}

impl super::Outcome for TcpOutcome {
    fn result_mut(&mut self) -> &mut StageResult {
        &mut self.result
    }
}

/// Addresses tried before the stage gives up (Windows tries each, but a hostile DNS answer can
/// hold hundreds).
const MAX_ATTEMPTS: usize = 16;

/// Whether `addr` resets a new connection on which nothing is sent: `None` when no connection
/// opens. Tells a peer that kills every connection (a tcp verdict) from one that reacted to what
/// the next stage sent.
pub async fn resets_idle(
    addr: SocketAddr,
    connect_timeout: Duration,
    deadline: &Deadline,
) -> Option<bool> {
    // On a short path the reset can beat the end of connect() itself.
    let stream = match deadline
        .run(Some(connect_timeout), TcpStream::connect(addr))
        .await?
    {
        Ok(s) => s,
        Err(e) => return is_reset(&e).then_some(true),
    };
    Some(idle_reset(&stream, deadline).await)
}

/// Whether the peer resets `stream`, on which nothing was sent, within a short watch.
pub async fn idle_reset(stream: &TcpStream, deadline: &Deadline) -> bool {
    let mut probe = [0u8; 1];
    let watched = deadline
        .run(Some(IDLE_WATCH), stream.peek(&mut probe))
        .await;
    matches!(watched, Some(Err(e)) if is_reset(&e))
}

fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
    )
}

fn connected(stream: TcpStream, addr: SocketAddr, attempts: Vec<Value>) -> TcpOutcome {
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
            json!({"address": addr.to_string(), "local": local, "attempts": attempts}),
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
                attempts
                    .push(json!({"address": addr.to_string(), "result": "connected", "ms": ms}));
                return connected(stream, *addr, attempts);
            }
            Some(Err(e)) => {
                let (kind, what) = classify(&e);
                attempts.push(json!({"address": addr.to_string(), "result": kind.as_str(), "error": e.to_string(), "ms": ms}));
                last = Some((kind, format!("{addr}: {what}")));
            }
            None => {
                attempts.push(json!({"address": addr.to_string(), "result": "timeout", "ms": ms}));
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
        result: StageResult::fail(Stage::Tcp, kind, msg, json!({"attempts": attempts})),
        stream: None,
        peer: None,
    }
}

fn classify(e: &io::Error) -> (Kind, &'static str) {
    use io::ErrorKind as E;
    match e.kind() {
        E::ConnectionRefused => (
            Kind::Refused,
            "connection refused (nothing listening, or a firewall rejects it)",
        ),
        E::TimedOut => (Kind::Timeout, "the connection attempt timed out"),
        E::HostUnreachable | E::NetworkUnreachable | E::AddrNotAvailable => {
            (Kind::Unreachable, "no route to the address")
        }
        E::ConnectionReset | E::ConnectionAborted => {
            (Kind::Reset, "connection reset during the handshake")
        }
        _ => (Kind::Unreachable, "the connection attempt failed"),
    }
}
