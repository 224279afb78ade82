//! Stage `endpoint`, and the healthy Microsoft-like path it leads to.

use crate::lab::{self, check, servers};
use wsusprobe::model::Status;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fe2_is_decommissioned_without_touching_the_network() {
    let r = check(&[
        "https://fe2.update.microsoft.com/v6/ServerSyncWebService/ServerSyncWebService.asmx",
    ])
    .await;
    r.expect("endpoint", "decommissioned_endpoint");
    assert_eq!(r.status("dns"), Status::Skip);
    assert!(r.v().advice.contains("RedirectorChangeNumber = 4002"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_www_sync_url_is_decommissioned() {
    let r = check(&[
        "https://www.update.microsoft.com/v6/ServerSyncWebService/ServerSyncWebService.asmx",
    ])
    .await;
    r.expect("endpoint", "decommissioned_endpoint");
}

/// sws1 answers (warn, exit 0) — and `--strict` turns the warning into exit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sws1_is_legacy_warning_and_strict_fails() {
    let sws1 = lab::sync_service("sws1.update.microsoft.com", servers::Reply::soap_ok()).await;
    let r = sws1.check(&[]).await;
    r.expect_ok();
    assert_eq!(r.status("endpoint"), Status::Warn);
    assert_eq!(
        r.stage("endpoint").kind.map(|k| k.as_str()).unwrap_or("-"),
        "legacy_endpoint"
    );
    let r = sws1.check(&["--strict"]).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(!r.path().ok);
}

/// The healthy path of the default target, in the lab: SOAP GetAuthConfig over TLS 1.2 with a
/// chain named like Microsoft's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_sync_service_passes_every_stage() {
    let sws = lab::sync_service("sws.update.microsoft.com", servers::Reply::soap_ok()).await;
    let r = sws.check(&[]).await;
    r.expect_ok();
    for s in [
        "endpoint",
        "dns",
        "tcp",
        "tls",
        "certificate",
        "clock",
        "http",
    ] {
        assert_eq!(r.status(s), Status::Pass, "{s}: {}", r.stdout);
    }
    assert_eq!(r.status("proxy"), Status::Skip);
    assert_eq!(
        r.tls().agreed().map(|(v, _)| v.to_string()).as_deref(),
        Some("TLS 1.2")
    );
    assert_eq!(r.http().request, "POST GetAuthConfig");
    assert!(r.stage("http").message.contains("DssTargeting"));
    assert!(r.stage("dns").message.contains("--resolve"));
    assert!(r.report().ok);
}
