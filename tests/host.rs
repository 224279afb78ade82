//! `wsusprobe host`: each `reg export` fixture of testdata/registry gives exactly its findings
//! (stage `host`, kind, key, fix), and `check --client-profile-from-reg` offers what that policy
//! allows.

use crate::lab::report::assert_has;
use crate::lab::{self, Run};
use wsusprobe::model::host::HostReport;
use wsusprobe::model::{Kind, Stage, Status};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/registry");

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

async fn host(args: &[&str]) -> (Run, HostReport) {
    let mut all = vec!["host", "--json"];
    all.extend_from_slice(args);
    let r = lab::run(&all).await;
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let report: HostReport = r.decode();
    (r, report)
}

const SCHANNEL_TLS12: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client";
const DOTNET32: &str = r"HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319";
const DOTNET64: &str = r"HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319";
const CIPHERS: &str = r"HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fixture_gives_exactly_its_findings() {
    // (fixture, [(kind, evidence key, words of the message, words of the fix)])
    type Expected = &'static [(Kind, &'static str, &'static str, &'static str)];
    let cases: &[(&str, Expected)] = &[
        ("healthy-2019.reg", &[]),
        ("2012r2-gpo-cbc-sha384.reg", &[]),
        (
            "2012r2-no-dotnet32.reg",
            &[(
                Kind::DotnetStrongCryptoMissing,
                DOTNET32,
                "32-bit view: SchUseStrongCrypto is absent and SystemDefaultTlsVersions is absent",
                "SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1",
            )],
        ),
        (
            "gpo-cbc-sha1-only.reg",
            &[(
                Kind::CipherOrderExcludesMicrosoftUpdate,
                CIPHERS,
                "leaves 4 suite(s) (TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, \
                 TLS_RSA_WITH_AES_256_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA) and none that Microsoft \
                 Update accepts: add TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "Functions value",
            )],
        ),
        (
            "tls12-client-disabled.reg",
            &[(
                Kind::Tls12ClientDisabled,
                SCHANNEL_TLS12,
                "Enabled=0x0, DisabledByDefault=0x1",
                "set Enabled=1 and DisabledByDefault=0",
            )],
        ),
        (
            "2008r2-defaults.reg",
            &[
                (
                    Kind::LegacyProtocolsOnly,
                    SCHANNEL_TLS12,
                    "TLS 1.0 only",
                    "DisabledByDefault=0",
                ),
                (
                    Kind::DotnetStrongCryptoMissing,
                    DOTNET64,
                    "64-bit view",
                    "SchUseStrongCrypto=1",
                ),
                (
                    Kind::DotnetStrongCryptoMissing,
                    DOTNET32,
                    "32-bit view",
                    "SchUseStrongCrypto=1",
                ),
            ],
        ),
    ];
    for (file, expected) in cases {
        let (r, report) = host(&["--from-reg", &fixture(file)]).await;
        let got: Vec<Kind> = report.findings.iter().map(|f| f.kind).collect();
        let want: Vec<Kind> = expected.iter().map(|e| e.0).collect();
        assert_eq!(got, want, "{file}:\n{}", r.stdout);
        assert_eq!(r.code, if want.is_empty() { 0 } else { 1 }, "{file}");
        assert_eq!(report.ok, want.is_empty(), "{file}");
        for (f, (_, key, message, fix)) in report.findings.iter().zip(expected.iter()) {
            assert_eq!(f.stage, Stage::Host);
            assert_eq!(f.status, Status::Fail, "{file}");
            assert_eq!(f.windows_error.as_deref(), Some("0x80072EFE"), "{file}");
            assert!(
                f.evidence.iter().any(|e| e.key == *key),
                "{file}: {:?}",
                f.evidence
            );
            assert_has(&f.message, message);
            assert_has(&f.fix, fix);
        }
    }
}

/// What the fixtures say besides findings: the OS, the view, the order, the offer, the fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_is_reported_as_read() {
    let (_, r) = host(&["--from-reg", &fixture("2012r2-gpo-cbc-sha384.reg")]).await;
    assert_eq!(r.os.as_ref().unwrap().build, 9600);
    let order = r.cipher_order.unwrap();
    assert_eq!(order.entries.len(), 3);
    assert_eq!(
        order.microsoft_update,
        [
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"
        ]
    );
    // Schannel offers the policy's suites, deduplicated, with the curves it names.
    assert_eq!(
        r.offer.suites,
        [
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
        ]
    );
    assert_eq!(r.offer.groups, ["secp256r1", "secp384r1"]);
    assert_eq!(r.offer.versions, ["TLS 1.2", "TLS 1.1", "TLS 1.0"]);
    assert_has(&r.sync_fix, "unknown: KB4022720");

    let (_, r) = host(&["--from-reg", &fixture("healthy-2019.reg")]).await;
    assert_eq!(r.offer.versions, ["TLS 1.2"]);
    assert!(r.not_read.is_empty(), "{:?}", r.not_read);
    assert_eq!(r.sync_fix, "not needed on Windows Server 2019");

    // Only part of the policy exported: the rest is "not read", never guessed.
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("schannel.reg");
    std::fs::write(
        &partial,
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL]\r\n",
    )
    .unwrap();
    let (r, report) = host(&["--from-reg", partial.to_str().unwrap()]).await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(report.not_read.len(), 6, "{:?}", report.not_read);
    assert!(report.dotnet.is_empty());
}

