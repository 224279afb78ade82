//! The proxy route against a real Squid (squid-openssl), dnsmasq and nginx, started on loopback by
//! `bash testdata/lab/lab.sh start` (`.ci/run` does it before the tests). Outside CI, without the
//! lab, every test says so loudly and passes; in CI a missing lab fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

#[path = "lab/measure.rs"]
mod measure;
#[path = "lab/ports.rs"]
mod ports;
#[path = "lab/report.rs"]
mod report;
#[path = "lab/squid.rs"]
mod squid;

use report::{Run, assert_has};
use squid::{SWS, lab, lab_dns};
use wsusprobe::model::ciphers::CiphersReport;
use wsusprobe::model::detail::Leg;
use wsusprobe::model::plan::PlanReport;
use wsusprobe::model::{Kind, RouteKind, Stage, Status};

fn wsusprobe(args: &[&str], password: Option<&str>) -> Run {
    let mut cmd = report::wsusprobe_command();
    cmd.args(["check", "--json", "--timeout", "15s"])
        .args(args)
        .env_remove("WSUSPROBE_PROXY_PASSWORD");
    if !args.contains(&"--dns-server") {
        cmd.args(["--dns-server", &lab_dns()]);
    }
    if let Some(p) = password {
        cmd.env("WSUSPROBE_PROXY_PASSWORD", p);
    }
    Run::from_output(&cmd.output().unwrap())
}

#[test]
fn healthy_connect_through_squid() {
    let Some(lab) = lab() else { return };
    let r = wsusprobe(
        &[
            &lab.sync_url(),
            "--proxy",
            lab.get("LAB_PROXY_OPEN"),
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ],
        None,
    );
    r.expect_ok();
    assert_eq!(
        r.path().route.proxy.clone().unwrap_or_default(),
        lab.get("LAB_PROXY_OPEN")
    );
    assert!(
        r.stage("proxy")
            .message
            .contains("200 Connection established")
    );
    assert!(r.stage("http").message.contains("DssTargeting"));
}

#[test]
fn domain_outside_the_allowlist_is_forbidden() {
    let Some(lab) = lab() else { return };
    let r = wsusprobe(
        &[
            "https://download.microsoft.com/",
            "--proxy",
            lab.get("LAB_PROXY_OPEN"),
        ],
        None,
    );
    r.expect("proxy", "forbidden");
    assert_eq!(
        r.tunnel().legs[0].x_squid_error(),
        Some("ERR_ACCESS_DENIED 0")
    );
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80244018");
}

/// A 403 to CONNECT on a port other than 443 is told apart: a port rule (Squid's SSL_ports) lets
/// the same name through on 443; a domain allowlist refuses it there too.
#[test]
fn port_rule_and_domain_rule_are_told_apart() {
    let Some(lab) = lab() else { return };
    let r = wsusprobe(
        &[&lab.sync_url(), "--proxy", lab.get("LAB_PROXY_PORTS")],
        None,
    );
    r.expect("proxy", "forbidden");
    let port = lab.get("LAB_TLS_GOOD");
    assert_has(
        &r.v().message,
        &format!("rule is about port {port}, not the domain"),
    );
    assert_has(&r.v().message, &format!("acl SSL_ports port {port}"));
    let check = r.tunnel().port_check.expect("a port check");
    assert_eq!(check.request, format!("CONNECT {SWS}:443"));

    let url = format!("https://download.microsoft.com:{port}/");
    let r = wsusprobe(&[&url, "--proxy", lab.get("LAB_PROXY_OPEN")], None);
    r.expect("proxy", "forbidden");
    assert_has(&r.v().message, "rule is about the name");
    assert_eq!(r.tunnel().port_check.and_then(|c| c.status), Some(403));
}

