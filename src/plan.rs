//! What a start decides before anything runs: ids, commands, addresses, heartbeat settings and
//! engine sets, from the profile's settings and the command's arguments. Pure: nothing here
//! starts a process or writes a file.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use crate::batch::Script;
use crate::connection;
use crate::error::Failure;
use crate::launcher::{
    self, ControllerBackend, ControllerSpec, EngineBackend, EngineSetSpec, Target, local,
};
use crate::profile::Profile;
use crate::settings::ProfileConfig;

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

/// `start --timeout`'s default: engines started alongside the controller wait this long for it.
pub const DEFAULT_CONNECTION_WAIT: Duration = Duration::from_secs(60);

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

/// Engines per set: `per_job` at most each when the backend splits, else one set of `n`.
fn set_sizes(n: u32, per_job: Option<u32>, splits: bool) -> Vec<u32> {
    match per_job {
        Some(k) if splits && k > 0 && k < n => {
            let mut sizes = vec![k; (n / k) as usize];
            if !n.is_multiple_of(k) {
                sizes.push(n % k);
            }
            sizes
        }
        _ => vec![n],
    }
}

/// Everything decided before anything runs: ids, commands, addresses, engine sets.
pub struct Plan<'a> {
    pub profile: &'a Profile,
    pub cluster_id: String,
    pub n: u32,
    pub config: ProfileConfig,
    pub python: PathBuf,
    pub cli_vars: Vec<(String, String)>,
    pub controller_ip: String,
    pub controller_location: String,
    /// `--ping` and `[controller] args`: what ipyparallel records as `controller_args`.
    pub controller_args: Vec<String>,
    /// Engines per engine set (one set per batch job when split).
    pub set_sizes: Vec<u32>,
    /// How long engines started alongside the controller wait for its connection file.
    pub connection_wait: Duration,
}

/// How engines learn where the controller listens.
#[derive(Debug, Clone, Copy)]
pub enum EngineConnection<'s> {
    /// `IPP_CONNECTION_INFO`, as ipp.Cluster does: the controller is already up (`engines add`).
    Env(&'s str),
    /// The file rcluster publishes when the controller is up, so that engines can start at the
    /// same time as the controller and spend their Python start-up (~0.5 s of CPU each) waiting
    /// for it, instead of after it.
    UrlFile,
}

