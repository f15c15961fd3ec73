//! `rcluster start`: controller, then engines, then (by default) wait until the controller has
//! registered them all. Any failure on the way, or a signal, stops what was started.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::batch::{Builtin, Role, ScriptRequest};
use crate::cli::{GlobalArgs, StartArgs};
use crate::cluster_file::{self, BatchState, ClusterHeader};
use crate::connection;
use crate::error::{EXIT_ALREADY_RUNNING, Failure};
use crate::ids;
use crate::interrupt;
use crate::inventory::{self, Health};
use crate::launcher::{self, StartedProcess, local, mpi};
use crate::lock::Lock;
use crate::output::Printer;
use crate::process;
use crate::profile::{Profile, check_name};
use crate::settings::{ControllerLauncher, EngineLauncher, ProfileConfig, resolve_python};
use crate::slurm;
use crate::state::{self, ClusterState, JobRecord, ProcessRecord};

/// The heartbeat period when `[controller] heartbeat_ms` is not set: 5 ms per engine, at least
/// 50 ms and at most 3000 ms (ipyparallel's own default). A new engine counts as registered
/// about 1.5 periods after it is ready, so a short period makes start fast; the hub handles one
/// reply per engine per period, so the period grows with the cluster (200 replies/s at most).
pub fn default_heartbeat_ms(n: u32) -> u64 {
    (u64::from(n) * 5).clamp(50, 3000)
}

/// How long the hub waits for a registered engine that stopped answering heartbeats before it
/// drops it, whatever the period: ipyparallel's default (10 missed periods) is 1 s at 100 ms.
const HEARTBEAT_TOLERANCE_MS: u64 = 5000;

/// `--ping`, the missed heartbeats the hub tolerates, and how long it keeps a registration
/// waiting for the engine's first heartbeat: ipyparallel's max(30 s, 10 periods) purged engines
/// that 128 engines starting at once on 2 cores could not answer in time; start's own timeout
/// is the right bound. `[controller] args` follow, so the user's settings win.
fn controller_args(config: &ProfileConfig, n: u32, timeout: Duration) -> Vec<String> {
    let heartbeat_ms = config
        .controller
        .heartbeat_ms
        .unwrap_or_else(|| default_heartbeat_ms(n));
    let misses = HEARTBEAT_TOLERANCE_MS.div_ceil(heartbeat_ms.max(1)).max(10);
    let registration = timeout.as_secs_f64().ceil().max(30.0) as u64;
    let mut args = vec![
        format!("--ping={heartbeat_ms}"),
        format!("--HeartMonitor.max_heartmonitor_misses={misses}"),
        format!("--IPController.registration_timeout={registration}"),
    ];
    args.extend(config.controller.args.iter().cloned());
    args
}

/// How often Slurm is asked about the cluster's jobs while start waits.
const SLURM_POLL: Duration = Duration::from_secs(1);

/// `start --timeout`'s default: engines started alongside the controller wait this long for it.
const DEFAULT_CONNECTION_WAIT: Duration = Duration::from_secs(60);

pub fn run(global: &GlobalArgs, args: &StartArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    if profile.name.as_deref() == Some("default") && global.profile_dir.is_none() && !args.dry_run {
        // IPython always creates profile_default; so does rcluster.
        profile.ensure_layout()?;
    } else if !args.dry_run {
        profile.require()?;
    }
    let mut config = if profile.exists() {
        profile.load_config()?
    } else {
        ProfileConfig::default()
    };
    apply_overrides(&mut config, args)?;

    let cluster_id = match &args.cluster_id {
        Some(id) if id.is_empty() => String::new(),
        Some(id) => {
            check_name("cluster id", id)?;
            id.clone()
        }
        None => ids::new_cluster_id(),
    };
    let timeout = Duration::try_from_secs_f64(args.timeout).map_err(|_| {
        Failure::usage(format!(
            "invalid --timeout `{}`: give seconds, e.g. 60",
            args.timeout
        ))
    })?;
    let python = resolve_python(&config.python)?;
    let mut plan = Plan::new(&profile, cluster_id, config, python, args.vars.clone())?;
    plan.set_timeout(timeout);
    if args.dry_run {
        return plan.print_dry_run();
    }
    crate::python_env::require_supported_ipyparallel(&plan.python, &printer)?;
    profile.ensure_layout()?;

    let _lock = Lock::acquire(&profile.security_dir(), &plan.cluster_id)?;
    refuse_if_running(&profile, &plan.cluster_id, &printer)?;

    interrupt::install();
    let mut launch = Launch::new(plan);
    match launch.run(args.no_wait, timeout, &printer) {
        Ok(()) => {
            launch.print_summary(args.no_wait, &printer);
            Ok(())
        }
        Err(err) => {
            printer.status("start failed; stopping what was started");
            launch.rollback(&printer);
            Err(err)
        }
    }
}

fn apply_overrides(config: &mut ProfileConfig, args: &StartArgs) -> Result<()> {
    if let Some(n) = args.n {
        config.engines.n = Some(n);
    }
    if let Some(controller) = args.controller {
        config.controller.launcher = controller;
    }
    if let Some(engines) = args.engines {
        config.engines.launcher = engines;
    }
    if let Some(k) = args.engines_per_job {
        config.engines.per_job = Some(k);
    }
    config.slurm.apply(&args.slurm);
    config
        .controller
        .args
        .extend(args.controller_args.iter().cloned());
    if config.engines.n == Some(0) {
        return Err(Failure::usage("the number of engines must be at least 1").into());
    }
    if config.engines.per_job == Some(0) {
        return Err(Failure::usage("`--engines-per-job` must be at least 1").into());
    }
    Ok(())
}

/// Exit 10 if the cluster runs; clean up its files if it is provably dead.
fn refuse_if_running(profile: &Profile, cluster_id: &str, printer: &Printer) -> Result<()> {
    let Some(existing) = inventory::Cluster::load(profile, cluster_id)? else {
        return Ok(());
    };
    let health = existing.health_with_jobs();
    if health == Health::Dead {
        printer.verbose(format!(
            "removing the files of dead cluster `{}`",
            display_id(cluster_id)
        ));
        for file in existing.files(false) {
            crate::fsutil::remove_inside(&profile.dir, &file)?;
        }
        return Ok(());
    }
    Err(Failure::new(
        EXIT_ALREADY_RUNNING,
        format!(
            "cluster `{}` is already {} in profile `{}`",
            display_id(cluster_id),
            health.name(),
            profile.label()
        ),
    )
    .hint(format!(
        "stop it first with `rcluster stop {} --cluster-id {}`, or choose another `--cluster-id`",
        profile.cli_args(),
        crate::shell::quote(cluster_id)
    ))
    .into())
}

