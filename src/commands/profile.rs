//! `rcluster profile create|list|show`.

use anyhow::{Context, Result};
use serde_json::json;

use crate::cli::{GlobalArgs, ListArgs, ProfileCreateArgs, ProfileShowArgs};
use crate::error::Failure;
use crate::inventory::Cluster;
use crate::output::Printer;
use crate::profile::{CONFIG_FILE, Profile};

pub fn create(global: &GlobalArgs, args: &ProfileCreateArgs, printer: Printer) -> Result<()> {
    let profile = match &global.profile_dir {
        Some(dir) => Profile::from_dir(dir),
        None => Profile::named(&args.name)?,
    };
    let config_path = profile.config_path();
    if config_path.exists() && !args.force {
        return Err(Failure::error(format!(
            "profile `{}` already has `{}`",
            args.name,
            config_path.display()
        ))
        .hint("pass `--force` to replace it with the preset")
        .into());
    }
    profile.ensure_layout()?;
    std::fs::write(&config_path, args.preset.text())
        .with_context(|| format!("cannot write `{}`", config_path.display()))?;
    printer.status(format!(
        "created profile `{}` in `{}` (preset {})",
        args.name,
        profile.dir.display(),
        clap::ValueEnum::to_possible_value(&args.preset)
            .map_or_else(String::new, |v| v.get_name().to_string())
    ));
    crate::outln!("{}", config_path.display());
    Ok(())
}

pub fn list(_global: &GlobalArgs, args: &ListArgs, printer: Printer) -> Result<()> {
    let profiles = Profile::all()?;
    let mut rows = Vec::new();
    for profile in &profiles {
        let has_config = profile.config_path().exists();
        let (launchers, error) = match profile.load_config() {
            Ok(config) => (
                format!(
                    "{}/{}",
                    config.controller.launcher.name(),
                    config.engines.launcher.name()
                ),
                None,
            ),
            Err(err) => ("?".to_string(), Some(format!("{err:#}"))),
        };
        let clusters = Cluster::all_in(profile).map(|c| c.len()).unwrap_or(0);
        rows.push((profile, has_config, launchers, clusters, error));
    }
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(p, has_config, launchers, clusters, error)| {
                json!({
                    "name": p.name,
                    "dir": p.dir,
                    "rcluster_toml": has_config,
                    "launcher": launchers,
                    "clusters": clusters,
                    "error": error,
                })
            })
            .collect();
        crate::outln!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if rows.is_empty() {
        printer.status("no profiles; create one with `rcluster profile create NAME`");
        return Ok(());
    }
    crate::outln!(
        "{:<20} {:<14} {:>8}  DIRECTORY",
        "PROFILE",
        "LAUNCHER",
        "CLUSTERS"
    );
    for (profile, has_config, launchers, clusters, error) in &rows {
        let launchers = if *has_config {
            launchers.clone()
        } else {
            format!("{launchers}*")
        };
        crate::outln!(
            "{:<20} {:<14} {:>8}  {}",
            profile.name.as_deref().unwrap_or("?"),
            launchers,
            clusters,
            profile.dir.display()
        );
        if let Some(error) = error {
            printer.warn(error);
        }
    }
    if rows.iter().any(|(_, has_config, ..)| !has_config) {
        printer.status(format!("* no {CONFIG_FILE}: rcluster's defaults apply"));
    }
    Ok(())
}

pub fn show(global: &GlobalArgs, args: &ProfileShowArgs, _printer: Printer) -> Result<()> {
    let profile = match (&args.name, &global.profile_dir) {
        (Some(name), _) => Profile::named(name)?,
        (None, _) => Profile::from_args(global)?,
    };
    profile.require()?;
    let config = profile.load_config()?;
    let source = if profile.config_path().exists() {
        format!("{}", profile.config_path().display())
    } else {
        format!("defaults (no {CONFIG_FILE})")
    };
    let python = crate::settings::resolve_python(&config.python)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|err| format!("not found: {err}"));
    crate::outln!("# profile: {}", profile.label());
    crate::outln!("# directory: {}", profile.dir.display());
    crate::outln!("# settings from: {source}");
    crate::outln!("# python (resolved): {python}");
    crate::out!("{}", config.to_toml());
    Ok(())
}
