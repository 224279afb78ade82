//! Stage `dns`: resolve the first hop with the chosen resolver, record addresses, CNAMEs and time.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::Resolver;
use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig,
};
use hickory_resolver::lookup_ip::LookupIp;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};

use crate::config::Network;
use crate::deadline::Deadline;
use crate::knowledge::remedies::{self, Remedy};
use crate::model::detail::{DnsDetail, DnsSource, Hop, LocalLookup};
use crate::model::{Detail, Kind, Stage, StageResult};
use crate::probe::stage::timed;
use crate::target::DnsChoice;
use crate::target::{ProxySpec, Target};

/// How long the information-only local lookup of the target may take on the proxy route.
const LOCAL_LOOKUP_CAP: Duration = Duration::from_secs(3);

/// Per-query budget inside the path deadline.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct DnsOutcome {
    pub result: StageResult,
    pub addrs: Vec<SocketAddr>,
}

impl crate::probe::stage::Outcome for DnsOutcome {
    fn result_mut(&mut self) -> &mut StageResult {
        &mut self.result
    }
}

/// Resolve `host` for connecting to `port`: a literal as is, a --resolve override, else the
/// chosen resolver (the system's, or one server).
pub async fn resolve(net: &Network, host: &str, port: u16, deadline: &Deadline) -> DnsOutcome {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return DnsOutcome {
            result: StageResult::pass(
                Stage::Dns,
                format!("{ip} is an address literal: nothing to resolve"),
                DnsDetail {
                    source: Some(DnsSource::Literal),
                    addresses: Some(vec![ip.to_string()]),
                    ..DnsDetail::default()
                },
            ),
            addrs: vec![SocketAddr::new(ip, port)],
        };
    }
    if let Some(o) = net.override_for(host, port) {
        let list: Vec<String> = o.addrs.iter().map(ToString::to_string).collect();
        return DnsOutcome {
            result: StageResult::pass(
                Stage::Dns,
                format!(
                    "{host} → {} from --resolve (DNS not asked)",
                    list.join(", ")
                ),
                DnsDetail {
                    source: Some(DnsSource::Resolve),
                    addresses: Some(list),
                    ..DnsDetail::default()
                },
            ),
            addrs: with_port(o.addrs.iter().copied(), port),
        };
    }
    let (resolver, server_label) = match build_resolver(&net.dns, deadline) {
        Ok(r) => r,
        Err(msg) => {
            return failed(StageResult::fail(
                Stage::Dns,
                Kind::Unreachable,
                msg,
                DnsDetail {
                    source: Some(DnsSource::System),
                    ..DnsDetail::default()
                },
            ));
        }
    };
    // A trailing dot stops search-domain expansion: we ask for exactly this name.
    let fqdn = format!("{}.", host.trim_end_matches('.'));
    match deadline.run(None, resolver.lookup_ip(fqdn.as_str())).await {
        None => failed(StageResult::fail(
            Stage::Dns,
            Kind::Timeout,
            format!("no answer for {host} from {server_label} before the deadline"),
            asked(&server_label, host),
        )),
        Some(Ok(found)) => answered(&found, &server_label, host, port),
        Some(Err(e)) => {
            let (mut kind, what) = failure_of(&e);
            let mut detail = DnsDetail {
                error: Some(e.to_string()),
                ..asked(&server_label, host)
            };
            let mut msg = format!("{server_label} {what} for {host}");
            let aliases = if matches!(kind, Kind::NoRecords | Kind::Nxdomain) {
                follow_aliases(&resolver, &fqdn, deadline).await
            } else {
                None
            };
            match aliases {
                Some(Aliases::Loop(chain)) => {
                    msg = format!(
                        "{server_label} answers {host} with a CNAME chain that loops: {}",
                        chain.join(" → ")
                    );
                    detail.cname_loop = Some(chain);
                }
                Some(Aliases::DeadEnd { chain, exists }) => {
                    let last = chain.last().cloned().unwrap_or_default();
                    let (why, end_kind) = if exists {
                        ("has no address record (A/AAAA)", Kind::NoRecords)
                    } else {
                        ("does not exist (NXDOMAIN)", Kind::Nxdomain)
                    };
                    msg = format!(
                        "{server_label} answers {host} with an alias that leads nowhere: {}; {last} {why} — {}",
                        chain.join(" → "),
                        remedies::fill(Remedy::FixDeadAlias, &[("name", &last)])
                    );
                    kind = end_kind;
                    detail.cname_chain = Some(chain);
                }
                None => {}
            }
            failed(StageResult::fail(Stage::Dns, kind, msg, detail))
        }
    }
}

/// The detail of a question put to `server_label`.
fn asked(server_label: &str, host: &str) -> DnsDetail {
    DnsDetail {
        server: Some(server_label.to_string()),
        name: Some(host.to_string()),
        ..DnsDetail::default()
    }
}

