//! Where messages go: data on stdout, messages on stderr, with verbosity and colour settings.

use std::io::IsTerminal;

use crate::cli::{ColorChoice, GlobalArgs};

/// How much to say and whether to colour it; built once from the global flags.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub quiet: bool,
    pub verbose: u8,
    pub color: bool,
}

impl Printer {
    pub fn from_args(args: &GlobalArgs) -> Self {
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        };
        Printer {
            quiet: args.quiet,
            verbose: args.verbose,
            color,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A progress or status message on stderr; silent with `--quiet`.
    pub fn status(&self, message: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", message.as_ref());
        }
    }

    /// Detail shown with `-v`.
    pub fn verbose(&self, message: impl AsRef<str>) {
        if self.verbose > 0 && !self.quiet {
            eprintln!("{}", self.paint("2", message.as_ref()));
        }
    }

    pub fn warn(&self, message: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;33", "warning:"), message.as_ref());
    }

    pub fn error(&self, message: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;31", "error:"), message.as_ref());
    }

    pub fn hint(&self, message: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;36", "hint:"), message.as_ref());
    }
}
