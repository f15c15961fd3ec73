//! Issue 4's acceptance, against the real Slurm lab (slurmctld + slurmd, emulated nodes).

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{
    Env, SEED_CONTROLLER, SEED_ENGINE, active_jobs, job_states, recorded_jobs, slurm_available,
};
use predicates::prelude::*;

/// The lab has 3 nodes x 8 CPUs: one 12-engine cluster at a time, or jobs would wait for CPUs.
static SLURM: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SLURM.lock().unwrap_or_else(|e| e.into_inner())
}

/// After a stop: Slurm lists no job of the cluster and `security/` holds no file of it.
fn assert_all_gone(env: &Env, profile: &str, id: &str, jobs: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !active_jobs(jobs).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        active_jobs(jobs),
        Vec::<String>::new(),
        "jobs left in squeue"
    );
    assert_eq!(env.security_files_of(profile, id), Vec::<String>::new());
}

#[test]
fn seed_workflow_runs_on_two_or_more_nodes() {
    if !slurm_available() {
        return;
    }
    let _slurm = lock();
    let env = Env::new();
    env.create_slurm_profile("slurm");
    let dir = env.profile_dir("slurm");
    std::fs::write(dir.join("slurm.controller.template"), SEED_CONTROLLER).unwrap();
    std::fs::write(dir.join("slurm.engine.template"), SEED_ENGINE).unwrap();
    std::fs::write(
        dir.join("rcluster.toml"),
        "[controller]\nlauncher = \"slurm\"\ntemplate = \"slurm.controller.template\"\n\n\
         [engines]\nlauncher = \"slurm\"\ntemplate = \"slurm.engine.template\"\n",
    )
    .unwrap();
    env.rcluster()
        .args([
            "start",
            "--profile",
            "slurm",
            "-n",
            "12",
            "--cluster-id",
            "seed",
            "--timeout",
            "240",
        ])
        .assert()
        .success();
    let jobs = recorded_jobs(&env, "slurm", "seed");
    assert_eq!(jobs.len(), 2);
    let script = std::fs::read_to_string(dir.join(
        "log/rcluster-seed-engines-".to_string() + &first_set_id(&env, "slurm", "seed") + ".sbatch",
    ))
    .unwrap();
    assert!(script.contains("#SBATCH --nodes=3\n"), "{script}");
    let out = env.python_ok(
        r#"
import ipyparallel as ipp
def hostname_example():
    import os, platform
    return f"Hello World from hostname {platform.node()} on {os.environ.get('SLURMD_NODENAME')}."
rc = ipp.Client(profile="slurm", cluster_id="seed")
rc.wait_for_engines(n=12, timeout=120)
r = rc[:].apply_sync(hostname_example)
print(len(r))
print(len({line.rsplit(' on ', 1)[1] for line in r}))
"#,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "12");
    assert!(
        lines[1].parse::<u32>().unwrap() >= 2,
        "engines on fewer than 2 nodes: {out}"
    );
    env.rcluster()
        .args(["stop", "--profile", "slurm", "seed", "--keep-logs"])
        .assert()
        .success();
    assert_all_gone(&env, "slurm", "seed", &jobs);
    // Stopped as Slurm's own cancel would: the jobs are CANCELLED (not FAILED by a killed batch
    // shell), and controller and engines got SIGTERM and shut down gracefully.
    let states = job_states(&jobs);
    assert_eq!(states.len(), 2, "{states:?}");
    assert!(states.iter().all(|(_, s)| s == "CANCELLED"), "{states:?}");
    let logs = std::fs::read_dir(dir.join("log")).unwrap();
    let (mut controller, mut engines) = (String::new(), String::new());
    for entry in logs.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if name.starts_with("ipcontroller-seed") {
            controller += &text;
        } else if name.starts_with("ipengine-seed") {
            engines += &text;
        }
    }
    assert!(controller.contains("Received signal 15"), "{controller}");
    assert!(
        engines.contains("received signal 15, stopping"),
        "{engines}"
    );
}

