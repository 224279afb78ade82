//! The tls stage beside this host's own Schannel (Windows; under Wine in CI): a healthy server
//! agrees; with TLS 1.2 switched off for clients in the SCHANNEL keys, rustls still completes
//! TLS 1.2 but Schannel cannot, and the stage fails the way WSUS would, naming the host policy
//! behind it. One test in its own binary: it changes the Wine prefix's registry, which every
//! other test's Schannel handshake would read. On Linux: no Schannel in the report, and
//! `--tls-stack schannel` is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

#[path = "lab/report.rs"]
mod report;
#[path = "lab/squid.rs"]
mod squid;

use report::{Run, wine_exe};
use squid::{Lab, lab, lab_dns};
use wsusprobe::model::detail::TlsDetail;

const TLS12_CLIENT: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client";

fn check(lab: &Lab, extra: &[&str]) -> Run {
    let out = report::wsusprobe_command()
        .args(["check", "--json", "--timeout", "15s", &lab.sync_url()])
        .args([
            "--dns-server",
            &lab_dns(),
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ])
        .args(extra)
        .output()
        .unwrap();
    Run::from_output(&out)
}

fn schannel(r: &Run) -> Option<wsusprobe::model::detail::SchannelCheck> {
    let mut tls: TlsDetail = r.tls();
    tls.schannel_mut().take()
}

/// `wine reg` on the suite's prefix.
fn reg(args: &[&str]) -> std::process::Output {
    std::process::Command::new("wine")
        .arg("reg")
        .args(args)
        .env("WINEDEBUG", "-all")
        .output()
        .expect("wine reg")
}

/// Removes the TLS 1.2 client key however the test ends.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = reg(&["delete", TLS12_CLIENT, "/f"]);
    }
}

#[test]
fn schannel_cross_checks_the_handshake() {
    let Some(lab) = lab() else { return };
    if wine_exe().is_none() {
        let r = check(&lab, &[]);
        r.expect_ok();
        assert!(schannel(&r).is_none(), "no Schannel here: {}", r.stdout);
        let r = check(&lab, &["--tls-stack", "schannel"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("Schannel"), "{}", r.stderr);
        return;
    }
    let _restore = Restore;
    let _ = reg(&["delete", TLS12_CLIENT, "/f"]);
    let r = check(&lab, &[]);
    r.expect_ok();
    let s = schannel(&r).expect("the Schannel cross-check");
    assert!(s.ok, "{s:?}");
    assert_eq!(s.version.as_deref(), Some("TLS 1.2"));
    assert!(!s.offered_suites.is_empty());
    assert!(r.stage("tls").message.contains("Schannel agrees"));

    let added = reg(&[
        "add",
        TLS12_CLIENT,
        "/v",
        "Enabled",
        "/t",
        "REG_DWORD",
        "/d",
        "0",
        "/f",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let r = check(&lab, &[]);
    r.expect("tls", "protocol_version");
    let m = r.v().message;
    assert!(m.starts_with("rustls completes TLS 1.2"), "{m}");
    assert!(m.contains("this host's Schannel"), "{m}");
    assert!(m.contains("host/tls12_client_disabled"), "{m}");
    let s = schannel(&r).expect("the Schannel cross-check");
    assert!(!s.ok && s.error.is_some(), "{s:?}");
    // --tls-stack rustls leaves Schannel out: the path passes as rustls sees it.
    check(&lab, &["--tls-stack", "rustls"]).expect_ok();
}
