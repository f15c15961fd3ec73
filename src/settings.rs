//! `rcluster.toml`: the profile's settings, and how command-line flags override them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::error::Failure;

/// How the controller is started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControllerLauncher {
    /// A process on this machine
    #[default]
    Local,
    /// `mpiexec -n 1` on this machine
    Mpi,
    /// A Slurm batch job
    Slurm,
    /// A Grid Engine batch job (`qsub`)
    Sge,
}

/// How the engines are started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngineLauncher {
    /// One process per engine on this machine
    #[default]
    Local,
    /// `mpiexec -n N` on this machine; engine ids are MPI ranks
    Mpi,
    /// A Slurm batch job running `srun` (one engine per task)
    Slurm,
    /// A Slurm batch job running one MPI program over the allocation; engine ids are MPI ranks
    SlurmMpi,
    /// A Grid Engine array job (`qsub -t 1-N`), one engine per task
    Sge,
    /// Processes on the `[ssh] hosts`, started over ssh
    Ssh,
}

/// How engines become processes: exec (a new Python each) or forked from one Python per host
/// (local engines, the built-in Slurm template, ssh hosts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngineStart {
    /// Fork where the launcher can (local engines, the built-in Slurm engine template, a
    /// template with `{fork_program}`, ssh hosts), exec elsewhere, without a word
    #[default]
    Auto,
    /// Each engine is a new Python (`python -m ipyparallel.engine`), as ipcluster starts it
    Exec,
    /// One Python imports the engine once and forks every engine from it
    Fork,
}

impl EngineStart {
    pub fn name(self) -> &'static str {
        match self {
            EngineStart::Auto => "auto",
            EngineStart::Exec => "exec",
            EngineStart::Fork => "fork",
        }
    }

    /// Whether engines are forked where the launcher can fork them.
    pub fn forks(self) -> bool {
        self != EngineStart::Exec
    }
}

impl ControllerLauncher {
    pub fn name(self) -> &'static str {
        match self {
            ControllerLauncher::Local => "local",
            ControllerLauncher::Mpi => "mpi",
            ControllerLauncher::Slurm => "slurm",
            ControllerLauncher::Sge => "sge",
        }
    }
}

impl EngineLauncher {
    pub fn name(self) -> &'static str {
        match self {
            EngineLauncher::Local => "local",
            EngineLauncher::Mpi => "mpi",
            EngineLauncher::Slurm => "slurm",
            EngineLauncher::SlurmMpi => "slurm-mpi",
            EngineLauncher::Sge => "sge",
            EngineLauncher::Ssh => "ssh",
        }
    }
}

/// The whole of `rcluster.toml`. Every table and key is optional; unknown keys are errors.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    #[serde(default)]
    pub python: PythonConfig,
    #[serde(default)]
    pub controller: ControllerConfig,
    #[serde(default)]
    pub engines: EnginesConfig,
    #[serde(default)]
    pub mpi: MpiConfig,
    #[serde(default)]
    pub slurm: SlurmConfig,
    #[serde(default)]
    pub sge: SgeConfig,
    #[serde(default)]
    pub ssh: SshConfig,
    /// Extra template variables, available as `{name}` in batch templates.
    #[serde(default)]
    pub vars: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonConfig {
    /// The Python that runs ipyparallel (default: `$VIRTUAL_ENV`, `$CONDA_PREFIX`, `python3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executable: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerConfig {
    #[serde(default)]
    pub launcher: ControllerLauncher,
    /// Address the controller listens on (`--ip`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Address engines and clients use to reach the controller (`--location`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Heartbeat period in milliseconds (`--ping`); shorter means engines register sooner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_ms: Option<u64>,
    /// Extra arguments for `python -m ipyparallel.controller`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Batch template file for a Slurm controller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnginesConfig {
    #[serde(default)]
    pub launcher: EngineLauncher,
    /// Fork engines where the launcher can (`auto`, the default), always exec, or fork and say where not.
    #[serde(default)]
    pub start: EngineStart,
    /// Number of engines (default: the number of CPUs on this machine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Extra arguments for `python -m ipyparallel.engine`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Batch template file for Slurm engines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Split the engines into Slurm jobs of at most this many engines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_job: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MpiConfig {
    /// The `mpiexec` to run (default: `mpiexec` on PATH).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mpiexec: Option<String>,
    /// Extra arguments for `mpiexec`, such as `--oversubscribe`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment variables for `mpiexec`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qos: Option<String>,
    /// Time limit, in any format `sbatch --time` accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Extra `#SBATCH` lines (without the `#SBATCH` prefix), e.g. `"--mem=4G"`.
    #[serde(default)]
    pub directives: Vec<String>,
    /// Shell lines run before the program, e.g. `module load ...`.
    #[serde(default)]
    pub prologue: Vec<String>,
}

/// `[sge]`: how Grid Engine jobs are submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgeConfig {
    /// The queue (`#$ -q`); Grid Engine picks one when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Extra `#$` lines (without the `#$` prefix), e.g. `"-l h_vmem=4G"`.
    #[serde(default)]
    pub directives: Vec<String>,
    /// Shell lines run before the program, e.g. `module load ...`.
    #[serde(default)]
    pub prologue: Vec<String>,
}

