//! Issue 2's acceptance: local clusters that stock ipyparallel attaches to, lists and stops, and
//! ipcluster's clusters that rcluster lists and stops.

mod common;

use std::time::Duration;

use common::{Env, alive, wait_all_gone};
use predicates::prelude::*;

#[test]
fn interop_client_attaches_computes_on_three_engines() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "a1", 3);
    let out = env.python_ok(
        r#"
import os, ipyparallel as ipp
rc = ipp.Client(profile="p", cluster_id="a1")
rc.wait_for_engines(3, timeout=30)
pids = rc[:].apply_sync(os.getpid)
print(len(set(pids)))
view = rc.load_balanced_view()
print(view.map_sync(lambda x: x * x, range(10)))
"#,
    );
    assert_eq!(out, "3\n[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n");
}

#[test]
fn interop_python_loads_cluster_file_without_rewriting_it() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "a2", 2);
    let path = env.security("p").join("cluster-a2.json");
    let before = std::fs::read(&path).unwrap();
    let out = env.python_ok(
        r#"
import ipyparallel as ipp
cluster = ipp.Cluster.from_file(profile="p", cluster_id="a2")
rc = cluster.connect_client_sync()
rc.wait_for_engines(2, timeout=30)
print(sorted(rc.ids), cluster.controller.state, list(cluster.engines))
"#,
    );
    assert!(out.starts_with("[0, 1] running ["), "{out}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "Python rewrote the cluster file"
    );
}

#[test]
fn interop_ipcluster_lists_and_stops_an_rcluster_cluster() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "a3", 3);
    let pids = env.recorded_pids("p", "a3");
    assert_eq!(pids.len(), 4);
    let list = env.ipcluster(&["list", "--profile=p"]);
    let text = String::from_utf8_lossy(&list.stdout);
    let row = text
        .lines()
        .find(|l| l.contains("a3"))
        .unwrap_or_else(|| panic!("no row:\n{text}"));
    let words: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(words, ["p", "a3", "True", "3", "Local"], "{text}");

    let stop = env.ipcluster(&["stop", "--profile=p", "--cluster-id=a3"]);
    assert!(
        stop.status.success(),
        "{}",
        String::from_utf8_lossy(&stop.stderr)
    );
    assert_eq!(
        wait_all_gone(&pids, Duration::from_secs(20)),
        Vec::<i32>::new()
    );
    // ipcluster removes the files it knows; rcluster's own record and the engines' copy of the
    // connection file go at rcluster's next look.
    // So does the spec of the engines' forker (fork start, the default).
    let mut left = env.security_files_of("p", "a3");
    left.sort();
    assert!(
        left.iter()
            .any(|f| f.starts_with("forker-a3-") && f.ends_with("-spec.json")),
        "{left:?}"
    );
    left.retain(|f| !f.starts_with("forker-a3-"));
    assert_eq!(left, ["rcluster-a3.engine", "rcluster-a3.json"]);
    env.rcluster()
        .args(["list", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
    assert_eq!(env.security_files_of("p", "a3"), Vec::<String>::new());
}

#[test]
fn interop_rcluster_lists_and_stops_an_ipcluster_cluster() {
    let env = Env::new();
    env.create_profile("p");
    let started = env.ipcluster(&[
        "start",
        "--profile=p",
        "--cluster-id=ipc",
        "-n",
        "2",
        "--daemonize",
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let pids = env.recorded_pids("p", "ipc");
    assert_eq!(pids.len(), 3);

    let list = env.rcluster().args(["list", "--json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["cluster_id"] == "ipc")
        .expect("ipcluster's cluster listed");
    assert_eq!(row["profile"], "p");
    assert_eq!(row["engines_requested"], 2);
    assert!(matches!(row["state"].as_str(), Some("running")), "{row}");

    env.rcluster()
        .args(["stop", "--profile", "p", "ipc"])
        .assert()
        .success();
    assert_eq!(
        wait_all_gone(&pids, Duration::from_secs(10)),
        Vec::<i32>::new()
    );
    assert!(common::processes_under(&env.ipython_dir).is_empty());
    assert_eq!(env.security_files_of("p", "ipc"), Vec::<String>::new());
}

#[test]
fn stop_leaves_no_process_and_no_file() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "a5", 2);
    let pids = env.recorded_pids("p", "a5");
    assert!(pids.iter().all(|p| alive(*p)));
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success()
        .stderr(predicate::str::contains("stopped cluster `a5`"));
    // stop confirms the processes are gone before it returns: no waiting here.
    assert!(pids.iter().all(|p| !alive(*p)), "still alive: {pids:?}");
    assert!(common::processes_under(&env.ipython_dir).is_empty());
    assert_eq!(env.security_files_of("p", "a5"), Vec::<String>::new());
    let log = env.profile_dir("p").join("log");
    let logs: Vec<_> = std::fs::read_dir(log)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(logs.is_empty(), "logs left: {logs:?}");
}

#[test]
fn starting_a_running_cluster_exits_10_and_stopping_a_missing_one_exits_11() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "dup", 1);
    env.rcluster()
        .args(["start", "--profile", "p", "--cluster-id", "dup", "-n", "1"])
        .assert()
        .code(10)
        .stderr(predicate::str::contains("cluster `dup` is already running"));
    env.rcluster()
        .args(["stop", "--profile", "p", "nope"])
        .assert()
        .code(11)
        .stderr(predicate::str::contains("no cluster `nope` in profile `p`"));
}

#[test]
fn empty_cluster_id_is_addressable() {
    let env = Env::new();
    env.create_profile("p");
    env.rcluster()
        .args(["start", "--profile", "p", "--cluster-id", "", "-n", "1"])
        .assert()
        .success();
    assert!(env.security("p").join("cluster-.json").exists());
    assert!(env.security("p").join("ipcontroller-client.json").exists());
    let out = env.python_ok(
        "import ipyparallel as ipp\nrc = ipp.Client(profile='p')\nrc.wait_for_engines(1, timeout=30)\nprint(rc.ids)",
    );
    assert_eq!(out, "[0]\n");
    env.rcluster()
        .args(["stop", "--profile", "p", "--cluster-id", ""])
        .assert()
        .success();
    assert!(!env.security("p").join("cluster-.json").exists());
}

#[test]
fn stop_without_id_refuses_when_several_clusters_exist() {
    let env = Env::new();
    env.create_profile("p");
    env.rcluster()
        .args([
            "start",
            "--profile",
            "p",
            "--cluster-id",
            "s1",
            "-n",
            "1",
            "--no-wait",
        ])
        .assert()
        .success();
    env.rcluster()
        .args([
            "start",
            "--profile",
            "p",
            "--cluster-id",
            "s2",
            "-n",
            "1",
            "--no-wait",
        ])
        .assert()
        .success();
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`s1`, `s2`"));
    env.rcluster()
        .args(["stop", "--profile", "p", "--all"])
        .assert()
        .success();
    assert!(common::processes_under(&env.ipython_dir).is_empty());
}
