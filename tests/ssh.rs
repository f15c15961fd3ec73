//! Issue 17, item 1: `--engines ssh` against a real sshd (scripts/ssh-lab: host aliases lab0..2
//! on loopback addresses of this machine, `labdown` refused, `labnokey` denied). Since the
//! "hosts" are this machine, every check that nothing is left behind looks at /proc here.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Env, alive, processes_under, ssh_lab, wait_all_gone};
use predicates::prelude::*;
use serde_json::Value;

fn remote_pids(record: &[Value]) -> Vec<i32> {
    record
        .iter()
        .flat_map(|h| h["processes"].as_array().cloned().unwrap_or_default())
        .map(|p| p["pid"].as_i64().unwrap() as i32)
        .collect()
}

#[test]
fn engines_on_two_hosts_register_compute_and_stop_without_leftovers() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile("s", &lab, "hosts = [\"lab1:2\", \"lab2\"]");
    env.rcluster()
        .args(["start", "--profile", "s", "--cluster-id", "two", "-n", "4"])
        .assert()
        .success();
    let record = env.remote_record("s", "two");
    let hosts: Vec<&str> = record.iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["lab1", "lab2"]);
    let pids = remote_pids(&record);
    assert_eq!(pids.len(), 4);

    // ipyparallel loads the cluster file, and the engines compute, each its own process.
    let out = env.python_ok(
        r#"
import os, ipyparallel as ipp
c = ipp.Cluster.from_file(profile="s", cluster_id="two")
print(type(c.engines[next(iter(c.engines))]).__name__)
rc = ipp.Client(profile="s", cluster_id="two")
rc.wait_for_engines(4, timeout=60)
print(sorted(rc[:].apply_sync(os.getpid)))
"#,
    );
    assert!(out.contains("SSHEngineSetLauncher"), "{out}");
    let mut sorted = pids.clone();
    sorted.sort();
    assert!(
        out.contains(&format!("{sorted:?}")),
        "engines computed in {out}, recorded {sorted:?}"
    );

    env.rcluster()
        .args(["list", "--profile", "s"])
        .assert()
        .success()
        .stdout(predicate::str::contains("running").and(predicate::str::contains("local/ssh")));
    let status = env
        .rcluster()
        .args(["status", "--profile", "s", "--json"])
        .output()
        .unwrap();
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["state"], "running");
    let states: Vec<&str> = status["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["processes"].as_array().unwrap())
        .map(|p| p["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["running"; 4]);
    env.rcluster()
        .args(["logs", "--profile", "s", "--role", "engines"])
        .assert()
        .success()
        .stdout(predicate::str::contains("==> lab1:").and(predicate::str::contains("==> lab2:")));

    env.rcluster()
        .args(["stop", "--profile", "s"])
        .assert()
        .success()
        .stderr(predicate::str::contains("4 engines on 2 hosts ended"));
    assert!(pids.iter().all(|p| !alive(*p)), "engines left: {pids:?}");
    assert_eq!(processes_under(&env.ipython_dir), Vec::<i32>::new());
    let logs = std::fs::read_dir(env.profile_dir("s").join("log"))
        .unwrap()
        .count();
    assert_eq!(logs, 0, "stop removes the engines' logs too");
    assert!(env.security_files_of("s", "two").is_empty());
}

#[test]
fn a_copied_connection_file_is_removed_at_stop() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile(
        "c",
        &lab,
        "hosts = [\"lab2:1\"]\ncopy_connection = \"always\"",
    );
    env.rcluster()
        .args(["start", "--profile", "c", "--cluster-id", "cp"])
        .assert()
        .success();
    let record = env.remote_record("c", "cp");
    let copied = record[0]["files"][0].as_str().unwrap().to_string();
    let dir = record[0]["dir"].as_str().unwrap().to_string();
    // The host is this machine: the copy is a file here, outside the profile.
    assert!(Path::new(&copied).is_file(), "{copied}");
    assert!(!copied.starts_with(&*env.profile_dir("c").to_string_lossy()));
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&copied).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let pids = remote_pids(&record);
    env.rcluster()
        .args(["stop", "--profile", "c"])
        .assert()
        .success();
    assert_eq!(
        wait_all_gone(&pids, Duration::from_secs(5)),
        Vec::<i32>::new()
    );
    assert!(!Path::new(&copied).exists());
    assert!(!Path::new(&dir).exists(), "{dir}");
    let parent = Path::new(&dir).parent().unwrap();
    assert!(!parent.exists(), "{} is left", parent.display());
}

