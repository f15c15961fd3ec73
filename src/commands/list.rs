//! `rcluster list`: every cluster of every profile, with its real state.

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, ListArgs};
use crate::ids::display_id;
use crate::ids::unix_now;

use crate::inventory::{Cluster, Health, ProcessCheck, Role, format_age};
use crate::launcher::{JobInfo, JobStates, Jobs};
use crate::output::Printer;
use crate::profile::Profile;

pub fn run(global: &GlobalArgs, args: &ListArgs, printer: Printer) -> Result<()> {
    // As `ipcluster list`: every profile, unless one was named.
    let profiles = Profile::selected_or_all(global)?;
    let mut clusters = Vec::new();
    for profile in &profiles {
        clusters.extend(
            Cluster::all_in(profile)?
                .into_iter()
                .filter(|c| !c.is_only_starting()),
        );
    }
    // One query per scheduler for every job of every cluster listed.
    let jobs = Jobs(clusters.iter().flat_map(|c| c.job_set().0).collect());
    let job_states = jobs.query_for_display(&printer);
    let mut rows = Vec::new();
    for cluster in &clusters {
        for why in cluster.file_error.iter().chain(&cluster.state_error) {
            printer.warn(why);
        }
        rows.push(Row::of(cluster, job_states.as_ref()));
    }
    if args.json {
        let list: Vec<Value> = rows.iter().map(Row::to_json).collect();
        crate::outln!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if rows.is_empty() {
        printer.status("no clusters");
        return Ok(());
    }
    crate::outln!(
        "{:<16} {:<24} {:<8} {:>8}  {:<14} {:>5}",
        "PROFILE",
        "CLUSTER ID",
        "STATE",
        "ENGINES",
        "LAUNCHER",
        "AGE"
    );
    for row in &rows {
        crate::outln!(
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

struct JobRow {
    job_id: String,
    role: &'static str,
    state: String,
    reason: String,
    nodes: String,
    time_left: String,
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
    jobs: Vec<JobRow>,
    cluster_file: String,
}

impl Row {
    fn of(cluster: &Cluster, job_states: Option<&JobStates>) -> Row {
        let processes = cluster.processes();
        let health = if cluster.file_error.is_some() && cluster.state.is_none() {
            Health::Unknown
        } else {
            cluster.health_given(job_states)
        };
        let jobs = cluster.jobs();
        let job_state = |id: &str| -> Option<&JobInfo> { job_states?.get(id) };
        let controller_alive = processes
            .iter()
            .any(|p| p.role == Role::Controller && p.check == ProcessCheck::Running)
            || jobs.iter().any(|(role, job)| {
                *role == Role::Controller && job_state(&job.id).is_none_or(JobInfo::is_active)
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
            jobs: jobs
                .iter()
                .map(|(role, job)| {
                    let info = job_state(&job.id);
                    JobRow {
                        job_id: job.id.clone(),
                        role: role.name(),
                        state: info.map_or("UNKNOWN".to_string(), |i| i.state.clone()),
                        reason: info.map(|i| i.reason.clone()).unwrap_or_default(),
                        nodes: info.map(|i| i.nodes.clone()).unwrap_or_default(),
                        time_left: info.map(|i| i.time_left.clone()).unwrap_or_default(),
                    }
                })
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
            "jobs": self.jobs.iter().map(|j| json!({
                "job_id": j.job_id, "role": j.role, "state": j.state, "reason": j.reason,
                "nodes": j.nodes, "time_left": j.time_left,
            })).collect::<Vec<_>>(),
            "cluster_file": self.cluster_file,
        })
    }
}
