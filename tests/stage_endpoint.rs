//! Stage `endpoint`, and the healthy Microsoft-like path it leads to.

use crate::lab::{self, check, pki, servers};
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
    let p = pki::pki();
    let host = "sws1.update.microsoft.com";
    let leaf = pki::leaf(&[host], &p.mu_inter.issuer);
    let addr = servers::tls(servers::TlsSpec::new(
        vec![leaf.der.clone(), p.mu_inter.der()],
        leaf.key(),
        servers::Reply::soap_ok(),
    ))
    .await;
    let url = lab::url(
        "https",
        host,
        addr,
        "/ServerSyncWebService/ServerSyncWebService.asmx",
    );
    let res = lab::resolve(host, addr);
    let ca = pki::path(&p.root_pem);
    let r = check(&[&url, "--resolve", &res, "--ca-file", &ca]).await;
    r.expect_ok();
    assert_eq!(r.status("endpoint"), Status::Warn);
    assert_eq!(
        r.stage("endpoint").kind.map(|k| k.as_str()).unwrap_or("-"),
        "legacy_endpoint"
    );
    let r = check(&[&url, "--resolve", &res, "--ca-file", &ca, "--strict"]).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(!r.path().ok);
}

/// The healthy path of the default target, in the lab: SOAP GetAuthConfig over TLS 1.2 with a
/// chain named like Microsoft's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_sync_service_passes_every_stage() {
    let p = pki::pki();
    let host = "sws.update.microsoft.com";
    let leaf = pki::leaf(&[host], &p.mu_inter.issuer);
    let addr = servers::tls(servers::TlsSpec::new(
        vec![leaf.der.clone(), p.mu_inter.der()],
        leaf.key(),
        servers::Reply::soap_ok(),
    ))
    .await;
    let url = lab::url(
        "https",
        host,
        addr,
        "/ServerSyncWebService/ServerSyncWebService.asmx",
    );
    let r = check(&[
        &url,
        "--resolve",
        &lab::resolve(host, addr),
        "--ca-file",
        &pki::path(&p.root_pem),
    ])
    .await;
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
    assert_eq!(r.stage("tls").detail["version"], "TLS 1.2");
    assert_eq!(r.stage("http").detail["request"], "POST GetAuthConfig");
    assert!(r.stage("http").message.contains("DssTargeting"));
    assert!(r.stage("dns").message.contains("--resolve"));
    assert!(r.report().ok);
}
