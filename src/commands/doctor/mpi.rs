//! The MPI checks: mpi4py imports in the cluster's Python (for the `mpi` and `slurm-mpi`
//! launchers), and `mpiexec` is found (for the `mpi` launcher, which runs it here).

use std::path::{Path, PathBuf};

use super::check::{COMMAND_TIMEOUT, Check, Context, Group, PYTHON_TIMEOUT};
use crate::settings::{ControllerLauncher, EngineLauncher, find_in_path};

pub const GROUP: Group = Group {
    names: &["mpi4py", "mpiexec"],
    run: checks,
};

fn checks(cx: &Context) -> Vec<Check> {
    let controller = cx.config.controller.launcher;
    let engines = cx.config.engines.launcher;
    let needs_mpi4py = controller == ControllerLauncher::Mpi
        || matches!(engines, EngineLauncher::Mpi | EngineLauncher::SlurmMpi);
    let needs_mpiexec = controller == ControllerLauncher::Mpi || engines == EngineLauncher::Mpi;

    let mpi4py = if !needs_mpi4py {
        Check::skip("mpi4py", "not needed: no MPI launcher")
    } else {
        match cx.working_python() {
            None => Check::skip("mpi4py", "cannot check: no working Python"),
            Some(exe) => check_mpi4py(exe, engines == EngineLauncher::SlurmMpi),
        }
    };
    let mpiexec = if !needs_mpiexec {
        Check::skip("mpiexec", "not needed: no `mpi` launcher")
    } else {
        check_mpiexec(cx.config.mpi.mpiexec.as_deref().unwrap_or("mpiexec"))
    };
    vec![mpi4py, mpiexec]
}

/// `on_nodes`: the engines start on compute nodes, so a pass here says nothing about them.
fn check_mpi4py(exe: &Path, on_nodes: bool) -> Check {
    let code = "import mpi4py; print(mpi4py.__version__)";
    let where_ = if on_nodes {
        " (here; the compute nodes need it too)"
    } else {
        ""
    };
    match crate::process::run_with_timeout(exe.as_os_str(), &["-c", code], PYTHON_TIMEOUT) {
        Ok(Some(output)) if output.status.success() => Check::pass(
            "mpi4py",
            format!("{}{where_}", String::from_utf8_lossy(&output.stdout).trim()),
        ),
        Ok(Some(output)) => Check::fail(
            "mpi4py",
            format!(
                "cannot import mpi4py: {}",
                String::from_utf8_lossy(&output.stderr)
                    .trim()
                    .lines()
                    .last()
                    .unwrap_or("")
            ),
            format!(
                "{} -m pip install mpi4py (with the MPI that runs the engines loaded)",
                crate::shell::quote(&exe.to_string_lossy())
            ),
        ),
        Ok(None) => Check::fail(
            "mpi4py",
            "importing mpi4py did not finish",
            "check the MPI installation mpi4py was built against",
        ),
        Err(err) => Check::fail(
            "mpi4py",
            format!("cannot run the Python: {err}"),
            "see `python` above",
        ),
    }
}

fn check_mpiexec(program: &str) -> Check {
    let found = if program.contains('/') {
        Some(PathBuf::from(program)).filter(|p| p.is_file())
    } else {
        find_in_path(program)
    };
    let Some(path) = found else {
        return Check::fail(
            "mpiexec",
            format!("`{program}` not found"),
            "install an MPI (e.g. `apt install openmpi-bin`, or `module load openmpi`), or set `[mpi] mpiexec` in rcluster.toml",
        );
    };
    let version =
        crate::process::run_with_timeout(path.as_os_str(), &["--version"], COMMAND_TIMEOUT)
            .ok()
            .flatten()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
            .filter(|v| !v.is_empty());
    Check::pass(
        "mpiexec",
        match version {
            Some(version) => format!("`{}` ({version})", path.display()),
            None => format!("`{}`", path.display()),
        },
    )
}
