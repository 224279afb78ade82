//! The raw-engine side of the tls stage: an offer rustls cannot make (`--client-profile`, a
//! GPO-style `--ciphers` list), and the follow-up hellos that explain why a handshake failed —
//! which versions the server speaks, and which suites it accepts.

use rustls::pki_types::CertificateDer;
use serde_json::{Value, json};
use tokio::net::TcpStream;

use super::{FOLLOW_UP_CAP, Peer, TlsOutcome, with_rustls};
use crate::config::{TlsSettings, TlsVersion};
use crate::hello::{self, ClientOffer, HelloOutcome, HelloSpec, scan};
use crate::knowledge::suites;
use crate::model::{Kind, Stage, StageResult};
use crate::probe::tcp;

/// `check --client-profile` / a GPO-style `--ciphers` list: the raw engine sends exactly that
/// ClientHello. When the server picks a suite rustls speaks, the handshake is then done for real
/// with that suite; otherwise it is judged from the server's flight.
pub(super) async fn handshake(
    offer: &ClientOffer,
    mut tcp: TcpStream,
    peer: Peer<'_>,
) -> TlsOutcome {
    let max = offer.max_version();
    let also: Vec<u16> = offer
        .versions
        .iter()
        .copied()
        .filter(|v| *v != max)
        .collect();
    let spec = HelloSpec {
        version: max,
        also: &also,
        suites: &offer.suites,
        groups: &offer.groups,
        sni: peer.sni(),
    };
    let answer = hello::offer_until(
        &mut tcp,
        &spec,
        hello::Until::Flight,
        peer.deadline,
        peer.deadline.remaining(),
    )
    .await;
    drop(tcp);
    let base = offer_detail(offer);
    let (kind, msg, evidence) = match answer {
        HelloOutcome::ServerHello {
            version,
            suite,
            group,
            certificates,
            ..
        } if offer.versions.contains(&version) && offer.suites.contains(&suite) => {
            let agreed = Agreed {
                version,
                suite,
                group,
                certificates,
            };
            return negotiated(offer, agreed, base, peer).await;
        }
        HelloOutcome::ServerHello { version, suite, .. } if !offer.versions.contains(&version) => (
            Kind::ProtocolVersion,
            format!(
                "the server answered with {} ({}), a version {} does not offer",
                hello::version_name(version),
                suites::name(suite),
                offer.name
            ),
            vec![],
        ),
        HelloOutcome::ServerHello { suite, .. } => (
            Kind::Alert,
            format!(
                "the server chose {}, which was not offered",
                suites::name(suite)
            ),
            vec![],
        ),
        HelloOutcome::Timeout => (
            Kind::Timeout,
            "the server did not answer the ClientHello before the deadline".into(),
            vec![],
        ),
        HelloOutcome::NotTls { first_line } => (
            Kind::NotTls,
            format!("the server answered the TLS handshake in plaintext: \"{first_line}\""),
            vec![],
        ),
        refused => explain_offer(offer, &refused, peer).await,
    };
    let mut detail = base;
    detail["follow_up"] = Value::Array(evidence);
    TlsOutcome::failed(kind, msg, detail)
}

/// What the report says was offered.
fn offer_detail(offer: &ClientOffer) -> Value {
    json!({
        "offer": offer.name,
        "offered_versions": offer.versions.iter().map(|v| hello::version_name(*v)).collect::<Vec<_>>(),
        "offered_suites": offer.suites.iter().map(|s| suites::name(*s)).collect::<Vec<_>>(),
        "offered_groups": offer.groups.iter().map(|g| suites::group_name(*g)).collect::<Vec<_>>(),
    })
}

/// What the server picked from the offer.
struct Agreed {
    version: u16,
    suite: u16,
    group: Option<u16>,
    certificates: Vec<Vec<u8>>,
}

/// The server accepted the offer. With a suite rustls speaks, the handshake is done again for
/// real with that suite, so http and clock can run; otherwise it is judged from the flight.
async fn negotiated(offer: &ClientOffer, a: Agreed, base: Value, peer: Peer<'_>) -> TlsOutcome {
    let what = format!(
        "{} negotiates {}, {}{}",
        offer.name,
        hello::version_name(a.version),
        suites::name(a.suite),
        a.group
            .map(|g| format!(" with {}", suites::group_name(g)))
            .unwrap_or_default()
    );
    let mut detail = base;
    detail["version"] = json!(hello::version_name(a.version));
    detail["suite"] = json!(suites::name(a.suite));
    detail["group"] = json!(a.group.map(suites::group_name));
    if suites::rustls_suite(a.suite).is_some()
        && a.version >= hello::TLS12
        && let Some(fresh) = peer.dialer.dial(peer.deadline).await
    {
        let narrowed = TlsSettings {
            version: if a.version >= hello::TLS13 {
                TlsVersion::V13
            } else {
                TlsVersion::V12
            },
            suites: Some(vec![a.suite]),
            offer: None,
            extra_roots: Vec::new(),
        };
        let mut out = with_rustls(&narrowed, fresh, peer).await;
        if !out.result.failed() {
            out.result.message = format!("{what} (completed: {})", out.result.message);
        }
        out.result.detail["offer"] = detail;
        return out;
    }
    TlsOutcome {
        result: StageResult::pass(
            Stage::Tls,
            format!(
                "{what}; wsusprobe cannot finish this suite itself, so the certificate is judged from the server's flight and clock/http are not run"
            ),
            detail,
        ),
        stream: None,
        chain: a
            .certificates
            .into_iter()
            .map(CertificateDer::from)
            .collect(),
        flight_only: true,
        peer_answered: true,
        idle_reset: None,
    }
}

