//! What is on disk and what is really running: clusters found in profiles, each process checked
//! against `/proc` (and rcluster's recorded start times), each batch job against the scheduler.

use std::path::PathBuf;

use anyhow::Result;

use crate::cluster_file::{self, ClusterFile, LauncherEntry};
use crate::connection;
use crate::error::Failure;
use crate::launcher::{self, JobRef, JobStates, Jobs, RemoteHost};
use crate::process;
use crate::profile::Profile;
use crate::state::{self, ClusterState};

/// Whether a recorded process may be signalled, and whether it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessCheck {
    /// Alive and proven to be the recorded process.
    Running,
    /// No longer exists, or a zombie.
    Gone,
    /// The pid is alive but belongs to another process now (start time or command line differ).
    Reused,
    /// Recorded on another host: cannot be checked or signalled from here.
    Elsewhere,
}

/// One process recorded for a cluster, with its check.
#[derive(Debug, Clone)]
pub struct ProcessEntry {
    pub pid: i32,
    pub role: Role,
    pub check: ProcessCheck,
    pub output_file: Option<String>,
}

pub use crate::role::Role;

/// A cluster found on disk.
#[derive(Debug)]
pub struct Cluster {
    pub profile: Profile,
    pub cluster_id: String,
    pub file: Option<ClusterFile>,
    pub state: Option<ClusterState>,
    /// Why the cluster file could not be read, if it could not.
    pub file_error: Option<String>,
    /// Why rcluster's state file could not be read, if it could not (the cluster file still
    /// counts: a corrupt record of ours must not hide a running cluster).
    pub state_error: Option<String>,
    /// For a cluster started on another host: whether its controller is gone (its registration
    /// port does not answer), probed once.
    remote_controller_gone: std::cell::OnceCell<bool>,
    /// Whether each process on another host runs, per host (an error: the host did not
    /// answer), asked once.
    remote_checks: std::cell::OnceCell<Vec<Result<Vec<bool>, String>>>,
}

/// The controller or one engine set, as recorded in the cluster file.
#[derive(Debug, Clone)]
pub struct Piece {
    pub role: Role,
    /// The engine set's id (`None` for the controller).
    pub set_id: Option<String>,
    /// ipyparallel's launcher class name: `local`, `mpi`, `slurm`, ...
    pub class: String,
    pub n: u64,
    pub processes: Vec<ProcessEntry>,
    pub job: Option<JobRef>,
    pub output_files: Vec<String>,
    /// Its processes on other hosts, each host with whether each process runs (an error: the
    /// host did not answer).
    pub remote: Vec<(RemoteHost, Result<Vec<bool>, String>)>,
    /// Its processes that are not engines (the forker of forked engines), from rcluster's
    /// record: they are stopped with the set, and spared while it runs.
    pub helpers: Vec<ProcessEntry>,
}

/// Overall state, as `rcluster list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Running,
    Partial,
    /// The controller is gone but engines still run (or hold batch jobs).
    Orphaned,
    Dead,
    /// Nothing could be checked from this host.
    Unknown,
}

impl Health {
    pub fn name(self) -> &'static str {
        match self {
            Health::Running => "running",
            Health::Partial => "partial",
            Health::Orphaned => "orphaned",
            Health::Dead => "dead",
            Health::Unknown => "unknown",
        }
    }
}

