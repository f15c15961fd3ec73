//! Slurm as a [`Scheduler`]: `sbatch` to submit, one batched `squeue` (then `sacct`) to learn
//! job states, `scancel` to end jobs. Every failure keeps the program, its arguments, status and output.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::super::command::{Commands, timeout_from_env};
use super::super::{JobInfo, Phase, Scheduler};
use crate::error::Failure;

/// The scheduler behind the `slurm` and `slurm-mpi` launchers.
#[derive(Debug)]
pub struct Slurm;

impl Scheduler for Slurm {
    fn name(&self) -> &'static str {
        "slurm"
    }

    fn display_name(&self) -> &'static str {
        "Slurm"
    }

    fn submit_command(&self) -> &'static str {
        "sbatch --parsable"
    }

    fn submit(&self, script: &Path, env: &[(String, String)]) -> Result<String> {
        submit(script, env)
    }

    fn query(&self, job_ids: &[String]) -> Result<HashMap<String, JobInfo>> {
        query(job_ids)
    }

    fn cancel(&self, job_ids: &[String]) -> Result<()> {
        cancel(job_ids)
    }

    fn end_gracefully(&self, active: &[String], running: &[String], grace: Duration) -> Result<()> {
        end_gracefully(active, running, grace)
    }

    fn why_ended_hint(&self, job_id: &str) -> String {
        format!("`sacct -j {job_id}` or the job's output file tells why it ended")
    }

    /// Only jobs RUNNING for at least [`SETTLED`] get the fast path's SIGSTOP.
    fn may_end_gracefully(&self, info: &JobInfo) -> bool {
        info.state == "RUNNING" && info.time_used.is_some_and(|t| t >= SETTLED)
    }

    fn env_removed(&self) -> Vec<String> {
        super::env::inherited_here()
    }

    fn queue_command(&self) -> &'static str {
        "squeue"
    }
}

/// A job's state from Slurm's name for it: `PENDING`, `RUNNING`, `COMPLETING`, `COMPLETED`,
/// `FAILED`, `CANCELLED`, `TIMEOUT`, ...
fn job_info(
    state: &str,
    reason: String,
    nodes: String,
    time_left: String,
    time_used: Option<Duration>,
) -> JobInfo {
    let phase = match state {
        "PENDING" => Phase::Pending,
        "RUNNING" => Phase::Running,
        "CONFIGURING" | "COMPLETING" | "SUSPENDED" | "REQUEUED" | "RESIZING" | "SIGNALING"
        | "STAGE_OUT" | "REQUEUE_HOLD" | "REQUEUE_FED" => Phase::Active,
        _ => Phase::Ended,
    };
    JobInfo {
        state: state.to_string(),
        phase,
        reason,
        nodes,
        time_left,
        time_used,
    }
}

/// A job Slurm no longer knows and has no accounting for.
fn gone() -> JobInfo {
    job_info("GONE", String::new(), String::new(), String::new(), None)
}

/// What a Slurm command answered. A command that hangs (an overloaded slurmctld) is killed
/// after `RCLUSTER_SLURM_TIMEOUT` seconds (default 30) and reported as such. Inside a Slurm job
/// the command runs without the job's own variables ([`super::env`]), so the cluster's jobs do
/// not inherit them.
fn run(program: &str, args: &[&str], env: &[(String, String)]) -> Result<String> {
    Commands {
        scheduler: "Slurm",
        env_removed: super::env::inherited_here(),
        timeout: timeout_from_env("RCLUSTER_SLURM_TIMEOUT", Duration::from_secs(30)),
        abandon_on_signal: &["squeue", "sacct"],
        missing_hint: "is Slurm installed and on PATH here? `rcluster` submits from a login node with Slurm's commands",
    }
    .run(program, args, env)
}

/// Submits a batch script with `sbatch --parsable`; returns the job id.
pub fn submit(script: &Path, env: &[(String, String)]) -> Result<String> {
    let script_arg = script.to_string_lossy();
    let stdout = run("sbatch", &["--parsable", &script_arg], env)?;
    parse_job_id(&stdout).ok_or_else(|| {
        Failure::error(format!(
            "cannot find a job id in what `sbatch --parsable {script_arg}` printed:\n{}",
            stdout.trim_end()
        ))
        .hint(
            "rcluster expects `<id>` or `<id>;<cluster>` on a line, or `Submitted batch job <id>`",
        )
        .into()
    })
}

