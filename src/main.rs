//! Thin: parse the command line, validate the job, run it, and exit with its code (printing the
//! one line that says why, when a command stopped on a failure).

use std::process::ExitCode;

use clap::Parser;
use wsusprobe::cli::{Cli, Command};
use wsusprobe::commands::{self, Out};
use wsusprobe::error::{Done, Failure, UsageError};
use wsusprobe::platform;

/// Run `then` on a validated job (a usage error stops here: exit 2, nothing probed).
fn validated<T>(job: Result<T, UsageError>, then: impl FnOnce(T) -> Done) -> Done {
    then(job?)
}

fn dispatch(command: Command, out: Out<'_>) -> Done {
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
        Command::Completions(a) => commands::completions::completions(&a, out),
        Command::Man => commands::completions::man(out),
    }
}

/// The one place that prints a failure: a line on stderr, after the program name.
#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let cli = Cli::parse();
    // RUST_LOG=debug|trace shows what each stage did, on stderr. Secrets are redacted where
    // they are logged and typed (secrecy) everywhere else.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off"))
        .target(env_logger::Target::Stderr)
        .init();
    // anstream drops colours when stdout is not a terminal (or NO_COLOR is set).
    let mut stdout = anstream::stdout().lock();
    let done = if platform::plain_output() {
        // ✓ ✗ → — spelled in ASCII where the reader would garble UTF-8 (see platform).
        dispatch(cli.command, &mut platform::PlainWriter::new(&mut stdout))
    } else {
        dispatch(cli.command, &mut stdout)
    };
    let code = done.unwrap_or_else(|failure: Failure| {
        eprintln!("wsusprobe: {failure}");
        failure.exit()
    });
    ExitCode::from(code as u8)
}
