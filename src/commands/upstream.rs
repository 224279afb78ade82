//! `wsusprobe upstream HOST`: the downstream → upstream paths of `crate::upstream`, probed, and
//! the mismatches read from their results.

use crate::cli::UpstreamArgs;
use crate::commands::{Out, format_of, probe_then, write_report};
use crate::config::{Config, Proxies};
use crate::error::{Done, UsageError, usage};
use crate::render::Format;
use crate::target::{Target, parse_host_port};
use crate::upstream;

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
        let urls: Vec<String> = upstream::paths(&host, port, args.ssl)
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
pub fn run(job: UpstreamJob, out: Out<'_>) -> Done {
    let format = job.format;
    probe_then(job.cfg, format, None, out, |mut report, out| {
        let lint = upstream::findings(&job.host, job.port, job.ssl, &report);
        if !job.ssl
            && let Some(last) = report.paths.last_mut()
        {
            last.ok = true;
        }
        report.ok = report.paths.iter().all(|p| p.ok) && !lint.has_errors();
        report.config = Some(lint);
        write_report(&report, format, out)
    })
}
