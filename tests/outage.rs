//! Issue 6: the scheduler goes away while a cluster runs. `list` must say UNKNOWN (never dead),
//! and once slurmctld is back the state recovers and `stop` works.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Env, slurm_available};

fn lab_dir() -> String {
    std::env::var("SLURM_LAB_DIR").unwrap_or_else(|_| "/tmp/slurm-lab".to_string())
}

fn squeue_answers() -> bool {
    Command::new("squeue")
        .arg("-h")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn wait_until(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Stops slurmctld (by its pid file) and starts it again on drop, whatever the test did.
struct Outage;

impl Outage {
    fn begin() -> Outage {
        let pid = std::fs::read_to_string(format!("{}/run/slurmctld.pid", lab_dir()))
            .expect("slurmctld pid file");
        assert!(
            Command::new("kill")
                .arg(pid.trim())
                .status()
                .unwrap()
                .success()
        );
        wait_until("slurmctld is down", Duration::from_secs(30), || {
            !squeue_answers()
        });
        Outage
    }
}

/// A step that could not report its end while slurmctld was down may get its node drained
/// ("Kill task failed"); the outage was ours, so give such nodes back for the tests after us.
fn resume_drained_nodes() {
    let out = Command::new("sinfo")
        .args(["-h", "-N", "-t", "drain,drng", "-o", "%N"])
        .output();
    if let Ok(out) = out {
        for node in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
        {
            let _ = Command::new("scontrol")
                .args(["update", &format!("nodename={node}"), "state=resume"])
                .status();
        }
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        if !squeue_answers() {
            let conf = format!("{}/etc/slurm.conf", lab_dir());
            let _ = Command::new("slurmctld").args(["-f", &conf]).status();
            wait_until("slurmctld is back", Duration::from_secs(60), squeue_answers);
        }
    }
}

fn list_row(env: &Env) -> serde_json::Value {
    let out = env
        .rcluster()
        .args(["list", "--json", "--profile", "s"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    rows[0].clone()
}

#[test]
fn scheduler_outage_reads_unknown_and_recovers() {
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
            "out",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    let jobs = common::recorded_jobs(&env, "s", "out");
    assert_eq!(list_row(&env)["state"], "running");
    {
        let outage = Outage::begin();
        let row = list_row(&env);
        assert_eq!(row["state"], "unknown", "{row}");
        assert!(
            row["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .all(|j| j["state"] == "UNKNOWN"),
            "{row}"
        );
        // stop must not pretend: Slurm cannot confirm anything, so the files stay.
        env.rcluster()
            .args(["stop", "--profile", "s", "out"])
            .assert()
            .code(1);
        assert!(env.security("s").join("cluster-out.json").exists());
        drop(outage);
    }
    wait_until(
        "the cluster reads running again",
        Duration::from_secs(60),
        || list_row(&env)["state"] == "running",
    );
    env.rcluster()
        .args(["stop", "--profile", "s", "out"])
        .assert()
        .success();
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
    assert_eq!(env.security_files_of("s", "out"), Vec::<String>::new());
    resume_drained_nodes();
}
