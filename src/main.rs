#![allow(clippy::print_stderr)]
//! Thin: parse, validate, run, render, exit code.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use wsusprobe::cli::{Cli, Command};
use wsusprobe::config::Config;
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
    };
    ExitCode::from(code as u8)
}

fn run(cfg: Config) -> Exit {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wsusprobe: internal error: cannot start the async runtime: {e}");
            return Exit::Internal;
        }
    };
    let format = cfg.format;
    let report = runtime.block_on(wsusprobe::probe::check(Arc::new(cfg)));
    let mut out = anstream::stdout().lock();
    if let Err(e) = wsusprobe::render::render(&report, format, &mut out).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("wsusprobe: internal error: cannot write the report: {e}");
        return Exit::Internal;
    }
    Exit::from_report(&report)
}
