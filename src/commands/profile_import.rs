//! `rcluster profile import [PATH]`: carries the common `c.Class.trait = value` lines of an
//! `ipcluster_config.py` over into the profile's `rcluster.toml` (read and mapped by
//! [`crate::ipcluster_config`]), then prints what was carried over and what was not. The merge
//! edits `rcluster.toml` in place and keeps the previous file as `rcluster.toml.bak`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::{GlobalArgs, ProfileImportArgs};
use crate::error::Failure;
use crate::fsutil;
use crate::ipcluster_config::{IPCLUSTER_CONFIG, Import, merge};
use crate::output::Printer;
use crate::profile::Profile;

pub fn run(global: &GlobalArgs, args: &ProfileImportArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    profile.require()?;
    let source = match &args.path {
        Some(path) => path.clone(),
        None => profile.dir.join(IPCLUSTER_CONFIG),
    };
    let text = match std::fs::read_to_string(&source) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let message = format!("`{}` does not exist", source.display());
            let hint = if args.path.is_none() {
                "name the file: `rcluster profile import PATH/ipcluster_config.py`"
            } else {
                "check the path"
            };
            return Err(Failure::error(message).hint(hint).into());
        }
        Err(err) => {
            return Err(
                anyhow::Error::new(err).context(format!("cannot read `{}`", source.display()))
            );
        }
    };

    let cwd = std::env::current_dir().unwrap_or_default();
    let import = Import::from_config(&text, &profile.dir, &cwd);

    let config_path = profile.config_path();
    if import.settings.is_empty() {
        crate::outln!(
            "nothing to carry over from `{}`; `{}` is unchanged",
            source.display(),
            config_path.display()
        );
    } else {
        // Templates given inline (`batch_template`) become files in the profile directory.
        for (name, text) in &import.template_files {
            let path = profile.dir.join(name);
            fsutil::write_atomic(&path, text.as_bytes(), 0o644)?;
        }
        let old = match std::fs::read_to_string(&config_path) {
            Ok(old) => Some(old),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => {
                return Err(anyhow::Error::new(err)
                    .context(format!("cannot read `{}`", config_path.display())));
            }
        };
        let merged = merge(old.as_deref().unwrap_or(""), &import.settings, &config_path)?;
        if let Some(old) = &old {
            let backup = backup_path(&config_path);
            std::fs::write(&backup, old)
                .with_context(|| format!("cannot write `{}`", backup.display()))?;
        }
        fsutil::write_atomic(&config_path, merged.as_bytes(), 0o644)?;
        crate::outln!(
            "carried over from `{}` into `{}`:",
            source.display(),
            config_path.display()
        );
        let width = import
            .settings
            .iter()
            .map(|s| s.toml_line().chars().count())
            .max()
            .unwrap_or(0);
        for setting in &import.settings {
            crate::outln!(
                "  {:<width$}  # line {}: c.{}.{}",
                setting.toml_line(),
                setting.line,
                setting.class,
                setting.name
            );
        }
        for (name, _) in &import.template_files {
            crate::outln!(
                "  wrote the inline template to `{}`",
                profile.dir.join(name).display()
            );
        }
        if old.is_some() {
            crate::outln!(
                "the previous settings are kept in `{}`",
                backup_path(&config_path).display()
            );
        }
    }
    for note in &import.notes {
        printer.warn(note);
    }
    if !import.skipped.is_empty() {
        crate::outln!("not carried over:");
        for skipped in &import.skipped {
            crate::outln!("  line {}: {}", skipped.line, skipped.text);
            crate::outln!("    {}", skipped.why);
        }
    }
    Ok(())
}

fn backup_path(config_path: &Path) -> PathBuf {
    let mut name = config_path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    config_path.with_file_name(name)
}
