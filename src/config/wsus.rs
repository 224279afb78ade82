//! `--wsus-config FILE`: the WSUS server's own configuration, as the seeds' "Step 0" PowerShell
//! exports it (`Get-WsusServer` configuration properties piped to `ConvertTo-Json`). The probe then
//! tests exactly the route WSUS uses — MUUrl or the upstream server, through the configured proxy —
//! and lints the settings first.

use serde::Deserialize;

use crate::config::inputs;
use crate::config::route::Proxies;
use crate::error::UsageError;
use crate::knowledge::endpoints::{self, EndpointStatus};
use crate::model::{ConfigLint, Finding, Severity};
use crate::target::{ProxySpec, Target, authority};

/// The PowerShell one-liner that writes the file (also in `--help` and the README).
pub const EXPORT_COMMAND: &str = "(Get-WsusServer).GetConfiguration() | Select-Object SyncFromMicrosoftUpdate,IsReplicaServer,MUUrl,RedirectorChangeNumber,UpstreamWsusServerName,UpstreamWsusServerPortNumber,UpstreamWsusServerUseSsl,UseProxy,ProxyName,ProxyServerPort,AnonymousProxyAccess,HasProxyPassword,UseSeparateProxyForSsl,SslProxyName,SslProxyServerPort | ConvertTo-Json | Out-File wsus-config.json";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct WsusConfig {
    pub sync_from_microsoft_update: Option<bool>,
    pub is_replica_server: Option<bool>,
    #[serde(rename = "MUUrl")]
    pub mu_url: Option<String>,
    pub redirector_change_number: Option<i64>,
    pub upstream_wsus_server_name: Option<String>,
    pub upstream_wsus_server_port_number: Option<i64>,
    pub upstream_wsus_server_use_ssl: Option<bool>,
    pub use_proxy: Option<bool>,
    pub proxy_name: Option<String>,
    pub proxy_server_port: Option<i64>,
    pub anonymous_proxy_access: Option<bool>,
    pub has_proxy_password: Option<bool>,
    pub use_separate_proxy_for_ssl: Option<bool>,
    pub ssl_proxy_name: Option<String>,
    pub ssl_proxy_server_port: Option<i64>,
}

/// What the configuration says to probe.
#[derive(Debug)]
pub struct Derived {
    pub urls: Vec<String>,
    pub proxies: Proxies,
    pub lint: ConfigLint,
}

/// What `--wsus-config` gives a command: the export's URLs, proxies and findings, or (without
/// the flag) no URL, no configured proxy and no findings.
#[derive(Debug, Default)]
pub struct FromFlag {
    pub urls: Option<Vec<String>>,
    pub proxies: Proxies,
    pub lint: Option<ConfigLint>,
}

/// `--wsus-config PATH` if given; `has_user`: `--proxy-user` was given too.
pub fn load_flag(path: Option<&std::path::Path>, has_user: bool) -> Result<FromFlag, UsageError> {
    let Some(p) = path else {
        return Ok(FromFlag::default());
    };
    let d = load(p, has_user)?;
    Ok(FromFlag {
        urls: Some(d.urls),
        proxies: d.proxies,
        lint: Some(d.lint),
    })
}

/// The `--wsus-config` export, read, parsed and turned into targets, proxies and findings.
pub fn load(path: &std::path::Path, has_user: bool) -> Result<Derived, UsageError> {
    let shown = path.display().to_string();
    let bytes = inputs::read_input(path, "--wsus-config", inputs::INPUT_LIMIT)?;
    let c = parse(&bytes, &shown)?;
    derive(&c, &shown, has_user)
}

pub fn parse(bytes: &[u8], source: &str) -> Result<WsusConfig, UsageError> {
    let text = crate::text::decode(bytes)
        .map_err(|e| UsageError(format!("--wsus-config {source}: {e}")))?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        UsageError(format!(
            "--wsus-config {source}: not the JSON the export command writes ({e}); make it with: {EXPORT_COMMAND}"
        ))
    })
}

fn proxy(
    name: &Option<String>,
    port: Option<i64>,
    what: &str,
) -> Result<Option<ProxySpec>, String> {
    let Some(name) = name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
        return Err(format!("{what} is on but no proxy name is set"));
    };
    let port = port.unwrap_or(80);
    if !(1..=65535).contains(&port) {
        return Err(format!("{what}: port {port} is not a TCP port"));
    }
    let host = name.trim_start_matches('[').trim_end_matches(']');
    ProxySpec::parse(&format!("http://{}", authority(host, port as u16)), what)
        .map(Some)
        .map_err(|e| e.0)
}

