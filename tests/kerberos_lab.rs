//! Negotiate/Kerberos against the lab's real MIT KDC (realm LAB.TEST) and Squid's
//! `negotiate_kerberos_auth` port (`testdata/lab/lab.sh start`): the identity the process runs as
//! — a user's ticket cache, or a machine keytab, as WSUS uses the computer account — passes, and
//! each way Kerberos breaks gets its own verdict and cause.
//!
//! The Linux binary uses GSSAPI (built with `--features gssapi`; without it, the suite checks the
//! "built without Kerberos" verdict instead). Under Wine (`WSUSPROBE_WINE_EXE`) the Windows exe
//! goes through Wine's SSPI, which reads the same MIT ticket cache: Wine's token is raw Kerberos
//! rather than SPNEGO, and its error codes are coarser (an unknown SPN is
//! `SEC_E_INTERNAL_ERROR`), so those cases check the kind and the SPN, not the cause's words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

#[path = "lab/report.rs"]
mod report;
#[path = "lab/squid.rs"]
mod squid;

use report::{Run, skip_under_wine, wine_exe};
use squid::{Lab, lab, lab_dns};
use wsusprobe::model::ciphers::CiphersReport;

/// Whose Kerberos identity a run has.
enum Identity<'a> {
    /// A copy of the lab user's ticket cache (alice@LAB.TEST).
    UserTicket,
    /// An empty cache and the machine keytab (host/wsus01.lab.test): the computer account.
    MachineKeytab,
    /// An empty cache and nothing else.
    Nothing,
    /// As `UserTicket`, under `faketime` with this offset (`+15m`).
    UserTicketAt(&'a str),
}

fn built_with_kerberos() -> bool {
    wine_exe().is_some() || cfg!(feature = "gssapi")
}

/// The binary (or the exe under Wine) with `who`'s Kerberos identity and the lab's krb5.conf;
/// the directory holding its ticket cache lives as long as the command is needed.
fn as_identity(lab: &Lab, who: Identity<'_>) -> (std::process::Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let ccache = dir.path().join("ccache");
    let mut cmd = match who {
        Identity::UserTicketAt(offset) => {
            let mut c = std::process::Command::new("faketime");
            c.args(["-f", offset, env!("CARGO_BIN_EXE_wsusprobe")]);
            c
        }
        _ => report::wsusprobe_command(),
    };
    if matches!(who, Identity::UserTicket | Identity::UserTicketAt(_)) {
        std::fs::copy(lab.get("LAB_KRB_USER_CCACHE"), &ccache).unwrap();
    }
    if matches!(who, Identity::MachineKeytab) {
        cmd.env("KRB5_CLIENT_KTNAME", lab.get("LAB_KRB_MACHINE_KEYTAB"));
    } else {
        cmd.env_remove("KRB5_CLIENT_KTNAME");
    }
    cmd.env("KRB5_CONFIG", lab.get("LAB_KRB5_CONFIG"))
        .env("KRB5CCNAME", format!("FILE:{}", ccache.display()))
        .env_remove("WSUSPROBE_PROXY_PASSWORD");
    (cmd, dir)
}

/// `wsusprobe check --json` through the Kerberos proxy `proxy` (a lab.env key) as `who`.
fn check(lab: &Lab, proxy: &str, who: Identity<'_>, extra: &[&str]) -> Run {
    let (mut cmd, _dir) = as_identity(lab, who);
    cmd.args(["check", "--json", "--timeout", "15s"])
        .args([
            "--dns-server",
            &lab_dns(),
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ])
        .args(["--proxy", lab.get(proxy)])
        .args(extra);
    if !extra.iter().any(|a| a.starts_with("http")) {
        cmd.arg(lab.sync_url());
    }
    Run::from_output(&cmd.output().unwrap())
}

/// Without the gssapi feature, the Linux binary says so instead of answering.
fn expect_not_built(r: &Run) -> bool {
    if built_with_kerberos() {
        return false;
    }
    r.expect("proxy", "auth_required");
    assert!(
        r.v().message.contains("built without Kerberos"),
        "{}",
        r.stdout
    );
    true
}

#[test]
fn user_ticket_passes_the_kerberos_proxy() {
    let Some(lab) = lab() else { return };
    let r = check(&lab, "LAB_PROXY_KERBEROS", Identity::UserTicket, &[]);
    if expect_not_built(&r) {
        return;
    }
    r.expect_ok();
    let t = r.tunnel();
    assert_eq!(t.scheme.as_deref(), Some("Negotiate"));
    // One CONNECT asks, one carries the token: a single extra round trip over Basic's two.
    assert_eq!(t.round_trips, 2, "{}", r.stdout);
    let n = t.negotiate.expect("negotiate evidence");
    assert_eq!(n.spn, "HTTP/proxy.lab.test");
    assert_eq!(n.mechanism.as_deref(), Some("Kerberos"));
    assert!(n.error.is_none());
    if wine_exe().is_none() {
        assert_eq!(n.identity.as_deref(), Some("alice@LAB.TEST"));
        assert!(n.library.starts_with("GSSAPI"), "{}", n.library);
        assert!(
            r.stage("proxy")
                .message
                .contains("Kerberos as alice@LAB.TEST")
        );
    } else {
        assert!(n.library.starts_with("SSPI"), "{}", n.library);
    }
    assert!(r.stage("http").message.contains("DssTargeting"));
    // The token never reaches the report.
    assert!(!r.stdout.contains("YII") && !r.stdout.contains("Negotiate YG"));
}

