//! `rcluster stop`: end every process and job of a cluster, confirm they are gone, remove its files.

use std::time::Duration;

use anyhow::Result;

use crate::cli::{GlobalArgs, StopArgs};
use crate::commands::start::display_id;
use crate::error::{EXIT_NO_SUCH_CLUSTER, Failure};
use crate::fsutil;
use crate::inventory::{Cluster, ProcessCheck};
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
    let clusters = select(&profile, args)?;
    if clusters.is_empty() {
        printer.status(format!(
            "no clusters to stop in profile `{}`",
            profile.label()
        ));
        return Ok(());
    }
    let mut failures = Vec::new();
    for cluster in clusters {
        if let Err(err) = stop_one(&cluster, args.keep_logs, grace, &printer) {
            failures.push(format!("{err:#}"));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::error(failures.join("\n")).into())
    }
}

/// The clusters named on the command line, or all of them, or the profile's only one.
pub fn select(profile: &Profile, args: &StopArgs) -> Result<Vec<Cluster>> {
    if args.all {
        return Cluster::all_in(profile);
    }
    let mut ids: Vec<String> = args.cluster_ids.clone();
    ids.extend(args.cluster_id.clone());
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
    let _lock = Lock::acquire(&cluster.profile.security_dir(), &cluster.cluster_id)?;
    if let Some(why) = &cluster.file_error {
        printer.warn(format!("{why}; stopping what rcluster's own record lists"));
    }
    let processes = cluster.processes();
    let mut targets = Vec::new();
    for entry in &processes {
        match entry.check {
            ProcessCheck::Running => targets.push(entry.pid),
            ProcessCheck::Gone => {}
            ProcessCheck::Reused => printer.warn(format!(
                "pid {} ({} of cluster `{id}`) now belongs to another process; not signalled",
                entry.pid,
                entry.role.name()
            )),
            ProcessCheck::Elsewhere => {
                let host = cluster
                    .state
                    .as_ref()
                    .map_or("another host", |s| s.host.as_str());
                return Err(Failure::error(format!(
                    "cluster `{id}` runs on `{host}`, not on this host: its processes cannot be signalled from here"
                ))
                .hint(format!("run `rcluster stop` on `{host}`"))
                .into());
            }
        }
    }
    // Children such as the controller's schedulers and each engine's nanny: found now, while
    // their parents still exist, so that none is left behind if a parent has to be killed.
    let children = process::descendants(&targets);
    let outcome = process::terminate(&targets, grace);
    let orphans: Vec<i32> = children
        .iter()
        .filter(|(pid, start)| process::is_alive(*pid) && process::start_time(*pid) == Some(*start))
        .map(|(pid, _)| *pid)
        .collect();
    let orphan_outcome = process::terminate(&orphans, Duration::from_secs(2));
    let survivors: Vec<String> = outcome
        .survivors
        .iter()
        .chain(&orphan_outcome.survivors)
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
    printer.status(format!(
        "stopped cluster `{id}` in profile `{}`: {} processes ended{killed}, {removed} files removed",
        cluster.profile.label(),
        targets.len(),
    ));
    Ok(())
}