impl Cluster {
    /// Loads cluster `id` of `profile`; `Ok(None)` when neither its cluster file nor rcluster's
    /// state file exists.
    pub fn load(profile: &Profile, cluster_id: &str) -> Result<Option<Cluster>> {
        let security = profile.security_dir();
        let file_path = cluster_file::path(&security, cluster_id);
        let (state, state_error) = match ClusterState::read(&state::path(&security, cluster_id)) {
            Ok(state) => (state, None),
            Err(err) => (None, Some(format!("{err:#}"))),
        };
        let (file, file_error) = if file_path.exists() {
            match ClusterFile::read(&file_path) {
                Ok(file) => (Some(file), None),
                Err(err) => (None, Some(format!("{err:#}"))),
            }
        } else {
            (None, None)
        };
        let starting = security
            .join(format!("rcluster-{cluster_id}.lock"))
            .exists();
        if file.is_none()
            && file_error.is_none()
            && state.is_none()
            && state_error.is_none()
            && !starting
        {
            return Ok(None);
        }
        let cluster = Cluster {
            profile: profile.clone(),
            cluster_id: cluster_id.to_string(),
            file,
            state,
            file_error,
            state_error,
            remote_controller_gone: Default::default(),
            remote_checks: Default::default(),
        };
        if cluster.is_leftover_record() {
            // Stopped by ipcluster or ipp.Cluster, which know nothing of rcluster's record, the
            // engines' copy of the connection file or the forkers' specs and pids files. The
            // connection files are not touched: ipcluster removed them, and a cluster of the
            // same id it is starting may have written new ones.
            let url_file = connection::engine_url_file(&security, cluster_id);
            for file in cluster.launcher_files().into_iter().chain([url_file]) {
                crate::fsutil::remove_inside(&profile.dir, &file)?;
            }
            crate::fsutil::remove_inside(&profile.dir, &state::path(&security, cluster_id))?;
            return Ok(None);
        }
        Ok(Some(cluster))
    }

    /// Every cluster of a profile, by its cluster file (or rcluster's state file), sorted by id.
    pub fn all_in(profile: &Profile) -> Result<Vec<Cluster>> {
        let mut ids = cluster_ids_in(profile)?;
        ids.sort();
        ids.dedup();
        let mut clusters = Vec::new();
        for id in ids {
            match Cluster::load(profile, &id) {
                Ok(Some(cluster)) => clusters.push(cluster),
                Ok(None) => {}
                Err(err) => clusters.push(Cluster {
                    profile: profile.clone(),
                    cluster_id: id,
                    file: None,
                    state: None,
                    file_error: Some(format!("{err:#}")),
                    state_error: None,
                    remote_controller_gone: Default::default(),
                    remote_checks: Default::default(),
                }),
            }
        }
        Ok(clusters)
    }

    /// Forgets what was asked of other hosts, so the next look asks again (a cluster followed
    /// after its records are gone).
    pub fn forget_checks(&mut self) {
        self.remote_checks = Default::default();
        self.remote_controller_gone = Default::default();
    }

    /// Nothing but a start's lock: the start has not written anything yet.
    pub fn is_only_starting(&self) -> bool {
        self.file.is_none()
            && self.state.is_none()
            && self.file_error.is_none()
            && self.state_error.is_none()
    }

    /// Only rcluster's own record is left, and everything it lists is provably gone.
    fn is_leftover_record(&self) -> bool {
        let Some(state) = &self.state else {
            return false;
        };
        if self.file.is_some()
            || self.file_error.is_some()
            || self.state_error.is_some()
            || !self
                .processes()
                .iter()
                .all(|p| p.check == ProcessCheck::Gone)
        {
            return false;
        }
        if !state.remote.is_empty() {
            // Only a stop over the hosts can tell.
            return false;
        }
        if state.jobs.is_empty() {
            return true;
        }
        // Only when the scheduler answers and every job has ended; an outage keeps the record.
        let jobs = Jobs(
            state
                .jobs
                .iter()
                .map(crate::state::JobRecord::job)
                .collect(),
        );
        jobs.query().is_ok_and(|states| {
            jobs.ids()
                .iter()
                .all(|id| states.get(id).is_some_and(|i| !i.is_active()))
        })
    }

    fn launchers(&self) -> Vec<(Role, &LauncherEntry)> {
        let Some(file) = &self.file else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(controller) = &file.controller {
            out.push((Role::Controller, controller));
        }
        out.extend(file.engine_sets.iter().map(|(_, set)| (Role::Engines, set)));
        out
    }

