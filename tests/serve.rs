//! `wsusprobe serve`: the exporter answers Prometheus scrapes with the same verdict `check` gives,
//! refuses what it must, and never shows the proxy password.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::lab::report::assert_has;
use crate::lab::{self, pki, proxy, servers};

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
    (child, crate::lab::report::exporter_address(&first))
}

/// An HTTP server, and a proxy in front of it that wants Basic `wsus` / `SECRET`.
async fn behind_basic_proxy() -> (std::net::SocketAddr, std::net::SocketAddr) {
    let up = servers::http(servers::Reply::ok()).await;
    let px = proxy::start(proxy::Mode::Basic {
        user: "wsus".into(),
        pass: SECRET.into(),
        upstream: up,
    })
    .await;
    (up, px)
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

/// Every host a catalog pattern covers is probed without `--allow-target` — the legacy sync
/// endpoint sws1, any name under `*.update.microsoft.com` or `*.delivery.mp.microsoft.com` — and
/// reaches the stages (here a refused port on loopback: `--resolve` keeps the names off DNS).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_under_the_catalog_patterns_are_probed() {
    let port = servers::closed_port().port();
    let hosts = [
        "sws1.update.microsoft.com",
        "fe3.b.update.microsoft.com",
        "tsfe.delivery.mp.microsoft.com",
    ];
    let resolve: Vec<String> = hosts
        .iter()
        .map(|h| format!("{h}:{port}:127.0.0.1"))
        .collect();
    let mut args: Vec<&str> = Vec::new();
    for r in &resolve {
        args.extend(["--resolve", r.as_str()]);
    }
    let (_child, addr) = serve(&args, &[]).await;
    for host in hosts {
        let path = format!(
            "/probe?target=https://{host}:{port}/ServerSyncWebService/ServerSyncWebService.asmx"
        );
        let (status, body) = get(&addr, &path).await;
        assert_eq!(status, 200, "{host}: {body}");
        assert_has(
            &body,
            "wsusprobe_failure_info{stage=\"tcp\",kind=\"refused\",windows_error=\"0x80072EFD\"} 1",
        );
    }
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
    // The page reads like the report: DESIGN.md's families in its order, stages in pipeline order.
    let mut families: Vec<&str> = body
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split([' ', '{']).next().unwrap_or_default())
        .collect();
    families.dedup();
    assert_eq!(
        families,
        [
            "probe_success",
            "probe_duration_seconds",
            "wsusprobe_stage_ok",
            "wsusprobe_stage_duration_seconds",
            "wsusprobe_clock_skew_seconds"
        ],
        "{body}"
    );
    let stages: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("wsusprobe_stage_ok{stage=\""))
        .map(|l| l.split('"').next().unwrap_or_default())
        .collect();
    assert_eq!(
        stages,
        ["endpoint", "dns", "tcp", "clock", "http"],
        "{body}"
    );

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
        (
            "/probe?target=https://update.microsoft.com.attacker.test/",
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
    assert_has(&body, "wsusprobe_scrapes_refused_total 5");
    let (status, body) = get(&addr, "/").await;
    assert_eq!(status, 200);
    assert_has(&body, "/metrics");
}

