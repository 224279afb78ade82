//! One path: the stages in order — endpoint, dns, tcp, proxy, tls, certificate, clock, http —
//! under one deadline. Once a stage fails, the ones after it are reported as skipped, with why.

use std::time::Instant;

use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::dial::{Dialer, Tunnel};
use super::stage::timed;
use super::tls::PeerSeen;
use super::{aia, cert, clock, dns, endpoint, forward, http, proxy, route, tcp, tls, verdict};
use crate::config::{Config, IssuerRoute, TlsStack};
use crate::deadline::Deadline;
use crate::model::detail::IdleWatch;
use crate::model::{Kind, PathReport, Stage, StageResult, Status};
use crate::target::{ProxySpec, Scheme, Target};

/// Why the stages after a failure did not run.
type Stop = &'static str;

/// Collects stage results; once one fails, the stages after it are reported as skipped.
#[derive(Default)]
struct Stages {
    list: Vec<StageResult>,
}

impl Stages {
    fn push(&mut self, r: StageResult) -> bool {
        let ok = !r.failed();
        self.list.push(r);
        ok
    }

    /// Push, and stop the path with `why` if the stage failed.
    fn pass(&mut self, r: StageResult, why: Stop) -> Result<(), Stop> {
        if self.push(r) { Ok(()) } else { Err(why) }
    }

    fn skip_rest(&mut self, why: &str) {
        let done: Vec<Stage> = self.list.iter().map(|s| s.stage).collect();
        for st in Stage::PATH {
            if !done.contains(st) {
                self.list.push(StageResult::skip(*st, why));
            }
        }
        self.list
            .sort_by_key(|s| Stage::PATH.iter().position(|o| *o == s.stage));
    }
}

/// What every stage of one path shares, and the results so far.
struct Walk<'a> {
    cfg: &'a Config,
    trust: Option<&'a cert::Trust>,
    target: &'a Target,
    proxy: Option<&'a ProxySpec>,
    deadline: Deadline,
    st: Stages,
    /// What the tls stage learnt about the peer (an answered follow-up, an idle connection).
    seen: PeerSeen,
}

/// Probe `target` over one route (`proxy` = `None` is direct).
pub async fn probe_path(
    cfg: &Config,
    trust: Option<&cert::Trust>,
    target: &Target,
    proxy: Option<&ProxySpec>,
) -> PathReport {
    let started = Instant::now();
    let mut walk = Walk {
        cfg,
        trust,
        target,
        proxy,
        deadline: Deadline::after(cfg.net.timeout),
        st: Stages::default(),
        seen: PeerSeen::Nothing,
    };
    if let Err(why) = walk.stages().await {
        walk.st.skip_rest(why);
    }
    build_report(cfg, target, proxy, walk.st.list, started)
}

