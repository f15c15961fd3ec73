//! `rcluster status`: processes, jobs with their time left, engines registered, logs, and the
//! line that attaches.

mod common;

use common::{Env, slurm_available};
use predicates::prelude::*;

#[test]
fn status_of_a_local_cluster() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "st", 2);
    let pids = env.recorded_pids("p", "st");
    env.rcluster()
        .args(["status", "--profile", "p"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("cluster st in profile p")
                .and(predicate::str::contains(
                    "state: running · engines 2/2 registered",
                ))
                .and(predicate::str::contains(format!(
                    "pids {} running",
                    pids[0]
                )))
                .and(predicate::str::contains("log: "))
                .and(predicate::str::contains(
                    "rc = ipp.Client(profile=\"p\", cluster_id=\"st\")",
                )),
        );
    let out = env
        .rcluster()
        .args(["status", "--profile", "p", "st", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["state"], "running");
    assert_eq!(status["engines_registered"], 2);
    let pieces = status["pieces"].as_array().unwrap();
    assert_eq!(pieces.len(), 2);
    assert_eq!(pieces[1]["processes"].as_array().unwrap().len(), 2);
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
}

#[test]
fn status_shows_slurm_jobs_nodes_and_time_left() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    env.create_slurm_profile("s");
    env.rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "-n",
            "1",
            "--cluster-id",
            "tl",
            "--time",
            "10:00",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    let out = env
        .rcluster()
        .args(["status", "--profile", "s", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for piece in status["pieces"].as_array().unwrap() {
        let job = &piece["job"];
        assert_eq!(job["state"], "RUNNING", "{status}");
        assert!(
            job["nodes"].as_str().unwrap().starts_with("node"),
            "{status}"
        );
        let left = job["time_left"].as_str().unwrap();
        assert!(
            left.starts_with('9') || left.starts_with("10:00"),
            "time left {left}"
        );
    }
    env.rcluster()
        .args(["status", "--profile", "s"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("time left 9:")
                .or(predicate::str::contains("time left 10:00")),
        );
    env.rcluster()
        .args(["stop", "--profile", "s"])
        .assert()
        .success();
}
