//! What a backend started: processes on this host and/or a batch job, and how the cluster file
//! records them.

use std::path::PathBuf;
use std::process::Child;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Scheduler;
use crate::cluster_file::{self, BatchState};
use crate::process;

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
    /// Processes on other hosts, one entry per engine (ipyparallel's `SSHEngineSetLauncher`).
    Hosts,
}

/// What a backend started: processes on this host and/or a batch job, and files it wrote.
#[derive(Debug)]
pub struct Launched {
    pub class: &'static str,
    pub layout: Layout,
    pub processes: Vec<StartedProcess>,
    /// Processes of the set that are not engines (the forker of forked engines): recorded in
    /// rcluster's state and stopped with the cluster, but not listed in the cluster file.
    pub helpers: Vec<StartedProcess>,
    pub job: Option<SubmittedJob>,
    /// Files written for it besides its output (batch scripts), removed with the cluster.
    pub files: Vec<PathBuf>,
    /// What it started on other hosts.
    pub remote: Vec<RemoteHost>,
}

impl Launched {
    pub fn new(class: &'static str, layout: Layout) -> Launched {
        Launched {
            class,
            layout,
            processes: Vec::new(),
            helpers: Vec::new(),
            job: None,
            files: Vec::new(),
            remote: Vec::new(),
        }
    }

    /// Nothing was started (yet).
    pub fn is_empty(&self) -> bool {
        self.processes.is_empty()
            && self.helpers.is_empty()
            && self.job.is_none()
            && self.remote.is_empty()
    }

    /// Its first process that is no longer running (reaped, so it does not linger).
    pub fn exited(&mut self) -> Option<&StartedProcess> {
        let i = self.all_mut().position(|p| !p.running())?;
        self.processes.iter().chain(&self.helpers).nth(i)
    }

    /// Reaps its processes that have exited.
    pub fn reap(&mut self) {
        for process in self.all_mut() {
            if let Some(child) = &mut process.child {
                let _ = child.try_wait();
            }
        }
    }

    /// Every process it started: engines, then helpers.
    pub fn all(&self) -> impl Iterator<Item = &StartedProcess> {
        self.processes.iter().chain(&self.helpers)
    }

