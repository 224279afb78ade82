//! What it means when the direct route and the proxy route to one URL disagree (`--route
//! both`): one sentence for each way they can part, keyed by the route that fails, its stage and,
//! where it matters, its kind. The first row that matches is taken, so specific rows come before
//! the stage-wide ones. `{host}` is the URL's host; `{direct}` and `{proxy}` are each route's
//! outcome (`pass`, or `stage/kind`).

use crate::model::{Kind, Stage};

/// Which route failed while the other passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fails {
    Direct,
    Proxy,
}

pub struct Parting {
    pub fails: Fails,
    pub stage: Stage,
    /// `None`: any kind at that stage.
    pub kind: Option<Kind>,
    pub says: &'static str,
}

const fn row(fails: Fails, stage: Stage, kind: Option<Kind>, says: &'static str) -> Parting {
    Parting {
        fails,
        stage,
        kind,
        says,
    }
}

pub const PARTINGS: &[Parting] = &[
    row(
        Fails::Direct,
        Stage::Dns,
        Some(Kind::Sinkholed),
        "the local resolver blocks {host} (sinkholed) while the proxy resolves it for itself: only a direct sync breaks on it — keep WSUS on the proxy, or have the DNS filter allow the name",
    ),
    row(
        Fails::Direct,
        Stage::Dns,
        None,
        "the local resolver cannot resolve {host} ({direct}) while the proxy resolves it for itself: WSUS must sync through the proxy, or the local DNS must learn the name",
    ),
    row(
        Fails::Direct,
        Stage::Tcp,
        None,
        "the direct connection is blocked ({direct}) while the proxy gets through: the firewall lets only the proxy out — WSUS must sync through the proxy",
    ),
    row(
        Fails::Direct,
        Stage::Tls,
        None,
        "the TLS handshake fails on the direct route ({direct}) and not through the proxy: a filter on the direct path (SNI, IPS, TLS policy) acts where the proxy's path is exempt",
    ),
    row(
        Fails::Proxy,
        Stage::Certificate,
        Some(Kind::Intercepted),
        "the proxy inspects TLS and re-signs {host}'s certificate ({proxy}) while the direct route gets Microsoft's: exempt Microsoft Update from inspection, or trust the inspection root on the WSUS host",
    ),
    row(
        Fails::Proxy,
        Stage::Proxy,
        None,
        "the proxy refuses what the direct route allows ({proxy}): change the proxy's rule for {host}, or let WSUS sync directly",
    ),
    row(
        Fails::Proxy,
        Stage::Dns,
        None,
        "the proxy itself cannot be found ({proxy}) while the direct route works: check the proxy's name in WSUS's settings, or let WSUS sync directly",
    ),
    row(
        Fails::Proxy,
        Stage::Tcp,
        None,
        "the proxy itself cannot be reached ({proxy}) while the direct route works: check the proxy's address and port in WSUS's settings, or let WSUS sync directly",
    ),
    row(
        Fails::Proxy,
        Stage::Tls,
        None,
        "the TLS handshake fails through the proxy ({proxy}) and not directly: the proxy, or the path behind it, filters or inspects TLS",
    ),
];

/// One route fails at a stage no row names.
pub const ONE_FAILS: &str =
    "the routes part at {stage}: the direct route gives {direct}, the proxy route {proxy}";
/// Both fail, each its own way.
pub const BOTH_FAIL_APART: &str = "two problems, one per route: the direct route fails at {direct}, the proxy route at {proxy} — fix the route WSUS is set to use";
