//! Hostile peers: proxies, TLS servers, DNS servers and HTTP servers on loopback that misbehave
//! on purpose. Every case asserts the exact verdict, that the run ended within its `--timeout`
//! plus a margin, and that the probe's memory stayed under a bound.
//!
//! Memory and sockets are measured by `lab::measure` (GNU time's peak RSS of the probe itself;
//! its open sockets sampled from /proc).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod lab;

use lab::report::assert_has;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use lab::measure::{Measured, measured};
use lab::pki;
use lab::proxy::read_head;
use lab::servers::{self, Reply, TlsSpec};

/// Peak resident memory allowed to any probe run (a debug build idles at about 14 MB; the
/// hostile answers below are 10 MB each, so buffering one would cross it).
const PEAK_RSS_BOUND_KB: i64 = 32 * 1024;
/// How long after its --timeout a run may still take (process start, rendering, a loaded CI).
const MARGIN: Duration = Duration::from_millis(2500);
const TIMEOUT_S: u64 = 3;

const SWS: &str = "sws.update.microsoft.com";
const SWS_PATH: &str = "/ServerSyncWebService/ServerSyncWebService.asmx";

/// The bounds every hostile case must keep.
trait Bounds {
    fn expect(&self, stage: &str, kind: &str);
    fn within_bounds(&self, timeout_s: u64);
}

impl Bounds for Measured {
    /// The verdict of the only path, exit code 1, and the time and memory bounds.
    fn expect(&self, stage: &str, kind: &str) {
        self.within_bounds(TIMEOUT_S);
        self.run.expect(stage, kind);
    }

    fn within_bounds(&self, timeout_s: u64) {
        eprintln!(
            "bounds: {:?}, peak {} KiB, {} sockets",
            self.elapsed, self.peak_kb, self.max_sockets
        );
        let limit = Duration::from_secs(timeout_s) + MARGIN;
        assert!(
            self.elapsed <= limit,
            "ran {:?}, more than --timeout {timeout_s}s + {MARGIN:?}",
            self.elapsed
        );
        self.assert_peak_within(PEAK_RSS_BOUND_KB);
    }
}
async fn probe(args: &[String]) -> Measured {
    measured(args, &[]).await
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// `check --json --timeout 3s` plus `args`.
async fn check(args: &[String]) -> Measured {
    let mut all = strings(&[
        "check",
        "--json",
        "--timeout",
        &format!("{TIMEOUT_S}s"),
        "--connect-timeout",
        "2s",
    ]);
    all.extend_from_slice(args);
    probe(&all).await
}

/// A TCP server on loopback running `handler` on every connection.
async fn serve<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let _ = s.set_nodelay(true);
            tokio::spawn(handler(s));
        }
    });
    a
}

/// Read whatever the client sends first (a ClientHello).
async fn read_some(s: &mut TcpStream) {
    let mut chunk = [0u8; 4096];
    let _ = s.read(&mut chunk).await;
}

const ESTABLISHED: &[u8] = b"HTTP/1.1 200 Connection established\r\n\r\n";

/// `check` of the sync service through the hostile proxy at `proxy`.
async fn through_proxy(proxy: SocketAddr) -> Measured {
    let dns = lab::dns::zone_server().await;
    check(&[
        "--proxy".into(),
        format!("http://{proxy}"),
        "--dns-server".into(),
        dns.to_string(),
        format!("https://{SWS}{SWS_PATH}"),
    ])
    .await
}

// ---------------------------------------------------------------------------------------------
// Proxies

