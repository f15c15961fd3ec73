//! Issue 14, item 1: rcluster run from a notebook that is itself a Slurm job, against the real
//! Slurm lab. The notebook job's own variables (`SLURM_MEM_PER_NODE` of `--mem`,
//! `SLURM_CPUS_PER_TASK`, ...) must not reach the cluster's jobs, whose templates say
//! `--export=ALL`; what the user set (`VIRTUAL_ENV`, `SLURM_TIME_FORMAT`) must.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Env, SEED_ENGINE, active_jobs, slurm_available, venv_dir, venv_python};

/// What rcluster would have done before: submit such a job with the notebook job's environment.
const CONTROL_JOB: &str = "#!/bin/bash
#SBATCH --export=ALL
#SBATCH --ntasks=2
#SBATCH --mem-per-cpu=50M
#SBATCH --time=5
srun true
";

/// Each engine's node, job, and the variables that tell whose environment it got.
const CLIENT: &str = r#"
import json, sys
import ipyparallel as ipp

def where():
    import os
    keys = ["SLURMD_NODENAME", "SLURM_JOB_ID", "SLURM_MEM_PER_NODE", "SLURM_MEM_PER_CPU",
            "SLURM_CPUS_PER_TASK", "VIRTUAL_ENV", "SLURM_TIME_FORMAT"]
    return {k: os.environ.get(k) for k in keys}

rc = ipp.Client(profile="nb", cluster_id="injob")
rc.wait_for_engines(n=12, timeout=120)
results = rc[:].apply_sync(where)
squares = rc[:].map_sync(lambda x: x * x, range(24))
print(json.dumps({"engines": results, "sum": sum(squares)}))
rc.close()
"#;

/// Runs `notebook` as a `sbatch --mem=1G --cpus-per-task=2` job in `dir` and waits for it:
/// sbatch's outcome and the job's id.
fn run_notebook_job(dir: &Path, notebook: &str) -> (std::process::Output, String) {
    std::fs::write(dir.join("notebook.sbatch"), notebook).unwrap();
    let submitted = Command::new("sbatch")
        .args(["--wait", "--parsable", "--mem=1G", "--cpus-per-task=2"])
        .arg(dir.join("notebook.sbatch"))
        .current_dir(dir)
        .output()
        .expect("sbatch");
    let job = String::from_utf8_lossy(&submitted.stdout)
        .trim()
        .to_string();
    (submitted, job)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| format!("<cannot read {}: {e}>", path.display()))
}

