//! Test harness: each `Env` owns a temporary IPython directory, runs the real rcluster binary and
//! the project venv's real Python (ipyparallel), and stops whatever is left when it is dropped.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

/// The project venv's Python: `RCLUSTER_TEST_PYTHON`, else `.venv/bin/python`. Missing is a
/// failure, never a skip: the suite needs real ipyparallel (scripts/test.sh runs the `interop_`
/// tests a second time with `.venv-oldest`, the oldest supported ipyparallel).
pub fn venv_python() -> PathBuf {
    let python = match std::env::var_os("RCLUSTER_TEST_PYTHON") {
        Some(python) => PathBuf::from(python),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
    };
    assert!(
        python.exists(),
        "no test Python at {}: run `scripts/setup.sh` first (or set RCLUSTER_TEST_PYTHON)",
        python.display()
    );
    python
}

pub fn venv_dir() -> PathBuf {
    let python = venv_python();
    python
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The seed guide's controller template (dist_jupyter_parallel-guide.md), as users copy it.
pub const SEED_CONTROLLER: &str = "#!/bin/sh
#SBATCH --output={output_file}
#SBATCH --export=ALL
#SBATCH --job-name=ipcontroller-{cluster_id}
#SBATCH --ntasks=1
#SBATCH --time=30
{program_and_args}
";

/// The seed guide's engine template: 12 engines over `12//5 + 1` = 3 nodes.
pub const SEED_ENGINE: &str = "#!/bin/bash
#SBATCH --time=30
#SBATCH --export=ALL
#SBATCH --output={output_file}
#SBATCH --job-name=ipengine-{cluster_id}
#SBATCH --ntasks={n}
#SBATCH --nodes={n//5 + 1}
srun {program_and_args} --debug --profile-dir={profile_dir} --cluster-id={cluster_id}
";

pub struct Env {
    pub dir: TempDir,
    pub ipython_dir: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("rcluster-test-")
            .tempdir()
            .expect("temp dir");
        let ipython_dir = dir.path().join("ipython");
        std::fs::create_dir_all(&ipython_dir).expect("ipython dir");
        Env { dir, ipython_dir }
    }

    pub fn profile_dir(&self, name: &str) -> PathBuf {
        self.ipython_dir.join(format!("profile_{name}"))
    }

    pub fn security(&self, profile: &str) -> PathBuf {
        self.profile_dir(profile).join("security")
    }

    /// `rcluster` with this environment's IPython dir and the venv as the user's environment.
    pub fn rcluster(&self) -> Command {
        let mut cmd = Command::cargo_bin("rcluster").expect("rcluster binary");
        cmd.env("IPYTHONDIR", &self.ipython_dir)
            .env("VIRTUAL_ENV", venv_dir())
            .env_remove("CONDA_PREFIX")
            .env_remove("RCLUSTER_PROFILE")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path());
        cmd
    }

    /// The same as [`Env::rcluster`], as a plain `std::process::Command` (to spawn and signal).
    pub fn rcluster_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rcluster"));
        cmd.env("IPYTHONDIR", &self.ipython_dir)
            .env("VIRTUAL_ENV", venv_dir())
            .env_remove("CONDA_PREFIX")
            .env_remove("RCLUSTER_PROFILE")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs Python code in the venv with this environment's IPython dir.
    pub fn python(&self, code: &str) -> Output {
        std::process::Command::new(venv_python())
            .arg("-c")
            .arg(code)
            .env("IPYTHONDIR", &self.ipython_dir)
            .current_dir(self.dir.path())
            .output()
            .expect("run python")
    }

    /// Runs Python code and returns its stdout, failing the test with stderr if it fails.
    pub fn python_ok(&self, code: &str) -> String {
        let out = self.python(code);
        assert!(
            out.status.success(),
            "python failed:\n--- code\n{code}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs the venv's `ipcluster` with this environment's IPython dir.
    pub fn ipcluster(&self, args: &[&str]) -> Output {
        std::process::Command::new(venv_dir().join("bin/ipcluster"))
            .args(args)
            .env("IPYTHONDIR", &self.ipython_dir)
            .current_dir(self.dir.path())
            .output()
            .expect("run ipcluster")
    }

    /// `rcluster profile create NAME`.
    pub fn create_profile(&self, name: &str) {
        self.rcluster()
            .args(["profile", "create", name])
            .assert()
            .success();
    }

    /// `rcluster profile create NAME --preset slurm`.
    pub fn create_slurm_profile(&self, name: &str) {
        self.rcluster()
            .args(["profile", "create", name, "--preset", "slurm"])
            .assert()
            .success();
    }

    /// A profile whose engines start over ssh through the SSH lab's client config, with `ssh`
    /// (lines of `[ssh]`, e.g. `hosts = ["lab1:2"]`) added.
    pub fn create_ssh_profile(&self, name: &str, lab: &Path, ssh: &str) {
        self.create_profile(name);
        std::fs::write(
            self.profile_dir(name).join("rcluster.toml"),
            format!(
                "[engines]\nlauncher = \"ssh\"\n\n[ssh]\nargs = [\"-F\", \"{}\"]\n{ssh}\n",
                lab.display()
            ),
        )
        .unwrap();
    }

    /// rcluster's record of a cluster's engines on other hosts.
    pub fn remote_record(&self, profile: &str, id: &str) -> Vec<serde_json::Value> {
        let path = self.security(profile).join(format!("rcluster-{id}.json"));
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        doc["remote"].as_array().cloned().unwrap_or_default()
    }

    /// Starts a local cluster and returns its id.
    pub fn start(&self, profile: &str, id: &str, n: u32) {
        self.rcluster()
            .args([
                "start",
                "--profile",
                profile,
                "--cluster-id",
                id,
                "-n",
                &n.to_string(),
            ])
            .assert()
            .success();
    }

    /// Pids recorded in a cluster file (controller and every engine).
    pub fn recorded_pids(&self, profile: &str, id: &str) -> Vec<i32> {
        let path = self.security(profile).join(format!("cluster-{id}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: serde_json::Value = serde_json::from_str(&text).expect("cluster file json");
        let mut pids = Vec::new();
        collect_pids(&doc, &mut pids);
        pids
    }

    /// Files in `security/` whose name contains the cluster id.
    pub fn security_files_of(&self, profile: &str, id: &str) -> Vec<String> {
        std::fs::read_dir(self.security(profile))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| {
                        [".json", ".engine", ".lock", "-"]
                            .iter()
                            .any(|end| name.contains(&format!("-{id}{end}")))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn collect_pids(value: &serde_json::Value, out: &mut Vec<i32>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "pid" {
                    if let Some(pid) = v.as_i64().filter(|p| *p > 0) {
                        out.push(pid as i32);
                    }
                } else {
                    collect_pids(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_pids(v, out)),
        _ => {}
    }
}

/// Alive and not a zombie.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rfind(')').and_then(|i| stat[i + 2..].chars().next());
            !matches!(state, Some('Z') | Some('X') | None)
        }
        Err(_) => false,
    }
}

/// Waits (bounded) until none of the pids is alive; returns those still alive.
pub fn wait_all_gone(pids: &[i32], timeout: Duration) -> Vec<i32> {
    let deadline = Instant::now() + timeout;
    loop {
        let left: Vec<i32> = pids.iter().copied().filter(|p| alive(*p)).collect();
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Pids of processes whose environment says they belong to this IPython dir (our engines and
/// controllers carry `IPP_PROFILE_DIR`), so no test leaves a process behind unnoticed.
pub fn processes_under(dir: &Path) -> Vec<i32> {
    let needle = format!("IPP_PROFILE_DIR={}", dir.display());
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .filter(|pid| alive(*pid))
                .filter(|pid| {
                    std::fs::read(format!("/proc/{pid}/environ"))
                        .map(|env| {
                            env.split(|b| *b == 0)
                                .any(|var| var.starts_with(needle.as_bytes()))
                        })
                        .unwrap_or(false)
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Drop for Env {
    fn drop(&mut self) {
        // Stop whatever a failing test left running, so no test run leaks processes.
        if let Ok(entries) = std::fs::read_dir(&self.ipython_dir) {
            for entry in entries.filter_map(|e| e.ok()) {
                let _ = self
                    .rcluster()
                    .args(["stop", "--all", "-q", "--grace", "1", "--profile-dir"])
                    .arg(entry.path())
                    .output();
            }
        }
        for pid in processes_under(&self.ipython_dir) {
            let _ = nix_kill(pid);
        }
    }
}

fn nix_kill(pid: i32) -> std::io::Result<()> {
    std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .map(|_| ())
}

/// Whether the Slurm lab answers. When the run asked for Slurm (`RCLUSTER_REQUIRE_SLURM=1`, as
/// `scripts/test.sh` and CI set it) a missing Slurm fails the test instead of skipping it.
pub fn slurm_available() -> bool {
    let ok = std::process::Command::new("sinfo")
        .args(["-h", "-o", "%t"])
        .output()
        .map(|o| o.status.success() && !o.stdout.is_empty())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("RCLUSTER_REQUIRE_SLURM").is_none(),
            "Slurm is required (RCLUSTER_REQUIRE_SLURM is set) but `sinfo` does not answer: run scripts/slurm-lab/slurm-up.sh"
        );
        eprintln!("SKIPPED: Slurm is not running (scripts/slurm-lab/slurm-up.sh starts it)");
    }
    ok
}

/// Same for the Grid Engine lab (`qstat` answers), with `RCLUSTER_REQUIRE_SGE=1`.
pub fn sge_available() -> bool {
    let ok = std::process::Command::new("qstat")
        .arg("-xml")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("RCLUSTER_REQUIRE_SGE").is_none(),
            "Grid Engine is required (RCLUSTER_REQUIRE_SGE is set) but `qstat` does not answer: run scripts/gridengine-lab/sge-up.sh"
        );
        eprintln!(
            "SKIPPED: Grid Engine is not running (scripts/gridengine-lab/sge-up.sh starts it)"
        );
    }
    ok
}

/// Same for MPI (`mpiexec` and mpi4py in the venv), with `RCLUSTER_REQUIRE_MPI=1`.
pub fn mpi_available() -> bool {
    let mpiexec = std::process::Command::new("mpiexec")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mpi4py = std::process::Command::new(venv_python())
        .args(["-c", "import mpi4py"])
        .status()
        .is_ok_and(|s| s.success());
    let ok = mpiexec && mpi4py;
    if !ok {
        assert!(
            std::env::var_os("RCLUSTER_REQUIRE_MPI").is_none(),
            "MPI is required (RCLUSTER_REQUIRE_MPI is set) but mpiexec={mpiexec} mpi4py={mpi4py}: run scripts/setup.sh --system"
        );
        eprintln!("SKIPPED: MPI is not available (scripts/setup.sh --system installs it)");
    }
    ok
}

/// Job ids Slurm still lists (any state but finished ones) among `ids`.
pub fn active_jobs(ids: &[String]) -> Vec<String> {
    squeue_states(ids, &[])
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// `(id, state)` of each of `ids` that `squeue` (with `extra` arguments) lists, sorted.
fn squeue_states(ids: &[String], extra: &[&str]) -> Vec<(String, String)> {
    let out = std::process::Command::new("squeue")
        .args(["-h", "-o", "%i %T"])
        .args(extra)
        .output()
        .expect("squeue");
    let mut states: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(id, _)| ids.iter().any(|i| i == id))
        .map(|(id, state)| (id.to_string(), state.trim().to_string()))
        .collect();
    states.sort();
    states
}

/// The state Slurm reports for each of `ids` (finished jobs included while Slurm keeps them:
/// `CANCELLED`, `COMPLETED`, `FAILED`, ...); jobs Slurm has forgotten are left out.
pub fn job_states(ids: &[String]) -> Vec<(String, String)> {
    squeue_states(ids, &["--states=all"])
}

/// Job ids recorded in a cluster file.
pub fn recorded_jobs(env: &Env, profile: &str, id: &str) -> Vec<String> {
    let path = env.security(profile).join(format!("cluster-{id}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut jobs = Vec::new();
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    if k == "job_id" {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_string());
                        }
                    } else {
                        walk(v, out);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(&doc, &mut jobs);
    jobs
}

/// The SSH lab's ssh client config (scripts/ssh-lab/ssh-up.sh), if the lab answers. When the run
/// asked for it (`RCLUSTER_REQUIRE_SSH=1`, as `scripts/test.sh` sets it) a missing lab fails the
/// test instead of skipping it.
pub fn ssh_lab() -> Option<PathBuf> {
    let config = std::env::var_os("RCLUSTER_SSH_LAB_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/ssh-lab/ssh_config"));
    let ok = config.exists()
        && std::process::Command::new("ssh")
            .arg("-F")
            .arg(&config)
            .args(["lab1", "true"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("RCLUSTER_REQUIRE_SSH").is_none(),
            "the SSH lab is required (RCLUSTER_REQUIRE_SSH is set) but `ssh -F {} lab1 true` fails: run scripts/ssh-lab/ssh-up.sh",
            config.display()
        );
        eprintln!("skipped: no SSH lab (scripts/ssh-lab/ssh-up.sh)");
        return None;
    }
    Some(config)
}
