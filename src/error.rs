//! Errors that carry their own exit code and a hint, and the exit-code table.
//!
//! Everything else travels as `anyhow::Error` with context; `run` looks for a [`Failure`] in the
//! chain to pick the exit code and the hint.

use std::fmt;

/// Success.
pub const EXIT_OK: i32 = 0;
/// Any error not listed below.
pub const EXIT_ERROR: i32 = 1;
/// Bad command-line usage (clap's own code).
pub const EXIT_USAGE: i32 = 2;
/// The cluster is already running (as `ipcluster start`).
pub const EXIT_ALREADY_RUNNING: i32 = 10;
/// No such cluster (as `ipcluster stop`).
pub const EXIT_NO_SUCH_CLUSTER: i32 = 11;

/// An error that decides the exit code and may say what to do next.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            hint: None,
        }
    }

    /// A plain error (exit code 1).
    pub fn error(message: impl Into<String>) -> Self {
        Failure::new(EXIT_ERROR, message)
    }

    /// A usage error (exit code 2): a flag or value the user gave does not make sense.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(EXIT_USAGE, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Shorthand for returning a [`Failure`] as an `anyhow::Error`.
#[macro_export]
macro_rules! bail_code {
    ($code:expr, $($arg:tt)*) => {
        return Err(anyhow::Error::new($crate::error::Failure::new($code, format!($($arg)*))))
    };
}

/// The exit code and hint of an error: from the first [`Failure`] in its chain, else 1.
pub fn code_and_hint(err: &anyhow::Error) -> (i32, Option<&str>) {
    for cause in err.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            return (failure.code, failure.hint.as_deref());
        }
    }
    (EXIT_ERROR, None)
}