impl<'a> Plan<'a> {
    pub fn new(
        profile: &'a Profile,
        cluster_id: String,
        config: ProfileConfig,
        python: PathBuf,
        cli_vars: Vec<(String, String)>,
    ) -> Result<Self> {
        let engines = launcher::engine_backend(config.engines.launcher);
        let n = match config.engines.n {
            Some(n) => n,
            None => engines.default_n(&config)?.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
            }),
        };
        let remote_engines = engines.remote();
        let remote_controller = launcher::controller_backend(config.controller.launcher).remote();
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
        let set_sizes = set_sizes(n, config.engines.per_job, engines.splits());
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

    pub fn controller_backend(&self) -> &'static dyn ControllerBackend {
        launcher::controller_backend(self.config.controller.launcher)
    }

    pub fn engine_backend(&self) -> &'static dyn EngineBackend {
        launcher::engine_backend(self.config.engines.launcher)
    }

    pub fn env(&self) -> Vec<(String, String)> {
        launcher::cluster_env(&self.profile.dir, &self.cluster_id)
    }

    pub fn controller_program(&self) -> Vec<String> {
        vec![
            self.python.to_string_lossy().into_owned(),
            "-m".into(),
            "ipyparallel.controller".into(),
        ]
    }

    /// `--ip`, `--location`, then `controller_args`, in the order ipp.Cluster passes them.
    pub fn controller_program_args(&self) -> Vec<String> {
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

    pub fn engine_program(&self) -> Vec<String> {
        let mut program = vec![
            self.python.to_string_lossy().into_owned(),
            "-m".into(),
            "ipyparallel.engine".into(),
        ];
        if self.engine_backend().mpi_ranks() {
            program.push("--mpi".into());
        }
        program
    }

    /// Start's `--timeout`: how long engines wait for the controller, and the hub for their
    /// first heartbeat.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.connection_wait = timeout;
        self.controller_args = controller_args(&self.config, self.n, timeout);
    }

    pub fn engine_url_file(&self) -> PathBuf {
        connection::engine_url_file(&self.profile.security_dir(), &self.cluster_id)
    }

    /// The engines' environment and arguments (after the program) for `connection`. An empty
    /// `IPP_CONNECTION_INFO` overrides one inherited from rcluster's own environment.
    pub fn engine_env_and_args(
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

    pub fn controller_log(&self) -> PathBuf {
        self.profile
            .log_dir()
            .join(local::controller_log_name(&self.cluster_id))
    }

    pub fn engines_log(&self, set_id: &str) -> PathBuf {
        self.target().engines_log(set_id)
    }

    /// What the launchers need to know about this cluster.
    pub fn target(&self) -> Target<'_> {
        Target {
            profile: self.profile,
            cluster_id: &self.cluster_id,
            config: &self.config,
            python: &self.python,
            cli_vars: &self.cli_vars,
        }
    }

    /// The controller, as its launcher gets it.
    pub fn controller_spec(&self) -> ControllerSpec<'_> {
        ControllerSpec {
            target: self.target(),
            program: self.controller_program(),
            args: self.controller_program_args(),
            env: self.env(),
            log: self.controller_log(),
        }
    }

    /// One engine set, as its launcher gets it.
    pub fn engine_set_spec<'s>(
        &'s self,
        set_id: &'s str,
        n: u32,
        program: &'s [String],
        args: &'s [String],
        env: &'s [(String, String)],
    ) -> EngineSetSpec<'s> {
        EngineSetSpec {
            target: self.target(),
            set_id,
            n,
            program,
            args,
            env,
            start_wait: self.connection_wait,
        }
    }

    /// The controller's batch script, for a controller launcher that submits one.
    pub fn controller_script(&self, env: &[(String, String)]) -> Result<Script> {
        let backend = self.controller_backend();
        let spec = ControllerSpec {
            env: env.to_vec(),
            ..self.controller_spec()
        };
        backend.script(&spec).unwrap_or_else(|| {
            Err(Failure::usage(format!(
                "the `{}` controller launcher submits no batch script",
                backend.class()
            ))
            .into())
        })
    }

    /// The batch script of an engine set of `n`, for an engine launcher that submits one.
    pub fn engine_script(
        &self,
        n: u32,
        set_id: &str,
        env: &[(String, String)],
        args: &[String],
    ) -> Result<Script> {
        let backend = self.engine_backend();
        let program = self.engine_program();
        let spec = self.engine_set_spec(set_id, n, &program, args, env);
        backend.script(&spec).unwrap_or_else(|| {
            Err(Failure::usage(format!(
                "the `{}` engine launcher submits no batch script",
                backend.name()
            ))
            .into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ControllerLauncher, EngineLauncher};

    fn profile() -> Profile {
        Profile {
            name: Some("t".into()),
            dir: PathBuf::from("/ipython/profile_t"),
        }
    }

    fn config(controller: ControllerLauncher, engines: EngineLauncher, n: u32) -> ProfileConfig {
        let mut config = ProfileConfig::default();
        config.controller.launcher = controller;
        config.engines.launcher = engines;
        config.engines.n = Some(n);
        config
    }

    fn plan(profile: &Profile, config: ProfileConfig) -> Plan<'_> {
        Plan::new(
            profile,
            "c1".into(),
            config,
            "/py/bin/python".into(),
            Vec::new(),
        )
        .unwrap()
    }

    #[test]
    fn splits_only_for_backends_that_split() {
        assert_eq!(set_sizes(10, Some(4), true), [4, 4, 2]);
        assert_eq!(set_sizes(8, Some(4), true), [4, 4]);
        assert_eq!(set_sizes(3, Some(4), true), [3]);
        assert_eq!(set_sizes(10, Some(4), false), [10]);
        assert_eq!(set_sizes(10, None, true), [10]);
        let profile = profile();
        let mut slurm = config(ControllerLauncher::Local, EngineLauncher::Slurm, 5);
        slurm.engines.per_job = Some(2);
        assert_eq!(plan(&profile, slurm).set_sizes, [2, 2, 1]);
        let mut local = config(ControllerLauncher::Local, EngineLauncher::Local, 5);
        local.engines.per_job = Some(2);
        assert_eq!(plan(&profile, local).set_sizes, [5]);
    }

    #[test]
    fn local_cluster_listens_on_loopback() {
        let profile = profile();
        let plan = plan(
            &profile,
            config(ControllerLauncher::Local, EngineLauncher::Local, 2),
        );
        assert_eq!(plan.controller_ip, "");
        assert_eq!(plan.controller_location, "");
        assert_eq!(
            plan.controller_program_args()[0],
            "--ping=50",
            "two engines get the shortest period"
        );
    }

    #[test]
    fn remote_pieces_listen_beyond_loopback() {
        let profile = profile();
        let plan = plan(
            &profile,
            config(ControllerLauncher::Slurm, EngineLauncher::Slurm, 2),
        );
        assert_eq!(plan.controller_ip, "0.0.0.0");
        // A controller in a job reports its own address; rcluster cannot know it here.
        assert_eq!(plan.controller_location, "");
        assert_eq!(plan.controller_program_args()[0], "--ip=0.0.0.0");
    }

    #[test]
    fn mpi_engines_ask_for_their_rank() {
        let profile = profile();
        for (engines, mpi) in [
            (EngineLauncher::Local, false),
            (EngineLauncher::Mpi, true),
            (EngineLauncher::Slurm, false),
            (EngineLauncher::SlurmMpi, true),
        ] {
            let plan = plan(&profile, config(ControllerLauncher::Local, engines, 1));
            let program = plan.engine_program();
            assert_eq!(program.last().unwrap() == "--mpi", mpi, "{engines:?}");
        }
    }

    #[test]
    fn timeout_bounds_waits_and_registration() {
        let profile = profile();
        let mut plan = plan(
            &profile,
            config(ControllerLauncher::Local, EngineLauncher::Local, 1000),
        );
        plan.set_timeout(Duration::from_secs(90));
        let args = plan.controller_program_args();
        assert_eq!(
            args,
            [
                "--ping=3000",
                "--HeartMonitor.max_heartmonitor_misses=10",
                "--IPController.registration_timeout=90"
            ]
        );
        let (env, args) = plan.engine_env_and_args(EngineConnection::UrlFile);
        assert!(env.contains(&("IPP_CONNECTION_INFO".into(), String::new())));
        assert_eq!(args[0], "--IPEngine.timeout=90");
        assert_eq!(
            args[1],
            "--IPEngine.url_file=/ipython/profile_t/security/rcluster-c1.engine"
        );
    }

    #[test]
    fn local_launchers_have_no_batch_script() {
        let profile = profile();
        let plan = plan(
            &profile,
            config(ControllerLauncher::Local, EngineLauncher::Mpi, 1),
        );
        assert!(plan.controller_script(&[]).is_err());
        assert!(plan.engine_script(1, "1", &[], &[]).is_err());
    }
}
