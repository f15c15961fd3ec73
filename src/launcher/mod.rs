//! Launchers: how the controller and the engines are started, one module per backend.
//!
//! A backend implements [`ControllerBackend`] and/or [`EngineBackend`]: start what the plan asks
//! for, recording everything it starts in a [`Launched`] as it goes (so a start that fails
//! halfway is rolled back completely), and describe it for `--dry-run`. Backends that submit
//! batch jobs do so through a [`Scheduler`] (submit, query, end, wait), which is also what
//! `stop`, `list`, `status`, `clean` and `logs` use for the jobs a cluster records.
//!
//! [`controller_backend`], [`engine_backend`] and [`SCHEDULERS`] below are the only place
//! outside the backend modules that names a backend: adding one means adding its module and
//! one line there.

pub mod local;
pub mod mpi;
pub mod slurm;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::Value;

use crate::batch::Builtin;
use crate::cluster_file::{self, BatchState};
use crate::output::Printer;
use crate::plan::Plan;
use crate::process;
use crate::settings::{ControllerLauncher, EngineLauncher};

/// The backend that starts the controller for this setting.
pub fn controller_backend(setting: ControllerLauncher) -> &'static dyn ControllerBackend {
    match setting {
        ControllerLauncher::Local => &local::Local,
        ControllerLauncher::Mpi => &mpi::Mpi,
        ControllerLauncher::Slurm => &slurm::SlurmController,
    }
}

/// The backend that starts engine sets for this setting.
pub fn engine_backend(setting: EngineLauncher) -> &'static dyn EngineBackend {
    match setting {
        EngineLauncher::Local => &local::Local,
        EngineLauncher::Mpi => &mpi::Mpi,
        EngineLauncher::Slurm => &slurm::SlurmEngines { mpi: false },
        EngineLauncher::SlurmMpi => &slurm::SlurmEngines { mpi: true },
    }
}

/// Every engine setting, in the order `engines add` tries them for a cluster file's class.
const ENGINE_SETTINGS: [EngineLauncher; 4] = [
    EngineLauncher::Local,
    EngineLauncher::Mpi,
    EngineLauncher::Slurm,
    EngineLauncher::SlurmMpi,
];

/// Every batch scheduler; the first is the one for jobs whose records name none (state files
/// written before schedulers were recorded, and clusters started by ipcluster).
pub const SCHEDULERS: [&dyn Scheduler; 1] = [&slurm::queue::Slurm];

/// The engine setting that starts engines of ipyparallel class `class`: `configured` if it does,
/// else the first that does.
pub fn engine_setting_for_class(class: &str, configured: EngineLauncher) -> Option<EngineLauncher> {
    if engine_backend(configured).class() == class {
        return Some(configured);
    }
    ENGINE_SETTINGS
        .into_iter()
        .find(|setting| engine_backend(*setting).class() == class)
}

/// The scheduler recorded as `name`; the default one for an empty or unknown name.
pub fn scheduler(name: &str) -> &'static dyn Scheduler {
    SCHEDULERS
        .into_iter()
        .find(|s| s.name() == name)
        .unwrap_or(SCHEDULERS[0])
}

/// The scheduler that runs the jobs of a cluster file's launcher of class `class` (ipcluster's
/// files name no scheduler).
pub fn scheduler_for_class(class: &str) -> &'static dyn Scheduler {
    let controller = [
        ControllerLauncher::Local,
        ControllerLauncher::Mpi,
        ControllerLauncher::Slurm,
    ]
    .into_iter()
    .map(controller_backend)
    .find(|b| b.class() == class)
    .and_then(|b| b.scheduler());
    let engines = ENGINE_SETTINGS
        .into_iter()
        .map(engine_backend)
        .find(|b| b.class() == class)
        .and_then(|b| b.scheduler());
    controller.or(engines).unwrap_or(SCHEDULERS[0])
}

/// The environment ipyparallel's launchers give every process (interop reference §1.3).
pub fn cluster_env(profile_dir: &Path, cluster_id: &str) -> Vec<(String, String)> {
    vec![
        (
            "IPP_PROFILE_DIR".into(),
            profile_dir.to_string_lossy().into_owned(),
        ),
        ("IPP_CLUSTER_ID".into(), cluster_id.to_string()),
    ]
}

/// What a backend needs to start (or describe) the controller.
pub struct ControllerSpec<'p, 'a> {
    pub plan: &'p Plan<'a>,
    /// The program and its arguments.
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Where its output goes.
    pub log: PathBuf,
}

