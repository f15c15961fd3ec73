//! Fork start on ssh hosts (issue 17: "one ssh per host starts that host's engines, fork start
//! where available"), against the real sshd of scripts/ssh-lab. The "hosts" are this machine,
//! so what runs on them is checked in /proc here.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Env, alive, processes_under, ssh_lab, wait_all_gone};
use predicates::prelude::*;
use serde_json::Value;

fn pids_of(host: &Value, key: &str) -> Vec<i32> {
    host[key]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| p["pid"].as_i64().unwrap() as i32)
        .collect()
}

fn strings_of(host: &Value, key: &str) -> Vec<String> {
    host[key]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

/// Field 4 of /proc/PID/stat.
fn parent(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(1).unwrap().parse().unwrap()
}

fn cmdline(pid: i32) -> String {
    String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap())
        .replace('\0', " ")
}

fn mode(path: &str) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions()) & 0o777
}

fn start(env: &Env, profile: &str, id: &str, more: &[&str]) -> String {
    let out = env
        .rcluster()
        .args(["start", "--profile", profile, "--cluster-id", id])
        .args(more)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// Asked for explicitly, fork start on two hosts: each host's engines are children of one
/// forker there (recorded with them), run from the files rcluster wrote there (private), and
/// compute; stop ends engines and forkers and removes every file on the hosts.
#[test]
fn forked_engines_on_two_hosts_register_compute_and_stop_without_leftovers() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile(
        "f",
        &lab,
        "hosts = [\"lab1:2\", \"lab2:2\"]\ncopy_connection = \"always\"",
    );
    let stderr = start(&env, "f", "fk", &["-n", "4", "--engine-start", "fork"]);
    assert!(!stderr.contains("with exec"), "{stderr}");
    let record = env.remote_record("f", "fk");
    assert_eq!(record.len(), 2);
    let mut engines = Vec::new();
    let mut forkers = Vec::new();
    let mut files = Vec::new();
    for host in &record {
        let (mine, forker) = (pids_of(host, "processes"), pids_of(host, "helpers"));
        assert_eq!((mine.len(), forker.len()), (2, 1), "{host}");
        for pid in &mine {
            assert_eq!(parent(*pid), forker[0], "engine {pid} of {host}");
            let cmd = cmdline(*pid);
            assert!(!cmd.contains("ipyparallel.engine"), "{cmd}");
            assert!(cmd.contains("/forker-fk-"), "{cmd}");
        }
        let written = strings_of(host, "files");
        let spec = written.iter().find(|f| f.ends_with("-spec.json")).unwrap();
        assert_eq!(mode(spec), 0o600, "{spec}");
        let spec: Value = serde_json::from_str(&std::fs::read_to_string(spec).unwrap()).unwrap();
        let remote_dir = host["profile_dir"].as_str().unwrap();
        assert_eq!(spec["env"]["IPP_PROFILE_DIR"], remote_dir);
        assert!(
            spec["engine_args"]
                .as_array()
                .unwrap()
                .contains(&Value::from(format!(
                    "--IPEngine.url_file={remote_dir}/security/rcluster-fk.engine"
                ))),
            "{spec}"
        );
        let source = written.iter().find(|f| f.ends_with(".py")).unwrap();
        assert_eq!(mode(source), 0o600);
        engines.extend(mine);
        forkers.extend(forker);
        files.extend(written);
    }
    assert_ne!(forkers[0], forkers[1], "one forker per host");

    let out = env.python_ok(
        r#"
import os, ipyparallel as ipp
rc = ipp.Client(profile="f", cluster_id="fk")
rc.wait_for_engines(4, timeout=60)
print(sorted(rc[:].apply_sync(os.getpid)))
"#,
    );
    let mut sorted = engines.clone();
    sorted.sort();
    assert!(
        out.contains(&format!("{sorted:?}")),
        "engines computed in {out}, recorded {sorted:?}"
    );

    env.rcluster()
        .args(["stop", "--profile", "f"])
        .assert()
        .success()
        .stderr(predicate::str::contains("4 engines on 2 hosts ended"));
    let all: Vec<i32> = engines.iter().chain(&forkers).copied().collect();
    assert_eq!(
        wait_all_gone(&all, Duration::from_secs(5)),
        Vec::<i32>::new()
    );
    for file in &files {
        assert!(!Path::new(file).exists(), "{file} is left");
    }
    let dir = record[0]["dir"].as_str().unwrap();
    assert!(!Path::new(dir).exists(), "{dir} is left");
    assert!(env.security_files_of("f", "fk").is_empty());
}

