//! `rcluster engines list` and `engines stop` (issue 17): a cluster of two engine sets shrinks
//! to one while the controller and the other set keep running, clients keep computing on the
//! rest, and `stop` afterwards leaves nothing behind.

mod common;

use common::{Env, slurm_available};
use predicates::prelude::*;
use serde_json::Value;

fn cluster_file(env: &Env, profile: &str, id: &str) -> Value {
    let path = env.security(profile).join(format!("cluster-{id}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("cluster file json")
}

/// `engines list --json`, parsed.
fn list(env: &Env, profile: &str) -> Value {
    let out = env
        .rcluster()
        .args(["engines", "list", "--profile", profile, "--json"])
        .output()
        .expect("run rcluster");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("engines list --json")
}

fn set_ids(listing: &Value) -> Vec<String> {
    listing["sets"]
        .as_array()
        .expect("sets")
        .iter()
        .map(|s| s["set_id"].as_str().expect("set_id").to_string())
        .collect()
}

/// Python: the engine sets `ipp.Cluster.from_file` sees, the engines a new client sees, and
/// the result of computing on all of them.
const CLIENT: &str = "import ipyparallel as ipp, os
c = ipp.Cluster.from_file(profile=os.environ['P'], cluster_id=os.environ['ID'])
rc = c.connect_client_sync()
print(' '.join(sorted(c.engines)))
print(len(rc.ids))
print(sum(rc[:].apply_sync(lambda: 1)))";

fn client(env: &Env, profile: &str, id: &str) -> Vec<String> {
    let out = std::process::Command::new(common::venv_python())
        .args(["-c", CLIENT])
        .env("IPYTHONDIR", &env.ipython_dir)
        .env("P", profile)
        .env("ID", id)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn local_cluster_of_two_sets_shrinks_to_one_and_keeps_computing() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "shrink", 2);
    env.rcluster()
        .args(["engines", "add", "--profile", "p", "-n", "2"])
        .assert()
        .success();
    let before = list(&env, "p");
    let sets = set_ids(&before);
    assert_eq!(sets.len(), 2, "{before}");
    assert!(
        before["sets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "running" && s["processes"].as_array().unwrap().len() == 2),
        "{before}"
    );
    env.rcluster()
        .args(["engines", "list", "--profile", "p"])
        .assert()
        .success()
        .stdout(predicate::str::contains(&sets[0]).and(predicate::str::contains(&sets[1])));
    let (gone, kept) = (&sets[0], &sets[1]);
    let gone_pids: Vec<i32> = before["sets"][0]["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_i64().unwrap() as i32)
        .collect();
    let out = env
        .rcluster()
        .args(["engines", "stop", "--profile", "p", gone, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["remaining_sets"], serde_json::json!([kept]));
    assert_eq!(report["engines_registered"], 2);
    assert!(
        gone_pids.iter().all(|p| !common::alive(*p)),
        "{gone_pids:?}"
    );
    // By default the command returns once the controller has dropped the stopped engines.
    assert_eq!(
        client(&env, "p", "shrink"),
        vec![kept.clone(), "2".into(), "2".into()]
    );
    let file = cluster_file(&env, "p", "shrink");
    assert_eq!(file["cluster"]["n"], 2);
    assert_eq!(set_ids(&list(&env, "p")), vec![kept.clone()]);
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
    assert!(common::processes_under(&env.ipython_dir).is_empty());
    assert_eq!(env.security_files_of("p", "shrink"), Vec::<String>::new());
    let logs: Vec<_> = std::fs::read_dir(env.profile_dir("p").join("log"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(logs.is_empty(), "{logs:?}");
}

#[test]
fn an_unknown_set_is_a_usage_error_naming_the_known_ones_and_nothing_stops() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "named", 1);
    let sets = set_ids(&list(&env, "p"));
    let pids = env.recorded_pids("p", "named");
    env.rcluster()
        .args(["engines", "stop", "--profile", "p", "nope"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no engine set `nope`")
                .and(predicate::str::contains(format!("`{}`", sets[0]))),
        );
    assert!(pids.iter().all(|p| common::alive(*p)));
    assert_eq!(set_ids(&list(&env, "p")), sets);
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
}

#[test]
fn stopping_every_set_leaves_the_controller_running() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "bare", 1);
    let sets = set_ids(&list(&env, "p"));
    env.rcluster()
        .args(["engines", "stop", "--profile", "p", &sets[0]])
        .assert()
        .success()
        .stderr(predicate::str::contains("its controller still runs"));
    let after = list(&env, "p");
    assert_eq!(set_ids(&after), Vec::<String>::new());
    assert_eq!(after["engines_registered"], 0);
    // Engines can join again.
    env.rcluster()
        .args(["engines", "add", "--profile", "p", "-n", "1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 registered in all"));
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
    assert!(common::processes_under(&env.ipython_dir).is_empty());
}

#[test]
fn slurm_cluster_of_two_engine_jobs_shrinks_to_one() {
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
            "sshrink",
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
    let jobs = common::recorded_jobs(&env, "s", "sshrink");
    assert_eq!(jobs.len(), 3);
    let before = list(&env, "s");
    let sets = set_ids(&before);
    assert_eq!(sets.len(), 2, "{before}");
    let job_of = |i: usize| {
        before["sets"][i]["job"]["job_id"]
            .as_str()
            .expect("job_id")
            .to_string()
    };
    let (gone_job, kept_job) = (job_of(0), job_of(1));
    assert!(before["sets"][0]["state"] == "running", "{before}");
    let record_path = env.security("s").join("rcluster-sshrink.json");
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(&record_path).unwrap()).unwrap();
    let script = record["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|job| job["job_id"] == gone_job.as_str())
        .and_then(|job| job["script"].as_str())
        .map(std::path::PathBuf::from)
        .expect("the stopped job's batch script is recorded");
    assert!(script.exists(), "{}", script.display());
    env.rcluster()
        .args(["engines", "stop", "--profile", "s", &sets[0]])
        .assert()
        .success();
    // Ended by scancel (after the engines were asked to stop), as `stop` ends jobs.
    assert_eq!(
        common::job_states(std::slice::from_ref(&gone_job)),
        vec![(gone_job.clone(), "CANCELLED".to_string())]
    );
    assert_eq!(
        common::active_jobs(std::slice::from_ref(&gone_job)),
        Vec::<String>::new()
    );
    assert_eq!(
        common::active_jobs(std::slice::from_ref(&kept_job)),
        vec![kept_job.clone()]
    );
    assert_eq!(
        client(&env, "s", "sshrink"),
        vec![sets[1].clone(), "2".into(), "2".into()]
    );
    assert!(!common::recorded_jobs(&env, "s", "sshrink").contains(&gone_job));
    assert!(!script.exists(), "{} left behind", script.display());
    env.rcluster()
        .args(["stop", "--profile", "s"])
        .assert()
        .success();
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
    assert_eq!(env.security_files_of("s", "sshrink"), Vec::<String>::new());
}