/// What a backend needs to start (or describe) one engine set.
pub struct EngineSetSpec<'p, 'a> {
    pub plan: &'p Plan<'a>,
    pub set_id: &'p str,
    pub n: u32,
    /// `python -m ipyparallel.engine [--mpi]`.
    pub program: &'p [String],
    /// The engines' arguments, after the program.
    pub args: &'p [String],
    pub env: &'p [(String, String)],
}

impl EngineSetSpec<'_, '_> {
    pub fn argv(&self) -> Vec<String> {
        self.program.iter().chain(self.args).cloned().collect()
    }
}

/// Starts the controller one way.
pub trait ControllerBackend: Sync {
    /// ipyparallel's launcher class name, recorded in the cluster file (`local`, `mpi`, ...).
    fn class(&self) -> &'static str;
    /// Whether the controller runs on another host, so it must listen beyond loopback.
    fn remote(&self) -> bool {
        false
    }
    /// The scheduler of its batch jobs, if it submits any.
    fn scheduler(&self) -> Option<&'static dyn Scheduler> {
        None
    }
    /// How its state is laid out in the cluster file.
    fn layout(&self) -> Layout {
        Layout::Process
    }
    /// The built-in batch template, for backends that submit batch scripts.
    fn builtin_template(&self) -> Option<Builtin> {
        None
    }
    /// Starts it, recording in `launched` what was started even when it then fails.
    fn start(
        &self,
        spec: &ControllerSpec,
        launched: &mut Launched,
        printer: &Printer,
    ) -> Result<()>;
    /// `--dry-run`: what `start` would run, as lines to print.
    fn describe(&self, spec: &ControllerSpec) -> Result<String>;
}

/// Starts engine sets one way.
pub trait EngineBackend: Sync {
    /// The setting's name (`local`, `slurm-mpi`, ...).
    fn name(&self) -> &'static str;
    /// ipyparallel's launcher class name, recorded in the cluster file.
    fn class(&self) -> &'static str;
    /// Whether engines run on other hosts, so the controller must be reachable from them.
    fn remote(&self) -> bool {
        false
    }
    /// Whether engine ids are MPI ranks (`ipyparallel.engine --mpi`).
    fn mpi_ranks(&self) -> bool {
        false
    }
    /// Whether `[engines] per_job` splits the engines into several sets.
    fn splits(&self) -> bool {
        false
    }
    /// The built-in batch template, for backends that submit batch scripts.
    fn builtin_template(&self) -> Option<Builtin> {
        None
    }
    fn scheduler(&self) -> Option<&'static dyn Scheduler> {
        None
    }
    /// How the state of a set of `n` engines is laid out in the cluster file.
    fn layout(&self, n: u32) -> Layout;
    /// Starts one set, recording in `launched` what was started even when it then fails.
    fn start(&self, spec: &EngineSetSpec, launched: &mut Launched, printer: &Printer)
    -> Result<()>;
    /// `--dry-run`: what `start` would run, as lines to print.
    fn describe(&self, spec: &EngineSetSpec) -> Result<String>;
}