#[test]
fn a_notebook_job_starts_twelve_engines_over_nodes_and_stops_clean() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    env.create_slurm_profile("nb");
    let profile = env.profile_dir("nb");
    // The guide's engine template plus one memory directive: with the notebook job's
    // `SLURM_MEM_PER_NODE` inherited, its `srun` fails at once.
    let template = SEED_ENGINE.replace("\nsrun ", "\n#SBATCH --mem-per-cpu=50M\nsrun ");
    assert_ne!(template, SEED_ENGINE);
    std::fs::write(profile.join("slurm.engine.template"), template).unwrap();
    std::fs::write(
        profile.join("rcluster.toml"),
        "[controller]\nlauncher = \"slurm\"\n\n\
         [engines]\nlauncher = \"slurm\"\ntemplate = \"slurm.engine.template\"\n",
    )
    .unwrap();
    let dir = env.dir.path();
    std::fs::write(dir.join("control.sbatch"), CONTROL_JOB).unwrap();
    std::fs::write(dir.join("client.py"), CLIENT).unwrap();
    let rcluster = env!("CARGO_BIN_EXE_rcluster");
    let start = format!("'{rcluster}' start --profile nb -n 12 --cluster-id injob --timeout 240");
    // The notebook: each step's output goes to its own file, and stop runs whatever happened.
    let notebook = format!(
        "#!/bin/bash
#SBATCH --output={d}/notebook.out
#SBATCH --time=10
cd '{d}'
export IPYTHONDIR='{ipython}' VIRTUAL_ENV='{venv}' NO_COLOR=1 SLURM_TIME_FORMAT=standard
unset CONDA_PREFIX RCLUSTER_PROFILE
sbatch --wait --output='{d}/control.out' control.sbatch > control.submit 2>&1
echo $? > control.rc
{start} --dry-run > dryrun.txt 2>&1
{start} > start.txt 2>&1
echo $? > start.rc
'{rcluster}' status --profile nb injob > status.txt 2>&1
cp '{security}/rcluster-injob.json' state.json
'{python}' client.py > client.json 2> client.err
'{rcluster}' stop --profile nb injob > stop.txt 2>&1
echo $? > stop.rc
",
        d = dir.display(),
        ipython = env.ipython_dir.display(),
        venv = venv_dir().display(),
        security = env.security("nb").display(),
        python = venv_python().display(),
    );
    let (submitted, notebook_job) = run_notebook_job(dir, &notebook);
    let show = |name: &str| format!("--- {name}\n{}", read(&dir.join(name)));
    let all = || {
        [
            "notebook.out",
            "control.submit",
            "control.out",
            "start.txt",
            "status.txt",
            "client.err",
            "stop.txt",
        ]
        .map(show)
        .join("\n")
    };
    assert!(
        submitted.status.success(),
        "notebook job failed:\n{}",
        all()
    );

    // Without the fix: the same kind of job, submitted with the notebook's environment, fails.
    assert_eq!(read(&dir.join("control.rc")).trim(), "1", "{}", all());
    assert!(
        read(&dir.join("control.out")).contains("are mutually exclusive"),
        "{}",
        all()
    );

    let dry_run = read(&dir.join("dryrun.txt"));
    assert!(
        dry_run.contains(&format!("# inside Slurm job {notebook_job}: ")),
        "{dry_run}"
    );
    for name in ["SLURM_MEM_PER_NODE", "SLURM_CPUS_PER_TASK", "SLURM_JOB_ID"] {
        assert!(
            dry_run.contains(&format!("-u {name} ")),
            "{name}: {dry_run}"
        );
    }
    assert!(!dry_run.contains("-u SLURM_CONF "), "{dry_run}");

    assert_eq!(read(&dir.join("start.rc")).trim(), "0", "{}", all());
    let status = read(&dir.join("status.txt"));
    assert!(
        status.contains("submitted without that job's variables")
            && status.contains("SLURM_MEM_PER_NODE"),
        "{status}"
    );
    let state: serde_json::Value =
        serde_json::from_str(&read(&dir.join("state.json"))).expect("state file");
    let removed: Vec<&str> = state["slurm_env_removed"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert!(removed.contains(&"SLURM_MEM_PER_NODE"), "{removed:?}");
    assert!(removed.contains(&"SLURM_CPUS_PER_TASK"), "{removed:?}");
    assert!(!removed.contains(&"SLURM_CONF"), "{removed:?}");
    let jobs: Vec<String> = state["jobs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|j| j["job_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(jobs.len(), 2, "{state}");

    let client: serde_json::Value = serde_json::from_str(&read(&dir.join("client.json")))
        .unwrap_or_else(|e| panic!("client output: {e}\n{}", all()));
    let engines = client["engines"].as_array().expect("engines");
    assert_eq!(engines.len(), 12, "{client}");
    assert_eq!(client["sum"], (0..24).map(|x| x * x).sum::<i64>());
    let mut nodes: Vec<&str> = engines
        .iter()
        .filter_map(|e| e["SLURMD_NODENAME"].as_str())
        .collect();
    nodes.sort();
    nodes.dedup();
    assert!(nodes.len() >= 2, "engines on fewer than 2 nodes: {client}");
    let venv = venv_dir().display().to_string();
    for engine in engines {
        // The engine job's own variables, not the notebook's; the user's settings kept.
        assert_ne!(engine["SLURM_JOB_ID"].as_str(), Some(notebook_job.as_str()));
        assert!(engine["SLURM_MEM_PER_NODE"].is_null(), "{engine}");
        assert_eq!(engine["SLURM_MEM_PER_CPU"], "50", "{engine}");
        assert_ne!(engine["SLURM_CPUS_PER_TASK"], "2", "{engine}");
        assert_eq!(engine["VIRTUAL_ENV"], venv.as_str(), "{engine}");
        assert_eq!(engine["SLURM_TIME_FORMAT"], "standard", "{engine}");
    }

    assert_eq!(read(&dir.join("stop.rc")).trim(), "0", "{}", all());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !active_jobs(&jobs).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        active_jobs(&jobs),
        Vec::<String>::new(),
        "jobs left in squeue"
    );
    assert_eq!(env.security_files_of("nb", "injob"), Vec::<String>::new());
    let scripts: Vec<String> = std::fs::read_dir(profile.join("log"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".sbatch"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(scripts, Vec::<String>::new(), "batch scripts left");
}

/// The variables of a `sbatch --mem=1G --cpus-per-task=2` job (a few of them), and what a user
/// set on purpose: no Slurm needed to see what rcluster keeps.
const INSIDE_A_JOB: &[(&str, &str)] = &[
    ("SLURM_JOB_ID", "4710"),
    ("SLURM_JOBID", "4710"),
    ("SLURM_MEM_PER_NODE", "1024"),
    ("SLURM_CPUS_PER_TASK", "2"),
    ("SLURM_NTASKS", "1"),
    ("SLURM_CONF", "/etc/slurm/slurm.conf"),
    ("SBATCH_ACCOUNT", "proj"),
];

#[test]
fn dry_run_inside_a_job_names_and_unsets_the_jobs_variables() {
    let env = Env::new();
    env.create_slurm_profile("nb");
    let out = env
        .rcluster()
        .args(["start", "--profile", "nb", "-n", "2", "--dry-run"])
        .envs(INSIDE_A_JOB.iter().copied())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let removed = "SLURM_CPUS_PER_TASK SLURM_JOBID SLURM_JOB_ID SLURM_MEM_PER_NODE SLURM_NTASKS";
    let comment =
        format!("# inside Slurm job 4710: sbatch runs without the job's own variables {removed}\n");
    // One for the controller's sbatch, one for the engines'.
    assert_eq!(text.matches(&comment).count(), 2, "{text}");
    let unset = "env -u SLURM_CPUS_PER_TASK -u SLURM_JOBID -u SLURM_JOB_ID -u SLURM_MEM_PER_NODE -u SLURM_NTASKS IPP_PROFILE_DIR=";
    assert_eq!(text.matches(unset).count(), 2, "{text}");

    // Outside a job the same variables were set on purpose: nothing is removed.
    let outside: Vec<(&str, &str)> = INSIDE_A_JOB
        .iter()
        .copied()
        .filter(|(name, _)| !name.starts_with("SLURM_JOB"))
        .collect();
    let out = env
        .rcluster()
        .args(["start", "--profile", "nb", "-n", "2", "--dry-run"])
        .env_remove("SLURM_JOB_ID")
        .env_remove("SLURM_JOBID")
        .envs(outside)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        !text.contains("inside Slurm job") && !text.contains("env -u"),
        "{text}"
    );
}

/// Local and MPI launchers run in the notebook's allocation, with its environment: nothing is
/// removed from their commands.
#[test]
fn dry_run_inside_a_job_keeps_the_environment_of_local_engines() {
    let env = Env::new();
    env.create_profile("loc");
    let out = env
        .rcluster()
        .args(["start", "--profile", "loc", "-n", "2", "--dry-run"])
        .envs(INSIDE_A_JOB.iter().copied())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("# 2 engines (local"), "{text}");
    assert!(!text.contains("env -u"), "{text}");
}