#[tokio::test]
async fn proxy_slowloris_one_byte_per_second() {
    let p = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        for b in ESTABLISHED {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let r = through_proxy(p).await;
    r.expect("proxy", "timeout");
    assert_has(&r.v().message, "bytes");
}

#[tokio::test]
async fn proxy_endless_header_lines() {
    let p = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        if s.write_all(b"HTTP/1.1 200 Connection established\r\n")
            .await
            .is_err()
        {
            return;
        }
        for i in 0u64.. {
            let line = format!("X-Filler-{i}: {}\r\n", "a".repeat(60));
            if s.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let r = through_proxy(p).await;
    r.expect("proxy", "not_http");
}

#[tokio::test]
async fn proxy_ten_megabyte_status_line() {
    let p = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        let filler = vec![b'A'; 64 * 1024];
        let _ = s.write_all(b"HTTP/1.1 200 ").await;
        for _ in 0..160 {
            if s.write_all(&filler).await.is_err() {
                return;
            }
        }
        let _ = s.write_all(b"\r\n\r\n").await;
    })
    .await;
    let r = through_proxy(p).await;
    r.expect("proxy", "not_http");
}

#[tokio::test]
async fn proxy_200_then_reset() {
    let p = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        let _ = s.write_all(ESTABLISHED).await;
        read_some(&mut s).await;
        servers::rst(s);
    })
    .await;
    let r = through_proxy(p).await;
    r.expect("tls", "reset");
}

#[tokio::test]
async fn proxy_200_then_html_page() {
    let p = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        let _ = s.write_all(ESTABLISHED).await;
        read_some(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n\r\n<html><title>Blocked by policy</title></html>")
            .await;
    })
    .await;
    let r = through_proxy(p).await;
    r.expect("tls", "not_tls");
    assert_has(&r.v().message, "403 Forbidden");
}

#[tokio::test]
async fn proxy_that_never_answers() {
    let p = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(s);
    })
    .await;
    let r = through_proxy(p).await;
    r.expect("proxy", "timeout");
}

// ---------------------------------------------------------------------------------------------
// TLS servers

/// `check` of the sync service on `addr` (the name resolved there with --resolve), trusting the
/// lab root.
async fn tls_check(addr: SocketAddr, root_pem: &str) -> Measured {
    check(&[
        "--resolve".into(),
        lab::resolve(SWS, addr),
        "--ca-file".into(),
        root_pem.into(),
        lab::url("https", SWS, addr, SWS_PATH),
    ])
    .await
}

#[tokio::test]
async fn tls_server_hello_then_stall() {
    let a = serve(|mut s| async move {
        read_some(&mut s).await;
        let _ = s.write_all(&servers::server_hello(0x0303, 0xc02f)).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let p = pki::pki();
    let r = tls_check(a, &pki::path(&p.root_pem)).await;
    r.expect("tls", "timeout");
}

/// A handshake record header of `len` bytes.
fn record(kind: u8, len: usize) -> Vec<u8> {
    vec![kind, 3, 3, (len >> 8) as u8, len as u8]
}

#[tokio::test]
async fn tls_ten_megabyte_certificate_chain() {
    let a = serve(|mut s| async move {
        read_some(&mut s).await;
        let mut first = servers::server_hello(0x0303, 0xc02f);
        // A Certificate message announcing ~10 MB, then 10 MB of records carrying it.
        let total: usize = 10 * 1024 * 1024;
        let mut msg = vec![11u8, (total >> 16) as u8, (total >> 8) as u8, total as u8];
        let list = total - 3;
        msg.extend_from_slice(&[(list >> 16) as u8, (list >> 8) as u8, list as u8]);
        first.extend_from_slice(&record(22, msg.len()));
        first.extend_from_slice(&msg);
        if s.write_all(&first).await.is_err() {
            return;
        }
        let body = vec![0x30u8; 16384];
        let mut sent = 0;
        while sent < total {
            let mut rec = record(22, body.len());
            rec.extend_from_slice(&body);
            if s.write_all(&rec).await.is_err() {
                return;
            }
            sent += body.len();
        }
    })
    .await;
    let p = pki::pki();
    let r = tls_check(a, &pki::path(&p.root_pem)).await;
    r.expect("tls", "malformed");
}

#[tokio::test]
async fn tls_certificate_with_absurd_fields() {
    use rcgen::{CertificateParams, CustomExtension, DnType, KeyPair, SerialNumber};
    let p = pki::pki();
    let mut names: Vec<String> = (0..2000).map(|i| format!("host{i}.example.test")).collect();
    names.push(SWS.to_string());
    let mut params = CertificateParams::new(names).unwrap();
    params.distinguished_name.push(DnType::CommonName, SWS);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(9999, 12, 31);
    // DER INTEGER 0xFF01: a negative serial number.
    params.serial_number = Some(SerialNumber::from_slice(&[0xFF, 0x01]));
    let mut unknown = CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 55555, 1], vec![5, 0]);
    unknown.set_criticality(true);
    params.custom_extensions = vec![unknown];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &p.mu_inter.issuer).unwrap();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let a = servers::tls(TlsSpec::new(
        vec![cert.der().clone(), p.mu_inter.der()],
        key_der,
        Reply::soap_ok(),
    ))
    .await;
    let r = tls_check(a, &pki::path(&p.root_pem)).await;
    r.expect("certificate", "unknown_critical_extension");
    assert_has(&r.v().message, "marked critical");
    // The handshake itself worked, and the http stage still ran on the captured session.
    assert_eq!(r.stage("tls").status.as_str(), "pass");
    assert_eq!(r.stage("http").status.as_str(), "pass", "{}", r.stdout);
}