/// A host's forker killed with SIGKILL takes its engines with it (PR_SET_PDEATHSIG): none is
/// left orphaned, the other host's engines keep running, and stop still ends cleanly.
#[test]
fn killing_a_hosts_forker_ends_its_engines_and_stop_still_succeeds() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    // The default start (auto) forks; the hosts share this profile's files.
    env.create_ssh_profile("k", &lab, "hosts = [\"lab1:2\", \"lab2:1\"]");
    start(&env, "k", "kill", &["-n", "3"]);
    let record = env.remote_record("k", "kill");
    let (lab1, lab2) = (&record[0], &record[1]);
    assert_eq!(lab1["host"], "lab1");
    let forker = pids_of(lab1, "helpers")[0];
    let orphans_to_be = pids_of(lab1, "processes");
    let others = pids_of(lab2, "processes");
    assert!(orphans_to_be.iter().all(|p| parent(*p) == forker));

    std::process::Command::new("kill")
        .args(["-KILL", &forker.to_string()])
        .status()
        .unwrap();
    assert_eq!(
        wait_all_gone(&orphans_to_be, Duration::from_secs(15)),
        Vec::<i32>::new(),
        "engines outlived their forker"
    );
    assert!(
        others.iter().all(|p| alive(*p)),
        "lab2's engines keep running"
    );

    env.rcluster()
        .args(["stop", "--profile", "k"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 engine on 2 hosts ended"));
    let forkers: Vec<i32> = record.iter().flat_map(|h| pids_of(h, "helpers")).collect();
    assert_eq!(
        wait_all_gone(&forkers, Duration::from_secs(5)),
        Vec::<i32>::new()
    );
    assert_eq!(processes_under(&env.ipython_dir), Vec::<i32>::new());
    for file in record.iter().flat_map(|h| strings_of(h, "files")) {
        assert!(!Path::new(&file).exists(), "{file} is left");
    }
    let logs = std::fs::read_dir(env.profile_dir("k").join("log"))
        .unwrap()
        .count();
    assert_eq!(logs, 0, "stop removes the engines' and forkers' logs");
    assert!(env.security_files_of("k", "kill").is_empty());
}

/// `--engine-start exec` keeps each engine its own Python, with no forker.
#[test]
fn exec_engine_start_runs_each_ssh_engine_as_its_own_python() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile("e", &lab, "hosts = [\"lab1:1\", \"lab2:1\"]");
    start(&env, "e", "ex", &["-n", "2", "--engine-start", "exec"]);
    let record = env.remote_record("e", "ex");
    let engines: Vec<i32> = record
        .iter()
        .flat_map(|h| pids_of(h, "processes"))
        .collect();
    assert_eq!(engines.len(), 2);
    for host in &record {
        assert!(pids_of(host, "helpers").is_empty(), "{host}");
        assert!(strings_of(host, "files").is_empty(), "{host}");
    }
    for pid in &engines {
        let cmd = cmdline(*pid);
        assert!(cmd.contains("-m ipyparallel.engine"), "{cmd}");
    }
    env.python_ok(
        r#"
import ipyparallel as ipp
rc = ipp.Client(profile="e", cluster_id="ex")
rc.wait_for_engines(2, timeout=60)
assert rc[:].apply_sync(lambda: 6 * 7) == [42, 42]
"#,
    );
    env.rcluster()
        .args(["stop", "--profile", "e"])
        .assert()
        .success()
        .stderr(predicate::str::contains("2 engines on 2 hosts ended"));
    assert_eq!(
        wait_all_gone(&engines, Duration::from_secs(5)),
        Vec::<i32>::new()
    );
}

/// `--dry-run` shows the script a host runs to fork its engines, without the connection file's
/// keys or the forker's source (no ssh lab needed: nothing is started).
#[test]
fn dry_run_shows_the_fork_script_without_secrets() {
    let env = Env::new();
    env.create_ssh_profile(
        "d",
        Path::new("/nonexistent/ssh_config"),
        "hosts = [\"nodeA:2\", \"nodeB\"]\ncopy_connection = \"always\"",
    );
    let dry = |more: &[&str]| {
        let out = env
            .rcluster()
            .args(["start", "--profile", "d", "-n", "3", "--dry-run"])
            .args(more)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let forked = dry(&[]);
    for part in [
        "# 2 engine(s) on `nodeA`",
        "# 1 engine(s) on `nodeB`",
        "forked from one Python per host",
        "umask 077",
        "<the engine connection file: its keys are not shown>",
        "<rcluster's engine forker",
        "\"n\":2",
        "nohup $SETSID \"$PY\" \"$F.py\" \"$F-spec.json\"",
    ] {
        assert!(forked.contains(part), "`{part}` not in:\n{forked}");
    }
    assert!(
        !forked.contains("PR_SET_PDEATHSIG"),
        "the source is not shown"
    );
    assert!(!forked.contains("\"key\""), "no key is shown");
    let exec = dry(&["--engine-start", "exec"]);
    assert!(exec.contains("-m ipyparallel.engine"), "{exec}");
    assert!(!exec.contains("forker"), "{exec}");
}
