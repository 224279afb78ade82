//! Stages `certificate` and `clock`: each case a chain served by an in-process TLS server, probed
//! under a name the lab resolves with --resolve.

use rustls::pki_types::CertificateDer;

use crate::lab::{self, pki, servers};
use wsusprobe::model::{Kind, Status};

const HOST: &str = "good.lab.test";
const AIA: &str = "http://pki.lab.test/inter.crt";

/// A certificate case: the leaf, the certificates the server sends after it, whether the lab
/// root is trusted (--ca-file), and the server's answer.
struct Case {
    leaf: pki::Leaf,
    rest: Vec<CertificateDer<'static>>,
    trust: Option<String>,
    reply: servers::Reply,
}

impl Case {
    /// `leaf`, sent with the lab intermediate, under the trusted lab root.
    fn via_inter(p: &pki::Pki, leaf: pki::Leaf) -> Case {
        Case {
            leaf,
            rest: vec![p.inter.der()],
            trust: Some(pki::path(&p.root_pem)),
            reply: servers::Reply::ok(),
        }
    }

    /// A leaf for `HOST` from the lab intermediate, sent with it.
    fn good(p: &pki::Pki) -> Case {
        Case::via_inter(p, pki::leaf(&[HOST], &p.inter.issuer))
    }

    /// A leaf for `HOST` valid from `from` to `until` days from now.
    fn dated(p: &pki::Pki, from: i64, until: i64) -> Case {
        let leaf = pki::leaf_dated(
            &[HOST],
            pki::now() + pki::days(from),
            pki::now() + pki::days(until),
            &p.inter.issuer,
        );
        Case::via_inter(p, leaf)
    }

    fn sending(mut self, rest: Vec<CertificateDer<'static>>) -> Case {
        self.rest = rest;
        self
    }

    fn answering(mut self, reply: servers::Reply) -> Case {
        self.reply = reply;
        self
    }

    /// Serve the chain and probe it as `host`, with `extra` arguments.
    async fn probe(self, host: &str, extra: &[&str]) -> lab::Run {
        let mut chain = vec![self.leaf.der.clone()];
        chain.extend(self.rest);
        let spec = servers::TlsSpec::new(chain, self.leaf.key(), self.reply);
        let addr = servers::tls(spec).await;
        let url = lab::url("https", host, addr, "/");
        lab::check_resolved(&url, host, addr, self.trust.as_deref(), extra).await
    }
}

/// One failure per case: the kind, a word the message must carry, and the Windows code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_failures() {
    let p = pki::pki();
    let impostor = pki::impostor("wsusprobe Lab Intermediate");
    let other = pki::leaf(&[HOST], &p.other_inter.issuer);
    let cases = [
        (
            Case::dated(&p, -60, -30),
            HOST,
            "expired",
            "expired",
            "0x80072F05",
        ),
        (
            Case::dated(&p, 2, 30),
            HOST,
            "not_yet_valid",
            "valid only from",
            "0x80072F05",
        ),
        (
            Case::good(&p),
            "wsus01.lab.test",
            "name_mismatch",
            "good.lab.test",
            "0x80072F06",
        ),
        (
            Case::via_inter(&p, other).sending(vec![p.other_inter.der()]),
            HOST,
            "unknown_issuer",
            "Unknown Lab Root",
            "0x80072F0D",
        ),
        // Only the leaf: an unfamiliar issuer without an AIA URL looks like a private CA …
        (
            Case::good(&p).sending(vec![]),
            HOST,
            "unknown_issuer",
            "looks like a private CA",
            "0x80072F0D",
        ),
        // … a public CA's name, or an AIA URL, like an intermediate the server failed to send.
        (
            Case::via_inter(&p, pki::leaf(&[HOST], &p.mu_inter.issuer)).sending(vec![]),
            HOST,
            "incomplete_chain",
            "Microsoft Update Secure Server CA 2.1\", a public CA's intermediate",
            "0x80072F0D",
        ),
        (
            Case::via_inter(&p, pki::leaf_with_aia(&[HOST], &p.inter.issuer, AIA)).sending(vec![]),
            HOST,
            "incomplete_chain",
            AIA,
            "0x80072F0D",
        ),
        (
            Case::via_inter(&p, pki::leaf(&[HOST], &impostor)),
            HOST,
            "bad_signature",
            "does not verify",
            "0x80072F89",
        ),
    ];
    for (case, host, kind, words, code) in cases {
        // The server's own chain: no AIA fetch (that has its own tests below).
        let r = case.probe(host, &["--no-aia"]).await;
        r.expect("certificate", kind);
        let v = r.v();
        assert!(v.message.contains(words), "{kind}: {}", v.message);
        assert_eq!(v.windows_error.as_deref(), Some(code), "{kind}");
        // The handshake finished, so http and clock still ran.
        assert_eq!(r.status("http"), Status::Pass, "{kind}");
    }
}