pub fn display_id(cluster_id: &str) -> &str {
    if cluster_id.is_empty() {
        "''"
    } else {
        cluster_id
    }
}

/// The first IPv4 address of an interface that is up and not loopback: where engines on other
/// hosts can reach a controller on this one. (The host name is no good on Debian-like systems,
/// where it resolves to 127.0.1.1.)
pub fn reachable_ipv4() -> Option<String> {
    use nix::net::if_::InterfaceFlags;
    let addrs = nix::ifaddrs::getifaddrs().ok()?;
    addrs
        .filter(|a| {
            a.flags.contains(InterfaceFlags::IFF_UP)
                && !a.flags.contains(InterfaceFlags::IFF_LOOPBACK)
        })
        .find_map(|a| {
            let ip = a.address?.as_sockaddr_in()?.ip();
            (!ip.is_loopback() && !ip.is_link_local()).then(|| ip.to_string())
        })
}

/// Everything decided before anything runs: ids, commands, addresses, engine sets.
pub(crate) struct Plan<'a> {
    profile: &'a Profile,
    cluster_id: String,
    n: u32,
    config: ProfileConfig,
    python: PathBuf,
    cli_vars: Vec<(String, String)>,
    controller_ip: String,
    controller_location: String,
    /// `--ping` and `[controller] args`: what ipyparallel records as `controller_args`.
    controller_args: Vec<String>,
    /// Engines per engine set (one set per Slurm job when split).
    set_sizes: Vec<u32>,
    /// How long engines started alongside the controller wait for its connection file.
    connection_wait: Duration,
}

/// How engines learn where the controller listens.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EngineConnection<'s> {
    /// `IPP_CONNECTION_INFO`, as ipp.Cluster does: the controller is already up (`engines add`).
    Env(&'s str),
    /// The file rcluster publishes when the controller is up, so that engines can start at the
    /// same time as the controller and spend their Python start-up (~0.5 s of CPU each) waiting
    /// for it, instead of after it.
    UrlFile,
}

impl<'a> Plan<'a> {
    pub(crate) fn new(
        profile: &'a Profile,
        cluster_id: String,
        config: ProfileConfig,
        python: PathBuf,
        cli_vars: Vec<(String, String)>,
    ) -> Result<Self> {
        let n = config
            .engines
            .n
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
        let remote_engines = matches!(
            config.engines.launcher,
            EngineLauncher::Slurm | EngineLauncher::SlurmMpi
        );
        let remote_controller = config.controller.launcher == ControllerLauncher::Slurm;
        // Engines on other nodes need a controller that listens beyond loopback, at an address
        // they can reach.
        let controller_ip = match &config.controller.ip {
            Some(ip) => ip.clone(),
            None if remote_engines || remote_controller => "0.0.0.0".to_string(),
            None => String::new(),
        };
        let controller_location = match &config.controller.location {
            Some(location) => location.clone(),
            None if remote_engines && !remote_controller => reachable_ipv4().unwrap_or_default(),
            None => String::new(),
        };
        let controller_args = controller_args(&config, n, DEFAULT_CONNECTION_WAIT);
        let set_sizes = match (config.engines.launcher, config.engines.per_job) {
            (EngineLauncher::Slurm | EngineLauncher::SlurmMpi, Some(k)) if k < n => {
                let mut sizes = vec![k; (n / k) as usize];
                if !n.is_multiple_of(k) {
                    sizes.push(n % k);
                }
                sizes
            }
            _ => vec![n],
        };
        Ok(Plan {
            profile,
            cluster_id,
            n,
            config,
            python,
            cli_vars,
            controller_ip,
            controller_location,
            controller_args,
            set_sizes,
            connection_wait: DEFAULT_CONNECTION_WAIT,
        })
    }

    pub(crate) fn env(&self) -> Vec<(String, String)> {
        launcher::cluster_env(&self.profile.dir, &self.cluster_id)
    }

    pub(crate) fn controller_program(&self) -> Vec<String> {
        vec![
            self.python.to_string_lossy().into_owned(),
            "-m".into(),
            "ipyparallel.controller".into(),
        ]
    }