/// Through a proxy with credentials, from the command line or from a `--config` module's
/// variable: the scrape, the page and the counters never show the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_never_shows() {
    let (up, px) = behind_basic_proxy().await;
    let proxy_url = format!("http://{px}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "[modules.px]\nproxy = \"{proxy_url}\"\nproxy_user = \"wsus\"\npassword_env = \"PX_PASSWORD\"\n"
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let args = [
        "--allow-target",
        "127.0.0.1",
        "--proxy",
        &proxy_url,
        "--proxy-user",
        "wsus",
        "--config",
        &config,
    ];
    for password in [SECRET, "wrong-password"] {
        let env = [
            ("WSUSPROBE_PROXY_PASSWORD", password),
            ("PX_PASSWORD", password),
        ];
        let (_child, addr) = serve(&args, &env).await;
        for path in [
            format!("/probe?target=http://{up}/"),
            format!("/probe?target=http://{up}/&module=px"),
            format!("/probe?target=http://{up}/&module=none"),
            "/metrics".into(),
            "/".into(),
        ] {
            let (_, body) = get(&addr, &path).await;
            assert!(
                !body.contains(password),
                "{path} shows the password:\n{body}"
            );
            if path.contains("module=px") {
                let verdict = if password == SECRET {
                    "probe_success 1"
                } else {
                    "kind=\"auth_rejected\""
                };
                assert_has(&body, verdict);
            }
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
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stops_cleanly_on_sigterm_and_ctrl_c() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    if crate::lab::report::skip_under_wine("Unix signals reach Wine's launcher, not the exe") {
        return;
    }
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

/// `--config` modules: a scrape naming one is probed with its settings laid over the command
/// line's (its CA file, its cipher list, its proxy with the password from its own file), the
/// file's `allow_targets` admit its hosts, and an unknown module is a one-line 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_replace_the_command_line_for_their_scrapes() {
    let p = pki::pki();
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    let mut spec = servers::TlsSpec::new(
        vec![leaf.der.clone(), p.inter.der()],
        leaf.key(),
        servers::Reply::ok(),
    );
    spec.provider.cipher_suites =
        vec![rustls::crypto::ring::cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256];
    let tls = servers::tls(spec).await;
    let (up, px) = behind_basic_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(p.root_pem.path(), dir.path().join("root.pem")).unwrap();
    std::fs::write(dir.path().join("proxy.pass"), format!("{SECRET}\n")).unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            r#"allow_targets = ["*.lab.test", "127.0.0.1"]

[modules.lab]
ca_files = ["root.pem"]

[modules.gcm_only]
ca_files = ["root.pem"]
ciphers = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"

[modules.proxied]
proxy = "http://{px}"
proxy_user = "wsus"
password_file = "proxy.pass"
"#
        ),
    )
    .unwrap();
    let resolve = lab::resolve("good.lab.test", tls);
    let config = config.display().to_string();
    let (_child, addr) = serve(&["--config", &config, "--resolve", &resolve], &[]).await;
    let target = lab::url("https", "good.lab.test", tls, "/");
    let scrape = |module: &str| format!("/probe?target={target}{module}");

    // The command line alone does not trust the lab root; the module's CA file does.
    let (status, body) = get(&addr, &scrape("")).await;
    assert_eq!(status, 200, "{body}");
    assert_has(&body, "wsusprobe_failure_info{stage=\"certificate\"");
    let (_, body) = get(&addr, &scrape("&module=lab")).await;
    assert_has(&body, "\nprobe_success 1\n");
    let (_, body) = get(&addr, &scrape("&module=gcm_only")).await;
    assert_has(
        &body,
        "wsusprobe_failure_info{stage=\"tls\",kind=\"no_common_cipher\"",
    );
    // The proxied module reads its password from its file; direct is still possible.
    let via = format!("/probe?target=http://{up}/&module=proxied");
    let (_, body) = get(&addr, &via).await;
    assert_has(&body, "\nprobe_success 1\n");
    assert_has(&body, "wsusprobe_stage_ok{stage=\"proxy\"} 1");
    assert!(!body.contains(SECRET), "{body}");
    let (_, body) = get(&addr, &format!("{via}&route=direct")).await;
    assert!(!body.contains("stage=\"proxy\""), "{body}");

    let (status, body) = get(&addr, &scrape("&module=nope")).await;
    assert_eq!(status, 400, "{body}");
    assert_has(
        &body,
        "module 'nope' is not in --config: known modules are gcm_only, lab, proxied",
    );
    assert_eq!(body.trim().lines().count(), 1, "{body}");
}

/// A broken `--config` stops the exporter before it listens: exit 2, one line naming the file,
/// the module and the field, never a password.
#[test]
fn broken_configs_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[modules.a]\nproxy_password = \"x\"\n",
            "unknown field `proxy_password`",
        ),
        (
            "[modules.a]\nproxy = \"http://127.0.0.1:3128\"\nproxy_user = \"u\"\npassword_env = \"NOT_SET_ANYWHERE\"\n",
            "module 'a': proxy user u: password_env names NOT_SET_ANYWHERE, which is not set",
        ),
        (
            "[modules.a]\nproxy = \"http://127.0.0.1:3128\"\nproxy_user = \"u\"\npassword_file = \"missing.pass\"\n",
            "password_file",
        ),
        (
            "[modules.a]\nca_files = [\"missing.pem\"]\n",
            "module 'a': --ca-file",
        ),
        (
            "[modules.a]\nclient_profile = \"win95\"\n",
            "known profiles are",
        ),
        (
            "[modules.a]\ntimeout = \"forever\"\n",
            "module 'a': --timeout 'forever'",
        ),
        (
            "allow_targets = [\"http://x/\"]\n",
            "allowed target 'http://x/'",
        ),
        ("[modules.a\n", "serve.toml: line 1: unclosed table"),
    ];
    for (text, words) in cases {
        let file = dir.path().join("serve.toml");
        std::fs::write(&file, text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wsusprobe"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&file)
            .env_remove("WSUSPROBE_PROXY_PASSWORD")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{text}: {err}");
        assert_has(&err, words);
        assert!(out.stdout.is_empty(), "{text}: listened anyway");
    }
}