/// An expired intermediate under a valid leaf: the verdict names the certificate that expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_intermediate_is_named() {
    let p = pki::pki();
    let old = pki::expired_intermediate("Contoso Issuing CA 01", &p.root, 3);
    let case = Case::via_inter(&p, pki::leaf(&[HOST], &old.issuer)).sending(vec![old.der()]);
    let r = case.probe(HOST, &[]).await;
    r.expect("certificate", "expired");
    assert!(
        r.v()
            .message
            .starts_with("the issuing certificate \"Contoso Issuing CA 01\" expired on"),
        "{}",
        r.v().message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed() {
    let leaf = pki::self_signed(&[HOST]);
    let case = Case {
        leaf,
        rest: vec![],
        trust: None,
        reply: servers::Reply::ok(),
    };
    case.probe(HOST, &[])
        .await
        .expect("certificate", "self_signed");
}

/// A Microsoft host whose certificate a TLS-inspecting proxy re-signed: fail while untrusted,
/// warn (exit 0) once the inspection root is added with --ca-file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intercepted_fails_untrusted_and_warns_trusted() {
    let p = pki::pki();
    let host = "sws.update.microsoft.com";
    let resigned = || Case {
        leaf: pki::leaf(&[host], &p.inspection_root.issuer),
        rest: vec![],
        trust: None,
        reply: servers::Reply::soap_ok(),
    };
    let r = resigned().probe(host, &[]).await;
    r.expect("certificate", "intercepted");
    let v = r.v();
    assert!(v.message.contains("Contoso TLS Inspection CA"));
    assert!(v.advice.contains("Bypass TLS inspection"));
    let inspection = pki::path(&p.inspection_pem);
    let r = resigned().probe(host, &["--ca-file", &inspection]).await;
    r.expect_ok();
    let cert = r.stage("certificate");
    assert_eq!(
        (cert.status, cert.kind),
        (Status::Warn, Some(Kind::Intercepted))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_beyond_an_hour_fails_and_a_small_one_warns() {
    let p = pki::pki();
    let slow = servers::Reply::ok().with_date_offset(-3 * 3600);
    let r = Case::good(&p).answering(slow).probe(HOST, &[]).await;
    r.expect("clock", "skew");
    let skew = r.clock().skew_seconds.expect("a skew");
    assert!((skew - 10800.0).abs() < 60.0, "{skew}");
    assert_eq!(r.v().windows_error.as_deref(), Some("0x80072F8F"));

    let ahead = servers::Reply::ok().with_date_offset(600);
    let r = Case::good(&p).answering(ahead).probe(HOST, &[]).await;
    r.expect_ok();
    assert_eq!(r.status("clock"), Status::Warn);
}

/// The seeds' 0x80072F8F case: the certificate looks expired only because the local clock is
/// days ahead; at the server's time it is valid, so the verdict is clock/skew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_certificate_explained_by_the_clock() {
    let p = pki::pki();
    let behind = servers::Reply::ok().with_date_offset(-5 * 86400);
    let r = Case::dated(&p, -10, -1)
        .answering(behind)
        .probe(HOST, &[])
        .await;
    r.expect("clock", "skew");
    let cert = r.stage("certificate");
    assert_eq!(
        (cert.status, cert.kind),
        (Status::Fail, Some(Kind::Expired))
    );
    let msg = r.v().message;
    assert!(
        msg.contains("local time") && msg.contains("server time"),
        "{msg}"
    );
}

/// An AIA server on loopback answering `reply`, and the leaf (for `HOST`, issued by the lab
/// intermediate, sent alone) whose caIssuers URL names it as `pki.lab.test`.
async fn aia_case(p: &pki::Pki, reply: servers::Reply) -> (Case, String) {
    let addr = servers::http(reply).await;
    let url = lab::url("http", "pki.lab.test", addr, "/inter.crt");
    let case =
        Case::via_inter(p, pki::leaf_with_aia(&[HOST], &p.inter.issuer, &url)).sending(vec![]);
    (case, lab::resolve("pki.lab.test", addr))
}

/// A raw HTTP answer carrying `body`.
fn raw_answer(head: &str, body: &[u8]) -> servers::Reply {
    let mut b = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    b.extend_from_slice(body);
    servers::Reply::Raw(b)
}

/// The server leaves out its intermediate; the leaf's AIA URL serves it (DER): the path passes
/// with a certificate warning that names the URL and the route, as Windows would get through.
/// `--no-aia` judges the chain as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_intermediate_fetched_from_aia() {
    let p = pki::pki();
    let der = p.inter.der();
    let (case, res) = aia_case(&p, raw_answer("HTTP/1.1 200 OK", &der)).await;
    let r = case.probe(HOST, &["--resolve", &res]).await;
    r.expect_ok();
    let cert = r.stage("certificate");
    assert_eq!(
        (cert.status, cert.kind),
        (Status::Warn, Some(Kind::IncompleteChain))
    );
    assert!(
        cert.message
            .contains("Windows fetches it from http://pki.lab.test:"),
        "{}",
        cert.message
    );
    assert!(cert.message.contains("direct"), "{}", cert.message);
    let chain = r.chain();
    assert_eq!(chain.chain_sent, 1);
    assert_eq!(chain.fetched.len(), 1);
    assert_eq!(chain.fetched[0].format, "DER");
    assert!(
        chain.fetched[0]
            .subject
            .contains("wsusprobe Lab Intermediate")
    );
    assert!(chain.aia_failure.is_none());

    let (case, res) = aia_case(&p, raw_answer("HTTP/1.1 200 OK", &der)).await;
    let r = case.probe(HOST, &["--resolve", &res, "--no-aia"]).await;
    r.expect("certificate", "incomplete_chain");
    assert!(r.chain().fetched.is_empty());
}

