//! `rcluster logs` on real local clusters: headers and content, `--role`, the cluster id,
//! missing files, and `-f` following appended lines until the cluster stops (or Ctrl-C); and
//! `-f` following the logs of engines on ssh hosts (the SSH lab: its hosts are this machine,
//! so what is left on them is looked for in /proc here).

mod common;
mod follow;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use common::{Env, alive, ssh_lab, wait_all_gone};
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

/// The connections `pid` keeps to follow logs: its children named `ssh` that lead their own
/// process group (the ssh it runs each second to check the hosts do not).
fn ssh_children(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok()) {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let (ppid, group) = (fields.get(1), fields.get(2));
        if &stat[open + 1..close] == "ssh"
            && ppid == Some(&pid.to_string().as_str())
            && group == Some(&child.to_string().as_str())
            && alive(child)
        {
            out.push(child);
        }
    }
    out.sort();
    out
}

/// Live processes whose command line names `text` (a test's directory), with that line.
fn processes_naming(text: &str) -> Vec<(i32, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok()) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(line) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let line = String::from_utf8_lossy(&line).replace('\0', " ");
        if line.contains(text) && alive(pid) {
            out.push((pid, line));
        }
    }
    out
}

/// Tails of `dir`'s files, waiting (bounded) for them to end.
fn tails_left(dir: &std::path::Path) -> Vec<(i32, String)> {
    let dir = dir.display().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let tails: Vec<(i32, String)> = processes_naming(&dir)
            .into_iter()
            .filter(|(_, line)| line.starts_with("tail "))
            .collect();
        if tails.is_empty() || std::time::Instant::now() > deadline {
            return tails;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The header each occurrence of `text` in `stdout` is under.
fn headers_of(stdout: &str, text: &str) -> Vec<String> {
    let mut current = String::new();
    let mut out = Vec::new();
    for line in stdout.lines() {
        if let Some(header) = line
            .strip_prefix("==> ")
            .and_then(|l| l.strip_suffix(" <=="))
        {
            current = header.to_string();
        } else if line.contains(text) {
            out.push(current.clone());
        }
    }
    out
}

/// Has every engine of the cluster write `marker` (computed, so the code sent does not
/// contain it) to its file descriptor 1, its log (`print` would go to the client).
fn engines_print(env: &Env, profile: &str, id: &str, n: usize, marker: &str) {
    let (head, tail) = marker.split_at(marker.len() / 2);
    env.python_ok(&format!(
        r#"
import ipyparallel as ipp
rc = ipp.Client(profile="{profile}", cluster_id="{id}")
rc.wait_for_engines({n}, timeout=60)
ar = rc[:].execute("import os; os.write(1, ('{head}' + '{tail}' + chr(10)).encode())", block=False)
# The markers in the followed logs are what the test checks. Bounded: once, both engines had
# written theirs and the controller had their replies, and a blocking execute still hung
# (waiting on the output notices), with no end.
ar.wait(timeout=60)
rc.close()
"#
    ));
}

#[test]
fn follow_follows_engines_on_ssh_hosts_over_one_connection_each_until_stop() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile("s", &lab, "hosts = [\"lab1:1\", \"lab2\"]");
    env.rcluster()
        .args(["start", "--profile", "s", "--cluster-id", "fs", "-n", "2"])
        .assert()
        .success();
    let mut follower = Follower::start(&env, &["--profile", "s", "--role", "engines"]);
    follower.wait_for("==> lab1:", Duration::from_secs(30));
    follower.wait_for("==> lab2:", Duration::from_secs(30));
    // One long-lived connection per host.
    let first = ssh_children(follower.pid());
    assert_eq!(first.len(), 2, "{first:?}");

    let marker = "rcluster-followed-over-ssh";
    engines_print(&env, "s", "fs", 2, marker);
    follower.wait_for(marker, Duration::from_secs(20));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut under = headers_of(&follower.stdout(), marker);
    while under.len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        under = headers_of(&follower.stdout(), marker);
    }
    under.sort();
    // Each engine's line once, under its host's header (`-f` does not also print them once).
    assert_eq!(under.len(), 2, "{}", follower.stdout());
    assert!(under[0].starts_with("lab1:"), "{under:?}");
    assert!(under[1].starts_with("lab2:"), "{under:?}");
    assert_eq!(ssh_children(follower.pid()), first, "the same connections");

    // An engine set added meanwhile is followed too.
    env.rcluster()
        .args(["engines", "add", "--profile", "s", "-n", "2"])
        .assert()
        .success();
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(env.security("s").join("rcluster-fs.json")).unwrap(),
    )
    .unwrap();
    let added = record["remote"].as_array().unwrap().last().unwrap();
    let log = added["processes"][0]["log"].as_str().unwrap();
    let host = added["host"].as_str().unwrap();
    follower.wait_for(&format!("==> {host}:{log} <=="), Duration::from_secs(30));
    let all = ssh_children(follower.pid());
    assert_eq!(all.len(), 4, "{all:?}");

    env.rcluster()
        .args(["stop", "--profile", "s"])
        .assert()
        .success();
    let status = follower
        .wait_exit(Duration::from_secs(30))
        .expect("`logs -f` still running 30 s after the cluster stopped");
    assert!(status.success(), "{status:?}\n{}", follower.stderr());
    assert!(
        follower.stderr().contains("cluster `fs` has ended"),
        "{}",
        follower.stderr()
    );
    assert!(
        !follower.stderr().contains("warning"),
        "{}",
        follower.stderr()
    );
    assert_eq!(
        wait_all_gone(&all, Duration::from_secs(5)),
        Vec::<i32>::new()
    );
    assert_eq!(tails_left(&env.ipython_dir), Vec::new());
}

