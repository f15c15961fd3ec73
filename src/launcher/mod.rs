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

mod command;
pub mod follow;
pub mod fork;
mod job;
mod launched;
pub mod local;
pub mod mpi;
mod remote;
mod scheduler;
pub mod sge;
pub mod slurm;
pub mod ssh;

pub use launched::{Launched, Layout, RemoteHost, RemoteProcess, StartedProcess, SubmittedJob};
pub use remote::{HostStopped, Remote, check_hosts, follow_on, read_on, stop_hosts};
pub use scheduler::{JOB_END_TIMEOUT, JobInfo, JobRef, JobStates, Jobs, Phase, Scheduler};

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::batch::Script;
use crate::output::Printer;
use crate::profile::Profile;
use crate::settings::{ControllerLauncher, EngineLauncher, ProfileConfig};

/// The backend that starts the controller for this setting.
pub fn controller_backend(setting: ControllerLauncher) -> &'static dyn ControllerBackend {
    match setting {
        ControllerLauncher::Local => &local::Local,
        ControllerLauncher::Mpi => &mpi::Mpi,
        ControllerLauncher::Slurm => &slurm::SlurmController,
        ControllerLauncher::Sge => &sge::SgeController,
    }
}

/// The backend that starts engine sets for this setting.
pub fn engine_backend(setting: EngineLauncher) -> &'static dyn EngineBackend {
    match setting {
        EngineLauncher::Local => &local::Local,
        EngineLauncher::Mpi => &mpi::Mpi,
        EngineLauncher::Slurm => &slurm::SlurmEngines { mpi: false },
        EngineLauncher::SlurmMpi => &slurm::SlurmEngines { mpi: true },
        EngineLauncher::Sge => &sge::SgeEngines,
        EngineLauncher::Ssh => &ssh::SshEngines,
    }
}

/// `setting` if its controller is a batch job, else the first controller setting that is:
/// what `render` and `doctor` render a controller script for.
pub fn batch_controller_setting(setting: ControllerLauncher) -> ControllerLauncher {
    if controller_backend(setting).scheduler().is_some() {
        return setting;
    }
    CONTROLLER_SETTINGS
        .into_iter()
        .find(|s| controller_backend(*s).scheduler().is_some())
        .unwrap_or(setting)
}

/// `setting` if its engines are a batch job, else the first engine setting that is.
pub fn batch_engine_setting(setting: EngineLauncher) -> EngineLauncher {
    if engine_backend(setting).scheduler().is_some() {
        return setting;
    }
    ENGINE_SETTINGS
        .into_iter()
        .find(|s| engine_backend(*s).scheduler().is_some())
        .unwrap_or(setting)
}

/// Every controller setting.
const CONTROLLER_SETTINGS: [ControllerLauncher; 4] = [
    ControllerLauncher::Local,
    ControllerLauncher::Mpi,
    ControllerLauncher::Slurm,
    ControllerLauncher::Sge,
];

/// Every engine setting, in the order `engines add` tries them for a cluster file's class.
const ENGINE_SETTINGS: [EngineLauncher; 6] = [
    EngineLauncher::Local,
    EngineLauncher::Mpi,
    EngineLauncher::Slurm,
    EngineLauncher::SlurmMpi,
    EngineLauncher::Sge,
    EngineLauncher::Ssh,
];

/// Every way of reaching processes on other hosts (recorded as [`RemoteHost::via`]).
pub const REMOTES: [&dyn Remote; 1] = [&ssh::Ssh];

/// The way recorded as `via`, if this rcluster knows it.
pub fn remote(via: &str) -> Option<&'static dyn Remote> {
    REMOTES.into_iter().find(|r| r.name() == via)
}

/// Every batch scheduler; the first is the one for jobs whose records name none (state files
/// written before schedulers were recorded, and clusters started by ipcluster).
pub const SCHEDULERS: [&dyn Scheduler; 2] = [&slurm::queue::Slurm, &sge::queue::Sge];

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
    let controller = CONTROLLER_SETTINGS
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

/// What every backend needs to know about the cluster it starts a piece of.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub profile: &'a Profile,
    pub cluster_id: &'a str,
    pub config: &'a ProfileConfig,
    /// The Python that runs ipyparallel.
    pub python: &'a Path,
    /// `--var` values given on the command line, for batch templates.
    pub cli_vars: &'a [(String, String)],
}