    /// The controller and each engine set, with their processes checked and their job ids.
    pub fn pieces(&self) -> Vec<Piece> {
        let here = process::hostname();
        let boot_id = process::boot_id();
        let Some(file) = &self.file else {
            return Vec::new();
        };
        let mut launchers: Vec<(Role, Option<String>, &LauncherEntry)> = Vec::new();
        if let Some(controller) = &file.controller {
            launchers.push((Role::Controller, None, controller));
        }
        for (id, set) in &file.engine_sets {
            launchers.push((Role::Engines, Some(id.clone()), set));
        }
        launchers
            .into_iter()
            .map(|(role, set_id, launcher)| Piece {
                remote: self.remote_of(set_id.as_deref()),
                helpers: self.helpers_of(set_id.as_deref(), launcher, &here, &boot_id),
                role,
                set_id,
                class: launcher.class.clone(),
                n: launcher.n(),
                processes: launcher
                    .processes()
                    .into_iter()
                    .map(|p| ProcessEntry {
                        pid: p.pid,
                        role,
                        check: self.check_process(p.pid, &here, &boot_id),
                        output_file: p.output_file,
                    })
                    .collect(),
                job: self.job_of(launcher),
                output_files: launcher.output_files(),
            })
            .collect()
    }

    /// Every recorded process, checked.
    pub fn processes(&self) -> Vec<ProcessEntry> {
        let here = process::hostname();
        let boot_id = process::boot_id();
        let mut out = Vec::new();
        for (role, launcher) in self.launchers() {
            for recorded in launcher.processes() {
                let check = self.check_process(recorded.pid, &here, &boot_id);
                out.push(ProcessEntry {
                    pid: recorded.pid,
                    role,
                    check,
                    output_file: recorded.output_file,
                });
            }
        }
        // Processes only rcluster's state knows (a cluster file that Python rewrote or removed).
        if let Some(state) = &self.state {
            for record in &state.processes {
                if out.iter().any(|p| p.pid == record.pid) {
                    continue;
                }
                let role = Role::from_name(&record.role);
                out.push(ProcessEntry {
                    pid: record.pid,
                    role,
                    check: self.check_process(record.pid, &here, &boot_id),
                    output_file: None,
                });
            }
        }
        out
    }

    fn check_process(&self, pid: i32, here: &str, boot_id: &str) -> ProcessCheck {
        if let Some(state) = &self.state
            && state.host != here
        {
            // The host may be gone with the controller (a notebook's node that died): then its
            // processes are gone too, and their batch jobs are orphans to clean up.
            if *self
                .remote_controller_gone
                .get_or_init(|| self.controller_unreachable())
            {
                return ProcessCheck::Gone;
            }
            return ProcessCheck::Elsewhere;
        }
        if !process::is_alive(pid) {
            return ProcessCheck::Gone;
        }
        let recorded = self
            .state
            .as_ref()
            .filter(|s| s.boot_id == boot_id)
            .and_then(|s| s.process(pid));
        match recorded {
            Some(record) if process::start_time(pid) == Some(record.start_time) => {
                ProcessCheck::Running
            }
            Some(_) => ProcessCheck::Reused,
            None => match process::cmdline(pid) {
                Some(cmdline) if process::looks_like_ipyparallel(&cmdline) => ProcessCheck::Running,
                // Unreadable command line (another user's process): not provably ours.
                _ => ProcessCheck::Reused,
            },
        }
    }