/// What `sbatch` itself gets, through a stand-in that records its environment and refuses the
/// job (so nothing is left to cancel).
#[test]
fn sbatch_gets_the_users_variables_but_not_the_jobs() {
    let env = Env::new();
    env.create_slurm_profile("nb");
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = env.dir.path().join("sbatch.env");
    let sbatch = bin.join("sbatch");
    std::fs::write(
        &sbatch,
        format!(
            "#!/bin/sh\nenv > '{}'\necho 'refused' >&2\nexit 1\n",
            record.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&sbatch).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&sbatch, perms).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "nb",
            "-n",
            "2",
            "--cluster-id",
            "fake",
        ])
        .envs(INSIDE_A_JOB.iter().copied())
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refused"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = read(&record);
    let names: Vec<&str> = seen
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    for gone in [
        "SLURM_JOB_ID",
        "SLURM_JOBID",
        "SLURM_MEM_PER_NODE",
        "SLURM_CPUS_PER_TASK",
        "SLURM_NTASKS",
    ] {
        assert!(!names.contains(&gone), "{gone} reached sbatch:\n{seen}");
    }
    for kept in [
        "SLURM_CONF",
        "SBATCH_ACCOUNT",
        "VIRTUAL_ENV",
        "IPP_PROFILE_DIR",
        "PATH",
    ] {
        assert!(
            names.contains(&kept),
            "{kept} did not reach sbatch:\n{seen}"
        );
    }
}

/// Each engine's pid, parent, node and job: forked engines of one host or node share a parent.
const FORK_CLIENT: &str = r#"
import json, sys
import ipyparallel as ipp

def where():
    import os
    with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
        parent = f.read().replace(b"\0", b" ").decode(errors="replace")
    return {"pid": os.getpid(), "ppid": os.getppid(), "parent_is_forker": "-spec.json" in parent,
            "node": os.environ.get("SLURMD_NODENAME") or os.uname().nodename,
            "job": os.environ.get("SLURM_JOB_ID")}

profile, cluster_id, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rc = ipp.Client(profile=profile, cluster_id=cluster_id)
rc.wait_for_engines(n=n, timeout=120)
results = rc[:].apply_sync(where)
squares = rc[:].map_sync(lambda x: x * x, range(2 * n))
print(json.dumps({"engines": results, "sum": sum(squares)}))
rc.close()
"#;

