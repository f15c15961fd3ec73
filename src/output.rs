//! Where messages go: data on stdout, messages on stderr, with verbosity and colour settings.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a live progress line is on the terminal now (it must be cleared before other output).
static LIVE_LINE: AtomicBool = AtomicBool::new(false);

/// When to colour messages (`--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// How much to say and whether to colour it; built once from the global flags.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub quiet: bool,
    pub verbose: u8,
    pub color: bool,
    /// stderr is a terminal: progress is one line rewritten in place.
    pub live: bool,
}

impl Printer {
    pub fn new(quiet: bool, verbose: u8, color: ColorChoice) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        };
        Printer {
            quiet,
            verbose,
            color,
            live: std::io::stderr().is_terminal()
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb"),
        }
    }

    /// Progress while waiting: on a terminal one line rewritten in place; elsewhere (a notebook,
    /// a log file) a plain line each time it changes, with no control characters.
    pub fn progress(&self, line: &str) {
        if self.quiet {
            return;
        }
        if self.live {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
            LIVE_LINE.store(true, Ordering::SeqCst);
        } else {
            eprintln!("{line}");
        }
    }

    /// Removes the live progress line, if one is shown.
    pub fn clear_progress(&self) {
        if LIVE_LINE.swap(false, Ordering::SeqCst) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
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
        self.clear_progress();
        if !self.quiet {
            eprintln!("{}", message.as_ref());
        }
    }

    /// Detail shown with `-v`.
    pub fn verbose(&self, message: impl AsRef<str>) {
        if self.verbose > 0 && !self.quiet {
            self.clear_progress();
            eprintln!("{}", self.paint("2", message.as_ref()));
        }
    }

    pub fn warn(&self, message: impl AsRef<str>) {
        self.clear_progress();
        eprintln!("{} {}", self.paint("1;33", "warning:"), message.as_ref());
    }

    pub fn error(&self, message: impl AsRef<str>) {
        self.clear_progress();
        eprintln!("{} {}", self.paint("1;31", "error:"), message.as_ref());
    }

    pub fn hint(&self, message: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;36", "hint:"), message.as_ref());
    }
}

/// Writes to stdout; a closed pipe (`rcluster status | head`) ends the program quietly with
/// the shell's status for SIGPIPE, instead of `println!`'s panic. Only what is printed after
/// the work is done goes through here, so nothing is left half-done.
pub fn stdout(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(err) = out.write_fmt(args).and_then(|()| out.flush()) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(128 + 13);
        }
        eprintln!("error: cannot write to stdout: {err}");
        std::process::exit(1);
    }
}

/// `println!` that survives a closed pipe; see [`stdout`].
#[macro_export]
macro_rules! outln {
    () => { $crate::output::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that survives a closed pipe; see [`stdout`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::stdout(format_args!($($arg)*)) };
}
