//! Stage `proxy` against the scripted in-process proxy: the behaviours a real proxy shows only
//! when broken. The real Squid lab is in tests/proxy_lab.rs.

use crate::lab::report::assert_has;
use crate::lab::{self, behind, check, check_env, pki, proxy, run_env, servers, through};
use wsusprobe::model::detail::{Hop, Leg};
use wsusprobe::model::{RouteKind, Status};

const HOST: &str = "sws.update.microsoft.com";
const SECRET: &str = "S3cret-Proxy-Passw0rd!";
const USER: &str = "CONTOSO\\wsus";
const SWS_ROOT: &str = "https://sws.update.microsoft.com/";

/// A healthy Microsoft-like TLS server and the arguments to trust it.
async fn upstream() -> (std::net::SocketAddr, pki::Pki) {
    let s = lab::sync_service(HOST, servers::Reply::soap_ok()).await;
    (s.addr, s.pki)
}

fn sync_url(addr: std::net::SocketAddr) -> String {
    lab::url(
        "https",
        HOST,
        addr,
        "/ServerSyncWebService/ServerSyncWebService.asmx",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tunnel_passes_and_reports_the_route() {
    let (up, p) = upstream().await;
    let px = proxy::start(proxy::Mode::Tunnel(up)).await;
    let r = check(&[
        &sync_url(up),
        "--proxy",
        &format!("http://{px}"),
        "--ca-file",
        &pki::path(&p.root_pem),
    ])
    .await;
    r.expect_ok();
    assert_eq!(r.path().route.kind.as_str(), "proxy");
    assert_eq!(
        r.path().route.proxy.clone().unwrap_or_default(),
        format!("http://{px}")
    );
    assert_eq!(r.status("proxy"), Status::Pass);
    let dns = r.dns();
    assert_eq!(dns.hop, Some(Hop::Proxy));
    // the target was looked up locally as information only
    assert!(
        dns.target_local
            .is_some_and(|l| l.note.contains("proves nothing"))
    );
}

async fn proxy_answering(bytes: &[u8]) -> lab::Run {
    let px = proxy::start(proxy::Mode::Answer(bytes.to_vec())).await;
    check(&[
        "https://sws.update.microsoft.com/",
        "--proxy",
        &format!("http://{px}"),
        "--timeout",
        "3s",
    ])
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_without_markers() {
    let cases: [(&[u8], &str, &str); 5] = [
        (
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
            "forbidden",
            "0x80244018",
        ),
        (
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
            "upstream_unreachable",
            "0x80244021",
        ),
        (
            b"HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n",
            "upstream_timeout",
            "0x80244023",
        ),
        (
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
            "unavailable",
            "0x80244022",
        ),
        (
            b"HTTP/1.1 302 Found\r\nLocation: http://portal/\r\n\r\n",
            "unexpected_status",
            "0x8024402B",
        ),
    ];
    for (bytes, kind, code) in cases {
        let r = proxy_answering(bytes).await;
        r.expect("proxy", kind);
        assert_eq!(
            r.v().windows_error.as_deref().unwrap_or("-"),
            code,
            "{kind}"
        );
        assert_eq!(r.status("tls"), Status::Skip);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn squid_markers_decide_the_kind() {
    let r = proxy_answering(
        b"HTTP/1.1 503 Service Unavailable\r\nX-Squid-Error: ERR_DNS_FAIL 0\r\n\r\n",
    )
    .await;
    r.expect("proxy", "upstream_dns_failed");
    assert_eq!(r.tunnel().legs[0].x_squid_error(), Some("ERR_DNS_FAIL 0"));
    let r = proxy_answering(
        b"HTTP/1.1 503 Service Unavailable\r\nX-Squid-Error: ERR_CONNECT_FAIL 110\r\n\r\n",
    )
    .await;
    r.expect("proxy", "upstream_timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_http_closed_and_timeout() {
    proxy_answering(b"SSH-2.0-OpenSSH_9.2\r\n")
        .await
        .expect("proxy", "not_http");
    let px = proxy::start(proxy::Mode::Close).await;
    through(px, SWS_ROOT)
        .check()
        .await
        .expect("proxy", "closed");
    let px = proxy::start(proxy::Mode::Silent).await;
    let t0 = std::time::Instant::now();
    through(px, SWS_ROOT)
        .with(&["--timeout", "2s"])
        .check()
        .await
        .expect("proxy", "timeout");
    assert!(t0.elapsed() < std::time::Duration::from_secs(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_proxy_port_is_tcp_refused() {
    let r = through(servers::closed_port(), SWS_ROOT).check().await;
    r.expect("tcp", "refused");
    assert_eq!(r.status("proxy"), Status::Skip);
}

/// Without credentials the proxy's `scheme` is `auth_required`; as `user` with the right
/// password the path passes. The passing run.
async fn required_then_accepted(anonymous: &lab::Proxied, user: &str, scheme: &str) -> lab::Run {
    let r = anonymous.check().await;
    r.expect("proxy", "auth_required");
    assert!(r.v().message.contains(scheme), "{}", r.stdout);
    let r = anonymous.clone().user(user, SECRET).check().await;
    r.expect_ok();
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_required_then_accepted_then_rejected() {
    let anonymous = behind(|upstream| proxy::Mode::Basic {
        user: "wsus".into(),
        pass: SECRET.into(),
        upstream,
    })
    .await;
    let r = required_then_accepted(&anonymous, "wsus", "Basic").await;
    let t = r.tunnel();
    assert_eq!(t.legs.len(), 2);
    assert!(t.warning.is_some_and(|w| w.contains("clear text")));
    let r = anonymous.user("wsus", "wrong").check().await;
    r.expect("proxy", "auth_rejected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_both_probes_direct_and_proxy() {
    let (up, p) = upstream().await;
    let px = proxy::start(proxy::Mode::Answer(
        b"HTTP/1.1 403 Forbidden\r\n\r\n".to_vec(),
    ))
    .await;
    let args = [
        sync_url(up),
        "--resolve".into(),
        lab::resolve(HOST, up),
        "--proxy".into(),
        format!("http://{px}"),
        "--route".into(),
        "both".into(),
        "--ca-file".into(),
        pki::path(&p.root_pem),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = check(&args).await;
    assert_eq!(r.code, 1);
    let paths = r.report().paths;
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0].route.kind, RouteKind::Direct);
    assert!(paths[0].ok);
    assert_eq!(paths[1].route.kind, RouteKind::Proxy);
    r.expect_at(1, "proxy", "forbidden");
    let routes = r.report().routes;
    assert_eq!(routes.len(), 1, "{}", r.stdout);
    assert_eq!(
        (&*routes[0].direct, &*routes[0].proxy),
        ("pass", "proxy/forbidden")
    );
    let refuses = "the proxy refuses what the direct route allows (proxy/forbidden)";
    assert_has(&routes[0].summary, refuses);
    // and in text, the side-by-side summary and where the routes part
    let t = crate::lab::run(&[&["check"], &args[..]].concat()).await;
    assert_has(&t.stdout, "direct: ✓ OK");
    assert_has(&t.stdout, "proxy: ✗ proxy/forbidden");
    assert_has(&t.stdout, refuses);
}

/// The local resolver sinkholes the name and the proxy resolves it for itself: `--route both`
/// says so in one sentence, in JSON and in text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_both_says_where_the_routes_part() {
    let name = "blocked.lab.test";
    let s = lab::sync_service(name, servers::Reply::soap_ok()).await;
    let px = proxy::start(proxy::Mode::Tunnel(s.addr)).await;
    let zone = crate::lab::dns::zone_server().await;
    let url = lab::url(
        "https",
        name,
        s.addr,
        "/ServerSyncWebService/ServerSyncWebService.asmx",
    );
    let (zone, px, ca) = (zone.to_string(), format!("http://{px}"), s.ca());
    let args = [
        url.as_str(),
        "--dns-server",
        &zone,
        "--proxy",
        &px,
        "--route",
        "both",
        "--ca-file",
        &ca,
    ];
    let r = check(&args).await;
    r.expect_at(0, "dns", "sinkholed");
    assert!(r.path_at(1).ok, "{}", r.stdout);
    let routes = r.report().routes;
    assert_eq!(routes.len(), 1, "{}", r.stdout);
    assert_eq!(
        (&*routes[0].direct, &*routes[0].proxy),
        ("dns/sinkholed", "pass")
    );
    let says = "the local resolver blocks blocked.lab.test (sinkholed) while the proxy resolves it for itself";
    assert_has(&routes[0].summary, says);
    let t = crate::lab::run(&[&["check"], &args[..]].concat()).await;
    assert_has(&t.stdout, says);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_goes_through_the_proxy_in_absolute_form() {
    // The scripted proxy answers like Squid refusing by policy: the proxy stage takes the verdict.
    let px = proxy::start(proxy::Mode::Answer(
        b"HTTP/1.1 403 Forbidden\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\nContent-Length: 0\r\n\r\n".to_vec(),
    ))
    .await;
    let r = check(&[
        "http://download.windowsupdate.com/msdownload/x.cab",
        "--proxy",
        &format!("http://{px}"),
    ])
    .await;
    r.expect("proxy", "forbidden");
    assert_eq!(r.status("http"), Status::Skip);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_usage_errors() {
    let with_user = [
        "check",
        "--proxy",
        "http://proxy:3128",
        "--proxy-user",
        "wsus",
    ];
    for args in [
        &["check", "--proxy", "https://proxy:3128"][..],
        &["check", "--proxy", "http://u:p@proxy:3128"],
        &["check", "--route", "both"],
        &["check", "--proxy-user", "wsus"],
        &with_user,
    ] {
        let r = run_env(args, &[]).await;
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{args:?}: {}", r.stderr);
    }
    // The missing password is named, not asked for, without a terminal.
    let r = run_env(&with_user, &[]).await;
    assert_has(&r.stderr, "WSUSPROBE_PROXY_PASSWORD");
}

/// https:// targets take --ssl-proxy when given (WSUS's UseSeparateProxyForSsl).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_proxy_wins_for_https() {
    let (up, p) = upstream().await;
    let good = proxy::start(proxy::Mode::Tunnel(up)).await;
    let dead = servers::closed_port();
    let r = check(&[
        &sync_url(up),
        "--proxy",
        &format!("http://{dead}"),
        "--ssl-proxy",
        &format!("http://{good}"),
        "--ca-file",
        &pki::path(&p.root_pem),
    ])
    .await;
    r.expect_ok();
    assert_eq!(
        r.path().route.proxy.clone().unwrap_or_default(),
        format!("http://{good}")
    );
}

/// HTTPS_PROXY is ignored unless --proxy-from-env, as WSUS ignores it; NO_PROXY is honoured then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_proxy_only_on_request() {
    let (up, p) = upstream().await;
    let px = proxy::start(proxy::Mode::Answer(
        b"HTTP/1.1 403 Forbidden\r\n\r\n".to_vec(),
    ))
    .await;
    let https_proxy = format!("http://{px}");
    let (url, res, ca) = (sync_url(up), lab::resolve(HOST, up), pki::path(&p.root_pem));
    let base = [url.as_str(), "--resolve", &res, "--ca-file", &ca];
    let from_env = [&base[..], &["--proxy-from-env"]].concat();
    let proxy_env = [("HTTPS_PROXY", https_proxy.as_str())];
    let bypass_env = [proxy_env[0], ("NO_PROXY", ".microsoft.com")];
    let r = check_env(&base, &proxy_env).await;
    r.expect_ok();
    assert_eq!(
        r.path().route.kind,
        RouteKind::Direct,
        "HTTPS_PROXY alone is ignored"
    );
    check_env(&from_env, &proxy_env)
        .await
        .expect("proxy", "forbidden");
    let r = check_env(&from_env, &bypass_env).await;
    r.expect_ok();
    assert_eq!(r.path().route.kind, RouteKind::Direct, "NO_PROXY bypasses");
}

/// NTLMv2 against a proxy that verifies the response for real: right password passes, wrong
/// password is `auth_rejected`, and the detail records offered/chosen scheme and each leg.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ntlm_three_legs_verified() {
    let anonymous = behind(|upstream| proxy::Mode::Ntlm {
        user: "wsus".into(),
        domain: "CONTOSO".into(),
        pass: SECRET.into(),
        upstream,
    })
    .await;
    let r = required_then_accepted(&anonymous, USER, "NTLM").await;
    let t = r.tunnel();
    assert_eq!(t.scheme.as_deref(), Some("NTLM"));
    assert_eq!(t.offered_schemes[..1], ["NTLM"]);
    assert_eq!(t.round_trips, 3, "{t:?}");
    let credentials = |i: usize| match &t.legs[i] {
        Leg::Answered(a) => a.credentials.clone().unwrap_or_default(),
        Leg::Unanswered(u) => u.credentials.clone().unwrap_or_default(),
    };
    assert!(credentials(1).contains("NEGOTIATE"), "{t:?}");
    assert!(credentials(2).contains("AUTHENTICATE"), "{t:?}");
    // TLS follow-ups through an NTLM proxy authenticate each tunnel too: a TLS failure behind it
    // is still explained (here it is not needed; the path passed).
    let r = anonymous.clone().user(USER, "wrong").check().await;
    r.expect("proxy", "auth_rejected");
    // --proxy-auth basic refuses to answer an NTLM-only proxy with Basic.
    let basic = anonymous
        .user(USER, SECRET)
        .with(&["--proxy-auth", "basic"]);
    let r = basic.check().await;
    r.expect("proxy", "auth_required");
    assert!(r.v().message.contains("--proxy-auth"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ntlm_connection_dropped_mid_exchange_is_closed() {
    let px = proxy::start(proxy::Mode::NtlmDropAfterChallenge).await;
    let r = through(px, SWS_ROOT).user(USER, SECRET).check().await;
    r.expect("proxy", "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kerberos_only_negotiate_is_auth_required() {
    let px = proxy::start(proxy::Mode::KerberosOnly).await;
    let r = through(px, SWS_ROOT).user(USER, SECRET).check().await;
    r.expect("proxy", "auth_required");
    assert!(r.v().message.contains("Kerberos"), "{}", r.stdout);
}
