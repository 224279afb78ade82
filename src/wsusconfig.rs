//! `--wsus-config FILE`: the WSUS server's own configuration, as the seeds' "Step 0" PowerShell
//! exports it (`Get-WsusServer` configuration properties piped to `ConvertTo-Json`). The probe then
//! tests exactly the route WSUS uses — MUUrl or the upstream server, through the configured proxy —
//! and lints the settings first.

use serde::{Deserialize, Serialize};

use crate::config::{ProxySpec, UsageError};
use crate::knowledge::endpoints::{self, EndpointStatus};

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

/// How much a lint finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration cannot work.
    Error,
    Warn,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigLint {
    pub source: String,
    pub findings: Vec<Finding>,
}

/// What the configuration says to probe.
#[derive(Debug)]
pub struct Derived {
    pub urls: Vec<String>,
    pub proxy: Option<ProxySpec>,
    pub ssl_proxy: Option<ProxySpec>,
    pub lint: ConfigLint,
}

/// Text from the bytes PowerShell writes: UTF-16 LE/BE with a BOM (Windows PowerShell's
/// `Out-File`), UTF-8 with or without a BOM, or BOM-less UTF-16 LE.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |b: &[u8], le: bool| -> Result<String, String> {
        if !b.len().is_multiple_of(2) {
            return Err("odd number of bytes for UTF-16".into());
        }
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "invalid UTF-16".to_string())
    };
    match bytes {
        [0xff, 0xfe, rest @ ..] => utf16(rest, true),
        [0xfe, 0xff, rest @ ..] => utf16(rest, false),
        [0xef, 0xbb, 0xbf, rest @ ..] => {
            String::from_utf8(rest.to_vec()).map_err(|_| "invalid UTF-8".into())
        }
        [a, 0, ..] if *a != 0 => utf16(bytes, true),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| "neither UTF-8 nor UTF-16".into()),
    }
}

pub fn parse(bytes: &[u8], source: &str) -> Result<WsusConfig, UsageError> {
    let text = decode(bytes).map_err(|e| UsageError(format!("--wsus-config {source}: {e}")))?;
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
    let host = if name.contains(':') && !name.starts_with('[') {
        format!("[{name}]")
    } else {
        name.to_string()
    };
    ProxySpec::parse(&format!("http://{host}:{port}"), what)
        .map(Some)
        .map_err(|e| e.0)
}

/// Derive the targets and route, and lint. `has_user` says whether --proxy-user was given.
pub fn derive(c: &WsusConfig, source: &str, has_user: bool) -> Result<Derived, UsageError> {
    let mut findings = Vec::new();
    let mut note = |severity, message: String| findings.push(Finding { severity, message });
    let mut urls = Vec::new();
    let from_mu = c
        .sync_from_microsoft_update
        .unwrap_or(c.upstream_wsus_server_name.is_none());
    if from_mu {
        let mu = c
            .mu_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or("https://sws.update.microsoft.com");
        let base = mu.trim_end_matches('/');
        let url = format!(
            "{base}{}",
            "/ServerSyncWebService/ServerSyncWebService.asmx"
        );
        let parsed = crate::config::Target::parse(&url)?;
        match endpoints::rule_for(&parsed.host, &parsed.path).map(|r| r.status) {
            Some(EndpointStatus::Decommissioned) => note(
                Severity::Error,
                format!(
                    "MUUrl {mu} is decommissioned: set MUUrl = https://sws.update.microsoft.com and RedirectorChangeNumber = 4002, then iisreset and restart WsusService"
                ),
            ),
            Some(EndpointStatus::Legacy) => note(
                Severity::Warn,
                format!(
                    "MUUrl {mu} is the legacy endpoint: on Windows Server 2012 and later set MUUrl = https://sws.update.microsoft.com and RedirectorChangeNumber = 4002"
                ),
            ),
            None => {}
        }
        if parsed.host == "sws.update.microsoft.com"
            && c.redirector_change_number.is_some_and(|n| n != 4002)
        {
            note(
                Severity::Warn,
                format!(
                    "RedirectorChangeNumber is {} with MUUrl sws: set it to 4002",
                    c.redirector_change_number.unwrap_or_default()
                ),
            );
        }
        urls.push(url);
    } else {
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
        urls.push(format!(
            "{scheme}://{name}:{port}/ServerSyncWebService/ServerSyncWebService.asmx"
        ));
        urls.push(format!(
            "{scheme}://{name}:{port}/ClientWebService/client.asmx"
        ));
        urls.push(format!("http://{name}:{http_port}/selfupdate/iuident.cab"));
        if !name.contains('.') && name.parse::<std::net::IpAddr>().is_err() {
            note(
                Severity::Warn,
                format!(
                    "the upstream server is named '{name}', a short (NetBIOS) name: with SSL its certificate must name exactly this — use the FQDN the certificate is issued to"
                ),
            );
        }
        if ssl && ![8531, 443].contains(&port) {
            note(
                Severity::Info,
                format!("SSL to the upstream on port {port}: WSUS 6.2+ uses 8531 (443 before)"),
            );
        }
        if !ssl && port == 8531 {
            note(
                Severity::Warn,
                "port 8531 is WSUS's SSL port, but UpstreamWsusServerUseSsl is false".into(),
            );
        }
    }
    if c.is_replica_server == Some(true) {
        note(
            Severity::Info,
            "replica server: approvals and groups come from the upstream".into(),
        );
    }
    let mut proxy_spec = None;
    let mut ssl_proxy = None;
    if c.use_proxy == Some(true) {
        proxy_spec = proxy(&c.proxy_name, c.proxy_server_port, "UseProxy")
            .map_err(|e| UsageError(format!("--wsus-config {source}: {e}")))?;
        if c.use_separate_proxy_for_ssl == Some(true) {
            ssl_proxy = proxy(
                &c.ssl_proxy_name,
                c.ssl_proxy_server_port,
                "UseSeparateProxyForSsl",
            )
            .map_err(|e| UsageError(format!("--wsus-config {source}: {e}")))?;
        }
        let needs_creds =
            c.anonymous_proxy_access == Some(false) || c.has_proxy_password == Some(true);
        if needs_creds && !has_user {
            note(
                Severity::Warn,
                "WSUS authenticates to its proxy (AnonymousProxyAccess false / HasProxyPassword true), but the export holds no credentials: give --proxy-user (password in WSUSPROBE_PROXY_PASSWORD), or expect proxy/auth_required".into(),
            );
        }
    }
    Ok(Derived {
        urls,
        proxy: proxy_spec,
        ssl_proxy,
        lint: ConfigLint {
            source: source.to_string(),
            findings,
        },
    })
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
        assert_eq!(d.proxy.unwrap().url, "http://proxy.contoso.test:8080");
        assert_eq!(d.lint.findings.len(), 2, "{:?}", d.lint.findings);
        let c: WsusConfig =
            serde_json::from_str(r#"{"UseProxy": true, "ProxyName": null}"#).unwrap();
        assert!(derive(&c, "t", false).is_err());
        let c: WsusConfig = serde_json::from_str(r#"{"SyncFromMicrosoftUpdate": false}"#).unwrap();
        assert!(derive(&c, "t", false).is_err());
    }
}