    /// `--ip`, `--location`, then `controller_args`, in the order ipp.Cluster passes them.
    pub(crate) fn controller_program_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if !self.controller_ip.is_empty() {
            args.push(format!("--ip={}", self.controller_ip));
        }
        if !self.controller_location.is_empty() {
            args.push(format!("--location={}", self.controller_location));
        }
        args.extend(self.controller_args.iter().cloned());
        args
    }

    pub(crate) fn engine_program(&self) -> Vec<String> {
        let mut program = vec![
            self.python.to_string_lossy().into_owned(),
            "-m".into(),
            "ipyparallel.engine".into(),
        ];
        if matches!(
            self.config.engines.launcher,
            EngineLauncher::Mpi | EngineLauncher::SlurmMpi
        ) {
            program.push("--mpi".into());
        }
        program
    }

    /// Start's `--timeout`: how long engines wait for the controller, and the hub for their
    /// first heartbeat.
    pub(crate) fn set_timeout(&mut self, timeout: Duration) {
        self.connection_wait = timeout;
        self.controller_args = controller_args(&self.config, self.n, timeout);
    }

    pub(crate) fn engine_url_file(&self) -> PathBuf {
        connection::engine_url_file(&self.profile.security_dir(), &self.cluster_id)
    }

    /// The engines' environment and arguments (after the program) for `connection`. An empty
    /// `IPP_CONNECTION_INFO` overrides one inherited from rcluster's own environment.
    pub(crate) fn engine_env_and_args(
        &self,
        connection: EngineConnection,
    ) -> (Vec<(String, String)>, Vec<String>) {
        let mut env = self.env();
        let wait = self.connection_wait.as_secs_f64().ceil();
        // ipyparallel gives an engine 5 s to hear back from the hub about its registration; a
        // hub busy with 192 engines starting at once on 2 cores took longer for one of them,
        // which then exited. Start waits for its own timeout anyway.
        let mut args = vec![format!("--IPEngine.timeout={wait}")];
        match connection {
            EngineConnection::Env(info) => {
                env.push(("IPP_CONNECTION_INFO".into(), info.to_string()));
            }
            EngineConnection::UrlFile => {
                env.push(("IPP_CONNECTION_INFO".into(), String::new()));
                args.push(format!(
                    "--IPEngine.url_file={}",
                    self.engine_url_file().display()
                ));
                args.push(format!("--IPEngine.wait_for_url_file={wait}"));
            }
        }
        args.extend(self.config.engines.args.iter().cloned());
        (env, args)
    }

    fn controller_log(&self) -> PathBuf {
        self.profile
            .log_dir()
            .join(local::controller_log_name(&self.cluster_id))
    }

    fn engines_log(&self, set_id: &str) -> PathBuf {
        self.profile.log_dir().join(format!(
            "ipengine-{}-{set_id}-{}.log",
            self.cluster_id,
            std::process::id()
        ))
    }

    fn script_path(&self, role: &str) -> PathBuf {
        self.profile
            .log_dir()
            .join(format!("rcluster-{}-{role}.sbatch", self.cluster_id))
    }

    pub(crate) fn controller_script(
        &self,
        env: &[(String, String)],
    ) -> Result<crate::batch::Script> {
        let program = self.controller_program();
        let args = self.controller_program_args();
        let output = self.controller_log();
        ScriptRequest {
            role: Role::Controller,
            n: 1,
            profile_dir: &self.profile.dir,
            cluster_id: &self.cluster_id,
            output_file: &output,
            program: &program,
            program_args: &args,
            env,
            slurm: &self.config.slurm,
            template: self.config.controller.template.as_deref(),
            builtin: Builtin::SlurmController,
            vars: &self.config.vars,
            cli_vars: &self.cli_vars,
        }
        .render()
    }

    pub(crate) fn engine_script(
        &self,
        n: u32,
        set_id: &str,
        env: &[(String, String)],
        args: &[String],
    ) -> Result<crate::batch::Script> {
        let program = self.engine_program();
        let output = self.engines_log(set_id);
        ScriptRequest {
            role: Role::Engines,
            n,
            profile_dir: &self.profile.dir,
            cluster_id: &self.cluster_id,
            output_file: &output,
            program: &program,
            program_args: args,
            env,
            slurm: &self.config.slurm,
            template: self.config.engines.template.as_deref(),
            builtin: if self.config.engines.launcher == EngineLauncher::SlurmMpi {
                Builtin::SlurmMpiEngines
            } else {
                Builtin::SlurmEngines
            },
            vars: &self.config.vars,
            cli_vars: &self.cli_vars,
        }
        .render()
    }

    /// `--dry-run`: every command and script, nothing run. Secrets are shown as placeholders.
    fn print_dry_run(&self) -> Result<()> {
        let env = self.env();
        let env_line = |env: &[(String, String)]| {
            env.iter()
                .map(|(k, v)| format!("{k}={}", crate::shell::quote(v)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "# cluster `{}` in `{}`",
            display_id(&self.cluster_id),
            self.profile.dir.display()
        );
        let sbatch_env_line = |env: &[(String, String)]| {
            dry_run_sbatch_env(&crate::slurm_env::inherited_here(), &env_line(env))
        };
        let controller_cmd: Vec<String> = self
            .controller_program()
            .into_iter()
            .chain(self.controller_program_args())
            .collect();
        match self.config.controller.launcher {
            ControllerLauncher::Local => {
                println!(
                    "# controller (local), output to {}",
                    self.controller_log().display()
                );
                println!("{} {}", env_line(&env), crate::shell::join(&controller_cmd));
            }
            ControllerLauncher::Mpi => {
                println!(
                    "# controller (mpi), output to {}",
                    self.controller_log().display()
                );
                let env = mpi::env(&self.config.mpi, &env);
                println!(
                    "{} {}",
                    env_line(&env),
                    crate::shell::join(&mpi::argv(&self.config.mpi, 1, &controller_cmd))
                );
            }
            ControllerLauncher::Slurm => {
                let script = self.controller_script(&env)?;
                let path = self.script_path("controller");
                print_batch_script("controller (slurm)", &script, &path, &sbatch_env_line(&env));
            }
        }
        let (engine_env, engine_args) = self.engine_env_and_args(EngineConnection::UrlFile);
        let engine_cmd: Vec<String> = self
            .engine_program()
            .into_iter()
            .chain(engine_args.iter().cloned())
            .collect();
        for (i, &n) in self.set_sizes.iter().enumerate() {
            let set_id = format!(
                "{}{}",
                ids::unix_now(),
                if i == 0 {
                    String::new()
                } else {
                    format!("-{i}")
                }
            );
            match self.config.engines.launcher {
                EngineLauncher::Local => {
                    println!("# {n} engines (local), each:");
                    println!(
                        "{} {}",
                        env_line(&engine_env),
                        crate::shell::join(&engine_cmd)
                    );
                }
                EngineLauncher::Mpi => {
                    println!(
                        "# {n} engines (mpi), output to {}",
                        self.engines_log(&set_id).display()
                    );
                    let env = mpi::env(&self.config.mpi, &engine_env);
                    println!(
                        "{} {}",
                        env_line(&env),
                        crate::shell::join(&mpi::argv(&self.config.mpi, n, &engine_cmd))
                    );
                }
                EngineLauncher::Slurm | EngineLauncher::SlurmMpi => {
                    let script = self.engine_script(n, &set_id, &engine_env, &engine_args)?;
                    let path = self.script_path(&format!("engines-{set_id}"));
                    let what = format!("{n} engines ({})", self.config.engines.launcher.name());
                    print_batch_script(&what, &script, &path, &sbatch_env_line(&engine_env));
                }
            }
        }
        Ok(())
    }
}

/// `--dry-run`'s environment of an `sbatch` command: inside a Slurm job, a comment naming the
/// job's variables rcluster leaves out and `env -u` for each, so the line runs as rcluster would.
fn dry_run_sbatch_env(removed: &[String], env: &str) -> String {
    if removed.is_empty() {
        return env.to_string();
    }
    let unset: Vec<String> = removed.iter().map(|name| format!("-u {name}")).collect();
    format!(
        "# inside Slurm job {}: sbatch runs without the job's own variables {}\nenv {} {env}",
        crate::slurm_env::outer_job_id().unwrap_or_default(),
        removed.join(" "),
        unset.join(" ")
    )
}

/// `--dry-run`'s view of one batch job: where the template came from, the script, the command.
fn print_batch_script(what: &str, script: &crate::batch::Script, path: &Path, env: &str) {
    println!("# {what} from {}: {}", script.source, path.display());
    print!("{}", script.text);
    if !script.text.ends_with('\n') {
        println!();
    }
    println!(
        "{env} sbatch --parsable {}",
        crate::shell::quote(&path.to_string_lossy())
    );
}

/// A batch job rcluster submitted.
#[derive(Debug)]
struct SubmittedJob {
    job_id: String,
    n: u32,
    output_file: PathBuf,
    template: String,
}

#[derive(Debug)]
enum ControllerRun {
    Process {
        launcher: &'static str,
        process: StartedProcess,
    },
    Job(SubmittedJob),
}

#[derive(Debug)]
enum EngineSetRun {
    Local(Vec<StartedProcess>),
    Mpi { process: StartedProcess, n: u32 },
    Job(SubmittedJob),
}

/// A start in progress: what has been started so far, so it can be saved or rolled back.
struct Launch<'a> {
    plan: Plan<'a>,
    controller: Option<ControllerRun>,
    engine_sets: Vec<(String, EngineSetRun)>,
    state: ClusterState,
    started_at: Instant,
    registered: connection::RegisteredCount,
    last_slurm_poll: Option<Instant>,
    slurm_states: std::collections::HashMap<String, slurm::JobInfo>,
    reported: String,
    /// Engines the controller must have registered before start returns.
    target: usize,
    /// `engines add`: the cluster file as it was, which new engine sets are added to.
    base: Option<(Value, ClusterState)>,
}

