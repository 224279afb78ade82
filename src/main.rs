#![allow(clippy::print_stderr)]
//! Thin: parse, validate, run, render, exit code.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use wsusprobe::cli::{Cli, Command};
use wsusprobe::config::{AllowlistJob, CiphersJob, Config, Format, RunJob, UpstreamJob};
use wsusprobe::exit::Exit;

/// Run `then` on a validated job, or report the usage error (exit 2, nothing probed).
fn validated<T, E: std::fmt::Display>(job: Result<T, E>, then: impl FnOnce(T) -> Exit) -> Exit {
    match job {
        Ok(j) => then(j),
        Err(e) => {
            eprintln!("wsusprobe: error: {e}");
            Exit::Usage
        }
    }
}

/// The exit code of a command whose output was `written` and whose answer was `ok`.
fn outcome(written: bool, ok: bool) -> Exit {
    match (written, ok) {
        (false, _) => Exit::Internal,
        (true, true) => Exit::Ok,
        (true, false) => Exit::Verdict,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // RUST_LOG=debug|trace shows what each stage did, on stderr. Secrets are redacted where
    // they are logged and typed (secrecy) everywhere else.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off"))
        .target(env_logger::Target::Stderr)
        .init();
    let code = match cli.command {
        Command::Check(args) => validated(Config::from_check_args(&args), run),
        Command::Allowlist(args) => validated(AllowlistJob::from_args(&args), run_allowlist),
        Command::Run(args) => validated(RunJob::from_args(&args), run_plan),
        Command::Upstream(args) => validated(UpstreamJob::from_args(&args), run_upstream),
        Command::Logs(args) => validated(wsusprobe::logs::scan_files(&args.files), |r| {
            let written = write_out(|out| {
                if args.json {
                    wsusprobe::render::logs::json(&r, out)
                } else {
                    wsusprobe::render::logs::text(&r, out)
                }
            });
            outcome(written, r.groups.is_empty())
        }),
        Command::Explain(args) => {
            let e = wsusprobe::explain::explain(&args.query.join(" "));
            let written = write_out(|out| {
                if args.json {
                    wsusprobe::render::explain::json(&e, out)
                } else {
                    wsusprobe::render::explain::text(&e, out)
                }
            });
            outcome(written, !e.matches.is_empty())
        }
        Command::Ciphers(args) => validated(CiphersJob::from_args(&args), run_ciphers),
    };
    ExitCode::from(code as u8)
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("wsusprobe: internal error: cannot start the async runtime: {e}");
            None
        }
    }
}

fn write_out(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> bool {
    let mut out = anstream::stdout().lock();
    match f(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("wsusprobe: internal error: cannot write the report: {e}");
            false
        }
        _ => true,
    }
}

fn run_ciphers(job: CiphersJob) -> Exit {
    let Some(runtime) = runtime() else {
        return Exit::Internal;
    };
    let report = runtime.block_on(wsusprobe::ciphers::scan(
        &job.cfg,
        &job.host,
        job.port,
        job.sni.as_deref(),
    ));
    let written = write_out(|out| {
        if job.json {
            wsusprobe::render::ciphers::json(&report, out)
        } else {
            wsusprobe::render::ciphers::text(&report, out)
        }
    });
    outcome(written, report.any_supported())
}

/// Probe with progress, until done or Ctrl-C.
fn probe(runtime: &tokio::runtime::Runtime, cfg: Config) -> wsusprobe::model::Report {
    let format = cfg.format;
    runtime.block_on(wsusprobe::probe::check_until(
        Arc::new(cfg),
        progress(format),
        async {
            // Without a handler (it cannot be installed), wait forever rather than stop at once.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        },
    ))
}

/// An interrupted run shows the paths it finished as a plain report, whatever the command.
fn interrupted(report: &wsusprobe::model::Report, format: Format) -> Option<Exit> {
    report.interrupted?;
    let written = write_out(|out| wsusprobe::render::render(report, format, out));
    Some(if written {
        Exit::Interrupted
    } else {
        Exit::Internal
    })
}

/// Progress on stderr, only when it is a terminal and the output is text.
fn progress(format: Format) -> Option<wsusprobe::probe::Progress> {
    use std::io::IsTerminal;
    if format != Format::Text || !std::io::stderr().is_terminal() {
        return None;
    }
    Some(std::sync::Arc::new(|done, total| {
        let mut err = std::io::stderr().lock();
        if done < total {
            let _ = write!(err, "\r{done}/{total} paths done");
        } else {
            let _ = write!(err, "\r{:width$}\r", "", width = 30);
        }
        let _ = err.flush();
    }))
}

fn run_allowlist(job: AllowlistJob) -> Exit {
    if job.list_only {
        return if write_out(wsusprobe::render::allowlist::list) {
            Exit::Ok
        } else {
            Exit::Internal
        };
    }
    let Some(runtime) = runtime() else {
        return Exit::Internal;
    };
    let format = job.cfg.format;
    let mut report = probe(&runtime, job.cfg);
    if let Some(exit) = interrupted(&report, format) {
        return exit;
    }
    wsusprobe::allowlist::judge(&mut report, &job.entries);
    let written = write_out(|out| match format {
        Format::Text => wsusprobe::render::allowlist::table(&report, &job.entries, out),
        other => wsusprobe::render::render(&report, other, out),
    });
    if !written {
        return Exit::Internal;
    }
    Exit::from_report(&report)
}

fn run_plan(job: RunJob) -> Exit {
    let Some(runtime) = runtime() else {
        return Exit::Internal;
    };
    let format = job.cfg.format;
    let report = probe(&runtime, job.cfg);
    if let Some(exit) = interrupted(&report, format) {
        return exit;
    }
    if report.paths.iter().any(|p| p.stages.is_empty()) {
        return Exit::Internal;
    }
    let result = wsusprobe::plan::judge(&job.plan, report);
    let written = write_out(|out| match format {
        Format::Text => wsusprobe::render::plan::text(&result, out),
        Format::Json => wsusprobe::render::plan::json(&result, out),
        Format::Csv => wsusprobe::render::plan::csv(&result, out),
        Format::Junit => wsusprobe::render::plan::junit(&result, out),
    });
    outcome(written, result.ok)
}

fn run_upstream(job: UpstreamJob) -> Exit {
    let Some(runtime) = runtime() else {
        return Exit::Internal;
    };
    let format = job.cfg.format;
    let mut report = probe(&runtime, job.cfg);
    if let Some(exit) = interrupted(&report, format) {
        return exit;
    }
    let lint = wsusprobe::upstream::findings(&job.host, job.port, job.ssl, &report);
    // The extra SSL-port probe is there to explain, not to fail the run.
    if !job.ssl
        && let Some(last) = report.paths.last_mut()
    {
        last.ok = true;
    }
    report.ok = report.paths.iter().all(|p| p.ok)
        && lint
            .findings
            .iter()
            .all(|f| f.severity != wsusprobe::wsusconfig::Severity::Error);
    report.config = Some(lint);
    if !write_out(|out| wsusprobe::render::render(&report, format, out)) {
        return Exit::Internal;
    }
    Exit::from_report(&report)
}

fn run(cfg: Config) -> Exit {
    let Some(runtime) = runtime() else {
        return Exit::Internal;
    };
    let format = cfg.format;
    let report = probe(&runtime, cfg);
    if !write_out(|out| wsusprobe::render::render(&report, format, out)) {
        return Exit::Internal;
    }
    Exit::from_report(&report)
}
