//! Stages `certificate` and `clock`.

use crate::lab::{self, check, pki, servers};
use wsusprobe::model::Status;

struct Served {
    addr: std::net::SocketAddr,
}

async fn serve(
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    leaf: &pki::Leaf,
    reply: servers::Reply,
) -> Served {
    let addr = servers::tls(servers::TlsSpec::new(chain, leaf.key(), reply)).await;
    Served { addr }
}

async fn probe(host: &str, s: &Served, extra: &[&str]) -> lab::Run {
    let url = lab::url("https", host, s.addr, "/");
    let res = lab::resolve(host, s.addr);
    let mut args = vec![url.as_str(), "--resolve", res.as_str()];
    args.extend_from_slice(extra);
    check(&args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired() {
    let p = pki::pki();
    let leaf = pki::leaf_dated(
        &["good.lab.test"],
        pki::now() - pki::days(60),
        pki::now() - pki::days(30),
        &p.inter.issuer,
    );
    let s = serve(
        vec![leaf.der.clone(), p.inter.der()],
        &leaf,
        servers::Reply::ok(),
    )
    .await;
    let r = probe("good.lab.test", &s, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect("certificate", "expired");
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80072F05");
    // the handshake finished, so http and clock still ran
    assert_eq!(r.status("http"), Status::Pass);
    assert_eq!(r.status("clock"), Status::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_yet_valid() {
    let p = pki::pki();
    let leaf = pki::leaf_dated(
        &["good.lab.test"],
        pki::now() + pki::days(2),
        pki::now() + pki::days(30),
        &p.inter.issuer,
    );
    let s = serve(
        vec![leaf.der.clone(), p.inter.der()],
        &leaf,
        servers::Reply::ok(),
    )
    .await;
    let r = probe("good.lab.test", &s, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect("certificate", "not_yet_valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_mismatch() {
    let p = pki::pki();
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    let s = serve(
        vec![leaf.der.clone(), p.inter.der()],
        &leaf,
        servers::Reply::ok(),
    )
    .await;
    let r = probe(
        "wsus01.lab.test",
        &s,
        &["--ca-file", &pki::path(&p.root_pem)],
    )
    .await;
    r.expect("certificate", "name_mismatch");
    assert!(r.v().message.contains("good.lab.test"));
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80072F06");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_issuer() {
    let p = pki::pki();
    let leaf = pki::leaf(&["good.lab.test"], &p.other_inter.issuer);
    let s = serve(
        vec![leaf.der.clone(), p.other_inter.der()],
        &leaf,
        servers::Reply::ok(),
    )
    .await;
    let r = probe("good.lab.test", &s, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect("certificate", "unknown_issuer");
    assert!(r.v().message.contains("Unknown Lab Root"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incomplete_chain() {
    let p = pki::pki();
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    let s = serve(vec![leaf.der.clone()], &leaf, servers::Reply::ok()).await;
    let r = probe("good.lab.test", &s, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect("certificate", "incomplete_chain");
    assert!(r.v().message.contains("wsusprobe Lab Intermediate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed() {
    let leaf = pki::self_signed(&["good.lab.test"]);
    let s = serve(vec![leaf.der.clone()], &leaf, servers::Reply::ok()).await;
    let r = probe("good.lab.test", &s, &[]).await;
    r.expect("certificate", "self_signed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signature() {
    let p = pki::pki();
    let impostor = pki::impostor("wsusprobe Lab Intermediate");
    let leaf = pki::leaf(&["good.lab.test"], &impostor);
    let s = serve(
        vec![leaf.der.clone(), p.inter.der()],
        &leaf,
        servers::Reply::ok(),
    )
    .await;
    let r = probe("good.lab.test", &s, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect("certificate", "bad_signature");
}

/// A Microsoft host whose certificate a TLS-inspecting proxy re-signed: fail while untrusted,
/// warn (exit 0) once the inspection root is added with --ca-file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intercepted_fails_untrusted_and_warns_trusted() {
    let p = pki::pki();
    let host = "sws.update.microsoft.com";
    let leaf = pki::leaf(&[host], &p.inspection_root.issuer);
    let s = serve(vec![leaf.der.clone()], &leaf, servers::Reply::soap_ok()).await;
    let r = probe(host, &s, &[]).await;
    r.expect("certificate", "intercepted");
    let v = r.v();
    assert!(v.message.contains("Contoso TLS Inspection CA"));
    assert!(v.advice.contains("Bypass TLS inspection"));
    let r = probe(host, &s, &["--ca-file", &pki::path(&p.inspection_pem)]).await;
    r.expect_ok();
    assert_eq!(r.status("certificate"), Status::Warn);
    assert_eq!(
        r.stage("certificate")
            .kind
            .map(|k| k.as_str())
            .unwrap_or("-"),
        "intercepted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_beyond_an_hour_fails() {
    let p = pki::pki();
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    let s = serve(
        vec![leaf.der.clone(), p.inter.der()],
        &leaf,
        servers::Reply::ok().with_date_offset(-3 * 3600),
    )
    .await;
    let r = probe("good.lab.test", &s, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect("clock", "skew");
    let skew = r.stage("clock").detail["skew_seconds"].as_f64().unwrap();
    assert!((skew - 10800.0).abs() < 60.0, "{skew}");
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80072F8F");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_skew_warns() {
    let p = pki::pki();
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    let s = serve(
        vec![leaf.der.clone(), p.inter.der()],
        &leaf,
        servers::Reply::ok().with_date_offset(600),
    )
    .await;
    let r = probe("good.lab.test", &s, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect_ok();
    assert_eq!(r.status("clock"), Status::Warn);
}

/// The seeds' 0x80072F8F case: the certificate looks expired only because the local clock is
/// days ahead; at the server's time it is valid, so the verdict is clock/skew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_certificate_explained_by_the_clock() {
    let p = pki::pki();
    let leaf = pki::leaf_dated(
        &["good.lab.test"],
        pki::now() - pki::days(10),
        pki::now() - pki::days(1),
        &p.inter.issuer,
    );
    let s = serve(
        vec![leaf.der.clone(), p.inter.der()],
        &leaf,
        servers::Reply::ok().with_date_offset(-5 * 86400),
    )
    .await;
    let r = probe("good.lab.test", &s, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect("clock", "skew");
    assert_eq!(r.status("certificate"), Status::Fail);
    assert_eq!(
        r.stage("certificate")
            .kind
            .map(|k| k.as_str())
            .unwrap_or("-"),
        "expired"
    );
    let msg = r.v().message;
    assert!(
        msg.contains("local time") && msg.contains("server time"),
        "{msg}"
    );
}