impl<'a> Launch<'a> {
    fn new(plan: Plan<'a>) -> Self {
        let state = ClusterState {
            version: 1,
            cluster_id: plan.cluster_id.clone(),
            rcluster_version: env!("CARGO_PKG_VERSION").to_string(),
            created: ids::unix_now(),
            host: process::hostname(),
            boot_id: process::boot_id(),
            requested: plan.n,
            processes: Vec::new(),
            jobs: Vec::new(),
            files: Vec::new(),
            slurm_env_removed: Vec::new(),
        };
        let target = plan.n as usize;
        Launch {
            plan,
            controller: None,
            engine_sets: Vec::new(),
            state,
            started_at: Instant::now(),
            registered: Default::default(),
            last_slurm_poll: None,
            slurm_states: Default::default(),
            reported: String::new(),
            target,
            base: None,
        }
    }

    fn profile(&self) -> &Profile {
        self.plan.profile
    }

    fn cluster_id(&self) -> &str {
        &self.plan.cluster_id
    }

    fn run(&mut self, no_wait: bool, timeout: Duration, printer: &Printer) -> Result<()> {
        let deadline = self.started_at + timeout;
        self.remove_stale_controller_files()?;
        self.start_controller(printer)?;
        // Engines start now and wait for the connection file rcluster publishes below.
        self.start_engines(EngineConnection::UrlFile, printer)?;
        let engine_info = self.wait_for_connection_files(deadline, timeout, printer)?;
        let url_file = self.plan.engine_url_file();
        crate::fsutil::write_atomic(&url_file, engine_info.as_bytes(), 0o600)?;
        if !no_wait {
            self.wait_for_engines(deadline, timeout, printer)?;
        }
        Ok(())
    }

    /// Connection files and the hub's engine file left by an earlier cluster of the same id
    /// would let engines connect to a dead controller, or count engines that are gone.
    fn remove_stale_controller_files(&self) -> Result<()> {
        let security = self.profile().security_dir();
        for path in [
            connection::connection_file(&security, self.cluster_id(), "client"),
            connection::connection_file(&security, self.cluster_id(), "engine"),
            connection::engine_state_file(&self.profile().log_dir(), self.cluster_id()),
            self.plan.engine_url_file(),
        ] {
            crate::fsutil::remove_inside(&self.profile().dir, &path)?;
        }
        Ok(())
    }

    fn record_process(&mut self, process: &StartedProcess, role: &str) {
        self.state.processes.push(ProcessRecord {
            pid: process.pid,
            start_time: process.start_time,
            role: role.into(),
        });
    }

    /// Renders and submits a batch script; records the job and the script.
    fn submit(
        &mut self,
        script: crate::batch::Script,
        path: PathBuf,
        env: &[(String, String)],
        role: &str,
        n: u32,
        output_file: PathBuf,
    ) -> Result<SubmittedJob> {
        crate::fsutil::write_atomic(&path, script.text.as_bytes(), 0o700)?;
        self.state.files.push(path.clone());
        if let Some(dir) = output_file.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        self.state.slurm_env_removed = crate::slurm_env::inherited_here();
        let job_id = slurm::submit(&path, env).with_context(|| {
            format!(
                "cannot submit the {role} job (script `{}`, {})",
                path.display(),
                script.source
            )
        })?;
        self.state.jobs.push(JobRecord {
            job_id: job_id.clone(),
            role: role.into(),
            script: Some(path),
        });
        Ok(SubmittedJob {
            job_id,
            n,
            output_file,
            template: script.template,
        })
    }

    fn start_controller(&mut self, printer: &Printer) -> Result<()> {
        let env = self.plan.env();
        let program: Vec<String> = self
            .plan
            .controller_program()
            .into_iter()
            .chain(self.plan.controller_program_args())
            .collect();
        let log = self.plan.controller_log();
        let run = match self.plan.config.controller.launcher {
            ControllerLauncher::Local => {
                let process = StartedProcess::spawn(&program, &env, log).with_context(|| {
                    format!(
                        "cannot start the controller with `{}`",
                        self.plan.python.display()
                    )
                })?;
                self.record_process(&process, "controller");
                printer.verbose(format!("controller pid {}", process.pid));
                ControllerRun::Process {
                    launcher: "local",
                    process,
                }
            }
            ControllerLauncher::Mpi => {
                let env = mpi::env(&self.plan.config.mpi, &env);
                let process = mpi::start(&self.plan.config.mpi, 1, &program, &env, &log)
                    .context("cannot start the controller with mpiexec")?;
                self.record_process(&process, "controller");
                ControllerRun::Process {
                    launcher: "mpi",
                    process,
                }
            }
            ControllerLauncher::Slurm => {
                let script = self.plan.controller_script(&env)?;
                let path = self.plan.script_path("controller");
                let job = self.submit(script, path, &env, "controller", 1, log)?;
                printer.status(format!("submitted controller job {}", job.job_id));
                ControllerRun::Job(job)
            }
        };
        self.controller = Some(run);
        self.save()
    }

