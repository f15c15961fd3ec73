//! ipyparallel's Slurm launchers: the batch templates, the `sbatch` options ipcluster's default
//! templates use, and `options`, which templates see as `{options}`.

use super::python::Py;
use super::{Family, Target, TomlValue};

pub(super) const FAMILY: Family = Family {
    launcher: Some("slurm"),
    names: &["slurm"],
    target,
    finish: |_| {},
};

const CLASSES: [&str; 4] = [
    "SlurmLauncher",
    "SlurmControllerLauncher",
    "SlurmEngineSetLauncher",
    // The Slurm launchers' base class, where the shared batch settings are declared.
    "BatchSystemLauncher",
];

/// Inline template file names, in the profile directory.
const CONTROLLER_TEMPLATE_FILE: &str = "ipcluster.controller.template";
const ENGINES_TEMPLATE_FILE: &str = "ipcluster.engine.template";

fn target(class: &str, name: &str) -> Option<Target> {
    if !CLASSES.contains(&class) {
        return None;
    }
    Some(match (class, name) {
        ("SlurmControllerLauncher", "batch_template_file") => Target::TemplateFile("controller"),
        ("SlurmEngineSetLauncher", "batch_template_file") => Target::TemplateFile("engines"),
        ("SlurmControllerLauncher", "batch_template") => {
            Target::TemplateText("controller", CONTROLLER_TEMPLATE_FILE)
        }
        ("SlurmEngineSetLauncher", "batch_template") => {
            Target::TemplateText("engines", ENGINES_TEMPLATE_FILE)
        }
        (_, "queue") => Target::Str("slurm", "partition"),
        (_, "account") => Target::Str("slurm", "account"),
        (_, "timelimit") => Target::Other("slurm", "time", time),
        (_, "qos") => Target::Str("slurm", "qos"),
        // Templates see ipcluster's `{options}`; `[vars]` provides it as is.
        (_, "options") => Target::Str("vars", "options"),
        _ => return None,
    })
}

fn time(value: &Py) -> Result<TomlValue, String> {
    match value {
        Py::Str(v) => Ok(TomlValue::Str(v.clone())),
        // sbatch reads a bare number as minutes.
        Py::Int(minutes) if *minutes > 0 => Ok(TomlValue::Str(minutes.to_string())),
        _ => Err("a time limit must be a string such as '01:00:00'".into()),
    }
}
