//! `rcluster list`: every cluster of every profile, with its real state.

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, ListArgs};
use crate::commands::start::display_id;
use crate::ids::unix_now;
use crate::inventory::{Cluster, Health, ProcessCheck, format_age};
use crate::output::Printer;
use crate::profile::Profile;

pub fn run(global: &GlobalArgs, args: &ListArgs, printer: Printer) -> Result<()> {
    // As `ipcluster list`: every profile, unless one was named.
    let profiles = if global.profile.is_some() || global.profile_dir.is_some() {
        let profile = Profile::from_args(global)?;
        profile.require()?;
        vec![profile]
    } else {
        Profile::all()?
    };
    let mut rows = Vec::new();
    for profile in &profiles {
        for cluster in Cluster::all_in(profile)? {
            if let Some(why) = &cluster.file_error {
                printer.warn(why);
            }
            rows.push(Row::of(&cluster));
        }
    }
    if args.json {
        let list: Vec<Value> = rows.iter().map(Row::to_json).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if rows.is_empty() {
        printer.status("no clusters");
        return Ok(());
    }
    println!(
        "{:<16} {:<24} {:<8} {:>8}  {:<14} {:>5}",
        "PROFILE", "CLUSTER ID", "STATE", "ENGINES", "LAUNCHER", "AGE"
    );
    for row in &rows {
        println!(
            "{:<16} {:<24} {:<8} {:>8}  {:<14} {:>5}",
            row.profile,
            display_id(&row.cluster_id),
            row.health.name(),
            format!("{}/{}", row.registered, row.requested),
            row.launcher,
            row.created.map_or("?".to_string(), |c| format_age(
                unix_now().saturating_sub(c)
            )),
        );
    }
    Ok(())
}

struct Row {
    profile: String,
    profile_dir: String,
    cluster_id: String,
    health: Health,
    registered: usize,
    requested: u64,
    launcher: String,
    created: Option<u64>,
    processes: Vec<(i32, &'static str, &'static str)>,
    jobs: Vec<(String, &'static str)>,
    cluster_file: String,
}

impl Row {
    fn of(cluster: &Cluster) -> Row {
        let processes = cluster.processes();
        let health = if cluster.file_error.is_some() && cluster.state.is_none() {
            Health::Unknown
        } else {
            cluster.health()
        };
        let controller_alive = processes.iter().any(|p| {
            p.role == crate::inventory::Role::Controller && p.check == ProcessCheck::Running
        });
        Row {
            profile: cluster.profile.label(),
            profile_dir: cluster.profile.dir.to_string_lossy().into_owned(),
            cluster_id: cluster.cluster_id.clone(),
            health,
            registered: if controller_alive {
                cluster.registered()
            } else {
                0
            },
            requested: cluster.requested(),
            launcher: cluster.launcher_label(),
            created: cluster.created(),
            processes: processes
                .iter()
                .map(|p| {
                    let check = match p.check {
                        ProcessCheck::Running => "running",
                        ProcessCheck::Gone => "gone",
                        ProcessCheck::Reused => "reused",
                        ProcessCheck::Elsewhere => "elsewhere",
                    };
                    (p.pid, p.role.name(), check)
                })
                .collect(),
            jobs: cluster
                .jobs()
                .into_iter()
                .map(|(role, id)| (id, role.name()))
                .collect(),
            cluster_file: crate::cluster_file::path(
                &cluster.profile.security_dir(),
                &cluster.cluster_id,
            )
            .to_string_lossy()
            .into_owned(),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "profile": self.profile,
            "profile_dir": self.profile_dir,
            "cluster_id": self.cluster_id,
            "state": self.health.name(),
            "engines_registered": self.registered,
            "engines_requested": self.requested,
            "launcher": self.launcher,
            "created": self.created,
            "age_seconds": self.created.map(|c| unix_now().saturating_sub(c)),
            "processes": self.processes.iter().map(|(pid, role, state)| json!({"pid": pid, "role": role, "state": state})).collect::<Vec<_>>(),
            "jobs": self.jobs.iter().map(|(id, role)| json!({"job_id": id, "role": role})).collect::<Vec<_>>(),
            "cluster_file": self.cluster_file,
        })
    }
}
