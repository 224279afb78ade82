//! The real-service lab: what users run. nginx (OpenSSL) serves TLS with RSA certificates made by
//! the `openssl` command, dnsmasq answers DNS, all on 127.0.0.1. Each test starts its own
//! processes and stops them when it ends. `.ci/run` installs nginx, dnsmasq and openssl; without
//! them (outside CI) the tests say so and pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "lab/ports.rs"]
mod ports;
#[path = "lab/report.rs"]
mod report;

use ports::daemon_port;
use report::{Run, assert_has};
use wsusprobe::model::ciphers::CiphersReport;
use wsusprobe::model::detail::TlsDetail;

const SOAP_OK: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><GetAuthConfigResponse xmlns=\"http://www.microsoft.com/SoftwareDistribution\"><GetAuthConfigResult><AuthInfo><AuthPlugInInfo><PlugInID>DssTargeting</PlugInID><ServiceUrl>DssAuthWebService/DssAuthWebService.asmx</ServiceUrl></AuthPlugInInfo></AuthInfo></GetAuthConfigResult></GetAuthConfigResponse></s:Body></s:Envelope>";

const SWS: &str = "sws.update.microsoft.com";
/// An upstream WSUS server of a private PKI.
const UPSTREAM: &str = "wsus01.contoso.test";

fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args([
            "-c",
            &format!("command -v {tool} || test -x /usr/sbin/{tool}"),
        ])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !found {
        eprintln!("SKIP: {tool} is not installed (bash .ci/run installs it)");
        assert!(
            std::env::var("CI").is_err(),
            "CI must have {tool}: .ci/run installs it"
        );
    }
    found
}

fn sbin(tool: &str) -> String {
    let p = format!("/usr/sbin/{tool}");
    if Path::new(&p).exists() {
        p
    } else {
        tool.to_string()
    }
}

fn sh(dir: &Path, cmd: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An RSA chain made the way administrators make one: root → "Microsoft Update Secure Server
/// CA 2.1" (a lab CA with Microsoft's name) → leaf for sws.update.microsoft.com.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("ca.ext"),
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        for (ext, name) in [("leaf.ext", SWS), ("pleaf.ext", UPSTREAM)] {
            std::fs::write(
                d.join(ext),
                format!("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{name}\nauthorityKeyIdentifier=keyid\n"),
            )
            .unwrap();
        }
        sh(
            d,
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 \
               -subj '/CN=wsusprobe Real Lab Root' -addext basicConstraints=critical,CA:TRUE \
               -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null",
        );
        // (file stem, subject, issuer stem, days, extension file)
        let issue = |stem: &str, subj: &str, ca: &str, days: u32, ext: &str| {
            sh(
                d,
                &format!(
                    "openssl req -newkey rsa:2048 -nodes -keyout {stem}.key -out {stem}.csr -subj '{subj}' 2>/dev/null \
                     && openssl x509 -req -in {stem}.csr -CA {ca}.pem -CAkey {ca}.key -CAcreateserial \
                        -out {stem}.pem -days {days} -extfile {ext} 2>/dev/null"
                ),
            );
        };
        let ms_inter = "/O=Microsoft Corporation/CN=Microsoft Update Secure Server CA 2.1";
        issue("inter", ms_inter, "root", 3650, "ca.ext");
        issue("leaf", &format!("/CN={SWS}"), "inter", 90, "leaf.ext");
        sh(d, "cat leaf.pem inter.pem > fullchain.pem");
        // A private CA's intermediate (no AIA, no public name), whose leaf is served alone.
        issue(
            "pinter",
            "/O=Contoso/CN=Contoso Issuing CA 01",
            "root",
            3650,
            "ca.ext",
        );
        issue(
            "pleaf",
            &format!("/CN={UPSTREAM}"),
            "pinter",
            90,
            "pleaf.ext",
        );
        // An intermediate that expired in 2024 (`openssl ca` can backdate; `x509 -req` cannot),
        // under which the private leaf is issued again: a valid leaf on an expired issuer.
        std::fs::write(
            d.join("ca.cnf"),
            "[ca]\ndefault_ca = lab\n[lab]\ndatabase = index.txt\nnew_certs_dir = .\nserial = ca.srl\ndefault_md = sha256\npolicy = any\n[any]\ncommonName = supplied\norganizationName = optional\n",
        )
        .unwrap();
        sh(
            d,
            "touch index.txt && echo 1000 > ca.srl \
             && openssl req -newkey rsa:2048 -nodes -keyout xinter.key -out xinter.csr \
                -subj '/O=Contoso/CN=Contoso Old Issuing CA' 2>/dev/null \
             && openssl ca -batch -notext -config ca.cnf -cert root.pem -keyfile root.key \
                -in xinter.csr -out xinter.pem -startdate 20230101000000Z -enddate 20241231000000Z \
                -extfile ca.ext 2>/dev/null \
             && openssl x509 -req -in pleaf.csr -CA xinter.pem -CAkey xinter.key -CAcreateserial \
                -out xleaf.pem -days 90 -extfile pleaf.ext 2>/dev/null \
             && cat xleaf.pem xinter.pem > xchain.pem",
        );
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A child process killed when the test ends.
struct Guard(Child, &'static str, PathBuf);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_listening(addr: SocketAddr, g: &mut Guard) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(status)) = g.0.try_wait() {
            let log = std::fs::read_to_string(&g.2).unwrap_or_default();
            panic!("{} exited ({status}): {log}", g.1);
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} did not listen on {addr}", g.1);
}

