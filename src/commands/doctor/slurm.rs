//! The Slurm checks: its commands are on PATH and its controller answers. The templates the
//! Slurm launchers submit are checked by the `templates` group.

use super::check::{Check, Context, Group, command_answers};
use crate::settings::{ControllerLauncher, EngineLauncher, find_in_path};

pub const GROUP: Group = Group {
    names: &["slurm commands", "slurm controller"],
    run: checks,
};

fn checks(cx: &Context) -> Vec<Check> {
    let needed = cx.config.controller.launcher == ControllerLauncher::Slurm
        || matches!(
            cx.config.engines.launcher,
            EngineLauncher::Slurm | EngineLauncher::SlurmMpi
        );
    if !needed {
        return GROUP
            .names
            .iter()
            .map(|name| Check::skip(name, "not needed: no Slurm launcher"))
            .collect();
    }
    let missing: Vec<&str> = ["sbatch", "squeue", "scancel"]
        .into_iter()
        .filter(|p| find_in_path(p).is_none())
        .collect();
    let commands = if missing.is_empty() {
        Check::pass("slurm commands", "sbatch, squeue and scancel are on PATH")
    } else {
        Check::fail(
            "slurm commands",
            format!("not on PATH: {}", missing.join(", ")),
            "run rcluster on a node where Slurm's commands are available (a login node), or add them to PATH",
        )
    };
    let controller = if missing.contains(&"squeue") {
        Check::skip("slurm controller", "cannot check: no squeue")
    } else {
        check_controller()
    };
    vec![commands, controller]
}

fn check_controller() -> Check {
    command_answers(
        "slurm controller",
        "squeue",
        &["--me", "--noheader", "--format=%i"],
        |output| {
            let jobs = String::from_utf8_lossy(&output.stdout).lines().count();
            format!(
                "`squeue --me` answers ({jobs} job{} of yours)",
                if jobs == 1 { "" } else { "s" }
            )
        },
        "Slurm's controller (slurmctld) does not answer from here: check `scontrol ping`, or ask the site's admins",
    )
}