/// Fork start (the default) from a notebook that is a Slurm job: local engines fork inside the
/// notebook's allocation; the built-in Slurm engine template forks one forker per node of the
/// engines' own job. Both compute, and stop leaves nothing.
#[test]
fn forked_engines_start_from_inside_a_notebook_job() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    env.create_profile("lf");
    env.create_slurm_profile("sf");
    let dir = env.dir.path();
    std::fs::write(dir.join("client.py"), FORK_CLIENT).unwrap();
    let rcluster = env!("CARGO_BIN_EXE_rcluster");
    let notebook = format!(
        "#!/bin/bash
#SBATCH --output={d}/notebook.out
#SBATCH --time=10
cd '{d}'
export IPYTHONDIR='{ipython}' VIRTUAL_ENV='{venv}' NO_COLOR=1
unset CONDA_PREFIX RCLUSTER_PROFILE
run() {{ tag=$1; shift; \"$@\" > $tag.txt 2>&1; echo $? > $tag.rc; }}
run lstart '{rcluster}' start --profile lf -n 4 --cluster-id lfork
'{python}' client.py lf lfork 4 > lclient.json 2> lclient.err
run lstop '{rcluster}' stop --profile lf lfork
run sstart '{rcluster}' start --profile sf -n 6 --cluster-id sfork --directive=--nodes=2 --timeout 240
cp '{security}/rcluster-sfork.json' sstate.json
'{python}' client.py sf sfork 6 > sclient.json 2> sclient.err
run sstop '{rcluster}' stop --profile sf sfork
",
        d = dir.display(),
        ipython = env.ipython_dir.display(),
        venv = venv_dir().display(),
        security = env.security("sf").display(),
        python = venv_python().display(),
    );
    let (submitted, notebook_job) = run_notebook_job(dir, &notebook);
    let all = || {
        [
            "notebook.out",
            "lstart.txt",
            "lclient.err",
            "lstop.txt",
            "sstart.txt",
            "sclient.err",
            "sstop.txt",
        ]
        .map(|name| format!("--- {name}\n{}", read(&dir.join(name))))
        .join("\n")
    };
    assert!(
        submitted.status.success(),
        "notebook job failed:\n{}",
        all()
    );
    for tag in ["lstart", "lstop", "sstart", "sstop"] {
        assert_eq!(
            read(&dir.join(format!("{tag}.rc"))).trim(),
            "0",
            "{tag}\n{}",
            all()
        );
    }
    let engines_of = |name: &str, n: usize| -> Vec<serde_json::Value> {
        let out: serde_json::Value = serde_json::from_str(&read(&dir.join(name)))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", all()));
        assert_eq!(out["sum"], (0..2 * n as i64).map(|x| x * x).sum::<i64>());
        let engines = out["engines"].as_array().expect("engines").clone();
        assert_eq!(engines.len(), n, "{out}");
        let mut pids: Vec<i64> = engines.iter().map(|e| e["pid"].as_i64().unwrap()).collect();
        pids.sort();
        pids.dedup();
        assert_eq!(pids.len(), n, "engines share a pid: {out}");
        assert!(
            engines.iter().all(|e| e["parent_is_forker"] == true),
            "not forked: {out}"
        );
        engines
    };
    let distinct = |engines: &[serde_json::Value], key: &str| -> Vec<String> {
        let mut values: Vec<String> = engines.iter().map(|e| e[key].to_string()).collect();
        values.sort();
        values.dedup();
        values
    };

    // Local: in the notebook's allocation, all forked by one forker.
    let local = engines_of("lclient.json", 4);
    assert_eq!(distinct(&local, "ppid").len(), 1, "{local:?}");
    assert!(
        local.iter().all(|e| e["job"] == notebook_job.as_str()),
        "{local:?}"
    );

    // Slurm: the engines' own job over 2 nodes, one forker per node.
    let slurm = engines_of("sclient.json", 6);
    let nodes = distinct(&slurm, "node");
    assert_eq!(nodes.len(), 2, "{slurm:?}");
    assert_eq!(distinct(&slurm, "ppid").len(), nodes.len(), "{slurm:?}");
    assert!(
        slurm.iter().all(|e| e["job"] != notebook_job.as_str()),
        "{slurm:?}"
    );

    let state: serde_json::Value =
        serde_json::from_str(&read(&dir.join("sstate.json"))).expect("state file");
    let jobs: Vec<String> = state["jobs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|j| j["job_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(jobs.len(), 2, "{state}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !active_jobs(&jobs).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        active_jobs(&jobs),
        Vec::<String>::new(),
        "jobs left in squeue"
    );
    for (profile, id) in [("lf", "lfork"), ("sf", "sfork")] {
        assert_eq!(env.security_files_of(profile, id), Vec::<String>::new());
    }
    assert_eq!(
        common::processes_under(&env.ipython_dir),
        Vec::<i32>::new(),
        "processes left"
    );
}