/// Whether `--engines ssh` copies the engines' connection file to each host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CopyConnection {
    /// When the host does not see this profile's security directory (no shared file system)
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshConfig {
    /// Hosts for `--engines ssh`, each optionally with its engine count: `"host2:4"`.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The ssh client (default: `ssh`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Extra arguments for ssh, before the host, e.g. `["-F", "~/.ssh/cluster_config"]`.
    #[serde(default)]
    pub args: Vec<String>,
    /// The Python on the hosts (default: the profile's Python, at the same path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    #[serde(default)]
    pub copy_connection: CopyConnection,
}

/// Slurm settings given for one command (its flags), over `[slurm]` of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlurmOverrides {
    pub partition: Option<String>,
    pub account: Option<String>,
    pub qos: Option<String>,
    pub time: Option<String>,
    /// Extra `#SBATCH` lines, added after the file's.
    pub directives: Vec<String>,
}

impl SlurmConfig {
    /// Command-line flags over the file: each flag given replaces its key; `--directive` lines
    /// are added to `directives`.
    pub fn apply(&mut self, overrides: impl Into<SlurmOverrides>) {
        let overrides = overrides.into();
        for (field, flag) in [
            (&mut self.partition, overrides.partition),
            (&mut self.account, overrides.account),
            (&mut self.qos, overrides.qos),
            (&mut self.time, overrides.time),
        ] {
            if flag.is_some() {
                *field = flag;
            }
        }
        self.directives.extend(overrides.directives);
    }
}

impl ProfileConfig {
    /// Parses `rcluster.toml`; errors name the file, the line and the key.
    pub fn parse(text: &str, path: &Path) -> Result<ProfileConfig> {
        toml::from_str(text).map_err(|err| {
            let location = err
                .span()
                .map(|span| {
                    let (line, column) = line_column(text, span.start);
                    format!(":{line}:{column}")
                })
                .unwrap_or_default();
            Failure::error(format!(
                "invalid settings in `{}{location}`: {}",
                path.display(),
                err.message()
            ))
            .hint("see docs/configuration.md for every key of rcluster.toml")
            .into()
        })
    }

    /// The settings as TOML, with every key that has a value.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    // Back off to a character boundary: an offset inside a character must not panic.
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The Python that runs ipyparallel: the profile's setting, else the active virtualenv or conda
/// environment (the user's kernel environment), else `python3` on PATH.
pub fn resolve_python(config: &PythonConfig) -> Result<PathBuf> {
    if let Some(exe) = &config.executable {
        return Ok(exe.clone());
    }
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(prefix) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            for name in ["python", "python3"] {
                let exe = Path::new(&prefix).join("bin").join(name);
                if exe.is_file() {
                    return Ok(exe);
                }
            }
            // An activated virtualenv is the user's explicit choice: do not silently run
            // another Python instead.
            if var == "VIRTUAL_ENV" {
                return Err(Failure::error(format!(
                    "VIRTUAL_ENV is `{}`, but it has no usable `bin/python`",
                    Path::new(&prefix).display()
                ))
                .hint(
                    "activate a working environment, or set `[python] executable` in rcluster.toml",
                )
                .into());
            }
        }
    }
    find_in_path("python3").ok_or_else(|| {
        Failure::error("no Python found to run ipyparallel: `python3` is not on PATH")
            .hint("activate the environment that has ipyparallel, or set `[python] executable` in rcluster.toml")
            .into()
    })
}

/// The first executable file called `program` on PATH.
pub fn find_in_path(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if program.contains('/') {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = "[engines]\nn = 4\ncount = 3\n";
        let err = ProfileConfig::parse(text, Path::new("/p/rcluster.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/p/rcluster.toml:3:1"), "{msg}");
        assert!(msg.contains("unknown field `count`"), "{msg}");
    }

    #[test]
    fn wrong_type_is_an_error() {
        let text = "[engines]\nn = \"four\"\n";
        let err = ProfileConfig::parse(text, Path::new("x.toml")).unwrap_err();
        assert!(err.to_string().contains("x.toml:2:5"), "{err}");
    }

    #[test]
    fn launcher_names_parse() {
        let cfg =
            ProfileConfig::parse("[engines]\nlauncher = \"slurm-mpi\"\n", Path::new("x")).unwrap();
        assert_eq!(cfg.engines.launcher, EngineLauncher::SlurmMpi);
    }

    #[test]
    fn engine_start_defaults_to_auto_and_names_its_values() {
        let cfg = ProfileConfig::parse("[engines]\n", Path::new("x")).unwrap();
        assert_eq!(cfg.engines.start, EngineStart::Auto);
        assert!(cfg.engines.start.forks());
        let cfg = ProfileConfig::parse("[engines]\nstart = \"exec\"\n", Path::new("x")).unwrap();
        assert!(!cfg.engines.start.forks());
        let cfg = ProfileConfig::parse("[engines]\nstart = \"fork\"\n", Path::new("x")).unwrap();
        assert_eq!(cfg.engines.start, EngineStart::Fork);
        let err = ProfileConfig::parse("[engines]\nstart = \"spawn\"\n", Path::new("x"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected one of `auto`, `exec`, `fork`"),
            "{err}"
        );
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("", 0), (1, 1));
        assert_eq!(line_column("é", 1), (1, 1));
        assert_eq!(line_column("a", 99), (1, 2));
    }
}