/// Squid peeking at the TLS hello through the tunnel and cutting it when its SNI names sws (as
/// next-generation firewalls filter): told apart from an address block by a hello naming another
/// host through a new tunnel.
#[test]
fn sni_filtering_inside_the_tunnel() {
    let Some(lab) = lab() else { return };
    let r = wsusprobe(
        &[
            &lab.sync_url(),
            "--proxy",
            lab.get("LAB_PROXY_SNI"),
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.status("proxy"), Status::Pass);
    assert_eq!(r.v().stage, Stage::Tls, "{}", r.stdout);
    assert_has(&r.v().message, "a filter blocks by name (SNI)");
    assert_has(&r.v().message, "naming another host");
}

#[test]
fn basic_auth_port() {
    let Some(lab) = lab() else { return };
    let url = lab.sync_url();
    let base = [
        "--proxy",
        lab.get("LAB_PROXY_AUTH"),
        "--ca-file",
        lab.get("LAB_ROOT_CA"),
    ];
    let mut args = vec![url.as_str()];
    args.extend_from_slice(&base);
    let r = wsusprobe(&args, None);
    r.expect("proxy", "auth_required");
    assert!(r.v().message.contains("Basic"));

    args.extend_from_slice(&["--proxy-user", lab.get("LAB_USER")]);
    let r = wsusprobe(&args, Some(lab.get("LAB_PASSWORD")));
    r.expect_ok();
    let r = wsusprobe(&args, Some("not-the-password"));
    r.expect("proxy", "auth_rejected");

    // The password is in none of it, passing or failing, JSON or text.
    let secret = lab.get("LAB_PASSWORD");
    for pass in [secret, "not-the-password"] {
        let r = wsusprobe(&args, Some(pass));
        let text = {
            let mut a: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
            a.push("--route");
            a.push("both");
            let out = report::wsusprobe_command()
                .arg("check")
                .args(&a)
                .args(["--dns-server", &lab_dns()])
                .env("WSUSPROBE_PROXY_PASSWORD", pass)
                .output()
                .unwrap();
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        };
        for blob in [&r.stdout, &r.stderr, &text] {
            assert!(!blob.contains(secret), "password leaked:\n{blob}");
        }
    }
}

#[test]
fn upstream_failures_are_told_apart() {
    let Some(lab) = lab() else { return };
    let proxy = lab.get("LAB_PROXY_OPEN");
    // The proxy's DNS has no such name (Squid 5 says ERR_CANNOT_FORWARD, Squid 6 ERR_DNS_FAIL).
    let r = wsusprobe(
        &["https://nope.update.microsoft.com/", "--proxy", proxy],
        None,
    );
    r.expect("proxy", "upstream_dns_failed");
    // The name resolves but nothing listens.
    let r = wsusprobe(
        &[
            &format!("https://{SWS}:{}/", lab.get("LAB_CLOSED")),
            "--proxy",
            proxy,
        ],
        None,
    );
    r.expect("proxy", "upstream_unreachable");
    assert_eq!(
        r.tunnel().legs[0].x_squid_error(),
        Some("ERR_CONNECT_FAIL 111")
    );
    // The name resolves and SYNs are dropped: Squid's connect_timeout (3 s in the lab) expires.
    let hole = black_hole();
    let r = wsusprobe(
        &[
            &format!("https://{SWS}:{}/", hole.2.port()),
            "--proxy",
            proxy,
        ],
        None,
    );
    drop(hole);
    r.expect("proxy", "upstream_timeout");
}

/// Squid answers `500 ERR_CANNOT_FORWARD` both when its own DNS fails and when the parent proxy
/// it must forward through is down, with the same page. One CONNECT naming the address the target
/// has here (no DNS needed) tells them apart.
#[test]
fn the_proxys_dns_is_told_from_its_next_hop() {
    let Some(lab) = lab() else { return };
    let port = lab.get("LAB_TLS_GOOD");
    // Squid's DNS (the lab's) has no such name; here it resolves to nginx, which Squid reaches.
    let name = "onlyhere.update.microsoft.com";
    let here = format!("{name}:{port}:127.0.0.2");
    let r = wsusprobe(
        &[
            &format!("https://{name}:{port}/"),
            "--resolve",
            &here,
            "--proxy",
            lab.get("LAB_PROXY_ALL"),
        ],
        None,
    );
    r.expect("proxy", "upstream_dns_failed");
    assert_has(&r.v().message, "Squid bug 5294");
    assert_has(&r.v().message, "so what fails is its own DNS");
    let check = r.tunnel().address_check.expect("an address check");
    assert_eq!(check.request, format!("CONNECT 127.0.0.2:{port}"));
    assert_eq!(check.status, Some(200));

    // The parent proxy this Squid must use (cache_peer, never_direct) is down: the address fails
    // the same way, so the next hop is named, not DNS.
    let r = wsusprobe(
        &[
            &lab.sync_url(),
            "--proxy",
            lab.get("LAB_PROXY_PARENT"),
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ],
        None,
    );
    r.expect("proxy", "upstream_unreachable");
    assert_has(
        &r.v().message,
        "next hop — a parent proxy it must forward through",
    );
    assert_has(&r.v().message, "cache_peer");
    let check = r.tunnel().address_check.expect("an address check");
    assert_eq!(check.status, Some(500));
    // The Windows code and the log line both follow the proxy's 500.
    assert_eq!(r.v().windows_error.as_deref(), Some("0x8024401F"));
    assert_eq!(
        r.v().wsus_log.as_deref(),
        Some("The request failed with HTTP status 500: Internal Server Error")
    );

    // No address here either: nothing to tell them apart with, and the message says so.
    let r = wsusprobe(
        &[
            "https://nope.update.microsoft.com/",
            "--proxy",
            lab.get("LAB_PROXY_ALL"),
        ],
        None,
    );
    r.expect("proxy", "upstream_dns_failed");
    assert_has(&r.v().message, "could not be told apart");
    assert_eq!(r.tunnel().address_check, None);
}

#[test]
fn dead_proxy_port_is_tcp_refused() {
    let Some(lab) = lab() else { return };
    let dead = format!("http://127.0.0.1:{}", lab.get("LAB_CLOSED"));
    let r = wsusprobe(&[&lab.sync_url(), "--proxy", &dead], None);
    r.expect("tcp", "refused");
}

#[test]
fn ssl_bump_is_intercepted_until_its_ca_is_added() {
    let Some(lab) = lab() else { return };
    let url = lab.sync_url();
    let r = wsusprobe(
        &[
            &url,
            "--proxy",
            lab.get("LAB_PROXY_BUMP"),
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ],
        None,
    );
    r.expect("certificate", "intercepted");
    assert!(r.v().message.contains("Contoso TLS Inspection CA"));
    let r = wsusprobe(
        &[
            &url,
            "--proxy",
            lab.get("LAB_PROXY_BUMP"),
            "--ca-file",
            lab.get("LAB_INSPECTION_CA"),
        ],
        None,
    );
    r.expect_ok();
    assert_eq!(r.stage("certificate").status.as_str(), "warn");
    assert_eq!(
        r.stage("certificate")
            .kind
            .map(|k| k.as_str())
            .unwrap_or("-"),
        "intercepted"
    );
}

#[test]
fn plain_http_is_forwarded_by_squid() {
    let Some(lab) = lab() else { return };
    let proxy = lab.get("LAB_PROXY_OPEN");
    let port = lab.get("LAB_HTTP");
    let r = wsusprobe(
        &[
            &format!("http://download.windowsupdate.com:{port}/msdownload/update/x.cab"),
            "--proxy",
            proxy,
        ],
        None,
    );
    r.expect_ok();
    assert_eq!(r.stage("proxy").status.as_str(), "pass");
    let r = wsusprobe(
        &[
            &format!("http://download.microsoft.com:{port}/"),
            "--proxy",
            proxy,
        ],
        None,
    );
    r.expect("proxy", "forbidden");
}

#[test]
fn lab_dns_serves_the_microsoft_names() {
    let Some(lab) = lab() else { return };
    let r = wsusprobe(
        &[
            &lab.sync_url(),
            "--dns-server",
            lab.get("LAB_DNS"),
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ],
        None,
    );
    r.expect_ok();
    let r = wsusprobe(
        &[
            "https://fe3.update.microsoft.com/",
            "--dns-server",
            lab.get("LAB_DNS"),
        ],
        None,
    );
    r.expect("dns", "nxdomain");
}

#[test]
fn route_both_compares_direct_and_proxy() {
    let Some(lab) = lab() else { return };
    // Direct works (lab DNS), the proxy refuses: the firewall team's "proxy or path?" answered.
    let r = wsusprobe(
        &[
            "https://download.microsoft.com/",
            "--resolve",
            "download.microsoft.com:443:127.0.0.1",
            "--proxy",
            lab.get("LAB_PROXY_OPEN"),
            "--route",
            "both",
            "--connect-timeout",
            "2s",
        ],
        None,
    );
    let paths = r.report().paths;
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0].route.kind, RouteKind::Direct);
    assert_eq!(
        r.verdict().map(|(s, _)| s),
        Some(Stage::Tcp),
        "{}",
        r.stdout
    );
    assert_eq!(r.verdict_at(1).map(|(_, k)| k), Some(Kind::Forbidden));
    let routes = r.report().routes;
    assert_eq!(routes.len(), 1, "{}", r.stdout);
    assert_has(&routes[0].summary, "two problems, one per route");

    // The firewall lets only the proxy out: direct, sws's address refuses the connection (nothing
    // listens on 127.0.0.3); Squid resolves sws itself (lab DNS: 127.0.0.2) and gets through.
    let port = lab.get("LAB_TLS_GOOD");
    let blocked = format!("{SWS}:{port}:127.0.0.3");
    let r = wsusprobe(
        &[
            &lab.sync_url(),
            "--resolve",
            &blocked,
            "--proxy",
            lab.get("LAB_PROXY_OPEN"),
            "--route",
            "both",
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ],
        None,
    );
    r.expect_at(0, "tcp", "refused");
    assert!(r.path_at(1).ok, "{}", r.stdout);
    let routes = r.report().routes;
    assert_eq!(routes.len(), 1, "{}", r.stdout);
    assert_has(
        &routes[0].summary,
        "the direct connection is blocked (tcp/refused) while the proxy gets through: the firewall lets only the proxy out",
    );
}