    /// Asks Slurm about every job at most once per [`SLURM_POLL`]; a failing query leaves the
    /// last known states (the scheduler may be briefly unreachable).
    fn poll_slurm(&mut self, printer: &Printer) {
        if self.state.jobs.is_empty()
            || self
                .last_slurm_poll
                .is_some_and(|t| t.elapsed() < SLURM_POLL)
        {
            return;
        }
        self.last_slurm_poll = Some(Instant::now());
        let ids: Vec<String> = self.state.jobs.iter().map(|j| j.job_id.clone()).collect();
        match slurm::query(&ids) {
            Ok(states) => self.slurm_states = states,
            Err(err) => printer.verbose(format!(
                "cannot ask Slurm about the jobs (will retry): {err:#}"
            )),
        }
    }

    /// The first job that has ended, with its role and state.
    fn ended_job(&self) -> Option<(String, String, String)> {
        self.state.jobs.iter().find_map(|job| {
            let info = self.slurm_states.get(&job.job_id)?;
            (!info.is_active()).then(|| (job.role.clone(), job.job_id.clone(), info.describe()))
        })
    }

    fn job_output(&self, job_id: &str) -> Option<PathBuf> {
        if let Some(ControllerRun::Job(job)) = &self.controller
            && job.job_id == job_id
        {
            return Some(job.output_file.clone());
        }
        self.engine_sets.iter().find_map(|(_, set)| match set {
            EngineSetRun::Job(job) if job.job_id == job_id => Some(job.output_file.clone()),
            _ => None,
        })
    }

    /// Fails when a process or job of the cluster has ended while start still waits for it.
    fn check_alive(&mut self, printer: &Printer) -> Result<()> {
        check_interrupt()?;
        if let Some(ControllerRun::Process { process, .. }) = &mut self.controller
            && !process.running()
        {
            return Err(Failure::error(format!(
                "the controller exited before the cluster was ready{}",
                log_excerpt(&process.output_file)
            ))
            .hint(format!(
                "check that `{} -m ipyparallel.controller` works in this environment",
                self.plan.python.display()
            ))
            .into());
        }
        for (_, set) in &mut self.engine_sets {
            let dead = match set {
                EngineSetRun::Local(engines) => engines
                    .iter_mut()
                    .find_map(|e| (!e.running()).then_some(&*e)),
                EngineSetRun::Mpi { process, .. } => (!process.running()).then_some(&*process),
                EngineSetRun::Job(_) => None,
            };
            if let Some(dead) = dead {
                return Err(Failure::error(format!(
                    "engine process {} exited before registering{}",
                    dead.pid,
                    log_excerpt(&dead.output_file)
                ))
                .hint("check that ipyparallel's engine runs in this Python environment")
                .into());
            }
        }
        self.poll_slurm(printer);
        if let Some((role, job_id, state)) = self.ended_job() {
            let log = self
                .job_output(&job_id)
                .map(|p| log_excerpt(&p))
                .unwrap_or_default();
            return Err(Failure::error(format!(
                "the {role} job {job_id} ended ({state}) before the cluster was ready{log}"
            ))
            .hint(format!(
                "`sacct -j {job_id}` or the job's output file tells why it ended"
            ))
            .into());
        }
        Ok(())
    }

    /// One status line whenever what is being waited for changes.
    fn report(&mut self, printer: &Printer, what: String) {
        if what != self.reported {
            printer.progress(&what);
            self.reported = what;
        }
    }