#[test]
fn machine_keytab_passes_as_the_computer_account() {
    let Some(lab) = lab() else { return };
    let r = check(&lab, "LAB_PROXY_KERBEROS", Identity::MachineKeytab, &[]);
    if expect_not_built(&r) {
        return;
    }
    r.expect_ok();
    let n = r.tunnel().negotiate.expect("negotiate evidence");
    assert_eq!(n.mechanism.as_deref(), Some("Kerberos"));
    if wine_exe().is_none() {
        assert_eq!(n.identity.as_deref(), Some("host/wsus01.lab.test@LAB.TEST"));
    }
}

#[test]
fn no_ticket_is_auth_required_with_the_way_to_get_one() {
    let Some(lab) = lab() else { return };
    let r = check(&lab, "LAB_PROXY_KERBEROS", Identity::Nothing, &[]);
    if expect_not_built(&r) {
        return;
    }
    r.expect("proxy", "auth_required");
    let m = r.v().message;
    assert!(m.contains("no Kerberos credentials"), "{m}");
    assert!(m.contains("klist") && m.contains("SYSTEM"), "{m}");
    assert!(r.v().advice.contains("computer account's Kerberos ticket"));
    let n = r.tunnel().negotiate.expect("negotiate evidence");
    assert!(n.error.is_some(), "the library's own words are kept: {n:?}");
    // Nothing was sent but the first, unauthenticated CONNECT.
    assert_eq!(r.tunnel().round_trips, 1);
}

#[test]
fn alias_without_an_spn_names_the_spn() {
    let Some(lab) = lab() else { return };
    let r = check(&lab, "LAB_PROXY_KERBEROS_ALIAS", Identity::UserTicket, &[]);
    if expect_not_built(&r) {
        return;
    }
    r.expect("proxy", "auth_required");
    let m = r.v().message;
    assert!(m.contains("HTTP/alias.lab.test"), "{m}");
    if wine_exe().is_none() {
        assert!(
            m.contains("knows no account with the service principal"),
            "{m}"
        );
        assert!(m.contains("setspn -Q HTTP/alias.lab.test"), "{m}");
        assert!(
            r.tunnel()
                .negotiate
                .unwrap()
                .error
                .unwrap()
                .contains("not found in Kerberos database")
        );
    }
    // --proxy-spn names the proxy's real principal: the alias then works.
    let r = check(
        &lab,
        "LAB_PROXY_KERBEROS_ALIAS",
        Identity::UserTicket,
        &["--proxy-spn", "HTTP/proxy.lab.test"],
    );
    r.expect_ok();
}

#[test]
fn stale_proxy_keytab_is_auth_rejected() {
    let Some(lab) = lab() else { return };
    let r = check(&lab, "LAB_PROXY_KERBEROS_STALE", Identity::UserTicket, &[]);
    if expect_not_built(&r) {
        return;
    }
    r.expect("proxy", "auth_rejected");
    let m = r.v().message;
    assert!(m.contains("the proxy refused it"), "{m}");
    assert!(
        m.contains("keytab") && m.contains("HTTP/stale.lab.test"),
        "{m}"
    );
}

#[test]
fn clock_ahead_of_the_kdc_is_named_with_the_offset() {
    if skip_under_wine("faketime wraps the Linux binary only") {
        return;
    }
    let Some(lab) = lab() else { return };
    let r = check(
        &lab,
        "LAB_PROXY_KERBEROS",
        Identity::UserTicketAt("+15m"),
        &[],
    );
    if expect_not_built(&r) {
        return;
    }
    r.expect("proxy", "auth_required");
    let m = r.v().message;
    assert!(m.contains("Kerberos allows (5 minutes)"), "{m}");
    assert!(m.contains("15 min ahead of the proxy's"), "{m}");
    assert!(m.contains("w32tm /resync"), "{m}");
}

