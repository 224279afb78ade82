//! Stage `tcp`: connect to the resolved addresses in order.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::TcpStream;

use crate::deadline::Deadline;
use crate::model::{Kind, Stage, StageResult};

/// After the handshake the connection is watched this long for an immediate reset: a firewall or
/// IPS that accepts and then kills the connection is a tcp verdict, not the server's TLS policy.
const SETTLE: Duration = Duration::from_millis(20);

pub struct TcpOutcome {
    pub result: StageResult,
    pub stream: Option<TcpStream>,
    pub peer: Option<SocketAddr>,
    /// Time spent watching for an immediate reset; not part of the reported connect time.
    settle: Duration,
}

pub async fn connect(
    addrs: &[SocketAddr],
    connect_timeout: Duration,
    deadline: &Deadline,
) -> TcpOutcome {
    let started = Instant::now();
    let mut out = connect_inner(addrs, connect_timeout, deadline).await;
    out.result = out
        .result
        .with_elapsed(started.elapsed().saturating_sub(out.settle));
    out
}

/// Addresses tried before the stage gives up (Windows tries each, but a hostile DNS answer can
/// hold hundreds).
const MAX_ATTEMPTS: usize = 16;

/// Whether the peer resets the connection right after the handshake.
async fn reset_at_once(stream: &TcpStream, deadline: &Deadline) -> bool {
    let mut probe = [0u8; 1];
    let watched = deadline.run(Some(SETTLE), stream.peek(&mut probe)).await;
    matches!(watched, Some(Err(e)) if matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
    ))
}

fn connected(
    stream: TcpStream,
    addr: SocketAddr,
    attempts: Vec<Value>,
    settle: Duration,
) -> TcpOutcome {
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
        settle,
    }
}

async fn connect_inner(
    addrs: &[SocketAddr],
    connect_timeout: Duration,
    deadline: &Deadline,
) -> TcpOutcome {
    let mut attempts = Vec::new();
    let mut last: Option<(Kind, String)> = None;
    let mut settle = Duration::ZERO;
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
                let t1 = Instant::now();
                let reset = reset_at_once(&stream, deadline).await;
                settle += t1.elapsed();
                if reset {
                    attempts
                        .push(json!({"address": addr.to_string(), "result": "reset", "ms": ms}));
                    last = Some((
                        Kind::Reset,
                        format!("{addr} accepted the connection and reset it at once"),
                    ));
                    continue;
                }
                attempts
                    .push(json!({"address": addr.to_string(), "result": "connected", "ms": ms}));
                return connected(stream, *addr, attempts, settle);
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
        settle,
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
