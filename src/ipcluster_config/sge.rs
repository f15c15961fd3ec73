//! ipyparallel's Grid Engine launchers (`SGEControllerLauncher`, `SGEEngineSetLauncher`): the
//! batch templates and the queue.

use super::{Family, Target};

pub(super) const FAMILY: Family = Family {
    launcher: Some("sge"),
    names: &["sge"],
    target,
    finish: |_| {},
};

const CLASSES: [&str; 3] = [
    "SGELauncher",
    "SGEControllerLauncher",
    "SGEEngineSetLauncher",
];

/// Inline template file names, in the profile directory (not Slurm's, so a config with both
/// keeps both).
const CONTROLLER_TEMPLATE_FILE: &str = "ipcluster.sge-controller.template";
const ENGINES_TEMPLATE_FILE: &str = "ipcluster.sge-engine.template";

fn target(class: &str, name: &str) -> Option<Target> {
    if !CLASSES.contains(&class) {
        return None;
    }
    Some(match (class, name) {
        ("SGEControllerLauncher", "batch_template_file") => Target::TemplateFile("controller"),
        ("SGEEngineSetLauncher", "batch_template_file") => Target::TemplateFile("engines"),
        ("SGEControllerLauncher", "batch_template") => {
            Target::TemplateText("controller", CONTROLLER_TEMPLATE_FILE)
        }
        ("SGEEngineSetLauncher", "batch_template") => {
            Target::TemplateText("engines", ENGINES_TEMPLATE_FILE)
        }
        (_, "queue") => Target::Str("sge", "queue"),
        _ => return None,
    })
}
