//! `rcluster stop`: end every process and job of a cluster, confirm they are gone, remove its files.

use std::time::Duration;

use anyhow::Result;

use crate::cli::{GlobalArgs, StopArgs};
use crate::error::{EXIT_NO_SUCH_CLUSTER, Failure};
use crate::fsutil;
use crate::ids::display_id;
use crate::inventory::{Cluster, ProcessCheck};
use crate::launcher::{JobStates, Jobs, stop_hosts};
use crate::lock::Lock;
use crate::output::Printer;
use crate::process;
use crate::profile::Profile;

pub fn run(global: &GlobalArgs, args: &StopArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    profile.require()?;
    let grace = Duration::try_from_secs_f64(args.grace).map_err(|_| {
        Failure::usage(format!(
            "invalid --grace `{}`: give seconds, e.g. 5",
            args.grace
        ))
    })?;
    let mut ids = args.cluster_ids.clone();
    ids.extend(args.cluster_id.clone());
    let clusters = select(&profile, ids, args.all)?;
    if clusters.is_empty() {
        printer.status(format!(
            "no clusters to stop in profile `{}`",
            profile.label()
        ));
        return Ok(());
    }
    if clusters.len() == 1 {
        return stop_one(&clusters[0], args.keep_logs, grace, &printer);
    }
    // Several clusters: each failure is reported as it happens, and the others still stop.
    let total = clusters.len();
    let mut failed = 0;
    for cluster in &clusters {
        if let Err(err) = stop_one(cluster, args.keep_logs, grace, &printer) {
            let (_, hint) = crate::error::code_and_hint(&err);
            printer.error(format!("{err:#}"));
            if let Some(hint) = hint {
                printer.hint(hint);
            }
            failed += 1;
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::error(format!("{failed} of {total} clusters could not be stopped")).into())
    }
}

/// The clusters named on the command line, or all of them, or the profile's only one.
pub fn select(profile: &Profile, ids: Vec<String>, all: bool) -> Result<Vec<Cluster>> {
    if all {
        return Cluster::all_in(profile);
    }
    if ids.is_empty() {
        let mut all = Cluster::all_in(profile)?;
        return match all.len() {
            0 => Err(no_such_cluster(profile, None)),
            1 => Ok(all.split_off(0)),
            _ => {
                let names: Vec<String> = all
                    .iter()
                    .map(|c| format!("`{}`", display_id(&c.cluster_id)))
                    .collect();
                Err(Failure::usage(format!(
                    "profile `{}` has {} clusters: {}",
                    profile.label(),
                    all.len(),
                    names.join(", ")
                ))
                .hint("name the cluster id, or pass `--all`")
                .into())
            }
        };
    }
    let mut clusters = Vec::new();
    for id in ids {
        match Cluster::load(profile, &id)? {
            Some(cluster) => clusters.push(cluster),
            None => return Err(no_such_cluster(profile, Some(&id))),
        }
    }
    Ok(clusters)
}

/// The one cluster a command without `--all` acts on.
pub fn select_one(profile: &Profile, id: Option<String>) -> Result<Cluster> {
    let mut clusters = select(profile, id.into_iter().collect(), false)?;
    clusters.pop().ok_or_else(|| no_such_cluster(profile, None))
}

fn no_such_cluster(profile: &Profile, id: Option<&str>) -> anyhow::Error {
    let message = match id {
        Some(id) => format!(
            "no cluster `{}` in profile `{}`",
            display_id(id),
            profile.label()
        ),
        None => format!("no clusters in profile `{}`", profile.label()),
    };
    Failure::new(EXIT_NO_SUCH_CLUSTER, message)
        .hint("`rcluster list` shows the clusters of every profile")
        .into()
}

