//! What every check group shares: a check's outcome, what a group may look at, and the shape of
//! a group. No command-line types here: the groups are plain functions of the profile.

use std::path::Path;
use std::time::Duration;

use crate::profile::Profile;
use crate::settings::ProfileConfig;

/// How long a Python may take to import a module (a cold import on a network file system can
/// take many seconds).
pub const PYTHON_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a quick command (`squeue`, `mpiexec --version`) may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Works, but something deserves a look; never changes the exit code.
    Warn,
    /// Not needed by this profile (or cannot be checked because a check it depends on failed).
    Skip,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
        }
    }

    pub fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Warn => "!",
            Status::Skip => "-",
        }
    }

    /// The ANSI color of the mark.
    pub fn color(self) -> &'static str {
        match self {
            Status::Pass => "32",
            Status::Fail => "1;31",
            Status::Warn => "33",
            Status::Skip => "2",
        }
    }
}

#[derive(Debug)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Pass,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn skip(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Skip,
            detail: detail.into(),
            fix: None,
        }
    }
}

/// What a group may look at: the profile, its parsed settings, and what the Python checks found
/// (they run first because MPI and the templates need the cluster's Python).
pub struct Context<'a> {
    pub profile: &'a Profile,
    pub config: &'a ProfileConfig,
    /// The cluster's Python as the settings name it, whether or not it runs.
    pub python: Option<&'a Path>,
    /// Whether that Python ran and said its version.
    pub python_runs: bool,
}

impl Context<'_> {
    /// The cluster's Python, if it runs: checks that run code in it need one.
    pub fn working_python(&self) -> Option<&Path> {
        self.python.filter(|_| self.python_runs)
    }
}

/// One group of checks, e.g. what a launcher needs. A group decides from the settings whether
/// its checks are needed and reports each as skipped when not, so every run lists every name.
pub struct Group {
    /// The names of the group's checks, in the order `run` returns them: they are listed as
    /// skipped when the settings do not parse.
    pub names: &'static [&'static str],
    pub run: fn(&Context) -> Vec<Check>,
}

/// Check `name`: `program args` answers within [`COMMAND_TIMEOUT`] and succeeds; `answered`
/// describes its output when it does, `fix` says what to do when it does not.
pub fn command_answers(
    name: &'static str,
    program: &str,
    args: &[&str],
    answered: impl Fn(&std::process::Output) -> String,
    fix: &str,
) -> Check {
    let shown = format!("`{program} {}`", args.join(" "));
    match crate::process::run_with_timeout(std::ffi::OsStr::new(program), args, COMMAND_TIMEOUT) {
        Ok(Some(output)) if output.status.success() => Check::pass(name, answered(&output)),
        Ok(Some(output)) => Check::fail(
            name,
            format!(
                "{shown} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            fix,
        ),
        Ok(None) => Check::fail(
            name,
            format!(
                "{shown} did not answer within {} s",
                COMMAND_TIMEOUT.as_secs()
            ),
            fix,
        ),
        Err(err) => Check::fail(name, format!("cannot run `{program}`: {err}"), fix),
    }
}