/// `NAME=value ...` for a dry-run command line.
pub fn env_line(env: &[(String, String)]) -> String {
    env.iter()
        .map(|(k, v)| format!("{k}={}", crate::shell::quote(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a launcher's state is laid out in the cluster file, as ipyparallel's launchers write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One process (a local or mpiexec controller).
    Process,
    /// One process that runs `n` engines (mpiexec).
    ProcessForSet(u32),
    /// One process per engine.
    ProcessPerEngine,
    /// A batch job.
    Job,
}

/// What a backend started: processes on this host and/or a batch job, and files it wrote.
#[derive(Debug)]
pub struct Launched {
    pub class: &'static str,
    pub layout: Layout,
    pub processes: Vec<StartedProcess>,
    pub job: Option<SubmittedJob>,
    /// Files written for it besides its output (batch scripts), removed with the cluster.
    pub files: Vec<PathBuf>,
}

impl Launched {
    pub fn new(class: &'static str, layout: Layout) -> Launched {
        Launched {
            class,
            layout,
            processes: Vec::new(),
            job: None,
            files: Vec::new(),
        }
    }

    /// Its first process that is no longer running (reaped, so it does not linger).
    pub fn exited(&mut self) -> Option<&StartedProcess> {
        let i = self.processes.iter_mut().position(|p| !p.running())?;
        Some(&self.processes[i])
    }

    /// Reaps its processes that have exited.
    pub fn reap(&mut self) {
        for process in &mut self.processes {
            if let Some(child) = &mut process.child {
                let _ = child.try_wait();
            }
        }
    }

    /// Its state in the cluster file, as the ipyparallel launcher of its class writes it.
    pub fn state(&self, cluster_id: &str, profile_dir: &str) -> Value {
        if self.layout == Layout::Job {
            let Some(job) = &self.job else {
                return Value::Null;
            };
            return BatchState {
                batch_template: &job.template,
                cluster_id,
                job_id: &job.job_id,
                n: job.n,
                output_file: &job.output_file.to_string_lossy(),
                profile_dir,
                queue: &job.queue,
            }
            .to_json();
        }
        let first = self.processes.first();
        let pid = first.map_or(-1, |p| p.pid);
        let output = first.map(StartedProcess::output_str).unwrap_or_default();
        match self.layout {
            Layout::Job => Value::Null,
            Layout::ProcessPerEngine => {
                let list: Vec<(i32, String)> = self
                    .processes
                    .iter()
                    .map(|e| (e.pid, e.output_str()))
                    .collect();
                cluster_file::local_engine_set_state(cluster_id, profile_dir, &list)
            }
            Layout::Process => {
                cluster_file::process_state(cluster_id, profile_dir, pid, &output, None)
            }
            Layout::ProcessForSet(n) => {
                cluster_file::process_state(cluster_id, profile_dir, pid, &output, Some(n))
            }
        }
    }
}

/// A batch job a backend submitted.
#[derive(Debug)]
pub struct SubmittedJob {
    pub scheduler: &'static dyn Scheduler,
    pub job_id: String,
    pub n: u32,
    pub output_file: PathBuf,
    /// The template's text, as ipyparallel records it (`batch_template`).
    pub template: String,
    /// The queue (partition) asked for, as ipyparallel records it.
    pub queue: String,
    /// The rendered batch script, kept for `status` and debugging.
    pub script: PathBuf,
}

/// A process rcluster started on this host.
#[derive(Debug)]
pub struct StartedProcess {
    pub pid: i32,
    pub start_time: u64,
    pub output_file: PathBuf,
    /// Kept so an early exit can be seen (and reaped) while `start` waits.
    pub child: Option<Child>,
}

impl StartedProcess {
    /// Spawns a daemon and records what identifies it later.
    pub fn spawn(
        argv: &[String],
        env: &[(String, String)],
        output_file: PathBuf,
    ) -> Result<StartedProcess> {
        let child = process::Daemon {
            argv,
            env,
            log: &output_file,
        }
        .spawn()?;
        let pid = child.id() as i32;
        Ok(StartedProcess {
            pid,
            start_time: process::start_time(pid).unwrap_or(0),
            output_file,
            child: Some(child),
        })
    }

    /// Whether it still runs; reaps it if it exited, so it does not linger as a zombie.
    pub fn running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => process::is_alive(self.pid),
        }
    }

    pub fn output_str(&self) -> String {
        self.output_file.to_string_lossy().into_owned()
    }
}

/// Where a batch job is in its life, whatever the scheduler calls its states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Queued, waiting for resources.
    Pending,
    Running,
    /// Holding (or about to hold) resources otherwise: completing, suspended, requeued, ...
    Active,
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
}

impl JobInfo {
    /// Still queued or running: the job holds (or will hold) resources.
    pub fn is_active(&self) -> bool {
        self.phase != Phase::Ended
    }

    pub fn is_running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// A one-line description: `RUNNING on node[1-2]`, `PENDING (Resources)`.
    pub fn describe(&self) -> String {
        match self.phase {
            Phase::Pending if !self.reason.is_empty() => {
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
    /// How a user learns why a job ended, for error hints.
    fn why_ended_hint(&self) -> &'static str;
    /// The command that shows the queue, for hints (`squeue`).
    fn queue_command(&self) -> &'static str;

    /// Waits (bounded) until none of the jobs is active; returns those still active.
    fn wait_ended(&self, job_ids: &[String], timeout: Duration) -> Result<Vec<String>> {
        let deadline = Instant::now() + timeout;
        let mut delay = Duration::from_millis(50);
        loop {
            let states = self.query(job_ids)?;
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
            let having = |keep: fn(&JobInfo) -> bool| -> Vec<String> {
                ids.iter()
                    .filter(|id| states.get(*id).is_some_and(keep))
                    .cloned()
                    .collect()
            };
            let active = having(JobInfo::is_active);
            if active.is_empty() {
                continue;
            }
            scheduler.end_gracefully(&active, &having(JobInfo::is_running), grace)?;
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
}