/// Derive the targets and route, and lint. `has_user` says whether --proxy-user was given.
pub fn derive(c: &WsusConfig, source: &str, has_user: bool) -> Result<Derived, UsageError> {
    let mut findings = Vec::new();
    let from_mu = c
        .sync_from_microsoft_update
        .unwrap_or(c.upstream_wsus_server_name.is_none());
    let urls = if from_mu {
        microsoft_update(c, &mut findings)?
    } else {
        upstream_server(c, source, &mut findings)?
    };
    if c.is_replica_server == Some(true) {
        findings.push(finding(
            Severity::Info,
            "replica server: approvals and groups come from the upstream",
        ));
    }
    let proxies = proxies(c, has_user, &mut findings)
        .map_err(|e| UsageError(format!("--wsus-config {source}: {e}")))?;
    Ok(Derived {
        urls,
        proxies,
        lint: ConfigLint {
            source: source.to_string(),
            findings,
        },
    })
}

fn finding(severity: Severity, message: impl Into<String>) -> Finding {
    Finding {
        severity,
        message: message.into(),
    }
}

/// Syncing from Microsoft Update: the MUUrl, judged against the endpoint catalog.
fn microsoft_update(
    c: &WsusConfig,
    findings: &mut Vec<Finding>,
) -> Result<Vec<String>, UsageError> {
    let mu = c
        .mu_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or("https://sws.update.microsoft.com");
    let url = format!(
        "{}/ServerSyncWebService/ServerSyncWebService.asmx",
        mu.trim_end_matches('/')
    );
    let parsed = Target::parse(&url)?;
    match endpoints::rule_for(&parsed.host, &parsed.path).map(|r| r.status) {
        Some(EndpointStatus::Decommissioned) => findings.push(finding(
            Severity::Error,
            format!(
                "MUUrl {mu} is decommissioned: set MUUrl = https://sws.update.microsoft.com and RedirectorChangeNumber = 4002, then iisreset and restart WsusService"
            ),
        )),
        Some(EndpointStatus::Legacy) => findings.push(finding(
            Severity::Warn,
            format!(
                "MUUrl {mu} is the legacy endpoint: on Windows Server 2012 and later set MUUrl = https://sws.update.microsoft.com and RedirectorChangeNumber = 4002"
            ),
        )),
        None => {}
    }
    if let Some(n) = c.redirector_change_number
        && parsed.host == "sws.update.microsoft.com"
        && n != 4002
    {
        findings.push(finding(
            Severity::Warn,
            format!("RedirectorChangeNumber is {n} with MUUrl sws: set it to 4002"),
        ));
    }
    Ok(vec![url])
}

/// Syncing from an upstream WSUS server: its two web services and the self-update path.
fn upstream_server(
    c: &WsusConfig,
    source: &str,
    findings: &mut Vec<Finding>,
) -> Result<Vec<String>, UsageError> {
    let Some(name) = c
        .upstream_wsus_server_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return Err(UsageError(format!(
            "--wsus-config {source}: SyncFromMicrosoftUpdate is false but UpstreamWsusServerName is empty"
        )));
    };
    let ssl = c.upstream_wsus_server_use_ssl.unwrap_or(false);
    let port = c
        .upstream_wsus_server_port_number
        .unwrap_or(if ssl { 8531 } else { 8530 });
    let scheme = if ssl { "https" } else { "http" };
    // SelfUpdate stays on plain HTTP: with SSL, the HTTP port is the one below (8530 for 8531).
    let http_port = if ssl { port - 1 } else { port };
    let urls = vec![
        format!("{scheme}://{name}:{port}/ServerSyncWebService/ServerSyncWebService.asmx"),
        format!("{scheme}://{name}:{port}/ClientWebService/client.asmx"),
        format!("http://{name}:{http_port}/selfupdate/iuident.cab"),
    ];
    if !name.contains('.') && name.parse::<std::net::IpAddr>().is_err() {
        findings.push(finding(
            Severity::Warn,
            format!(
                "the upstream server is named '{name}', a short (NetBIOS) name: with SSL its certificate must name exactly this — use the FQDN the certificate is issued to"
            ),
        ));
    }
    if ssl && ![8531, 443].contains(&port) {
        findings.push(finding(
            Severity::Info,
            format!("SSL to the upstream on port {port}: WSUS 6.2+ uses 8531 (443 before)"),
        ));
    }
    if !ssl && port == 8531 {
        findings.push(finding(
            Severity::Warn,
            "port 8531 is WSUS's SSL port, but UpstreamWsusServerUseSsl is false",
        ));
    }
    Ok(urls)
}

