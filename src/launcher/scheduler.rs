//! Batch schedulers: the [`Scheduler`] interface, the job states it reports, and [`Jobs`], a set
//! of jobs that asks each scheduler once for all of its jobs.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::SCHEDULERS;
use crate::error::Failure;
use crate::output::Printer;

/// How long `stop` and `engines stop` wait for cancelled jobs to leave the queue.
pub const JOB_END_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a batch job is in its life, whatever the scheduler calls its states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Queued, waiting for resources.
    Pending,
    Running,
    /// Holding (or about to hold) resources otherwise: completing, suspended, requeued, ...
    Active,
    /// Held by the scheduler in an error state (Grid Engine's `Eqw`): it will not run, yet it
    /// stays in the queue until deleted, so it counts as active for stopping.
    Failed,
    Ended,
}

/// A job's state as its scheduler reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    /// The scheduler's own name for the state (`PENDING`, `RUNNING`, `COMPLETED`, ...); `GONE`
    /// when the scheduler no longer knows the job and has no accounting to ask.
    pub state: String,
    pub phase: Phase,
    /// Why a pending job waits (`Resources`, `Priority`, ...), else empty.
    pub reason: String,
    /// Nodes of a running job.
    pub nodes: String,
    /// Time left, as the scheduler prints it, else empty.
    pub time_left: String,
    /// How long a running job has run, when the scheduler said.
    pub time_used: Option<Duration>,
}

impl JobInfo {
    /// Still queued or running: the job holds (or will hold) resources.
    pub fn is_active(&self) -> bool {
        self.phase != Phase::Ended
    }

    pub fn is_running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// Will never run (again): ended, or held in an error state. A start waiting for it fails.
    pub fn is_dead(&self) -> bool {
        matches!(self.phase, Phase::Ended | Phase::Failed)
    }

    /// A one-line description: `RUNNING on node[1-2]`, `PENDING (Resources)`.
    pub fn describe(&self) -> String {
        match self.phase {
            Phase::Pending | Phase::Failed if !self.reason.is_empty() => {
                format!("{} ({})", self.state, self.reason)
            }
            Phase::Running if !self.nodes.is_empty() => {
                format!("{} on {}", self.state, self.nodes)
            }
            _ => self.state.clone(),
        }
    }
}

/// Job states by job id.
pub type JobStates = HashMap<String, JobInfo>;

/// A batch scheduler: how jobs are submitted, watched and ended.
pub trait Scheduler: Sync + std::fmt::Debug {
    /// Recorded with each job in rcluster's state file (`slurm`).
    fn name(&self) -> &'static str;
    /// Shown to users (`Slurm`).
    fn display_name(&self) -> &'static str;
    /// The command a script is submitted with, for `--dry-run` (`sbatch --parsable`).
    fn submit_command(&self) -> &'static str;
    /// Submits a batch script; returns the job id.
    fn submit(&self, script: &Path, env: &[(String, String)]) -> Result<String>;
    /// The states of `job_ids` (all known: jobs the scheduler forgot are `GONE`). An error means
    /// the scheduler could not be asked.
    fn query(&self, job_ids: &[String]) -> Result<JobStates>;
    /// Ends the jobs at once.
    fn cancel(&self, job_ids: &[String]) -> Result<()>;
    /// Ends `active` jobs, giving the processes of `running` ones (a subset) `grace` to exit.
    fn end_gracefully(&self, active: &[String], running: &[String], grace: Duration) -> Result<()>;
    /// How a user learns why job `job_id` ended, for error hints.
    fn why_ended_hint(&self, job_id: &str) -> String;
    /// The command that shows the queue, for hints (`squeue`).
    fn queue_command(&self) -> &'static str;

    /// Whether [`Scheduler::end_gracefully`] may give this active job's processes their grace
    /// (else it is just cancelled).
    fn may_end_gracefully(&self, info: &JobInfo) -> bool {
        info.is_running()
    }

    /// Names of this process's environment variables that submitted jobs do not get (recorded
    /// in the state file and shown by `status`).
    fn env_removed(&self) -> Vec<String> {
        Vec::new()
    }

    /// Waits (bounded) until none of the jobs is active; returns those still active.
    fn wait_ended(&self, job_ids: &[String], timeout: Duration) -> Result<Vec<String>> {
        poll_until_ended(job_ids, timeout, |ids| self.query(ids))
    }
}

