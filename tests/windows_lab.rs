//! What only Windows has, read live by the exe (under Wine in CI): its own Schannel, and
//! WinHTTP's machine proxy. The tls stage beside Schannel: a healthy server agrees; with TLS 1.2
//! switched off for clients in the SCHANNEL keys, rustls still completes TLS 1.2 but Schannel
//! cannot, and the stage fails the way WSUS would, naming the host policy behind it. And a
//! missing intermediate fetched through the proxy the machine's `WinHttpSettings` names. These
//! tests change the Wine prefix's registry, which every other suite's exe reads: they live in a
//! binary of their own and take turns (`PREFIX`). On Linux: no Schannel in the report, and
//! `--tls-stack schannel` is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

#[path = "lab/report.rs"]
mod report;
#[path = "lab/squid.rs"]
mod squid;

use report::{Run, wine_exe, wine_reg as reg};
use squid::{Lab, lab};
use wsusprobe::model::detail::TlsDetail;

/// One test at a time changes the prefix's registry.
static PREFIX: std::sync::Mutex<()> = std::sync::Mutex::new(());

const CONNECTIONS: &str =
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";

const TLS12_CLIENT: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client";

fn check(lab: &Lab, extra: &[&str]) -> Run {
    squid::check_url(lab, &lab.sync_url(), extra)
}

fn schannel(r: &Run) -> Option<wsusprobe::model::detail::SchannelCheck> {
    let mut tls: TlsDetail = r.tls();
    tls.schannel_mut().take()
}

/// Removes what the tests set (the TLS 1.2 client key, WinHTTP's proxy) however a test ends.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = reg(&["delete", TLS12_CLIENT, "/f"]);
        let _ = reg(&["delete", CONNECTIONS, "/v", "WinHttpSettings", "/f"]);
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
    let _turn = PREFIX.lock().unwrap_or_else(|e| e.into_inner());
    let _restore = Restore;
    drop(Restore); // start from a clean prefix too
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

/// `WinHttpSettings` as `netsh winhttp set proxy` writes it: a proxy, no bypass list.
fn winhttp_settings(proxy: &str) -> String {
    let mut v = Vec::new();
    for d in [0x28u32, 0, 3, proxy.len() as u32] {
        v.extend(d.to_le_bytes());
    }
    v.extend(proxy.as_bytes());
    v.extend(0u32.to_le_bytes());
    v.iter().map(|b| format!("{b:02x}")).collect()
}

/// On Windows `check` takes WinHTTP's route from the machine: with the lab Squid set as the
/// WinHTTP proxy in the registry and the AIA host unreachable directly, the missing
/// intermediate comes through the proxy, and the report says where the route came from.
#[test]
fn the_machines_winhttp_proxy_carries_the_aia_fetch() {
    let Some(lab) = lab() else { return };
    if wine_exe().is_none() {
        return;
    }
    let _turn = PREFIX.lock().unwrap_or_else(|e| e.into_inner());
    let _restore = Restore;
    let proxy = lab.get("LAB_PROXY_ALL").trim_start_matches("http://");
    let added = reg(&[
        "add",
        CONNECTIONS,
        "/v",
        "WinHttpSettings",
        "/t",
        "REG_BINARY",
        "/d",
        &winhttp_settings(proxy),
        "/f",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let url = format!(
        "https://{}:{}/ServerSyncWebService/ServerSyncWebService.asmx",
        squid::SWS,
        lab.get("LAB_TLS_AIA")
    );
    let pin = format!("aia.lab.test:{}:127.0.0.9", lab.get("LAB_AIA_HTTP"));
    let r = squid::check_url(&lab, &url, &["--resolve", &pin]);
    r.expect_ok();
    let f = &r.chain().fetched;
    assert_eq!(f.len(), 1, "{}", r.stdout);
    assert!(
        f[0].route.contains("from this machine's WinHttpSettings"),
        "{:?}",
        f[0]
    );
    assert!(f[0].route.contains(proxy), "{:?}", f[0]);
}
