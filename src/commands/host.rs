//! `wsusprobe host`: the WSUS host's own TLS policy, read (live registry on Windows, or `reg
//! export` files anywhere) and judged.

use crate::cli::HostArgs;
use crate::commands::{Out, write_out};
use crate::config::hostpolicy;
use crate::error::Done;
use crate::error::UsageError;
use crate::exit::Exit;
use crate::host::{self, HostInputs};
use crate::render;

/// What `host` reads, and how to answer.
#[derive(Debug)]
pub struct HostJob {
    pub inputs: HostInputs,
    pub json: bool,
}

impl HostJob {
    pub fn from_args(args: &HostArgs) -> Result<HostJob, UsageError> {
        let wsus = crate::config::wsus::load_flag(args.wsus_config.as_deref(), false)?;
        let mut inputs = hostpolicy::load(&args.from_reg, args.w3wp_config.as_deref())?;
        inputs.wsus_proxy = wsus.proxies.proxy.or(wsus.proxies.ssl_proxy).map(|p| p.url);
        Ok(HostJob {
            inputs,
            json: args.json,
        })
    }
}

/// Exit 0 when no finding fails, 1 when one does.
pub fn run(job: HostJob, out: Out<'_>) -> Done {
    let report = host::assess(&job.inputs);
    write_out(out, |o| {
        if job.json {
            render::host::json(&report, o)
        } else {
            render::host::text(&report, o)
        }
    })?;
    Ok(Exit::from_ok(report.ok))
}
