//! The in-process lab: servers on loopback and a runner for the wsusprobe binary.
#![allow(dead_code)]

pub mod dns;
pub mod measure;
pub mod pki;
pub mod proxy;
pub mod servers;

use std::net::SocketAddr;
use std::process::Stdio;

use serde_json::Value;

pub struct Run {
    pub code: i32,
    pub json: Value,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn path(&self) -> &Value {
        &self.json["paths"][0]
    }

    /// (verdict.stage, verdict.kind) of the first path.
    pub fn verdict(&self) -> (String, String) {
        let v = &self.path()["verdict"];
        (
            v["stage"].as_str().unwrap_or("-").to_string(),
            v["kind"].as_str().unwrap_or("-").to_string(),
        )
    }

    pub fn stage(&self, name: &str) -> &Value {
        self.path()["stages"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["stage"] == name))
            .unwrap_or(&Value::Null)
    }

    pub fn status(&self, stage: &str) -> String {
        self.stage(stage)["status"]
            .as_str()
            .unwrap_or("-")
            .to_string()
    }

    /// Assert the verdict and the exit code 1, with the report on failure.
    pub fn expect(&self, stage: &str, kind: &str) {
        assert_eq!(
            self.verdict(),
            (stage.to_string(), kind.to_string()),
            "report:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        assert_eq!(self.code, 1, "exit code; report:\n{}", self.stdout);
    }

    pub fn expect_ok(&self) {
        assert_eq!(
            self.code, 0,
            "report:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert_eq!(self.path()["ok"], true);
        assert!(self.path()["verdict"].is_null());
    }
}

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
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Run {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
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
