//! rcluster: start, list and stop ipyparallel clusters, compatible with `ipcluster`'s files.

pub mod batch;
pub mod cli;
pub mod cluster_file;
pub mod commands;
pub mod connection;
pub mod engine_sets;
pub mod error;
pub mod fsutil;
pub mod ids;
pub mod interrupt;
pub mod inventory;
pub mod ipcluster_config;
pub mod launch;
pub mod launcher;
pub mod lock;
pub mod output;
pub mod plan;
pub mod process;
pub mod profile;
pub mod python_env;
pub mod role;
pub mod settings;
pub mod shell;
pub mod state;
pub mod template;

use std::ffi::OsString;

use clap::Parser;

use crate::cli::{Cli, Command, EnginesCommand, ProfileCommand};
use crate::output::Printer;

/// Runs rcluster with these arguments and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return err.exit_code();
        }
    };
    let global = &cli.global;
    let printer = Printer::new(global.quiet, global.verbose, global.color);
    let result = match &cli.command {
        Command::Start(args) => commands::start::run(global, args, printer),
        Command::Stop(args) => commands::stop::run(global, args, printer),
        Command::List(args) => commands::list::run(global, args, printer),
        Command::Status(args) => commands::status::run(global, args, printer),
        Command::Engines(EnginesCommand::Add(args)) => {
            commands::engines::add(global, args, printer)
        }
        Command::Engines(EnginesCommand::List(args)) => {
            commands::engines::list(global, args, printer)
        }
        Command::Engines(EnginesCommand::Stop(args)) => {
            commands::engines::stop(global, args, printer)
        }
        Command::Render(args) => commands::render::run(global, args, printer),
        Command::Clean(args) => commands::clean::run(global, args, printer),
        Command::Logs(args) => commands::logs::run(global, args, printer),
        Command::Doctor(args) => commands::doctor::run(global, args, printer),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man => commands::man::run(),
        Command::Profile(ProfileCommand::Create(args)) => {
            commands::profile::create(global, args, printer)
        }
        Command::Profile(ProfileCommand::List(args)) => {
            commands::profile::list(global, args, printer)
        }
        Command::Profile(ProfileCommand::Show(args)) => {
            commands::profile::show(global, args, printer)
        }
        Command::Profile(ProfileCommand::Import(args)) => {
            commands::profile_import::run(global, args, printer)
        }
    };
    match result {
        Ok(()) => error::EXIT_OK,
        Err(err) => {
            let (code, hint) = error::code_and_hint(&err);
            printer.error(format!("{err:#}"));
            if let Some(hint) = hint {
                printer.hint(hint);
            }
            code
        }
    }
}
