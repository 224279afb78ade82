//! Thin: parse the command line, validate the job, run it, and exit with its code.

use std::process::ExitCode;

use clap::Parser;
use wsusprobe::cli::{Cli, Command};
use wsusprobe::commands::{self, Out, complain};
use wsusprobe::exit::Exit;
use wsusprobe::platform;

/// Run `then` on a validated job, or report the usage error (exit 2, nothing probed).
fn validated<T, E: std::fmt::Display>(job: Result<T, E>, then: impl FnOnce(T) -> Exit) -> Exit {
    match job {
        Ok(j) => then(j),
        Err(e) => {
            complain(format_args!("error: {e}"));
            Exit::Usage
        }
    }
}

fn dispatch(command: Command, out: Out<'_>) -> Exit {
    use commands::{allowlist, check, ciphers, explain, host, logs, run, serve, upstream};
    match command {
        Command::Check(a) => validated(check::CheckJob::from_args(&a), |j| check::run(j, out)),
        Command::Allowlist(a) => validated(allowlist::AllowlistJob::from_args(&a), |j| {
            allowlist::run(j, out)
        }),
        Command::Run(a) => validated(run::RunJob::from_args(&a), |j| run::run(j, out)),
        Command::Upstream(a) => validated(upstream::UpstreamJob::from_args(&a), |j| {
            upstream::run(j, out)
        }),
        Command::Ciphers(a) => {
            validated(ciphers::CiphersJob::from_args(&a), |j| ciphers::run(j, out))
        }
        Command::Host(a) => validated(host::HostJob::from_args(&a), |j| host::run(j, out)),
        Command::Serve(a) => validated(serve::ServeJob::from_args(&a), |j| serve::run(j, out)),
        Command::Logs(a) => validated(logs::LogsJob::from_args(&a), |j| logs::run(j, out)),
        Command::Explain(a) => explain::run(explain::ExplainJob::from_args(&a), out),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // RUST_LOG=debug|trace shows what each stage did, on stderr. Secrets are redacted where
    // they are logged and typed (secrecy) everywhere else.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off"))
        .target(env_logger::Target::Stderr)
        .init();
    // anstream drops colours when stdout is not a terminal (or NO_COLOR is set).
    let mut stdout = anstream::stdout().lock();
    let code = if platform::plain_output() {
        // ✓ ✗ → — spelled in ASCII where the reader would garble UTF-8 (see platform).
        dispatch(cli.command, &mut platform::PlainWriter::new(&mut stdout))
    } else {
        dispatch(cli.command, &mut stdout)
    };
    ExitCode::from(code as u8)
}
