//! A start in progress: drives the launchers the plan names, waits for the controller's
//! connection files and the engines' registrations, reports progress, and records what runs in
//! the cluster file and rcluster's state file. On failure, [`Launch::rollback`] stops it all.

mod add;
mod rollback;

pub use add::AddEngines;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::Value;

use crate::cluster_file::{self, ClusterHeader};
use crate::connection;
use crate::error::Failure;
use crate::ids;
use crate::interrupt;
use crate::launcher::{JobStates, Jobs, Launched, Phase, RemoteHost, check_hosts, read_on};
use crate::output::Printer;
use crate::plan::{EngineConnection, Plan};
use crate::process;
use crate::profile::Profile;
use crate::state::{self, ClusterState, JobRecord, ProcessRecord};

/// How often the scheduler is asked about the cluster's jobs while start waits.
const JOB_POLL: Duration = Duration::from_secs(1);

/// How often the hosts of remote engines are asked whether they still run while start waits (a
/// connection per host each time).
const REMOTE_POLL: Duration = Duration::from_secs(3);

/// A start in progress: what has been started so far, so it can be saved or rolled back.
pub struct Launch<'a> {
    pub plan: Plan<'a>,
    controller: Option<Launched>,
    engine_sets: Vec<(String, Launched)>,
    pub state: ClusterState,
    pub started_at: Instant,
    /// Engines registered when last counted.
    pub registered: connection::RegisteredCount,
    last_job_poll: Option<Instant>,
    job_states: JobStates,
    /// When the engines on other hosts were last asked whether they still run.
    last_remote_check: Option<Instant>,
    reported: String,
    /// Engines the controller must have registered before start returns.
    target: usize,
    /// `engines add`: the cluster file as it was, which new engine sets are added to.
    base: Option<(Value, ClusterState)>,
}

