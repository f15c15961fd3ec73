//! Issue 5's acceptance: MPI engines whose ids are their ranks, with mpiexec here and with
//! `srun --mpi=pmix` inside a Slurm allocation.

mod common;

use std::time::Duration;

use common::{Env, mpi_available, slurm_available, wait_all_gone};

const MPI_EXAMPLE: &str = r#"
import ipyparallel as ipp
def mpi_example():
    import os, socket
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    node = os.environ.get("SLURMD_NODENAME", socket.gethostname())
    return f"Hello World from rank {comm.Get_rank()}. total ranks={comm.Get_size()} on {node}"
rc = ipp.Client(profile=PROFILE, cluster_id=CLUSTER)
rc.wait_for_engines(4, timeout=120)
view = rc.broadcast_view()
r = view.apply_sync(mpi_example)
print(sorted(rc.ids))
print("\n".join(r))
"#;

fn mpi_profile(env: &Env, name: &str, extra: &str) {
    env.rcluster()
        .args(["profile", "create", name, "--preset", "mpi"])
        .assert()
        .success();
    // Root handling is configuration: Open MPI's mpiexec refuses root without these.
    std::fs::write(
        env.profile_dir(name).join("rcluster.toml"),
        format!(
            "[engines]\nlauncher = \"mpi\"\nn = 4\n\n[mpi]\nargs = [\"--oversubscribe\"]\n\
             env = {{ OMPI_ALLOW_RUN_AS_ROOT = \"1\", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = \"1\" }}\n{extra}"
        ),
    )
    .unwrap();
}

/// Pids of mpiexec, orted and engine processes whose environment names this IPython dir.
fn leftovers(env: &Env) -> Vec<i32> {
    common::processes_under(&env.ipython_dir)
}

