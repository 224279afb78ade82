//! Stage `dns` against in-process DNS servers (hickory-server).

use crate::lab::report::assert_has;
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
    let r = ask(dns, &url, &["--ca-file", &pki::path(&p.root_pem)]).await;
    r.expect_ok();
    let d = r.dns();
    assert_eq!(
        d.addresses.as_deref().unwrap_or_default()[..1],
        ["127.0.0.1"]
    );
    assert_eq!(d.cnames.as_ref().map(Vec::len), Some(1), "{d:?}");
}

/// `check URL --dns-server DNS …`
async fn ask(dns: std::net::SocketAddr, url: &str, extra: &[&str]) -> lab::Run {
    let server = dns.to_string();
    let mut args = vec![url, "--dns-server", server.as_str()];
    args.extend_from_slice(extra);
    check(&args).await
}

/// Each failure of the lab zone (and of a server that fails every query), with the stages after
/// dns skipped and the code WSUS logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_failures() {
    let zone = dns::zone_server().await;
    let failing = dns::servfail_server().await;
    for (server, url, kind) in [
        (zone, "https://missing.lab.test/", "nxdomain"),
        (zone, "https://txtonly.lab.test/", "no_records"),
        (zone, "https://sws.update.microsoft.com/", "refused"),
        (zone, "https://blocked.lab.test/", "sinkholed"),
        (failing, "https://sws.update.microsoft.com/", "servfail"),
    ] {
        let r = ask(server, url, &[]).await;
        r.expect("dns", kind);
        assert_eq!(r.status("tcp"), Status::Skip, "{kind}");
        if kind == "nxdomain" {
            assert_eq!(r.v().windows_error.as_deref(), Some("0x80072EE7"));
        }
    }
}

/// An alias that leads nowhere names the dead link, not the name asked for: the fix is on that
/// zone or on the alias.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_that_leads_nowhere_names_the_dead_link() {
    let zone = dns::zone_server().await;
    let r = ask(zone, "https://hop.lab.test/", &[]).await;
    r.expect("dns", "nxdomain");
    assert_has(
        &r.v().message,
        "hop.lab.test → deadalias.lab.test → gone.lab.test; gone.lab.test does not exist (NXDOMAIN)",
    );
    assert_has(&r.v().message, "the fix is on gone.lab.test's zone");
    assert_eq!(
        r.dns().cname_chain.unwrap_or_default(),
        ["hop.lab.test", "deadalias.lab.test", "gone.lab.test"]
    );

    let r = ask(zone, "https://textalias.lab.test/", &[]).await;
    r.expect("dns", "no_records");
    assert_has(
        &r.v().message,
        "textalias.lab.test → txtonly.lab.test; txtonly.lab.test has no address record",
    );
    // A name that is no alias keeps the plain words.
    let r = ask(zone, "https://missing.lab.test/", &[]).await;
    r.expect("dns", "nxdomain");
    assert_eq!(r.dns().cname_chain, None);
    assert!(!r.v().message.contains("alias"), "{}", r.v().message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_within_the_path_deadline() {
    let (_udp, _tcp, dns) = dns::silent_server();
    let t0 = std::time::Instant::now();
    let r = ask(
        dns,
        "https://sws.update.microsoft.com/",
        &["--timeout", "2s"],
    )
    .await;
    r.expect("dns", "timeout");
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        t0.elapsed()
    );
}
