//! Issue 6, other hosts: JupyterHub runs the notebook (and a local controller) on a compute
//! node, and the user stops the cluster from the login node. Pids recorded on another host are
//! never signalled here; if that host died with the controller, the engines are orphans that
//! `list` shows and `stop` cleans up.

mod common;

use std::process::Command;

use common::{Env, alive, slurm_available};
use predicates::prelude::*;

/// Starts a local controller with Slurm engines, then rewrites rcluster's record as if the
/// controller had been started on `host`.
fn cluster_from_another_host(env: &Env, id: &str, host: &str) -> (i32, Vec<String>) {
    env.rcluster()
        .args(["profile", "create", "s", "--preset", "local"])
        .assert()
        .success();
    env.rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "--engines",
            "slurm",
            "-n",
            "1",
            "--cluster-id",
            id,
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    let path = env.security("s").join(format!("rcluster-{id}.json"));
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    state["host"] = serde_json::Value::from(host);
    std::fs::write(&path, state.to_string()).unwrap();
    let controller = env.recorded_pids("s", id)[0];
    (controller, common::recorded_jobs(env, "s", id))
}

fn state_of(env: &Env) -> String {
    let out = env
        .rcluster()
        .args(["list", "--json", "--profile", "s"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    rows[0]["state"].as_str().unwrap_or("").to_string()
}

#[test]
fn controller_dead_with_its_host_leaves_orphans_that_stop_cleans_up() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    let (controller, jobs) = cluster_from_another_host(&env, "orph", "notebook-node-7");
    // The notebook's node dies: the controller and its children vanish, files stay behind.
    let mut doomed = vec![controller];
    doomed.extend(common::processes_under(&env.ipython_dir));
    for pid in &doomed {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(common::wait_all_gone(&doomed, std::time::Duration::from_secs(5)).is_empty());
    assert_eq!(state_of(&env), "orphaned");
    env.rcluster()
        .args(["stop", "--profile", "s", "orph"])
        .assert()
        .success();
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
    assert_eq!(env.security_files_of("s", "orph"), Vec::<String>::new());
}

#[test]
fn processes_on_a_live_other_host_are_not_signalled_and_stop_says_where() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    let (controller, jobs) = cluster_from_another_host(&env, "away", "notebook-node-8");
    assert_eq!(
        state_of(&env),
        "unknown",
        "processes on another host cannot be checked from here"
    );
    env.rcluster()
        .args(["stop", "--profile", "s", "away"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("notebook-node-8")
                .and(predicate::str::contains("were cancelled")),
        );
    assert!(
        alive(controller),
        "a pid recorded on another host was signalled here"
    );
    assert_eq!(
        common::active_jobs(&jobs),
        Vec::<String>::new(),
        "the Slurm jobs were not cancelled"
    );
    // Back on "its" host, stop finishes the job.
    let path = env.security("s").join("rcluster-away.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    state["host"] = serde_json::Value::from(
        String::from_utf8(Command::new("hostname").output().unwrap().stdout)
            .unwrap()
            .trim(),
    );
    std::fs::write(&path, state.to_string()).unwrap();
    env.rcluster()
        .args(["stop", "--profile", "s", "away"])
        .assert()
        .success();
    assert!(!alive(controller));
    assert_eq!(env.security_files_of("s", "away"), Vec::<String>::new());
}
