//! Stage `tcp`.

use crate::lab::{self, check, servers};
use wsusprobe::model::Stage;
use wsusprobe::model::detail::{DnsSource, IdleWatch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused() {
    let addr = servers::closed_port();
    let r = check(&[&lab::url("https", "127.0.0.1", addr, "/")]).await;
    r.expect("tcp", "refused");
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80072EFD");
    assert_eq!(r.dns().source, Some(DnsSource::Literal));
    // A failed path lists the path's stages and nothing else: the stages after tcp as skipped,
    // and no row for `host` (the host's policy, never a network stage).
    let stages: Vec<Stage> = r.path().stages.iter().map(|s| s.stage).collect();
    assert_eq!(stages, Stage::PATH, "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_when_syns_are_dropped() {
    let (_l, _fill, addr) = servers::black_hole();
    let r = check(&[
        &lab::url("https", "127.0.0.1", addr, "/"),
        "--connect-timeout",
        "1s",
    ])
    .await;
    r.expect("tcp", "timeout");
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80072EE2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_right_after_accept() {
    let addr = servers::raw(servers::Raw::ResetOnAccept).await;
    // Over https:// the reset meets the TLS hello, over http:// the request: either way an idle
    // connection is reset too, so the verdict is the tcp stage's.
    for scheme in ["https", "http"] {
        let r = check(&[&lab::url(scheme, "127.0.0.1", addr, "/")]).await;
        r.expect("tcp", "reset");
        // Either connect() itself saw the reset, or the idle connection did.
        let idle = r.tcp().idle_connection;
        assert!(
            matches!(idle, None | Some(IdleWatch::ResetAtOnce)),
            "{scheme}: {idle:?}"
        );
    }
}

/// In a fresh network namespace the loopback interface is down: connecting to 127.0.0.1 gets
/// "network unreachable" without any packet leaving the namespace. Needs root and unshare(1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_in_an_empty_network_namespace() {
    let can = std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !can {
        eprintln!(
            "SKIP unreachable: unshare -n is not permitted here (needs root); CI runs as root"
        );
        assert!(
            std::env::var("CI").is_err(),
            "CI must be able to run this test"
        );
        return;
    }
    let out = tokio::process::Command::new("unshare")
        .args([
            "-n",
            env!("CARGO_BIN_EXE_wsusprobe"),
            "check",
            "--json",
            "https://127.0.0.1:8531/",
        ])
        .output()
        .await
        .unwrap();
    crate::lab::Run::from_output(&out).expect("tcp", "unreachable");
}