/// w3wp.exe.config: without the switch, and without the .NET values that would cover it, the
/// Catalog import path is a warning; with the switch there is none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_w3wp_switch_is_judged_with_the_dotnet_values() {
    let reg = fixture("2012r2-no-dotnet32.reg");
    let (_, r) = host(&[
        "--from-reg",
        &reg,
        "--w3wp-config",
        &fixture("w3wp-without-switch.config"),
    ])
    .await;
    let kinds: Vec<Kind> = r.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [Kind::DotnetStrongCryptoMissing, Kind::W3wpTlsSwitchMissing]
    );
    assert_eq!(r.findings[1].status, Status::Warn);
    assert_eq!(r.w3wp_switch, Some(false));
    let (_, r) = host(&[
        "--from-reg",
        &reg,
        "--w3wp-config",
        &fixture("w3wp-with-switch.config"),
    ])
    .await;
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.w3wp_switch, Some(true));
    // Covered by the .NET values: no warning even without the switch.
    let (_, r) = host(&[
        "--from-reg",
        &fixture("healthy-2019.reg"),
        "--w3wp-config",
        &fixture("w3wp-without-switch.config"),
    ])
    .await;
    assert!(r.findings.is_empty());
}

/// Broken inputs are one-line usage errors naming the file (and the line).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_inputs_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let not_reg = write("notes.reg", b"hello\r\n");
    let bad_line = write(
        "bad.reg",
        b"REGEDIT4\r\n[HKEY_LOCAL_MACHINE\\X]\r\n\"a\"=dword:zz\r\n",
    );
    let odd_utf16 = write("odd.reg", b"\xff\xfeW\x00i\x00n");
    let not_xml = write("w3wp.config", b"<configuration>");
    let healthy = fixture("healthy-2019.reg");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["host", "--from-reg", &not_reg],
            "line 1: not a reg export",
        ),
        (
            vec!["host", "--from-reg", &bad_line],
            "bad.reg: line 3: dword:zz",
        ),
        (
            vec!["host", "--from-reg", &odd_utf16],
            "odd number of bytes",
        ),
        (
            vec!["host", "--from-reg", "/nonexistent.reg"],
            "cannot read it",
        ),
        (
            vec!["host", "--from-reg", &healthy, "--w3wp-config", &not_xml],
            "--w3wp-config",
        ),
        (
            vec![
                "check",
                "--client-profile-from-reg",
                &healthy,
                "--ciphers",
                "0xc02f",
                "https://127.0.0.1:1/",
            ],
            "not both",
        ),
        (
            vec![
                "check",
                "--client-profile-from-reg",
                &healthy,
                "--client-profile",
                "win2019",
                "https://127.0.0.1:1/",
            ],
            "drop --client-profile win2019",
        ),
    ];
    // Only a Windows exe has a live registry; the Wine suite runs this test with one.
    let cases = if crate::lab::report::wine_exe().is_some() {
        cases
    } else {
        let mut c = cases;
        c.push((vec!["host"], "the live registry exists only on Windows"));
        c.push((
            vec!["check", "--client-profile", "host", "https://127.0.0.1:1/"],
            "elsewhere give the exports with --client-profile-from-reg FILE",
        ));
        c
    };
    for (args, words) in cases {
        let r = lab::run(&args).await;
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{args:?}: {}", r.stderr);
        assert_has(&r.stderr, words);
    }
}

