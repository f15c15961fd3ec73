//! The engine sets of a running cluster: what `rcluster engines list` shows, and `rcluster
//! engines stop`, which ends some sets (their processes, or their batch job) while the controller
//! and the other sets keep running, and takes them out of the cluster file and rcluster's record.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::connection;
use crate::error::Failure;
use crate::ids::display_id;
use crate::interrupt;
use crate::inventory::{Cluster, Piece, ProcessCheck, Role};
use crate::launcher::{JobInfo, JobRef, JobStates, Jobs, Phase, RemoteHost, stop_hosts};
use crate::output::Printer;
use crate::process;
use crate::profile::Profile;
use crate::state;

/// How an engine set is doing, from its processes or its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetState {
    Running,
    /// Some of its processes have ended.
    Partial,
    /// Its job waits in the queue.
    Pending,
    Dead,
    /// Nothing could be checked from here: processes on another host, or a scheduler that did
    /// not answer.
    Unknown,
}

impl SetState {
    pub fn name(self) -> &'static str {
        match self {
            SetState::Running => "running",
            SetState::Partial => "partial",
            SetState::Pending => "pending",
            SetState::Dead => "dead",
            SetState::Unknown => "unknown",
        }
    }
}

/// One engine set of the cluster file, checked.
#[derive(Debug, Clone)]
pub struct EngineSet {
    pub piece: Piece,
    /// Its job's state, when it has a job and the scheduler answered.
    pub job_info: Option<JobInfo>,
    pub state: SetState,
}

impl EngineSet {
    pub fn set_id(&self) -> &str {
        self.piece.set_id.as_deref().unwrap_or("")
    }
}

/// The engine sets of `cluster`, in the cluster file's order; `job_states` is `None` when the
/// scheduler could not be asked.
pub fn engine_sets(cluster: &Cluster, job_states: Option<&JobStates>) -> Vec<EngineSet> {
    cluster
        .pieces()
        .into_iter()
        .filter(|p| p.role == Role::Engines)
        .map(|piece| {
            let job_info = piece
                .job
                .as_ref()
                .and_then(|job| job_states?.get(&job.id).cloned());
            let state = set_state(&piece, job_states.is_some(), job_info.as_ref());
            EngineSet {
                piece,
                job_info,
                state,
            }
        })
        .collect()
}

fn set_state(piece: &Piece, asked: bool, job: Option<&JobInfo>) -> SetState {
    if piece.job.is_some() {
        return match job {
            _ if !asked => SetState::Unknown,
            None => SetState::Unknown,
            Some(info) => match info.phase {
                Phase::Pending => SetState::Pending,
                Phase::Running | Phase::Active => SetState::Running,
                // A job held in an error state never runs; `engines stop` still deletes it.
                Phase::Ended | Phase::Failed => SetState::Dead,
            },
        };
    }
    let count = |check| piece.processes.iter().filter(|p| p.check == check).count();
    // Processes on other hosts count as their host answered; a host that did not makes the
    // whole set unknown unless something is known to run.
    let remote_up = piece
        .remote
        .iter()
        .filter_map(|(_, check)| check.as_ref().ok())
        .flatten()
        .filter(|up| **up)
        .count();
    let remote_total: usize = piece.remote.iter().map(|(h, _)| h.processes.len()).sum();
    let unanswered = piece.remote.iter().any(|(_, check)| check.is_err());
    let running = count(ProcessCheck::Running) + remote_up;
    let total = piece.processes.len() + remote_total;
    if total == 0 || (unanswered && running == 0) {
        SetState::Unknown
    } else if running == total {
        SetState::Running
    } else if running > 0 {
        SetState::Partial
    } else if count(ProcessCheck::Elsewhere) > 0 || unanswered {
        SetState::Unknown
    } else {
        SetState::Dead
    }
}

/// What `engines stop` ended.
#[derive(Debug)]
pub struct StoppedSet {
    pub set_id: String,
    pub n: u64,
    pub pids: Vec<i32>,
    pub job: Option<String>,
}