/// The proxies WSUS uses, and whether it authenticates to them.
fn proxies(c: &WsusConfig, has_user: bool, findings: &mut Vec<Finding>) -> Result<Proxies, String> {
    let mut p = Proxies::default();
    if c.use_proxy != Some(true) {
        return Ok(p);
    }
    p.proxy = proxy(&c.proxy_name, c.proxy_server_port, "UseProxy")?;
    if c.use_separate_proxy_for_ssl == Some(true) {
        p.ssl_proxy = proxy(
            &c.ssl_proxy_name,
            c.ssl_proxy_server_port,
            "UseSeparateProxyForSsl",
        )?;
    }
    let needs_creds = c.anonymous_proxy_access == Some(false) || c.has_proxy_password == Some(true);
    if needs_creds && !has_user {
        findings.push(finding(
            Severity::Warn,
            "WSUS authenticates to its proxy with a user's password (AnonymousProxyAccess false / HasProxyPassword true), but the export holds no credentials: give --proxy-user (password in WSUSPROBE_PROXY_PASSWORD), or expect proxy/auth_required",
        ));
    } else if !needs_creds && !has_user {
        findings.push(finding(
            Severity::Info,
            "WSUS uses its proxy with no stored credentials: a proxy that asks for Negotiate gets the computer account (WSUS runs as NETWORK SERVICE), so wsusprobe answers with the identity it runs as — run it as SYSTEM to be the computer account",
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le_bom(s: &str) -> Vec<u8> {
        let mut b = vec![0xff, 0xfe];
        b.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
        b
    }

    #[test]
    fn encodings() {
        let json = "{\"MUUrl\": \"https://sws.update.microsoft.com\"}";
        for bytes in [
            json.as_bytes().to_vec(),
            [&[0xef, 0xbb, 0xbf][..], json.as_bytes()].concat(),
            utf16le_bom(json),
            utf16le_bom(json)[2..].to_vec(),
        ] {
            let c = parse(&bytes, "t").unwrap();
            assert_eq!(
                c.mu_url.as_deref(),
                Some("https://sws.update.microsoft.com")
            );
        }
        assert!(parse(b"not json", "t").is_err());
        assert!(parse(&[0xff, 0xfe, 0x00], "t").is_err());
    }

    #[test]
    fn derivations() {
        let c: WsusConfig = serde_json::from_str(r#"{"SyncFromMicrosoftUpdate": true, "MUUrl": "https://fe2.update.microsoft.com/v6", "RedirectorChangeNumber": 3011}"#).unwrap();
        let d = derive(&c, "t", false).unwrap();
        assert_eq!(
            d.urls,
            ["https://fe2.update.microsoft.com/v6/ServerSyncWebService/ServerSyncWebService.asmx"]
        );
        assert!(d.lint.findings[0].message.contains("4002"));
        let c: WsusConfig = serde_json::from_str(r#"{"SyncFromMicrosoftUpdate": false, "UpstreamWsusServerName": "wsus01", "UpstreamWsusServerPortNumber": 8531, "UpstreamWsusServerUseSsl": true, "UseProxy": true, "ProxyName": "proxy.contoso.test", "ProxyServerPort": 8080, "AnonymousProxyAccess": false}"#).unwrap();
        let d = derive(&c, "t", false).unwrap();
        assert_eq!(d.urls[2], "http://wsus01:8530/selfupdate/iuident.cab");
        assert_eq!(
            d.proxies.proxy.unwrap().url,
            "http://proxy.contoso.test:8080"
        );
        assert_eq!(d.lint.findings.len(), 2, "{:?}", d.lint.findings);
        let c: WsusConfig =
            serde_json::from_str(r#"{"UseProxy": true, "ProxyName": null}"#).unwrap();
        assert!(derive(&c, "t", false).is_err());
        let c: WsusConfig = serde_json::from_str(r#"{"SyncFromMicrosoftUpdate": false}"#).unwrap();
        assert!(derive(&c, "t", false).is_err());
    }
}
