//! `rcluster engines add`, `list` and `stop`.

use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::{EnginesAddArgs, EnginesListArgs, EnginesStopArgs, GlobalArgs};
use crate::commands::stop::select_one;
use crate::engine_sets;
use crate::error::Failure;
use crate::ids::display_id;
use crate::inventory::{Cluster, ProcessCheck};
use crate::launch::AddEngines;
use crate::launcher;
use crate::lock::Lock;
use crate::output::Printer;
use crate::profile::Profile;

pub fn add(global: &GlobalArgs, args: &EnginesAddArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    profile.require()?;
    let cluster = select_one(&profile, args.cluster_id.clone())?;
    let _lock = Lock::acquire(&profile.security_dir(), &cluster.cluster_id)?;
    let mut config = profile.load_config()?;
    // Default launcher: the one the cluster's engines already use.
    let existing = cluster.file.as_ref().and_then(|f| f.engine_class.clone());
    config.engines.launcher = match (args.engines, existing.as_deref()) {
        (Some(launcher), _) => launcher,
        (None, Some(class)) => launcher::engine_setting_for_class(class, config.engines.launcher)
            .unwrap_or(config.engines.launcher),
        (None, None) => config.engines.launcher,
    };
    if let Some(start) = args.engine_start {
        config.engines.start = start;
    }
    if let Some(k) = args.engines_per_job {
        config.engines.per_job = Some(k);
    }
    config.slurm.apply(&args.slurm);
    let n = match args.n.or(config.engines.n) {
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
    AddEngines {
        profile: &profile,
        cluster: &cluster,
        config,
        n,
        vars: args.vars.clone(),
        no_wait: args.no_wait,
        timeout,
    }
    .run(&printer)
}

/// The profile and the cluster `engines list`/`stop` act on.
fn cluster_of(global: &GlobalArgs, id: Option<String>) -> Result<(Profile, Cluster)> {
    let profile = Profile::from_args(global)?;
    profile.require()?;
    let cluster = select_one(&profile, id)?;
    Ok((profile, cluster))
}

pub fn list(global: &GlobalArgs, args: &EnginesListArgs, printer: Printer) -> Result<()> {
    let (_, cluster) = cluster_of(global, args.cluster.clone().or(args.cluster_id.clone()))?;
    for why in cluster.file_error.iter().chain(&cluster.state_error) {
        printer.warn(why);
    }
    let job_states = cluster.job_set().query_for_display(&printer);
    let sets = engine_sets::engine_sets(&cluster, job_states.as_ref());
    if args.json {
        let json = json!({
            "profile": cluster.profile.label(),
            "profile_dir": cluster.profile.dir.to_string_lossy(),
            "cluster_id": cluster.cluster_id,
            "engines_registered": cluster.registered(),
            "engines_requested": cluster.requested(),
            "sets": sets.iter().map(set_json).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let id = display_id(&cluster.cluster_id);
    if sets.is_empty() {
        printer.status(format!(
            "cluster `{id}` has no engine sets (`rcluster engines add` starts one)"
        ));
        return Ok(());
    }
    crate::outln!(
        "{:<12} {:<10} {:>5}  {:<8} RUNS AS",
        "SET",
        "LAUNCHER",
        "N",
        "STATE"
    );
    for set in &sets {
        let runs_as = match (&set.piece.job, &set.job_info) {
            (Some(job), Some(info)) => format!(
                "{} job {} {}",
                job.scheduler.display_name(),
                job.id,
                info.describe()
            ),
            (Some(job), None) => format!("{} job {} UNKNOWN", job.scheduler.display_name(), job.id),
            (None, _) => {
                let pids: Vec<String> = set
                    .piece
                    .processes
                    .iter()
                    .map(|p| match p.check {
                        ProcessCheck::Running => p.pid.to_string(),
                        ProcessCheck::Gone => format!("{} (gone)", p.pid),
                        ProcessCheck::Reused => format!("{} (reused)", p.pid),
                        ProcessCheck::Elsewhere => format!("{} (elsewhere)", p.pid),
                    })
                    .collect();
                format!("pids {}", pids.join(", "))
            }
        };
        crate::outln!(
            "{:<12} {:<10} {:>5}  {:<8} {runs_as}",
            set.set_id(),
            set.piece.class,
            set.piece.n,
            set.state.name()
        );
    }
    Ok(())
}

fn set_json(set: &engine_sets::EngineSet) -> Value {
    json!({
        "set_id": set.set_id(),
        "launcher": set.piece.class,
        "n": set.piece.n,
        "state": set.state.name(),
        "processes": set.piece.processes.iter().map(|p| json!({
            "pid": p.pid,
            "state": match p.check {
                ProcessCheck::Running => "running",
                ProcessCheck::Gone => "gone",
                ProcessCheck::Reused => "reused",
                ProcessCheck::Elsewhere => "elsewhere",
            },
        })).collect::<Vec<_>>(),
        "job": set.piece.job.as_ref().map(|job| {
            let info = set.job_info.as_ref();
            json!({
                "job_id": job.id,
                "scheduler": job.scheduler.name(),
                "state": info.map_or("UNKNOWN", |i| i.state.as_str()),
                "reason": info.map_or("", |i| i.reason.as_str()),
                "nodes": info.map_or("", |i| i.nodes.as_str()),
                "time_left": info.map_or("", |i| i.time_left.as_str()),
            })
        }),
        "logs": set.piece.output_files,
    })
}

pub fn stop(global: &GlobalArgs, args: &EnginesStopArgs, printer: Printer) -> Result<()> {
    let seconds = |value: f64, flag: &str, example: &str| {
        Duration::try_from_secs_f64(value).map_err(|_| {
            Failure::usage(format!(
                "invalid --{flag} `{value}`: give seconds, e.g. {example}"
            ))
        })
    };
    let grace = seconds(args.grace, "grace", "5")?;
    let timeout = seconds(args.timeout, "timeout", "60")?;
    let (profile, cluster) = cluster_of(global, args.cluster_id.clone())?;
    let _lock = Lock::acquire(&profile.security_dir(), &cluster.cluster_id)?;
    // What the cluster runs may have changed before the lock was ours.
    let cluster = Cluster::load(&profile, &cluster.cluster_id)?.unwrap_or(cluster);
    let mut set_ids = args.sets.clone();
    set_ids.sort();
    set_ids.dedup();
    let stopped = engine_sets::StopSets {
        cluster: &cluster,
        set_ids,
        grace,
        wait: (!args.no_wait).then_some(timeout),
    }
    .run(&printer)?;
    let id = display_id(&cluster.cluster_id);
    if let Some(count) = stopped.registered
        && count.ended_but_counted > 0
    {
        printer.warn(format!(
            "after {} s the controller still counts {} engines that have ended; it drops them when they miss their heartbeats",
            args.timeout, count.ended_but_counted
        ));
    }
    if args.json {
        let json = json!({
            "cluster_id": cluster.cluster_id,
            "stopped": stopped.sets.iter().map(|s| json!({
                "set_id": s.set_id, "n": s.n, "pids": s.pids, "job_id": s.job,
            })).collect::<Vec<_>>(),
            "remaining_sets": stopped.remaining,
            "engines_registered": stopped.registered.map(|c| c.registered),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&json)?);
    }
    let names: Vec<String> = stopped
        .sets
        .iter()
        .map(|s| format!("`{}` ({} engines)", s.set_id, s.n))
        .collect();
    let killed = if stopped.killed == 0 {
        String::new()
    } else {
        format!(" ({} needed SIGKILL)", stopped.killed)
    };
    let now = match stopped.registered {
        Some(count) => format!("; {} engines registered", count.registered),
        None => String::new(),
    };
    printer.status(format!(
        "stopped engine set{} {} of cluster `{id}`{killed}{now}",
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    ));
    if stopped.remaining.is_empty() {
        printer.status(format!(
            "cluster `{id}` has no engine sets now; its controller still runs (`rcluster engines add` starts engines, `rcluster stop` ends the cluster)"
        ));
    }
    Ok(())
}