/// The dns stage for a path's first hop: the target, or the proxy. Through a proxy the target
/// is also resolved locally, as information only; its local addresses come second (none on the
/// direct route), for the proxy stage to ask the proxy about an address when a name fails.
pub async fn first_hop(
    net: &Network,
    target: &Target,
    proxy: Option<&ProxySpec>,
    deadline: &Deadline,
) -> (DnsOutcome, Vec<SocketAddr>) {
    let Some(p) = proxy else {
        let out = timed(resolve(net, &target.host, target.port, deadline)).await;
        return (out.note(|d| d.hop = Some(Hop::Target)), vec![]);
    };
    let local_deadline = Deadline::after(deadline.remaining().min(LOCAL_LOOKUP_CAP));
    let (mut hop, local) = tokio::join!(
        timed(resolve(net, &p.host, p.port, deadline)),
        resolve(net, &target.host, target.port, &local_deadline)
    );
    hop.result.message = format!("proxy {}", hop.result.message);
    let note = if local.result.kind == Some(Kind::Sinkholed) {
        "the local resolver blocks this name (sinkholed); the proxy resolves the target with its own DNS, so only a direct route would break on it"
    } else {
        "local resolution only: the proxy resolves the target with its own DNS, so this proves nothing about the proxy's view"
    };
    let seen = LocalLookup {
        kind: Some(local.result.kind),
        message: local.result.message,
        note: note.to_string(),
        status: local.result.status,
    };
    let hop = hop.note(|d| {
        d.target_local = Some(seen);
        d.hop = Some(Hop::Proxy);
    });
    (hop, local.addrs)
}

impl DnsOutcome {
    /// Add to this stage's own detail (every result `resolve` builds carries one).
    fn note(mut self, f: impl FnOnce(&mut DnsDetail)) -> DnsOutcome {
        let mut d = match std::mem::take(&mut self.result.detail) {
            Detail::Dns(d) => d,
            _ => DnsDetail::default(),
        };
        f(&mut d);
        self.result.detail = Detail::Dns(d);
        self
    }
}

fn failed(result: StageResult) -> DnsOutcome {
    DnsOutcome {
        result,
        addrs: vec![],
    }
}

/// Every address is 0.0.0.0 or `::`: the answer filtering resolvers give to block a name.
/// (Windows refuses to connect to it; Linux would connect to the local host.)
fn sinkholed(ips: &[IpAddr], server_label: &str, host: &str) -> DnsOutcome {
    let list: Vec<String> = ips
        .iter()
        .take(MAX_LISTED)
        .map(ToString::to_string)
        .collect();
    failed(StageResult::fail(
        Stage::Dns,
        Kind::Sinkholed,
        format!(
            "{server_label} answers {host} with {} only: a DNS filter blocks this name (the address is a blackhole, not the server)",
            list.join(", ")
        ),
        DnsDetail {
            addresses: Some(list),
            ..asked(server_label, host)
        },
    ))
}

fn with_port(ips: impl IntoIterator<Item = IpAddr>, port: u16) -> Vec<SocketAddr> {
    ips.into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect()
}

/// A successful lookup: the addresses (the first ones listed, all counted), CNAMEs and TTL.
fn answered(found: &LookupIp, server_label: &str, host: &str, port: u16) -> DnsOutcome {
    let mut cnames = Vec::new();
    let mut ttl = None::<u32>;
    for rec in found.as_lookup().answers() {
        match &rec.data {
            RData::CNAME(c) => cnames.push(format!("{} → {}", rec.name, c.0)),
            RData::A(_) | RData::AAAA(_) => {
                ttl = Some(ttl.map_or(rec.ttl, |t| t.min(rec.ttl)));
            }
            _ => {}
        }
    }
    let ips: Vec<IpAddr> = found.iter().collect();
    if ips.is_empty() {
        return failed(StageResult::fail(
            Stage::Dns,
            Kind::NoRecords,
            format!("{server_label} answered for {host} without any address"),
            asked(server_label, host),
        ));
    }
    if ips.iter().all(IpAddr::is_unspecified) {
        return sinkholed(&ips, server_label, host);
    }
    // A hostile or broken server can answer with hundreds of addresses: the report keeps
    // the first ones and the count.
    let list: Vec<String> = ips
        .iter()
        .take(MAX_LISTED)
        .map(ToString::to_string)
        .collect();
    let shown = if ips.len() > MAX_IN_MESSAGE {
        format!(
            "{} and {} more",
            list[..MAX_IN_MESSAGE].join(", "),
            ips.len() - MAX_IN_MESSAGE
        )
    } else {
        list.join(", ")
    };
    let via = if cnames.is_empty() {
        String::new()
    } else {
        format!(" via {} CNAME(s)", cnames.len())
    };
    cnames.truncate(MAX_LISTED);
    DnsOutcome {
        result: StageResult::pass(
            Stage::Dns,
            format!("{host} → {shown}{via}"),
            DnsDetail {
                addresses: Some(list),
                address_count: Some(ips.len()),
                cnames: Some(cnames),
                ttl: Some(ttl),
                ..asked(server_label, host)
            },
        ),
        addrs: with_port(ips.iter().copied(), port),
    }
}

