//! Issue 7: the docs' example notebooks (`docs/examples/*.ipynb`) run with nbclient, in a kernel
//! of the project venv's Python, against the real local, MPI and Slurm set-ups. Each notebook
//! asserts its own results; this test checks the lines they print and that nothing is left.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Env, mpi_available, slurm_available, venv_dir, venv_python};

/// One notebook at a time: each runs a kernel, a controller and engines on a 2-core machine.
static NOTEBOOK: Mutex<()> = Mutex::new(());

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `docs/examples/<name>.ipynb` and returns what its cells printed. The kernel finds the
/// rcluster built for this test first on PATH, uses this `Env`'s IPython directory, and sees
/// the venv as the active environment, as a notebook kernel registered from that environment
/// would.
fn run_notebook(env: &Env, name: &str) -> String {
    let _one = NOTEBOOK.lock().unwrap_or_else(|e| e.into_inner());
    let rcluster = PathBuf::from(env!("CARGO_BIN_EXE_rcluster"));
    let mut path = vec![
        rcluster.parent().unwrap().to_path_buf(),
        venv_dir().join("bin"),
    ];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let notebook = root().join("docs/examples").join(format!("{name}.ipynb"));
    let executed = env.dir.path().join(format!("{name}.executed.ipynb"));
    let started = Instant::now();
    let out = std::process::Command::new(venv_python())
        .arg(root().join("tests/support/run_notebook.py"))
        .arg(&notebook)
        .arg("--workdir")
        .arg(env.dir.path())
        .arg("--output")
        .arg(&executed)
        .args(["--timeout", "600"])
        .env("PATH", std::env::join_paths(path).unwrap())
        .env("IPYTHONDIR", &env.ipython_dir)
        .env("VIRTUAL_ENV", venv_dir())
        .env_remove("CONDA_PREFIX")
        .env_remove("RCLUSTER_PROFILE")
        .env("NO_COLOR", "1")
        .current_dir(env.dir.path())
        .output()
        .expect("run tests/support/run_notebook.py");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "{name}.ipynb: {:.1} s, exit {:?}",
        started.elapsed().as_secs_f64(),
        out.status.code()
    );
    assert!(
        out.status.success(),
        "notebook {name}.ipynb failed:\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("=== {name}.ipynb ran in")),
        "{stdout}"
    );
    stdout
}

/// No controller, engine, mpiexec or job step of the notebook's clusters is left (a stop that
/// returned may still be reaping, so allow a few seconds).
fn assert_nothing_left(env: &Env) {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut left = common::processes_under(&env.ipython_dir);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        left = common::processes_under(&env.ipython_dir);
    }
    assert_eq!(left, Vec::<i32>::new(), "processes of the notebook left");
}

/// The cluster id a notebook printed on a line `<prefix><id>`.
fn printed_id<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line `{prefix}…` in:\n{out}"))
        .split_whitespace()
        .next()
        .unwrap()
}

/// No file of the cluster is left in `security/`.
fn assert_no_files(env: &Env, profile: &str, id: &str) {
    assert_eq!(
        env.security_files_of(profile, id),
        Vec::<String>::new(),
        "files of cluster {id} left in profile {profile}"
    );
}

#[test]
fn local_notebook_runs() {
    let env = Env::new();
    let out = run_notebook(&env, "local");
    assert!(out.contains("engines: [0, 1, 2, 3]\n"), "{out}");
    let summary = out
        .lines()
        .find(|l| l.starts_with("local: 4 tasks on "))
        .unwrap_or_else(|| panic!("no summary line:\n{out}"));
    assert!(summary.contains(" on 4 engines in "), "{summary}");
    assert!(out.contains("local example: done"), "{out}");
    let id = printed_id(&out, "cluster id: ");
    assert_no_files(&env, "example-local", id);
    assert_nothing_left(&env);
}

#[test]
fn mpi_notebook_runs() {
    if !mpi_available() {
        return;
    }
    let env = Env::new();
    let out = run_notebook(&env, "mpi");
    for rank in 0..4 {
        assert!(
            out.contains(&format!("Hello World from rank {rank}. total ranks=4\n")),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "[stdout:{rank}] Process {rank} out of 4 started in "
            )),
            "{out}"
        );
    }
    assert!(
        out.contains("engine ids: [0, 1, 2, 3] ranks: [0, 1, 2, 3]\n"),
        "{out}"
    );
    assert!(out.contains("mpi example: done"), "{out}");
    let id = printed_id(&out, "cluster ");
    assert_no_files(&env, "example-mpi", id);
    assert_nothing_left(&env);
}

#[test]
fn slurm_notebook_runs() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    let out = run_notebook(&env, "slurm");
    let hello: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("Hello World from hostname "))
        .collect();
    assert_eq!(hello.len(), 6, "{out}");
    for line in &hello {
        let node = line.rsplit("SLURMD_NODENAME=").next().unwrap();
        assert!(!node.is_empty(), "an engine outside a Slurm job: {line}");
    }
    assert!(out.contains("slurm: 6 engines on nodes "), "{out}");
    assert!(out.contains("slurm example: done"), "{out}");
    let id = printed_id(&out, "cluster id: ");
    assert_no_files(&env, "example-slurm", id);
    assert_nothing_left(&env);
}