    fn jobs_summary(&self) -> String {
        self.state
            .jobs
            .iter()
            .filter_map(|job| {
                let info = self.slurm_states.get(&job.job_id)?;
                Some(format!(
                    "{} job {} {}",
                    job.role,
                    job.job_id,
                    info.describe()
                ))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// Waits until the controller has written both connection files; returns the engine file.
    fn wait_for_connection_files(
        &mut self,
        deadline: Instant,
        timeout: Duration,
        printer: &Printer,
    ) -> Result<String> {
        let security = self.profile().security_dir();
        let engine_file = connection::connection_file(&security, self.cluster_id(), "engine");
        let client_file = connection::connection_file(&security, self.cluster_id(), "client");
        let mut delay = Duration::from_millis(10);
        loop {
            if let (Some(engine), Some(_)) = (
                connection::read_complete(&engine_file),
                connection::read_complete(&client_file),
            ) {
                return Ok(engine);
            }
            self.check_alive(printer)?;
            if !self.state.jobs.is_empty() {
                let summary = format!("waiting for the controller: {}", self.jobs_summary());
                self.report(printer, summary);
            }
            if Instant::now() >= deadline {
                let state = self.jobs_summary();
                let log = match &self.controller {
                    Some(ControllerRun::Process { process, .. }) => {
                        log_excerpt(&process.output_file)
                    }
                    _ => String::new(),
                };
                return Err(Failure::error(format!(
                    "the controller did not write its connection files within {:.0} s{}{log}",
                    timeout.as_secs_f64(),
                    if state.is_empty() {
                        String::new()
                    } else {
                        format!(" ({state})")
                    }
                ))
                .hint(controller_wait_hint(self.plan.config.controller.launcher))
                .into());
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(20));
        }
    }

    fn start_engines(&mut self, connection: EngineConnection, printer: &Printer) -> Result<()> {
        let (env, args) = self.plan.engine_env_and_args(connection);
        let program = self.plan.engine_program();
        for n in self.plan.set_sizes.clone() {
            let taken: Vec<String> = self.engine_sets.iter().map(|(id, _)| id.clone()).collect();
            let set_id = ids::new_engine_set_id(&taken);
            let result = self.start_engine_set(&set_id, n, &program, &args, &env, printer);
            self.save()?;
            result?;
        }
        Ok(())
    }

    fn start_engine_set(
        &mut self,
        set_id: &str,
        n: u32,
        program: &[String],
        args: &[String],
        env: &[(String, String)],
        printer: &Printer,
    ) -> Result<()> {
        let argv: Vec<String> = program.iter().chain(args).cloned().collect();
        match self.plan.config.engines.launcher {
            EngineLauncher::Local => {
                let (engines, result) = local::start_engines(
                    &argv,
                    env,
                    &self.plan.profile.log_dir(),
                    &self.plan.cluster_id,
                    set_id,
                    n,
                );
                for engine in &engines {
                    self.record_process(engine, "engines");
                }
                printer.verbose(format!("started {} local engines", engines.len()));
                self.engine_sets
                    .push((set_id.to_string(), EngineSetRun::Local(engines)));
                result.context("cannot start the engines")
            }
            EngineLauncher::Mpi => {
                let env = mpi::env(&self.plan.config.mpi, env);
                let log = self.plan.engines_log(set_id);
                let process = mpi::start(&self.plan.config.mpi, n, &argv, &env, &log)
                    .context("cannot start the engines with mpiexec")?;
                self.record_process(&process, "engines");
                printer.verbose(format!("mpiexec pid {} for {n} engines", process.pid));
                self.engine_sets
                    .push((set_id.to_string(), EngineSetRun::Mpi { process, n }));
                Ok(())
            }
            EngineLauncher::Slurm | EngineLauncher::SlurmMpi => {
                let script = self.plan.engine_script(n, set_id, env, args)?;
                let path = self.plan.script_path(&format!("engines-{set_id}"));
                let log = self.plan.engines_log(set_id);
                let job = self.submit(script, path, env, "engines", n, log)?;
                printer.status(format!("submitted engine job {} ({n} engines)", job.job_id));
                self.engine_sets
                    .push((set_id.to_string(), EngineSetRun::Job(job)));
                Ok(())
            }
        }
    }

    fn wait_for_engines(
        &mut self,
        deadline: Instant,
        timeout: Duration,
        printer: &Printer,
    ) -> Result<()> {
        let log_dir = self.profile().log_dir();
        let n = self.target;
        let mut delay = Duration::from_millis(10);
        loop {
            let registered = self.registered.observe(connection::registered_engines(
                &log_dir,
                &self.plan.cluster_id,
            ));
            if registered >= n {
                return Ok(());
            }
            self.check_alive(printer)?;
            let jobs = self.jobs_summary();
            let line = if jobs.is_empty() {
                format!("engines {registered}/{n} registered")
            } else {
                format!("engines {registered}/{n} registered · {jobs}")
            };
            // Local engines register in about a second: a log or notebook gets no line for each,
            // unless asked (-v); a terminal gets the live line.
            if self.state.jobs.is_empty() && !printer.live && printer.verbose == 0 {
                self.reported = line;
            } else {
                self.report(printer, line);
            }
            if Instant::now() >= deadline {
                return Err(Failure::error(format!(
                    "only {registered} of {n} engines registered within {:.0} s{}",
                    timeout.as_secs_f64(),
                    if jobs.is_empty() {
                        String::new()
                    } else {
                        format!(" ({jobs})")
                    }
                ))
                .hint("raise `--timeout`, or use `--no-wait` and check `rcluster list` later")
                .into());
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(20));
        }
    }

    /// Writes the cluster file (Python's keys only) and rcluster's state file.
    fn save(&self) -> Result<()> {
        let security = self.profile().security_dir();
        let profile_dir = self.profile().dir.to_string_lossy().into_owned();
        let cid = self.cluster_id();
        let header = ClusterHeader {
            cluster_id: cid,
            profile_dir: &profile_dir,
            n: self.plan.n,
            controller_ip: &self.plan.controller_ip,
            controller_location: &self.plan.controller_location,
            controller_args: &self.plan.controller_args,
        };
        let batch = |job: &SubmittedJob| {
            BatchState {
                batch_template: &job.template,
                cluster_id: cid,
                job_id: &job.job_id,
                n: job.n,
                output_file: &job.output_file.to_string_lossy(),
                profile_dir: &profile_dir,
                queue: self.plan.config.slurm.partition.as_deref().unwrap_or(""),
            }
            .to_json()
        };
        let controller = self.controller.as_ref().map(|run| match run {
            ControllerRun::Process { launcher, process } => (
                *launcher,
                cluster_file::process_state(
                    cid,
                    &profile_dir,
                    process.pid,
                    &process.output_str(),
                    None,
                ),
            ),
            ControllerRun::Job(job) => ("slurm", batch(job)),
        });
        let sets: Vec<(String, Value)> = self
            .engine_sets
            .iter()
            .map(|(id, set)| {
                let state = match set {
                    EngineSetRun::Local(engines) => {
                        let list: Vec<(i32, String)> =
                            engines.iter().map(|e| (e.pid, e.output_str())).collect();
                        cluster_file::local_engine_set_state(cid, &profile_dir, &list)
                    }
                    EngineSetRun::Mpi { process, n } => cluster_file::process_state(
                        cid,
                        &profile_dir,
                        process.pid,
                        &process.output_str(),
                        Some(*n),
                    ),
                    EngineSetRun::Job(job) => batch(job),
                };
                (id.clone(), state)
            })
            .collect();
        let engine_class = match self.plan.config.engines.launcher {
            EngineLauncher::Local => "local",
            EngineLauncher::Mpi => "mpi",
            EngineLauncher::Slurm | EngineLauncher::SlurmMpi => "slurm",
        };
        let doc = match &self.base {
            None => cluster_file::document(header.to_json(), controller, engine_class, sets),
            Some((base, _)) => {
                let mut doc = base.clone();
                let requested = doc["cluster"]["n"].as_u64().unwrap_or(0)
                    + self.engine_sets.len().min(1) as u64 * u64::from(self.plan.n);
                doc["cluster"]["n"] = Value::from(requested);
                doc["engines"]["class"] = Value::from(engine_class);
                if !doc["engines"]["sets"].is_object() {
                    doc["engines"]["sets"] = Value::Object(Default::default());
                }
                for (id, state) in sets {
                    doc["engines"]["sets"][id] = state;
                }
                doc
            }
        };
        self.state.write(&state::path(&security, cid))?;
        crate::fsutil::write_atomic(
            &cluster_file::path(&security, cid),
            doc.to_string().as_bytes(),
            0o600,
        )
    }

    /// Stops everything started and removes the cluster's files, keeping the logs to read.
    fn rollback(&mut self, printer: &Printer) {
        let mut pids: Vec<i32> = Vec::new();
        if let Some(ControllerRun::Process { process, .. }) = &self.controller {
            pids.push(process.pid);
        }
        for (_, set) in &self.engine_sets {
            match set {
                EngineSetRun::Local(engines) => pids.extend(engines.iter().map(|e| e.pid)),
                EngineSetRun::Mpi { process, .. } => pids.push(process.pid),
                EngineSetRun::Job(_) => {}
            }
        }
        let children = process::descendants(&pids);
        let outcome = process::terminate(&pids, Duration::from_secs(3));
        let orphans: Vec<i32> = children
            .iter()
            .filter(|(pid, start)| {
                process::is_alive(*pid) && process::start_time(*pid) == Some(*start)
            })
            .map(|(pid, _)| *pid)
            .collect();
        let orphans = process::terminate(&orphans, Duration::from_secs(2));
        for (pid, why) in outcome.survivors.into_iter().chain(orphans.survivors) {
            printer.warn(format!("pid {pid} could not be stopped: {why}"));
        }
        // Reap our children so they do not linger as zombies while we exit.
        let mut reap = |p: &mut StartedProcess| {
            if let Some(child) = &mut p.child {
                let _ = child.try_wait();
            }
        };
        if let Some(ControllerRun::Process { process, .. }) = &mut self.controller {
            reap(process);
        }
        for (_, set) in &mut self.engine_sets {
            match set {
                EngineSetRun::Local(engines) => engines.iter_mut().for_each(&mut reap),
                EngineSetRun::Mpi { process, .. } => reap(process),
                EngineSetRun::Job(_) => {}
            }
        }
        let jobs: Vec<String> = self.state.jobs.iter().map(|j| j.job_id.clone()).collect();
        let mut keep_record = false;
        if !jobs.is_empty() {
            // As `stop` ends them: the engines exit gracefully and fast, and no job is recorded
            // FAILED because its batch shell ended on its own once its steps were signalled.
            let cancelled = slurm::LiveJobs::query(&jobs)
                .and_then(|live| live.end(Duration::from_secs(3)))
                .and_then(|()| slurm::wait_ended(&jobs, Duration::from_secs(30)));
            match cancelled {
                Ok(left) if left.is_empty() => {}
                Ok(left) => {
                    printer.warn(format!(
                        "jobs {} still end; `rcluster stop` finishes the cleanup",
                        left.join(", ")
                    ));
                    keep_record = true;
                }
                Err(err) => {
                    printer.warn(format!("cannot cancel jobs {}: {err:#}", jobs.join(", ")));
                    keep_record = true;
                }
            }
        }
        if keep_record {
            // The cluster file and our record stay, so `rcluster stop` can finish the job.
            return;
        }
        if let Some((doc, state)) = &self.base {
            // `engines add`: the cluster goes on as it was before.
            let security = self.profile().security_dir();
            let cid = self.cluster_id();
            let _ = state.write(&state::path(&security, cid));
            let _ = crate::fsutil::write_atomic(
                &cluster_file::path(&security, cid),
                doc.to_string().as_bytes(),
                0o600,
            );
            for path in self.state.files.iter().filter(|f| !state.files.contains(f)) {
                let _ = crate::fsutil::remove_inside(&self.profile().dir, path);
            }
            return;
        }
        let swept = process::sweep_cluster_env(
            &self.profile().dir,
            self.cluster_id(),
            Duration::from_secs(2),
        );
        for (pid, why) in swept.survivors {
            printer.warn(format!("pid {pid} could not be stopped: {why}"));
        }
        let security = self.profile().security_dir();
        let cid = self.cluster_id().to_string();
        let mut files = vec![
            cluster_file::path(&security, &cid),
            state::path(&security, &cid),
            connection::connection_file(&security, &cid, "client"),
            connection::connection_file(&security, &cid, "engine"),
            connection::engine_url_file(&security, &cid),
            connection::engine_state_file(&self.profile().log_dir(), &cid),
        ];
        files.extend(self.state.files.iter().cloned());
        for path in files {
            let _ = crate::fsutil::remove_inside(&self.profile().dir, &path);
        }
    }

    fn print_summary(&self, no_wait: bool, printer: &Printer) {
        let id = self.cluster_id();
        let n = self.plan.n;
        let elapsed = self.started_at.elapsed().as_secs_f64();
        let engines = if no_wait {
            format!("{n} engines launched")
        } else {
            format!(
                "{}/{n} engines registered",
                self.registered.get().min(n as usize)
            )
        };
        let jobs = if self.state.jobs.is_empty() {
            String::new()
        } else {
            let ids: Vec<&str> = self.state.jobs.iter().map(|j| j.job_id.as_str()).collect();
            format!(" (Slurm jobs {})", ids.join(", "))
        };
        printer.status(format!(
            "started cluster `{}` in profile `{}`: {engines} in {elapsed:.1} s{jobs}",
            display_id(id),
            self.profile().label(),
        ));
        if printer.quiet {
            println!("{id}");
            return;
        }
        let profile = self.profile();
        let profile_arg = match &profile.name {
            Some(name) if profile.cli_args().starts_with("--profile ") => {
                format!("profile={name:?}")
            }
            _ => format!("profile_dir={:?}", profile.dir.to_string_lossy()),
        };
        println!("cluster id: {id}");
        println!("attach from Python:");
        println!("    import ipyparallel as ipp");
        println!("    rc = ipp.Client({profile_arg}, cluster_id={id:?})");
        println!(
            "stop with: rcluster stop {} --cluster-id {}",
            profile.cli_args(),
            crate::shell::quote(id)
        );
    }
}

/// What to do when the controller's connection files did not appear in time; only a Slurm
/// controller waits in a queue.
fn controller_wait_hint(launcher: ControllerLauncher) -> &'static str {
    match launcher {
        ControllerLauncher::Slurm => {
            "raise `--timeout`; a queued controller job starts when Slurm finds room for it"
        }
        ControllerLauncher::Local | ControllerLauncher::Mpi => {
            "raise `--timeout` if this machine is busy; otherwise the controller's log says why it did not start"
        }
    }
}

fn check_interrupt() -> Result<()> {
    if let Some(signal) = interrupt::received() {
        return Err(Failure::new(128 + signal as i32, format!("interrupted by {signal}")).into());
    }
    Ok(())
}

/// `; last lines of <log>:\n...` for error messages, or a note that the log is empty.
fn log_excerpt(log: &Path) -> String {
    let tail = process::log_tail(log, 25);
    if tail.trim().is_empty() {
        format!(" (its log `{}` is empty)", log.display())
    } else {
        format!("; last lines of `{}`:\n{tail}", log.display())
    }
}

/// `rcluster engines add`: a further engine set for a running cluster, written into its cluster
/// file next to the existing sets (unlike `ipcluster engines`, which replaces the file).
pub(crate) struct AddEngines<'a> {
    pub profile: &'a Profile,
    pub cluster: &'a inventory::Cluster,
    pub config: ProfileConfig,
    pub n: u32,
    pub vars: Vec<(String, String)>,
    pub no_wait: bool,
    pub timeout: Duration,
}

impl AddEngines<'_> {
    pub(crate) fn run(self, printer: &Printer) -> Result<()> {
        let id = self.cluster.cluster_id.clone();
        let shown = display_id(&id).to_string();
        let file = self.cluster.file.as_ref().ok_or_else(|| {
            Failure::error(format!(
                "cluster `{shown}` has no readable cluster file to add engines to"
            ))
        })?;
        let engine_file = connection::connection_file(&self.profile.security_dir(), &id, "engine");
        let engine_info = connection::read_complete(&engine_file).ok_or_else(|| {
            Failure::error(format!(
                "cluster `{shown}` has no controller connection file `{}`",
                engine_file.display()
            ))
            .hint("is its controller running? `rcluster status` shows it")
        })?;
        if self.cluster.health_with_jobs() == Health::Dead {
            return Err(Failure::error(format!("cluster `{shown}` is not running")).into());
        }
        let class = match self.config.engines.launcher {
            EngineLauncher::Local => "local",
            EngineLauncher::Mpi => "mpi",
            EngineLauncher::Slurm | EngineLauncher::SlurmMpi => "slurm",
        };
        if let Some(existing) = &file.engine_class
            && !file.engine_sets.is_empty()
            && existing != class
        {
            return Err(Failure::usage(format!(
                "cluster `{shown}` runs `{existing}` engines; ipyparallel's cluster file holds one engine launcher per cluster, so `{class}` engines cannot join it"
            ))
            .hint(format!("add `{existing}` engines, or start another cluster for `{class}` engines"))
            .into());
        }
        let text = std::fs::read_to_string(&file.path)
            .with_context(|| format!("cannot read `{}`", file.path.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .with_context(|| format!("invalid cluster file `{}`", file.path.display()))?;
        let python = resolve_python(&self.config.python)?;
        crate::python_env::require_supported_ipyparallel(&python, printer)?;
        let mut config = self.config;
        config.engines.n = Some(self.n);
        let mut plan = Plan::new(self.profile, id.clone(), config, python, self.vars)?;
        interrupt::install();
        if matches!(
            plan.config.engines.launcher,
            EngineLauncher::Mpi | EngineLauncher::SlurmMpi
        ) {
            // MPI engines ask for their rank as engine id; the hub grants it only if no
            // registration of a dead engine still holds it.
            wait_for_dead_engines_to_drop(self.profile, self.cluster, printer)?;
        }
        // Read as 0, a half-written file would let the wait end before any new engine came.
        let before = connection::registered_engines_settled(
            &self.profile.log_dir(),
            &id,
            SETTLE_PATIENCE,
        )
        .ok_or_else(|| {
            let path = connection::engine_state_file(&self.profile.log_dir(), &id);
            Failure::error(format!(
                "cannot count the engines of cluster `{shown}`: `{}` is not valid JSON",
                path.display()
            ))
            .hint("its controller rewrites it at each registration; try again, or check that the controller runs")
        })?;
        plan.set_timeout(self.timeout);
        let mut launch = Launch::new(plan);
        let base_state = match &self.cluster.state {
            Some(state) => state.clone(),
            None => launch.state.clone(),
        };
        launch.state = base_state.clone();
        launch.state.requested += self.n;
        launch.target = before + self.n as usize;
        launch.registered.observe(Some(before));
        launch.base = Some((doc, base_state));
        let timeout = self.timeout;
        let result = (|| {
            launch.start_engines(EngineConnection::Env(&engine_info), printer)?;
            if !self.no_wait {
                launch.wait_for_engines(launch.started_at + timeout, timeout, printer)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => {
                printer.status(format!(
                    "added {} engines to cluster `{shown}`{}",
                    self.n,
                    if self.no_wait {
                        String::new()
                    } else {
                        format!(": {} registered in all", launch.registered.get())
                    }
                ));
                Ok(())
            }
            Err(err) => {
                printer.status("adding engines failed; stopping the new engines");
                launch.rollback(printer);
                Err(err)
            }
        }
    }
}

/// How long a half-written engine-state file is read again before it counts as unreadable.
const SETTLE_PATIENCE: Duration = Duration::from_secs(2);

/// Waits until the hub no longer counts engines whose processes or jobs have ended: it drops
/// them after missed heartbeats (ten periods, about 5 s with rcluster's default period).
fn wait_for_dead_engines_to_drop(
    profile: &Profile,
    cluster: &inventory::Cluster,
    printer: &Printer,
) -> Result<()> {
    let jobs: Vec<String> = cluster.jobs().into_iter().map(|(_, id)| id).collect();
    let job_states = if jobs.is_empty() {
        Default::default()
    } else {
        slurm::query(&jobs)?
    };
    let live: u64 = cluster
        .pieces()
        .iter()
        .filter(|p| p.role == inventory::Role::Engines)
        .filter(|p| {
            let process_up = p
                .processes
                .iter()
                .any(|proc| proc.check == inventory::ProcessCheck::Running);
            let job_up = p
                .job_id
                .as_ref()
                .is_some_and(|id| job_states.get(id).is_some_and(slurm::JobInfo::is_active));
            process_up || job_up
        })
        .map(|p| p.n)
        .sum();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut shown = None;
    loop {
        check_interrupt()?;
        // Unreadable for good, the file cannot tell: nothing to wait for.
        let registered = connection::registered_engines_settled(
            &profile.log_dir(),
            &cluster.cluster_id,
            SETTLE_PATIENCE,
        )
        .unwrap_or(0) as u64;
        if registered <= live {
            return Ok(());
        }
        if Instant::now() >= deadline {
            printer.warn(format!(
                "the controller still counts {} engines that have ended; new engine ids may not match MPI ranks",
                registered - live
            ));
            return Ok(());
        }
        if shown != Some(registered) {
            printer.progress(&format!(
                "waiting for the controller to drop {} ended engines",
                registered - live
            ));
            shown = Some(registered);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
