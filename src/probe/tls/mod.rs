//! Stage `tls`: the handshake, with the versions and suites WSUS would offer.
//!
//! The certificate verifier only *captures* the chain (the certificate stage judges it), so a bad
//! certificate still lets the handshake finish and the http and clock stages read the server's
//! answer. The files call downward only: this one picks a path — `library` (rustls) or `raw`
//! (the raw ClientHello engine, for offers rustls cannot make; it hands a suite rustls speaks to
//! `library`) — and both explain a failure with the hellos of `follow`; `peer` and `capture` are
//! the leaves they share.

mod capture;
mod follow;
mod library;
mod peer;
mod raw;
pub mod schannel;

use tokio::net::TcpStream;

pub use capture::Recorder;
pub use library::offered_suites;
pub use peer::{Peer, PeerSeen, TlsOutcome};

use crate::config::TlsSettings;

/// The tls stage on `tcp` (direct, or a tunnel through the proxy): with rustls, or with the raw
/// engine when the offer holds what rustls cannot speak.
pub async fn handshake(tls: &TlsSettings, tcp: TcpStream, peer: Peer<'_>) -> TlsOutcome {
    match &tls.offer {
        Some(o) => raw::handshake(o, tcp, peer).await,
        None => library::with_rustls(tls, tcp, peer).await,
    }
}
