//! The proxy password never leaves the process: every command, every output format, Basic and
//! NTLM proxies, right and wrong passwords, with `RUST_LOG=trace` — and not in a panic message.

use base64::Engine as _;

use crate::lab::{self, pki, proxy, run_env, servers};

const SECRET: &str = "Tr4ce-Me-N0t!pw";
const HOST: &str = "sws.update.microsoft.com";

/// Every form the password could leak in.
fn needles() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let ntowf = wsusprobe::auth::ntlm::ntowf_v2("wsus", "CONTOSO", SECRET);
    vec![
        SECRET.to_string(),
        SECRET.replace('!', "%21"),
        b64(&format!("wsus:{SECRET}")),
        b64(&format!("CONTOSO\\wsus:{SECRET}")),
        hex(&ntowf),
        hex(&ntowf).to_uppercase(),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for n in needles() {
        assert!(!text.contains(&n), "{what} leaks {n:?}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_command_or_format_or_log_shows_the_password() {
    let service = lab::sync_service(HOST, servers::Reply::soap_ok()).await;
    let (up, p) = (service.addr, &service.pki);
    let basic = proxy::start(proxy::Mode::Basic {
        user: "wsus".into(),
        pass: SECRET.into(),
        upstream: up,
    })
    .await;
    let ntlm = proxy::start(proxy::Mode::Ntlm {
        user: "wsus".into(),
        domain: "CONTOSO".into(),
        pass: SECRET.into(),
        upstream: up,
    })
    .await;
    let dns = lab::dns::zone_server().await.to_string();
    let ca = pki::path(&p.root_pem);
    let url = lab::url(
        "https",
        HOST,
        up,
        "/ServerSyncWebService/ServerSyncWebService.asmx",
    );
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!("name = \"secrets\"\n[[path]]\nurl = \"{url}\"\nexpect = \"pass\"\n"),
    )
    .unwrap();
    let plan = plan.display().to_string();
    let log = dir.path().join("SoftwareDistribution.log");
    std::fs::write(
        &log,
        "2026-11-20 10:00:00.123 UTC\tError\tWsusService.25\tWebException: The remote server returned an error: (407) Proxy Authentication Required.\n",
    )
    .unwrap();
    let log = log.display().to_string();
    let upstream_port = up.port().to_string();
    let cipher_target = format!("{HOST}:{}", up.port());

    let mut runs: Vec<Vec<String>> = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for (px, user) in [(basic, "wsus"), (ntlm, "CONTOSO\\wsus")] {
        let through = s(&[
            "--proxy",
            &format!("http://{px}"),
            "--proxy-user",
            user,
            "--dns-server",
            &dns,
        ]);
        let net = |extra: &[&str]| {
            let mut v = s(extra);
            v.extend(through.iter().cloned());
            v.extend(s(&["--ca-file", &ca, "--timeout", "8s"]));
            v
        };
        for format in ["text", "json", "junit", "csv"] {
            runs.push(net(&["check", &url, "--route", "both", "--format", format]));
            runs.push(net(&[
                "allowlist",
                "--host",
                "sws.update",
                "--format",
                format,
            ]));
            runs.push(net(&["run", &plan, "--format", format]));
            runs.push(net(&[
                "upstream",
                "127.0.0.1",
                "--port",
                &upstream_port,
                "--ssl",
                "--format",
                format,
            ]));
        }
        let ciphers = |extra: &[&str]| {
            let mut v = s(&["ciphers", &cipher_target]);
            v.extend(s(extra));
            v.extend(through.iter().cloned());
            v
        };
        runs.push(ciphers(&[]));
        runs.push(ciphers(&["--json"]));
        // An http:// target is forwarded with the credentials in the request itself.
        runs.push(net(&["check", "http://127.0.0.1:9/", "--format", "json"]));
    }
    // Failing before any proxy answers: a dead proxy port, and a user without a proxy.
    let dead = format!("http://{}", servers::closed_port());
    runs.push(s(&[
        "check",
        "--json",
        &url,
        "--proxy",
        &dead,
        "--proxy-user",
        "wsus",
        "--dns-server",
        &dns,
    ]));
    runs.push(s(&["check", "--proxy-user", "wsus"]));
    for json in [false, true] {
        let mut l = s(&["logs", &log]);
        let mut e = s(&["explain", "0x80072F8F"]);
        if json {
            l.push("--json".into());
            e.push("--json".into());
        }
        runs.push(l);
        runs.push(e);
    }
    // The password typed into a proxy URL is refused without being echoed.
    for cmd in ["check", "allowlist", "ciphers"] {
        let mut v = s(&[cmd]);
        if cmd == "ciphers" {
            v.push(cipher_target.clone());
        }
        v.extend(s(&[
            "--proxy",
            &format!("http://wsus:{SECRET}@127.0.0.1:9"),
        ]));
        runs.push(v);
    }

    let mut set = tokio::task::JoinSet::new();
    for (i, args) in runs.into_iter().enumerate() {
        for pass in [SECRET, "wrong-password"] {
            let args = args.clone();
            set.spawn(async move {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                let r = run_env(
                    &a,
                    &[("WSUSPROBE_PROXY_PASSWORD", pass), ("RUST_LOG", "trace")],
                )
                .await;
                (i, args, pass, r)
            });
        }
    }
    let mut traced = 0;
    let mut total = 0;
    while let Some(done) = set.join_next().await {
        let (i, args, pass, r) = done.unwrap();
        total += 1;
        let what = format!("run {i} {args:?} (password {pass:?})");
        assert_clean(&format!("{what} stdout"), &r.stdout);
        assert_clean(&format!("{what} stderr"), &r.stderr);
        assert!(
            r.code != 101 && !r.stderr.contains("panicked"),
            "{what} panicked:\n{}",
            r.stderr
        );
        if r.stderr.contains("proxy request: CONNECT") {
            traced += 1;
            assert!(
                r.stderr.contains("Proxy-Authorization: <redacted>")
                    || r.stderr.contains("Proxy-Authorization: Basic <redacted>")
                    || r.stderr.contains("Proxy-Authorization: NTLM <redacted>")
                    || !r.stderr.contains("Proxy-Authorization"),
                "{what}: an authorization header was logged unredacted"
            );
        }
    }
    assert_eq!(total, 2 * (2 * (4 * 4 + 2 + 1) + 4 + 3 + 2));
    // The trace log was really on and showed the proxy exchanges it redacted.
    assert!(traced >= 40, "only {traced} runs logged a CONNECT");
}

/// A panic message shows values with `{:?}`: the credentials' Debug form hides the password.
#[test]
fn credentials_debug_form_hides_the_password() {
    let auth = wsusprobe::auth::ProxyAuth {
        credentials: Some(wsusprobe::auth::Credentials {
            user: "CONTOSO\\wsus".into(),
            password: secrecy::SecretString::from(SECRET.to_string()),
        }),
        scheme: wsusprobe::auth::SchemeChoice::Auto,
        spn: None,
    };
    let shown = format!("{auth:?} {auth:#?}");
    assert!(shown.contains("CONTOSO"), "{shown}");
    assert_clean("Debug of ProxyAuth", &shown);
    let caught = std::panic::catch_unwind(|| panic!("while probing with {auth:?}"));
    let msg = caught
        .unwrap_err()
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(msg.contains("while probing"));
    assert_clean("panic message", &msg);
}
