//! Stage `tls`: rustls servers with restricted versions and suites, raw misbehaving peers,
//! and a real OpenSSL server that speaks only TLS 1.0.

use std::time::Duration;

use crate::lab::report::assert_has;
use crate::lab::{self, pki, servers};
use wsusprobe::model::detail::IdleWatch;

/// A server for good.lab.test with the lab chain, to restrict before starting it.
fn good_spec(p: &pki::Pki) -> servers::TlsSpec {
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    servers::TlsSpec::new(
        vec![leaf.der.clone(), p.inter.der()],
        leaf.key(),
        servers::Reply::ok(),
    )
}

async fn run_against(p: &pki::Pki, addr: std::net::SocketAddr, extra: &[&str]) -> lab::Run {
    let url = lab::url("https", "good.lab.test", addr, "/");
    let ca = pki::path(&p.root_pem);
    lab::check_resolved(&url, "good.lab.test", addr, Some(&ca), extra).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_version_against_a_tls13_only_server() {
    let p = pki::pki();
    let mut spec = good_spec(&p);
    spec.versions = vec![&rustls::version::TLS13];
    let addr = servers::tls(spec).await;
    let r = run_against(&p, addr, &[]).await;
    r.expect("tls", "protocol_version");
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80072EFE");
    assert!(
        r.v().message.contains("accepts only TLS 1.3"),
        "{}",
        r.v().message
    );
    // and with --tls-version 1.3 the same server passes
    let r = run_against(&p, addr, &["--tls-version", "1.3"]).await;
    r.expect_ok();
    assert_eq!(
        r.tls().agreed().map(|(v, _)| v.to_string()).as_deref(),
        Some("TLS 1.3")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_version_when_the_server_answers_tls10() {
    let p = pki::pki();
    let addr = servers::raw(servers::Raw::Answer(servers::server_hello(0x0301, 0xc014))).await;
    let r = run_against(&p, addr, &[]).await;
    r.expect("tls", "protocol_version");
    assert!(r.v().message.contains("TLS 1.0"), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_common_cipher_names_what_the_server_would_take() {
    let p = pki::pki();
    let mut spec = good_spec(&p);
    spec.provider.cipher_suites =
        vec![rustls::crypto::ring::cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256];
    spec.versions = vec![&rustls::version::TLS12];
    let addr = servers::tls(spec).await;
    let r = run_against(
        &p,
        addr,
        &["--ciphers", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
    )
    .await;
    r.expect("tls", "no_common_cipher");
    let msg = r.v().message;
    assert!(
        msg.contains("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
        "{msg}"
    );
    assert_eq!(
        r.tls().offered_suites()[..1],
        ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_after_client_hello() {
    let p = pki::pki();
    let addr = servers::raw(servers::Raw::ResetAfterHello).await;
    let r = run_against(&p, addr, &[]).await;
    r.expect("tls", "reset");
    // An idle connection stays open: the reset answered the hello, so it is not a tcp verdict.
    let tls = r.tls();
    assert_eq!(tls.idle_connection(), Some(IdleWatch::StaysOpen));
    assert!(!tls.follow_up().is_empty(), "{tls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_after_client_hello() {
    let p = pki::pki();
    let addr = servers::raw(servers::Raw::CloseAfterHello).await;
    let r = run_against(&p, addr, &[]).await;
    r.expect("tls", "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_when_the_server_never_answers() {
    let p = pki::pki();
    let addr = servers::raw(servers::Raw::Silent).await;
    let t0 = std::time::Instant::now();
    let r = run_against(&p, addr, &["--timeout", "2s"]).await;
    r.expect("tls", "timeout");
    assert!(
        t0.elapsed() < Duration::from_secs(8),
        "took {:?}",
        t0.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_tls_when_a_block_page_answers() {
    let p = pki::pki();
    let page =
        b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nblocked!\n"
            .to_vec();
    let addr = servers::raw(servers::Raw::Answer(page)).await;
    let r = run_against(&p, addr, &[]).await;
    r.expect("tls", "not_tls");
    assert!(r.v().message.contains("HTTP/1.1 403 Forbidden"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_with_its_name() {
    let p = pki::pki();
    let addr = servers::raw(servers::Raw::Answer(vec![
        0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 80,
    ]))
    .await;
    let r = run_against(&p, addr, &[]).await;
    r.expect("tls", "alert");
    assert!(r.v().message.contains("internal_error"));
}

/// A real OpenSSL server limited to TLS 1.0: rustls gets "no shared cipher", and the raw
/// follow-up probe shows the real reason — the server's protocol version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_tls10_only_server_is_protocol_version() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("SKIP: openssl not installed");
        assert!(std::env::var("CI").is_err(), "CI installs openssl");
        return;
    }
    let p = pki::pki();
    let leaf = pki::leaf(&["good.lab.test"], &p.inter.issuer);
    let cert = pki::pem_file(&format!("{}{}", leaf.cert_pem, p.inter.cert.pem()));
    let key = pki::pem_file(&leaf.key_pem);
    let port = servers::closed_port().port();
    let mut child = tokio::process::Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-tls1",
            "-cipher",
            "ALL:@SECLEVEL=0",
            "-accept",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-cert", &pki::path(&cert), "-key", &pki::path(&key), "-www"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = run_against(&p, addr, &[]).await;
    let _ = child.kill().await;
    r.expect("tls", "protocol_version");
    let msg = r.v().message;
    assert!(msg.contains("TLS 1.0"), "{msg}");
}

/// A firewall that resets the handshake because of the name in the hello (SNI filtering) is told
/// from an address block: the same hello without a name is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sni_filtering_is_told_from_an_address_block() {
    let p = pki::pki();
    let server = servers::tls(good_spec(&p)).await;
    let filter = servers::sni_filter("good.lab.test", server).await;
    let r = run_against(&p, filter, &[]).await;
    r.expect("tls", "reset");
    assert_has(&r.v().message, "a filter blocks by name (SNI)");
    // Counted through a relay (which turns the filter's reset into a close): the path's own
    // connection and one follow-up.
    let (counted, connections) = servers::counted(filter).await;
    let r = run_against(&p, counted, &[]).await;
    assert_eq!(r.v().stage, wsusprobe::model::Stage::Tls, "{}", r.stdout);
    assert_has(&r.v().message, "a filter blocks by name (SNI)");
    assert_has(&r.v().message, "good.lab.test");
    // The path's own connection and one follow-up.
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 2);
    // A healthy path makes one connection.
    let (counted, connections) = servers::counted(server).await;
    run_against(&p, counted, &[]).await.expect_ok();
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);
    // A peer that resets every hello, named or not: the address, not the name.
    let addr = servers::raw(servers::Raw::ResetAfterHello).await;
    let r = run_against(&p, addr, &[]).await;
    r.expect("tls", "reset");
    assert_has(&r.v().message, "the block is on the address or port");
    // Even then, two follow-up connections at most: one watched idle, then given the unnamed
    // hello; one with a broad offer.
    let (counted, connections) = servers::counted(addr).await;
    let r = run_against(&p, counted, &[]).await;
    assert_eq!(r.v().stage, wsusprobe::model::Stage::Tls, "{}", r.stdout);
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 3);
}
