//! Stage `dns` against in-process DNS servers (hickory-server).

use crate::lab::{self, check, dns, pki, servers};
use wsusprobe::model::Status;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolves_through_a_cname_and_passes() {
    let p = pki::pki();
    let dns = dns::zone_server().await;
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    let addr = servers::tls(servers::TlsSpec::new(
        vec![leaf.der.clone(), p.inter.der()],
        leaf.key(),
        servers::Reply::ok(),
    ))
    .await;
    let url = lab::url("https", "good.lab.test", addr, "/");
    let r = check(&[
        &url,
        "--dns-server",
        &dns.to_string(),
        "--ca-file",
        &pki::path(&p.root_pem),
    ])
    .await;
    r.expect_ok();
    let d = &r.stage("dns").detail;
    assert_eq!(d["addresses"][0], "127.0.0.1");
    assert_eq!(d["cnames"].as_array().unwrap().len(), 1, "{d}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nxdomain() {
    let dns = dns::zone_server().await;
    let r = check(&[
        "https://missing.lab.test/",
        "--dns-server",
        &dns.to_string(),
    ])
    .await;
    r.expect("dns", "nxdomain");
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80072EE7");
    assert_eq!(r.status("tcp"), Status::Skip);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_records() {
    let dns = dns::zone_server().await;
    let r = check(&[
        "https://txtonly.lab.test/",
        "--dns-server",
        &dns.to_string(),
    ])
    .await;
    r.expect("dns", "no_records");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused() {
    let dns = dns::zone_server().await;
    let r = check(&[
        "https://sws.update.microsoft.com/",
        "--dns-server",
        &dns.to_string(),
    ])
    .await;
    r.expect("dns", "refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servfail() {
    let dns = dns::servfail_server().await;
    let r = check(&[
        "https://sws.update.microsoft.com/",
        "--dns-server",
        &dns.to_string(),
    ])
    .await;
    r.expect("dns", "servfail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_within_the_path_deadline() {
    let (_udp, _tcp, dns) = dns::silent_server();
    let t0 = std::time::Instant::now();
    let r = check(&[
        "https://sws.update.microsoft.com/",
        "--dns-server",
        &dns.to_string(),
        "--timeout",
        "2s",
    ])
    .await;
    r.expect("dns", "timeout");
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        t0.elapsed()
    );
}