/// Relay to `upstream` that cuts every plaintext handshake record the server sends into records
/// of one byte of payload, each written on its own, until the server's ChangeCipherSpec.
async fn one_byte_fragments(upstream: SocketAddr) -> SocketAddr {
    serve(move |client| async move {
        let Ok(server) = TcpStream::connect(upstream).await else {
            return;
        };
        let _ = server.set_nodelay(true);
        let (mut cr, mut cw) = client.into_split();
        let (mut sr, mut sw) = server.into_split();
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut cr, &mut sw).await;
            let _ = sw.shutdown().await;
        });
        let mut plain = true;
        loop {
            let mut hdr = [0u8; 5];
            if sr.read_exact(&mut hdr).await.is_err() {
                break;
            }
            let len = u16::from_be_bytes([hdr[3], hdr[4]]) as usize;
            let mut body = vec![0u8; len];
            if sr.read_exact(&mut body).await.is_err() {
                break;
            }
            if hdr[0] == 20 {
                plain = false;
            }
            if plain && hdr[0] == 22 {
                for b in body {
                    let rec = [22, hdr[1], hdr[2], 0, 1, b];
                    if cw.write_all(&rec).await.is_err() {
                        return;
                    }
                    let _ = cw.flush().await;
                }
            } else {
                if cw.write_all(&hdr).await.is_err() || cw.write_all(&body).await.is_err() {
                    return;
                }
            }
        }
        let _ = cw.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn tls_records_in_one_byte_fragments() {
    let p = pki::pki();
    let leaf = pki::leaf(&[SWS], &p.mu_inter.issuer);
    let mut spec = TlsSpec::new(
        vec![leaf.der.clone(), p.mu_inter.der()],
        leaf.key(),
        Reply::soap_ok(),
    );
    // TLS 1.2: the whole first flight (ServerHello to ServerHelloDone) is in clear.
    spec.versions = vec![&rustls::version::TLS12];
    let a = one_byte_fragments(servers::tls(spec).await).await;
    let r = tls_check(a, &pki::path(&p.root_pem)).await;
    assert_eq!(r.code, 0, "report:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.path().ok);
    let tls = r.tls();
    assert_eq!(
        tls.agreed().map(|(v, _)| v),
        Some("TLS 1.2"),
        "{}",
        r.stdout
    );
    r.within_bounds(TIMEOUT_S);
}

#[tokio::test]
async fn tls_record_length_larger_than_data() {
    let a = serve(|mut s| async move {
        read_some(&mut s).await;
        // A handshake record announcing 16 KiB that carries 10 bytes, then the end.
        let mut rec = record(22, 16384);
        rec.extend_from_slice(&[2, 0, 0, 70, 3, 3, 1, 2, 3, 4]);
        let _ = s.write_all(&rec).await;
        let _ = s.shutdown().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let p = pki::pki();
    let r = tls_check(a, &pki::path(&p.root_pem)).await;
    r.expect("tls", "closed");
}

#[tokio::test]
async fn tls_record_length_over_the_protocol_maximum() {
    let a = serve(|mut s| async move {
        read_some(&mut s).await;
        let mut rec = record(22, 0xFFFF);
        rec.extend_from_slice(&[0u8; 32]);
        let _ = s.write_all(&rec).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let p = pki::pki();
    let r = tls_check(a, &pki::path(&p.root_pem)).await;
    r.expect("tls", "malformed");
}

/// The kind every fatal alert code must produce as the verdict.
fn kind_for_alert(code: u8) -> &'static str {
    match code {
        70 => "protocol_version",
        40 | 71 => "no_common_cipher",
        _ => "alert",
    }
}

#[tokio::test]
async fn tls_alerts_of_every_code() {
    // One server per code, all probed in one run (which also exercises --concurrency).
    let mut urls = Vec::new();
    for code in 0..=255u8 {
        let a = serve(move |mut s| async move {
            read_some(&mut s).await;
            let _ = s.write_all(&[21, 3, 3, 0, 2, 2, code]).await;
            let _ = s.shutdown().await;
        })
        .await;
        urls.push(format!("https://{a}/"));
    }
    let mut args = strings(&["check", "--json", "--timeout", "10s", "--concurrency", "16"]);
    args.extend(urls);
    let r = probe(&args).await;
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    for code in 0..=255u8 {
        let i = code as usize;
        r.expect_at(i, "tls", kind_for_alert(code));
    }
    // Unassigned codes are named as such, assigned ones by name.
    let msg = |i: usize| r.path_at(i).verdict.unwrap().message.to_string();
    assert_has(&msg(48), "unknown_ca");
    assert!(msg(200).contains("unassigned (200)"), "{}", msg(200));
    assert!(r.max_sockets <= 16 * 2 + 8, "{} sockets", r.max_sockets);
    r.within_bounds(10);
}

#[tokio::test]
async fn tls_sslv2_format_reply() {
    let a = serve(|mut s| async move {
        read_some(&mut s).await;
        // SSL 2.0 SERVER-HELLO: 2-byte header (top bit set), type 4, no certificate, one
        // cipher spec (SSL_CK_RC4_128_WITH_MD5), a 16-byte connection id.
        let mut body = vec![4u8, 0, 1, 0, 2, 0, 0, 0, 3, 0, 16];
        body.extend_from_slice(&[1, 0, 0x80]);
        body.extend_from_slice(&[7u8; 16]);
        let mut msg = vec![0x80 | (body.len() >> 8) as u8, body.len() as u8];
        msg.extend_from_slice(&body);
        let _ = s.write_all(&msg).await;
        let _ = s.shutdown().await;
    })
    .await;
    let p = pki::pki();
    let r = tls_check(a, &pki::path(&p.root_pem)).await;
    r.expect("tls", "protocol_version");
    assert_has(&r.v().message, "SSL 2.0");
}

// ---------------------------------------------------------------------------------------------
// DNS

#[tokio::test]
async fn dns_cname_loop() {
    let dns = lab::dns::zone_server().await;
    let r = check(&[
        "--dns-server".into(),
        dns.to_string(),
        "http://loop1.lab.test/".into(),
    ])
    .await;
    r.expect("dns", "no_records");
    assert!(
        r.v()
            .message
            .contains("loops: loop1.lab.test → loop2.lab.test → loop1.lab.test"),
        "{}",
        r.v().message
    );
}

#[tokio::test]
async fn dns_answer_with_500_addresses() {
    let dns = lab::dns::zone_server().await;
    let r = check(&[
        "--dns-server".into(),
        dns.to_string(),
        format!("http://many.lab.test:{}/", servers::closed_port().port()),
    ])
    .await;
    // The resolver retried over TCP and got them all; the report keeps a bounded list and the
    // tcp stage tries a bounded number.
    assert_eq!(r.stage("dns").status.as_str(), "pass", "{}", r.stdout);
    let dns = r.dns();
    assert_eq!(dns.address_count, Some(500));
    assert_eq!(dns.addresses.map(|a| a.len()), Some(32));
    assert!(r.stage("dns").message.contains("and 496 more"));
    r.expect("tcp", "refused");
    assert_has(&r.v().message, "first 16 of 500");
}

// ---------------------------------------------------------------------------------------------
// HTTP

async fn http_check(addr: SocketAddr) -> Measured {
    check(&[format!("http://{addr}{SWS_PATH}")]).await
}

#[tokio::test]
async fn http_answer_without_status_line() {
    let a = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        let _ = s.write_all(b"<html><body>hello</body></html>\r\n").await;
        let _ = s.shutdown().await;
    })
    .await;
    let r = http_check(a).await;
    r.expect("http", "not_http");
}

#[tokio::test]
async fn http_chunked_body_that_never_ends() {
    let a = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        let _ = s
            .write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n",
            )
            .await;
        loop {
            if s.write_all(b"10\r\n<filler>filler</\r\n").await.is_err() {
                return;
            }
        }
    })
    .await;
    let r = http_check(a).await;
    r.expect("http", "not_service");
    assert_has(&r.v().message, "still coming");
}