/// Why the server refused the offer: which versions and (TLS 1.2) suites it does accept.
async fn explain_offer(
    offer: &ClientOffer,
    refused: &HelloOutcome,
    peer: Peer<'_>,
) -> (Kind, String, Vec<Value>) {
    let mut evidence = vec![json!({"offer": offer.name, "answer": describe(refused)})];
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
async fn server_versions(peer: Peer<'_>, evidence: &mut Vec<Value>) -> Vec<u16> {
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
        evidence.push(
            json!({"offer": format!("{}, broad", hello::version_name(v)), "answer": describe(&a)}),
        );
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
    evidence: &mut Vec<Value>,
) -> (Kind, String) {
    let label = scan::VERSIONS
        .iter()
        .find(|(x, _)| *x == v)
        .map_or("TLS", |(_, l)| *l);
    let accepted = scan::scan_version(peer.dialer, v, label, peer.sni(), peer.deadline).await;
    let accepted_ids: Vec<u16> = accepted.suites.iter().map(|s| s.id).collect();
    evidence.push(json!({"offer": format!("{label}, every suite"), "accepted": accepted.suites.iter().map(|s| s.name.clone()).collect::<Vec<_>>()}));
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
                "the server accepts {} only with {}; {} has none of them — add one to the SSL Cipher Suite Order policy (HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002, value Functions)",
                hello::version_name(v),
                list(&accepted_ids),
                offer.name
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
    pub(super) evidence: Vec<Value>,
    /// Some follow-up hello was answered with a ServerHello: the peer does speak TLS here.
    pub(super) answered: bool,
    /// Whether the peer reset an idle connection (direct route only), when it was watched.
    pub(super) idle_reset: Option<bool>,
}

impl FollowUp {
    fn with_idle(mut self, idle_reset: Option<bool>) -> FollowUp {
        self.idle_reset = idle_reset;
        self
    }

    fn new(verdict: Option<(Kind, String)>, trail: Trail) -> FollowUp {
        FollowUp {
            verdict,
            evidence: trail.evidence,
            answered: trail.answered,
            idle_reset: None,
        }
    }
}

/// The follow-up hellos sent and what each got, as evidence, and whether any got a ServerHello.
#[derive(Default)]
struct Trail {
    evidence: Vec<Value>,
    answered: bool,
}

impl Trail {
    fn hello(&mut self, offer: &str, answer: &HelloOutcome) {
        self.answered |= matches!(answer, HelloOutcome::ServerHello { .. });
        self.evidence
            .push(json!({"offer": offer, "answer": describe(answer)}));
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
    let mut idle_reset = None;
    if !through_proxy {
        let reset = tcp::idle_reset(&stream, d).await;
        idle_reset = Some(reset);
        if reset {
            trail
                .evidence
                .push(json!({"offer": "nothing (an idle connection)", "answer": "reset"}));
            return FollowUp::new(None, trail).with_idle(idle_reset);
        }
    }
    let answer = hello::offer(&mut stream, &same_without_name, d, FOLLOW_UP_CAP).await;
    drop(stream);
    trail.hello(&format!("the same hello {unnamed}"), &answer);
    if let HelloOutcome::ServerHello { version, .. } = answer {
        let msg = format!(
            "the connection was {what} as soon as the ClientHello named {host}, but the same hello {unnamed} is answered ({}): a filter blocks by name (SNI) — look for an SNI, URL-category or application rule for {host} on the firewall or proxy, not an address rule",
            hello::version_name(version)
        );
        return FollowUp::new(Some((kind, msg)), trail).with_idle(idle_reset);
    }
    let broad = with_broad(offered, &[suites::BROAD_TLS12, suites::BROAD_TLS10]);
    let Some(answer) = probe_once(peer, hello::TLS12, &broad).await else {
        return FollowUp::new(None, trail).with_idle(idle_reset);
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
    FollowUp::new(verdict, trail).with_idle(idle_reset)
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
        "the server accepts only TLS 1.3 and refuses TLS 1.2, which is what this run offered (and what WSUS offers before Windows Server 2022): the server side must also accept TLS 1.2 (check the client side with --tls-version 1.3)".to_string(),
    )
}

fn too_old(version: u16) -> (Kind, String) {
    (
        Kind::ProtocolVersion,
        format!(
            "the server accepts at most {}: it refuses TLS 1.2, which this run offered and Microsoft Update requires — the server side must enable TLS 1.2",
            hello::version_name(version)
        ),
    )
}
