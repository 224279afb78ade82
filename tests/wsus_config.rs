//! `check --wsus-config`: the route WSUS is configured to use, linted first.

use crate::lab::{run, servers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fe2_export_fails_at_the_endpoint_with_the_fix() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/wsus-config/fe2-decommissioned.json"
    );
    let r = run(&["check", "--json", "--wsus-config", file]).await;
    assert_eq!(r.code, 1);
    r.expect("endpoint", "decommissioned_endpoint");
    assert!(r.findings()[0].contains("RedirectorChangeNumber = 4002"));
    let r = run(&["check", "--wsus-config", file]).await;
    assert!(r.stdout.starts_with("WSUS configuration"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("MUUrl = https://sws.update.microsoft.com"),
        "{}",
        r.stdout
    );
}

/// A downstream server: the upstream's sync, client and self-update paths are probed; the
/// upstream answers 503, and the ClientWebService path says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downstream_export_probes_the_upstream_paths() {
    let up = servers::http(servers::Reply::status("503 Service Unavailable")).await;
    let export = format!(
        r#"{{"SyncFromMicrosoftUpdate": false, "IsReplicaServer": false, "MUUrl": "https://sws.update.microsoft.com",
            "UpstreamWsusServerName": "127.0.0.1", "UpstreamWsusServerPortNumber": {}, "UpstreamWsusServerUseSsl": false,
            "UseProxy": false}}"#,
        up.port()
    );
    // As Windows PowerShell writes it: UTF-16 LE with a BOM.
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(export.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let r = run(&[
        "check",
        "--json",
        "--wsus-config",
        file.path().to_str().unwrap(),
    ])
    .await;
    assert_eq!(r.code, 1);
    let paths = r.report().paths;
    assert_eq!(paths.len(), 3);
    let client = paths
        .iter()
        .position(|p| p.target.ends_with("/ClientWebService/client.asmx"))
        .unwrap();
    r.expect_at(client, "http", "service_unavailable");
    assert!(
        paths
            .iter()
            .any(|p| p.target.ends_with("/selfupdate/iuident.cab"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_exports_are_usage_errors() {
    for content in [
        "not json",
        "{\"SyncFromMicrosoftUpdate\": false}",
        "{\"UseProxy\": true, \"ProxyName\": \"\"}",
    ] {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), content).unwrap();
        let r = run(&["check", "--wsus-config", file.path().to_str().unwrap()]).await;
        assert_eq!(r.code, 2, "{content}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    }
}

/// `UseProxy` with no stored credentials: WSUS answers a Negotiate proxy as the computer account,
/// and the lint says wsusprobe does the same as the identity it runs as.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_without_credentials_means_the_computer_account() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let export = format!(
        r#"{{"SyncFromMicrosoftUpdate": true, "MUUrl": "https://sws.update.microsoft.com",
            "UseProxy": true, "ProxyName": "127.0.0.1", "ProxyServerPort": {port},
            "AnonymousProxyAccess": true, "HasProxyPassword": false}}"#
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), export).unwrap();
    let r = run(&[
        "check",
        "--json",
        "--timeout",
        "5s",
        "--wsus-config",
        file.path().to_str().unwrap(),
    ])
    .await;
    r.expect("tcp", "refused");
    assert!(
        r.findings()
            .iter()
            .any(|f| f.contains("gets the computer account")),
        "{:?}",
        r.findings()
    );
}
