//! `wsusprobe upstream HOST`: the downstream → upstream checks of the seeds — both WSUS ports,
//! SelfUpdate over plain HTTP, the client and sync services over the configured scheme — and the
//! classic mismatches read from the results.

use crate::cli::UpstreamArgs;
use crate::commands::{Out, format_of, interrupted, probe, reported, write_out};
use crate::config::{Config, Proxies};
use crate::exit::Exit;
use crate::model::{ConfigLint, Finding, Kind, PathReport, Report, Severity, Stage};
use crate::render::{self, Format};
use crate::target::{Target, UsageError, bracketed, parse_host_port, usage};

/// What `wsusprobe upstream` checks.
#[derive(Debug)]
pub struct UpstreamJob {
    pub cfg: Config,
    pub format: Format,
    pub host: String,
    pub port: u16,
    pub ssl: bool,
}

impl UpstreamJob {
    pub fn from_args(args: &UpstreamArgs) -> Result<UpstreamJob, UsageError> {
        let (host, _) = parse_host_port(&args.host)?;
        let port = args.port.unwrap_or(if args.ssl { 8531 } else { 8530 });
        if port < 2 || port == u16::MAX {
            return usage(format!("--port {port}: not a usable WSUS port"));
        }
        let urls: Vec<String> = paths(&host, port, args.ssl)
            .into_iter()
            .map(|(_, u)| u)
            .collect();
        let targets = Target::parse_all(&urls)?;
        let cfg =
            Config::from_net_args(targets, &args.net, Proxies::default(), &args.report.ca_file)?;
        Ok(UpstreamJob {
            cfg,
            format: format_of(args.report.format, args.report.json),
            host,
            port,
            ssl: args.ssl,
        })
    }
}

/// The paths, then the findings read from them. The extra SSL-port probe (without `--ssl`) is
/// there to explain, not to fail the run; a finding of severity error fails it.
pub fn run(job: UpstreamJob, out: Out<'_>) -> Exit {
    let Some(mut report) = probe(job.cfg, job.format) else {
        return Exit::Internal;
    };
    if let Some(exit) = interrupted(&report, job.format, out) {
        return exit;
    }
    let lint = findings(&job.host, job.port, job.ssl, &report);
    if !job.ssl
        && let Some(last) = report.paths.last_mut()
    {
        last.ok = true;
    }
    report.ok = report.paths.iter().all(|p| p.ok) && !lint.has_errors();
    report.config = Some(lint);
    let written = write_out(out, |o| render::render(&report, job.format, o));
    reported(written, &report)
}

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
