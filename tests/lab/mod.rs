//! The in-process lab: servers on loopback and a runner for the wsusprobe binary.
#![allow(dead_code)]

pub mod dns;
pub mod measure;
pub mod pki;
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
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_wsusprobe"))
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

/// `HOST:PORT:127.0.0.1` for --resolve.
pub fn resolve(host: &str, addr: SocketAddr) -> String {
    format!("{host}:{}:{}", addr.port(), addr.ip())
}

pub fn url(scheme: &str, host: &str, addr: SocketAddr, path: &str) -> String {
    format!("{scheme}://{host}:{}{path}", addr.port())
}