/// Asks `query` (bounded by `timeout`) until none of the jobs is active; returns those still
/// active.
pub(crate) fn poll_until_ended(
    job_ids: &[String],
    timeout: Duration,
    query: impl Fn(&[String]) -> Result<JobStates>,
) -> Result<Vec<String>> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(50);
    loop {
        let states = query(job_ids)?;
        let active: Vec<String> = job_ids
            .iter()
            .filter(|id| states.get(*id).is_some_and(JobInfo::is_active))
            .cloned()
            .collect();
        if active.is_empty() || Instant::now() >= deadline {
            return Ok(active);
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(100));
    }
}

/// A batch job and the scheduler that runs it.
#[derive(Debug, Clone)]
pub struct JobRef {
    pub scheduler: &'static dyn Scheduler,
    pub id: String,
}

/// Batch jobs, maybe of several schedulers: each scheduler is asked once for all of its jobs.
#[derive(Debug, Clone, Default)]
pub struct Jobs(pub Vec<JobRef>);

impl Jobs {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn ids(&self) -> Vec<String> {
        self.0.iter().map(|j| j.id.clone()).collect()
    }

    /// The scheduler of the first job (the default one when there is none), for messages.
    pub fn scheduler(&self) -> &'static dyn Scheduler {
        self.0.first().map_or(SCHEDULERS[0], |j| j.scheduler)
    }

    /// The scheduler's name for messages (`Slurm`).
    pub fn display_name(&self) -> &'static str {
        self.scheduler().display_name()
    }

    /// The jobs whose id `keep` accepts.
    pub fn filter(&self, keep: impl Fn(&str) -> bool) -> Jobs {
        Jobs(self.0.iter().filter(|j| keep(&j.id)).cloned().collect())
    }

    /// Each scheduler with its jobs' ids, in the order first seen.
    fn by_scheduler(&self) -> Vec<(&'static dyn Scheduler, Vec<String>)> {
        let mut groups: Vec<(&'static dyn Scheduler, Vec<String>)> = Vec::new();
        for job in &self.0 {
            match groups
                .iter_mut()
                .find(|(s, _)| s.name() == job.scheduler.name())
            {
                Some((_, ids)) => ids.push(job.id.clone()),
                None => groups.push((job.scheduler, vec![job.id.clone()])),
            }
        }
        groups
    }

    /// The states of every job; an error when a scheduler cannot be asked.
    pub fn query(&self) -> Result<JobStates> {
        let mut states = JobStates::new();
        for (scheduler, ids) in self.by_scheduler() {
            states.extend(scheduler.query(&ids)?);
        }
        Ok(states)
    }

    /// [`Jobs::query`] for display: `None` (every job UNKNOWN) after telling the user why the
    /// scheduler could not be asked; no jobs needs no call.
    pub fn query_for_display(&self, printer: &Printer) -> Option<JobStates> {
        if self.is_empty() {
            return Some(JobStates::new());
        }
        match self.query() {
            Ok(states) => Some(states),
            Err(err) => {
                printer.warn(format!(
                    "cannot ask {} about jobs, their state is UNKNOWN: {err:#}",
                    self.display_name()
                ));
                None
            }
        }
    }

    pub fn cancel(&self) -> Result<()> {
        for (scheduler, ids) in self.by_scheduler() {
            scheduler.cancel(&ids)?;
        }
        Ok(())
    }

    /// Ends those of the jobs that `states` shows active, gracefully for those running.
    pub fn end_gracefully(&self, states: &JobStates, grace: Duration) -> Result<()> {
        for (scheduler, ids) in self.by_scheduler() {
            let having = |keep: &dyn Fn(&JobInfo) -> bool| -> Vec<String> {
                ids.iter()
                    .filter(|id| states.get(*id).is_some_and(keep))
                    .cloned()
                    .collect()
            };
            let active = having(&JobInfo::is_active);
            if active.is_empty() {
                continue;
            }
            let running = having(&|info| scheduler.may_end_gracefully(info));
            scheduler.end_gracefully(&active, &running, grace)?;
        }
        Ok(())
    }

    /// Waits (bounded) until none of the jobs is active; returns those still active.
    pub fn wait_ended(&self, timeout: Duration) -> Result<Vec<String>> {
        let mut left = Vec::new();
        for (scheduler, ids) in self.by_scheduler() {
            left.extend(scheduler.wait_ended(&ids, timeout)?);
        }
        Ok(left)
    }

    /// Waits up to [`JOB_END_TIMEOUT`] until the cancelled jobs have left the queue. The error
    /// names the jobs that did not, or why the scheduler could not tell; `whose` says whose jobs
    /// they are (``engine jobs of cluster `x` ``), `kept` what stays as it was, and `retry` the
    /// command to run again.
    pub fn confirm_ended(&self, whose: &str, kept: &str, retry: &str) -> Result<()> {
        let still = self.wait_ended(JOB_END_TIMEOUT).map_err(|err| {
            Failure::error(format!("cannot confirm that the {whose} ended: {err:#}")).hint(format!(
                "{kept}; run `{retry}` again when {} answers",
                self.display_name()
            ))
        })?;
        if still.is_empty() {
            return Ok(());
        }
        Err(Failure::error(format!(
            "{} {whose} did not end within {} s: {}",
            self.display_name(),
            JOB_END_TIMEOUT.as_secs(),
            still.join(", ")
        ))
        .hint(format!(
            "{kept}; check `{}`, then run `{retry}` again",
            self.scheduler().queue_command()
        ))
        .into())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A scheduler that answers from a table and records the calls it gets.
    #[derive(Debug)]
    struct Fake {
        name: &'static str,
        states: &'static [(&'static str, Phase)],
        calls: Mutex<Vec<String>>,
    }

    impl Scheduler for Fake {
        fn name(&self) -> &'static str {
            self.name
        }
        fn display_name(&self) -> &'static str {
            self.name
        }
        fn submit_command(&self) -> &'static str {
            "submit"
        }
        fn submit(&self, _: &Path, _: &[(String, String)]) -> Result<String> {
            Ok("1".into())
        }
        fn query(&self, job_ids: &[String]) -> Result<JobStates> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("query {}", job_ids.join(",")));
            Ok(job_ids
                .iter()
                .map(|id| {
                    let phase = self
                        .states
                        .iter()
                        .find(|(known, _)| known == id)
                        .map_or(Phase::Ended, |(_, phase)| *phase);
                    let info = JobInfo {
                        state: format!("{phase:?}"),
                        phase,
                        reason: String::new(),
                        nodes: String::new(),
                        time_left: String::new(),
                        time_used: None,
                    };
                    (id.clone(), info)
                })
                .collect())
        }
        fn cancel(&self, job_ids: &[String]) -> Result<()> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("cancel {}", job_ids.join(",")));
            Ok(())
        }
        fn end_gracefully(&self, active: &[String], running: &[String], _: Duration) -> Result<()> {
            self.calls.lock().unwrap().push(format!(
                "end {} running {}",
                active.join(","),
                running.join(",")
            ));
            Ok(())
        }
        fn why_ended_hint(&self, _: &str) -> String {
            String::new()
        }
        fn queue_command(&self) -> &'static str {
            "queue"
        }
    }

    fn leak(fake: Fake) -> &'static Fake {
        Box::leak(Box::new(fake))
    }

    fn calls(fake: &Fake) -> Vec<String> {
        fake.calls.lock().unwrap().clone()
    }

    #[test]
    fn each_scheduler_is_asked_once_about_its_own_jobs() {
        let a = leak(Fake {
            name: "a",
            states: &[("1", Phase::Running), ("3", Phase::Pending)],
            calls: Mutex::default(),
        });
        let b = leak(Fake {
            name: "b",
            states: &[],
            calls: Mutex::default(),
        });
        let job = |scheduler: &'static Fake, id: &str| JobRef {
            scheduler,
            id: id.into(),
        };
        let jobs = Jobs(vec![job(a, "1"), job(b, "2"), job(a, "3")]);
        let states = jobs.query().unwrap();
        assert_eq!(calls(a), ["query 1,3"]);
        assert_eq!(calls(b), ["query 2"]);
        assert_eq!(states.len(), 3);
        jobs.end_gracefully(&states, Duration::ZERO).unwrap();
        // Only active jobs are ended; a scheduler with none is not called.
        assert_eq!(calls(a)[1], "end 1,3 running 1");
        assert_eq!(calls(b).len(), 1);
        assert_eq!(jobs.display_name(), "a");
        assert_eq!(Jobs::default().display_name(), SCHEDULERS[0].display_name());
    }

    #[test]
    fn describes_pending_and_running_jobs() {
        let info = |phase, reason: &str, nodes: &str| JobInfo {
            state: "S".into(),
            phase,
            reason: reason.into(),
            nodes: nodes.into(),
            time_left: String::new(),
            time_used: None,
        };
        assert_eq!(
            info(Phase::Pending, "Priority", "").describe(),
            "S (Priority)"
        );
        assert_eq!(info(Phase::Running, "", "n[1-2]").describe(), "S on n[1-2]");
        assert_eq!(info(Phase::Active, "x", "y").describe(), "S");
        assert!(info(Phase::Active, "", "").is_active());
        assert!(!info(Phase::Ended, "", "").is_active());
    }
}
