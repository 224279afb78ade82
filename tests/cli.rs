//! Command line behaviour: usage errors (exit 2), concurrency over several URLs, text output.

use crate::lab::report::assert_has;
use crate::lab::{self, check, run, servers};
use wsusprobe::model::Stage;
use wsusprobe::model::explain::Explanation;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_with_one_line() {
    for args in [
        vec!["check", "ftp://example.test/"],
        vec!["check", "https://"],
        vec!["check", "--ciphers", "TLS_NOT_A_SUITE"],
        vec!["check", "--client-profile", "win95"],
        vec!["ciphers", "not a host"],
        vec!["check", "--resolve", "nope"],
        vec!["check", "--dns-server", "dns.example"],
        vec!["check", "--timeout", "0"],
        vec!["check", "--connect-timeout", "soon"],
        vec!["check", "--ca-file", "/nonexistent/ca.pem"],
    ] {
        let r = run(&args).await;
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?} printed a report");
        assert_eq!(r.stderr.trim().lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("wsusprobe: error:"), "{}", r.stderr);
    }
}

/// `--only` takes a role of the catalog: anything else is refused by the parser (exit 2), with
/// the roles listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowlist_only_takes_a_catalog_role() {
    let r = run(&["allowlist", "--only", "firewall"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_has(
        &r.stderr,
        "sync, content, client, catalog, redirect, legacy",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_file_without_certificates_is_a_usage_error() {
    let f = crate::lab::pki::pem_file("this is not PEM\n");
    let r = run(&["check", "--ca-file", &crate::lab::pki::path(&f)]).await;
    assert_eq!(r.code, 2);
    assert_has(&r.stderr, "no '-----BEGIN CERTIFICATE-----' block");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_urls_keep_their_order_and_any_failure_exits_1() {
    let good = servers::http(servers::Reply::ok()).await;
    let bad = servers::closed_port();
    let u1 = lab::url("http", "127.0.0.1", good, "/selfupdate/iuident.cab");
    let u2 = lab::url("http", "127.0.0.1", bad, "/");
    let r = check(&[&u1, &u2]).await;
    assert_eq!(r.code, 1);
    let paths = r.report().paths;
    assert!(!r.report().ok);
    assert_eq!(paths.len(), 2);
    assert!(paths[0].ok);
    r.expect_at(1, "tcp", "refused");
    assert!(paths[0].target.ends_with("/selfupdate/iuident.cab"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_output_ends_with_the_verdict_sentence() {
    let bad = servers::closed_port();
    let u = lab::url("http", "127.0.0.1", bad, "/");
    let r = run(&["check", &u]).await;
    assert_eq!(r.code, 1);
    let last_lines: Vec<&str> = r.stdout.lines().rev().take(3).collect();
    assert_has(&r.stdout, "✗ FAIL at tcp/refused");
    assert!(
        r.stdout
            .contains("WSUS would log 0x80072EFD (ERROR_WINHTTP_CANNOT_CONNECT)"),
        "{}",
        r.stdout
    );
    assert!(
        last_lines[0].trim_start().starts_with("Fix:"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{1b}'), "NO_COLOR must strip colours");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_report_has_the_contract_keys() {
    let good = servers::http(servers::Reply::ok()).await;
    let r = check(&[&lab::url("http", "127.0.0.1", good, "/")]).await;
    r.expect_ok();
    for key in ["tool", "version", "started_at", "ok", "paths"] {
        assert!(!r.json[key].is_null(), "missing {key}");
    }
    // The contract is the JSON itself: its keys are checked as text here, on purpose.
    let p = &r.json["paths"][0];
    for key in ["target", "route", "ok", "verdict", "stages", "elapsed_ms"] {
        assert!(p.get(key).is_some(), "missing paths[].{key}");
    }
    assert_eq!(p["route"]["kind"], "direct");
    let stages: Vec<&str> = p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "endpoint",
            "dns",
            "tcp",
            "proxy",
            "tls",
            "certificate",
            "clock",
            "http"
        ]
    );
    for s in p["stages"].as_array().unwrap() {
        for key in ["stage", "status", "kind", "elapsed_ms", "message", "detail"] {
            assert!(s.get(key).is_some(), "missing stages[].{key}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_teaches() {
    let r = run(&["check", "--help"]).await;
    assert_eq!(r.code, 0);
    for needle in [
        "--resolve",
        "--dns-server",
        "--ca-file",
        "--ciphers",
        "Exit codes",
        "sws.update.microsoft.com",
    ] {
        assert!(r.stdout.contains(needle), "--help lacks {needle}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_stages_from_the_verdict_table() {
    let r = run(&["explain", "--json", "0x80072F8F"]).await;
    assert_eq!(r.code, 0);
    let e: Explanation = r.decode();
    let stages: Vec<Stage> = e.matches.iter().map(|m| m.stage).collect();
    assert!(
        stages.contains(&Stage::Certificate) && stages.contains(&Stage::Clock),
        "{stages:?}"
    );
    assert_eq!(
        e.code.map(|c| c.name).as_deref(),
        Some("ERROR_WINHTTP_SECURE_FAILURE")
    );
    let r = run(&["explain", "HTTP", "status", "407"]).await;
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("proxy/auth_required") && r.stdout.contains("--proxy-user"),
        "{}",
        r.stdout
    );
    let r = run(&["explain", "-2147012867"]).await; // 0x80072EFD
    assert!(
        r.stdout.contains("ERROR_WINHTTP_CANNOT_CONNECT") && r.stdout.contains("tcp/refused"),
        "{}",
        r.stdout
    );
    let r = run(&["explain", "something unheard of"]).await;
    assert_eq!(r.code, 1);
}

/// A wrong path that names something huge is refused in one line, before it is read whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_input_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("disk.img");
    std::fs::write(&big, vec![b'#'; 17 * 1024 * 1024]).unwrap();
    let big = big.display().to_string();
    for args in [
        vec!["run", big.as_str()],
        vec!["check", "--wsus-config", big.as_str()],
        vec!["check", "--ca-file", big.as_str()],
    ] {
        let r = run(&args).await;
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("larger than"), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
}

/// A plan naming a stage or kind the model does not have is a usage error that lists the valid
/// names: a misspelt expectation must not silently never match.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_with_an_unknown_kind_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    for (expect, valid) in [
        ("{ stage = \"proxy\", kind = \"forbiden\" }", "forbidden"),
        ("{ stage = \"firewall\" }", "certificate"),
    ] {
        let plan = dir.path().join("plan.toml");
        let text =
            format!("[[path]]\nurl = \"https://sws.update.microsoft.com/\"\nexpect = {expect}\n");
        std::fs::write(&plan, text).unwrap();
        let r = run(&["run", plan.to_str().unwrap()]).await;
        assert_eq!(r.code, 2, "{expect}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
        assert_has(&r.stderr, valid);
    }
}

/// Where UTF-8 would be garbled (redirected output on Windows, or WSUSPROBE_ASCII=1 anywhere) the
/// text is ASCII: the tool's symbols spelled out, the JSON still valid and equal in meaning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_output_is_ascii_and_json_stays_valid() {
    let wine = crate::lab::report::wine_exe().is_some();
    // Under Wine the output is a pipe: plain without asking (as PowerShell 5.1 would need).
    let ask: &[(&str, &str)] = if wine {
        &[]
    } else {
        &[("WSUSPROBE_ASCII", "1")]
    };
    let r = crate::lab::run_env(&["explain", "0x80072F8F"], ask).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_ascii(), "{}", r.stdout);
    let utf8 = crate::lab::run_env(&["explain", "0x80072F8F"], &[("WSUSPROBE_UTF8", "1")]).await;
    if !wine {
        assert_eq!(
            utf8.stdout,
            crate::lab::run(&["explain", "0x80072F8F"]).await.stdout
        );
    }
    assert!(
        utf8.stdout.contains('—') || utf8.stdout.contains('…'),
        "{}",
        utf8.stdout
    );
    let json = crate::lab::run_env(&["explain", "--json", "0x80072F8F"], ask).await;
    assert!(json.stdout.is_ascii());
    let full = crate::lab::run_env(
        &["explain", "--json", "0x80072F8F"],
        &[("WSUSPROBE_UTF8", "1")],
    )
    .await;
    // The same report, character for character, once the escapes are read.
    assert_eq!(json.json, full.json);
    assert!(full.stdout.contains('—'));
}

/// `--version` names the commit; `completions` prints each shell's script from the clap
/// definitions (every subcommand in it), and the hidden `man` a manual page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_completions_and_manual_page() {
    let r = run(&["--version"]).await;
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with(&format!("wsusprobe {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{}",
        r.stdout
    );
    for (shell, marker) in [
        ("bash", "_wsusprobe()"),
        ("zsh", "#compdef wsusprobe"),
        ("fish", "complete -c wsusprobe"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let r = run(&["completions", shell]).await;
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert_has(&r.stdout, marker);
        for sub in ["check", "allowlist", "ciphers", "serve"] {
            assert_has(&r.stdout, sub);
        }
    }
    let r = run(&["completions", "tcsh"]).await;
    assert_eq!(r.code, 2, "an unknown shell is a usage error");
    let r = run(&["man"]).await;
    assert_eq!(r.code, 0);
    assert_has(&r.stdout, ".TH wsusprobe 1");
    assert_has(&r.stdout, "Find where the network path");
}
