//! `rcluster completions SHELL`: the shell completion script, generated from the clap definition.
//!
//! The same scripts are committed in `completions/`; `tests/completions.rs` keeps them current.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::{Generator, Shell};

use crate::cli::{Cli, CompletionsArgs};

/// The completion script for `shell`.
pub fn render(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "rcluster", &mut script);
    script
}

/// The name the script has in `completions/` (and where shells look for it):
/// `rcluster.bash`, `_rcluster` (zsh), `rcluster.fish`, `rcluster.elv`, `_rcluster.ps1`.
pub fn file_name(shell: Shell) -> String {
    shell.file_name("rcluster")
}

pub fn run(args: &CompletionsArgs) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(&render(args.shell))
        .and_then(|()| stdout.flush())
    {
        // `rcluster completions bash | head` is not an error.
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}