/// A step that ignores SIGTERM is killed once `--grace` is over (or by Slurm's KillWait), and
/// the job still ends CANCELLED with nothing left running.
#[test]
fn stop_ends_a_step_that_ignores_sigterm() {
    if !slurm_available() {
        return;
    }
    let _slurm = lock();
    let env = Env::new();
    env.create_slurm_profile("stubborn");
    let dir = env.profile_dir("stubborn");
    // `trap "" TERM` is inherited by sleep; 6131 marks this test's process.
    let template = "#!/bin/bash
#SBATCH --output={output_file}
#SBATCH --job-name=ipengine-{cluster_id}
#SBATCH --ntasks={n}
srun --overlap --ntasks=1 sh -c 'trap \"\" TERM; sleep 6131' &
srun {program_and_args}
";
    std::fs::write(dir.join("engine.template"), template).unwrap();
    std::fs::write(
        dir.join("rcluster.toml"),
        "[controller]\nlauncher = \"local\"\n\n[engines]\nlauncher = \"slurm\"\ntemplate = \"engine.template\"\n",
    )
    .unwrap();
    env.rcluster()
        .args([
            "start",
            "--profile",
            "stubborn",
            "-n",
            "2",
            "--cluster-id",
            "st",
        ])
        .assert()
        .success();
    let jobs = recorded_jobs(&env, "stubborn", "st");
    let stubborn = || {
        let out = std::process::Command::new("pgrep")
            .args(["-f", "sleep 6131"])
            .output()
            .expect("pgrep");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while stubborn().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!stubborn().is_empty(), "the stubborn step never started");
    env.rcluster()
        .args(["stop", "--profile", "stubborn", "st", "--grace", "1"])
        .assert()
        .success();
    assert_all_gone(&env, "stubborn", "st", &jobs);
    assert_eq!(
        job_states(&jobs),
        vec![(jobs[0].clone(), "CANCELLED".to_string())]
    );
    assert_eq!(stubborn(), "", "the step that ignored SIGTERM still runs");
}

fn first_set_id(env: &Env, profile: &str, id: &str) -> String {
    let text =
        std::fs::read_to_string(env.security(profile).join(format!("cluster-{id}.json"))).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["engines"]["sets"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone()
}

#[test]
fn interop_python_loads_lists_and_stops_an_rcluster_slurm_cluster() {
    if !slurm_available() {
        return;
    }
    let _slurm = lock();
    let env = Env::new();
    env.create_slurm_profile("s");
    env.rcluster()
        .args(["start", "--profile", "s", "-n", "2", "--cluster-id", "py"])
        .assert()
        .success();
    let jobs = recorded_jobs(&env, "s", "py");
    let path = env.security("s").join("cluster-py.json");
    let before = std::fs::read(&path).unwrap();
    let out = env.python_ok(
        r#"
import ipyparallel as ipp
c = ipp.Cluster.from_file(profile="s", cluster_id="py")
rc = c.connect_client_sync()
rc.wait_for_engines(2, timeout=60)
print(type(c.controller).__name__, sorted(rc.ids))
"#,
    );
    assert_eq!(out, "SlurmControllerLauncher [0, 1]\n");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "Python rewrote the cluster file"
    );
    let list = env.ipcluster(&["list", "--profile=s"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["s", "py", "True", "2", "Slurm"]),
        "{text}"
    );
    let stop = env.ipcluster(&["stop", "--profile=s", "--cluster-id=py"]);
    assert!(
        stop.status.success(),
        "{}",
        String::from_utf8_lossy(&stop.stderr)
    );
    // ipcluster does not know rcluster's own record; once the jobs have ended, rcluster's next
    // look removes it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !active_jobs(&jobs).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    env.rcluster()
        .args(["list", "--profile", "s"])
        .assert()
        .success();
    assert_all_gone(&env, "s", "py", &jobs);
}

