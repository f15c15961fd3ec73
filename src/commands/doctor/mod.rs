//! `rcluster doctor`: checks what the profile's clusters need, each shown as passed (`✓`),
//! failed (`✗`, with the fix), a warning (`!`) or skipped (`-`, not needed by the profile's
//! launchers). The exit code is 1 only when a needed check fails.
//!
//! The checks come in groups, one module each. A group that depends only on the settings (a
//! launcher's needs) is a [`Group`] in [`GROUPS`]: a new backend's checks are one module and one
//! line there.

mod check;
mod files;
mod mpi;
mod python;
mod sge;
mod slurm;
mod ssh;
mod templates;

use std::io::IsTerminal;

use anyhow::Result;
use serde_json::json;

use crate::cli::{ColorChoice, DoctorArgs, GlobalArgs};
use crate::error::Failure;
use crate::output::Printer;
use crate::profile::Profile;
use crate::settings::ProfileConfig;
use check::{Check, Context, Group, Status};

/// The groups that run after the Python checks, in the order they are listed.
const GROUPS: &[Group] = &[
    mpi::GROUP,
    slurm::GROUP,
    sge::GROUP,
    ssh::GROUP,
    templates::GROUP,
];

pub fn run(global: &GlobalArgs, args: &DoctorArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    let mut checks = vec![files::check_profile(&profile)];
    let (settings, config) = files::load_settings(&profile);
    checks.push(settings);
    checks.push(files::check_ipython_dir());
    match &config {
        Some(config) => checks.extend(config_checks(&profile, config, args)),
        None => {
            let names = python::NAMES
                .iter()
                .chain(GROUPS.iter().flat_map(|g| g.names));
            checks.extend(
                names.map(|name| Check::skip(name, "cannot tell: rcluster.toml does not parse")),
            );
        }
    }
    checks.push(files::check_security(&profile));

    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.name)
        .collect();
    if args.json {
        let list: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "status": c.status.name(),
                    "detail": c.detail,
                    "fix": c.fix,
                })
            })
            .collect();
        let doc = json!({
            "profile": profile.label(),
            "profile_dir": profile.dir,
            "ok": failed.is_empty(),
            "checks": list,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => printer.color && std::io::stdout().is_terminal(),
        };
        print_text(&profile, &checks, color);
    }
    if failed.is_empty() {
        printer.status("every needed check passed");
        return Ok(());
    }
    Err(Failure::error(format!(
        "{} needed check{} failed: {}",
        failed.len(),
        if failed.len() == 1 { "" } else { "s" },
        failed.join(", ")
    ))
    .hint("each failed check above says how to fix it")
    .into())
}

/// The checks that depend on the settings: the Python first, since the groups need to know
/// whether it runs.
fn config_checks(profile: &Profile, config: &ProfileConfig, args: &DoctorArgs) -> Vec<Check> {
    let found = python::checks(profile, config, args.client_python.as_deref());
    let cx = Context {
        profile,
        config,
        python: found.python.as_deref(),
        python_runs: found.runs,
    };
    let mut checks = found.checks;
    for group in GROUPS {
        checks.extend((group.run)(&cx));
    }
    checks
}

fn print_text(profile: &Profile, checks: &[Check], color: bool) {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    crate::outln!("profile {} (`{}`)", profile.label(), profile.dir.display());
    for check in checks {
        let mark = paint(check.status.color(), check.status.mark());
        let detail = if check.status == Status::Skip {
            paint("2", &check.detail)
        } else {
            check.detail.clone()
        };
        crate::outln!("{mark} {:<17} {detail}", check.name);
        if let Some(fix) = &check.fix {
            crate::outln!("  {:<17} {} {fix}", "", paint("1;36", "fix:"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group's `names` stand in for its checks when the settings do not parse, so they must be
    /// what `run` returns; with the built-in (local) launchers every group is skipped, and no
    /// command runs.
    #[test]
    fn each_group_returns_the_checks_it_names() {
        let profile = Profile::from_dir(std::path::Path::new("/nonexistent/profile_x"));
        let config = ProfileConfig::default();
        let cx = Context {
            profile: &profile,
            config: &config,
            python: None,
            python_runs: false,
        };
        for group in GROUPS {
            let checks = (group.run)(&cx);
            let names: Vec<&str> = checks.iter().map(|c| c.name).collect();
            assert_eq!(names, group.names);
            assert!(
                checks.iter().all(|c| c.status == Status::Skip),
                "{checks:?}"
            );
        }
    }
}
