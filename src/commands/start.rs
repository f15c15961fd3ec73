//! `rcluster start`: controller, then engines, then (by default) wait until the controller has
//! registered them all. Any failure on the way stops what was started.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::cli::{GlobalArgs, StartArgs};
use crate::cluster_file::{self, ClusterHeader};
use crate::connection;
use crate::error::{EXIT_ALREADY_RUNNING, Failure};
use crate::ids;
use crate::interrupt;
use crate::inventory::{self, Health};
use crate::launcher::{self, StartedProcess, local};
use crate::lock::Lock;
use crate::output::Printer;
use crate::process;
use crate::profile::{Profile, check_name};
use crate::settings::{ControllerLauncher, EngineLauncher, ProfileConfig, resolve_python};
use crate::state::{self, ClusterState, ProcessRecord};

/// Default heartbeat period (`ipcontroller --ping`), in ms. ipyparallel's 3000 ms makes engines
/// wait one or two periods (about 6 s) to register; 500 ms brings that near 1 s (interop §7).
pub const DEFAULT_HEARTBEAT_MS: u64 = 500;

pub fn run(global: &GlobalArgs, args: &StartArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    if profile.name.as_deref() == Some("default") && global.profile_dir.is_none() {
        // IPython always creates profile_default; so does rcluster.
        profile.ensure_layout()?;
    } else {
        profile.require()?;
    }
    profile.ensure_layout()?;
    let mut config = profile.load_config()?;
    apply_overrides(&mut config, args)?;

    let cluster_id = match &args.cluster_id {
        Some(id) if id.is_empty() => String::new(),
        Some(id) => {
            check_name("cluster id", id)?;
            id.clone()
        }
        None => ids::new_cluster_id(),
    };
    let n = match config.engines.n {
        Some(0) => return Err(Failure::usage("the number of engines must be at least 1").into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
    };
    let timeout = Duration::try_from_secs_f64(args.timeout).map_err(|_| {
        Failure::usage(format!(
            "invalid --timeout `{}`: give seconds, e.g. 60",
            args.timeout
        ))
    })?;

    let _lock = Lock::acquire(&profile.security_dir(), &cluster_id)?;
    refuse_if_running(&profile, &cluster_id, &printer)?;
    let python = resolve_python(&config.python)?;

    interrupt::install();
    let mut launch = Launch::new(&profile, cluster_id, n, config, python);
    let result = launch.run(args.no_wait, timeout, &printer);
    match result {
        Ok(()) => {
            launch.print_summary(args.no_wait, &printer);
            Ok(())
        }
        Err(err) => {
            printer.status("start failed; stopping what was started");
            launch.rollback();
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
    config
        .controller
        .args
        .extend(args.controller_args.iter().cloned());
    if config.controller.launcher != ControllerLauncher::Local {
        return Err(Failure::usage(format!(
            "the `{}` controller launcher is not available yet",
            config.controller.launcher.name()
        ))
        .hint("use `--controller local`")
        .into());
    }
    if config.engines.launcher != EngineLauncher::Local {
        return Err(Failure::usage(format!(
            "the `{}` engine launcher is not available yet",
            config.engines.launcher.name()
        ))
        .hint("use `--engines local`")
        .into());
    }
    Ok(())
}

/// Exit 10 if the cluster runs; clean up its files if it is provably dead.
fn refuse_if_running(profile: &Profile, cluster_id: &str, printer: &Printer) -> Result<()> {
    let Some(existing) = inventory::Cluster::load(profile, cluster_id)? else {
        return Ok(());
    };
    match existing.health() {
        Health::Dead => {
            printer.verbose(format!("removing the files of dead cluster `{cluster_id}`"));
            for file in existing.files(false) {
                crate::fsutil::remove_inside(&profile.dir, &file)?;
            }
            Ok(())
        }
        health => Err(Failure::new(
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
        .into()),
    }
}

pub fn display_id(cluster_id: &str) -> &str {
    if cluster_id.is_empty() {
        "''"
    } else {
        cluster_id
    }
}

/// A start in progress: what has been started so far, so it can be saved or rolled back.
struct Launch<'a> {
    profile: &'a Profile,
    cluster_id: String,
    n: u32,
    config: ProfileConfig,
    python: PathBuf,
    controller_args: Vec<String>,
    controller: Option<StartedProcess>,
    engine_sets: Vec<(String, Vec<StartedProcess>)>,
    state: ClusterState,
    started_at: Instant,
    registered: usize,
}

impl<'a> Launch<'a> {
    fn new(
        profile: &'a Profile,
        cluster_id: String,
        n: u32,
        config: ProfileConfig,
        python: PathBuf,
    ) -> Self {
        let mut controller_args = Vec::new();
        let heartbeat = config
            .controller
            .heartbeat_ms
            .unwrap_or(DEFAULT_HEARTBEAT_MS);
        controller_args.push(format!("--ping={heartbeat}"));
        controller_args.extend(config.controller.args.iter().cloned());
        let state = ClusterState {
            version: 1,
            cluster_id: cluster_id.clone(),
            rcluster_version: env!("CARGO_PKG_VERSION").to_string(),
            created: ids::unix_now(),
            host: process::hostname(),
            boot_id: process::boot_id(),
            requested: n,
            processes: Vec::new(),
            jobs: Vec::new(),
            files: Vec::new(),
        };
        Launch {
            profile,
            cluster_id,
            n,
            config,
            python,
            controller_args,
            controller: None,
            engine_sets: Vec::new(),
            state,
            started_at: Instant::now(),
            registered: 0,
        }
    }

    fn security(&self) -> PathBuf {
        self.profile.security_dir()
    }

    fn run(&mut self, no_wait: bool, timeout: Duration, printer: &Printer) -> Result<()> {
        let deadline = self.started_at + timeout;
        self.remove_stale_controller_files()?;
        self.start_controller(printer)?;
        let engine_info = self.wait_for_connection_files(deadline)?;
        self.start_engines(&engine_info, printer)?;
        if !no_wait {
            self.wait_for_engines(deadline, timeout, printer)?;
        }
        Ok(())
    }

    /// Connection files and the hub's engine file left by an earlier cluster of the same id
    /// would let engines connect to a dead controller, or count engines that are gone.
    fn remove_stale_controller_files(&self) -> Result<()> {
        let security = self.security();
        for path in [
            connection::connection_file(&security, &self.cluster_id, "client"),
            connection::connection_file(&security, &self.cluster_id, "engine"),
            connection::engine_state_file(&self.profile.log_dir(), &self.cluster_id),
        ] {
            crate::fsutil::remove_inside(&self.profile.dir, &path)?;
        }
        Ok(())
    }

    fn env(&self) -> Vec<(String, String)> {
        launcher::cluster_env(&self.profile.dir, &self.cluster_id)
    }

    fn controller_argv_extra(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(ip) = &self.config.controller.ip {
            args.push(format!("--ip={ip}"));
        }
        if let Some(location) = &self.config.controller.location {
            args.push(format!("--location={location}"));
        }
        args.extend(self.controller_args.iter().cloned());
        args
    }

    fn start_controller(&mut self, printer: &Printer) -> Result<()> {
        let args = self.controller_argv_extra();
        let process = local::start_controller(
            &self.python,
            &args,
            &self.env(),
            &self.profile.log_dir(),
            &self.cluster_id,
        )
        .with_context(|| {
            format!(
                "cannot start the controller with `{}`",
                self.python.display()
            )
        })?;
        printer.verbose(format!(
            "controller pid {} (log `{}`)",
            process.pid,
            process.output_file.display()
        ));
        self.state.processes.push(ProcessRecord {
            pid: process.pid,
            start_time: process.start_time,
            role: "controller".into(),
        });
        self.controller = Some(process);
        self.save()
    }

    /// Waits until the controller has written both connection files; returns the engine file.
    fn wait_for_connection_files(&mut self, deadline: Instant) -> Result<String> {
        let security = self.security();
        let engine_file = connection::connection_file(&security, &self.cluster_id, "engine");
        let client_file = connection::connection_file(&security, &self.cluster_id, "client");
        let mut delay = Duration::from_millis(10);
        loop {
            check_interrupt()?;
            if let (Some(engine), Some(_)) = (
                connection::read_complete(&engine_file),
                connection::read_complete(&client_file),
            ) {
                return Ok(engine);
            }
            let controller = self.controller.as_mut().context("no controller")?;
            if !controller.running() {
                return Err(Failure::error(format!(
                    "the controller exited before writing its connection files{}",
                    log_excerpt(&controller.output_file)
                ))
                .hint(format!(
                    "check that `{} -m ipyparallel.controller` works in this environment",
                    self.python.display()
                ))
                .into());
            }
            if Instant::now() >= deadline {
                return Err(Failure::error(format!(
                    "the controller did not write `{}` in time{}",
                    engine_file.display(),
                    log_excerpt(&controller.output_file)
                ))
                .hint("raise `--timeout`")
                .into());
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(50));
        }
    }

    fn start_engines(&mut self, engine_info: &str, printer: &Printer) -> Result<()> {
        let taken: Vec<String> = self.engine_sets.iter().map(|(id, _)| id.clone()).collect();
        let set_id = ids::new_engine_set_id(&taken);
        let mut env = self.env();
        // As ipp.Cluster does: engines get the connection info directly and never read a file
        // that might be stale.
        env.push(("IPP_CONNECTION_INFO".into(), engine_info.to_string()));
        let (engines, result) = local::start_engines(
            &self.python,
            &self.config.engines.args,
            &env,
            &self.profile.log_dir(),
            &self.cluster_id,
            &set_id,
            self.n,
        );
        printer.verbose(format!("started {} engines", engines.len()));
        for engine in &engines {
            self.state.processes.push(ProcessRecord {
                pid: engine.pid,
                start_time: engine.start_time,
                role: "engines".into(),
            });
        }
        self.engine_sets.push((set_id, engines));
        self.save()?;
        result.context("cannot start the engines")
    }

    fn wait_for_engines(
        &mut self,
        deadline: Instant,
        timeout: Duration,
        printer: &Printer,
    ) -> Result<()> {
        let log_dir = self.profile.log_dir();
        let mut delay = Duration::from_millis(10);
        let mut last_reported = usize::MAX;
        loop {
            check_interrupt()?;
            let registered =
                connection::registered_engines(&log_dir, &self.cluster_id).unwrap_or(0);
            self.registered = registered;
            if registered != last_reported {
                printer.verbose(format!("engines {registered}/{} registered", self.n));
                last_reported = registered;
            }
            if registered >= self.n as usize {
                return Ok(());
            }
            let controller = self.controller.as_mut().context("no controller")?;
            if !controller.running() {
                return Err(Failure::error(format!(
                    "the controller exited while engines were registering{}",
                    log_excerpt(&controller.output_file)
                ))
                .into());
            }
            for (_, engines) in &mut self.engine_sets {
                if let Some(dead) = engines.iter_mut().find_map(|e| (!e.running()).then_some(e)) {
                    return Err(Failure::error(format!(
                        "engine pid {} exited before registering{}",
                        dead.pid,
                        log_excerpt(&dead.output_file)
                    ))
                    .hint("check that ipyparallel's engine runs in this Python environment")
                    .into());
                }
            }
            if Instant::now() >= deadline {
                return Err(Failure::error(format!(
                    "only {registered} of {} engines registered within {:.0} s",
                    self.n,
                    timeout.as_secs_f64()
                ))
                .hint("raise `--timeout`, or use `--no-wait` and check `rcluster list` later")
                .into());
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(50));
        }
    }

    /// Writes the cluster file (Python's keys only) and rcluster's state file.
    fn save(&self) -> Result<()> {
        let security = self.security();
        let profile_dir = self.profile.dir.to_string_lossy().into_owned();
        let header = ClusterHeader {
            cluster_id: &self.cluster_id,
            profile_dir: &profile_dir,
            n: self.n,
            controller_ip: self.config.controller.ip.as_deref().unwrap_or(""),
            controller_location: self.config.controller.location.as_deref().unwrap_or(""),
            controller_args: &self.controller_args,
        };
        let controller = self.controller.as_ref().map(|c| {
            (
                "local",
                cluster_file::process_state(
                    &self.cluster_id,
                    &profile_dir,
                    c.pid,
                    &c.output_str(),
                    None,
                ),
            )
        });
        let sets: Vec<(String, Value)> = self
            .engine_sets
            .iter()
            .map(|(id, engines)| {
                let list: Vec<(i32, String)> =
                    engines.iter().map(|e| (e.pid, e.output_str())).collect();
                (
                    id.clone(),
                    cluster_file::local_engine_set_state(&self.cluster_id, &profile_dir, &list),
                )
            })
            .collect();
        let doc = cluster_file::document(header.to_json(), controller, "local", sets);
        self.state
            .write(&state::path(&security, &self.cluster_id))?;
        crate::fsutil::write_atomic(
            &cluster_file::path(&security, &self.cluster_id),
            doc.to_string().as_bytes(),
            0o600,
        )
    }

    /// Stops everything started and removes the cluster's files, keeping the logs to read.
    fn rollback(&mut self) {
        let pids: Vec<i32> = self
            .controller
            .iter()
            .map(|c| c.pid)
            .chain(
                self.engine_sets
                    .iter()
                    .flat_map(|(_, e)| e.iter().map(|p| p.pid)),
            )
            .collect();
        let outcome = process::terminate(&pids, Duration::from_secs(3));
        for (pid, why) in outcome.survivors {
            eprintln!("warning: pid {pid} could not be stopped: {why}");
        }
        // Reap our children so they do not linger as zombies while we exit.
        for process in self
            .controller
            .iter_mut()
            .chain(self.engine_sets.iter_mut().flat_map(|(_, e)| e.iter_mut()))
        {
            if let Some(child) = &mut process.child {
                let _ = child.try_wait();
            }
        }
        let security = self.security();
        for path in [
            cluster_file::path(&security, &self.cluster_id),
            state::path(&security, &self.cluster_id),
            connection::connection_file(&security, &self.cluster_id, "client"),
            connection::connection_file(&security, &self.cluster_id, "engine"),
            connection::engine_state_file(&self.profile.log_dir(), &self.cluster_id),
        ] {
            let _ = crate::fsutil::remove_inside(&self.profile.dir, &path);
        }
    }

    fn print_summary(&self, no_wait: bool, printer: &Printer) {
        let id = &self.cluster_id;
        let elapsed = self.started_at.elapsed().as_secs_f64();
        let engines = if no_wait {
            format!("{} engines launched", self.n)
        } else {
            format!(
                "{}/{} engines registered",
                self.registered.min(self.n as usize),
                self.n
            )
        };
        printer.status(format!(
            "started cluster `{}` in profile `{}`: {engines} in {elapsed:.1} s",
            display_id(id),
            self.profile.label()
        ));
        if printer.quiet {
            println!("{id}");
            return;
        }
        let profile_arg = match &self.profile.name {
            Some(name) if self.profile.cli_args().starts_with("--profile ") => {
                format!("profile={name:?}")
            }
            _ => format!("profile_dir={:?}", self.profile.dir.to_string_lossy()),
        };
        println!("cluster id: {id}");
        println!("attach from Python:");
        println!("    import ipyparallel as ipp");
        println!("    rc = ipp.Client({profile_arg}, cluster_id={id:?})");
        println!(
            "stop with: rcluster stop {} --cluster-id {}",
            self.profile.cli_args(),
            crate::shell::quote(id)
        );
    }
}

fn check_interrupt() -> Result<()> {
    if let Some(signal) = interrupt::received() {
        return Err(Failure::new(128 + signal as i32, format!("interrupted by {signal}")).into());
    }
    Ok(())
}

/// `:\n<last lines of the log>` for error messages, or nothing when the log is empty.
fn log_excerpt(log: &Path) -> String {
    let tail = process::log_tail(log, 15);
    if tail.trim().is_empty() {
        format!(" (its log `{}` is empty)", log.display())
    } else {
        format!("; last lines of `{}`:\n{tail}", log.display())
    }
}