impl<'a> Launch<'a> {
    pub fn new(plan: Plan<'a>) -> Self {
        // Before anything starts, so that every process of the cluster inherits it.
        crate::process::raise_open_files_limit();
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
            env_removed: Vec::new(),
            remote: Vec::new(),
        };
        let target = plan.n as usize;
        Launch {
            plan,
            controller: None,
            engine_sets: Vec::new(),
            state,
            started_at: Instant::now(),
            registered: Default::default(),
            last_job_poll: None,
            job_states: Default::default(),
            last_remote_check: None,
            reported: String::new(),
            target,
            base: None,
        }
    }

    pub fn profile(&self) -> &Profile {
        self.plan.profile
    }

    pub fn cluster_id(&self) -> &str {
        &self.plan.cluster_id
    }

    /// The recorded jobs, for messages.
    pub fn jobs(&self) -> Jobs {
        Jobs(self.state.jobs.iter().map(JobRecord::job).collect())
    }

    /// Controller, then engines, then (unless `no_wait`) every engine registered.
    pub fn run(&mut self, no_wait: bool, timeout: Duration, printer: &Printer) -> Result<()> {
        let deadline = self.started_at + timeout;
        self.remove_stale_controller_files()?;
        self.check_scripts()?;
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

    /// Renders every batch script before anything is submitted, so that a template error (a
    /// typo, an unknown variable) fails the start with nothing to roll back, rather than after
    /// the controller's job was already queued.
    fn check_scripts(&self) -> Result<()> {
        let spec = self.plan.controller_spec();
        if let Some(script) = self.plan.controller_backend().script(&spec) {
            script?;
        }
        let (env, args) = self.plan.engine_env_and_args(EngineConnection::UrlFile);
        let program = self.plan.engine_program();
        let backend = self.plan.engine_backend();
        let mut sizes = self.plan.set_sizes.clone();
        sizes.dedup();
        for n in sizes {
            let spec = self.plan.engine_set_spec("0", n, &program, &args, &env);
            if let Some(script) = backend.script(&spec) {
                script?;
            }
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

    /// Copies what a launcher started into rcluster's state record.
    fn record(&mut self, launched: &Launched, role: &str, set: Option<&str>) {
        for process in launched.all() {
            self.state.processes.push(ProcessRecord {
                pid: process.pid,
                start_time: process.start_time,
                role: role.into(),
                set: set.map(str::to_string),
            });
        }
        self.state.files.extend(launched.files.iter().cloned());
        self.state.remote.extend(launched.remote.iter().cloned());
        if let Some(job) = &launched.job {
            self.state.env_removed = job.scheduler.env_removed();
            self.state.jobs.push(JobRecord {
                job_id: job.job_id.clone(),
                role: role.into(),
                script: Some(job.script.clone()),
                scheduler: job.scheduler.name().to_string(),
            });
        }
    }

    fn start_controller(&mut self, printer: &Printer) -> Result<()> {
        let backend = self.plan.controller_backend();
        let spec = self.plan.controller_spec();
        let mut launched = Launched::new(backend.class(), backend.layout());
        let result = backend.start(&spec, &mut launched, printer);
        self.record(&launched, "controller", None);
        if !launched.is_empty() {
            self.controller = Some(launched);
        }
        result?;
        self.save()
    }

    fn start_engines(&mut self, connection: EngineConnection, printer: &Printer) -> Result<()> {
        let (env, args) = self.plan.engine_env_and_args(connection);
        let program = self.plan.engine_program();
        let backend = self.plan.engine_backend();
        for n in self.plan.set_sizes.clone() {
            // The running cluster's sets too (`engines add`): ids are the second they were made
            // in, and a set added within the start's second must not replace the first.
            let mut taken: Vec<String> =
                self.engine_sets.iter().map(|(id, _)| id.clone()).collect();
            if let Some(sets) = self
                .base
                .as_ref()
                .and_then(|(doc, _)| doc["engines"]["sets"].as_object())
            {
                taken.extend(sets.keys().cloned());
            }
            let set_id = ids::new_engine_set_id(&taken);
            let spec = self.plan.engine_set_spec(&set_id, n, &program, &args, &env);
            let mut launched = Launched::new(backend.class(), backend.layout(n));
            let result = backend.start(&spec, &mut launched, printer);
            self.record(&launched, "engines", Some(&set_id));
            if !launched.is_empty() {
                self.engine_sets.push((set_id, launched));
            }
            self.save()?;
            result?;
        }
        Ok(())
    }

    /// Asks the schedulers about every job at most once per [`JOB_POLL`]; a failing query
    /// leaves the last known states (the scheduler may be briefly unreachable).
    fn poll_jobs(&mut self, printer: &Printer) {
        if self.state.jobs.is_empty() || self.last_job_poll.is_some_and(|t| t.elapsed() < JOB_POLL)
        {
            return;
        }
        self.last_job_poll = Some(Instant::now());
        let jobs = self.jobs();
        match jobs.query() {
            Ok(states) => self.job_states = states,
            Err(err) => printer.verbose(format!(
                "cannot ask {} about the jobs (will retry): {err:#}",
                jobs.display_name()
            )),
        }
    }

    /// The first job that has ended (or can never run), with its role and state.
    fn ended_job(&self) -> Option<(&JobRecord, String)> {
        self.state.jobs.iter().find_map(|job| {
            let info = self.job_states.get(&job.job_id)?;
            if !info.is_dead() {
                return None;
            }
            let how = if info.phase == Phase::Failed {
                "cannot run"
            } else {
                "ended"
            };
            Some((job, format!("{how} ({})", info.describe())))
        })
    }

    fn job_output(&self, job_id: &str) -> Option<PathBuf> {
        self.controller
            .iter()
            .chain(self.engine_sets.iter().map(|(_, set)| set))
            .filter_map(|launched| launched.job.as_ref())
            .find(|job| job.job_id == job_id)
            .map(|job| job.output_file.clone())
    }

    /// Fails when a process or job of the cluster has ended while start still waits for it.
    fn check_alive(&mut self, printer: &Printer) -> Result<()> {
        check_interrupt()?;
        if let Some(process) = self.controller.as_mut().and_then(Launched::exited) {
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
            if let Some(dead) = set.exited() {
                return Err(Failure::error(format!(
                    "engine process {} exited before registering{}",
                    dead.pid,
                    log_excerpt(&dead.output_file)
                ))
                .hint("check that ipyparallel's engine runs in this Python environment")
                .into());
            }
        }
        self.check_remote()?;
        self.poll_jobs(printer);
        if let Some((job, state)) = self.ended_job() {
            let log = self
                .job_output(&job.job_id)
                .map(|p| log_excerpt(&p))
                .unwrap_or_default();
            return Err(Failure::error(format!(
                "the {} job {} {state} before the cluster was ready{log}",
                job.role, job.job_id
            ))
            .hint(job.job().scheduler.why_ended_hint(&job.job_id))
            .into());
        }
        Ok(())
    }

    /// Fails when an engine on another host has exited (an engine that cannot import
    /// ipyparallel there, say), with the end of its log fetched from the host; a host that does
    /// not answer is asked again later.
    fn check_remote(&mut self) -> Result<()> {
        let hosts: Vec<RemoteHost> = self
            .engine_sets
            .iter()
            .flat_map(|(_, set)| set.remote.iter().cloned())
            .collect();
        if hosts.is_empty()
            || self
                .last_remote_check
                .is_some_and(|t| t.elapsed() < REMOTE_POLL)
        {
            return Ok(());
        }
        self.last_remote_check = Some(Instant::now());
        for (host, check) in hosts.iter().zip(check_hosts(&hosts)) {
            let Ok(up) = check else { continue };
            let Some(i) = up.iter().position(|up| !up) else {
                continue;
            };
            let process = &host.processes[i];
            let tail = read_on(host, &process.log)
                .map(|text| {
                    let lines: Vec<&str> = text.lines().collect();
                    lines[lines.len().saturating_sub(25)..].join("\n")
                })
                .unwrap_or_default();
            let log = if tail.trim().is_empty() {
                format!(" (its log `{}:{}` is empty)", host.host, process.log)
            } else {
                format!("; last lines of `{}:{}`:\n{tail}", host.host, process.log)
            };
            return Err(Failure::error(format!(
                "engine process {} on host `{}` exited before registering{log}",
                process.pid, host.host
            ))
            .hint(format!(
                "check that `{} -m ipyparallel.engine` works on `{}` (`[ssh] python`)",
                host.python, host.host
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
                let info = self.job_states.get(&job.job_id)?;
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
                    Some(launched) => launched
                        .processes
                        .first()
                        .map(|p| log_excerpt(&p.output_file))
                        .unwrap_or_default(),
                    None => String::new(),
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
                .hint(self.plan.controller_backend().wait_hint())
                .into());
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(20));
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
        let controller = self
            .controller
            .as_ref()
            .map(|launched| (launched.class, launched.state(cid, &profile_dir)));
        let sets: Vec<(String, Value)> = self
            .engine_sets
            .iter()
            .map(|(id, set)| (id.clone(), set.state(cid, &profile_dir)))
            .collect();
        let engine_class = self.plan.engine_backend().class();
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
