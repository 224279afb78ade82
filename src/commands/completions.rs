//! `wsusprobe completions SHELL` and the hidden `wsusprobe man`: generated from the clap
//! definitions, so they never disagree with `--help`.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::{Out, write_out};
use crate::error::Done;
use crate::exit::Exit;

pub fn completions(args: &CompletionsArgs, out: Out<'_>) -> Done {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics on a write error (a closed pipe), write_out does not.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "wsusprobe", &mut script);
    write_out(out, |o| o.write_all(&script))?;
    Ok(Exit::Ok)
}

/// The manual page: wsusprobe(1), its options and the subcommands (each explains itself
/// with `wsusprobe <command> --help`).
pub fn man(out: Out<'_>) -> Done {
    write_out(out, |o| clap_mangen::Man::new(Cli::command()).render(o))?;
    Ok(Exit::Ok)
}
