//! What the tls files share, at the bottom of `tls/`: the peer a handshake talks to, the
//! stage's outcome, and what the stage learnt about the peer beyond its result.

use std::time::Duration;

use rustls::pki_types::CertificateDer;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::capture::Recorder;
use crate::deadline::Deadline;
use crate::model::detail::IdleWatch;
use crate::model::{Detail, Kind, Stage, StageResult};
use crate::probe::dial::Dialer;
use crate::target::sni_for;

/// Budget of one follow-up probe.
pub(super) const FOLLOW_UP_CAP: Duration = Duration::from_secs(5);

/// The server the tls stage talks to: its name, fresh connections to it (direct, or a new
/// tunnel) for the follow-up probes, and the path deadline.
#[derive(Clone, Copy)]
pub struct Peer<'a> {
    pub host: &'a str,
    pub dialer: &'a Dialer,
    pub deadline: &'a Deadline,
}

impl Peer<'_> {
    /// The name sent in SNI (none for an address).
    pub(super) fn sni(&self) -> Option<&str> {
        sni_for(self.host)
    }
}

/// What the tls stage learnt about the peer beyond its result, for the path's next steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeerSeen {
    /// Nothing more than the result says.
    #[default]
    Nothing,
    /// The handshake was judged from the server's first flight only (a suite wsusprobe cannot
    /// finish): the chain comes from that flight, and there is no stream for http.
    FlightOnly,
    /// A follow-up hello got a ServerHello: the peer does not reset every connection.
    AnswersHellos,
    /// A follow-up watched an idle connection to the peer, and saw this.
    Idle(IdleWatch),
}

pub struct TlsOutcome {
    pub result: StageResult,
    pub stream: Option<TlsStream<Recorder<TcpStream>>>,
    pub chain: Vec<CertificateDer<'static>>,
    pub seen: PeerSeen,
}

impl crate::probe::stage::Outcome for TlsOutcome {
    fn result_mut(&mut self) -> &mut StageResult {
        &mut self.result
    }
}

impl TlsOutcome {
    pub(super) fn failed(kind: Kind, msg: String, detail: impl Into<Detail>) -> TlsOutcome {
        TlsOutcome {
            result: StageResult::fail(Stage::Tls, kind, msg, detail),
            stream: None,
            chain: vec![],
            seen: PeerSeen::Nothing,
        }
    }
}
