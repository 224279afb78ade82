//! A downstream WSUS's upstream (`wsusprobe upstream HOST`): the paths a downstream uses — both
//! WSUS ports, SelfUpdate over plain HTTP, the client and sync services over the configured
//! scheme — and the classic hierarchy mismatches read from their results.

use crate::model::{ConfigLint, Finding, Kind, PathReport, Report, Severity, Stage};
use crate::target::bracketed;

/// The paths probed, in order: (label, url).
pub fn paths(host: &str, port: u16, ssl: bool) -> Vec<(String, String)> {
    let scheme = if ssl { "https" } else { "http" };
    let http_port = if ssl { port.saturating_sub(1) } else { port };
    let ssl_port = if ssl { port } else { port + 1 };
    let h = bracketed(host);
    let mut v = vec![
        (
            "selfupdate".into(),
            format!("http://{h}:{http_port}/selfupdate/iuident.cab"),
        ),
        (
            "client".into(),
            format!("{scheme}://{h}:{port}/ClientWebService/client.asmx"),
        ),
        (
            "sync".into(),
            format!("{scheme}://{h}:{port}/ServerSyncWebService/ServerSyncWebService.asmx"),
        ),
    ];
    if !ssl {
        // Is SSL on at the upstream although this downstream does not use it?
        v.push((
            "ssl-port".into(),
            format!("https://{h}:{ssl_port}/ClientWebService/client.asmx"),
        ));
    }
    v
}

fn kind(p: &PathReport) -> Option<(Stage, Kind)> {
    p.verdict.as_ref().map(|v| (v.stage, v.kind))
}

/// Read the classic hierarchy mismatches out of the probe results.
pub fn findings(host: &str, port: u16, ssl: bool, report: &Report) -> ConfigLint {
    let mut out = Vec::new();
    let mut note = |severity, message: String| out.push(Finding { severity, message });
    let probed = paths(host, port, ssl);
    let by = |label: &str| {
        let i = probed.iter().position(|(l, _)| l == label)?;
        report.paths.get(i)
    };
    let selfupdate = by("selfupdate");
    let client = by("client");
    let ssl_port = by("ssl-port");
    if let Some(p) = selfupdate
        && matches!(kind(p), Some((Stage::Http, Kind::Forbidden)))
    {
        note(Severity::Error, "SelfUpdate answers 403 over HTTP: the SelfUpdate virtual directory must not require SSL (it breaks client self-update)".into());
    }
    match (client, ssl_port) {
        (Some(c), Some(s))
            if matches!(kind(c), Some((Stage::Http, Kind::Forbidden)))
                && s.verdict
                    .as_ref()
                    .is_none_or(|v| !matches!(v.stage, Stage::Tcp | Stage::Tls)) =>
        {
            note(
                Severity::Error,
                format!(
                    "the upstream answers 403 on port {port} but speaks TLS on {}: it requires SSL — tick \"Use SSL when synchronizing\" on the downstream and use port {}",
                    port + 1,
                    port + 1
                ),
            );
        }
        (Some(c), _) if matches!(kind(c), Some((Stage::Tcp, Kind::Refused))) => {
            let other = if ssl { port - 1 } else { port + 1 };
            note(
                Severity::Error,
                format!(
                    "nothing listens on port {port}: check the port (8530 HTTP / 8531 HTTPS on WSUS 6.2+, 80/443 before) — try {other}"
                ),
            );
        }
        _ => {}
    }
    if let Some(c) = client
        && matches!(kind(c), Some((Stage::Tls, Kind::NotTls)))
    {
        note(
            Severity::Error,
            format!(
                "port {port} answers plain HTTP, not TLS: the downstream uses SSL on the upstream's HTTP port — use {}",
                port + 1
            ),
        );
    }
    if report
        .paths
        .iter()
        .any(|p| matches!(kind(p), Some((Stage::Certificate, Kind::NameMismatch))))
    {
        let short = !host.contains('.') && host.parse::<std::net::IpAddr>().is_err();
        note(
            Severity::Error,
            if short {
                format!(
                    "the upstream's certificate does not name '{host}', a short (NetBIOS) name: configure the downstream with the FQDN the certificate is issued to"
                )
            } else {
                format!(
                    "the upstream's certificate does not name '{host}': use the name it is issued to, or reissue it with this name in its SAN"
                )
            },
        );
    }
    ConfigLint {
        source: format!("upstream {host}:{port}{}", if ssl { " (SSL)" } else { "" }),
        findings: out,
    }
}
