#![allow(clippy::print_stderr)]
//! Thin: parse, validate, run, render, exit code.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use wsusprobe::cli::{Cli, Command};
use wsusprobe::config::{CiphersJob, Config};
use wsusprobe::exit::Exit;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => match Config::from_check_args(&args) {
            Err(e) => {
                eprintln!("wsusprobe: error: {e}");
                Exit::Usage
            }
            Ok(cfg) => run(cfg),
        },
        Command::Ciphers(args) => match CiphersJob::from_args(&args) {
            Err(e) => {
                eprintln!("wsusprobe: error: {e}");
                Exit::Usage
            }
            Ok(job) => run_ciphers(job),
        },
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
    match (written, report.any_supported()) {
        (false, _) => Exit::Internal,
        (true, true) => Exit::Ok,
        (true, false) => Exit::Verdict,
    }
}

fn run(cfg: Config) -> Exit {
    let Some(runtime) = runtime() else {
        return Exit::Internal;
    };
    let format = cfg.format;
    let report = runtime.block_on(wsusprobe::probe::check(Arc::new(cfg)));
    if !write_out(|out| wsusprobe::render::render(&report, format, out)) {
        return Exit::Internal;
    }
    Exit::from_report(&report)
}