/// Each way the fetch breaks is named by its own stage and kind, within the deadline, and the
/// verdict stays `incomplete_chain` with the URL, the route and the fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aia_fetch_failures_are_classified() {
    let p = pki::pki();
    let huge = raw_answer("HTTP/1.1 200 OK", &vec![0x30; 10 * 1024 * 1024]);
    let cases: Vec<(servers::Reply, &str, &str)> = vec![
        (
            servers::Reply::status("404 Not Found"),
            "http/not_found",
            "404",
        ),
        (
            raw_answer("HTTP/1.1 200 OK", b"<html>not a certificate</html>"),
            "http/not_service",
            "neither a DER certificate nor PKCS#7",
        ),
        (
            raw_answer("HTTP/1.1 302 Found\r\nLocation: /inter.crt", b""),
            "http/unexpected_status",
            "more than 3 redirects",
        ),
        (
            huge,
            "http/not_service",
            "neither a DER certificate nor PKCS#7",
        ),
        (servers::Reply::Silent, "http/timeout", ""),
    ];
    for (reply, at, words) in cases {
        let (case, res) = aia_case(&p, reply).await;
        let started = std::time::Instant::now();
        let r = case
            .probe(HOST, &["--resolve", &res, "--timeout", "6s"])
            .await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(9),
            "{at}: {:?}",
            started.elapsed()
        );
        r.expect("certificate", "incomplete_chain");
        let f = r
            .chain()
            .aia_failure
            .unwrap_or_else(|| panic!("{at}: no aia_failure"));
        assert_eq!(format!("{}/{}", f.stage, f.kind), at, "{}", f.message);
        assert!(f.message.contains(words), "{at}: {}", f.message);
        let m = r.v().message;
        assert!(m.contains(&format!("failed at {at}")), "{m}");
        assert!(m.contains("netsh winhttp set proxy"), "{m}");
    }
    // Nothing listening where the URL points: tcp/refused.
    let closed = servers::closed_port();
    let url = lab::url("http", "pki.lab.test", closed, "/inter.crt");
    let case =
        Case::via_inter(&p, pki::leaf_with_aia(&[HOST], &p.inter.issuer, &url)).sending(vec![]);
    let r = case
        .probe(HOST, &["--resolve", &lab::resolve("pki.lab.test", closed)])
        .await;
    r.expect("certificate", "incomplete_chain");
    let f = r.chain().aia_failure.expect("aia_failure");
    assert_eq!(
        (f.stage.to_string(), f.kind.to_string()),
        ("tcp".into(), "refused".into())
    );
    assert!(f.route.starts_with("direct"));
}