#[test]
fn ntlm_password_against_a_kerberos_only_proxy() {
    let Some(lab) = lab() else { return };
    let mut cmd = report::wsusprobe_command();
    cmd.args([
        "check",
        "--json",
        "--timeout",
        "15s",
        "--dns-server",
        &lab_dns(),
    ])
    .args([
        "--proxy",
        lab.get("LAB_PROXY_KERBEROS"),
        "--proxy-user",
        "LAB\\bob",
    ])
    .arg(lab.sync_url())
    .env("WSUSPROBE_PROXY_PASSWORD", "Bob-Lab-Secret-55");
    let r = Run::from_output(&cmd.output().unwrap());
    r.expect("proxy", "auth_required");
    let m = r.v().message;
    assert!(m.contains("accepts Kerberos only"), "{m}");
    assert!(m.contains("drop --proxy-user"), "{m}");
    assert!(!r.stdout.contains("Bob-Lab-Secret-55"));
}

#[test]
fn forwarded_http_request_with_a_kerberos_ticket() {
    let Some(lab) = lab() else { return };
    let url = format!("http://download.windowsupdate.com:{}/", lab.get("LAB_HTTP"));
    let r = check(&lab, "LAB_PROXY_KERBEROS", Identity::UserTicket, &[&url]);
    if expect_not_built(&r) {
        return;
    }
    r.expect_ok();
    let f = r.forwarded();
    assert_eq!(f.negotiate.unwrap().mechanism.as_deref(), Some("Kerberos"));
    assert!(f.warning.is_none(), "no Basic warning for Kerberos");
}

/// `serve` with a module that says `proxy_auth = "negotiate"`: the scrape passes as the exporter's
/// own identity (its ticket cache here; a keytab or the computer account in production).
#[test]
fn exporter_module_negotiates_as_its_own_account() {
    use std::io::{BufRead, BufReader, Read, Write};
    let Some(lab) = lab() else { return };
    if !built_with_kerberos() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ccache = dir.path().join("ccache");
    std::fs::copy(lab.get("LAB_KRB_USER_CCACHE"), &ccache).unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "[modules.kerberos]\nproxy = \"{}\"\nproxy_auth = \"negotiate\"\nca_files = [\"{}\"]\n",
            lab.get("LAB_PROXY_KERBEROS"),
            lab.get("LAB_ROOT_CA")
        ),
    )
    .unwrap();
    let mut child = report::wsusprobe_command()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--dns-server",
            &lab_dns(),
        ])
        .arg("--config")
        .arg(&config)
        .env("KRB5_CONFIG", lab.get("LAB_KRB5_CONFIG"))
        .env("KRB5CCNAME", format!("FILE:{}", ccache.display()))
        .stdout(std::process::Stdio::piped())
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = report::exporter_address(&first);
    let target = format!(
        "https://sws.update.microsoft.com:{}/ServerSyncWebService/ServerSyncWebService.asmx",
        lab.get("LAB_TLS_GOOD")
    );
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        s,
        "GET /probe?target={target}&module=kerberos HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    let read = s.read_to_string(&mut body);
    let _ = child.kill();
    let _ = child.wait();
    read.unwrap();
    assert!(body.contains("probe_success 1"), "{body}");
    assert!(
        body.contains("wsusprobe_stage_ok{stage=\"proxy\"} 1"),
        "{body}"
    );
}

/// `ciphers` and `allowlist` through the Kerberos proxy: every tunnel authenticates. After the
/// first (a CONNECT that asks, then the token on a new connection) each tunnel sends its token at
/// once: one CONNECT per connection.
#[test]
fn ciphers_and_allowlist_authenticate_every_tunnel() {
    let Some(lab) = lab() else { return };
    if !built_with_kerberos() {
        return;
    }
    let (mut cmd, _dir) = as_identity(&lab, Identity::UserTicket);
    let target = format!("{}:{}", squid::SWS, lab.get("LAB_TLS_GOOD"));
    cmd.args(["ciphers", "--json", &target, "--dns-server", &lab_dns()])
        .args(["--proxy", lab.get("LAB_PROXY_KERBEROS")]);
    let c: CiphersReport = Run::from_output(&cmd.output().unwrap()).decode();
    assert!(c.error.is_none(), "{c:#?}");
    assert!(c.versions.iter().any(|v| !v.suites.is_empty()), "{c:#?}");
    assert_eq!(c.proxy_requests, Some(c.connections), "{c:#?}");

    let (mut cmd, _dir) = as_identity(&lab, Identity::UserTicket);
    cmd.args([
        "allowlist",
        "--json",
        "--only",
        "sync",
        "--dns-server",
        &lab_dns(),
    ])
    .args(["--ca-file", lab.get("LAB_ROOT_CA")])
    .args(["--proxy", lab.get("LAB_PROXY_KERBEROS")]);
    let r = Run::from_output(&cmd.output().unwrap());
    let report = r.report();
    assert!(!report.paths.is_empty());
    for p in &report.paths {
        let proxy = p
            .stages
            .iter()
            .find(|s| s.stage == wsusprobe::model::Stage::Proxy)
            .unwrap();
        assert!(
            proxy.message.contains("Negotiate authentication (Kerberos"),
            "{}",
            r.stdout
        );
    }
}
