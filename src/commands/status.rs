//! `rcluster status`: one cluster in detail.

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, StatusArgs};
use crate::commands::stop::select_one;
use crate::connection;
use crate::ids::display_id;
use crate::ids::unix_now;
use crate::inventory::{Health, ProcessCheck, Role, format_age};
use crate::output::Printer;
use crate::profile::Profile;

pub fn run(global: &GlobalArgs, args: &StatusArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    profile.require()?;
    let cluster = select_one(&profile, args.cluster_id.clone())?;
    if let Some(why) = &cluster.file_error {
        printer.warn(why);
    }
    let job_states = cluster.job_set().query_for_display(&printer);
    let health = cluster.health_given(job_states.as_ref());
    let controller_up = health != Health::Dead;
    let registered = if controller_up {
        cluster.registered()
    } else {
        0
    };
    let id = &cluster.cluster_id;
    let mut pieces = Vec::new();
    for piece in cluster.pieces() {
        let job = piece.job.as_ref().map(|job| {
            let info = job_states.as_ref().and_then(|s| s.get(&job.id));
            json!({
                "job_id": job.id,
                "state": info.map_or("UNKNOWN", |i| i.state.as_str()),
                "reason": info.map(|i| i.reason.clone()).unwrap_or_default(),
                "nodes": info.map(|i| i.nodes.clone()).unwrap_or_default(),
                "time_left": info.map(|i| i.time_left.clone()).unwrap_or_default(),
            })
        });
        let processes: Vec<Value> = piece
            .processes
            .iter()
            .map(|p| {
                json!({
                    "pid": p.pid,
                    "state": match p.check {
                        ProcessCheck::Running => "running",
                        ProcessCheck::Gone => "gone",
                        ProcessCheck::Reused => "reused",
                        ProcessCheck::Elsewhere => "elsewhere",
                    },
                })
            })
            .collect();
        pieces.push(json!({
            "role": piece.role.name(),
            "engine_set": piece.set_id,
            "launcher": piece.class,
            "n": piece.n,
            "processes": processes,
            "job": job,
            "logs": piece.output_files,
        }));
    }
    // Engines on other hosts: each host asked once, all at once.
    let hosts: Vec<Value> = cluster
        .remote_hosts()
        .iter()
        .zip(cluster.remote_checks())
        .map(|(host, check)| {
            let states: Vec<Value> = host
                .processes
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let state = match check {
                        Ok(up) if up.get(i) == Some(&true) => "running",
                        Ok(_) => "gone",
                        Err(_) => "unknown",
                    };
                    json!({"pid": p.pid, "state": state, "log": p.log})
                })
                .collect();
            json!({
                "host": host.host,
                "via": host.via,
                "processes": states,
                "error": check.as_ref().err(),
            })
        })
        .collect();
    let profile_arg = match &profile.name {
        Some(name) if profile.cli_args().starts_with("--profile ") => format!("profile={name:?}"),
        _ => format!("profile_dir={:?}", profile.dir.to_string_lossy()),
    };
    let attach = format!("rc = ipp.Client({profile_arg}, cluster_id={id:?})");
    let removed: Vec<String> = cluster
        .state
        .as_ref()
        .map(|s| s.env_removed.clone())
        .unwrap_or_default();
    let security = profile.security_dir();
    let status = json!({
        "profile": profile.label(),
        "profile_dir": profile.dir,
        "cluster_id": id,
        "state": health.name(),
        "engines_registered": registered,
        "engines_requested": cluster.requested(),
        "created": cluster.created(),
        "age_seconds": cluster.created().map(|c| unix_now().saturating_sub(c)),
        "host": cluster.state.as_ref().map(|s| s.host.clone()),
        "pieces": pieces,
        "hosts": hosts,
        "slurm_env_removed": removed,
        "client_file": connection::connection_file(&security, id, "client"),
        "attach": attach,
    });
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    let age = cluster
        .created()
        .map_or("?".into(), |c| format_age(unix_now().saturating_sub(c)));
    crate::outln!(
        "cluster {} in profile {} ({})",
        display_id(id),
        profile.label(),
        profile.dir.display()
    );
    crate::outln!(
        "state: {} · engines {registered}/{} registered · age {age}{}",
        health.name(),
        cluster.requested(),
        cluster
            .state
            .as_ref()
            .map(|s| format!(" · started on {}", s.host))
            .unwrap_or_default()
    );
    for piece in &pieces {
        let role = if piece["role"] == Role::Controller.name() {
            "controller".to_string()
        } else {
            format!("engines {}", piece["engine_set"].as_str().unwrap_or(""))
        };
        let mut line = format!(
            "{role}: {} · {} ",
            piece["launcher"].as_str().unwrap_or("?"),
            piece["n"]
        );
        line.push_str(if piece["n"] == 1 {
            "process"
        } else {
            "engines"
        });
        if let Some(job) = piece["job"].as_object() {
            line.push_str(&format!(
                " · job {} {}",
                job["job_id"].as_str().unwrap_or(""),
                job["state"].as_str().unwrap_or("")
            ));
            for (key, label) in [
                ("reason", "reason"),
                ("nodes", "on"),
                ("time_left", "time left"),
            ] {
                if let Some(value) = job[key].as_str().filter(|v| !v.is_empty()) {
                    line.push_str(&format!(" · {label} {value}"));
                }
            }
        }
        let procs = piece["processes"].as_array().cloned().unwrap_or_default();
        if !procs.is_empty() {
            let shown: Vec<String> = procs
                .iter()
                .map(|p| format!("{} {}", p["pid"], p["state"].as_str().unwrap_or("")))
                .collect();
            line.push_str(&format!(" · pids {}", shown.join(", ")));
        }
        crate::outln!("{line}");
        for log in piece["logs"].as_array().into_iter().flatten() {
            crate::outln!("    log: {}", log.as_str().unwrap_or(""));
        }
    }
    for host in &hosts {
        let procs: Vec<String> = host["processes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| format!("{} {}", p["pid"], p["state"].as_str().unwrap_or("")))
            .collect();
        let error = host["error"]
            .as_str()
            .map(|e| format!(" · cannot ask it: {e}"))
            .unwrap_or_default();
        crate::outln!(
            "  host {} ({}): pids {}{error}",
            host["host"].as_str().unwrap_or(""),
            host["via"].as_str().unwrap_or(""),
            procs.join(", ")
        );
        for p in host["processes"].as_array().into_iter().flatten() {
            crate::outln!("    log: {}", p["log"].as_str().unwrap_or(""));
        }
    }
    if !removed.is_empty() {
        crate::outln!(
            "started inside a Slurm job; its jobs were submitted without that job's variables {}",
            removed.join(" ")
        );
    }
    crate::outln!("attach from Python:");
    crate::outln!("    import ipyparallel as ipp");
    crate::outln!("    {attach}");
    Ok(())
}
