//! The profile's files: the profile directory exists, its `rcluster.toml` parses, IPYTHONDIR is
//! writable, and the security directory (which holds the connection files' keys) is private.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::check::Check;
use crate::profile::{self, Profile};
use crate::settings::ProfileConfig;

pub fn check_profile(profile: &Profile) -> Check {
    if profile.exists() {
        return Check::pass("profile", format!("`{}`", profile.dir.display()));
    }
    let fix = match &profile.name {
        Some(name) if profile.cli_args().starts_with("--profile ") => {
            format!("rcluster profile create {name}")
        }
        _ => "create the directory, or pass an existing `--profile-dir`".to_string(),
    };
    Check::fail(
        "profile",
        format!("`{}` does not exist", profile.dir.display()),
        fix,
    )
}

/// Reads the settings: without a profile directory, the built-in defaults (so the other checks
/// still say what a new profile would need); `None` when `rcluster.toml` does not parse.
pub fn load_settings(profile: &Profile) -> (Check, Option<ProfileConfig>) {
    if !profile.exists() {
        return (
            Check::skip("settings", "no profile directory"),
            Some(ProfileConfig::default()),
        );
    }
    let config_path = profile.config_path();
    match profile.load_config() {
        Ok(config) => {
            let origin = if config_path.exists() {
                format!("`{}`", config_path.display())
            } else {
                "no rcluster.toml, built-in defaults".to_string()
            };
            let check = Check::pass(
                "settings",
                format!(
                    "{origin}: controller {}, engines {}",
                    config.controller.launcher.name(),
                    config.engines.launcher.name()
                ),
            );
            (check, Some(config))
        }
        Err(err) => (
            Check::fail(
                "settings",
                format!("{err:#}"),
                "correct that line; docs/configuration.md lists every key of rcluster.toml",
            ),
            None,
        ),
    }
}

pub fn check_ipython_dir() -> Check {
    let dir = match profile::ipython_dir() {
        Ok(dir) => dir,
        Err(err) => {
            return Check::fail(
                "ipython dir",
                format!("{err:#}"),
                "set IPYTHONDIR to a writable directory",
            );
        }
    };
    let fix = format!(
        "make `{}` writable for you, or set IPYTHONDIR to a directory that is",
        dir.display()
    );
    if dir.is_dir() {
        // Creating a file is the only test that also holds for root, ACLs and read-only mounts.
        let probe = dir.join(format!(".rcluster-doctor-{}", std::process::id()));
        return match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
        {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
                Check::pass("ipython dir", format!("`{}` is writable", dir.display()))
            }
            Err(err) => Check::fail(
                "ipython dir",
                format!("cannot write in `{}`: {err}", dir.display()),
                fix,
            ),
        };
    }
    // Not there yet: the nearest existing ancestor must be a writable directory.
    let ancestor = dir.ancestors().skip(1).find(|a| a.exists());
    match ancestor {
        Some(a) if a.is_dir() && nix::unistd::access(a, nix::unistd::AccessFlags::W_OK).is_ok() => {
            Check::pass(
                "ipython dir",
                format!("`{}` does not exist yet and can be created", dir.display()),
            )
        }
        _ => Check::fail(
            "ipython dir",
            format!("`{}` does not exist and cannot be created", dir.display()),
            fix,
        ),
    }
}

pub fn check_security(profile: &Profile) -> Check {
    if !profile.exists() {
        return Check::skip("security", "no profile directory");
    }
    check_security_dir(&profile.security_dir())
}

fn check_security_dir(security: &Path) -> Check {
    let meta = match std::fs::metadata(security) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Check::pass(
                "security",
                format!(
                    "`{}` not created yet (`rcluster start` creates it with mode 0700)",
                    security.display()
                ),
            );
        }
        Err(err) => {
            return Check::fail(
                "security",
                format!("cannot read `{}`: {err}", security.display()),
                "check the profile directory's ownership",
            );
        }
    };
    let mode = meta.permissions().mode() & 0o777;
    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    if mode & 0o077 != 0 {
        problems.push(format!(
            "`{}` has mode {mode:04o}, not 0700",
            security.display()
        ));
        fixes.push(format!(
            "chmod 700 {}",
            crate::shell::quote(&security.to_string_lossy())
        ));
    }
    let mut open_files: Vec<(PathBuf, u32)> = std::fs::read_dir(security)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let meta = e.metadata().ok()?;
                    let mode = meta.permissions().mode() & 0o777;
                    (meta.is_file() && mode & 0o077 != 0).then(|| (e.path(), mode))
                })
                .collect()
        })
        .unwrap_or_default();
    open_files.sort();
    if !open_files.is_empty() {
        let shown: Vec<String> = open_files
            .iter()
            .take(3)
            .map(|(p, m)| {
                format!(
                    "`{}` ({m:04o})",
                    p.file_name().unwrap_or_default().to_string_lossy()
                )
            })
            .collect();
        let more = open_files.len().saturating_sub(3);
        problems.push(format!(
            "readable by others: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
        let quoted: Vec<String> = open_files
            .iter()
            .map(|(p, _)| crate::shell::quote(&p.to_string_lossy()))
            .collect();
        fixes.push(format!("chmod 600 {}", quoted.join(" ")));
    }
    if problems.is_empty() {
        Check::pass(
            "security",
            format!("`{}` is 0700 and its files are private", security.display()),
        )
    } else {
        Check::fail(
            "security",
            format!(
                "{} (connection files hold the keys to run code in your engines)",
                problems.join("; ")
            ),
            fixes.join(" && "),
        )
    }
}