    /// Whether the controller's registration port does not answer (or its connection file is
    /// gone, which a controller removes when it ends). Only asked for clusters on another host.
    fn controller_unreachable(&self) -> bool {
        use std::net::{TcpStream, ToSocketAddrs};
        let path =
            connection::connection_file(&self.profile.security_dir(), &self.cluster_id, "client");
        let Some(text) = connection::read_complete(&path) else {
            return !path.exists();
        };
        let Ok(info) = serde_json::from_str::<serde_json::Value>(&text) else {
            return false;
        };
        let ip = info["interface"]
            .as_str()
            .and_then(|i| i.split("://").nth(1))
            .unwrap_or("");
        let location = info["location"].as_str().unwrap_or("");
        let host = if ip.is_empty() || ip == "0.0.0.0" || ip == "*" || ip.starts_with("127.") {
            location
        } else {
            ip
        };
        let Some(port) = info["registration"].as_u64() else {
            return false;
        };
        if host.is_empty() {
            return false;
        }
        let Ok(addrs) = (host, port as u16).to_socket_addrs() else {
            // The host name no longer resolves: the host is gone.
            return true;
        };
        !addrs.into_iter().any(|addr| {
            TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(1)).is_ok()
        })
    }

    /// The batch job of a launcher of the cluster file, with its scheduler: the one rcluster
    /// recorded, else the one its class uses.
    fn job_of(&self, launcher: &LauncherEntry) -> Option<JobRef> {
        let id = launcher.job_id()?;
        let recorded = self
            .state
            .iter()
            .flat_map(|s| &s.jobs)
            .find(|job| job.job_id == id);
        Some(match recorded {
            Some(record) => record.job(),
            None => JobRef {
                scheduler: launcher::scheduler_for_class(&launcher.class),
                id,
            },
        })
    }

    /// Processes on other hosts (engines), as rcluster recorded them.
    pub fn remote_hosts(&self) -> &[RemoteHost] {
        self.state.as_ref().map_or(&[], |s| s.remote.as_slice())
    }

    /// Whether each process of [`Cluster::remote_hosts`] runs, per host; asked once.
    pub fn remote_checks(&self) -> &[Result<Vec<bool>, String>] {
        self.remote_checks.get_or_init(|| {
            launcher::check_hosts(self.remote_hosts())
                .into_iter()
                .map(|r| r.map_err(|e| format!("{e:#}")))
                .collect()
        })
    }

    /// The hosts of engine set `set_id`, with their checks.
    fn helpers_of(
        &self,
        set_id: Option<&str>,
        launcher: &LauncherEntry,
        here: &str,
        boot_id: &str,
    ) -> Vec<ProcessEntry> {
        let (Some(set_id), Some(state)) = (set_id, &self.state) else {
            return Vec::new();
        };
        let engines: Vec<i32> = launcher.processes().iter().map(|p| p.pid).collect();
        state
            .processes
            .iter()
            .filter(|r| r.set.as_deref() == Some(set_id) && !engines.contains(&r.pid))
            .map(|r| ProcessEntry {
                pid: r.pid,
                role: Role::Engines,
                check: self.check_process(r.pid, here, boot_id),
                output_file: None,
            })
            .collect()
    }

    fn remote_of(&self, set_id: Option<&str>) -> Vec<(RemoteHost, Result<Vec<bool>, String>)> {
        let Some(set_id) = set_id else {
            return Vec::new();
        };
        self.remote_hosts()
            .iter()
            .zip(self.remote_checks())
            .filter(|(host, _)| host.set_id == set_id)
            .map(|(host, check)| (host.clone(), check.clone()))
            .collect()
    }

    /// Batch jobs with their role.
    pub fn jobs(&self) -> Vec<(Role, JobRef)> {
        let mut jobs: Vec<(Role, JobRef)> = self
            .launchers()
            .into_iter()
            .filter_map(|(role, l)| self.job_of(l).map(|job| (role, job)))
            .collect();
        if let Some(state) = &self.state {
            for job in &state.jobs {
                if !jobs.iter().any(|(_, known)| known.id == job.job_id) {
                    let role = Role::from_name(&job.role);
                    jobs.push((role, job.job()));
                }
            }
        }
        jobs
    }

    /// Every batch job of the cluster.
    pub fn job_set(&self) -> Jobs {
        Jobs(self.jobs().into_iter().map(|(_, job)| job).collect())
    }

    pub fn requested(&self) -> u64 {
        match (&self.file, &self.state) {
            (Some(file), _) => file.requested(),
            (None, Some(state)) => u64::from(state.requested),
            (None, None) => 0,
        }
    }

    /// Engines the controller has registered (0 when its engine-state file is missing).
    pub fn registered(&self) -> usize {
        connection::registered_engines(&self.profile.log_dir(), &self.cluster_id).unwrap_or(0)
    }

    /// Health from processes alone; batch jobs count as unknown (see [`Cluster::health_given`]).
    pub fn health(&self) -> Health {
        self.health_given(None)
    }

    /// Health from processes and, for batch jobs, the states their scheduler reported (`None`:
    /// it could not be asked, so jobs are unknown, never "gone").
    pub fn health_given(&self, jobs: Option<&JobStates>) -> Health {
        #[derive(PartialEq)]
        enum Piece {
            Up,
            Down,
            Unknown,
        }
        let mut pieces: Vec<(Role, Piece)> = Vec::new();
        for p in self.processes() {
            let piece = match p.check {
                ProcessCheck::Running => Piece::Up,
                ProcessCheck::Gone | ProcessCheck::Reused => Piece::Down,
                ProcessCheck::Elsewhere => Piece::Unknown,
            };
            pieces.push((p.role, piece));
        }
        for check in self.remote_checks() {
            match check {
                Ok(states) => pieces.extend(
                    states
                        .iter()
                        .map(|up| (Role::Engines, if *up { Piece::Up } else { Piece::Down })),
                ),
                Err(_) => pieces.push((Role::Engines, Piece::Unknown)),
            }
        }
        for (role, job) in self.jobs() {
            let piece = match jobs.and_then(|states| states.get(&job.id)) {
                Some(info) if info.is_active() => Piece::Up,
                Some(_) => Piece::Down,
                None => Piece::Unknown,
            };
            pieces.push((role, piece));
        }
        let up = pieces.iter().filter(|(_, p)| *p == Piece::Up).count();
        let unknown = pieces.iter().filter(|(_, p)| *p == Piece::Unknown).count();
        let controller_up = pieces
            .iter()
            .any(|(r, p)| *r == Role::Controller && *p == Piece::Up);
        let has_controller = pieces.iter().any(|(r, _)| *r == Role::Controller);
        if pieces.is_empty() {
            Health::Dead
        } else if up == pieces.len() && (controller_up || !has_controller) {
            Health::Running
        } else if up == 0 && unknown == 0 {
            Health::Dead
        } else if up + unknown == pieces.len() {
            // Nothing is known to be down, but not everything could be checked.
            Health::Unknown
        } else if has_controller
            && pieces
                .iter()
                .filter(|(r, _)| *r == Role::Controller)
                .all(|(_, p)| *p == Piece::Down)
        {
            Health::Orphaned
        } else {
            Health::Partial
        }
    }

    /// Health, asking the scheduler about this cluster's jobs if it has any.
    pub fn health_with_jobs(&self) -> Health {
        let jobs = self.job_set();
        if jobs.is_empty() {
            return self.health();
        }
        match jobs.query() {
            Ok(states) => self.health_given(Some(&states)),
            Err(_) => self.health_given(None),
        }
    }

    /// The launcher names, `controller/engines`, e.g. `local/local`.
    pub fn launcher_label(&self) -> String {
        let Some(file) = &self.file else {
            return "?".to_string();
        };
        let controller = file.controller.as_ref().map_or("-", |c| c.class.as_str());
        let engines = file.engine_class.as_deref().unwrap_or("-");
        format!("{controller}/{engines}")
    }

    /// Unix seconds when the cluster started: rcluster's record, else the cluster file's mtime.
    pub fn created(&self) -> Option<u64> {
        if let Some(state) = &self.state {
            return Some(state.created);
        }
        let path = cluster_file::path(&self.profile.security_dir(), &self.cluster_id);
        let modified = std::fs::metadata(path).ok()?.modified().ok()?;
        modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs())
    }

    /// The ids of its engine sets, from the cluster file and rcluster's record.
    fn engine_set_ids(&self) -> Vec<String> {
        let mut sets: Vec<String> = self
            .file
            .iter()
            .flat_map(|file| file.engine_sets.iter().map(|(id, _)| id.clone()))
            .collect();
        if let Some(state) = &self.state {
            sets.extend(state.processes.iter().filter_map(|p| p.set.clone()));
            sets.extend(state.remote.iter().map(|h| h.set_id.clone()));
        }
        sets.sort();
        sets.dedup();
        sets
    }

    /// The files launchers wrote into `security/` and `pid/` (a forker's spec, source and pids
    /// files), by rcluster's record and also by name: a record that was lost or rewritten must
    /// not leave a spec, which names the connection file, behind.
    fn launcher_files(&self) -> Vec<PathBuf> {
        let security = self.profile.security_dir();
        let pid_dir = self.profile.dir.join("pid");
        let sets = self.engine_set_ids();
        let mut files = forker_files(&security, &self.cluster_id, &sets);
        files.extend(forker_files(&pid_dir, &self.cluster_id, &sets));
        if let Some(state) = &self.state {
            files.extend(
                (state.files.iter())
                    .filter(|f| f.starts_with(&security) || f.starts_with(&pid_dir))
                    .cloned(),
            );
        }
        files
    }

    /// Every file that belongs to this cluster: cluster and state files, connection files, and
    /// (with `logs`) the launchers' output files and the hub's engine-state file.
    pub fn files(&self, logs: bool) -> Vec<PathBuf> {
        let security = self.profile.security_dir();
        let id = &self.cluster_id;
        let mut files = vec![
            connection::connection_file(&security, id, "client"),
            connection::connection_file(&security, id, "engine"),
            connection::engine_url_file(&security, id),
        ];
        files.extend(self.launcher_files());
        if logs {
            files.extend(forker_files(
                &self.profile.log_dir(),
                id,
                &self.engine_set_ids(),
            ));
            for (_, launcher) in self.launchers() {
                files.extend(launcher.output_files().into_iter().map(PathBuf::from));
            }
            if let Some(state) = &self.state {
                files.extend(state.files.iter().cloned());
            }
            files.push(connection::engine_state_file(&self.profile.log_dir(), id));
        }
        // The records last: a removal that fails halfway leaves the cluster findable.
        files.push(cluster_file::path(&security, id));
        files.push(state::path(&security, id));
        files
    }
}