struct Ports {
    modern: u16,
    good: u16,
    leaf_only: u16,
    private_leaf_only: u16,
    expired_inter: u16,
    cbc_only: u16,
    tls10: u16,
    tls13: u16,
    plain: u16,
    /// An SNI filter (nginx stream, ssl_preread) in front of `good`: closes hellos naming sws.
    sni_filter: Option<u16>,
}

/// nginx's stream module (Debian: libnginx-mod-stream), for the SNI filter.
const STREAM_MODULE: &str = "/usr/lib/nginx/modules/ngx_stream_module.so";

/// nginx with the lab's certificates, when nginx and openssl are installed.
struct Nginx {
    pki: Pki,
    ports: Ports,
    _guard: Guard,
}

impl Nginx {
    fn start(also: &[&str]) -> Option<Nginx> {
        let tools = ["nginx", "openssl"];
        if !tools.iter().chain(also).all(|t| have(t)) {
            return None;
        }
        let pki = Pki::new();
        let (guard, ports) = nginx(&pki);
        Some(Nginx {
            pki,
            ports,
            _guard: guard,
        })
    }

    /// The lab root, for --ca-file.
    fn ca(&self) -> String {
        self.pki.path("root.pem").display().to_string()
    }
}

fn nginx(pki: &Pki) -> (Guard, Ports) {
    let ports = Ports {
        modern: daemon_port(),
        good: daemon_port(),
        leaf_only: daemon_port(),
        private_leaf_only: daemon_port(),
        expired_inter: daemon_port(),
        cbc_only: daemon_port(),
        tls10: daemon_port(),
        tls13: daemon_port(),
        plain: daemon_port(),
        sni_filter: Path::new(STREAM_MODULE).exists().then(daemon_port),
    };
    // Hellos naming sws.update.microsoft.com go nowhere (a socket file nobody listens on, so no
    // other test's server can take its place: the connection is closed); any other name, or none,
    // reaches the healthy server.
    let (load, stream) = match ports.sni_filter {
        Some(port) => (
            format!("load_module {STREAM_MODULE};"),
            format!(
                "stream {{ map $ssl_preread_server_name $backend {{ {SWS} unix:{nowhere}; default 127.0.0.1:{good}; }}
  server {{ listen 127.0.0.1:{port}; ssl_preread on; proxy_pass $backend; proxy_connect_timeout 1s; }} }}",
                nowhere = pki.dir.path().join("nobody-listens.sock").display(),
                good = ports.good
            ),
        ),
        None => (String::new(), String::new()),
    };
    let d = pki.dir.path().display();
    let conf = format!(
        r#"{load}
worker_processes 1;
master_process off;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  ssl_certificate_key {d}/leaf.key;
  server {{
    listen 127.0.0.1:{good} ssl;
    ssl_certificate {d}/fullchain.pem;
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256;
    location = /ServerSyncWebService/ServerSyncWebService.asmx {{ default_type text/xml; return 200 '{SOAP_OK}'; }}
    location / {{ return 200 'ok'; }}
  }}
  server {{
    listen 127.0.0.1:{modern} ssl;
    ssl_certificate {d}/fullchain.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    ssl_ciphers 'HIGH:MEDIUM:!aNULL:!PSK:!SRP:@SECLEVEL=0';
    location / {{ return 200 'ok'; }}
  }}
  server {{
    listen 127.0.0.1:{leaf_only} ssl;
    ssl_certificate {d}/leaf.pem;
    location / {{ return 200 'ok'; }}
  }}
  server {{
    listen 127.0.0.1:{expired_inter} ssl;
    ssl_certificate {d}/xchain.pem;
    ssl_certificate_key {d}/pleaf.key;
    location / {{ return 200 'ok'; }}
  }}
  server {{
    listen 127.0.0.1:{private_leaf_only} ssl;
    ssl_certificate {d}/pleaf.pem;
    ssl_certificate_key {d}/pleaf.key;
    location / {{ return 200 'ok'; }}
  }}
  server {{
    listen 127.0.0.1:{cbc_only} ssl;
    ssl_certificate {d}/fullchain.pem;
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256;
    location / {{ return 200 'ok'; }}
  }}
  server {{
    listen 127.0.0.1:{tls10} ssl;
    ssl_certificate {d}/fullchain.pem;
    ssl_protocols TLSv1;
    ssl_ciphers 'ECDHE-RSA-AES256-SHA:AES256-SHA:@SECLEVEL=0';
    location / {{ return 200 'ok'; }}
  }}
  server {{
    listen 127.0.0.1:{tls13} ssl;
    ssl_certificate {d}/fullchain.pem;
    ssl_protocols TLSv1.3;
    location / {{ return 200 'ok'; }}
  }}
  server {{
    listen 127.0.0.1:{plain};
    location = /selfupdate/iuident.cab {{ return 200 'cab'; }}
    location / {{ return 503; }}
  }}
}}
{stream}
"#,
        good = ports.good,
        modern = ports.modern,
        leaf_only = ports.leaf_only,
        private_leaf_only = ports.private_leaf_only,
        expired_inter = ports.expired_inter,
        cbc_only = ports.cbc_only,
        tls10 = ports.tls10,
        tls13 = ports.tls13,
        plain = ports.plain,
    );
    std::fs::write(pki.path("nginx.conf"), conf).unwrap();
    let child = Command::new(sbin("nginx"))
        .arg("-p")
        .arg(pki.dir.path())
        .arg("-c")
        .arg(pki.path("nginx.conf"))
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let mut g = Guard(child, "nginx", pki.path("nginx-error.log"));
    for p in [
        ports.modern,
        ports.good,
        ports.leaf_only,
        ports.private_leaf_only,
        ports.expired_inter,
        ports.cbc_only,
        ports.tls10,
        ports.tls13,
        ports.plain,
    ]
    .into_iter()
    .chain(ports.sni_filter)
    {
        wait_listening(SocketAddr::from(([127, 0, 0, 1], p)), &mut g);
    }
    (g, ports)
}

