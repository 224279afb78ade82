//! `wsusprobe upstream`: the downstream → upstream mismatches.

use crate::lab::{pki, run, servers};

/// A WSUS-like upstream on two adjacent ports: HTTP answering `http`, and TLS (the next port) with
/// a certificate for `name` from the lab intermediate. The HTTP port and the PKI.
async fn upstream_pair(name: &str, http: servers::Reply) -> (u16, pki::Pki) {
    let p = pki::pki();
    let (http_l, tls_l) = servers::adjacent().await;
    let port = http_l.local_addr().unwrap().port();
    servers::http_on(http_l, http);
    let leaf = pki::leaf(&[name], &p.inter.issuer);
    servers::tls_on(
        tls_l,
        servers::TlsSpec::new(
            vec![leaf.der.clone(), p.inter.der()],
            leaf.key(),
            servers::Reply::ok(),
        ),
    );
    (port, p)
}

/// The upstream requires SSL (403 on the HTTP port, TLS on the next one) and the downstream does
/// not use it; SelfUpdate answers 403 too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_required_but_not_configured() {
    let (port, p) = upstream_pair("127.0.0.1", servers::Reply::status("403 Forbidden")).await;
    let r = run(&[
        "upstream",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--json",
        "--ca-file",
        &pki::path(&p.root_pem),
    ])
    .await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    let findings = r.findings();
    assert!(
        findings
            .iter()
            .any(|f| f.contains("requires SSL") && f.contains("Use SSL when synchronizing")),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|f| f.contains("SelfUpdate")),
        "{findings:?}"
    );
    assert_eq!(r.report().paths.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_port_and_short_name_certificate() {
    let dead = servers::closed_port().port();
    let r = run(&[
        "upstream",
        "127.0.0.1",
        "--port",
        &dead.to_string(),
        "--json",
    ])
    .await;
    assert_eq!(r.code, 1);
    let f = r.findings().join("\n");
    assert!(f.contains("nothing listens on port"), "{f}");

    // SSL upstream whose certificate names the FQDN, reached by its short name.
    let (http_port, p) = upstream_pair("wsus01.lab.test", servers::Reply::ok()).await;
    let tls_port = http_port + 1;
    let r = run(&[
        "upstream",
        "wsus01",
        "--ssl",
        "--port",
        &tls_port.to_string(),
        "--json",
        "--resolve",
        &format!("wsus01:{tls_port}:127.0.0.1"),
        "--resolve",
        &format!("wsus01:{}:127.0.0.1", tls_port - 1),
        "--ca-file",
        &pki::path(&p.root_pem),
    ])
    .await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    let f = r.findings().join("\n");
    assert!(f.contains("short (NetBIOS) name"), "{f}");
    r.expect_at(1, "certificate", "name_mismatch");
}
