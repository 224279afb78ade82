//! `wsusprobe run PLAN.toml`: the paths of a plan (`crate::plan`), probed, each held against its
//! expectation.

use crate::cli::RunArgs;
use crate::commands::{Out, format_of, probe_then, write_out};
use crate::config::{Config, Proxies};
use crate::error::{Done, InternalError, UsageError};
use crate::exit::Exit;
use crate::plan::{self, Plan};
use crate::render::{self, Format};

/// What `wsusprobe run` runs.
#[derive(Debug)]
pub struct RunJob {
    pub cfg: Config,
    pub format: Format,
    pub plan: Plan,
}

impl RunJob {
    pub fn from_args(args: &RunArgs) -> Result<RunJob, UsageError> {
        let plan = Plan::load(&args.plan)?;
        let targets = plan.items.iter().map(|i| i.target.clone()).collect();
        let cfg =
            Config::from_net_args(targets, &args.net, Proxies::default(), &args.report.ca_file)?;
        Ok(RunJob {
            cfg,
            format: format_of(args.report.format, args.report.json),
            plan,
        })
    }
}

/// Exit 0 when every expectation is met, 1 when one is not.
pub fn run(job: RunJob, out: Out<'_>) -> Done {
    let (format, plan) = (job.format, job.plan);
    probe_then(job.cfg, format, None, out, |report, out| {
        if report.paths.iter().any(|p| p.stages.is_empty()) {
            return Err(InternalError("a probed path ended without any stage".into()).into());
        }
        let result = plan::grade(&plan, report);
        write_out(out, |o| match format {
            Format::Text => render::plan::text(&result, o),
            Format::Json => render::plan::json(&result, o),
            Format::Csv => render::plan::csv(&result, o),
            Format::Junit => render::plan::junit(&result, o),
            Format::Html => render::plan::html(&result, o),
        })?;
        Ok(Exit::from_ok(result.ok))
    })
}