/// Under Wine: each fixture imported into the prefix's registry with `wine reg import`, then read
/// live by the exe (no --from-reg, w3wp.exe.config absent), gives exactly the findings the export
/// gives (with a w3wp.exe.config lacking the switch, which is what an absent file means).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_registry_gives_what_the_export_gives() {
    if crate::lab::report::wine_exe().is_none() {
        eprintln!("SKIP: the live registry is Windows' own (the Wine suite runs this test)");
        return;
    }
    let reg = crate::lab::report::wine_reg;
    let wsus = format!(
        "{}/testdata/wsus-config/sws-lab-auth-proxy.json",
        env!("CARGO_MANIFEST_DIR")
    );
    // Each case: the exports imported one over the other (the WinHTTP fixtures hold only their
    // own keys, so they go over a whole healthy export).
    for files in [
        &["healthy-2019.reg"][..],
        &["2012r2-no-dotnet32.reg"],
        &["gpo-cbc-sha1-only.reg"],
        &["tls12-client-disabled.reg"],
        &["2008r2-defaults.reg"],
        &["healthy-2019.reg", "winhttp-direct-root-update-off.reg"],
        &["healthy-2019.reg", "winhttp-proxy-bypass.reg"],
    ] {
        let file = files[files.len() - 1];
        // What the previous fixture left behind.
        for key in [
            r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols",
            r"HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319",
            r"HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319",
            r"HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration",
            r"HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates\AuthRoot",
        ] {
            let _ = reg(&["delete", key, "/f"]);
        }
        let connections =
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
        let _ = reg(&["delete", connections, "/v", "WinHttpSettings", "/f"]);
        // The WSUS proxy to compare WinHTTP's route with, for the fixtures that export it.
        let with_wsus: Vec<&str> = if file.starts_with("winhttp") || file.starts_with("healthy") {
            vec!["--wsus-config", &wsus]
        } else {
            vec![]
        };
        for f in files {
            let imported = reg(&["import", &fixture(f)]);
            assert!(
                imported.status.success(),
                "wine reg import {f}: {}",
                String::from_utf8_lossy(&imported.stderr)
            );
        }
        let (_, live) = host(&with_wsus).await;
        let paths: Vec<String> = files.iter().map(|f| fixture(f)).collect();
        let w3wp = fixture("w3wp-without-switch.config");
        let mut args = vec!["--w3wp-config", w3wp.as_str()];
        for p in &paths {
            args.extend(["--from-reg", p.as_str()]);
        }
        args.extend(&with_wsus);
        let (_, export) = host(&args).await;
        let shape = |r: &HostReport| -> Vec<(Kind, Status, Vec<String>, String)> {
            r.findings
                .iter()
                .map(|f| {
                    let keys = f.evidence.iter().map(|e| e.key.clone()).collect();
                    (f.kind, f.status, keys, f.fix.clone())
                })
                .collect()
        };
        assert_eq!(shape(&live), shape(&export), "{file}");
        assert_eq!(
            live.os.as_ref().map(|o| o.build),
            export.os.as_ref().map(|o| o.build)
        );
        assert_eq!(live.offer.suites, export.offer.suites, "{file}");
        if let Some(w) = &export.winhttp {
            let lw = live.winhttp.as_ref().expect("live WinHTTP view");
            assert_eq!((&lw.proxy, &lw.bypass), (&w.proxy, &w.bypass), "{file}");
        }
        assert_eq!(live.sources[0], "live registry (HKLM)");
        assert!(live.not_read.is_empty(), "{:?}", live.not_read);
    }
    // Leave no WinHTTP proxy behind: `check` under Wine takes the prefix's WinHttpSettings as
    // the route of its AIA fetches.
    let connections =
        r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
    let _ = reg(&["delete", connections, "/v", "WinHttpSettings", "/f"]);
}

/// WinHTTP's machine proxy and the root update policy: read from `WinHttpSettings` (direct, or a
/// proxy with its bypass list) and the AuthRoot policy; warnings when WSUS's proxy and WinHTTP's
/// route part ways, and when automatic root update is off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn winhttp_route_and_root_update() {
    let wsus = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/wsus-config/sws-lab-auth-proxy.json"
    );
    let direct = fixture("winhttp-direct-root-update-off.reg");
    let (r, report) = host(&["--from-reg", &direct]).await;
    assert_eq!(r.code, 0, "warnings only: {}", r.stdout);
    let w = report.winhttp.as_ref().unwrap();
    assert_eq!(w.proxy, None);
    assert_has(&w.route, "direct");
    let kinds: Vec<Kind> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [Kind::RootAutoUpdateDisabled]);
    assert_has(
        &report.findings[0].message,
        "EnableDisallowedCertAutoUpdate=0",
    );
    assert_eq!(report.findings[0].status, Status::Warn);
    // With WSUS's configuration: it uses a proxy, WinHTTP goes direct.
    let (_, report) = host(&["--from-reg", &direct, "--wsus-config", wsus]).await;
    let kinds: Vec<Kind> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [Kind::WinhttpDirectWsusProxied, Kind::RootAutoUpdateDisabled]
    );
    let split = &report.findings[0];
    assert_has(&split.message, "through the proxy http://127.0.0.1:13129");
    assert_has(&split.fix, "netsh winhttp set proxy");
    assert_eq!(split.windows_error.as_deref(), Some("0x800B010A"));
    // A WinHTTP proxy with a bypass list: read as such, no split.
    let (r, report) = host(&[
        "--from-reg",
        &fixture("winhttp-proxy-bypass.reg"),
        "--wsus-config",
        wsus,
    ])
    .await;
    assert!(report.findings.is_empty(), "{}", r.stdout);
    let w = report.winhttp.unwrap();
    assert_eq!(w.proxy.as_deref(), Some("proxy.contoso.test:8080"));
    assert_eq!(w.bypass, ["<local>", "*.contoso.test"]);
    assert_has(&r.stdout, "bypass");
}
