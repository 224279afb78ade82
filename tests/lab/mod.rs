//! The in-process lab: servers on loopback and a runner for the wsusprobe binary.
#![allow(dead_code)]

pub mod dns;
pub mod measure;
pub mod pki;
pub mod ports;
pub mod proxy;
pub mod report;
pub mod servers;

pub use report::Run;

use std::net::SocketAddr;
use std::process::Stdio;

/// Run `wsusprobe ARGS…`; JSON is parsed when the output is JSON.
pub async fn run(args: &[&str]) -> Run {
    run_env(args, &[]).await
}

/// Run with extra environment variables (the proxy password).
///
/// Through a proxy, `check` also resolves the target locally (information only): so that no
/// test ever asks the machine's own resolver, such runs get the in-process lab DNS.
pub async fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let proxied = args
        .iter()
        .any(|a| a == "--proxy" || a == "--ssl-proxy" || a == "--proxy-from-env");
    let probes = matches!(
        args.first().map(String::as_str),
        Some("check" | "allowlist" | "run")
    );
    if proxied && probes && !args.iter().any(|a| a == "--dns-server") {
        let dns = dns::zone_server().await;
        args.push("--dns-server".into());
        args.push(dns.to_string());
    }
    let out = tokio::process::Command::from(report::wsusprobe_command())
        .args(&args)
        .env_remove("WSUSPROBE_PROXY_PASSWORD")
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run wsusprobe");
    Run::from_output(&out)
}

/// `wsusprobe check --json ARGS…`
pub async fn check(args: &[&str]) -> Run {
    check_env(args, &[]).await
}

pub async fn check_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["check", "--json"];
    if !args.contains(&"--timeout") {
        all.extend_from_slice(&["--timeout", "8s"]);
    }
    if !args.contains(&"--connect-timeout") {
        all.extend_from_slice(&["--connect-timeout", "2s"]);
    }
    all.extend_from_slice(args);
    run_env(&all, env).await
}

/// A Microsoft-like sync service on loopback: `host` with a chain from the lab's
/// Microsoft-named intermediate, answering `reply`.
pub struct SyncService {
    pub host: String,
    pub addr: SocketAddr,
    pub pki: pki::Pki,
}

pub async fn sync_service(host: &str, reply: servers::Reply) -> SyncService {
    let p = pki::pki();
    let leaf = pki::leaf(&[host], &p.mu_inter.issuer);
    let addr = servers::tls(servers::TlsSpec::new(
        vec![leaf.der.clone(), p.mu_inter.der()],
        leaf.key(),
        reply,
    ))
    .await;
    SyncService {
        host: host.to_string(),
        addr,
        pki: p,
    }
}

impl SyncService {
    /// The WSUS sync web service's URL on this server.
    pub fn url(&self) -> String {
        url(
            "https",
            &self.host,
            self.addr,
            "/ServerSyncWebService/ServerSyncWebService.asmx",
        )
    }

    /// The lab root, for --ca-file.
    pub fn ca(&self) -> String {
        pki::path(&self.pki.root_pem)
    }

    /// `check` of the sync URL, resolved to the server and trusting the lab root.
    pub async fn check(&self, extra: &[&str]) -> Run {
        let ca = self.ca();
        check_resolved(&self.url(), &self.host, self.addr, Some(&ca), extra).await
    }
}

/// `check URL` with `host` resolved to `addr` (--resolve), trusting `ca` when given.
pub async fn check_resolved(
    url: &str,
    host: &str,
    addr: SocketAddr,
    ca: Option<&str>,
    extra: &[&str],
) -> Run {
    let res = resolve(host, addr);
    let mut args = vec![url, "--resolve", res.as_str()];
    if let Some(ca) = ca {
        args.extend(["--ca-file", ca]);
    }
    args.extend_from_slice(extra);
    check(&args).await
}

/// `check URL --proxy http://ADDR …`, optionally as a user whose password travels in
/// WSUSPROBE_PROXY_PASSWORD, as an operator would run it.
#[derive(Clone)]
pub struct Proxied {
    args: Vec<String>,
    password: Option<String>,
    /// Files the arguments name (a --ca-file), kept until the last run.
    keep: Option<std::sync::Arc<pki::Pki>>,
}

pub fn through(proxy: SocketAddr, url: &str) -> Proxied {
    Proxied {
        args: vec![url.to_string(), "--proxy".into(), format!("http://{proxy}")],
        password: None,
        keep: None,
    }
}

/// The sync service behind a scripted proxy that `mode` builds around it, trusted: `check`
/// through that proxy.
pub async fn behind(mode: impl FnOnce(SocketAddr) -> proxy::Mode) -> Proxied {
    let service = sync_service("sws.update.microsoft.com", servers::Reply::soap_ok()).await;
    let px = proxy::start(mode(service.addr)).await;
    let mut p = through(px, &service.url()).with(&["--ca-file", &service.ca()]);
    p.keep = Some(std::sync::Arc::new(service.pki));
    p
}

impl Proxied {
    /// `--proxy-user USER`, with `password` in the environment.
    pub fn user(mut self, user: &str, password: &str) -> Proxied {
        self.args
            .extend(["--proxy-user".to_string(), user.to_string()]);
        self.password = Some(password.to_string());
        self
    }

    pub fn with(mut self, extra: &[&str]) -> Proxied {
        self.args.extend(extra.iter().map(|a| a.to_string()));
        self
    }

    pub async fn check(&self) -> Run {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        match &self.password {
            Some(p) => check_env(&args, &[("WSUSPROBE_PROXY_PASSWORD", p.as_str())]).await,
            None => check(&args).await,
        }
    }
}

/// `HOST:PORT:127.0.0.1` for --resolve.
pub fn resolve(host: &str, addr: SocketAddr) -> String {
    format!("{host}:{}:{}", addr.port(), addr.ip())
}

pub fn url(scheme: &str, host: &str, addr: SocketAddr, path: &str) -> String {
    format!("{scheme}://{host}:{}{path}", addr.port())
}
