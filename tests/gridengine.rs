//! Issue 18's acceptance, against the real Grid Engine lab (`scripts/gridengine-lab/sge-up.sh`:
//! one sge_qmaster and one sge_execd on this machine, queue `all.q` with 16 slots).

mod common;

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Env, recorded_jobs, sge_available};
use predicates::prelude::*;

/// One Grid Engine test at a time: the lab has 16 slots, and "nothing new was submitted" is
/// checked against the whole queue.
static SGE: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SGE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every job id `qstat` lists (any user, any state), one per job.
fn queued_jobs() -> Vec<String> {
    let out = std::process::Command::new("qstat")
        .args(["-u", "*"])
        .output()
        .expect("qstat");
    assert!(out.status.success(), "{out:?}");
    let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    ids.dedup();
    ids
}

/// Those of `jobs` that `qstat` still lists. Asked right after a stop or a failed start: both
/// wait until Grid Engine has let go of the jobs (a deleted job goes through `dr` first).
fn still_queued(jobs: &[String]) -> Vec<String> {
    queued_jobs()
        .into_iter()
        .filter(|id| jobs.contains(id))
        .collect()
}

/// Files of the cluster left in the profile: its security files, and its batch scripts.
fn files_of(env: &Env, profile: &str, id: &str) -> Vec<String> {
    let mut files = env.security_files_of(profile, id);
    let scripts = std::fs::read_dir(env.profile_dir(profile).join("log"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(&format!("rcluster-{id}-")))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    files.extend(scripts);
    files
}

fn sge_profile(env: &Env, name: &str) -> std::path::PathBuf {
    env.rcluster()
        .args(["profile", "create", name, "--preset", "sge"])
        .assert()
        .success();
    env.profile_dir(name)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn controller_and_eight_engines_compute_and_stop_leaving_nothing() {
    if !sge_available() {
        return;
    }
    let _sge = lock();
    let env = Env::new();
    sge_profile(&env, "ge");
    env.rcluster()
        .args(["start", "--profile", "ge", "-n", "8", "--cluster-id", "ge8"])
        .args(["--timeout", "180"])
        .assert()
        .success()
        .stderr(predicate::str::contains("8/8 engines registered"));
    let jobs = recorded_jobs(&env, "ge", "ge8");
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let queued = queued_jobs();
    assert!(
        jobs.iter().all(|j| queued.contains(j)),
        "{jobs:?} {queued:?}"
    );

    // Every engine computes, each in its own process, each a task of the engine job.
    let out = env.python_ok(
        r#"
import ipyparallel as ipp
rc = ipp.Client(profile="ge", cluster_id="ge8")
rc.wait_for_engines(n=8, timeout=120)
def where(x):
    import os
    return (os.getpid(), os.environ.get("JOB_ID"), os.environ.get("SGE_TASK_ID"), x * x)
r = rc[:].map_sync(where, range(8))
print(len({p for p, _, _, _ in r}))
print(sorted({j for _, j, _, _ in r}))
print(len({t for _, _, t, _ in r}))
print(sum(sq for _, _, _, sq in r))
"#,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "8", "{out}");
    assert_eq!(lines[1], format!("['{}']", jobs[1]), "{out}");
    assert_eq!(lines[2], "8", "{out}");
    assert_eq!(lines[3], "140", "{out}");

    env.rcluster()
        .args(["list", "--profile", "ge"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ge8").and(predicate::str::contains("sge/sge")));
    env.rcluster()
        .args(["status", "--profile", "ge", "ge8"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains(format!("job {} r", jobs[0]))
                .and(predicate::str::contains(format!("job {} r", jobs[1]))),
        );

    // `engines add` submits one more array job to the running cluster.
    env.rcluster()
        .args([
            "engines",
            "add",
            "--profile",
            "ge",
            "--cluster-id",
            "ge8",
            "-n",
            "2",
        ])
        .args(["--timeout", "180"])
        .assert()
        .success()
        .stderr(predicate::str::contains("10 registered in all"));
    let jobs = recorded_jobs(&env, "ge", "ge8");
    assert_eq!(jobs.len(), 3, "{jobs:?}");

    // `engines stop` deletes the added set's job alone.
    let out = env
        .rcluster()
        .args(["engines", "list", "--profile", "ge", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let added = &list["sets"][1];
    assert_eq!(added["job"]["scheduler"], "sge", "{list}");
    assert_eq!(added["n"], 2, "{list}");
    let added_job = added["job"]["job_id"].as_str().unwrap().to_string();
    env.rcluster()
        .args(["engines", "stop", "--profile", "ge", "--cluster-id", "ge8"])
        .arg(added["set_id"].as_str().unwrap())
        .assert()
        .success()
        .stderr(predicate::str::contains("8 engines registered"));
    assert_eq!(
        still_queued(std::slice::from_ref(&added_job)),
        Vec::<String>::new()
    );
    let left: Vec<String> = jobs.iter().filter(|j| **j != added_job).cloned().collect();
    assert_eq!(still_queued(&left), left);

    env.rcluster()
        .args(["stop", "--profile", "ge", "ge8"])
        .assert()
        .success()
        .stderr(predicate::str::contains("2 Grid Engine jobs ended"));
    assert_eq!(
        still_queued(&jobs),
        Vec::<String>::new(),
        "jobs left in qstat"
    );
    assert_eq!(files_of(&env, "ge", "ge8"), Vec::<String>::new());
    // Logs were not kept either.
    let logs: Vec<_> = std::fs::read_dir(env.profile_dir("ge").join("log"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(logs.is_empty(), "{logs:?}");
}

/// Starts a cluster `name` (2 engines) whose engines use `template`; returns start's stderr
/// after checking that it failed and left no job in qstat and no file of the cluster.
fn failed_start(name: &str, template: &str) -> String {
    let env = Env::new();
    let dir = sge_profile(&env, name);
    write(&dir, "engines.sh", template);
    write(
        &dir,
        "rcluster.toml",
        "[controller]\nlauncher = \"sge\"\n\n[engines]\nlauncher = \"sge\"\nn = 2\ntemplate = \"engines.sh\"\n",
    );
    let before = queued_jobs();
    let out = env
        .rcluster()
        .args(["start", "--profile", name, "--cluster-id", name])
        .args(["--timeout", "180"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let new: Vec<String> = queued_jobs()
        .into_iter()
        .filter(|j| !before.contains(j))
        .collect();
    assert_eq!(still_queued(&new), Vec::<String>::new(), "{stderr}");
    assert_eq!(files_of(&env, name, name), Vec::<String>::new());
    stderr
}

/// An engine job that runs and fails: start reports it (with how Grid Engine says it ended)
/// and rolls back: the controller job is deleted, the cluster's files removed.
#[test]
fn an_engine_job_that_fails_rolls_the_start_back() {
    if !sge_available() {
        return;
    }
    let _sge = lock();
    let stderr = failed_start(
        "gf",
        "#$ -V\n#$ -S /bin/sh\n#$ -t 1-{n}\n#$ -j y\n#$ -o {output_file}\necho engine cannot start >&2\nexit 1\n",
    );
    assert!(stderr.contains("submitted controller job"), "{stderr}");
    assert!(stderr.contains("engines job"), "{stderr}");
    assert!(stderr.contains("FAILED (exit status 1)"), "{stderr}");
    assert!(stderr.contains("engine cannot start"), "{stderr}");
    assert!(stderr.contains("qacct -j"), "{stderr}");
}

/// An engine job Grid Engine holds in an error state (`Eqw`: here its output file cannot be
/// opened) never runs, yet stays in the queue: start fails at once with Grid Engine's reason,
/// and deletes it.
#[test]
fn an_engine_job_in_an_error_state_rolls_the_start_back() {
    if !sge_available() {
        return;
    }
    let _sge = lock();
    let stderr = failed_start(
        "ge",
        "#$ -V\n#$ -S /bin/sh\n#$ -t 1-{n}\n#$ -o /nonexistent/dir/engines.log\n{program_and_args}\n",
    );
    assert!(
        stderr.contains(
            "cannot run (Eqw (error: can't open output file \"/nonexistent/dir/engines.log\""
        ),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("can't open output file").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("qstat -j"), "{stderr}");
}

/// An engine job Grid Engine refuses (an unknown queue): the controller job already submitted
/// is deleted, and the error says what qsub said.
#[test]
fn an_engine_job_qsub_rejects_rolls_the_start_back() {
    if !sge_available() {
        return;
    }
    let _sge = lock();
    let stderr = failed_start(
        "gr",
        "#$ -V\n#$ -S /bin/sh\n#$ -t 1-{n}\n#$ -q no-such-queue.q\n{program_and_args}\n",
    );
    assert!(stderr.contains("submitted controller job"), "{stderr}");
    assert!(stderr.contains("cannot submit the engines job"), "{stderr}");
    assert!(stderr.contains("Unable to run job"), "{stderr}");
}

/// A template with an error fails the start before anything is submitted, naming the file and
/// the line.
#[test]
fn a_wrong_template_fails_before_anything_is_submitted() {
    if !sge_available() {
        return;
    }
    let _sge = lock();
    let before = queued_jobs();
    let stderr = failed_start(
        "gt",
        "#$ -V\n#$ -S /bin/sh\n#$ -t 1-{n}\n{program_and_argz}\n",
    );
    for said in [
        "engines.sh",
        "line 4, column 1",
        "unknown variable `program_and_argz`",
    ] {
        assert!(stderr.contains(said), "{said}: {stderr}");
    }
    assert!(!stderr.contains("submitted"), "{stderr}");
    assert_eq!(queued_jobs(), before, "a job was submitted");
}

/// `ipcluster start --controller=sge --engines=sge` writes a cluster file rcluster lists and
/// stops, deleting its jobs.
#[test]
fn interop_rcluster_stops_an_ipcluster_grid_engine_cluster() {
    if !sge_available() {
        return;
    }
    let _sge = lock();
    let env = Env::new();
    env.rcluster()
        .args(["profile", "create", "gi"])
        .assert()
        .success();
    let out = env.ipcluster(&[
        "start",
        "--profile=gi",
        "--cluster-id=gi",
        "--controller=sge",
        "--engines=sge",
        "-n",
        "2",
        "--daemonize",
    ]);
    assert!(out.status.success(), "{out:?}");
    let deadline = Instant::now() + Duration::from_secs(120);
    let jobs = loop {
        let path = env.security("gi").join("cluster-gi.json");
        let jobs = if path.exists() {
            recorded_jobs(&env, "gi", "gi")
        } else {
            Vec::new()
        };
        if jobs.len() == 2 || Instant::now() >= deadline {
            break jobs;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(jobs.len(), 2, "ipcluster did not record two jobs");
    env.rcluster()
        .args(["list", "--profile", "gi"])
        .assert()
        .success()
        .stdout(predicate::str::contains("gi").and(predicate::str::contains("sge/sge")));
    env.rcluster()
        .args(["stop", "--profile", "gi", "gi"])
        .assert()
        .success();
    assert_eq!(
        still_queued(&jobs),
        Vec::<String>::new(),
        "jobs left in qstat"
    );
    assert!(!env.security("gi").join("cluster-gi.json").exists());
    // ipcluster's SGE templates name no output file (its `#PBS -o` lines mean nothing to Grid
    // Engine), so the jobs wrote `~/ipengine.o<job>.<task>` and the like.
    if let Some(home) = std::env::var_os("HOME") {
        for entry in std::fs::read_dir(home).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = jobs.iter().any(|j| {
                name.starts_with("ip")
                    && (name.contains(&format!(".o{j}.")) || name.contains(&format!(".e{j}.")))
            });
            if ours {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// `--dry-run` and `render` show the scripts `start` would submit, and the qsub command.
#[test]
fn dry_run_and_render_show_the_grid_engine_scripts() {
    let env = Env::new();
    let dir = sge_profile(&env, "gd");
    write(
        &dir,
        "rcluster.toml",
        "[controller]\nlauncher = \"sge\"\n\n[engines]\nlauncher = \"sge\"\n\n\
         [sge]\nqueue = \"all.q\"\ndirectives = [\"-l h_rt=01:00:00\", \"#$ -P proj\"]\nprologue = [\"module load python\"]\n",
    );
    env.rcluster()
        .args([
            "start",
            "--profile",
            "gd",
            "-n",
            "3",
            "--cluster-id",
            "gd",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("#$ -V\n#$ -t 1-3\n#$ -q all.q\n#$ -j y\n#$ -o ")
                .and(predicate::str::contains(
                    "#$ -N ipengine\n#$ -l h_rt=01:00:00\n#$ -P proj\nmodule load python\n",
                ))
                .and(predicate::str::contains("#$ -t 1-1\n"))
                .and(predicate::str::contains("#$ -N ipcontroller\n"))
                .and(predicate::str::contains("qsub -terse ").count(2))
                .and(predicate::str::contains(
                    "built-in template `sge-engine.sh`",
                )),
        );
    assert!(!env.security("gd").join("cluster-gd.json").exists());
    env.rcluster()
        .args(["render", "--profile", "gd", "--role", "engines", "-n", "5"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "#$ -V\n#$ -t 1-5\n#$ -q all.q\n",
        ));
    // A user's template is used as written: nothing is added.
    write(
        &dir,
        "mine.sh",
        "#$ -S /bin/bash\n#$ -pe smp {n}\n{program_and_args}\n",
    );
    env.rcluster()
        .args([
            "render",
            "--profile",
            "gd",
            "--role",
            "engines",
            "-n",
            "4",
            "mine.sh",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "#$ -S /bin/bash\n#$ -pe smp 4\n/",
        ));
}

/// An ipcluster profile for Grid Engine (its launcher classes, queue and templates) imports
/// into an `sge` profile whose templates submit unchanged, and that profile runs on the lab.
#[test]
fn imported_ipcluster_sge_profile_runs_unchanged() {
    let env = Env::new();
    env.rcluster()
        .args(["profile", "create", "gimp"])
        .assert()
        .success();
    let dir = env.profile_dir("gimp");
    // The kind of template sites use: ipyparallel's default plus a queue, a resource request
    // and the output file.
    write(
        &dir,
        "sge.engine.template",
        "#$ -V\n#$ -S /bin/sh\n#$ -N ipengine\n#$ -t 1-{n}\n#$ -l h_rt=00:30:00\n#$ -j y\n#$ -o {output_file}\n{program_and_args}\n",
    );
    write(
        &dir,
        "ipcluster_config.py",
        "c = get_config()\n\
         c.Cluster.controller_launcher_class = 'sge'\n\
         c.Cluster.engine_launcher_class = 'ipyparallel.cluster.launcher.SGEEngineSetLauncher'\n\
         c.SGELauncher.queue = 'all.q'\n\
         c.SGEEngineSetLauncher.batch_template_file = 'sge.engine.template'\n\
         c.SGEControllerLauncher.batch_template = '''#$ -V\n#$ -S /bin/sh\n#$ -N ipcontroller\n#$ -q {queue}\n#$ -j y\n#$ -o {output_file}\n{program_and_args}\n'''\n",
    );
    env.rcluster()
        .args(["profile", "import", "--profile", "gimp"])
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.join("rcluster.toml")).unwrap();
    let settings: toml::Table = text.parse().unwrap();
    assert_eq!(
        settings["controller"]["launcher"].as_str(),
        Some("sge"),
        "{text}"
    );
    assert_eq!(
        settings["engines"]["launcher"].as_str(),
        Some("sge"),
        "{text}"
    );
    assert_eq!(settings["sge"]["queue"].as_str(), Some("all.q"), "{text}");
    assert_eq!(
        settings["engines"]["template"].as_str(),
        Some("sge.engine.template"),
        "{text}"
    );
    assert_eq!(
        settings["controller"]["template"].as_str(),
        Some("ipcluster.sge-controller.template"),
        "{text}"
    );
    env.rcluster()
        .args(["render", "--profile", "gimp", "--role", "controller"])
        .assert()
        .success()
        .stdout(predicate::str::contains("#$ -q all.q\n"));

    if !sge_available() {
        return;
    }
    let _sge = lock();
    env.rcluster()
        .args([
            "start",
            "--profile",
            "gimp",
            "-n",
            "3",
            "--cluster-id",
            "gimp",
        ])
        .args(["--timeout", "180"])
        .assert()
        .success()
        .stderr(predicate::str::contains("3/3 engines registered"));
    let jobs = recorded_jobs(&env, "gimp", "gimp");
    let script = std::fs::read_to_string(
        std::fs::read_dir(dir.join("log"))
            .unwrap()
            .flatten()
            .find(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with("rcluster-gimp-engines-")
            })
            .expect("the engine script")
            .path(),
    )
    .unwrap();
    assert!(
        script
            .starts_with("#$ -V\n#$ -S /bin/sh\n#$ -N ipengine\n#$ -t 1-3\n#$ -l h_rt=00:30:00\n"),
        "{script}"
    );
    env.rcluster()
        .args(["stop", "--profile", "gimp", "gimp"])
        .assert()
        .success();
    assert_eq!(
        still_queued(&jobs),
        Vec::<String>::new(),
        "jobs left in qstat"
    );
    assert_eq!(files_of(&env, "gimp", "gimp"), Vec::<String>::new());
}

/// Without Grid Engine's commands, start says which command is missing and what to do, and
/// leaves nothing behind.
#[test]
fn start_without_qsub_says_so_and_leaves_nothing() {
    let env = Env::new();
    sge_profile(&env, "gq");
    let empty = env.dir.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    env.rcluster()
        .args(["start", "--profile", "gq", "-n", "2", "--cluster-id", "gq"])
        .env("PATH", &empty)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("cannot run `qsub`")
                .and(predicate::str::contains("cannot submit the controller job"))
                .and(predicate::str::contains("Grid Engine")),
        );
    assert_eq!(files_of(&env, "gq", "gq"), Vec::<String>::new());
}