fn stop_one(cluster: &Cluster, keep_logs: bool, grace: Duration, printer: &Printer) -> Result<()> {
    let id = display_id(&cluster.cluster_id);
    // A start of the same cluster in progress is told to roll back first.
    let _lock = Lock::acquire_interrupting(
        &cluster.profile.security_dir(),
        &cluster.cluster_id,
        Duration::from_secs(60),
    )?;
    // What the start had written may have changed while it rolled back.
    let reloaded = Cluster::load(&cluster.profile, &cluster.cluster_id)?;
    let Some(cluster) = reloaded.as_ref().filter(|c| !c.is_only_starting()) else {
        // Nothing but a lock: a start that was rolled back, or killed before it wrote
        // anything; the lock, now ours, goes when this function returns.
        printer.status(format!(
            "cluster `{id}` is gone (its start never got going or was rolled back)"
        ));
        return Ok(());
    };
    if cluster.file.is_none() && cluster.state.is_none() {
        // Nothing readable says what runs: stopping nothing and deleting the files could orphan
        // a running cluster.
        let why = cluster
            .file_error
            .iter()
            .chain(&cluster.state_error)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Failure::error(format!("cannot stop cluster `{id}`: {why}"))
            .hint("nothing was stopped or removed; fix the file, or remove it with `rcluster clean --force` if the cluster is gone")
            .into());
    }
    if let Some(why) = &cluster.file_error {
        printer.warn(format!("{why}; stopping what rcluster's own record lists"));
    }
    if let Some(why) = &cluster.state_error {
        printer.warn(format!(
            "{why}; stopping what the cluster file lists, checking each command line"
        ));
    }
    let processes = cluster.processes();
    let mut targets = Vec::new();
    let mut elsewhere = Vec::new();
    for entry in &processes {
        match entry.check {
            ProcessCheck::Running => targets.push(entry.pid),
            ProcessCheck::Gone => {}
            ProcessCheck::Reused => printer.warn(format!(
                "pid {} ({} of cluster `{id}`) now belongs to another process; not signalled",
                entry.pid,
                entry.role.name()
            )),
            ProcessCheck::Elsewhere => elsewhere.push(entry.pid),
        }
    }
    // Ask the scheduler first: if it cannot answer, nothing has been touched yet.
    let jobs = cluster.job_set();
    let live = live_jobs(&jobs, id)?;
    let to_wait = live.active();
    if !elsewhere.is_empty() {
        // The jobs at least end now; the processes wait for a stop on their host.
        live.end(grace)?;
        let _ = to_wait.wait_ended(crate::launcher::JOB_END_TIMEOUT);
        let host = cluster
            .state
            .as_ref()
            .map_or("another host", |s| s.host.as_str());
        return Err(Failure::error(format!(
            "cluster `{id}` has processes on `{host}` (pids {}), which cannot be signalled from here{}",
            elsewhere.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", "),
            if jobs.is_empty() { String::new() } else { format!("; its {} jobs {} were cancelled", jobs.display_name(), jobs.ids().join(", ")) }
        ))
        .hint(format!("run `rcluster stop` on `{host}` to end them and remove the files"))
        .into());
    }
    // The engines on other hosts first, each host over its own connection (all at once), as
    // ipyparallel stops engines before the controller; and before the sweep for this host's
    // processes below, which would otherwise find them too where a "host" is this machine.
    let hosts = cluster.remote_hosts();
    let remote = stop_hosts(hosts, grace, keep_logs);
    let mut remote_ended = 0;
    let mut remote_failures = Vec::new();
    for (host, stopped) in hosts.iter().zip(remote) {
        match stopped {
            Ok(stopped) if stopped.survivors.is_empty() => remote_ended += stopped.ended,
            Ok(stopped) => remote_failures.push(format!(
                "host `{}`: pids {} still run",
                host.host,
                stopped
                    .survivors
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Err(err) => remote_failures.push(format!("{err:#}")),
        }
    }
    if !remote_failures.is_empty() {
        return Err(Failure::error(format!(
            "cluster `{id}` is not fully stopped: {}",
            remote_failures.join("; ")
        ))
        .hint("its files were kept; run `rcluster stop` again when the hosts answer")
        .into());
    }
    // Children such as the controller's schedulers and each engine's nanny: found now, while
    // their parents still exist, so that none is left behind if a parent has to be killed.
    let mut children = process::descendants(&targets);
    // And those a parent killed earlier (SIGKILL, OOM) left behind, found by their environment.
    for pid in process::find_by_cluster_env(&cluster.profile.dir, &cluster.cluster_id) {
        if !targets.contains(&pid) && !children.iter().any(|(p, _)| *p == pid) {
            children.extend(process::start_time(pid).map(|start| (pid, start)));
        }
    }
    // Everything at once: parents and children exit in parallel, not one after another.
    let mut all = targets.clone();
    all.extend(
        children
            .iter()
            .filter(|(pid, start)| process::start_time(*pid) == Some(*start))
            .map(|(pid, _)| *pid),
    );
    // The jobs and the local processes (a controller on this host) end at the same time.
    let (outcome, ended) = std::thread::scope(|scope| {
        let jobs = scope.spawn(|| live.end(grace));
        let outcome = process::terminate(&all, grace);
        (outcome, jobs.join())
    });
    match ended {
        Ok(result) => result?,
        Err(_) => {
            return Err(Failure::error(format!("cannot cancel the jobs of cluster `{id}`")).into());
        }
    }
    let survivors: Vec<String> = outcome
        .survivors
        .iter()
        .map(|(pid, why)| format!("pid {pid}: {why}"))
        .collect();
    if !survivors.is_empty() {
        return Err(Failure::error(format!(
            "cluster `{id}` is not fully stopped; still running: {}",
            survivors.join(", ")
        ))
        .hint(
            "its files were kept; run `rcluster stop` again, or end those processes as their owner",
        )
        .into());
    }
    to_wait.confirm_ended(
        &format!("jobs of cluster `{id}`"),
        "its files were kept",
        "rcluster stop",
    )?;
    // Whatever outlived its job step or its parent on this host.
    let swept = process::sweep_cluster_env(&cluster.profile.dir, &cluster.cluster_id, grace);
    if let Some((pid, why)) = swept.survivors.first() {
        return Err(Failure::error(format!(
            "cluster `{id}` is not fully stopped; pid {pid} still runs: {why}"
        ))
        .hint("its files were kept; run `rcluster stop` again")
        .into());
    }
    let mut removed = 0;
    for file in cluster.files(!keep_logs) {
        if fsutil::remove_inside(&cluster.profile.dir, &file)? {
            removed += 1;
        }
    }
    let killed = if outcome.killed.is_empty() {
        String::new()
    } else {
        format!(" ({} needed SIGKILL)", outcome.killed.len())
    };
    let jobs_part = if jobs.is_empty() {
        String::new()
    } else {
        format!(
            "{} {} job{} ended, ",
            jobs.len(),
            jobs.display_name(),
            if jobs.len() == 1 { "" } else { "s" }
        )
    };
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let remote_part = if hosts.is_empty() {
        String::new()
    } else {
        format!(
            "{} on {} ended, ",
            count(remote_ended, "engine", "engines"),
            count(distinct_hosts(hosts), "host", "hosts")
        )
    };
    printer.status(format!(
        "stopped cluster `{id}` in profile `{}`: {jobs_part}{remote_part}{} ended{killed}, {} removed",
        cluster.profile.label(),
        count(targets.len(), "process", "processes"),
        count(removed, "file", "files"),
    ));
    Ok(())
}

/// The cluster's jobs, with the states their scheduler reported.
struct LiveJobs<'a> {
    jobs: &'a Jobs,
    states: JobStates,
}