#[test]
fn follow_warns_of_an_unreachable_host_and_sigterm_leaves_no_connection() {
    let Some(lab) = ssh_lab() else { return };
    let env = Env::new();
    env.create_ssh_profile("u", &lab, "hosts = [\"lab1:1\"]");
    env.rcluster()
        .args(["start", "--profile", "u", "--cluster-id", "un"])
        .assert()
        .success();
    // The record claims engines on a host that refuses connections too.
    let state = env.security("u").join("rcluster-un.json");
    let original = std::fs::read_to_string(&state).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut down = doc["remote"][0].clone();
    down["host"] = "labdown".into();
    doc["remote"].as_array_mut().unwrap().push(down);
    std::fs::write(&state, doc.to_string()).unwrap();

    let mut follower = Follower::start(&env, &["--profile", "u"]);
    follower.wait_for("==> lab1:", Duration::from_secs(30));
    follower.wait_for_stderr(
        "cannot follow the engines' logs on host `labdown`",
        Duration::from_secs(30),
    );
    assert!(
        follower.stderr().contains("Connection refused"),
        "{}",
        follower.stderr()
    );
    let marker = "rcluster-still-followed";
    engines_print(&env, "u", "un", 1, marker);
    follower.wait_for(marker, Duration::from_secs(20));
    let under = headers_of(&follower.stdout(), marker);
    assert_eq!(under.len(), 1, "{}", follower.stdout());
    assert!(under[0].starts_with("lab1:"), "{under:?}");
    let connections = ssh_children(follower.pid());
    assert_eq!(connections.len(), 1, "{connections:?}");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &follower.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = follower
        .wait_exit(Duration::from_secs(10))
        .expect("`logs -f` ignored SIGTERM");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(
        wait_all_gone(&connections, Duration::from_secs(5)),
        Vec::<i32>::new()
    );
    assert_eq!(tails_left(&env.ipython_dir), Vec::new());

    std::fs::write(&state, original).unwrap();
    env.rcluster()
        .args(["stop", "--profile", "u"])
        .assert()
        .success();
}