/// The outcome of [`StopSets::run`].
#[derive(Debug)]
pub struct Stopped {
    pub sets: Vec<StoppedSet>,
    /// The sets the cluster file still lists.
    pub remaining: Vec<String>,
    /// Processes that needed SIGKILL.
    pub killed: usize,
    /// The controller's engine count after the wait (`None` with `--no-wait`).
    pub registered: Option<HubCount>,
}

/// `rcluster engines stop`: the caller holds the cluster's lock and loaded `cluster` under it.
pub struct StopSets<'a> {
    pub cluster: &'a Cluster,
    pub set_ids: Vec<String>,
    pub grace: Duration,
    /// How long to wait for the controller to drop the stopped engines; `None`: do not wait.
    pub wait: Option<Duration>,
}

impl StopSets<'_> {
    pub fn run(&self, printer: &Printer) -> Result<Stopped> {
        let cluster = self.cluster;
        let id = display_id(&cluster.cluster_id).to_string();
        let file = cluster.file.as_ref().ok_or_else(|| {
            let why = cluster.file_error.clone().unwrap_or_else(|| {
                format!(
                    "`{}` does not exist",
                    crate::cluster_file::path(&cluster.profile.security_dir(), &cluster.cluster_id)
                        .display()
                )
            });
            Failure::error(format!(
                "cluster `{id}` has no readable cluster file to stop engine sets from: {why}"
            ))
            .hint("`rcluster stop` ends the whole cluster")
        })?;
        let pieces = cluster.pieces();
        let (chosen, kept) = self.choose(&pieces)?;
        // Nothing is touched until everything can be: processes on another host cannot be
        // signalled, and a scheduler that does not answer cannot confirm a job ended.
        let mut targets = Vec::new();
        for piece in &chosen {
            for entry in piece.processes.iter().chain(&piece.helpers) {
                match entry.check {
                    ProcessCheck::Running => targets.push(entry.pid),
                    ProcessCheck::Gone => {}
                    ProcessCheck::Reused => printer.warn(format!(
                        "pid {} (engine set `{}`) now belongs to another process; not signalled",
                        entry.pid,
                        piece.set_id.as_deref().unwrap_or("")
                    )),
                    ProcessCheck::Elsewhere => {
                        let host = cluster
                            .state
                            .as_ref()
                            .map_or("another host", |s| s.host.as_str());
                        return Err(Failure::error(format!(
                            "engine set `{}` of cluster `{id}` runs on `{host}`, where its processes cannot be signalled from here",
                            piece.set_id.as_deref().unwrap_or("")
                        ))
                        .hint(format!("run `rcluster engines stop` on `{host}`"))
                        .into());
                    }
                }
            }
        }
        let jobs = Jobs(chosen.iter().filter_map(|p| p.job.clone()).collect());
        let job_states = if jobs.is_empty() {
            JobStates::new()
        } else {
            jobs.query().map_err(|err| {
                Failure::error(format!(
                    "cannot ask {} about the engine jobs of cluster `{id}`: {err:#}",
                    jobs.display_name()
                ))
                .hint(format!(
                    "nothing was stopped; try again when {} answers",
                    jobs.display_name()
                ))
            })?
        };
        let active = jobs.filter(|job| job_states.get(job).is_some_and(JobInfo::is_active));
        // Engines on other hosts: each host over its own connection, before anything here.
        let hosts: Vec<RemoteHost> = chosen
            .iter()
            .flat_map(|p| p.remote.iter().map(|(host, _)| host.clone()))
            .collect();
        let mut remote_killed = 0;
        for (host, stopped) in hosts.iter().zip(stop_hosts(&hosts, self.grace, false)) {
            match stopped {
                Ok(stopped) if stopped.survivors.is_empty() => remote_killed += stopped.killed,
                Ok(stopped) => {
                    return Err(Failure::error(format!(
                        "the engine sets are not fully stopped; on host `{}`, pids {:?} still run",
                        host.host, stopped.survivors
                    ))
                    .hint(
                        "the cluster file still lists the sets; run `rcluster engines stop` again",
                    )
                    .into());
                }
                Err(err) => {
                    return Err(Failure::error(format!("{err:#}"))
                        .hint("the cluster file still lists the sets; run `rcluster engines stop` again when the host answers")
                        .into());
                }
            }
        }
        // Children (each engine's nanny) found while their parents still exist.
        let mut all = targets.clone();
        all.extend(
            process::descendants(&targets)
                .into_iter()
                .map(|(pid, _)| pid),
        );
        let grace = self.grace;
        let (outcome, ended) = std::thread::scope(|scope| {
            let ending = scope.spawn(|| jobs.end_gracefully(&job_states, grace));
            (process::terminate(&all, grace), ending.join())
        });
        match ended {
            Ok(result) => result?,
            Err(_) => {
                return Err(Failure::error(format!(
                    "cannot cancel the engine jobs {} of cluster `{id}`",
                    jobs.ids().join(", ")
                ))
                .into());
            }
        }
        active.confirm_ended(
            &format!("engine jobs of cluster `{id}`"),
            "the cluster file still lists the sets",
            "rcluster engines stop",
        )?;
        let swept = sweep_leftovers(cluster, &kept, self.grace);
        if let Some((pid, why)) = outcome.survivors.iter().chain(&swept.survivors).next() {
            return Err(Failure::error(format!(
                "the engine sets are not fully stopped; pid {pid} still runs: {why}"
            ))
            .hint("the cluster file still lists the sets; run `rcluster engines stop` again, or end that process as its owner")
            .into());
        }
        let stopped: Vec<StoppedSet> = chosen
            .iter()
            .map(|piece| StoppedSet {
                set_id: piece.set_id.clone().unwrap_or_default(),
                n: piece.n,
                pids: piece
                    .processes
                    .iter()
                    .map(|p| p.pid)
                    .chain(
                        piece
                            .remote
                            .iter()
                            .flat_map(|(h, _)| h.processes.iter().map(|p| p.pid)),
                    )
                    .collect(),
                job: piece.job.as_ref().map(|j| j.id.clone()),
            })
            .collect();
        forget(cluster, &file.path, &chosen)?;
        let registered = match self.wait {
            None => None,
            Some(timeout) => {
                // The hub keeps a stopped engine registered until it misses its heartbeats.
                let reloaded = Cluster::load(&cluster.profile, &cluster.cluster_id)?;
                match reloaded {
                    Some(now) => Some(wait_for_ended_engines_to_drop(
                        &cluster.profile,
                        &now,
                        timeout,
                        printer,
                    )?),
                    None => None,
                }
            }
        };
        Ok(Stopped {
            sets: stopped,
            remaining: kept
                .iter()
                .filter_map(|p| p.set_id.clone())
                .collect::<Vec<_>>(),
            killed: outcome.killed.len() + swept.killed.len() + remote_killed,
            registered,
        })
    }

    /// The sets named (each once), and every other piece of the cluster.
    fn choose<'p>(&self, pieces: &'p [Piece]) -> Result<(Vec<&'p Piece>, Vec<&'p Piece>)> {
        let known: Vec<&str> = pieces.iter().filter_map(|p| p.set_id.as_deref()).collect();
        for wanted in &self.set_ids {
            if !known.contains(&wanted.as_str()) {
                let id = display_id(&self.cluster.cluster_id);
                let sets = if known.is_empty() {
                    "it has no engine sets".to_string()
                } else {
                    format!(
                        "its engine sets are {}",
                        known
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(Failure::usage(format!(
                    "cluster `{id}` has no engine set `{wanted}`; {sets}"
                ))
                .hint("`rcluster engines list` shows them")
                .into());
            }
        }
        Ok(pieces
            .iter()
            .partition(|p| p.set_id.as_ref().is_some_and(|s| self.set_ids.contains(s))))
    }
}

/// Ends this cluster's processes that nothing accounts for any more (found by their
/// environment, as `stop`'s sweep), except those of the pieces that keep running. Only orphans
/// (whose parent is init) are taken: an engine of a kept batch job on this host has the job's
/// step as parent, and its pid is nowhere recorded.
fn sweep_leftovers(cluster: &Cluster, kept: &[&Piece], grace: Duration) -> process::Terminated {
    let kept_pids: Vec<i32> = kept
        .iter()
        .flat_map(|p| p.processes.iter().chain(&p.helpers))
        .filter(|p| p.check == ProcessCheck::Running)
        .map(|p| p.pid)
        .collect();
    let mut spared = kept_pids.clone();
    spared.extend(process::descendants(&kept_pids).into_iter().map(|(p, _)| p));
    let leftovers: Vec<i32> =
        process::find_by_cluster_env(&cluster.profile.dir, &cluster.cluster_id)
            .into_iter()
            .filter(|pid| !spared.contains(pid) && process::parent(*pid) == Some(1))
            .collect();
    process::terminate(&leftovers, grace)
}

/// Takes the stopped sets out of the cluster file (every other key stays as it was, `cluster.n`
/// loses their engines, as `engines add` added them) and out of rcluster's record (their
/// processes, jobs and batch scripts; their logs stay until `rcluster stop` removes them).
fn forget(cluster: &Cluster, path: &std::path::Path, chosen: &[&Piece]) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read cluster file `{}`", path.display()))?;
    let mut doc: Value = serde_json::from_str(&text)
        .with_context(|| format!("invalid cluster file `{}`", path.display()))?;
    let removed: u64 = chosen.iter().map(|p| p.n).sum();
    if let Some(sets) = doc
        .get_mut("engines")
        .and_then(|e| e.get_mut("sets"))
        .and_then(Value::as_object_mut)
    {
        for piece in chosen {
            if let Some(set_id) = &piece.set_id {
                sets.remove(set_id);
            }
        }
    }
    if let Some(n) = doc.pointer("/cluster/n").and_then(Value::as_u64) {
        doc["cluster"]["n"] = Value::from(n.saturating_sub(removed));
    }
    let pids: Vec<i32> = chosen
        .iter()
        .flat_map(|p| p.processes.iter().chain(&p.helpers))
        .map(|p| p.pid)
        .collect();
    let job_ids: Vec<&str> = chosen
        .iter()
        .filter_map(|p| p.job.as_ref())
        .map(|j| j.id.as_str())
        .collect();
    let mut scripts: Vec<PathBuf> = Vec::new();
    if let Some(mut record) = cluster.state.clone() {
        record.processes.retain(|p| !pids.contains(&p.pid));
        record.jobs.retain(|job| {
            let gone = job_ids.contains(&job.job_id.as_str());
            if gone {
                scripts.extend(job.script.clone());
            }
            !gone
        });
        record.files.retain(|f| !scripts.contains(f));
        let set_ids: Vec<&str> = chosen.iter().filter_map(|p| p.set_id.as_deref()).collect();
        record
            .remote
            .retain(|host| !set_ids.contains(&host.set_id.as_str()));
        // The logs go with the cluster's other logs when it stops (or stay with --keep-logs).
        for log in chosen.iter().flat_map(|p| &p.output_files) {
            let log = PathBuf::from(log);
            if !record.files.contains(&log) {
                record.files.push(log);
            }
        }
        let n = u32::try_from(removed).unwrap_or(u32::MAX);
        record.requested = record.requested.saturating_sub(n);
        // The record first: a cluster file without the sets but a record with them would still
        // have `stop` end their (gone) pids, never the other way round.
        record.write(&state::path(
            &cluster.profile.security_dir(),
            &cluster.cluster_id,
        ))?;
    }
    crate::fsutil::write_atomic(path, doc.to_string().as_bytes(), 0o600)?;
    for script in &scripts {
        crate::fsutil::remove_inside(&cluster.profile.dir, script)?;
    }
    Ok(())
}