impl Walk<'_> {
    async fn stages(&mut self) -> Result<(), Stop> {
        let (target, proxy, deadline) = (self.target, self.proxy, self.deadline);
        self.st.pass(
            endpoint::lint(target),
            "not run: the endpoint is decommissioned",
        )?;
        let (dns, target_here) = dns::first_hop(&self.cfg.net, target, proxy, &deadline).await;
        self.st
            .pass(dns.result, "not run: name resolution failed")?;
        let connect_timeout = self.cfg.net.connect_timeout;
        let tcp = timed(tcp::connect(&dns.addrs, connect_timeout, &deadline)).await;
        let ok = self.st.push(tcp.result);
        let (Some(stream), Some(peer), true) = (tcp.stream, tcp.peer, ok) else {
            return Err("not run: no TCP connection");
        };
        let dialer = Dialer {
            stats: Default::default(),
            peer,
            connect_timeout,
            tunnel: proxy.map(|p| self.tunnel_to_target(p)),
        };
        let after_tcp = match (target.scheme, proxy) {
            (Scheme::Http, Some(p)) => self.forwarded(p, stream, &dialer).await,
            (Scheme::Http, None) => {
                self.st.push(no_proxy());
                self.plain(stream).await;
                Ok(())
            }
            (Scheme::Https, None) => {
                self.st.push(no_proxy());
                self.secure(stream, &dialer).await
            }
            (Scheme::Https, Some(p)) => {
                let here = target_here.first().copied();
                let stream = self.tunnel(p, stream, &dialer, here).await?;
                self.secure(stream, &dialer).await
            }
        };
        if self.reset_at_once(peer).await {
            return Err("not run: the connection was reset at once");
        }
        after_tcp
    }

    /// When the first stage on the new connection ended in a reset or close: does the peer reset
    /// an idle connection too? Then the reset is the tcp stage's (a firewall or IPS killing every
    /// connection: `tcp::reset_at_once`), and the stages after tcp are dropped; otherwise what the
    /// idle connection showed is noted on the stage that failed.
    async fn reset_at_once(&mut self, peer: std::net::SocketAddr) -> bool {
        let Some(tcp_at) = self.st.list.iter().position(|s| s.stage == Stage::Tcp) else {
            return false;
        };
        let first_failure = self.st.list[tcp_at + 1..].iter().position(|s| s.failed());
        let Some(i) = first_failure.map(|i| tcp_at + 1 + i) else {
            return false;
        };
        // A follow-up hello already answered: the peer does not kill every connection.
        let cut_off = matches!(self.st.list[i].kind, Some(Kind::Reset | Kind::Closed));
        if self.seen == PeerSeen::AnswersHellos || !cut_off {
            return false;
        }
        let idle = match self.seen {
            PeerSeen::Idle(w) => Some(w),
            _ => {
                let timeout = self.cfg.net.connect_timeout;
                tcp::watch_new_idle(peer, timeout, &self.deadline).await
            }
        };
        match idle {
            Some(IdleWatch::ResetAtOnce) => {
                let connected = self.st.list[tcp_at].clone();
                self.st.list.truncate(tcp_at);
                self.st.list.push(tcp::reset_at_once(connected, peer));
                true
            }
            Some(IdleWatch::StaysOpen) => {
                self.st.list[i].detail.note_idle(IdleWatch::StaysOpen);
                false
            }
            None => false,
        }
    }

    /// The target behind the proxy, with the route's credentials.
    fn tunnel_to_target(&self, proxy: &ProxySpec) -> Tunnel {
        let auth = self.cfg.route.auth.clone();
        Tunnel::new(proxy, &self.target.host, self.target.port, auth)
    }

    /// The request to the server on `stream` (http stage).
    async fn request(
        &self,
        stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    ) -> http::HttpOutcome {
        let via = http::Via::Origin;
        timed(http::exchange(stream, self.target, via, &self.deadline)).await
    }

    /// http:// straight to the server: the request, then the clock from its Date header.
    async fn plain(&mut self, mut stream: TcpStream) {
        self.st.list.extend(no_tls());
        let http = self.request(&mut stream).await;
        self.st
            .push(clock::compare(self.cfg.now, http.date.as_ref(), None));
        self.st.push(http.result);
    }

    /// http:// through the proxy, forwarded (no tunnel): the proxy stage judges the proxy's
    /// answer.
    async fn forwarded(
        &mut self,
        p: &ProxySpec,
        stream: TcpStream,
        dialer: &Dialer,
    ) -> Result<(), Stop> {
        let hop_only = Dialer {
            tunnel: None,
            ..dialer.clone()
        };
        let auth = self.cfg.route.auth.as_deref();
        let (result, http) =
            forward::forward(p, stream, self.target, auth, &hop_only, &self.deadline).await;
        // Pipeline order: the proxy's result, then the tls and certificate rows http:// skips.
        let forwarded = self.st.push(result);
        self.st.list.extend(no_tls());
        if !forwarded {
            return Err("not run: the proxy refused the request");
        }
        self.st
            .push(clock::compare(self.cfg.now, http.date.as_ref(), None));
        self.st.push(http.result);
        Ok(())
    }

    /// The CONNECT tunnel through the proxy, for https://. `here`: the target's address as the
    /// local resolver gives it, for telling the proxy's DNS from its next hop.
    async fn tunnel(
        &mut self,
        p: &ProxySpec,
        stream: TcpStream,
        dialer: &Dialer,
        here: Option<std::net::SocketAddr>,
    ) -> Result<TcpStream, Stop> {
        let tunnel = dialer
            .tunnel
            .clone()
            .unwrap_or_else(|| self.tunnel_to_target(p));
        let dial = || dialer.dial_hop(&self.deadline);
        let mut t = proxy::tunnel(p, stream, &tunnel, dial, &self.deadline).await;
        proxy::port_or_name(&mut t.result, &tunnel, dial, &self.deadline).await;
        proxy::dns_or_next_hop(&mut t.result, &tunnel, here, dial, &self.deadline).await;
        let ok = self.st.push(t.result);
        match (t.stream, ok) {
            (Some(s), true) => Ok(s),
            _ => Err("not run: no tunnel through the proxy"),
        }
    }

    /// The certificate stage on `chain`, timed; none without trust anchors (no https target).
    fn certificate(&self, chain: &[CertificateDer<'static>]) -> Option<cert::CertOutcome> {
        let t = self.trust?;
        let t0 = Instant::now();
        let mut c = cert::analyse(t, &self.target.host, chain, self.cfg.now);
        c.result.record_elapsed(t0.elapsed());
        Some(c)
    }

    /// When the chain stops short of a trusted root at a certificate that names its issuer's AIA
    /// URL: fetch it as Windows would (over `route.issuers`) and judge the chain again, up to
    /// three issuers deep. The stage's time includes the fetches.
    async fn fetch_issuers(
        &self,
        chain: &[CertificateDer<'static>],
        mut c: cert::CertOutcome,
    ) -> cert::CertOutcome {
        let (route, Some(trust)) = (&self.cfg.route.issuers, self.trust) else {
            return c;
        };
        if *route == IssuerRoute::Off {
            return c;
        }
        let (t0, analysed_ms) = (Instant::now(), c.result.elapsed_ms);
        let (mut certs, mut fetched, mut tried) = (Vec::new(), Vec::new(), Vec::new());
        while let Some(url) = c.fetch_from.clone() {
            if tried.contains(&url) || tried.len() >= 3 {
                break;
            }
            tried.push(url.clone());
            match aia::fetch(self.cfg, route, &url, &self.deadline).await {
                Ok(f) => {
                    certs.extend(f.certs);
                    fetched.extend(f.report);
                    c = cert::analyse_with(trust, &self.target.host, chain, &certs, self.cfg.now);
                }
                Err(failure) => {
                    c.fetch_failed(failure);
                    break;
                }
            }
        }
        if !fetched.is_empty() {
            c.fetched_issuers(fetched, &route.describe());
        }
        if !tried.is_empty() {
            c.result.record_elapsed(t0.elapsed());
            c.result.elapsed_ms += analysed_ms;
        }
        c
    }

    /// https://: the handshake, the certificate, then the request and the clock (which reads
    /// both the Date header and the certificate's validity).
    async fn secure(&mut self, stream: TcpStream, dialer: &Dialer) -> Result<(), Stop> {
        let peer = tls::Peer {
            host: &self.target.host,
            dialer,
            deadline: &self.deadline,
        };
        let mut tls = timed(tls::handshake(&self.cfg.tls, stream, peer)).await;
        self.seen = tls.seen;
        // The host's own stack is cross-checked unless another client's offer was asked for
        // (--client-profile, --ciphers, --tls-version 1.3), which Schannel here cannot make.
        let stack = self.cfg.net.tls_stack;
        let cross_check = match stack {
            TlsStack::Auto => self.cfg.tls.is_default_offer(),
            TlsStack::Rustls => false,
            TlsStack::Schannel => true,
        };
        if cross_check
            && let Some(check) =
                tls::schannel::handshake(dialer, &self.target.host, &self.deadline).await
        {
            let policy = (!check.ok).then(tls::schannel::host_policy).flatten();
            tls::schannel::fold(&mut tls.result, check, stack, policy);
        }
        let ok = self.st.push(tls.result);
        if ok && tls.seen == PeerSeen::FlightOnly {
            let judged = if tls.chain.is_empty() {
                None
            } else {
                self.certificate(&tls.chain)
            };
            self.st.push(judged.map(|c| c.result).unwrap_or_else(|| {
                StageResult::skip(
                    Stage::Certificate,
                    "not run: the server's flight carried no readable certificate (TLS 1.3 encrypts it)",
                )
            }));
            return Err("not run: the negotiated suite is one wsusprobe cannot complete");
        }
        let mut stream = match (tls.stream, ok) {
            (Some(s), true) => s,
            (None, true) => {
                return Err(
                    "not run: Schannel completed the handshake, but rustls — through which wsusprobe reads the certificate and the answer — could not",
                );
            }
            _ => return Err("not run: the TLS handshake failed"),
        };
        let cert = match self.certificate(&tls.chain) {
            Some(c) => Some(self.fetch_issuers(&tls.chain, c).await),
            None => None,
        };
        let http = self.request(&mut stream).await;
        let clock = clock::compare(self.cfg.now, http.date.as_ref(), cert.as_ref());
        if let Some(c) = cert {
            self.st.push(c.result);
        }
        self.st.push(clock);
        self.st.push(http.result);
        Ok(())
    }
}

fn no_proxy() -> StageResult {
    StageResult::skip(Stage::Proxy, "direct route: no proxy configured")
}

fn no_tls() -> [StageResult; 2] {
    [
        StageResult::skip(Stage::Tls, "plain http:// URL: no TLS"),
        StageResult::skip(Stage::Certificate, "plain http:// URL: no certificate"),
    ]
}

fn build_report(
    cfg: &Config,
    target: &Target,
    proxy: Option<&ProxySpec>,
    stages: Vec<StageResult>,
    started: Instant,
) -> PathReport {
    for s in &stages {
        log::debug!(
            "{} via {}: {} {}{}: {}",
            target.url,
            proxy.map_or("direct", |p| p.url.as_str()),
            s.stage,
            s.status,
            s.kind.map(|k| format!("/{k}")).unwrap_or_default(),
            s.message
        );
    }
    let verdict = verdict::verdict(&stages);
    let strict_fail = cfg.strict && stages.iter().any(|s| s.status == Status::Warn);
    PathReport {
        target: target.url.clone(),
        route: route::route_of(proxy),
        ok: verdict.is_none() && !strict_fail,
        verdict,
        elapsed_ms: (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
        stages,
    }
}