/// A start that fails on one host: an error naming it, and nothing left on the others.
fn failing_start(hosts: &str, extra: &str, expected: &[&str]) {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile("f", &lab, &format!("hosts = {hosts}\n{extra}"));
    let out = env
        .rcluster()
        .args(["start", "--profile", "f", "--cluster-id", "bad"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for word in expected {
        assert!(stderr.contains(word), "`{word}` not in: {stderr}");
    }
    assert_eq!(processes_under(&env.ipython_dir), Vec::<i32>::new());
    assert!(env.security_files_of("f", "bad").is_empty());
}

#[test]
fn an_unreachable_host_fails_the_start_and_rolls_back_the_others() {
    failing_start(
        "[\"lab1:2\", \"labdown\"]",
        "",
        &["labdown", "Connection refused"],
    );
}

#[test]
fn a_refused_key_names_the_host() {
    failing_start(
        "[\"lab1:1\", \"labnokey\"]",
        "",
        &["labnokey", "Permission denied"],
    );
}

#[test]
fn a_missing_remote_python_names_host_and_python() {
    failing_start(
        "[\"lab2:1\"]",
        "python = \"/nonexistent/python\"",
        &["lab2", "/nonexistent/python"],
    );
}

#[test]
fn doctor_asks_every_host() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile("d", &lab, "hosts = [\"lab1:2\", \"labnokey\"]");
    env.rcluster()
        .args(["doctor", "--profile", "d"])
        .assert()
        .failure()
        .stdout(predicate::str::contains("ssh hosts").and(predicate::str::contains("labnokey")));
}

#[test]
fn engines_add_and_engines_stop_work_on_ssh_sets() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile(
        "g",
        &lab,
        "hosts = [\"lab1:1\", \"lab2\"]\ncopy_connection = \"always\"",
    );
    env.rcluster()
        .args(["start", "--profile", "g", "--cluster-id", "grow"])
        .assert()
        .success();
    let first = remote_pids(&env.remote_record("g", "grow"));
    env.rcluster()
        .args(["engines", "add", "--profile", "g", "-n", "2"])
        .assert()
        .success();
    let record = env.remote_record("g", "grow");
    let added: Vec<i32> = remote_pids(&record)
        .into_iter()
        .filter(|p| !first.contains(p))
        .collect();
    assert_eq!(added.len(), 2);
    let added_set = record.last().unwrap()["set_id"]
        .as_str()
        .unwrap()
        .to_string();
    let added_dirs: Vec<String> = record
        .iter()
        .filter(|h| h["set_id"] == added_set.as_str())
        .map(|h| h["dir"].as_str().unwrap().to_string())
        .collect();
    let listed = env
        .rcluster()
        .args(["engines", "list", "--profile", "g", "--json"])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let states: Vec<&str> = listed["sets"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["running", "running"], "{listed}");

    // The controller drops the stopped engines while the first set's hosts answer that theirs
    // still run (before, those counted as ended, and the wait ran out its 60 s).
    let stopped = env
        .rcluster()
        .args(["engines", "stop", "--profile", "g", &added_set, "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert!(stopped.status.success(), "{stderr}");
    assert!(!stderr.contains("still counts"), "{stderr}");
    let report: Value = serde_json::from_slice(&stopped.stdout).unwrap();
    assert_eq!(report["engines_registered"], 2, "{report}");
    assert_eq!(
        wait_all_gone(&added, Duration::from_secs(5)),
        Vec::<i32>::new()
    );
    assert!(
        first.iter().all(|p| alive(*p)),
        "the first set keeps running"
    );
    for dir in &added_dirs {
        assert!(!Path::new(dir).exists(), "{dir} is left");
    }
    assert_eq!(remote_pids(&env.remote_record("g", "grow")), first);
    env.rcluster()
        .args(["stop", "--profile", "g"])
        .assert()
        .success()
        .stderr(predicate::str::contains("2 engines on 2 hosts ended"));
    assert!(first.iter().all(|p| !alive(*p)));
}

#[test]
fn an_engine_that_exits_on_its_host_fails_the_start_with_its_log() {
    // This Python exists but has no ipyparallel: the engines start, then exit at once.
    failing_start(
        "[\"lab1:1\", \"lab2:1\"]",
        "python = \"/usr/bin/python3\"",
        &[
            "exited before registering",
            "No module named",
            "/usr/bin/python3",
        ],
    );
}

#[test]
fn stop_never_signals_a_recorded_pid_that_now_belongs_to_another_process() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile("r", &lab, "hosts = [\"lab1:1\"]");
    env.rcluster()
        .args(["start", "--profile", "r", "--cluster-id", "reuse"])
        .assert()
        .success();
    // A process the record claims, with another start time: as if the engine's pid had been
    // reused after it ended.
    let mut stranger = std::process::Command::new("sleep")
        .arg("300")
        .spawn()
        .unwrap();
    let path = env.security("r").join("rcluster-reuse.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let processes = doc["remote"][0]["processes"].as_array_mut().unwrap();
    processes
        .push(serde_json::json!({"pid": stranger.id(), "start_time": 1, "log": "/nonexistent"}));
    std::fs::write(&path, doc.to_string()).unwrap();
    env.rcluster()
        .args(["stop", "--profile", "r"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 engine on 1 host ended"));
    let still = stranger.try_wait().unwrap().is_none();
    let _ = stranger.kill();
    let _ = stranger.wait();
    assert!(still, "the stranger was signalled");
}
