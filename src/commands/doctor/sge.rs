//! The Grid Engine checks: its commands are on PATH, the cell they use is configured, and its
//! qmaster answers. The templates the `sge` launchers submit are checked by the `templates`
//! group.

use std::path::PathBuf;

use super::check::{Check, Context, Group, command_answers};
use crate::launcher::{controller_backend, engine_backend};
use crate::settings::find_in_path;

pub const GROUP: Group = Group {
    names: &["sge commands", "sge cell", "sge qmaster"],
    run: checks,
};

/// Where Debian's and Ubuntu's packages keep `SGE_ROOT` and `SGE_CELL` for the wrappers in
/// /usr/bin, instead of the environment a site's `settings.sh` sets.
const DEBIAN_DEFAULTS: &str = "/etc/default/gridengine";

fn needed(cx: &Context) -> bool {
    let is_sge = |scheduler: Option<&'static dyn crate::launcher::Scheduler>| {
        scheduler.is_some_and(|s| s.name() == "sge")
    };
    is_sge(controller_backend(cx.config.controller.launcher).scheduler())
        || is_sge(engine_backend(cx.config.engines.launcher).scheduler())
}

fn checks(cx: &Context) -> Vec<Check> {
    if !needed(cx) {
        return GROUP
            .names
            .iter()
            .map(|name| Check::skip(name, "not needed: no Grid Engine launcher"))
            .collect();
    }
    let missing: Vec<&str> = ["qsub", "qstat", "qdel"]
        .into_iter()
        .filter(|p| find_in_path(p).is_none())
        .collect();
    let commands = if missing.is_empty() {
        Check::pass("sge commands", "qsub, qstat and qdel are on PATH")
    } else {
        Check::fail(
            "sge commands",
            format!("not on PATH: {}", missing.join(", ")),
            "run rcluster on a Grid Engine submit host, after `source $SGE_ROOT/<cell>/common/settings.sh` (or the site's `module load`)",
        )
    };
    let qmaster = if missing.contains(&"qstat") {
        Check::skip("sge qmaster", "cannot check: no qstat")
    } else {
        command_answers(
            "sge qmaster",
            "qstat",
            &["-xml"],
            |output| {
                let text = String::from_utf8_lossy(&output.stdout);
                let mut jobs: Vec<&str> = text
                    .split("<JB_job_number>")
                    .skip(1)
                    .filter_map(|rest| rest.split('<').next())
                    .collect();
                jobs.sort_unstable();
                jobs.dedup();
                let n = jobs.len();
                format!(
                    "`qstat` answers ({n} job{} of yours)",
                    if n == 1 { "" } else { "s" }
                )
            },
            "Grid Engine's qmaster does not answer from here: check `qping` to the host in `$SGE_ROOT/$SGE_CELL/common/act_qmaster`, or ask the site's admins",
        )
    };
    vec![commands, check_cell(), qmaster]
}

/// `KEY=value` of a shell defaults file, without quotes.
fn default_of(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.trim().strip_prefix(key)?.strip_prefix('=')?;
        let value = value.trim().trim_matches(['"', '\'']);
        (!value.is_empty() && !value.contains('`')).then(|| value.to_string())
    })
}

/// The cell the commands use: `SGE_ROOT`/`SGE_CELL` from the environment, else from Debian's
/// defaults file; its `common/act_qmaster` names the qmaster host.
fn check_cell() -> Check {
    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
    let defaults = std::fs::read_to_string(DEBIAN_DEFAULTS).unwrap_or_default();
    let (root, from) = match env("SGE_ROOT") {
        Some(root) => (Some(root), "SGE_ROOT"),
        None => (default_of(&defaults, "SGE_ROOT"), DEBIAN_DEFAULTS),
    };
    let fix = "set SGE_ROOT and SGE_CELL as the site documents (`source $SGE_ROOT/<cell>/common/settings.sh`)";
    let Some(root) = root else {
        return Check::fail(
            "sge cell",
            format!("SGE_ROOT is not set and {DEBIAN_DEFAULTS} does not name it"),
            fix,
        );
    };
    let cell = env("SGE_CELL")
        .or_else(|| default_of(&defaults, "SGE_CELL"))
        .unwrap_or_else(|| "default".to_string());
    let act_qmaster = PathBuf::from(&root).join(&cell).join("common/act_qmaster");
    match std::fs::read_to_string(&act_qmaster) {
        Ok(host) if !host.trim().is_empty() => Check::pass(
            "sge cell",
            format!(
                "cell `{cell}` in {root} (from {from}), qmaster on {}",
                host.trim()
            ),
        ),
        Ok(_) => Check::fail(
            "sge cell",
            format!("`{}` is empty", act_qmaster.display()),
            fix,
        ),
        Err(err) => Check::fail(
            "sge cell",
            format!(
                "cell `{cell}` in {root} (from {from}): cannot read `{}`: {err}",
                act_qmaster.display()
            ),
            fix,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_debians_defaults_file() {
        let text = "# comment\nSGE_ROOT=/var/lib/gridengine\nSGE_CELL=\"default\"\nSGE_ARCH=`\"$SGE_ROOT/util/arch\"`\n";
        assert_eq!(
            default_of(text, "SGE_ROOT").as_deref(),
            Some("/var/lib/gridengine")
        );
        assert_eq!(default_of(text, "SGE_CELL").as_deref(), Some("default"));
        assert_eq!(default_of(text, "SGE_ARCH"), None);
        assert_eq!(default_of(text, "SGE_QMASTER_PORT"), None);
    }
}
