//! Issue 6: nothing lost, nothing orphaned, nobody let in. Half-done starts roll back, stale
//! state is never trusted blindly, concurrent commands do not trample each other, and secrets
//! stay secret.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, alive, processes_under, slurm_available, venv_python};
use predicates::prelude::*;

/// Writes an executable script into the test dir, named for the fault it injects.
fn script(env: &Env, name: &str, body: &str) -> std::path::PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\n# {name}: fault injection for rcluster's tests\n{body}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn write_config(env: &Env, profile: &str, toml: &str) {
    std::fs::write(env.profile_dir(profile).join("rcluster.toml"), toml).unwrap();
}

/// Nothing of the cluster left: no process, no file in `security/`.
fn assert_nothing_left(env: &Env, profile: &str, id: &str) {
    assert_eq!(
        processes_under(&env.ipython_dir),
        Vec::<i32>::new(),
        "processes left"
    );
    assert_eq!(
        env.security_files_of(profile, id),
        Vec::<String>::new(),
        "files left"
    );
}

#[test]
fn controller_that_dies_before_its_connection_files_is_reported_with_its_log() {
    let env = Env::new();
    env.create_profile("p");
    env.rcluster()
        .args([
            "start",
            "--profile",
            "p",
            "-n",
            "1",
            "--cluster-id",
            "cd",
            "--",
            "--no-such-flag=1",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("the controller exited before the cluster was ready")
                .and(predicate::str::contains("last lines of"))
                .and(predicate::str::contains("no-such-flag")),
        );
    assert_nothing_left(&env, "p", "cd");
}

#[test]
fn connection_files_that_never_appear_time_out_and_roll_back() {
    let env = Env::new();
    env.create_profile("p");
    let python = script(&env, "fake-python-silent", "exec sleep 300");
    write_config(
        &env,
        "p",
        &format!(
            "[python]\nexecutable = {:?}\n",
            python.display().to_string()
        ),
    );
    let started = Instant::now();
    env.rcluster()
        .args([
            "start",
            "--profile",
            "p",
            "-n",
            "1",
            "--cluster-id",
            "to",
            "--timeout",
            "2",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("did not write its connection files within 2 s")
                .and(predicate::str::contains("--timeout"))
                // A local controller waits in no queue: no Slurm sentence for it.
                .and(predicate::str::contains("Slurm").not()),
        );
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_nothing_left(&env, "p", "to");
}

#[test]
fn engines_that_cannot_start_roll_back_with_their_log() {
    let env = Env::new();
    env.create_profile("p");
    write_config(&env, "p", "[engines]\nargs = [\"--no-such-engine-flag\"]\n");
    env.rcluster()
        .args(["start", "--profile", "p", "-n", "2", "--cluster-id", "eng"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("exited before registering")
                .and(predicate::str::contains("no-such-engine-flag")),
        );
    assert_nothing_left(&env, "p", "eng");
}

#[test]
fn python_without_ipyparallel_is_reported() {
    let env = Env::new();
    env.create_profile("p");
    // A real Python in which `import ipyparallel` fails, as in an environment without it. It
    // runs `-m MODULE` (exec-started engines), `FILE ARGS` (the forker, whose import then fails,
    // so it starts the engines with exec through this same Python) and `-c CODE`; the package's
    // metadata is still there, so start's version probe passes and the failure comes later.
    let python = script(
        &env,
        "python-without-ipyparallel",
        &format!(
            "exec {} -c '
import sys, runpy
sys.modules[\"ipyparallel\"] = None
flag, target, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
if flag == \"-m\":
    sys.argv = [target, *rest]
    runpy.run_module(target, run_name=\"__main__\", alter_sys=True)
elif flag != \"-c\":
    sys.argv = [flag, target, *rest]
    runpy.run_path(flag, run_name=\"__main__\")
else:
    sys.argv = [\"-c\", *rest]
    exec(compile(target, \"<string>\", \"exec\"), {{\"__name__\": \"__main__\"}})
' \"$@\"",
            venv_python().display()
        ),
    );
    write_config(
        &env,
        "p",
        &format!(
            "[python]\nexecutable = {:?}\n",
            python.display().to_string()
        ),
    );
    env.rcluster()
        .args([
            "start",
            "--profile",
            "p",
            "-n",
            "1",
            "--cluster-id",
            "nomod",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ipyparallel").and(predicate::str::contains("exited")));
    assert_nothing_left(&env, "p", "nomod");
}

#[test]
fn stale_pid_that_belongs_to_another_process_is_never_signalled() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "st", 1);
    let pids = env.recorded_pids("p", "st");
    env.rcluster()
        .args(["stop", "--profile", "p", "st", "--keep-logs"])
        .assert()
        .success();
    // Rewrite the cluster as if its controller's pid had been reused by an unrelated process.
    let mut bystander = Command::new("sleep").arg("60").spawn().unwrap();
    let pid = bystander.id() as i32;
    let profile_dir = env.profile_dir("p");
    let cluster = format!(
        r#"{{"cluster": {{"cluster_id": "st", "controller_args": [], "controller_ip": "", "controller_location": "", "delay": 1.0, "n": 1, "profile_dir": "{0}", "class": "ipyparallel.cluster.cluster.Cluster"}}, "controller": {{"class": "local", "state": {{"cluster_id": "st", "output_file": "{0}/log/c.log", "pid": {pid}, "profile_dir": "{0}", "state": "running"}}}}, "engines": {{"class": "local", "sets": {{}}}}}}"#,
        profile_dir.display()
    );
    std::fs::write(env.security("p").join("cluster-st.json"), &cluster).unwrap();
    env.rcluster()
        .args(["stop", "--profile", "p", "st"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains(format!("pid {pid}"))
                .and(predicate::str::contains("not signalled")),
        );
    assert!(alive(pid), "an unrelated process was killed");
    // Same with rcluster's own record claiming another start time for that pid.
    std::fs::write(env.security("p").join("cluster-st.json"), &cluster).unwrap();
    let state = serde_json::json!({
        "version": 1, "cluster_id": "st", "rcluster_version": "0", "created": 0,
        "host": nix_hostname(), "boot_id": std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap().trim(),
        "requested": 1, "processes": [{"pid": pid, "start_time": 1, "role": "controller"}], "jobs": [], "files": []
    });
    std::fs::write(
        env.security("p").join("rcluster-st.json"),
        state.to_string(),
    )
    .unwrap();
    env.rcluster()
        .args(["stop", "--profile", "p", "st"])
        .assert()
        .success();
    assert!(alive(pid), "an unrelated process was killed");
    let _ = bystander.kill();
    let _ = bystander.wait();
    assert!(pids.iter().all(|p| !alive(*p)));
}

fn nix_hostname() -> String {
    String::from_utf8(Command::new("hostname").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn corrupt_state_file_is_a_clear_error_and_clean_removes_only_dead_clusters() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "live", 1);
    env.start("p", "dead", 1);
    // `dead` really dies (its processes are killed behind rcluster's back) and its record is
    // truncated; `live` keeps running but its record is corrupt too.
    for pid in env.recorded_pids("p", "dead") {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    common::wait_all_gone(&env.recorded_pids("p", "dead"), Duration::from_secs(5));
    for id in ["live", "dead"] {
        let path = env.security("p").join(format!("rcluster-{id}.json"));
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    }
    env.rcluster()
        .args(["list", "--profile", "p"])
        .assert()
        .success()
        .stderr(predicate::str::contains("invalid state file"));
    env.rcluster()
        .args(["clean", "--profile", "p"])
        .assert()
        .success();
    assert_eq!(env.security_files_of("p", "dead"), Vec::<String>::new());
    assert!(
        env.security("p").join("cluster-live.json").exists(),
        "clean removed a running cluster"
    );
    assert!(env.recorded_pids("p", "live").iter().all(|p| alive(*p)));
    env.rcluster()
        .args(["stop", "--profile", "p", "live"])
        .assert()
        .success();
    assert_nothing_left(&env, "p", "live");
}

#[test]
fn two_starts_of_one_cluster_at_once_exactly_one_wins() {
    let env = Env::new();
    env.create_profile("p");
    let spawn = || {
        env.rcluster_std()
            .args(["start", "--profile", "p", "-n", "1", "--cluster-id", "race"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let codes = [a.status.code(), b.status.code()];
    assert_eq!(
        codes.iter().filter(|c| **c == Some(0)).count(),
        1,
        "{codes:?}"
    );
    let loser = if a.status.success() { &b } else { &a };
    let stderr = String::from_utf8_lossy(&loser.stderr);
    assert!(
        stderr.contains("another rcluster") || stderr.contains("already running"),
        "{stderr}"
    );
    assert_eq!(env.recorded_pids("p", "race").len(), 2);
    env.rcluster()
        .args(["stop", "--profile", "p", "race"])
        .assert()
        .success();
    assert_nothing_left(&env, "p", "race");
}

#[test]
fn keys_are_never_printed_and_files_are_private() {
    let env = Env::new();
    env.create_profile("p");
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "p",
            "-n",
            "1",
            "--cluster-id",
            "sec",
            "-v",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let security = env.security("p");
    let client: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(security.join("ipcontroller-sec-client.json")).unwrap(),
    )
    .unwrap();
    let key = client["key"].as_str().unwrap().to_string();
    assert!(key.len() > 10);
    let mut outputs = vec![out];
    for args in [
        vec!["list", "--json"],
        vec!["list"],
        vec!["status", "--profile", "p", "--json"],
        vec!["status", "--profile", "p"],
        vec![
            "start",
            "--profile",
            "p",
            "--cluster-id",
            "other",
            "--dry-run",
        ],
    ] {
        outputs.push(env.rcluster().args(&args).output().unwrap());
    }
    for out in &outputs {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(&key), "the session key was printed:\n{all}");
    }
    assert_eq!(
        std::fs::metadata(&security).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&security).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} has mode {mode:o}", entry.path().display());
    }
    // The engines' copy of the connection file is whole, private (above), and goes with stop.
    let url_file = security.join("rcluster-sec.engine");
    assert_eq!(
        std::fs::read_to_string(&url_file).unwrap(),
        std::fs::read_to_string(security.join("ipcontroller-sec-engine.json")).unwrap()
    );
    env.rcluster()
        .args(["stop", "--profile", "p", "sec"])
        .assert()
        .success();
    assert!(!url_file.exists());
    assert_eq!(env.security_files_of("p", "sec"), Vec::<String>::new());
}

#[test]
fn stop_deletes_only_files_inside_the_profile() {
    let env = Env::new();
    env.create_profile("p");
    env.start("p", "del", 1);
    let victim = env.dir.path().join("outside-victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let state_path = env.security("p").join("rcluster-del.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    state["files"] =
        serde_json::json!([victim, env.profile_dir("p").join("../outside-victim.txt")]);
    std::fs::write(&state_path, state.to_string()).unwrap();
    env.rcluster()
        .args(["stop", "--profile", "p", "del"])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_nothing_left(&env, "p", "del");
}

fn slurm_profile_with_pending_controller(env: &Env) {
    env.create_slurm_profile("s");
    // A controller job that stays PENDING (BeginTime) for an hour.
    write_config(
        env,
        "s",
        "[controller]\nlauncher = \"slurm\"\n[engines]\nlauncher = \"slurm\"\nn = 1\n[slurm]\ndirectives = [\"--begin=now+3600\"]\n",
    );
}

/// Profile `s`: controller and `n` engines through Slurm, the engines' job from `template`.
fn slurm_profile_with_engine_template(env: &Env, n: u32, name: &str, template: &str) {
    env.create_slurm_profile("s");
    std::fs::write(env.profile_dir("s").join(name), template).unwrap();
    write_config(
        env,
        "s",
        &format!(
            "[controller]\nlauncher = \"slurm\"\n[engines]\nlauncher = \"slurm\"\nn = {n}\ntemplate = \"{name}\"\n"
        ),
    );
}

fn wait_for_file(path: &std::path::Path, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while !path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(path.exists(), "{} never appeared", path.display());
}

#[test]
fn queued_controller_times_out_with_its_reason_and_is_cancelled() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    slurm_profile_with_pending_controller(&env);
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "--cluster-id",
            "q",
            "--timeout",
            "4",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PENDING (BeginTime)"), "{stderr}");
    let job = stderr
        .lines()
        .find_map(|l| l.strip_prefix("submitted controller job "))
        .expect("job id printed")
        .trim()
        .to_string();
    assert_eq!(
        common::active_jobs(&[job]),
        Vec::<String>::new(),
        "the queued job was not cancelled"
    );
    assert_nothing_left(&env, "s", "q");
}

#[test]
fn signals_during_start_roll_back() {
    if !slurm_available() {
        return;
    }
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let env = Env::new();
        slurm_profile_with_pending_controller(&env);
        let child = env
            .rcluster_std()
            .args([
                "start",
                "--profile",
                "s",
                "--cluster-id",
                "sig",
                "--timeout",
                "120",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_file(
            &env.security("s").join("cluster-sig.json"),
            Duration::from_secs(20),
        );
        let jobs = common::recorded_jobs(&env, "s", "sig");
        Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted by SIG"));
        assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
        assert_nothing_left(&env, "s", "sig");
    }
}

/// A `squeue` that hangs the first time it is asked (then the real one answers): SIGTERM to a
/// start waiting on it must abandon the query and roll back, not wait out the command timeout.
#[test]
fn a_signal_during_a_hung_squeue_rolls_back_at_once() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    slurm_profile_with_pending_controller(&env);
    let dir = env.dir.path().join("fake-squeue-hang-once");
    std::fs::create_dir_all(&dir).unwrap();
    let marker = dir.join("asked");
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v squeue"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let script = format!(
        "#!/bin/sh\n# fake-squeue-hang-once: fault injection, the first query hangs\nif [ ! -e {m} ]; then : > {m}; exec sleep 3600; fi\nexec {real} \"$@\"\n",
        m = marker.display(),
        real = real.trim()
    );
    let fake = dir.join("squeue");
    std::fs::write(&fake, script).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = env
        .rcluster_std()
        .env("PATH", &path)
        // Without abandoning the query, the start would sit in it for an hour.
        .env("RCLUSTER_SLURM_TIMEOUT", "3600")
        .args([
            "start",
            "--profile",
            "s",
            "--cluster-id",
            "hung",
            "--timeout",
            "600",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_file(&marker, Duration::from_secs(60));
    let jobs = common::recorded_jobs(&env, "s", "hung");
    assert!(!jobs.is_empty(), "the controller job was submitted first");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    // A bound on a hang, not a speed goal: the fault would hold start for an hour.
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("start still waits on the hung squeue after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
    assert_nothing_left(&env, "s", "hung");
}

#[test]
fn stop_during_start_leaves_nothing_running() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    slurm_profile_with_pending_controller(&env);
    let child = env
        .rcluster_std()
        .args([
            "start",
            "--profile",
            "s",
            "--cluster-id",
            "mid",
            "--timeout",
            "120",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_file(
        &env.security("s").join("cluster-mid.json"),
        Duration::from_secs(20),
    );
    let jobs = common::recorded_jobs(&env, "s", "mid");
    env.rcluster()
        .args(["stop", "--profile", "s", "mid"])
        .assert()
        .success();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
    assert_nothing_left(&env, "s", "mid");
}

#[test]
fn engine_submission_failing_after_the_controller_job_cancels_it() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    // The script renders, so the controller's job goes first; then sbatch rejects the engines'.
    slurm_profile_with_engine_template(
        &env,
        1,
        "bad.engine.template",
        "#!/bin/sh\n#SBATCH --ntasks={n}\n#SBATCH --time=not-a-time\nsrun {program_and_args}\n",
    );
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "--cluster-id",
            "half",
            "--timeout",
            "120",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.engine.template") && stderr.contains("cannot submit the engines job"),
        "{stderr}"
    );
    let job = stderr
        .lines()
        .find_map(|l| l.strip_prefix("submitted controller job "))
        .expect("controller job submitted first")
        .trim()
        .to_string();
    assert_eq!(
        common::active_jobs(&[job]),
        Vec::<String>::new(),
        "controller job left running"
    );
    assert_nothing_left(&env, "s", "half");
}

/// Every batch script is rendered before anything is submitted: an engine template that does
/// not render fails the start with no job queued at all.
#[test]
fn an_engine_template_error_submits_nothing() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    slurm_profile_with_engine_template(
        &env,
        1,
        "bad.engine.template",
        "#!/bin/sh\n#SBATCH --ntasks={n}\nsrun {program_and_args} {no_such_variable}\n",
    );
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "--cluster-id",
            "none",
            "--timeout",
            "120",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.engine.template") && stderr.contains("no_such_variable"),
        "{stderr}"
    );
    assert!(!stderr.contains("submitted"), "{stderr}");
    // Nothing started, so nothing is said to be stopped.
    assert!(!stderr.contains("stopping what was started"), "{stderr}");
    assert_nothing_left(&env, "s", "none");
}

#[test]
fn a_start_killed_before_it_wrote_anything_leaves_only_a_lock_that_stop_clears() {
    let env = Env::new();
    env.create_profile("p");
    // What `kill -9` of a start leaves when it dies right after taking its lock.
    std::fs::write(
        env.security("p").join("rcluster-k9.lock"),
        format!("{} {} 1\n", nix_hostname(), i32::MAX),
    )
    .unwrap();
    env.rcluster()
        .args(["stop", "--profile", "p", "k9"])
        .assert()
        .success()
        .stderr(predicate::str::contains("is gone"));
    assert_eq!(env.security_files_of("p", "k9"), Vec::<String>::new());
    assert!(!env.security("p").join("rcluster-k9.lock").exists());
}

/// Issue 14: a Slurm job that fails during start is named with its real id in the hint, and the
/// rollback ends the other jobs as `stop` does, CANCELLED.
#[test]
fn engine_job_that_fails_is_named_and_the_rest_ends_cancelled() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    slurm_profile_with_engine_template(
        &env,
        1,
        "fails.engine.template",
        "#!/bin/sh\n#SBATCH --ntasks={n}\n#SBATCH --output={output_file}\necho 'no engines today' >&2\nexit 3\n",
    );
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "--cluster-id",
            "fj",
            "--timeout",
            "120",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let submitted = |role: &str| {
        stderr
            .lines()
            .find_map(|l| l.strip_prefix(&format!("submitted {role} job ")))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no {role} job submitted:\n{stderr}"))
            .to_string()
    };
    let (controller, engines) = (submitted("controller"), submitted("engine"));
    assert!(
        stderr.contains(&format!("the engines job {engines} ended (FAILED"))
            && stderr.contains(&format!("`sacct -j {engines}`"))
            && stderr.contains("no engines today"),
        "{stderr}"
    );
    assert!(!stderr.contains("JOBID"), "{stderr}");
    assert_eq!(
        common::job_states(std::slice::from_ref(&controller)),
        vec![(controller.clone(), "CANCELLED".to_string())]
    );
    assert_eq!(
        common::active_jobs(&[controller, engines]),
        Vec::<String>::new()
    );
    assert_nothing_left(&env, "s", "fj");
}

/// Issue 14: a start interrupted while its jobs run, engines registered, rolls back as `stop`
/// ends a cluster: every job CANCELLED (none FAILED because its batch shell ended on its own),
/// nothing left in the queue.
#[test]
fn interrupted_start_with_running_jobs_ends_them_all_cancelled() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    // One engine per job whatever `-n` says, so start waits for the second one forever.
    slurm_profile_with_engine_template(
        &env,
        2,
        "one.engine.template",
        "#!/bin/sh\n#SBATCH --ntasks=1\n#SBATCH --output={output_file}\nsrun --ntasks=1 {program_and_args}\n",
    );
    let mut child = env
        .rcluster_std()
        .args([
            "start",
            "--profile",
            "s",
            "--cluster-id",
            "ij",
            "--timeout",
            "120",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let read = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        seen += &line;
        assert!(read > 0, "start ended before an engine registered:\n{seen}");
        if line.contains("engines 1/2 registered") {
            break;
        }
    }
    let jobs = common::recorded_jobs(&env, "s", "ij");
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    // Old enough for the fast path (SIGSTOP to the shells, SIGTERM to the steps): a job that
    // has just started gets the plain scancel.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ran_for_seconds(&jobs, 6) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    std::io::Read::read_to_string(&mut stderr, &mut seen).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{seen}");
    assert!(seen.contains("interrupted by SIGINT"), "{seen}");
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new(), "{seen}");
    let states = common::job_states(&jobs);
    assert_eq!(states.len(), 2, "{states:?}");
    assert!(
        states.iter().all(|(_, state)| state == "CANCELLED"),
        "{states:?}\n{seen}"
    );
    assert_nothing_left(&env, "s", "ij");
}

/// Whether every one of `jobs` is RUNNING and has run at least `secs` seconds (squeue's `%M`).
fn ran_for_seconds(jobs: &[String], secs: u64) -> bool {
    let out = Command::new("squeue")
        .args(["-h", "-t", "RUNNING", "-o", "%M", "-j", &jobs.join(",")])
        .output()
        .unwrap();
    let used: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (m, s) = l.trim().rsplit_once(':')?;
            Some(m.parse::<u64>().ok()? * 60 + s.parse::<u64>().ok()?)
        })
        .collect();
    used.len() == jobs.len() && used.iter().all(|&t| t >= secs)
}

/// The soft limit on open files is raised to the hard one for every process of the cluster:
/// the hub needs about 2.5 descriptors per engine, and 1024 stops a cluster of ~400.
#[test]
fn the_cluster_runs_with_the_hard_open_files_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    use std::os::unix::process::CommandExt;
    let env = Env::new();
    env.create_profile("p");
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    let wanted = hard.min(1 << 20);
    let soft = 256.min(wanted);
    let mut start = env.rcluster_std();
    start.args([
        "start",
        "--profile",
        "p",
        "-n",
        "2",
        "--cluster-id",
        "nofile",
    ]);
    // SAFETY: setrlimit is async-signal-safe, as a pre_exec closure must be.
    unsafe {
        start.pre_exec(move || {
            setrlimit(Resource::RLIMIT_NOFILE, soft, hard).map_err(std::io::Error::from)
        });
    }
    assert!(start.status().unwrap().success());
    let pids = env.recorded_pids("p", "nofile");
    assert_eq!(pids.len(), 3, "{pids:?}");
    for pid in pids {
        let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap();
        let values: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(values[3], wanted.to_string(), "pid {pid}: {line}");
    }
    env.rcluster()
        .args(["stop", "--profile", "p", "nofile"])
        .assert()
        .success();
    assert_nothing_left(&env, "p", "nofile");
}