#[test]
fn mpi_engines_ids_are_ranks() {
    if !mpi_available() {
        return;
    }
    let env = Env::new();
    mpi_profile(&env, "mpi", "");
    env.rcluster()
        .args([
            "start",
            "--profile",
            "mpi",
            "--cluster-id",
            "m",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    let cluster = std::fs::read_to_string(env.security("mpi").join("cluster-m.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&cluster).unwrap();
    assert_eq!(doc["engines"]["class"], "mpi");
    let code = format!("PROFILE = 'mpi'\nCLUSTER = 'm'\n{MPI_EXAMPLE}");
    let out = env.python_ok(&code);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("[0, 1, 2, 3]"));
    let hello: Vec<&str> = lines.collect();
    assert_eq!(hello.len(), 4, "{out}");
    for (rank, line) in hello.iter().enumerate() {
        assert!(
            line.starts_with(&format!("Hello World from rank {rank}. total ranks=4")),
            "{out}"
        );
    }
    let pids = env.recorded_pids("mpi", "m");
    env.rcluster()
        .args(["stop", "--profile", "mpi"])
        .assert()
        .success();
    assert!(wait_all_gone(&pids, Duration::from_secs(1)).is_empty());
    assert_eq!(
        leftovers(&env),
        Vec::<i32>::new(),
        "mpiexec, orted or engines left"
    );
    assert_eq!(env.security_files_of("mpi", "m"), Vec::<String>::new());
}

#[test]
fn mpi_engines_inside_a_slurm_allocation_span_two_nodes() {
    if !slurm_available() || !mpi_available() {
        return;
    }
    let env = Env::new();
    mpi_profile(
        &env,
        "smpi",
        "\n[slurm]\ndirectives = [\"--ntasks-per-node=2\"]\n",
    );
    let toml = std::fs::read_to_string(env.profile_dir("smpi").join("rcluster.toml")).unwrap();
    std::fs::write(
        env.profile_dir("smpi").join("rcluster.toml"),
        toml.replace("launcher = \"mpi\"", "launcher = \"slurm-mpi\""),
    )
    .unwrap();
    env.rcluster()
        .args([
            "start",
            "--profile",
            "smpi",
            "--cluster-id",
            "sm",
            "--timeout",
            "180",
        ])
        .assert()
        .success();
    let jobs = common::recorded_jobs(&env, "smpi", "sm");
    let code = format!("PROFILE = 'smpi'\nCLUSTER = 'sm'\n{MPI_EXAMPLE}");
    let out = env.python_ok(&code);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("[0, 1, 2, 3]"), "{out}");
    let hello: Vec<&str> = lines.collect();
    let mut nodes = std::collections::BTreeSet::new();
    for (rank, line) in hello.iter().enumerate() {
        assert!(
            line.starts_with(&format!("Hello World from rank {rank}. total ranks=4 on ")),
            "{out}"
        );
        nodes.insert(line.rsplit(' ').next().unwrap().to_string());
    }
    assert!(nodes.len() >= 2, "all ranks on one node: {out}");
    env.rcluster()
        .args(["stop", "--profile", "smpi"])
        .assert()
        .success();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !common::active_jobs(&jobs).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(common::active_jobs(&jobs), Vec::<String>::new());
    assert_eq!(
        leftovers(&env),
        Vec::<i32>::new(),
        "ranks left on the nodes"
    );
    assert_eq!(env.security_files_of("smpi", "sm"), Vec::<String>::new());
}

#[test]
fn mpi_engines_added_after_a_failure_get_their_ranks_as_ids() {
    if !mpi_available() {
        return;
    }
    let env = Env::new();
    mpi_profile(&env, "mpi", "");
    env.rcluster()
        .args([
            "start",
            "--profile",
            "mpi",
            "--cluster-id",
            "re",
            "-n",
            "2",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    // The engine set dies without unregistering (mpiexec and its ranks killed).
    let text = std::fs::read_to_string(env.security("mpi").join("cluster-re.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let controller = doc["controller"]["state"]["pid"].as_i64().unwrap() as i32;
    let doomed: Vec<i32> = leftovers(&env)
        .into_iter()
        .filter(|p| *p != controller)
        .collect();
    let controller_children = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .map(|s| {
                    s[s.rfind(')').unwrap() + 2..].split_whitespace().nth(1)
                        == Some(&controller.to_string())
                })
                .unwrap_or(false)
        })
        .collect::<Vec<_>>();
    for pid in doomed.iter().filter(|p| !controller_children.contains(p)) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    env.rcluster()
        .args([
            "engines",
            "add",
            "--profile",
            "mpi",
            "-n",
            "2",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    let out = env.python_ok(
        "import ipyparallel as ipp\nrc = ipp.Client(profile='mpi', cluster_id='re')\nrc.wait_for_engines(2, timeout=60)\nprint(sorted(rc.ids), sorted(rc[:].apply_sync(lambda: __import__('mpi4py.MPI').MPI.COMM_WORLD.Get_rank())))",
    );
    assert_eq!(out, "[0, 1] [0, 1]\n");
    env.rcluster()
        .args(["stop", "--profile", "mpi"])
        .assert()
        .success();
    assert_eq!(leftovers(&env), Vec::<i32>::new());
}

#[test]
fn interop_rcluster_lists_and_stops_an_ipcluster_mpi_cluster() {
    if !mpi_available() {
        return;
    }
    let env = Env::new();
    env.create_profile("ipm");
    let started = std::process::Command::new(common::venv_dir().join("bin/ipcluster"))
        .args([
            "start",
            "--profile=ipm",
            "--cluster-id=ipcm",
            "-n",
            "2",
            "--engines=mpi",
            "--MPILauncher.mpi_args=['--oversubscribe']",
            "--daemonize",
        ])
        .env("IPYTHONDIR", &env.ipython_dir)
        // Open MPI refuses root without these; CI runs as root.
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let pids = env.recorded_pids("ipm", "ipcm");
    assert_eq!(pids.len(), 2, "controller and mpiexec: {pids:?}");
    let out = env
        .rcluster()
        .args(["list", "--json", "--profile", "ipm"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["cluster_id"], "ipcm", "{rows}");
    assert_eq!(rows[0]["engines_requested"], 2, "{rows}");
    env.rcluster()
        .args(["stop", "--profile", "ipm", "ipcm"])
        .assert()
        .success();
    assert!(wait_all_gone(&pids, Duration::from_secs(1)).is_empty());
    assert_eq!(
        leftovers(&env),
        Vec::<i32>::new(),
        "mpiexec, orted or engines left"
    );
    assert_eq!(env.security_files_of("ipm", "ipcm"), Vec::<String>::new());
}