#[test]
fn interop_rcluster_stops_an_ipcluster_slurm_cluster() {
    if !slurm_available() {
        return;
    }
    let _slurm = lock();
    let env = Env::new();
    env.create_slurm_profile("ipc");
    let started = env.ipcluster(&[
        "start",
        "--profile=ipc",
        "--cluster-id=ipcs",
        "-n",
        "2",
        "--controller=slurm",
        "--engines=slurm",
        "--daemonize",
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let jobs = recorded_jobs(&env, "ipc", "ipcs");
    assert_eq!(jobs.len(), 2);
    let out = env
        .rcluster()
        .args(["list", "--json", "--profile", "ipc"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["cluster_id"], "ipcs");
    assert_eq!(rows[0]["jobs"].as_array().unwrap().len(), 2);
    env.rcluster()
        .args(["stop", "--profile", "ipc", "ipcs"])
        .assert()
        .success();
    assert_all_gone(&env, "ipc", "ipcs", &jobs);
}

#[test]
fn engine_job_cancelled_by_hand_shows_in_list_and_stop_cleans_up() {
    if !slurm_available() {
        return;
    }
    let _slurm = lock();
    let env = Env::new();
    env.create_slurm_profile("s");
    env.rcluster()
        .args(["start", "--profile", "s", "-n", "2", "--cluster-id", "cx"])
        .assert()
        .success();
    let jobs = recorded_jobs(&env, "s", "cx");
    let engine_job = {
        let text = std::fs::read_to_string(env.security("s").join("cluster-cx.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let set = doc["engines"]["sets"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .clone();
        set["job_id"].as_str().unwrap().to_string()
    };
    assert!(
        std::process::Command::new("scancel")
            .arg(&engine_job)
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let row = loop {
        let out = env
            .rcluster()
            .args(["list", "--json", "--profile", "s"])
            .output()
            .unwrap();
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let row = rows[0].clone();
        let engine_state = row["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["job_id"] == engine_job.as_str())
            .map(|j| j["state"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        if !matches!(engine_state.as_str(), "RUNNING" | "COMPLETING") || Instant::now() > deadline {
            break row;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(row["state"], "partial", "{row}");
    let engine = row["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job_id"] == engine_job.as_str())
        .unwrap();
    assert!(
        matches!(engine["state"].as_str(), Some("CANCELLED") | Some("GONE")),
        "{engine}"
    );
    env.rcluster()
        .args(["list", "--profile", "s"])
        .assert()
        .success()
        .stdout(predicate::str::contains("partial"));
    env.rcluster()
        .args(["stop", "--profile", "s"])
        .assert()
        .success();
    assert_all_gone(&env, "s", "cx", &jobs);
}

#[test]
fn engines_per_job_splits_into_jobs() {
    if !slurm_available() {
        return;
    }
    let _slurm = lock();
    let env = Env::new();
    env.create_slurm_profile("s");
    env.rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "-n",
            "12",
            "--engines-per-job",
            "4",
            "--cluster-id",
            "split",
            "--timeout",
            "240",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("12/12 engines registered"));
    let jobs = recorded_jobs(&env, "s", "split");
    assert_eq!(jobs.len(), 4, "1 controller job + 3 engine jobs: {jobs:?}");
    let text = std::fs::read_to_string(env.security("s").join("cluster-split.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sets = doc["engines"]["sets"].as_object().unwrap();
    assert_eq!(sets.len(), 3);
    assert!(sets.values().all(|s| s["n"] == 4));
    let out = env.python_ok(
        "import ipyparallel as ipp\nrc = ipp.Client(profile='s', cluster_id='split')\nrc.wait_for_engines(12, timeout=60)\nprint(len(rc.ids))",
    );
    assert_eq!(out, "12\n");
    env.rcluster()
        .args(["stop", "--profile", "s", "split"])
        .assert()
        .success();
    assert_all_gone(&env, "s", "split", &jobs);
}

/// Puts a fault-injecting `sbatch` first on PATH: it wraps the real one and mangles its output.
fn fake_sbatch(env: &Env, name: &str, body: &str) -> String {
    let dir = env.dir.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v sbatch"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let script = format!(
        "#!/bin/sh\n# {name}: fault injection around the real sbatch\nREAL={real}\n{body}\n"
    );
    let path = dir.join("sbatch");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn job_ids_parse_from_banner_and_cluster_suffix_output() {
    if !slurm_available() {
        return;
    }
    let _slurm = lock();
    let env = Env::new();
    env.create_slurm_profile("s");
    let cases = [
        (
            "fake-sbatch-banner",
            "echo 'This job will be charged 500,000.00 hours'\nid=$($REAL \"$@\") || exit $?\necho \"$id\"\necho 'Have a nice day (quota 42%)'",
        ),
        (
            "fake-sbatch-cluster-suffix",
            "id=$($REAL \"$@\") || exit $?\necho \"${id%%;*};othercluster\"",
        ),
    ];
    for (i, (name, body)) in cases.iter().enumerate() {
        let path = fake_sbatch(&env, name, body);
        let id = format!("fake{i}");
        env.rcluster()
            .env("PATH", &path)
            .args([
                "start",
                "--profile",
                "s",
                "-n",
                "1",
                "--cluster-id",
                &id,
                "--engines",
                "local",
                "--timeout",
                "120",
            ])
            .assert()
            .success();
        let jobs = recorded_jobs(&env, "s", &id);
        assert_eq!(jobs.len(), 1);
        assert!(
            jobs[0].chars().all(|c| c.is_ascii_digit()) && jobs[0] != "500",
            "{name}: {jobs:?}"
        );
        assert_eq!(
            active_jobs(&jobs),
            jobs,
            "{name}: the parsed id is not the real job"
        );
        env.rcluster()
            .args(["stop", "--profile", "s", &id])
            .assert()
            .success();
        assert_all_gone(&env, "s", &id, &jobs);
    }
}

#[test]
fn sbatch_without_a_job_id_is_a_clear_error() {
    let env = Env::new();
    env.create_slurm_profile("s");
    let path = fake_sbatch(
        &env,
        "fake-sbatch-no-id",
        "echo 'Submission accepted, thank you'",
    );
    env.rcluster()
        .env("PATH", &path)
        .args(["start", "--profile", "s", "-n", "1", "--cluster-id", "noid"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("cannot find a job id")
                .and(predicate::str::contains("Submission accepted, thank you")),
        );
    assert_eq!(env.security_files_of("s", "noid"), Vec::<String>::new());
}

/// Fork start (issue 16) with the built-in template: one forker per node forks that node's
/// share of the allocation; the engines register from two or more nodes, and stop ends all.
#[test]
fn forked_engines_register_over_two_or_more_nodes() {
    if !slurm_available() {
        return;
    }
    let _slurm = lock();
    let env = Env::new();
    env.create_slurm_profile("s");
    env.rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "-n",
            "12",
            "--cluster-id",
            "sfork",
        ])
        .args(["--engine-start", "fork", "--timeout", "240"])
        .assert()
        .success();
    let jobs = recorded_jobs(&env, "s", "sfork");
    let script = std::fs::read_to_string(env.profile_dir("s").join(format!(
        "log/rcluster-sfork-engines-{}.sbatch",
        first_set_id(&env, "s", "sfork")
    )))
    .unwrap();
    assert!(script.contains("--ntasks-per-node=1"), "{script}");
    let out = env.python_ok(
        "import ipyparallel as ipp\n\
         rc = ipp.Client(profile='s', cluster_id='sfork')\n\
         rc.wait_for_engines(12, timeout=120)\n\
         def where():\n    import os\n    return os.getpid(), os.environ['SLURMD_NODENAME']\n\
         r = rc[:].apply_sync(where)\n\
         print(len(rc.ids), len({p for p, _ in r}), len({n for _, n in r}))",
    );
    let counts: Vec<usize> = out.split_whitespace().map(|c| c.parse().unwrap()).collect();
    assert_eq!(counts[..2], [12, 12], "12 engines, 12 distinct pids: {out}");
    assert!(counts[2] >= 2, "engines on {} nodes", counts[2]);
    env.rcluster()
        .args(["stop", "--profile", "s"])
        .assert()
        .success();
    assert_all_gone(&env, "s", "sfork", &jobs);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !common::processes_under(&env.ipython_dir).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(common::processes_under(&env.ipython_dir), Vec::<i32>::new());
    let pid_dir: Vec<_> = std::fs::read_dir(env.profile_dir("s").join("pid"))
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert!(pid_dir.is_empty(), "pids files left: {pid_dir:?}");
}
