//! Running a batch scheduler's command (`sbatch`, `qstat`, ...): bounded in time, both pipes
//! read, and every failure reported with the program, its arguments, status and output.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::error::Failure;

/// How one scheduler's commands are run.
pub struct Commands<'a> {
    /// The scheduler's name for messages (`Slurm`).
    pub scheduler: &'a str,
    /// Variables of this process the commands must not see.
    pub env_removed: Vec<String>,
    /// How long a command may take before it counts as hung.
    pub timeout: Duration,
    /// Commands given up when a signal arrives (queries: start then rolls back at once instead
    /// of after a hung query). Submitting and cancelling always finish, or a job could be left
    /// unknown.
    pub abandon_on_signal: &'a [&'a str],
    /// What to check when a command cannot be run at all.
    pub missing_hint: &'a str,
}

/// `seconds` from the environment variable `name`, else `default`.
pub fn timeout_from_env(name: &str, default: Duration) -> Duration {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(default)
}

impl Commands<'_> {
    /// What `program args` printed on stdout; an error when it cannot run, hangs or fails.
    pub fn run(&self, program: &str, args: &[&str], env: &[(String, String)]) -> Result<String> {
        let mut command = Command::new(program);
        for name in &self.env_removed {
            command.env_remove(name);
        }
        let mut child = command
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| {
                Failure::error(format!("cannot run `{program}`: {err}")).hint(self.missing_hint)
            })?;
        // Read both pipes on threads so a chatty command cannot block on a full pipe.
        let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut buf);
                }
                buf
            })
        };
        let read_out = read(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        );
        let read_err = read(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        );
        let deadline = Instant::now() + self.timeout;
        let abandon_on_signal = self.abandon_on_signal.contains(&program);
        let signals = crate::interrupt::count();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if abandon_on_signal && crate::interrupt::count() != signals => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Failure::error(format!(
                        "`{program} {}` was abandoned: interrupted",
                        args.join(" ")
                    ))
                    .into());
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Failure::error(format!(
                        "`{program} {}` did not answer within {} s",
                        args.join(" "),
                        self.timeout.as_secs_f64()
                    ))
                    .hint(format!(
                        "{}'s controller may be overloaded or down; try again later",
                        self.scheduler
                    ))
                    .into());
                }
                Err(err) => {
                    return Err(
                        Failure::error(format!("cannot wait for `{program}`: {err}")).into(),
                    );
                }
            }
        };
        let stdout = String::from_utf8_lossy(&read_out.join().unwrap_or_default()).into_owned();
        if !status.success() {
            let stderr = read_err.join().unwrap_or_default();
            let stderr = String::from_utf8_lossy(&stderr);
            let said = [stderr.trim(), stdout.trim()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            return Err(Failure::error(format!(
                "`{program} {}` failed ({status}){}",
                args.join(" "),
                if said.is_empty() {
                    String::new()
                } else {
                    format!(":\n{said}")
                }
            ))
            .into());
        }
        Ok(stdout)
    }
}