#[tokio::test]
async fn http_date_header_in_a_wrong_format() {
    let a = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        let body = servers::SOAP_OK;
        let head = format!(
            "HTTP/1.1 200 OK\r\nDate: Tuesday, the day before yesterday\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(head.as_bytes()).await;
        let _ = s.write_all(body.as_bytes()).await;
    })
    .await;
    let r = http_check(a).await;
    assert_eq!(r.code, 0, "report:\n{}", r.stdout);
    assert_eq!(r.stage("clock").status.as_str(), "warn", "{}", r.stdout);
    assert!(r.stage("clock").message.contains("not a valid HTTP date"));
    r.within_bounds(TIMEOUT_S);
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C

#[cfg(unix)]
#[tokio::test]
async fn sigint_prints_the_finished_paths_and_exits_130() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::process::Stdio;
    use std::time::Instant;
    use wsusprobe::model::Report;
    let ok = servers::http(Reply::ok()).await;
    let silent = serve(|mut s| async move {
        let _ = read_head(&mut s).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_wsusprobe"))
        .args([
            "check",
            "--json",
            "--timeout",
            "30s",
            &format!("http://{ok}/"),
            &format!("http://{silent}/"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let t0 = Instant::now();
    kill(Pid::from_raw(child.id().unwrap() as i32), Signal::SIGINT).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(5), async {
        let mut o = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut o)
            .await
            .unwrap();
        (child.wait().await.unwrap(), o)
    })
    .await
    .expect("wsusprobe stops promptly after SIGINT");
    assert!(t0.elapsed() < Duration::from_secs(2));
    let (status, stdout) = out;
    assert_eq!(status.code(), Some(130));
    let report: Report = serde_json::from_slice(&stdout).unwrap();
    assert!(!report.ok);
    let stopped = report.interrupted.unwrap();
    assert_eq!((stopped.finished, stopped.planned), (1, 2));
    assert_eq!(report.paths.len(), 1);
    assert_eq!(report.paths[0].target, format!("http://{ok}/"));
    assert!(report.paths[0].ok);
}
