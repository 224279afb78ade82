//! `wsusprobe check [URL…]`: probe URLs stage by stage (default: the WSUS sync service), or the
//! route a WSUS configuration export describes, and name the first stage that breaks.

use crate::cli::CheckArgs;
use crate::commands::{Out, format_of, probe_then, write_report};
use crate::config::{Config, Network, Proxies, Routing, TlsSettings, wsus};
use crate::error::Done;
use crate::error::UsageError;
use crate::knowledge::endpoints;
use crate::model::ConfigLint;
use crate::render::Format;
use crate::target::Target;

#[derive(Debug)]
pub struct CheckJob {
    pub cfg: Config,
    pub format: Format,
    /// Findings from `--wsus-config`, shown before the paths.
    pub lint: Option<ConfigLint>,
}

impl CheckJob {
    pub fn from_args(args: &CheckArgs) -> Result<CheckJob, UsageError> {
        let derived = match &args.wsus_config {
            None => None,
            Some(path) => Some(wsus::load(path, args.net.proxy_user.is_some())?),
        };
        let (targets, configured, lint) = match derived {
            Some(d) => (Target::parse_all(&d.urls)?, d.proxies, Some(d.lint)),
            None if args.urls.is_empty() => (
                Target::parse_all(&[endpoints::DEFAULT_TARGET])?,
                Proxies::default(),
                None,
            ),
            None => (Target::parse_all(&args.urls)?, Proxies::default(), None),
        };
        // Credentials last: a bad flag elsewhere must not cost a password prompt.
        let tls = TlsSettings::from_args(&args.offer, &args.ca_file)?;
        let net = Network::from_args(&args.net)?;
        let route = Routing::from_args(&args.net, args.route, configured)?;
        let mut cfg = Config::new(targets, net, route, tls);
        cfg.strict = args.strict;
        Ok(CheckJob {
            cfg,
            format: format_of(args.format, args.json),
            lint,
        })
    }
}

pub fn run(job: CheckJob, out: Out<'_>) -> Done {
    let format = job.format;
    probe_then(job.cfg, format, job.lint, out, |report, out| {
        write_report(&report, format, out)
    })
}
