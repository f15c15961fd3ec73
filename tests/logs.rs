//! `rcluster logs` on real local clusters: headers and content, `--role`, the cluster id,
//! missing files, and `-f` following appended lines until the cluster stops (or Ctrl-C).

mod common;
mod follow;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use common::Env;
use follow::Follower;
use predicates::prelude::*;

/// The log files recorded for a cluster: (controller log, engine logs).
fn log_files(env: &Env, profile: &str, id: &str) -> (PathBuf, Vec<PathBuf>) {
    let log_dir = env.profile_dir(profile).join("log");
    let mut controller = Vec::new();
    let mut engines = Vec::new();
    for entry in std::fs::read_dir(&log_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(&format!("ipcontroller-{id}-")) {
            controller.push(path);
        } else if name.starts_with(&format!("ipengine-{id}-")) {
            engines.push(path);
        }
    }
    assert_eq!(controller.len(), 1, "{controller:?}");
    engines.sort();
    (controller.remove(0), engines)
}

fn headers(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("==> ")?.strip_suffix(" <=="))
        .map(String::from)
        .collect()
}

#[test]
fn prints_each_log_under_a_header_and_filters_by_role() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "lg", 2);
    let (controller, engines) = log_files(&env, "p", "lg");
    assert_eq!(engines.len(), 2);
    let controller_text = std::fs::read_to_string(&controller).unwrap();
    assert!(
        controller_text.contains("Hub listening"),
        "{controller_text}"
    );

    let out = env
        .rcluster()
        .args(["logs", "--profile", "p"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut expected = vec![controller.display().to_string()];
    expected.extend(engines.iter().map(|e| e.display().to_string()));
    assert_eq!(headers(&stdout), expected);
    // The first header opens the output, and the controller's log follows it as written so far.
    let first = format!("==> {} <==\n", controller.display());
    assert!(stdout.starts_with(&first), "{stdout}");
    assert!(
        stdout[first.len()..].starts_with(&controller_text),
        "{stdout}"
    );
    // Later headers are set off by a blank line, as `tail` does.
    assert!(stdout.contains(&format!("\n\n==> {} <==\n", engines[0].display())));
    for engine in &engines {
        let text = std::fs::read_to_string(engine).unwrap();
        let line = text.lines().next().expect("engine log has a line");
        assert!(stdout.contains(line), "{stdout}");
    }

    // The cluster id named explicitly gives the same.
    let named = env
        .rcluster()
        .args(["logs", "lg", "--profile", "p"])
        .output()
        .unwrap();
    assert!(named.status.success());
    assert_eq!(headers(&String::from_utf8(named.stdout).unwrap()), expected);

    let only_controller = env
        .rcluster()
        .args(["logs", "--profile", "p", "--role", "controller"])
        .output()
        .unwrap();
    assert!(only_controller.status.success());
    assert_eq!(
        headers(&String::from_utf8(only_controller.stdout).unwrap()),
        [controller.display().to_string()]
    );

    let only_engines = env
        .rcluster()
        .args(["logs", "--profile", "p", "--role", "engines"])
        .output()
        .unwrap();
    assert!(only_engines.status.success());
    let shown = headers(&String::from_utf8(only_engines.stdout).unwrap());
    assert_eq!(shown, expected[1..]);

    env.rcluster()
        .args(["logs", "--profile", "p", "--role", "scheduler"])
        .assert()
        .code(2);
}

#[test]
fn several_clusters_need_an_id_and_unknown_ids_exit_11() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "one", 1);
    env.start("p", "two", 1);
    env.rcluster()
        .args(["logs", "--profile", "p"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has 2 clusters"));
    let out = env
        .rcluster()
        .args(["logs", "two", "--profile", "p"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown = headers(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown.iter().all(|h| h.contains("-two-")), "{shown:?}");
    env.rcluster()
        .args(["logs", "three", "--profile", "p"])
        .assert()
        .code(11)
        .stderr(predicate::str::contains("no cluster `three`"));
}

#[test]
fn no_cluster_is_exit_11() {
    let env = Env::new();
    env.create_profile("p");
    env.rcluster()
        .args(["logs", "--profile", "p"])
        .assert()
        .code(11)
        .stderr(predicate::str::contains("no clusters in profile `p`"));
}

#[test]
fn a_missing_log_file_is_mentioned_not_an_error() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "ms", 2);
    let (controller, engines) = log_files(&env, "p", "ms");
    std::fs::remove_file(&engines[0]).unwrap();
    let out = env
        .rcluster()
        .args(["logs", "--profile", "p"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        headers(&stdout),
        [
            controller.display().to_string(),
            engines[1].display().to_string()
        ]
    );
    assert!(
        stderr.contains(&format!("`{}` does not exist (yet)", engines[0].display())),
        "{stderr}"
    );
}

#[test]
fn follow_prints_appended_lines_and_ends_when_the_cluster_is_stopped() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "fl", 1);
    let (controller, _) = log_files(&env, "p", "fl");
    let mut follower = Follower::start(&env, &["--profile", "p"]);
    follower.wait_for("Hub listening", Duration::from_secs(10));

    // A line appended to the controller's log shows up, under the controller's header again
    // because the engine's log was printed last.
    let marker = "rcluster-logs-follow-marker";
    writeln!(
        std::fs::OpenOptions::new()
            .append(true)
            .open(&controller)
            .unwrap(),
        "{marker}"
    )
    .unwrap();
    follower.wait_for(marker, Duration::from_secs(5));
    let stdout = follower.stdout();
    let before_marker = &stdout[..stdout.find(marker).unwrap()];
    assert!(
        before_marker.ends_with(&format!("==> {} <==\n", controller.display())),
        "{stdout}"
    );
    assert!(
        follower.wait_exit(Duration::from_millis(500)).is_none(),
        "ended too early"
    );

    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
    let status = follower
        .wait_exit(Duration::from_secs(15))
        .expect("`logs -f` still running 15 s after the cluster stopped");
    assert!(status.success(), "{status:?}\n{}", follower.stderr());
    assert!(
        follower.stderr().contains("cluster `fl` has ended"),
        "{}",
        follower.stderr()
    );
}

#[test]
fn follow_stops_on_ctrl_c() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "cc", 1);
    let mut follower = Follower::start(&env, &["cc", "--profile", "p", "--role", "controller"]);
    follower.wait_for("Hub listening", Duration::from_secs(10));
    assert_eq!(headers(&follower.stdout()).len(), 1);
    nix_sigint(follower.pid());
    let status = follower
        .wait_exit(Duration::from_secs(5))
        .expect("`logs -f` ignored SIGINT");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(2), "{status:?}");
    // Ctrl-C ends only the follower; the cluster keeps running.
    let list = env.rcluster().args(["list", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list[0]["cluster_id"], "cc");
    assert_eq!(list[0]["state"], "running");
}

fn nix_sigint(pid: i32) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}