/// `forker-<id>-<set>-…` and `forker-<id>-<set>.…` files in `dir` (and the forker's temporary
/// `.forker-…` ones), for the given sets.
fn forker_files(dir: &std::path::Path, cluster_id: &str, sets: &[String]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let Some(name) = name.to_str() else {
                return false;
            };
            // `.forker-….tmp`: a pids file the forker was writing when it was killed.
            let name = name.strip_prefix('.').unwrap_or(name);
            sets.iter().any(|set| {
                name.strip_prefix(&format!("forker-{cluster_id}-{set}"))
                    .is_some_and(|rest| rest.starts_with(['-', '.']))
            })
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Cluster ids with a cluster file or an rcluster state file in the profile.
fn cluster_ids_in(profile: &Profile) -> Result<Vec<String>> {
    let dir = profile.security_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => {
            return Err(
                Failure::error(format!("cannot read `{}`: {err}", dir.display()))
                    .hint("is this profile yours? Its security directory is private to its owner")
                    .into(),
            );
        }
    };
    Ok(entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            cluster_file::id_from_file_name(&name)
                .or_else(|| name.strip_prefix("rcluster-")?.strip_suffix(".json"))
                .or_else(|| name.strip_prefix("rcluster-")?.strip_suffix(".lock"))
                .map(str::to_string)
        })
        .collect())
}

/// Human age: `42s`, `5m`, `3h`, `2d`.
pub fn format_age(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forker_files_are_those_of_the_cluster_and_its_sets_only() {
        let dir =
            std::env::temp_dir().join(format!("rcluster-forker-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let names = [
            "forker-a-17-spec.json",
            "forker-a-17.py",
            "forker-a-17-0.json",
            ".forker-a-17-0.json.4711.tmp",
            "forker-a-170-spec.json",
            "forker-a-b-17-spec.json",
            "forker-a-18-spec.json",
            "notes.txt",
        ];
        for name in names {
            std::fs::write(dir.join(name), "").unwrap();
        }
        let found: Vec<String> = forker_files(&dir, "a", &["17".to_string()])
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            found,
            [
                ".forker-a-17-0.json.4711.tmp",
                "forker-a-17-0.json",
                "forker-a-17-spec.json",
                "forker-a-17.py"
            ]
        );
    }
}
