//! `--format html` in a real browser: Debian's headless Chromium renders the page and dumps the
//! DOM it built. A server whose certificate subject and error page carry `<script>` and
//! `onerror=` must show them as text, with nothing run; the verdict and the hop that breaks are
//! in the page's words. Screenshots of a healthy and a failed path go to `target/html/` (CI keeps
//! them). Without Chromium the test says so loudly (and fails in CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::lab::{self, pki, servers};

const HOST: &str = "good.lab.test";
/// What any hostile text would do if it ran: mark the body.
const PWN: &str = "document.body.setAttribute('data-pwned','yes')";

pub(crate) fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        eprintln!(
            "\n*** SKIP: no chromium (apt-get install chromium): the HTML pages are not checked in a browser ***\n"
        );
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium (.ci/run)"
        );
    }
    found
}

/// Where the pages and screenshots go: `target/html/`.
pub(crate) fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/html");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn headless(browser: &str) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--allow-file-access-from-files",
    ])
    .env("HOME", std::env::temp_dir());
    c
}

/// The DOM Chromium built from `page` (scripts, if any, would have run by then).
pub(crate) fn dump_dom(browser: &str, page: &Path) -> String {
    let out = headless(browser)
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn screenshot(browser: &str, page: &Path, png: &Path) {
    let out = headless(browser)
        .arg("--window-size=1200,1400")
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(png.exists(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `check --format html` of the lab server at `addr`, as `HOST`.
async fn html_check(addr: std::net::SocketAddr, ca: &str) -> lab::Run {
    let url = lab::url("https", HOST, addr, "/");
    let res = lab::resolve(HOST, addr);
    lab::run(&[
        "check",
        &url,
        "--resolve",
        &res,
        "--ca-file",
        ca,
        "--format",
        "html",
    ])
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_in_chromium_and_hostile_text_stays_text() {
    let Some(browser) = chromium() else { return };
    let dir = out_dir();
    // The control: in this browser, script in a page does run and marks the body.
    let control = dir.join("control.html");
    std::fs::write(
        &control,
        format!("<html><body><script>{PWN}</script></body></html>"),
    )
    .unwrap();
    assert!(
        dump_dom(browser, &control).contains("data-pwned=\"yes\""),
        "the browser ran no script: this test could not see one run"
    );
    let p = pki::pki();
    let ca = pki::path(&p.root_pem);

    // Healthy.
    let leaf = pki::leaf(&[HOST], &p.inter.issuer);
    let addr = servers::tls(servers::TlsSpec::new(
        vec![leaf.der.clone(), p.inter.der()],
        leaf.key(),
        servers::Reply::ok(),
    ))
    .await;
    let r = html_check(addr, &ca).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let healthy = dir.join("healthy.html");
    std::fs::write(&healthy, &r.stdout).unwrap();
    let dom = dump_dom(browser, &healthy);
    assert!(dom.contains("✓ OK: 1 path(s), every stage passed"), "{dom}");
    assert!(!dom.contains("BREAKS HERE"));
    screenshot(browser, &healthy, &dir.join("healthy.png"));

    // Hostile: the certificate's subject and the error page's title try to run script.
    let hostile_cn = format!("<script>{PWN}</script>");
    let hostile_org = format!("\"><img src=x onerror=\"{PWN}\">");
    let leaf = pki::leaf_with_subject(&[HOST], &hostile_cn, &hostile_org, &p.inter.issuer);
    let page = format!(
        "<html><head><title><img src=x onerror=\"{PWN}\"></title></head><body>blocked</body></html>"
    );
    let reply = servers::Reply::Http {
        status: "403 Forbidden",
        headers: vec![
            ("Content-Type", "text/html".into()),
            ("Server", format!("<script>{PWN}</script>")),
        ],
        body: page,
        date_offset: 0,
    };
    let addr = servers::tls(servers::TlsSpec::new(
        vec![leaf.der.clone(), p.inter.der()],
        leaf.key(),
        reply,
    ))
    .await;
    let r = html_check(addr, &ca).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        !r.stdout.contains("<script>document"),
        "unescaped script in the page"
    );
    assert!(
        !r.stdout.contains("<img src=x"),
        "unescaped img in the page"
    );
    let failed = dir.join("failed.html");
    std::fs::write(&failed, &r.stdout).unwrap();
    let dom = dump_dom(browser, &failed);
    // Nothing ran: the body was never marked, and no element came from the hostile text.
    assert!(
        !dom.contains("data-pwned=\"yes\""),
        "hostile text ran:\n{dom}"
    );
    assert!(
        !dom.contains("<img src=\"x\""),
        "an element came from hostile text"
    );
    // The hostile text is there, as text.
    assert!(
        dom.contains("&lt;script&gt;document.body.setAttribute"),
        "{dom}"
    );
    assert!(
        dom.contains("onerror=") && dom.contains("&lt;img src=x"),
        "{dom}"
    );
    // The verdict, the Windows error and the hop that breaks, in words.
    assert!(dom.contains("FAIL at http/forbidden"), "{dom}");
    assert!(dom.contains("BREAKS HERE"));
    assert!(
        dom.contains("breaks at service"),
        "the diagram's label names the hop"
    );
    assert!(dom.contains("0x80244018"), "{dom}");
    screenshot(browser, &failed, &dir.join("failed.png"));
}
