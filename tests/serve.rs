//! `wsusprobe serve`: the exporter answers Prometheus scrapes with the same verdict `check` gives,
//! refuses what it must, and never shows the proxy password.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::lab::report::assert_has;
use crate::lab::{proxy, servers};

const SECRET: &str = "S3rve-Proxy-Passw0rd!";

/// The exporter on a free loopback port, and its address (from its first line).
async fn serve(args: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsusprobe"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("WSUSPROBE_PROXY_PASSWORD")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start wsusprobe serve");
    let mut first = String::new();
    let stdout = child.stdout.take().unwrap();
    BufReader::new(stdout).read_line(&mut first).await.unwrap();
    let addr = first
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    (child, addr)
}

/// GET `path`: (status, body).
async fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_carry_the_verdict_and_refusals_are_clear() {
    let good = servers::http(servers::Reply::ok()).await;
    let dead = servers::closed_port();
    let (_child, addr) = serve(&["--allow-target", "127.0.0.1"], &[]).await;

    let (status, body) = get(&addr, &format!("/probe?target=http://{good}/")).await;
    assert_eq!(status, 200, "{body}");
    assert_has(&body, "\nprobe_success 1\n");
    assert_has(&body, "wsusprobe_stage_ok{stage=\"http\"} 1");
    assert!(!body.contains("wsusprobe_failure_info{"), "{body}");

    let (status, body) = get(&addr, &format!("/probe?target=http://{dead}/")).await;
    assert_eq!(status, 200, "{body}");
    assert_has(&body, "\nprobe_success 0\n");
    assert_has(
        &body,
        "wsusprobe_failure_info{stage=\"tcp\",kind=\"refused\",windows_error=\"0x80072EFD\"} 1",
    );

    // Not an open proxy; bad requests get one line.
    for (path, code, words) in [
        (
            "/probe?target=https://www.example.com/",
            403,
            "not on the Microsoft Update catalog",
        ),
        ("/probe", 400, "target parameter is required"),
        ("/probe?target=ftp://127.0.0.1/", 400, "not supported"),
        (
            "/probe?target=http://127.0.0.1:1/&route=sideways",
            400,
            "route 'sideways'",
        ),
    ] {
        let (status, body) = get(&addr, path).await;
        assert_eq!(status, code, "{path}: {body}");
        assert_has(&body, words);
        assert_eq!(body.trim().lines().count(), 1, "{path}: {body}");
    }

    let (status, body) = get(&addr, "/metrics").await;
    assert_eq!(status, 200);
    assert_has(&body, "wsusprobe_probes_total{result=\"success\"} 1");
    assert_has(&body, "wsusprobe_probes_total{result=\"failure\"} 1");
    assert_has(&body, "wsusprobe_scrapes_refused_total 4");
    let (status, body) = get(&addr, "/").await;
    assert_eq!(status, 200);
    assert_has(&body, "/metrics");
}

/// Through a proxy with credentials: the scrape, the page and the counters never show the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_never_shows() {
    let up = servers::http(servers::Reply::ok()).await;
    let px = proxy::start(proxy::Mode::Basic {
        user: "wsus".into(),
        pass: SECRET.into(),
        upstream: up,
    })
    .await;
    let proxy_url = format!("http://{px}");
    let args = [
        "--allow-target",
        "127.0.0.1",
        "--proxy",
        &proxy_url,
        "--proxy-user",
        "wsus",
    ];
    for password in [SECRET, "wrong-password"] {
        let (_child, addr) = serve(&args, &[("WSUSPROBE_PROXY_PASSWORD", password)]).await;
        for path in [
            format!("/probe?target=http://{up}/"),
            "/metrics".into(),
            "/".into(),
        ] {
            let (_, body) = get(&addr, &path).await;
            assert!(
                !body.contains(password),
                "{path} shows the password:\n{body}"
            );
        }
    }
}

/// The shipped scrape configuration and alerting rules pass promtool, and the rules' unit tests
/// (an alert that names stage/kind, certificate expiry, clock skew) hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_files_pass_promtool() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/prometheus");
    let promtool = |args: &[&str]| {
        std::process::Command::new("promtool")
            .args(args)
            .current_dir(dir)
            .output()
    };
    let Ok(version) = promtool(&["--version"]) else {
        eprintln!("*** SKIP: promtool is not installed (.ci/run installs prometheus) ***");
        assert!(std::env::var("CI").is_err(), "CI must install prometheus");
        return;
    };
    assert!(version.status.success());
    for args in [
        &["check", "config", "prometheus.yml"][..],
        &["check", "rules", "rules.yml"],
        &["test", "rules", "rules_test.yml"],
    ] {
        let out = promtool(args).unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// SIGTERM (what systemd sends) and Ctrl-C stop the exporter cleanly: exit 0, promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stops_cleanly_on_sigterm_and_ctrl_c() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    for signal in [Signal::SIGTERM, Signal::SIGINT] {
        let (mut child, addr) = serve(&[], &[]).await;
        let (status, _) = get(&addr, "/metrics").await;
        assert_eq!(status, 200);
        kill(Pid::from_raw(child.id().unwrap() as i32), signal).unwrap();
        let exited = tokio::time::timeout(std::time::Duration::from_secs(5), child.wait())
            .await
            .expect("serve stops within 5 s")
            .unwrap();
        assert_eq!(exited.code(), Some(0), "{signal}");
    }
}
