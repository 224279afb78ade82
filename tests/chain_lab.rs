//! Chains as Windows builds them, against the lab (`testdata/lab/lab.sh start`): nginx servers
//! that send sws's leaf without its intermediate, whose AIA URL names the lab's AIA host
//! (nginx serving the intermediate as DER and as PKCS#7, made by `openssl`), and Squid as the
//! machine's WinHTTP proxy. Windows fetches the missing issuer over WinHTTP's route; wsusprobe
//! does too, and says which route it took or where that fetch broke.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

#[path = "lab/report.rs"]
mod report;
#[path = "lab/squid.rs"]
mod squid;

use report::Run;
use squid::{Lab, SWS, lab};
use wsusprobe::model::{Kind, Status};

/// Under Wine, the exe takes WinHTTP's route from the prefix's registry: make sure no proxy is
/// left there (tests/windows_lab.rs sets one, and removes it).
fn no_machine_winhttp_proxy() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if report::wine_exe().is_some() {
        ONCE.call_once(|| {
            let connections =
                r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
            let _ = report::wine_reg(&["delete", connections, "/v", "WinHttpSettings", "/f"]);
        });
    }
}

/// `check --json` of the SOAP path on the lab server at port key `port`, with `extra` flags.
fn check(lab: &Lab, port: &str, extra: &[&str]) -> Run {
    no_machine_winhttp_proxy();
    let url = format!(
        "https://{SWS}:{}/ServerSyncWebService/ServerSyncWebService.asmx",
        lab.get(port)
    );
    squid::check_url(lab, &url, extra)
}

fn warned_incomplete(r: &Run) {
    r.expect_ok();
    let c = r.stage("certificate");
    assert_eq!(
        (c.status, c.kind),
        (Status::Warn, Some(Kind::IncompleteChain)),
        "{}",
        r.stdout
    );
}

#[test]
fn der_issuer_fetched_directly() {
    let Some(lab) = lab() else { return };
    let r = check(&lab, "LAB_TLS_AIA", &[]);
    warned_incomplete(&r);
    let m = r.stage("certificate").message;
    assert!(
        m.contains("leaves out \"Microsoft Update Secure Server CA 2.1\""),
        "{m}"
    );
    assert!(m.contains("http://aia.lab.test:"), "{m}");
    assert!(m.contains("send its full chain"), "{m}");
    let f = &r.chain().fetched;
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].format, "DER");
    assert!(f[0].route.starts_with("direct"));
    assert_eq!(r.chain().chain_sent, 1);
}

#[test]
fn pkcs7_issuer_fetched() {
    let Some(lab) = lab() else { return };
    let r = check(&lab, "LAB_TLS_AIA_P7C", &[]);
    warned_incomplete(&r);
    let f = &r.chain().fetched;
    assert_eq!(f[0].format, "PKCS#7");
    assert!(f[0].url.ends_with("/inter.p7c"));
    assert!(
        f[0].subject
            .contains("Microsoft Update Secure Server CA 2.1")
    );
}

#[test]
fn unreachable_aia_host_is_incomplete_chain_naming_where_it_broke() {
    let Some(lab) = lab() else { return };
    let r = check(&lab, "LAB_TLS_AIA_DEAD", &[]);
    r.expect("certificate", "incomplete_chain");
    let f = r.chain().aia_failure.expect("aia_failure");
    assert_eq!(
        (f.stage.to_string(), f.kind.to_string()),
        ("tcp".into(), "refused".into())
    );
    let m = r.v().message;
    assert!(m.contains("failed at tcp/refused"), "{m}");
    assert!(m.contains("netsh winhttp set proxy"), "{m}");
    // --no-aia: the server's own chain, no fetch attempted.
    let r = check(&lab, "LAB_TLS_AIA", &["--no-aia"]);
    r.expect("certificate", "incomplete_chain");
    assert!(r.chain().fetched.is_empty() && r.chain().aia_failure.is_none());
}

/// The classic split: the firewall lets only the proxy out. The AIA host is unreachable
/// directly (its name pinned to an address where nothing listens), so WinHTTP with no proxy
/// fails; with the machine's WinHTTP proxy set (`--winhttp-proxy`, Squid), the fetch goes through
/// it and the path passes.
#[test]
fn aia_reachable_only_through_the_winhttp_proxy() {
    let Some(lab) = lab() else { return };
    let aia_port = lab.get("LAB_AIA_HTTP");
    let pin = format!("aia.lab.test:{aia_port}:127.0.0.9");
    let r = check(&lab, "LAB_TLS_AIA", &["--resolve", &pin]);
    r.expect("certificate", "incomplete_chain");
    let f = r.chain().aia_failure.expect("aia_failure");
    assert_eq!(f.stage.to_string(), "tcp");
    assert!(f.route.starts_with("direct"));

    let r = check(
        &lab,
        "LAB_TLS_AIA",
        &[
            "--resolve",
            &pin,
            "--winhttp-proxy",
            lab.get("LAB_PROXY_ALL"),
        ],
    );
    warned_incomplete(&r);
    let f = &r.chain().fetched;
    assert!(f[0].route.contains(lab.get("LAB_PROXY_ALL")), "{:?}", f[0]);
    assert!(
        r.stage("certificate")
            .message
            .contains("from --winhttp-proxy")
    );

    // A WinHTTP proxy whose policy refuses the AIA host: the fetch breaks at proxy/forbidden.
    let r = check(
        &lab,
        "LAB_TLS_AIA",
        &["--winhttp-proxy", lab.get("LAB_PROXY_OPEN")],
    );
    r.expect("certificate", "incomplete_chain");
    let f = r.chain().aia_failure.expect("aia_failure");
    assert_eq!(
        (f.stage.to_string(), f.kind.to_string()),
        ("proxy".into(), "forbidden".into()),
        "{}",
        f.message
    );
}

/// `check --client-profile-from-reg` with an export holding `WinHttpSettings`: the exported
/// host's WinHTTP proxy carries the AIA fetch, as it would on that host.
#[test]
fn the_exported_winhttp_proxy_carries_the_aia_fetch() {
    let Some(lab) = lab() else { return };
    let proxy = lab.get("LAB_PROXY_ALL").trim_start_matches("http://");
    let mut value = Vec::new();
    for d in [0x28u32, 0, 3, proxy.len() as u32] {
        value.extend(d.to_le_bytes());
    }
    value.extend(proxy.as_bytes());
    value.extend(0u32.to_le_bytes());
    let hex: Vec<String> = value.iter().map(|b| format!("{b:02x}")).collect();
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("winhttp.reg");
    std::fs::write(
        &export,
        format!(
            "Windows Registry Editor Version 5.00\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n\
             \"CurrentBuild\"=\"17763\"\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n\
             \"WinHttpSettings\"=hex:{}\r\n",
            hex.join(",")
        ),
    )
    .unwrap();
    let pin = format!("aia.lab.test:{}:127.0.0.9", lab.get("LAB_AIA_HTTP"));
    let r = check(
        &lab,
        "LAB_TLS_AIA",
        &[
            "--resolve",
            &pin,
            "--client-profile-from-reg",
            export.to_str().unwrap(),
        ],
    );
    warned_incomplete(&r);
    let f = &r.chain().fetched;
    assert!(
        f[0].route.contains("from the exported WinHttpSettings"),
        "{:?}",
        f[0]
    );
}