/// The job id in sbatch's output: the last line of the form `<id>` or `<id>;<cluster>`
/// (`--parsable`), else the id of a `Submitted batch job <id>` line. Banner lines a site prints
/// around it are ignored, unlike ipcluster's first-digits rule.
pub fn parse_job_id(stdout: &str) -> Option<String> {
    let is_id = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let parsable = stdout.lines().rev().map(str::trim).find_map(|line| {
        let id = line.split(';').next()?;
        is_id(id).then(|| id.to_string())
    });
    parsable.or_else(|| {
        stdout.lines().find_map(|line| {
            let rest = line.trim().strip_prefix("Submitted batch job ")?;
            let id = rest.split_whitespace().next()?;
            is_id(id).then(|| id.to_string())
        })
    })
}

/// The states of `job_ids`, from one `squeue` call (and one `sacct` call for jobs that already
/// left the queue). An error means the scheduler could not be asked: callers show UNKNOWN.
pub fn query(job_ids: &[String]) -> Result<HashMap<String, JobInfo>> {
    let mut found = HashMap::new();
    if job_ids.is_empty() {
        return Ok(found);
    }
    // All of this user's jobs, recently finished ones included: one call whatever the number of
    // jobs, and no error for ids Slurm has already forgotten (as `squeue -j` gives).
    let stdout = run(
        "squeue",
        &[
            "--me",
            "--noheader",
            "--states=all",
            "--format=%i|%T|%r|%N|%L|%M",
        ],
        &[],
    )?;
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split('|').collect();
        let [id, state, reason, nodes, left, used] = fields[..] else {
            continue;
        };
        if job_ids.iter().any(|j| j == id) {
            found.insert(
                id.to_string(),
                job_info(
                    state,
                    if reason == "None" {
                        String::new()
                    } else {
                        reason.to_string()
                    },
                    nodes.to_string(),
                    if left == "INVALID" {
                        String::new()
                    } else {
                        left.to_string()
                    },
                    parse_duration(used),
                ),
            );
        }
    }
    let missing: Vec<&String> = job_ids
        .iter()
        .filter(|id| !found.contains_key(*id))
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        // Without accounting sacct fails; then the job is simply gone.
        if let Ok(stdout) = run(
            "sacct",
            &["-X", "-P", "-n", "-j", &list, "--format=JobIDRaw,State"],
            &[],
        ) {
            for line in stdout.lines() {
                if let Some((id, state)) = line.split_once('|') {
                    let state = state.split_whitespace().next().unwrap_or(state);
                    found.insert(
                        id.to_string(),
                        job_info(state, String::new(), String::new(), String::new(), None),
                    );
                }
            }
        }
        for id in missing {
            found.entry(id.clone()).or_insert_with(gone);
        }
    }
    Ok(found)
}

/// `scancel` for all jobs in one call.
pub fn cancel(job_ids: &[String]) -> Result<()> {
    if job_ids.is_empty() {
        return Ok(());
    }
    let args: Vec<&str> = job_ids.iter().map(String::as_str).collect();
    run("scancel", &args, &[]).map(|_| ())
}

/// How long a job must have run before [`end_gracefully`] may stop its batch shell. A job that
/// has just started may still be launching it: a SIGSTOP then stops slurmstepd's child before
/// it runs the script, where the signals of the `scancel` that follows do not reach it, and the
/// job hangs COMPLETING (seen in the lab until KillWait, or until SIGCONT by hand) and is then
/// recorded STOPPED. Younger jobs get the plain `scancel`: slower, but CANCELLED.
const SETTLED: Duration = Duration::from_secs(5);

/// squeue's `%M` (`0:07`, `12:34`, `1:02:03`, `2-03:04:05`); `None` for anything else
/// (`INVALID` for a job that has not started).
fn parse_duration(text: &str) -> Option<Duration> {
    let (days, clock) = match text.split_once('-') {
        Some((days, clock)) => (days.parse::<u64>().ok()?, clock),
        None => (0, text),
    };
    let parts: Vec<u64> = clock
        .split(':')
        .map(|p| p.parse::<u64>().ok())
        .collect::<Option<_>>()?;
    let seconds = match parts[..] {
        [m, s] => m * 60 + s,
        [h, m, s] => (h * 60 + m) * 60 + s,
        _ => return None,
    };
    Some(Duration::from_secs(days * 86_400 + seconds))
}