    fn all_mut(&mut self) -> impl Iterator<Item = &mut StartedProcess> {
        self.processes.iter_mut().chain(&mut self.helpers)
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
        if self.layout == Layout::Hosts {
            return hosts_state(&self.remote, cluster_id, profile_dir);
        }
        let first = self.processes.first();
        let pid = first.map_or(-1, |p| p.pid);
        let output = first.map(StartedProcess::output_str).unwrap_or_default();
        match self.layout {
            Layout::Job | Layout::Hosts => Value::Null,
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

/// Processes a backend started on another host, and what it left there.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RemoteHost {
    /// How the host is reached ([`super::Remote::name`]: `ssh`).
    pub via: String,
    /// The host as the user named it (an ssh alias).
    pub host: String,
    /// The engine set these processes belong to.
    #[serde(default)]
    pub set_id: String,
    /// The command that reaches it, before the host name (`ssh -o BatchMode=yes ...`).
    pub command: Vec<String>,
    /// The Python the engines run on it.
    pub python: String,
    /// The profile directory the engines use there.
    pub profile_dir: String,
    /// Its engines.
    pub processes: Vec<RemoteProcess>,
    /// Its processes that are not engines (the forker of forked engines): stopped with the
    /// engines, but not engines of the cluster file, `list` or `status`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub helpers: Vec<RemoteProcess>,
    /// Files rcluster wrote there (a copied connection file, the forker's source, spec and
    /// pids file), removed when the cluster stops.
    #[serde(default)]
    pub files: Vec<String>,
    /// A directory created there for this cluster (copies and logs), removed with the logs.
    #[serde(default)]
    pub dir: Option<String>,
}

/// A process on another host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RemoteProcess {
    pub pid: i32,
    /// `/proc/<pid>/stat` field 22 there (0 where it could not be read).
    pub start_time: u64,
    /// Its output, a path on that host.
    pub log: String,
}

/// ipyparallel's `SSHEngineSetLauncher.to_dict()`: one `SSHEngineLauncher` dict per engine,
/// keyed `host/i`, so `Cluster.from_file` can load the cluster.
fn hosts_state(hosts: &[RemoteHost], cluster_id: &str, profile_dir: &str) -> Value {
    let launcher = |host: &RemoteHost, pid: i32, log: &str| {
        let (ssh_cmd, ssh_args) = match host.command.split_first() {
            Some((cmd, args)) => (cmd.as_str(), args),
            None => ("ssh", &[][..]),
        };
        serde_json::json!({
            "profile_dir": profile_dir,
            "cluster_id": cluster_id,
            "state": "running",
            "pid": pid,
            "output_file": log,
            "ssh_cmd": [ssh_cmd],
            "ssh_args": ssh_args,
            "scp_cmd": ["scp"],
            "scp_args": [],
            "hostname": host.host,
            "user": "",
            "remote_output_file": log,
            "remote_profile_dir": host.profile_dir,
            "remote_python": host.python,
            "n": 1,
        })
    };
    let mut engines = serde_json::Map::new();
    for host in hosts {
        for (i, process) in host.processes.iter().enumerate() {
            engines.insert(
                format!("{}/{i}", host.host),
                launcher(host, process.pid, &process.log),
            );
        }
    }
    let mut state = match hosts.first() {
        Some(first) => launcher(first, -1, ""),
        None => serde_json::json!({"profile_dir": profile_dir, "cluster_id": cluster_id}),
    };
    state["hostname"] = Value::from("");
    state["n"] = Value::from(engines.len());
    state["engines"] = Value::Object(engines);
    state
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_follows_the_layout() {
        let mut launched = Launched::new("mpi", Layout::ProcessForSet(4));
        launched.processes.push(StartedProcess {
            pid: 42,
            start_time: 1,
            output_file: "/p/log/e.log".into(),
            child: None,
        });
        let state = launched.state("c", "/p");
        assert_eq!(state["pid"], 42);
        assert_eq!(state["n"], 4);
        assert_eq!(state["output_file"], "/p/log/e.log");
        launched.layout = Layout::ProcessPerEngine;
        let state = launched.state("c", "/p");
        assert_eq!(state["pid"], -1);
        assert_eq!(state["engines"]["0"]["pid"], 42);
    }

    #[test]
    fn remote_engines_are_recorded_as_ipyparallels_ssh_launcher_records_them() {
        let mut launched = Launched::new("ssh", Layout::Hosts);
        launched.remote.push(RemoteHost {
            via: "ssh".into(),
            host: "node1".into(),
            set_id: "s1".into(),
            command: vec!["ssh".into(), "-o".into(), "BatchMode=yes".into()],
            python: "/py".into(),
            profile_dir: "/p".into(),
            processes: vec![
                RemoteProcess {
                    pid: 7,
                    start_time: 1,
                    log: "/p/log/a.log".into(),
                },
                RemoteProcess {
                    pid: 8,
                    start_time: 2,
                    log: "/p/log/b.log".into(),
                },
            ],
            helpers: vec![],
            files: vec![],
            dir: None,
        });
        let state = launched.state("c", "/p");
        assert_eq!(state["n"], 2);
        assert_eq!(state["pid"], -1);
        let engine = &state["engines"]["node1/1"];
        assert_eq!(engine["pid"], 8);
        assert_eq!(engine["hostname"], "node1");
        assert_eq!(engine["ssh_cmd"], serde_json::json!(["ssh"]));
        assert_eq!(
            engine["ssh_args"],
            serde_json::json!(["-o", "BatchMode=yes"])
        );
        assert_eq!(engine["remote_output_file"], "/p/log/b.log");
        // Remote pids are never taken for processes of this host.
        let entry = crate::cluster_file::LauncherEntry {
            class: "ssh".into(),
            state: state.as_object().unwrap().clone(),
        };
        assert!(entry.processes().is_empty());
        assert!(entry.output_files().is_empty());
    }

    #[test]
    fn a_job_is_recorded_as_ipyparallel_records_batch_launchers() {
        let mut launched = Launched::new("slurm", Layout::Job);
        assert!(launched.state("c", "/p").is_null(), "nothing submitted yet");
        launched.job = Some(SubmittedJob {
            scheduler: crate::launcher::SCHEDULERS[0],
            job_id: "77".into(),
            n: 3,
            output_file: "/p/log/e.log".into(),
            template: "#!/bin/sh".into(),
            queue: "debug".into(),
            script: "/p/log/e.sbatch".into(),
        });
        let state = launched.state("c", "/p");
        assert_eq!(state["job_id"], "77");
        assert_eq!(state["n"], 3);
        assert_eq!(state["queue"], "debug");
        assert_eq!(state["batch_template"], "#!/bin/sh");
    }
}
