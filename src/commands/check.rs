//! `wsusprobe check [URL…]`: probe URLs stage by stage (default: the WSUS sync service), or the
//! route a WSUS configuration export describes, and name the first stage that breaks.

use crate::cli::CheckArgs;
use crate::commands::{Out, format_of, probe_then, write_report};
use crate::config::{Config, Network, Routing, TlsSettings, wsus};
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
        let has_user = args.net.proxy_user.is_some();
        let wsus::FromFlag {
            urls,
            proxies: configured,
            lint,
        } = wsus::load_flag(args.wsus_config.as_deref(), has_user)?;
        let targets = match urls {
            Some(urls) => Target::parse_all(&urls)?,
            None if args.urls.is_empty() => Target::parse_all(&[endpoints::DEFAULT_TARGET])?,
            None => Target::parse_all(&args.urls)?,
        };
        // Credentials last: a bad flag elsewhere must not cost a password prompt.
        let tls = TlsSettings::from_args(&args.offer, &args.ca_file)?;
        let net = Network::from_args(&args.net)?;
        let mut route = Routing::from_args(&args.net, args.route, configured)?;
        // The exported host's WinHTTP route, for its AIA fetches, unless the flags name one.
        if !args.offer.client_profile_from_reg.is_empty()
            && args.net.winhttp_proxy.is_none()
            && !args.net.no_aia
        {
            let host = crate::config::hostpolicy::load(&args.offer.client_profile_from_reg, None)?;
            if let Some(r) = crate::config::IssuerRoute::from_exports(&host.registry) {
                route.issuers = r;
            }
        }
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