/// Ends `active` jobs the way `scancel` does, with the engines' graceful exit kept and
/// without Slurm's slow path, leaving every job CANCELLED. `running` (a subset) get, in order:
///
/// 1. SIGSTOP to the batch shell only, so no job can end by itself (and be recorded FAILED or
///    COMPLETED) once its steps exit;
/// 2. SIGTERM to the job steps' tasks (the engines); the batch shell and what it runs itself,
///    such as a controller started without `srun`, get theirs from `scancel` in step 4;
/// 3. a wait of at most `grace` until no step is left, then SIGKILL to steps still running;
/// 4. `scancel` for all `active` jobs: Slurm sends SIGCONT and SIGTERM, the shells end.
///
/// Why: a plain `scancel` lets slurmd poll for the job's processes at 0.02, 0.07, 0.17, 0.67 s
/// and then once a second, so Python engines that need ~0.2 s of CPU each to exit keep their
/// job COMPLETING for 2-3 s, and longer on a busy node. With the processes already gone when
/// `scancel` arrives, the job ends at the first poll.
///
/// Signals are best effort (a job may end on its own meanwhile); the final `scancel` is not,
/// and runs whatever happened before, so no shell is ever left stopped.
pub fn end_gracefully(active: &[String], running: &[String], grace: Duration) -> Result<()> {
    if !running.is_empty() {
        let ids: Vec<&str> = running.iter().map(String::as_str).collect();
        let _ = run(
            "scancel",
            &[&["--batch", "--signal=STOP"][..], &ids].concat(),
            &[],
        );
        let _ = run("scancel", &[&["--signal=TERM"][..], &ids].concat(), &[]);
        let deadline = Instant::now() + grace;
        let mut delay = Duration::from_millis(20);
        loop {
            let Ok(steps) = running_steps(running) else {
                break;
            };
            if steps.is_empty() {
                break;
            }
            if Instant::now() >= deadline {
                let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
                let _ = run("scancel", &[&["--signal=KILL"][..], &steps].concat(), &[]);
                break;
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(100));
        }
    }
    cancel(active)
}

/// The job steps (`<job>.<step>`) of `job_ids` that run tasks, from one `squeue --steps`: the
/// batch shell and Slurm's own `extern`/`interactive` steps are not counted.
pub fn running_steps(job_ids: &[String]) -> Result<Vec<String>> {
    if job_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = job_ids.join(",");
    let stdout = run(
        "squeue",
        &["--noheader", "--steps", "--jobs", &list, "--format=%i"],
        &[],
    )?;
    Ok(parse_steps(&stdout))
}

fn parse_steps(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|id| {
            id.split_once('.').is_some_and(|(job, step)| {
                !job.is_empty()
                    && !step.is_empty()
                    && !matches!(step, "batch" | "extern" | "interactive")
            })
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parsable_output() {
        assert_eq!(parse_job_id("42\n").as_deref(), Some("42"));
        assert_eq!(parse_job_id("123;othercluster\n").as_deref(), Some("123"));
    }

    #[test]
    fn ignores_banner_lines() {
        let out = "This job will be charged 500,000.00 hours\nProject 77 has 3 days left\n9876\n";
        assert_eq!(parse_job_id(out).as_deref(), Some("9876"));
        let classic = "Welcome to HPC 2024\nSubmitted batch job 555\n";
        assert_eq!(parse_job_id(classic).as_deref(), Some("555"));
    }

    #[test]
    fn steps_that_run_tasks() {
        let out = "41.batch\n42.0\n42.batch\n42.extern\n43.12\n44.interactive\n\n";
        assert_eq!(parse_steps(out), vec!["42.0", "43.12"]);
        assert!(parse_steps("squeue: error: Invalid job id specified\n").is_empty());
    }

    #[test]
    fn no_id_is_none() {
        assert_eq!(
            parse_job_id("sbatch: error: Batch job submission failed\n"),
            None
        );
        assert_eq!(parse_job_id(""), None);
    }

    #[test]
    fn parses_time_used() {
        let secs = |t: &str| parse_duration(t).map(|d| d.as_secs());
        assert_eq!(secs("0:00"), Some(0));
        assert_eq!(secs("0:07"), Some(7));
        assert_eq!(secs("12:34"), Some(754));
        assert_eq!(secs("1:02:03"), Some(3723));
        assert_eq!(secs("2-03:04:05"), Some(2 * 86_400 + 11_045));
        for bad in ["INVALID", "", "5", "1:2:3:4", "x-1:00", "-1:00", "1:-2"] {
            assert_eq!(secs(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn describes_states() {
        let info = job_info(
            "PENDING",
            "Resources".into(),
            String::new(),
            String::new(),
            None,
        );
        assert_eq!(info.describe(), "PENDING (Resources)");
        assert!(info.is_active());
        let info = job_info(
            "COMPLETED",
            String::new(),
            String::new(),
            String::new(),
            None,
        );
        assert!(!info.is_active());
    }
}
