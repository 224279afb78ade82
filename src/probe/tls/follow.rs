//! The follow-up hellos that explain a failed handshake — which versions the server speaks,
//! which suites it accepts, whether a filter acts on the name — each on a fresh connection from
//! the peer's dialer. Called by both handshake paths; calls neither.

use super::peer::{FOLLOW_UP_CAP, Peer};
use crate::hello::{self, ClientOffer, HelloOutcome, HelloSpec, scan};
use crate::knowledge::remedies::{self, Remedy};
use crate::knowledge::suites;
use crate::model::Kind;
use crate::model::detail::{FollowUpHello, IdleWatch};
use crate::probe::tcp;

/// Why the server refused the offer: which versions and (TLS 1.2) suites it does accept.
pub(super) async fn explain_offer(
    offer: &ClientOffer,
    refused: &HelloOutcome,
    peer: Peer<'_>,
) -> (Kind, String, Vec<FollowUpHello>) {
    let mut evidence = vec![FollowUpHello::answered(&offer.name, describe(refused))];
    let server_versions = server_versions(peer, &mut evidence).await;
    let names = |vs: &[u16]| {
        vs.iter()
            .map(|v| hello::version_name(*v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let common: Vec<u16> = offer
        .versions
        .iter()
        .copied()
        .filter(|v| server_versions.contains(v))
        .collect();
    if !server_versions.is_empty() && common.is_empty() {
        return (
            Kind::ProtocolVersion,
            format!(
                "the server accepts only {}; {} offers {}",
                names(&server_versions),
                offer.name,
                names(&offer.versions)
            ),
            evidence,
        );
    }
    // A version in common: list what the server accepts there, and compare.
    let Some(&v) = common.first() else {
        let (kind, msg) = match refused {
            HelloOutcome::Reset => (
                Kind::Reset,
                "the server reset the connection and answers no broader offer either",
            ),
            HelloOutcome::Closed => (
                Kind::Closed,
                "the server closed the connection and answers no broader offer either",
            ),
            _ => (
                Kind::Alert,
                "the server refused the hello and answers no broader offer either",
            ),
        };
        return (kind, msg.to_string(), evidence);
    };
    let (kind, msg) = compare_suites(offer, v, peer, &mut evidence).await;
    (kind, msg, evidence)
}

/// Which versions the server speaks at all: a broad offer for each.
async fn server_versions(peer: Peer<'_>, evidence: &mut Vec<FollowUpHello>) -> Vec<u16> {
    let mut found = Vec::new();
    for (v, suites_for) in [
        (hello::TLS13, suites::TLS13_SUITES),
        (hello::TLS12, suites::BROAD_TLS12),
        (hello::TLS11, suites::BROAD_TLS10),
        (hello::TLS10, suites::BROAD_TLS10),
    ] {
        let Some(a) = probe_once(peer, v, suites_for).await else {
            break;
        };
        let offer = format!("{}, broad", hello::version_name(v));
        evidence.push(FollowUpHello::answered(offer, describe(&a)));
        if matches!(a, HelloOutcome::ServerHello { version, .. } if version == v) {
            found.push(v);
        }
    }
    found
}

/// The suites the server accepts at version `v`, enumerated, against the offer's.
async fn compare_suites(
    offer: &ClientOffer,
    v: u16,
    peer: Peer<'_>,
    evidence: &mut Vec<FollowUpHello>,
) -> (Kind, String) {
    let label = scan::VERSIONS
        .iter()
        .find(|(x, _)| *x == v)
        .map_or("TLS", |(_, l)| *l);
    let accepted = scan::scan_version(peer.dialer, v, label, peer.sni(), peer.deadline).await;
    let accepted_ids: Vec<u16> = accepted.suites.iter().map(|s| s.id).collect();
    evidence.push(FollowUpHello {
        accepted: Some(accepted.suites.iter().map(|s| s.name.clone()).collect()),
        answer: None,
        offer: format!("{label}, every suite"),
    });
    let shared: Vec<u16> = offer
        .suites
        .iter()
        .copied()
        .filter(|s| accepted_ids.contains(s))
        .collect();
    let list = |ids: &[u16]| {
        ids.iter()
            .map(|s| suites::name(*s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if shared.is_empty() {
        (
            Kind::NoCommonCipher,
            format!(
                "the server accepts {} only with {}; {} has none of them — {}",
                hello::version_name(v),
                list(&accepted_ids),
                offer.name,
                remedies::text(Remedy::AddSuiteToOrderPolicy)
            ),
        )
    } else {
        (
            Kind::NoCommonCipher,
            format!(
                "the server accepts {} of the suites offered, but refused the hello: the curves offered ({}) are probably not among the server's",
                list(&shared),
                offer
                    .groups
                    .iter()
                    .map(|g| suites::group_name(*g))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    }
}

pub(super) struct FollowUp {
    pub(super) verdict: Option<(Kind, String)>,
    pub(super) evidence: Vec<FollowUpHello>,
    /// Some follow-up hello was answered with a ServerHello: the peer does speak TLS here.
    pub(super) answered: bool,
    /// What an idle connection showed (direct route only), when it was watched.
    pub(super) idle: Option<IdleWatch>,
}

impl FollowUp {
    fn with_idle(mut self, idle: Option<IdleWatch>) -> FollowUp {
        self.idle = idle;
        self
    }

    fn new(verdict: Option<(Kind, String)>, trail: Trail) -> FollowUp {
        FollowUp {
            verdict,
            evidence: trail.evidence,
            answered: trail.answered,
            idle: None,
        }
    }

    /// What the follow-ups showed about the peer, for the path: an answered hello says more
    /// than an idle connection.
    pub(super) fn seen(&self) -> super::peer::PeerSeen {
        use super::peer::PeerSeen;
        match (self.answered, self.idle) {
            (true, _) => PeerSeen::AnswersHellos,
            (false, Some(w)) => PeerSeen::Idle(w),
            (false, None) => PeerSeen::Nothing,
        }
    }
}

/// The follow-up hellos sent and what each got, as evidence, and whether any got a ServerHello.
#[derive(Default)]
struct Trail {
    evidence: Vec<FollowUpHello>,
    answered: bool,
}

impl Trail {
    fn hello(&mut self, offer: &str, answer: &HelloOutcome) {
        self.answered |= matches!(answer, HelloOutcome::ServerHello { .. });
        self.evidence
            .push(FollowUpHello::answered(offer, describe(answer)));
    }
}

fn describe(o: &HelloOutcome) -> String {
    match o {
        HelloOutcome::ServerHello { version, suite, .. } => format!(
            "ServerHello {} {}",
            hello::version_name(*version),
            suites::name(*suite)
        ),
        HelloOutcome::Alert { code, .. } => format!("alert {}", hello::alert_name(*code)),
        HelloOutcome::Closed => "closed".into(),
        HelloOutcome::Reset => "reset".into(),
        HelloOutcome::Timeout => "timeout".into(),
        HelloOutcome::NotTls { first_line } => format!("plaintext: {first_line}"),
        HelloOutcome::Malformed(m) => format!("malformed: {m}"),
    }
}

async fn probe_once(peer: Peer<'_>, version: u16, suites: &[u16]) -> Option<HelloOutcome> {
    let spec = HelloSpec {
        version,
        also: &[],
        suites,
        groups: hello::DEFAULT_GROUPS,
        sni: peer.sni(),
    };
    scan::offer_fresh(peer.dialer, &spec, peer.deadline, FOLLOW_UP_CAP).await
}

/// After a TLS 1.2 handshake failed: what does the server accept? First one hello offering every
/// version (TLS 1.0 to 1.3) and a broad suite list: the server answers with its highest version
/// and a suite. A TLS 1.3 answer is followed by a broad TLS 1.2 offer (does it speak 1.2 at all?);
/// no answer at all, by a TLS 1.0 offer. At most two connections.
pub(super) async fn follow_up(offered: &[u16], peer: Peer<'_>) -> FollowUp {
    let mut trail = Trail::default();
    let broad12 = with_broad(offered, &[suites::BROAD_TLS12]);
    let every = with_broad(suites::TLS13_SUITES, &[&broad12, suites::BROAD_TLS10]);
    let spec = HelloSpec {
        version: hello::TLS13,
        also: &[hello::TLS12, hello::TLS11, hello::TLS10],
        suites: &every,
        groups: hello::DEFAULT_GROUPS,
        sni: peer.sni(),
    };
    let first = scan::offer_fresh(peer.dialer, &spec, peer.deadline, FOLLOW_UP_CAP).await;
    let Some(first) = first else {
        return FollowUp::new(None, trail);
    };
    trail.hello("TLS 1.0 to 1.3, broad suite list", &first);
    let verdict = match first {
        HelloOutcome::ServerHello { version, .. } if version >= hello::TLS13 => {
            let second = probe_once(peer, hello::TLS12, &broad12).await;
            if let Some(a) = &second {
                trail.hello("TLS 1.2, broad suite list", a);
            }
            match second {
                Some(HelloOutcome::ServerHello { version, suite, .. })
                    if version == hello::TLS12 =>
                {
                    tls12_suite(offered, suite)
                }
                Some(_) => Some(only_tls13()),
                None => None,
            }
        }
        HelloOutcome::ServerHello { version, .. } if version < hello::TLS12 => {
            Some(too_old(version))
        }
        HelloOutcome::ServerHello { suite, .. } => tls12_suite(offered, suite),
        HelloOutcome::NotTls { first_line } => Some((
            Kind::NotTls,
            format!("the server answers TLS with plaintext: \"{first_line}\""),
        )),
        // Refused outright: does an old TLS 1.0 offer get an answer?
        _ => {
            let old = probe_once(peer, hello::TLS10, suites::BROAD_TLS10).await;
            if let Some(a) = &old {
                trail.hello("TLS 1.0, CBC suites", a);
            }
            match old {
                Some(HelloOutcome::ServerHello { version, .. }) => Some(too_old(version)),
                _ => None,
            }
        }
    };
    FollowUp::new(verdict, trail)
}

/// The handshake was cut off (`kind`: reset or closed) before the server sent a byte, with a
/// server name in the hello. First the same offer (`version`, `offered` suites) without the
/// name: a ServerHello means a filter acted on the name (SNI). Cut off again, then a broad TLS
/// 1.0-1.2 offer with the name: an answer tells a suite or version refusal (servers such as
/// Microsoft Update's reset those); a third cut-off, a block on the address or port. At most two
/// connections; the message says which.
pub(super) async fn name_or_address(
    offered: &[u16],
    version: u16,
    peer: Peer<'_>,
    kind: Kind,
) -> FollowUp {
    let mut trail = Trail::default();
    let what = if kind == Kind::Reset {
        "reset"
    } else {
        "closed"
    };
    let host = peer.host;
    // Direct, no name at all; through a proxy another name, since a proxy that peeks at the
    // hello falls back to the CONNECT request's name when the hello has none.
    let through_proxy = peer.dialer.tunnel.is_some();
    let (other, unnamed) = if through_proxy {
        (Some(OTHER_NAME), "naming another host")
    } else {
        (None, "without a server name")
    };
    let same_without_name = HelloSpec {
        version,
        also: &[],
        suites: offered,
        groups: hello::DEFAULT_GROUPS,
        sni: other,
    };
    let d = peer.deadline;
    let Some(mut stream) = peer.dialer.dial(d).await else {
        return FollowUp::new(None, trail);
    };
    // Direct, the same connection first shows whether the peer kills even an idle connection
    // (then the verdict is the tcp stage's), before it carries the hello.
    let mut idle = None;
    if !through_proxy {
        let seen = tcp::watch_idle(&stream, d).await;
        idle = Some(seen);
        if seen == IdleWatch::ResetAtOnce {
            trail.evidence.push(FollowUpHello::answered(
                "nothing (an idle connection)",
                "reset",
            ));
            return FollowUp::new(None, trail).with_idle(idle);
        }
    }
    let answer = hello::offer(&mut stream, &same_without_name, d, FOLLOW_UP_CAP).await;
    drop(stream);
    trail.hello(&format!("the same hello {unnamed}"), &answer);
    if let HelloOutcome::ServerHello { version, .. } = answer {
        let msg = format!(
            "the connection was {what} as soon as the ClientHello named {host}, but the same hello {unnamed} is answered ({}): a filter blocks by name (SNI) — {}",
            hello::version_name(version),
            remedies::fill(Remedy::FindSniRule, &[("host", host)])
        );
        return FollowUp::new(Some((kind, msg)), trail).with_idle(idle);
    }
    let broad = with_broad(offered, &[suites::BROAD_TLS12, suites::BROAD_TLS10]);
    let Some(answer) = probe_once(peer, hello::TLS12, &broad).await else {
        return FollowUp::new(None, trail).with_idle(idle);
    };
    trail.hello("TLS 1.0 to 1.2, broad suite list", &answer);
    let verdict = match answer {
        HelloOutcome::ServerHello { version, .. } if version < hello::TLS12 => {
            Some(too_old(version))
        }
        HelloOutcome::ServerHello { suite, .. } => tls12_suite(offered, suite),
        _ => Some((
            kind,
            format!(
                "the connection was {what} during the TLS handshake, again {unnamed} and again with a broad TLS 1.0-1.2 offer: the block is on the address or port (or the server), not on the name {host} or the suites"
            ),
        )),
    };
    FollowUp::new(verdict, trail).with_idle(idle)
}

/// The MSS the packet-size follow-up announces: the smallest every IPv4 host must accept
/// (RFC 879), far under any tunnel's MTU.
const SMALL_MSS: u32 = 536;

/// After a handshake that stalled (`seen`: bytes of the server's answer received, when counted):
/// the same hello (`spec`) on a direct connection that announces an MSS of 536, so the server
/// sends only small segments. The whole flight arriving then means packets of full
/// size are lost on the way (a path-MTU black hole); a stall again, that size is not the cause.
/// One connection; through a proxy, or where the system cannot set the MSS, none, and the
/// message says what was not tried.
pub(super) async fn packet_size(
    spec: &HelloSpec<'_>,
    peer: Peer<'_>,
    seen: Option<usize>,
) -> FollowUp {
    let mut trail = Trail::default();
    let stalled = match seen {
        Some(n) => format!(
            "the server did not complete the TLS handshake before the deadline ({n} bytes of its answer arrived)"
        ),
        None => "the server did not answer the ClientHello before the deadline".to_string(),
    };
    if peer.dialer.tunnel.is_some() {
        let msg = format!(
            "{stalled}; through a proxy this connection's MSS does not reach the server's path, so packet size was not tried"
        );
        return FollowUp::new(Some((Kind::Timeout, msg)), trail);
    }
    let d = peer.deadline;
    let mut stream = match peer.dialer.dial_with_mss(SMALL_MSS, d).await {
        Ok(Some(s)) => s,
        Ok(None) => return FollowUp::new(None, trail),
        Err(why) => {
            let msg = format!("{stalled}; packet size was not tried: {why}");
            return FollowUp::new(Some((Kind::Timeout, msg)), trail);
        }
    };
    let answer =
        hello::offer_until(&mut stream, spec, hello::Until::Flight, d, FOLLOW_UP_CAP).await;
    drop(stream);
    trail.hello(
        &format!("the same hello, announcing an MSS of {SMALL_MSS}"),
        &answer,
    );
    let msg = match &answer {
        HelloOutcome::ServerHello { certificates, .. } => format!(
            "{stalled}, but its whole first flight ({} certificate(s)) arrives on a connection that announces an MSS of {SMALL_MSS}: full-size packets are lost on the way — a path-MTU black hole (a tunnel or link with a smaller MTU drops them, and the ICMP \"fragmentation needed\" that would shrink them does not come back) — {}",
            certificates.len(),
            remedies::text(Remedy::ClampMss)
        ),
        HelloOutcome::Timeout => format!(
            "{stalled}, and it stalls the same way on a connection that announces an MSS of {SMALL_MSS}: not the packet size — something holds the handshake itself (a filter on the path, or the server)"
        ),
        other => format!(
            "{stalled}; on a connection that announces an MSS of {SMALL_MSS} it answers {}",
            describe(other)
        ),
    };
    FollowUp::new(Some((Kind::Timeout, msg)), trail)
}

/// The name a follow-up hello gives through a proxy instead of the target's (RFC 6761 reserves
/// `.invalid`: no filter allows or blocks it on purpose).
const OTHER_NAME: &str = "wsusprobe-sni-check.invalid";

/// `first`, then every suite of `more` not in it yet, in order.
fn with_broad(first: &[u16], more: &[&[u16]]) -> Vec<u16> {
    let mut all = first.to_vec();
    for s in more.iter().flat_map(|m| m.iter()) {
        if !all.contains(s) {
            all.push(*s);
        }
    }
    all
}

/// The server took `suite` at TLS 1.2 from a broad offer: a verdict when it is not one offered.
fn tls12_suite(offered: &[u16], suite: u16) -> Option<(Kind, String)> {
    // The suites were fine otherwise: the failure lies elsewhere; keep the first classification.
    (!offered.contains(&suite)).then(|| {
        (
            Kind::NoCommonCipher,
            format!(
                "the server speaks TLS 1.2 but accepts none of the suites offered; from a broader offer it chose {}",
                suites::name(suite)
            ),
        )
    })
}

fn only_tls13() -> (Kind, String) {
    (
        Kind::ProtocolVersion,
        format!(
            "the server accepts only TLS 1.3 and refuses TLS 1.2, which is what this run offered (and what WSUS offers before Windows Server 2022): {}",
            remedies::text(Remedy::ServerAcceptsTls12Too)
        ),
    )
}

fn too_old(version: u16) -> (Kind, String) {
    (
        Kind::ProtocolVersion,
        format!(
            "the server accepts at most {}: it refuses TLS 1.2, which this run offered and Microsoft Update requires — {}",
            hello::version_name(version),
            remedies::text(Remedy::ServerEnablesTls12)
        ),
    )
}