/// Most CNAME hops followed.
const MAX_CNAME_HOPS: usize = 8;

/// Where the CNAMEs of a name without an address lead.
enum Aliases {
    /// Back to a name already seen.
    Loop(Vec<String>),
    /// To a name (the chain's last) that does not exist, or (`exists`) has no address record:
    /// the dead link.
    DeadEnd { chain: Vec<String>, exists: bool },
}

/// When a name has no address, follow its CNAMEs one query at a time (a CNAME query is answered
/// with the alias itself, never chased): a loop, or the link where the chain dies. `None` when
/// the name is no alias, or a query fails otherwise.
async fn follow_aliases(
    resolver: &Resolver<TokioRuntimeProvider>,
    fqdn: &str,
    deadline: &Deadline,
) -> Option<Aliases> {
    let mut chain = vec![fqdn.trim_end_matches('.').to_string()];
    let mut name = fqdn.to_string();
    for _ in 0..MAX_CNAME_HOPS {
        let asked = deadline
            .run(None, resolver.lookup(name.as_str(), RecordType::CNAME))
            .await?;
        let found = match asked {
            Ok(found) => found,
            // The alias's target answers no CNAME: it does not exist, or exists without one
            // (and, since the first lookup failed, without an address).
            Err(NetError::Dns(DnsError::NoRecordsFound(nr))) if chain.len() > 1 => {
                let exists = nr.response_code != ResponseCode::NXDomain;
                return Some(Aliases::DeadEnd { chain, exists });
            }
            Err(_) => return None,
        };
        let next = found.answers().iter().find_map(|r| match &r.data {
            RData::CNAME(c) => Some(c.0.to_string()),
            _ => None,
        })?;
        let shown = next.trim_end_matches('.').to_string();
        let looped = chain.iter().any(|n| n.eq_ignore_ascii_case(&shown));
        chain.push(shown);
        if looped {
            return Some(Aliases::Loop(chain));
        }
        name = next;
    }
    None
}

/// Addresses and CNAMEs kept in the report's detail, and addresses named in the message.
const MAX_LISTED: usize = 32;
const MAX_IN_MESSAGE: usize = 4;

/// The kind a failed lookup names, and the words for it.
fn failure_of(e: &NetError) -> (Kind, String) {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => {
            if nr.response_code == ResponseCode::NXDomain {
                (
                    Kind::Nxdomain,
                    "says the name does not exist (NXDOMAIN)".into(),
                )
            } else {
                (
                    Kind::NoRecords,
                    "answered NOERROR with no A/AAAA record".into(),
                )
            }
        }
        NetError::Dns(DnsError::ResponseCode(rc)) => match *rc {
            ResponseCode::Refused => (Kind::Refused, "refused the query (REFUSED)".into()),
            ResponseCode::NXDomain => (
                Kind::Nxdomain,
                "says the name does not exist (NXDOMAIN)".into(),
            ),
            ResponseCode::ServFail => (Kind::Servfail, "failed to resolve (SERVFAIL)".into()),
            other => (Kind::Servfail, format!("answered with error {other}")),
        },
        NetError::Timeout => (Kind::Timeout, "did not answer in time".into()),
        NetError::Io(io) => (Kind::Unreachable, format!("could not be reached ({io})")),
        NetError::NoConnections => (
            Kind::Unreachable,
            "could not be reached (no usable connection)".into(),
        ),
        other => (
            Kind::Servfail,
            format!("returned an unusable answer ({other})"),
        ),
    }
}

fn build_resolver(
    dns: &DnsChoice,
    deadline: &Deadline,
) -> Result<(Resolver<TokioRuntimeProvider>, String), String> {
    let (mut builder, label, hosts) = match dns {
        DnsChoice::System => {
            let b = Resolver::builder_tokio()
                .map_err(|e| format!("cannot read the system resolver configuration: {e}"))?;
            (b, "the system resolver".to_string(), ResolveHosts::Always)
        }
        DnsChoice::Server(addr) => {
            let mut udp = ConnectionConfig::udp();
            udp.port = addr.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = addr.port();
            let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
            let b = Resolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![ns]),
                TokioRuntimeProvider::default(),
            );
            (b, format!("DNS server {addr}"), ResolveHosts::Never)
        }
    };
    let o = builder.options_mut();
    o.timeout = QUERY_TIMEOUT.min(deadline.remaining().max(Duration::from_millis(1)));
    o.attempts = 1;
    o.cache_size = 0;
    o.preserve_intermediates = true;
    o.use_hosts_file = hosts;
    o.ip_strategy = LookupIpStrategy::Ipv4thenIpv6;
    let r = builder
        .build()
        .map_err(|e| format!("cannot set up the resolver: {e}"))?;
    Ok((r, label))
}