/// dnsmasq answering sws.update.microsoft.com → 127.0.0.1, NXDOMAIN inside lab.test (where
/// wsus-alias is a CNAME to a name that does not exist), REFUSED elsewhere.
fn dnsmasq(dir: &Path) -> (Guard, SocketAddr) {
    let port = daemon_port();
    let log = dir.join("dnsmasq.log");
    let child = Command::new(sbin("dnsmasq"))
        .args([
            "-k",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--pid-file=",
            &format!("--port={port}"),
            &format!("--address=/{SWS}/127.0.0.1"),
            // Blocked the way DNS filters block a name: 0.0.0.0 and ::.
            "--address=/ctldl.windowsupdate.com/#",
            "--local=/lab.test/",
            // An alias whose target does not exist (dnsmasq answers the CNAME alone).
            "--cname=wsus-alias.lab.test,gone.lab.test",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start dnsmasq");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut g = Guard(child, "dnsmasq", log);
    wait_listening(addr, &mut g); // dnsmasq also listens on TCP
    (g, addr)
}

fn wsusprobe(args: &[&str]) -> Run {
    let out = report::wsusprobe_command()
        .args(["check", "--json", "--timeout", "10s"])
        .args(args)
        .output()
        .unwrap();
    Run::from_output(&out)
}

/// `check URL` with the Microsoft name resolved to 127.0.0.1:`port`, trusting `ca`.
fn check_at(url: &str, port: u16, ca: &str, extra: &[&str]) -> Run {
    let res = format!("{SWS}:{port}:127.0.0.1");
    let mut args = vec![url, "--resolve", &res, "--ca-file", ca];
    args.extend_from_slice(extra);
    wsusprobe(&args)
}

fn sync_url(port: u16) -> String {
    format!("https://{SWS}:{port}/ServerSyncWebService/ServerSyncWebService.asmx")
}

#[test]
fn nginx_and_dnsmasq_healthy_sync_path() {
    let Some(lab) = Nginx::start(&["dnsmasq"]) else {
        return;
    };
    let (pki, ports) = (&lab.pki, &lab.ports);
    let (_dm, dns) = dnsmasq(pki.dir.path());
    let ca = pki.path("root.pem");
    let r = wsusprobe(&[
        &sync_url(ports.good),
        "--dns-server",
        &dns.to_string(),
        "--ca-file",
        ca.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.dns().addresses.unwrap_or_default()[..1], ["127.0.0.1"]);
    let tls = r.tls();
    assert_eq!(
        tls.agreed().map(|(_, s)| s),
        Some("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
    );
    let chain = r.chain();
    assert_eq!(chain.leaf.key, "RSA 2048");
    assert!(r.stage("http").message.contains("DssTargeting"));
    assert_eq!(r.stage("clock").status.as_str(), "pass");
    // The stores that were read, with their counts: on Windows the machine's, which a service
    // such as WSUS trusts (never the current user's).
    let stores = chain.trust_stores.unwrap_or_default();
    let first = stores.first().map(String::as_str).unwrap_or_default();
    if report::wine_exe().is_some() {
        assert!(first.starts_with("LocalMachine\\Root: "), "{stores:?}");
        assert!(
            stores
                .iter()
                .any(|s| s.starts_with("LocalMachine\\AuthRoot")),
            "{stores:?}"
        );
    } else {
        assert!(first.starts_with("system store: "), "{stores:?}");
    }
}

#[test]
fn dnsmasq_nxdomain_refused_and_sinkholed() {
    if !have("dnsmasq") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_dm, dns) = dnsmasq(dir.path());
    let r = wsusprobe(&["https://nope.lab.test/", "--dns-server", &dns.to_string()]);
    r.expect("dns", "nxdomain");
    // The alias is there, its target is not: the verdict names the dead link.
    let r = wsusprobe(&[
        "https://wsus-alias.lab.test/",
        "--dns-server",
        &dns.to_string(),
    ]);
    r.expect("dns", "nxdomain");
    assert_has(
        &r.v().message,
        "wsus-alias.lab.test → gone.lab.test; gone.lab.test does not exist",
    );
    let r = wsusprobe(&[
        "https://download.windowsupdate.com/",
        "--dns-server",
        &dns.to_string(),
    ]);
    r.expect("dns", "refused");
    // A filtering resolver's block is told apart from a firewall: the answer is the blackhole.
    let r = wsusprobe(&[
        "http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en/authrootstl.cab",
        "--dns-server",
        &dns.to_string(),
    ]);
    r.expect("dns", "sinkholed");
    assert_has(&r.v().message, "0.0.0.0");
    assert_has(&r.v().advice, "filter");
    assert_eq!(r.v().windows_error.as_deref(), Some("0x80072EFD"));
}

#[test]
fn nginx_tls_and_certificate_failures() {
    let Some(lab) = Nginx::start(&[]) else { return };
    let (ports, ca) = (&lab.ports, &lab.ca());
    let probe = |port: u16| check_at(&format!("https://{SWS}:{port}/"), port, ca, &[]);
    let upstream = |port: u16| {
        let res = format!("{UPSTREAM}:{port}:127.0.0.1");
        wsusprobe(&[
            &format!("https://{UPSTREAM}:{port}/"),
            "--resolve",
            &res,
            "--ca-file",
            ca,
        ])
    };

    // The server sends no intermediate: one named like a public CA's is a missing intermediate …
    let r = probe(ports.leaf_only);
    r.expect("certificate", "incomplete_chain");
    assert_has(&r.v().message, "a public CA's intermediate");
    // … an unfamiliar one without an AIA URL looks like a private CA to deploy.
    let r = upstream(ports.private_leaf_only);
    r.expect("certificate", "unknown_issuer");
    assert_has(&r.v().message, "\"Contoso Issuing CA 01\"");
    assert_has(&r.v().message, "looks like a private CA");
    // A valid leaf whose issuing CA expired: the verdict names that certificate.
    let r = upstream(ports.expired_inter);
    r.expect("certificate", "expired");
    assert_has(
        &r.v().message,
        "the issuing certificate \"Contoso Old Issuing CA\" expired on 2024-12-31",
    );

    // Only the CBC suites of Microsoft Update's 2020 list: a GCM-only client has none in common,
    // and the follow-up names the suite the server would take.
    let r = probe(ports.cbc_only);
    r.expect_at(0, "tls", "no_common_cipher");
    let msg = r.v().message;
    assert!(
        msg.contains("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
        "{msg}"
    );

    // TLS 1.0 only: the server's side is too old, and the message says so.
    let r = probe(ports.tls10);
    r.expect("tls", "protocol_version");
    assert_has(&r.v().message, "accepts at most TLS 1.0");
    assert_has(&r.v().message, "server side must enable TLS 1.2");

    // TLS 1.3 only: this time the client side offered too little (TLS 1.2 only, as WSUS before
    // Windows Server 2022); with --tls-version 1.3 the same server passes.
    let r = probe(ports.tls13);
    r.expect("tls", "protocol_version");
    assert_has(&r.v().message, "accepts only TLS 1.3");
    let tls = r.tls();
    let answers: Vec<&str> = tls
        .follow_up()
        .iter()
        .filter_map(|f| f.answer.as_deref())
        .collect();
    assert!(
        answers.iter().any(|a| a.starts_with("ServerHello TLS 1.3")),
        "{answers:?}"
    );
    let r = check_at(
        &format!("https://{SWS}:{}/", ports.tls13),
        ports.tls13,
        ca,
        &["--tls-version", "1.3"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

/// A filter that cuts the handshake because of the name in the hello — here nginx's stream module
/// reading the SNI, as next-generation firewalls do — is told from an address block.
#[test]
fn sni_filtering_by_a_real_nginx_stream_filter() {
    let Some(lab) = Nginx::start(&[]) else { return };
    let Some(port) = lab.ports.sni_filter else {
        eprintln!("SKIP: {STREAM_MODULE} missing (bash .ci/run installs libnginx-mod-stream)");
        assert!(
            std::env::var("CI").is_err(),
            "CI must install libnginx-mod-stream"
        );
        return;
    };
    let r = check_at(&sync_url(port), port, &lab.ca(), &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let (stage, kind) = r.verdict().unwrap();
    assert_eq!(stage.as_str(), "tls", "{}", r.stdout);
    assert!(matches!(kind.as_str(), "closed" | "reset"), "{}", r.stdout);
    assert_has(&r.v().message, "a filter blocks by name (SNI)");
}

/// A TLS server in a network namespace of its own, reached over a veth pair, with an nft rule in
/// the namespace dropping the server's packets above `limit` bytes: a path-MTU black hole (or,
/// with a small limit, a filter that stalls any flight), which loopback cannot make — it does not
/// fragment. Offloads are off on both ends, so the rule sees each segment as sent. Everything
/// goes with the namespace when dropped.
struct Namespace {
    name: String,
    server: Option<Guard>,
    addr: SocketAddr,
}

impl Namespace {
    fn start(pki: &Pki) -> Namespace {
        let id = std::process::id() % 100_000;
        let name = format!("wsp-mtu-{id}");
        let (outer, inner) = (format!("wspa{id}"), format!("wspb{id}"));
        let net = format!("198.18.{}", id % 250);
        let ns = Namespace {
            name: name.clone(),
            server: None,
            addr: format!("{net}.2:8443").parse().unwrap(),
        };
        let ip = |args: &str| sh(pki.dir.path(), &format!("ip {args}"));
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        ip(&format!("netns add {name}"));
        ip(&format!("link add {outer} type veth peer name {inner}"));
        ip(&format!("link set {inner} netns {name}"));
        ip(&format!("addr add {net}.1/30 dev {outer}"));
        ip(&format!("link set {outer} up"));
        ip(&format!("-n {name} addr add {net}.2/30 dev {inner}"));
        ip(&format!("-n {name} link set {inner} up"));
        let offloads = "tso off gso off gro off";
        sh(pki.dir.path(), &format!("ethtool -K {outer} {offloads}"));
        sh(
            pki.dir.path(),
            &format!("ip netns exec {name} ethtool -K {inner} {offloads}"),
        );
        ns
    }

    /// Drop the server's packets longer than `limit` bytes (none: no rule).
    fn drop_above(&self, limit: Option<u32>) {
        let name = &self.name;
        let root = Path::new("/");
        sh(root, &format!("ip netns exec {name} nft flush ruleset"));
        if let Some(n) = limit {
            let rule = format!(
                "table ip hole {{\\n chain out {{\\n  type filter hook output priority 0;\\n  meta length > {n} drop\\n }}\\n}}\\n"
            );
            sh(
                root,
                &format!("printf '{rule}' | ip netns exec {name} nft -f -"),
            );
        }
    }

    /// `openssl s_server` in the namespace with the lab's leaf and intermediate.
    fn serve(&mut self, pki: &Pki) {
        let log = pki.path("s_server.log");
        let child = Command::new("ip")
            .args([
                "netns", "exec", &self.name, "openssl", "s_server", "-quiet", "-www",
            ])
            .arg("-accept")
            .arg(self.addr.to_string())
            .arg("-cert")
            .arg(pki.path("leaf.pem"))
            .arg("-key")
            .arg(pki.path("leaf.key"))
            .arg("-cert_chain")
            .arg(pki.path("inter.pem"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start openssl s_server");
        let mut g = Guard(child, "openssl s_server", log);
        wait_listening(self.addr, &mut g);
        self.server = Some(g);
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        self.server.take();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// A handshake whose first flight never arrives: on a path that drops full-size packets (and
/// sends no ICMP "fragmentation needed"), the same hello on a connection announcing an MSS of
/// 536 gets the whole flight — a path-MTU black hole, named with its fix; on a path that drops
/// small packets too, it stalls again — not the size. Needs root (a network namespace), `ip`,
/// `nft` and `ethtool`, which `.ci/run` installs.
#[test]
fn a_path_mtu_black_hole_is_told_from_a_filter() {
    let uid = Command::new("id").arg("-u").output().map(|o| o.stdout);
    let root = uid.is_ok_and(|u| u.trim_ascii() == b"0");
    if !root || !["ip", "nft", "ethtool", "openssl"].iter().all(|t| have(t)) {
        eprintln!("SKIP: needs root, ip, nft, ethtool and openssl (bash .ci/run installs them)");
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the black-hole lab"
        );
        return;
    }
    let pki = Pki::new();
    let mut ns = Namespace::start(&pki);
    ns.serve(&pki);
    let url = format!("https://{SWS}:{}/", ns.addr.port());
    let res = format!("{SWS}:{}:{}", ns.addr.port(), ns.addr.ip());
    let ca = pki.path("root.pem").display().to_string();
    let probe = || wsusprobe(&[&url, "--resolve", &res, "--ca-file", &ca]);

    // The healthy path first: the namespace itself works.
    ns.drop_above(None);
    let r = probe();
    assert_eq!(
        r.status("tls"),
        wsusprobe::model::Status::Pass,
        "{}",
        r.stdout
    );

    ns.drop_above(Some(1000));
    let r = probe();
    r.expect("tls", "timeout");
    if report::wine_exe().is_some() {
        // Windows cannot set a connection's MSS: the message says what was not tried.
        assert_has(&r.v().message, "packet size was not tried");
        return;
    }
    assert_has(
        &r.v().message,
        "arrives on a connection that announces an MSS of 536",
    );
    assert_has(&r.v().message, "path-MTU black hole");
    assert_has(&r.v().message, "clamp the TCP MSS");
    let tls = r.tls();
    let small = tls
        .follow_up()
        .last()
        .and_then(|f| f.answer.clone())
        .unwrap_or_default();
    assert!(small.starts_with("ServerHello"), "{small}");
    // The raw engine's offer (a client profile) is re-sent as it is, with the same conclusion.
    let r = wsusprobe(&[
        &url,
        "--resolve",
        &res,
        "--ca-file",
        &ca,
        "--client-profile",
        "win2019",
    ]);
    r.expect("tls", "timeout");
    assert_has(&r.v().message, "path-MTU black hole");

    ns.drop_above(Some(200));
    let r = probe();
    r.expect("tls", "timeout");
    assert_has(&r.v().message, "stalls the same way");
    assert_has(&r.v().message, "not the packet size");
}

#[test]
fn nginx_plain_http_selfupdate_and_503() {
    let Some(lab) = Nginx::start(&[]) else { return };
    let ports = &lab.ports;
    let r = wsusprobe(&[&format!(
        "http://127.0.0.1:{}/selfupdate/iuident.cab",
        ports.plain
    )]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.http().server.map(|s| s.starts_with("nginx")), Some(true));
    let r = wsusprobe(&[&format!(
        "http://127.0.0.1:{}/ClientWebService/client.asmx",
        ports.plain
    )]);
    r.expect_at(0, "http", "service_unavailable");
    assert_eq!(r.v().windows_error.as_deref().unwrap_or("-"), "0x80244022");
}

/// (version, code) pairs sslscan reports as accepted.
fn sslscan(port: u16) -> std::collections::BTreeSet<(String, String)> {
    let out = Command::new("sslscan")
        .args([
            "--no-colour",
            "--xml=-",
            "--sni-name=sws.update.microsoft.com",
            &format!("127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&out.stdout);
    let attr = |line: &str, name: &str| -> String {
        let key = format!("{name}=\"");
        line.split(&key)
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("")
            .to_string()
    };
    xml.lines()
        .filter(|l| l.trim_start().starts_with("<cipher "))
        .map(|l| {
            (
                attr(l, "sslversion"),
                attr(l, "id").to_ascii_uppercase().replace("0X", "0x"),
            )
        })
        .collect()
}

fn ours(port: u16) -> (CiphersReport, std::collections::BTreeSet<(String, String)>) {
    let out = report::wsusprobe_command()
        .args([
            "ciphers",
            "--json",
            &format!("127.0.0.1:{port}"),
            "--sni",
            "sws.update.microsoft.com",
        ])
        .output()
        .unwrap();
    let report: CiphersReport = Run::from_output(&out).decode();
    let mut set = std::collections::BTreeSet::new();
    for v in &report.versions {
        for s in &v.suites {
            set.insert((v.version.clone(), s.code.clone()));
        }
    }
    (report, set)
}

/// `wsusprobe ciphers` reports exactly what sslscan reports, on servers users meet: the four
/// suites of Microsoft Update's 2020 list, CBC-SHA384 only, TLS 1.0 only, and a modern TLS
/// 1.2+1.3 server with some 30 suites in server order — with at most accepted + 2 connections
/// per supported version.
#[test]
fn ciphers_agree_with_sslscan() {
    let Some(lab) = Nginx::start(&["sslscan"]) else {
        return;
    };
    let ports = &lab.ports;
    for (name, port) in [
        ("four-suite", ports.good),
        ("cbc-only", ports.cbc_only),
        ("tls10-only", ports.tls10),
        ("modern", ports.modern),
    ] {
        let (report, mine) = ours(port);
        let theirs = sslscan(port);
        assert!(!mine.is_empty(), "{name}: nothing found: {report:#?}");
        assert_eq!(mine, theirs, "{name}: wsusprobe vs sslscan");
        let budget: usize = report
            .versions
            .iter()
            .map(|v| if v.supported { v.suites.len() + 2 } else { 1 })
            .sum();
        assert!(
            report.connections <= budget,
            "{name}: {} connections > {budget}",
            report.connections
        );
    }
    let (report, _) = ours(ports.modern);
    let v12 = report
        .versions
        .iter()
        .find(|v| v.version == "TLSv1.2")
        .unwrap();
    assert_eq!(v12.server_preference, Some(true), "{v12:#?}");
    assert!(v12.suites.len() >= 20, "{v12:#?}");
    let (report, _) = ours(ports.tls10);
    let supported: Vec<&str> = report
        .versions
        .iter()
        .filter(|v| v.supported)
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(supported, ["TLSv1.0"]);
}

/// `check --client-profile`: what a Windows Server of that version would get from the server.
#[test]
fn client_profiles_against_the_four_suite_server() {
    let Some(lab) = Nginx::start(&[]) else { return };
    let (ports, ca) = (&lab.ports, &lab.ca());
    let run = |port: u16, extra: &[&str]| check_at(&sync_url(port), port, ca, extra);

    // 2012 R2 has no ECDHE_RSA+GCM: it lands on the CBC suite with a NIST curve, and the
    // certificate is still checked, from the server's flight.
    let r = run(ports.good, &["--client-profile", "win2012r2"]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    let TlsDetail::Offered(tls) = r.tls() else {
        panic!("not judged from the raw offer: {}", r.stdout)
    };
    assert_eq!(
        tls.suite.as_deref(),
        Some("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
        "{tls:#?}"
    );
    assert!(
        matches!(
            tls.group.clone().flatten().as_deref(),
            Some("secp256r1" | "secp384r1")
        ),
        "{tls:#?}"
    );
    assert_eq!(r.stage("certificate").status.as_str(), "pass");
    assert_eq!(r.stage("http").status.as_str(), "skip");

    // The same profile against a server that omits its intermediate: the flight's chain is judged.
    let r = run(ports.leaf_only, &["--client-profile", "win2012r2"]);
    r.expect_at(0, "certificate", "incomplete_chain");

    // A 2016 profile negotiates GCM and completes the handshake: every stage runs.
    let r = run(ports.good, &["--client-profile", "win2016"]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.stage("http").status.as_str(), "pass");

    // A GPO-style list with nothing in common: the verdict names what the server accepts.
    let r = run(
        ports.good,
        &[
            "--ciphers",
            "TLS_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA_P256",
        ],
    );
    r.expect_at(0, "tls", "no_common_cipher");
    let msg = r.v().message;
    assert!(
        msg.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") && msg.contains("00010002"),
        "{msg}"
    );

    // A TLS 1.0-only client (.NET without SchUseStrongCrypto) against a TLS 1.2 server.
    let r = run(ports.good, &["--client-profile", "dotnet-legacy"]);
    r.expect_at(0, "tls", "protocol_version");
    let msg = r.v().message;
    assert!(
        msg.contains("only TLS 1.2") && msg.contains("TLS 1.0"),
        "{msg}"
    );
}

/// `check --client-profile-from-reg`: the offer a host's exported policy allows, against the
/// nginx that takes only Microsoft Update's CBC suites. A 2012 R2 whose GPO order keeps
/// CBC-SHA384 gets through; a host whose order holds only CBC-SHA1 suites does not, and the
/// verdict is the tls stage's, not a guess.
#[test]
fn host_policies_against_the_cbc_only_server() {
    let Some(lab) = Nginx::start(&[]) else { return };
    let (ports, ca) = (&lab.ports, &lab.ca());
    let reg = |name: &str| format!("{}/testdata/registry/{name}", env!("CARGO_MANIFEST_DIR"));
    let run = |fixture: &str| {
        let path = reg(fixture);
        check_at(
            &format!("https://{SWS}:{}/", ports.cbc_only),
            ports.cbc_only,
            ca,
            &["--client-profile-from-reg", &path],
        )
    };
    for allowed in [
        "2012r2-gpo-cbc-sha384.reg",
        "healthy-2019.reg",
        "2012r2-no-dotnet32.reg",
    ] {
        let r = run(allowed);
        assert_eq!(r.code, 0, "{allowed}: {:#}", r.json);
        assert_eq!(
            r.tls().agreed().map(|(_, s)| s.to_string()).as_deref(),
            Some("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
            "{allowed}"
        );
    }
    let r = run("gpo-cbc-sha1-only.reg");
    r.expect_at(0, "tls", "no_common_cipher");
    assert_has(&r.v().message, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");
    // TLS 1.2 switched off for clients: the host offers 1.0 and 1.1 only.
    let r = run("tls12-client-disabled.reg");
    r.expect_at(0, "tls", "protocol_version");
}