impl LiveJobs<'_> {
    /// Those still running or queued.
    fn active(&self) -> Jobs {
        self.jobs
            .filter(|id| self.states.get(id).is_some_and(|i| i.is_active()))
    }

    fn end(&self, grace: Duration) -> Result<()> {
        self.jobs.end_gracefully(&self.states, grace)
    }
}

/// Asks the scheduler which jobs are still active. If it cannot be asked, nothing is assumed
/// gone: the error keeps the files for another try.
fn live_jobs<'a>(jobs: &'a Jobs, id: &str) -> Result<LiveJobs<'a>> {
    if jobs.is_empty() {
        return Ok(LiveJobs {
            jobs,
            states: JobStates::new(),
        });
    }
    let states = jobs.query().map_err(|err| {
        Failure::error(format!(
            "cannot ask {} about the jobs of cluster `{id}`: {err:#}",
            jobs.display_name()
        ))
        .hint(format!(
            "nothing was stopped or removed; run `rcluster stop` again when {} answers",
            jobs.display_name()
        ))
    })?;
    Ok(LiveJobs { jobs, states })
}

/// How many hosts: `engines add` records a host again for each set it starts there.
fn distinct_hosts(hosts: &[crate::launcher::RemoteHost]) -> usize {
    let mut names: Vec<&str> = hosts.iter().map(|h| h.host.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}