/// A listener whose accept queue is full: connection attempts to it get no answer.
fn black_hole() -> (std::net::TcpListener, Vec<std::net::TcpStream>, SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    // The lab DNS sends the catalog names, sws included, to 127.0.0.2.
    s.bind(&"127.0.0.2:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    s.listen(0).unwrap();
    let l: std::net::TcpListener = s.into();
    let a = l.local_addr().unwrap();
    let mut fill = Vec::new();
    for _ in 0..4 {
        if let Ok(c) = std::net::TcpStream::connect_timeout(&a, Duration::from_millis(200)) {
            fill.push(c);
        }
    }
    (l, fill, a)
}

#[test]
fn ntlm_port_with_squid_ntlm_fake_auth() {
    let Some(lab) = lab() else { return };
    let url = lab.sync_url();
    let ntlm = lab.get("LAB_PROXY_NTLM");
    let ca = lab.get("LAB_ROOT_CA");
    let r = wsusprobe(&[&url, "--proxy", ntlm, "--ca-file", ca], None);
    r.expect("proxy", "auth_required");
    let Leg::Answered(first) = &r.tunnel().legs[0] else {
        panic!("the first CONNECT got no answer: {}", r.stdout)
    };
    assert_eq!(first.proxy_authenticate, ["NTLM"]);
    assert!(r.v().message.contains("NTLM"));
    let secret = "Ntlm-Lab-Secret-91";
    let r = wsusprobe(
        &[
            &url,
            "--proxy",
            ntlm,
            "--proxy-user",
            "CONTOSO\\wsus",
            "--ca-file",
            ca,
        ],
        Some(secret),
    );
    r.expect_ok();
    let t = r.tunnel();
    assert_eq!(t.scheme.as_deref(), Some("NTLM"));
    assert_eq!(t.round_trips, 3);
    assert!(!r.stdout.contains(secret) && !r.stderr.contains(secret));
}

#[test]
fn basic_and_ntlm_offered_together_is_answered_with_ntlm() {
    let Some(lab) = lab() else { return };
    let url = lab.sync_url();
    let both = lab.get("LAB_PROXY_BOTH");
    let ca = lab.get("LAB_ROOT_CA");
    let r = wsusprobe(
        &[
            &url,
            "--proxy",
            both,
            "--proxy-user",
            "CONTOSO\\wsus",
            "--ca-file",
            ca,
        ],
        Some("any"),
    );
    r.expect_ok();
    let t = r.tunnel();
    assert_eq!(t.offered_schemes, ["Basic", "NTLM"]);
    assert_eq!(t.scheme.as_deref(), Some("NTLM"));
    // --proxy-auth basic takes Basic instead: the lab's Basic user then needs its real password.
    let r = wsusprobe(
        &[
            &url,
            "--proxy",
            both,
            "--proxy-user",
            lab.get("LAB_USER"),
            "--proxy-auth",
            "basic",
            "--ca-file",
            ca,
        ],
        Some(lab.get("LAB_PASSWORD")),
    );
    r.expect_ok();
    assert_eq!(r.tunnel().scheme.as_deref(), Some("Basic"));
}

fn cipher_set(report: &CiphersReport) -> std::collections::BTreeSet<(String, String)> {
    let mut set = std::collections::BTreeSet::new();
    for v in &report.versions {
        for s in &v.suites {
            set.insert((v.version.clone(), s.code.clone()));
        }
    }
    set
}

fn ciphers(args: &[&str], password: Option<&str>) -> CiphersReport {
    let mut cmd = report::wsusprobe_command();
    cmd.arg("ciphers")
        .arg("--json")
        .args(args)
        .env_remove("WSUSPROBE_PROXY_PASSWORD");
    if let Some(p) = password {
        cmd.env("WSUSPROBE_PROXY_PASSWORD", p);
    }
    Run::from_output(&cmd.output().unwrap()).decode()
}

/// The same suites through Squid as directly; through the NTLM port every tunnel authenticates
/// (three CONNECTs each), and the report counts them.
#[test]
fn ciphers_through_squid_and_ntlm() {
    let Some(lab) = lab() else { return };
    let target = format!("{SWS}:{}", lab.get("LAB_TLS_GOOD"));
    let direct = ciphers(
        &[
            &target,
            "--resolve",
            &format!("{SWS}:{}:127.0.0.1", lab.get("LAB_TLS_GOOD")),
        ],
        None,
    );
    let open = ciphers(&[&target, "--proxy", lab.get("LAB_PROXY_OPEN")], None);
    assert!(!cipher_set(&direct).is_empty(), "{direct:#?}");
    assert_eq!(cipher_set(&direct), cipher_set(&open));
    assert_eq!(open.route.kind, RouteKind::Proxy);
    let ntlm = ciphers(
        &[
            &target,
            "--proxy",
            lab.get("LAB_PROXY_NTLM"),
            "--proxy-user",
            "CONTOSO\\wsus",
        ],
        Some("pw"),
    );
    assert_eq!(cipher_set(&direct), cipher_set(&ntlm), "{ntlm:#?}");
    let conns = ntlm.connections;
    let requests = ntlm.proxy_requests.unwrap();
    // The first tunnel asks (one unauthenticated CONNECT, then NEGOTIATE + AUTHENTICATE on a
    // second connection); every later tunnel authenticates at once: one connection, two CONNECTs.
    assert_eq!(
        requests,
        2 * conns - 1,
        "{conns} connections, {requests} CONNECTs"
    );
}

/// Any subcommand, with the lab's resolver.
fn raw_run(args: &[&str]) -> Run {
    let out = report::wsusprobe_command()
        .args(args)
        .args(["--dns-server", &lab_dns()])
        .env_remove("WSUSPROBE_PROXY_PASSWORD")
        .output()
        .unwrap();
    Run::from_output(&out)
}

/// The firewall team's sweep through a Squid whose allowlist lacks download.microsoft.com: that
/// domain, and only it, is `proxy/forbidden`.
#[test]
fn allowlist_flags_exactly_the_missing_domain() {
    let Some(lab) = lab() else { return };
    let r = raw_run(&[
        "allowlist",
        "--json",
        "--proxy",
        lab.get("LAB_PROXY_CATALOG"),
        "--ca-file",
        lab.get("LAB_ROOT_CA"),
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let paths = r.report().paths;
    assert_eq!(paths.len(), 18);
    for (i, p) in paths.iter().enumerate() {
        if p.target == "https://download.microsoft.com/" {
            r.expect_at(i, "proxy", "forbidden");
        } else {
            assert!(p.ok, "{}: {:#?}", p.target, p.verdict);
        }
    }
    // CSV: one row per path, the blocked one marked so.
    let csv = raw_run(&[
        "allowlist",
        "--format",
        "csv",
        "--proxy",
        lab.get("LAB_PROXY_CATALOG"),
        "--ca-file",
        lab.get("LAB_ROOT_CA"),
    ])
    .stdout;
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 19);
    assert!(rows[0].starts_with("target,route,proxy,ok,reach,stage,kind"));
    let blocked: Vec<&&str> = rows.iter().filter(|r| r.contains(",blocked,")).collect();
    assert_eq!(blocked.len(), 1, "{csv}");
    assert!(blocked[0].starts_with("https://download.microsoft.com/,proxy,"));
    // HTML: a table per role, the blocked host first in its role, then where it breaks.
    let html = raw_run(&[
        "allowlist",
        "--format",
        "html",
        "--proxy",
        lab.get("LAB_PROXY_CATALOG"),
        "--ca-file",
        lab.get("LAB_ROOT_CA"),
    ])
    .stdout;
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    // (The Windows exe writes redirected output in ASCII: ✗ becomes a character reference.)
    assert!(html.contains("FAIL: 1 of 18 path(s) break"), "{html}");
    let blocked_row = html.find("<b>blocked</b>").expect("a blocked row");
    let role_start = html[..blocked_row].rfind("<h2>").unwrap();
    let first_row = html[role_start..].find("<tr class=").unwrap() + role_start;
    assert!(
        html[first_row..].starts_with(r#"<tr class="fail""#),
        "the blocked host heads its role's table"
    );
    assert!(html.contains("Where each blocked path breaks"));
    assert!(html.contains("FAIL at proxy/forbidden"));
}

/// The JUnit output is read by a real JUnit consumer (junitparser, as CI tools read it).
#[test]
fn allowlist_junit_parses_with_junitparser() {
    let Some(lab) = lab() else { return };
    let have = Command::new("python3")
        .args(["-c", "import junitparser"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !have {
        eprintln!("*** SKIP: python3 junitparser is not installed (.ci/run installs it) ***");
        assert!(std::env::var("CI").is_err(), "CI must install junitparser");
        return;
    }
    let xml = raw_run(&[
        "allowlist",
        "--format",
        "junit",
        "--proxy",
        lab.get("LAB_PROXY_CATALOG"),
        "--ca-file",
        lab.get("LAB_ROOT_CA"),
    ])
    .stdout;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &xml).unwrap();
    let script = r#"
import sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
cases = [c for suite in xml for c in suite]
failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
print(len(cases), len(failed), failed[0].name, failed[0].result[0].type)
"#;
    let out = Command::new("python3")
        .args(["-c", script, file.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.trim(),
        "18 1 https://download.microsoft.com/ proxy/forbidden"
    );
}

/// A plan that expects download.microsoft.com to be blocked passes where the proxy blocks it and
/// fails (exit 1) where the proxy lets it through.
#[test]
fn plan_expectations_hold_or_fail() {
    let Some(lab) = lab() else { return };
    let plan = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/plans/proxy-allowlist.toml"
    );
    let ca = lab.get("LAB_ROOT_CA");
    let r = raw_run(&[
        "run",
        plan,
        "--proxy",
        lab.get("LAB_PROXY_CATALOG"),
        "--ca-file",
        ca,
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_has(&r.stdout, "3 of 3 expectations met");
    let r = raw_run(&[
        "run",
        plan,
        "--json",
        "--proxy",
        lab.get("LAB_PROXY_ALL"),
        "--ca-file",
        ca,
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let result: PlanReport = r.decode();
    assert!(!result.ok);
    let unmet: Vec<_> = result.results.iter().filter(|o| !o.met).collect();
    assert_eq!(unmet.len(), 1);
    assert_eq!(unmet[0].expected, "fail at proxy/forbidden");
    assert_eq!(unmet[0].actual, "pass");
}

/// The export names the lab's Basic-auth Squid port and no credentials are given: the probe goes
/// through that proxy and stops at proxy/auth_required, after the lint said it would.
#[test]
fn wsus_config_routes_through_its_proxy() {
    let Some(_lab) = lab() else { return };
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/wsus-config/sws-lab-auth-proxy.json"
    );
    let r = wsusprobe(&["--wsus-config", file], None);
    r.expect("proxy", "auth_required");
    assert_eq!(
        r.path().route.proxy.clone().unwrap_or_default(),
        "http://127.0.0.1:13129"
    );
    let lint = r.findings();
    assert!(lint.iter().any(|f| f.contains("--proxy-user")), "{lint:?}");
}

#[test]
fn allowlist_uses_the_configured_proxy() {
    let Some(_lab) = lab() else { return };
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/wsus-config/sws-lab-auth-proxy.json"
    );
    let r = raw_run(&[
        "allowlist",
        "--json",
        "--only",
        "sync",
        "--wsus-config",
        file,
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        r.path().route.proxy.as_deref(),
        Some("http://127.0.0.1:13129")
    );
    r.expect_at(0, "proxy", "auth_required");
}

/// Peak resident memory allowed to a 500-path sweep (a debug build; the README records the
/// release figures from benches/sweep.sh).
const SWEEP_RSS_BOUND_KB: i64 = 64 * 1024;

/// 500 paths through Squid: every one passes, and the probe never holds more than two sockets
/// per concurrent path (plus a few for DNS and the runtime), with the default --concurrency and
/// a small one, in bounded memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_of_500_paths_through_squid_stays_bounded() {
    if report::skip_under_wine("peak memory and sockets are read from /proc for a Linux process") {
        return;
    }
    let Some(lab) = lab() else { return };
    let mut args: Vec<String> = [
        "check",
        "--format",
        "json",
        "--timeout",
        "30s",
        "--proxy",
        lab.get("LAB_PROXY_OPEN"),
        "--dns-server",
        lab.get("LAB_DNS"),
        "--ca-file",
        lab.get("LAB_ROOT_CA"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend((0..500).map(|i| format!("https://{SWS}/sweep/{i}")));
    for concurrency in [32, 8] {
        let mut a = args.clone();
        if concurrency != 32 {
            a.extend(["--concurrency".to_string(), concurrency.to_string()]);
        }
        let r = measure::measured(&a, &[]).await;
        eprintln!(
            "500 paths, --concurrency {concurrency}: {:?}, peak {} KiB, at most {} sockets",
            r.elapsed, r.peak_kb, r.max_sockets
        );
        assert_eq!(r.code, 0, "stderr: {}", r.stderr);
        let paths = r.report().paths;
        assert_eq!(paths.len(), 500);
        assert!(paths.iter().all(|p| p.ok));
        let socket_bound = concurrency * 2 + 8;
        assert!(
            r.max_sockets > 0 && r.max_sockets <= socket_bound,
            "{} sockets open at once with --concurrency {concurrency} (bound {socket_bound})",
            r.max_sockets
        );
        r.assert_peak_within(SWEEP_RSS_BOUND_KB);
    }
}

/// `wsusprobe serve` on the lab's Squid, scraped by a real Prometheus (Debian's `prometheus`):
/// the stage/kind Prometheus stores for a healthy path, a proxy 403 and a certificate failure is
/// what `check --json` says for the same paths; `promtool check metrics` accepts a scrape.
#[test]
fn prometheus_stores_what_check_says() {
    let Some(lab) = lab() else { return };
    let have = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !(have("prometheus") && have("promtool")) {
        eprintln!("*** SKIP: prometheus/promtool not installed (.ci/run installs prometheus) ***");
        assert!(std::env::var("CI").is_err(), "CI must install prometheus");
        return;
    }
    let sync = lab.sync_url();
    let blocked = "https://download.microsoft.com/".to_string();
    let common = [
        "--dns-server",
        lab.get("LAB_DNS"),
        "--ca-file",
        lab.get("LAB_ROOT_CA"),
    ];
    // Two exporters: through the allowlist port, and through the TLS-inspecting one.
    let open = Exporter::start(&[&common[..], &["--proxy", lab.get("LAB_PROXY_OPEN")]].concat());
    let bump = Exporter::start(&[&common[..], &["--proxy", lab.get("LAB_PROXY_BUMP")]].concat());
    let cases = [
        ("open", &open, sync.clone(), lab.get("LAB_PROXY_OPEN")),
        ("open", &open, blocked, lab.get("LAB_PROXY_OPEN")),
        ("bump", &bump, sync, lab.get("LAB_PROXY_BUMP")),
    ];

    // A page passes promtool's checks.
    let page = Command::new("curl")
        .args([
            "-s",
            &format!("http://{}/probe?target={}", open.addr, cases[0].2),
        ])
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    check.stdin.take().unwrap().write_all(&page).unwrap();
    assert!(
        check.wait().unwrap().success(),
        "{}",
        String::from_utf8_lossy(&page)
    );

    let dir = tempfile::tempdir().unwrap();
    let mut jobs = String::new();
    for (job, exporter) in [("open", &open), ("bump", &bump)] {
        let targets: Vec<String> = cases
            .iter()
            .filter(|c| c.0 == job)
            .map(|c| format!("\"{}\"", c.2))
            .collect();
        jobs.push_str(&format!(
            "  - job_name: {job}\n    metrics_path: /probe\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    static_configs: [{{targets: [{}]}}]\n    relabel_configs:\n      - {{source_labels: [__address__], target_label: __param_target}}\n      - {{source_labels: [__param_target], target_label: instance}}\n      - {{target_label: __address__, replacement: \"{}\"}}\n",
            targets.join(", "),
            exporter.addr
        ));
    }
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, format!("scrape_configs:\n{jobs}")).unwrap();
    let web = std::net::SocketAddr::from(([127, 0, 0, 1], ports::daemon_port()));
    let _prometheus = Killed(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={web}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );
    // Wait until every path has been scraped.
    let query = |q: &str| -> Vec<serde_json::Value> {
        let out = Command::new("curl")
            .args([
                "-s",
                "--get",
                &format!("http://{web}/api/v1/query"),
                "--data-urlencode",
            ])
            .arg(format!("query={q}"))
            .output()
            .map(|o| o.stdout)
            .unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    };
    let t0 = std::time::Instant::now();
    while query("probe_success").len() < cases.len() {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "Prometheus scraped too little"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    for (job, _, url, proxy) in &cases {
        let stored = query(&format!(
            "wsusprobe_failure_info{{job=\"{job}\",instance=\"{url}\"}}"
        ));
        let stored: Vec<(String, String)> = stored
            .iter()
            .map(|s| {
                (
                    s["metric"]["stage"].to_string(),
                    s["metric"]["kind"].to_string(),
                )
            })
            .collect();
        let r = wsusprobe(
            &[url, "--proxy", proxy, "--ca-file", lab.get("LAB_ROOT_CA")],
            None,
        );
        let said: Vec<(String, String)> = r
            .verdict()
            .map(|(s, k)| (format!("\"{s}\""), format!("\"{k}\"")))
            .into_iter()
            .collect();
        assert_eq!(stored, said, "{job} {url}: Prometheus vs check --json");
    }
    // The three shapes the issue asks for are all there.
    let kinds: Vec<String> = query("wsusprobe_failure_info")
        .iter()
        .map(|s| s["metric"]["kind"].to_string())
        .collect();
    assert!(kinds.contains(&"\"forbidden\"".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"\"intercepted\"".to_string()), "{kinds:?}");
    assert_eq!(query("probe_success == 1").len(), 1);
}

/// A child process killed when the test ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `wsusprobe serve` on a free loopback port.
struct Exporter {
    _child: Killed,
    addr: String,
}

impl Exporter {
    fn start(args: &[&str]) -> Exporter {
        use std::io::BufRead as _;
        let mut child = report::wsusprobe_command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("WSUSPROBE_PROXY_PASSWORD")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start wsusprobe serve");
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = report::exporter_address(&first);
        Exporter {
            _child: Killed(child),
            addr,
        }
    }
}
