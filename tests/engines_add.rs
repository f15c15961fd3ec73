//! `rcluster engines add` (issue 4): a further engine set joins a running cluster, the cluster
//! file keeps every set (ipcluster's `engines` would replace it), and `stop` ends all of them.

mod common;

use common::{Env, slurm_available};
use predicates::prelude::*;

fn sets(env: &Env, profile: &str, id: &str) -> serde_json::Map<String, serde_json::Value> {
    let text =
        std::fs::read_to_string(env.security(profile).join(format!("cluster-{id}.json"))).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["engines"]["sets"].as_object().unwrap().clone()
}

#[test]
fn local_engines_join_a_running_cluster_and_stop_ends_every_set() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "grow", 2);
    env.rcluster()
        .args(["engines", "add", "--profile", "p", "-n", "2"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "added 2 engines to cluster `grow`: 4 registered",
        ));
    assert_eq!(sets(&env, "p", "grow").len(), 2);
    let out = env.python_ok(
        "import ipyparallel as ipp\nc = ipp.Cluster.from_file(profile='p', cluster_id='grow')\nrc = c.connect_client_sync()\nrc.wait_for_engines(4, timeout=30)\nprint(len(c.engines), len(rc.ids))",
    );
    assert_eq!(out, "2 4\n");
    let list = env.ipcluster(&["list", "--profile=p"]);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("True          4 Local"),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );
    let pids = env.recorded_pids("p", "grow");
    assert_eq!(pids.len(), 5);
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
    assert!(pids.iter().all(|p| !common::alive(*p)));
    assert!(common::processes_under(&env.ipython_dir).is_empty());
}

#[test]
fn engines_of_another_launcher_class_are_refused() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "mix", 1);
    env.rcluster()
        .args([
            "engines",
            "add",
            "--profile",
            "p",
            "-n",
            "1",
            "--engines",
            "mpi",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("one engine launcher per cluster"));
    assert_eq!(sets(&env, "p", "mix").len(), 1);
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
}

/// Issue 14: the count to add to comes from the hub's engine-state file; one that cannot be read
/// (here for good, normally half written for a moment) is an error naming it, never 0 engines,
/// which would let the wait end before a new engine registered. Nothing is started.
#[test]
fn an_unreadable_engine_state_file_is_named_and_nothing_is_added() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "torn", 1);
    let state = env.profile_dir("p").join("log").join("enginestorn.json");
    assert!(state.exists(), "{} missing", state.display());
    std::fs::write(&state, r#"{"engines": {"0": "#).unwrap();
    env.rcluster()
        .args(["engines", "add", "--profile", "p", "-n", "1"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("cannot count the engines of cluster `torn`")
                .and(predicate::str::contains("enginestorn.json")),
        );
    assert_eq!(sets(&env, "p", "torn").len(), 1);
    assert_eq!(env.recorded_pids("p", "torn").len(), 2);
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
}

#[test]
fn adding_to_a_cluster_that_is_not_there_exits_11() {
    let env = Env::new();
    env.create_profile("p");
    env.rcluster()
        .args(["engines", "add", "--profile", "p", "--cluster-id", "ghost"])
        .assert()
        .code(11);
}

#[test]
fn slurm_engine_jobs_join_and_stop_cancels_every_job() {
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
            "2",
            "--cluster-id",
            "sgrow",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    env.rcluster()
        .args([
            "engines",
            "add",
            "--profile",
            "s",
            "-n",
            "2",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    let jobs = common::recorded_jobs(&env, "s", "sgrow");
    assert_eq!(jobs.len(), 3);
    assert_eq!(sets(&env, "s", "sgrow").len(), 2);
    env.rcluster()
        .args(["stop", "--profile", "s"])
        .assert()
        .success();
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
    assert_eq!(env.security_files_of("s", "sgrow"), Vec::<String>::new());
}

#[test]
fn a_failed_slurm_engines_add_leaves_the_running_cluster_alone() {
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
            "keep",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    let jobs = common::recorded_jobs(&env, "s", "keep");
    assert_eq!(jobs.len(), 2);
    // sbatch refuses the time limit: the new engine set cannot be submitted.
    env.rcluster()
        .args([
            "engines",
            "add",
            "--profile",
            "s",
            "-n",
            "1",
            "--time",
            "not-a-time",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot submit the engines job"));
    assert_eq!(common::active_jobs(&jobs), jobs);
    assert_eq!(common::recorded_jobs(&env, "s", "keep"), jobs);
    env.rcluster()
        .args(["stop", "--profile", "s"])
        .assert()
        .success();
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
}

/// Set ids are the second a set was made in: a set added within the second the cluster's own
/// set was made must get an id of its own, not replace that set in the cluster file. The
/// existing set is renamed to the coming second, and the add started as that second begins.
#[test]
fn a_set_added_within_the_same_second_keeps_the_first() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "same", 2);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let next = now.as_secs() + 1;
    let security = env.security("p");
    let old_id = sets(&env, "p", "same").keys().next().unwrap().clone();
    for name in ["cluster-same.json", "rcluster-same.json"] {
        let path = security.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace(&old_id, &next.to_string())).unwrap();
    }
    std::thread::sleep(Duration::from_secs(next) - now + Duration::from_millis(20));
    env.rcluster()
        .args(["engines", "add", "--profile", "p", "-n", "2"])
        .assert()
        .success()
        .stderr(predicate::str::contains("4 registered"));
    let ids: Vec<String> = sets(&env, "p", "same").keys().cloned().collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&next.to_string()), "{ids:?}");
    let pids = env.recorded_pids("p", "same");
    assert_eq!(pids.len(), 5, "{pids:?}");
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
    assert!(pids.iter().all(|p| !common::alive(*p)));
    assert!(common::processes_under(&env.ipython_dir).is_empty());
}