/// The shipped example (testdata/prometheus/serve.toml) loads as documented, with its password
/// variable set; its modules are the ones a scrape may name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_example_config_loads() {
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/prometheus/serve.toml"
    );
    let (_child, addr) = serve(
        &["--config", config],
        &[("WSUSPROBE_SITE_PROXY_PASSWORD", SECRET)],
    )
    .await;
    let (status, body) = get(
        &addr,
        "/probe?target=https://sws.update.microsoft.com/&module=none",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_has(
        &body,
        "known modules are site_kerberos, site_proxy, upstream, win2012r2_direct",
    );
    // Its allow_targets admit the branch hosts (refused only for the module name here).
    let (status, _) = get(
        &addr,
        "/probe?target=https://wsus9.branch.contoso.test/&module=none",
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = get(&addr, "/probe?target=https://other.contoso.test/").await;
    assert_eq!(status, 403);
}

/// The exporter's own pages: `/` lists the recent probes newest first (bounded by --history),
/// each linking to its report at `/report?id=N`; `&debug=true` answers with the probe's report
/// instead of the metrics. The pages are checked in headless Chromium, and no password shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_lists_recent_probes_with_their_reports() {
    let p = pki::pki();
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    let tls = servers::tls(servers::TlsSpec::new(
        vec![leaf.der.clone(), p.inter.der()],
        leaf.key(),
        servers::Reply::ok(),
    ))
    .await;
    let (up, px) = behind_basic_proxy().await;
    let resolve = lab::resolve("good.lab.test", tls);
    let proxy = format!("http://{px}");
    let (_child, addr) = serve(
        &[
            "--allow-target",
            "*.lab.test",
            "--allow-target",
            "127.0.0.1",
            "--resolve",
            &resolve,
            "--history",
            "2",
            "--proxy",
            &proxy,
            "--proxy-user",
            "wsus",
        ][..],
        &[("WSUSPROBE_PROXY_PASSWORD", SECRET)],
    )
    .await;
    let target = lab::url("https", "good.lab.test", tls, "/");
    // Three probes: the first is dropped (--history 2); the certificate fails (no --ca-file).
    for _ in 0..2 {
        let (status, _) = get(&addr, &format!("/probe?target={target}&route=direct")).await;
        assert_eq!(status, 200);
    }
    let (status, body) = get(&addr, &format!("/probe?target=http://{up}/&debug=true")).await;
    assert_eq!(status, 200, "{body}");
    let debug: wsusprobe::model::Report = serde_json::from_str(&body).expect("the report");
    assert!(debug.ok, "{body}");
    assert!(!body.contains(SECRET));

    let (status, index) = get(&addr, "/").await;
    assert_eq!(status, 200);
    assert!(!index.contains(SECRET));
    assert!(
        index.contains("The last 2 probe(s) are kept (2 at most)"),
        "{index}"
    );
    let newest = index.find("/report?id=3").expect("the newest probe");
    let older = index.find("/report?id=2").expect("the one before");
    assert!(newest < older, "newest first");
    assert!(
        !index.contains("/report?id=1\""),
        "dropped beyond --history"
    );
    let (status, report) = get(&addr, "/report?id=2").await;
    assert_eq!(status, 200);
    assert!(report.contains("FAIL at certificate/"), "{report}");
    assert!(!report.contains(SECRET));
    let (status, gone) = get(&addr, "/report?id=1").await;
    assert_eq!(status, 404);
    assert_has(&gone, "only the last 2 are (--history)");

    // The same pages in a real browser.
    let Some(browser) = crate::html::chromium() else {
        return;
    };
    let dir = crate::html::out_dir();
    let (index_file, report_file) = (dir.join("serve-index.html"), dir.join("serve-report.html"));
    std::fs::write(&index_file, &index).unwrap();
    std::fs::write(&report_file, &report).unwrap();
    let dom = crate::html::dump_dom(browser, &index_file);
    assert!(dom.contains("certificate/"), "{dom}");
    assert!(dom.contains(">report</a>"), "{dom}");
    let dom = crate::html::dump_dom(browser, &report_file);
    assert!(dom.contains("BREAKS HERE"), "{dom}");
    crate::html::screenshot(browser, &index_file, &dir.join("serve-index.png"));
}