impl Target<'_> {
    /// `log/ipengine-<id>-<set>-<pid>.log`: the output of an engine set that shares one file
    /// (mpiexec, a batch job).
    pub fn engines_log(&self, set_id: &str) -> PathBuf {
        self.profile.log_dir().join(format!(
            "ipengine-{}-{set_id}-{}.log",
            self.cluster_id,
            std::process::id()
        ))
    }
}

/// What a backend needs to start (or describe) the controller.
pub struct ControllerSpec<'a> {
    pub target: Target<'a>,
    /// `python -m ipyparallel.controller`.
    pub program: Vec<String>,
    /// Its arguments, after the program.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Where its output goes.
    pub log: PathBuf,
}

impl ControllerSpec<'_> {
    pub fn argv(&self) -> Vec<String> {
        self.program.iter().chain(&self.args).cloned().collect()
    }
}

/// What a backend needs to start (or describe) one engine set.
pub struct EngineSetSpec<'a> {
    pub target: Target<'a>,
    pub set_id: &'a str,
    pub n: u32,
    /// `python -m ipyparallel.engine [--mpi]`.
    pub program: &'a [String],
    /// The engines' arguments, after the program.
    pub args: &'a [String],
    pub env: &'a [(String, String)],
    /// Start's `--timeout`: how long a launcher may wait for its engines to be known (a
    /// forker to list them); past it, start's own wait reports what is missing.
    pub start_wait: std::time::Duration,
}

impl EngineSetSpec<'_> {
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
    /// What to do when its connection files did not appear within start's timeout.
    fn wait_hint(&self) -> &'static str {
        "raise `--timeout` if this machine is busy; otherwise the controller's log says why it did not start"
    }
    /// The batch script it submits, for backends that submit one (`render`, `doctor`).
    fn script(&self, spec: &ControllerSpec) -> Option<Result<Script>> {
        let _ = spec;
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
    /// The number of engines when neither `-n` nor `[engines] n` gives one (`None`: one per
    /// CPU of this machine); an error when the settings cannot start any.
    fn default_n(&self, config: &ProfileConfig) -> Result<Option<u32>> {
        let _ = config;
        Ok(None)
    }
    /// The batch script it submits for a set, for backends that submit one.
    fn script(&self, spec: &EngineSetSpec) -> Option<Result<Script>> {
        let _ = spec;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_add_keeps_the_clusters_class() {
        let find = engine_setting_for_class;
        assert_eq!(
            find("slurm", EngineLauncher::SlurmMpi),
            Some(EngineLauncher::SlurmMpi)
        );
        assert_eq!(
            find("slurm", EngineLauncher::Local),
            Some(EngineLauncher::Slurm)
        );
        assert_eq!(
            find("mpi", EngineLauncher::Slurm),
            Some(EngineLauncher::Mpi)
        );
        assert_eq!(
            find("local", EngineLauncher::Mpi),
            Some(EngineLauncher::Local)
        );
        assert_eq!(
            find("sge", EngineLauncher::Local),
            Some(EngineLauncher::Sge)
        );
        assert_eq!(
            find("ssh", EngineLauncher::Local),
            Some(EngineLauncher::Ssh)
        );
        assert_eq!(find("pbs", EngineLauncher::Local), None);
    }

    #[test]
    fn jobs_without_a_recorded_scheduler_are_the_default_ones() {
        assert_eq!(scheduler("").name(), SCHEDULERS[0].name());
        assert_eq!(scheduler("slurm").name(), "slurm");
        assert_eq!(scheduler_for_class("slurm").name(), "slurm");
        assert_eq!(scheduler("sge").name(), "sge");
        assert_eq!(scheduler_for_class("sge").name(), "sge");
        assert_eq!(
            scheduler_for_class("ipyparallel.cluster.launcher.PBSEngineSetLauncher").name(),
            SCHEDULERS[0].name()
        );
    }

    #[test]
    fn every_setting_has_a_backend_of_its_name() {
        for setting in ENGINE_SETTINGS {
            assert_eq!(engine_backend(setting).name(), setting.name());
        }
        for setting in CONTROLLER_SETTINGS {
            assert_eq!(controller_backend(setting).class(), setting.name());
        }
    }
}
