//! IPython profile directories: finding `$IPYTHONDIR/profile_<name>`, creating the layout that
//! IPython creates, and reading the profile's `rcluster.toml`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::Failure;
use crate::settings::ProfileConfig;

/// The settings file rcluster keeps in each profile directory.
pub const CONFIG_FILE: &str = "rcluster.toml";

/// Built-in `rcluster.toml` presets, embedded from `profiles/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Controller and engines as processes on this machine
    Local,
    /// Engines started with `mpiexec`, so engine ids equal MPI ranks
    Mpi,
    /// Controller and engines as Slurm jobs
    Slurm,
    /// Slurm on the University of Tartu's Rocket cluster
    Rocket,
    /// Controller and engines as Grid Engine jobs
    Sge,
}

impl Preset {
    pub fn text(self) -> &'static str {
        match self {
            Preset::Local => include_str!("../profiles/local.toml"),
            Preset::Mpi => include_str!("../profiles/mpi.toml"),
            Preset::Slurm => include_str!("../profiles/slurm.toml"),
            Preset::Rocket => include_str!("../profiles/rocket.toml"),
            Preset::Sge => include_str!("../profiles/sge.toml"),
        }
    }
}

/// The IPython directory, resolved as IPython does: `$IPYTHONDIR`, else `~/.ipython`.
pub fn ipython_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("IPYTHONDIR").filter(|d| !d.is_empty()) {
        return Ok(expand_tilde(Path::new(&dir)));
    }
    let home = directories::BaseDirs::new()
        .map(|dirs| dirs.home_dir().to_path_buf())
        .ok_or_else(|| {
            Failure::error("cannot find the home directory to locate `~/.ipython`")
                .hint("set IPYTHONDIR to the IPython directory")
        })?;
    Ok(home.join(".ipython"))
}

fn expand_tilde(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => match directories::BaseDirs::new() {
            Some(dirs) => dirs.home_dir().join(rest),
            None => path.to_path_buf(),
        },
        Err(_) => path.to_path_buf(),
    }
}

/// Profile names and cluster ids that rcluster creates must stay inside one path component and
/// be safe in shell scripts and job names.
pub fn check_name(kind: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok {
        return Err(Failure::usage(format!("invalid {kind} `{name}`"))
            .hint(format!(
                "a {kind} may use letters, digits, `_`, `-` and `.`, and may not start with `.` or `-`"
            ))
            .into());
    }
    Ok(())
}

/// One IPython profile directory.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The name, when the directory is `<ipython_dir>/profile_<name>`.
    pub name: Option<String>,
    pub dir: PathBuf,
}

/// Which profile the user named (`--profile`/`--profile-dir`); at most one of the two is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSelector {
    pub profile: Option<String>,
    pub profile_dir: Option<PathBuf>,
}

impl Profile {
    /// The profile chosen by `--profile`/`--profile-dir` (default: `default`).
    pub fn from_args(selector: impl Into<ProfileSelector>) -> Result<Profile> {
        let selector = selector.into();
        if let Some(dir) = &selector.profile_dir {
            return Ok(Profile::from_dir(dir));
        }
        let name = selector.profile.as_deref().unwrap_or("default");
        Profile::named(name)
    }

    /// The profile named by `--profile`/`--profile-dir`, or, when neither is given, every
    /// profile in the IPython directory (as `ipcluster list` scans them).
    pub fn selected_or_all(selector: impl Into<ProfileSelector>) -> Result<Vec<Profile>> {
        let selector = selector.into();
        if selector.profile.is_some() || selector.profile_dir.is_some() {
            let profile = Profile::from_args(selector)?;
            profile.require()?;
            Ok(vec![profile])
        } else {
            Profile::all()
        }
    }

    pub fn named(name: &str) -> Result<Profile> {
        check_name("profile name", name)?;
        Ok(Profile {
            name: Some(name.to_string()),
            dir: ipython_dir()?.join(format!("profile_{name}")),
        })
    }

    pub fn from_dir(dir: &Path) -> Profile {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("profile_"))
            .map(str::to_string);
        Profile { name, dir }
    }

    /// What `ipcluster list` shows: the name for profiles in the IPython dir, else the path.
    pub fn label(&self) -> String {
        match (&self.name, ipython_dir()) {
            (Some(name), Ok(ipdir)) if self.dir.parent() == Some(ipdir.as_path()) => name.clone(),
            _ => self.dir.display().to_string(),
        }
    }

    /// The `--profile`/`--profile-dir` words that name this profile on a command line.
    pub fn cli_args(&self) -> String {
        match (&self.name, ipython_dir()) {
            (Some(name), Ok(ipdir)) if self.dir.parent() == Some(ipdir.as_path()) => {
                format!("--profile {name}")
            }
            _ => format!(
                "--profile-dir {}",
                crate::shell::quote(&self.dir.to_string_lossy())
            ),
        }
    }

    pub fn exists(&self) -> bool {
        self.dir.is_dir()
    }

    pub fn security_dir(&self) -> PathBuf {
        self.dir.join("security")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.dir.join("log")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join(CONFIG_FILE)
    }

    /// Creates the directories IPython's `ProfileDir` creates, with its modes:
    /// `security/` and `pid/` 0700, `log/` and `startup/` as the umask allows.
    pub fn ensure_layout(&self) -> Result<()> {
        for sub in ["", "log", "startup"] {
            let dir = self.dir.join(sub);
            fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
        }
        for sub in ["security", "pid"] {
            let dir = self.dir.join(sub);
            fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
            let mode = fs::metadata(&dir)?.permissions().mode() & 0o777;
            if mode != 0o700 {
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).with_context(
                    || format!("cannot make `{}` private (mode 0700)", dir.display()),
                )?;
            }
        }
        Ok(())
    }

    /// The profile's settings: `rcluster.toml` if present, else the defaults.
    pub fn load_config(&self) -> Result<ProfileConfig> {
        let path = self.config_path();
        match fs::read_to_string(&path) {
            Ok(text) => ProfileConfig::parse(&text, &path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(ProfileConfig::default()),
            Err(err) => {
                Err(anyhow::Error::new(err).context(format!("cannot read `{}`", path.display())))
            }
        }
    }

    /// Fails with a hint to create the profile when its directory does not exist.
    pub fn require(&self) -> Result<()> {
        if self.exists() {
            return Ok(());
        }
        let what = match &self.name {
            Some(name) => format!(
                "profile `{name}` not found: `{}` does not exist",
                self.dir.display()
            ),
            None => format!("profile directory `{}` does not exist", self.dir.display()),
        };
        let hint = match &self.name {
            Some(name) => format!("create it with `rcluster profile create {name}`"),
            None => "create it, or pass an existing `--profile-dir`".to_string(),
        };
        Err(Failure::error(what).hint(hint).into())
    }

    /// Every `profile_*` directory in the IPython directory, sorted by path.
    pub fn all() -> Result<Vec<Profile>> {
        let ipdir = ipython_dir()?;
        let entries = match fs::read_dir(&ipdir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => {
                return Err(anyhow::Error::new(err).context(format!(
                    "cannot read the IPython directory `{}`",
                    ipdir.display()
                )));
            }
        };
        let mut profiles: Vec<Profile> = entries
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().is_dir())
            .filter_map(|entry| {
                let file_name = entry.file_name();
                let name = file_name.to_str()?.strip_prefix("profile_")?.to_string();
                Some(Profile {
                    name: Some(name),
                    dir: entry.path(),
                })
            })
            .collect();
        profiles.sort_by(|a, b| a.dir.cmp(&b.dir));
        Ok(profiles)
    }
}