/// What the controller counted when a wait for it to drop ended engines finished.
#[derive(Debug, Clone, Copy)]
pub struct HubCount {
    pub registered: usize,
    /// Engines it still counted although their processes or jobs have ended (0: it caught up).
    pub ended_but_counted: usize,
}

/// How long a half-written engine-state file is read again before it counts as unreadable.
const SETTLE_PATIENCE: Duration = Duration::from_secs(2);

/// Waits (up to `timeout`) until the controller no longer counts engines whose processes or jobs
/// have ended: it drops them after missed heartbeats (about 5 s with rcluster's settings).
pub fn wait_for_ended_engines_to_drop(
    profile: &Profile,
    cluster: &Cluster,
    timeout: Duration,
    printer: &Printer,
) -> Result<HubCount> {
    let job_states = cluster.job_set().query()?;
    let live: usize = cluster
        .pieces()
        .iter()
        .filter(|p| p.role == Role::Engines)
        .filter(|p| {
            let process_up = p
                .processes
                .iter()
                .any(|proc| proc.check == ProcessCheck::Running);
            let job_up = p.job.as_ref().is_some_and(|job: &JobRef| {
                job_states.get(&job.id).is_some_and(JobInfo::is_active)
            });
            // A host that did not answer counts as up: waiting on it could only time out.
            let remote_up = p
                .remote
                .iter()
                .any(|(_, check)| check.as_ref().map_or(true, |up| up.contains(&true)));
            process_up || job_up || remote_up
        })
        .map(|p| p.n as usize)
        .sum();
    let deadline = Instant::now() + timeout;
    let mut shown = None;
    loop {
        if let Some(signal) = interrupt::received() {
            return Err(
                Failure::new(128 + signal as i32, format!("interrupted by {signal}")).into(),
            );
        }
        // Unreadable for good, the file cannot tell: nothing to wait for.
        let registered = connection::registered_engines_settled(
            &profile.log_dir(),
            &cluster.cluster_id,
            SETTLE_PATIENCE,
        )
        .unwrap_or(0);
        if registered <= live || Instant::now() >= deadline {
            return Ok(HubCount {
                registered,
                ended_but_counted: registered.saturating_sub(live),
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ProcessEntry;

    fn piece(checks: &[ProcessCheck], job: bool) -> Piece {
        Piece {
            role: Role::Engines,
            set_id: Some("17".into()),
            class: "local".into(),
            n: checks.len() as u64,
            processes: checks
                .iter()
                .enumerate()
                .map(|(i, &check)| ProcessEntry {
                    pid: 100 + i as i32,
                    role: Role::Engines,
                    check,
                    output_file: None,
                })
                .collect(),
            job: job.then(|| JobRef {
                scheduler: crate::launcher::SCHEDULERS[0],
                id: "5".into(),
            }),
            output_files: Vec::new(),
            remote: Vec::new(),
            helpers: Vec::new(),
        }
    }

    fn info(phase: Phase) -> JobInfo {
        JobInfo {
            state: "X".into(),
            phase,
            reason: String::new(),
            nodes: String::new(),
            time_left: String::new(),
            time_used: None,
        }
    }

    #[test]
    fn a_set_of_processes_is_running_partial_or_dead_by_its_processes() {
        use ProcessCheck::*;
        assert_eq!(
            set_state(&piece(&[Running, Running], false), true, None),
            SetState::Running
        );
        assert_eq!(
            set_state(&piece(&[Running, Gone], false), true, None),
            SetState::Partial
        );
        assert_eq!(
            set_state(&piece(&[Gone, Reused], false), true, None),
            SetState::Dead
        );
        assert_eq!(
            set_state(&piece(&[Elsewhere], false), true, None),
            SetState::Unknown
        );
    }

    #[test]
    fn a_job_set_follows_its_job_and_is_unknown_when_the_scheduler_did_not_answer() {
        let job = piece(&[], true);
        assert_eq!(
            set_state(&job, true, Some(&info(Phase::Pending))),
            SetState::Pending
        );
        assert_eq!(
            set_state(&job, true, Some(&info(Phase::Running))),
            SetState::Running
        );
        assert_eq!(
            set_state(&job, true, Some(&info(Phase::Ended))),
            SetState::Dead
        );
        assert_eq!(set_state(&job, false, None), SetState::Unknown);
    }
}
