//! The command-line interface: clap definitions only, no logic. The doc comments are the help text.
//!
//! clap stays in this file and in `commands/`: the value enums of other modules get their
//! `ValueEnum` here, and the flag groups convert to the plain types those modules take.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::output::ColorChoice;
use crate::profile::{Preset, ProfileSelector};
use crate::role::Role;
use crate::settings::{ControllerLauncher, EngineLauncher, EngineStart, SlurmOverrides};

/// Start, list and stop ipyparallel clusters: local, MPI and Slurm.
///
/// rcluster is a drop-in companion to ipyparallel's `ipcluster`: it uses the same IPython profiles,
/// the same connection and cluster files, so `ipp.Client(profile=...)` attaches to its clusters and
/// `ipcluster list`/`stop` work on them (and the other way round).
#[derive(Debug, Parser)]
#[command(
    name = "rcluster",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`
    #[arg(long, global = true, env = "RCLUSTER_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Profile directory to use instead of a named profile
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "profile")]
    pub profile_dir: Option<PathBuf>,

    /// Print less: only results and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Print more about what is done (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colors
    #[arg(
        long,
        global = true,
        value_name = "WHEN",
        default_value = "auto",
        env = "RCLUSTER_COLOR"
    )]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a controller and engines
    Start(StartArgs),
    /// Stop clusters: engines and controller, their jobs and files
    Stop(StopArgs),
    /// List clusters in every profile, with their real state
    List(ListArgs),
    /// Show one cluster in detail: processes, jobs, engines, logs, how to attach
    Status(StatusArgs),
    /// Add, list and stop the engine sets of a running cluster
    #[command(subcommand)]
    Engines(EnginesCommand),
    /// Render a batch template as `rcluster start` would, and print it
    Render(RenderArgs),
    /// Remove the files of clusters that are provably dead
    Clean(CleanArgs),
    /// Print a cluster's log files; `-f` follows them until the cluster ends
    Logs(LogsArgs),
    /// Check what a profile's clusters need (Python, ipyparallel, MPI, Slurm, files), with fixes
    Doctor(DoctorArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `rcluster man > ~/.local/share/man/man1/rcluster.1`
    Man,
    /// Create, list and show profiles
    #[command(subcommand)]
    Profile(ProfileCommand),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The cluster (default: the profile's only cluster)
    #[arg(value_name = "CLUSTER_ID")]
    pub cluster_id: Option<String>,

    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum EnginesCommand {
    /// Start a further engine set and attach it to a running cluster
    Add(EnginesAddArgs),
    /// List a cluster's engine sets: id, launcher, engines, processes or job, state
    List(EnginesListArgs),
    /// Stop engine sets (their processes or their job); the controller and other sets keep running
    Stop(EnginesStopArgs),
}

#[derive(Debug, Args)]
pub struct EnginesListArgs {
    /// The cluster (default: the profile's only cluster)
    #[arg(value_name = "CLUSTER_ID")]
    pub cluster: Option<String>,

    /// The cluster (same as the positional argument)
    #[arg(long, value_name = "ID", conflicts_with = "cluster")]
    pub cluster_id: Option<String>,

    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EnginesStopArgs {
    /// Engine set ids to stop, as `rcluster engines list` shows them
    #[arg(value_name = "SET", required = true)]
    pub sets: Vec<String>,

    /// The cluster (default: the profile's only cluster)
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,

    /// Seconds between SIGTERM and SIGKILL
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub grace: f64,

    /// Return once the sets are stopped, without waiting for the controller to drop their engines
    #[arg(long)]
    pub no_wait: bool,

    /// Seconds to wait for the controller to drop the stopped engines
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub timeout: f64,

    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EnginesAddArgs {
    /// Number of engines to add (default: `[engines] n` of the profile)
    #[arg(short, long, value_name = "N")]
    pub n: Option<u32>,

    /// The cluster (default: the profile's only cluster)
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,

    /// How to start the engines (default: the cluster's engine launcher)
    #[arg(long, value_name = "LAUNCHER")]
    pub engines: Option<EngineLauncher>,

    /// Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`)
    #[arg(long, value_name = "HOW")]
    pub engine_start: Option<EngineStart>,

    /// Split the engines into Slurm jobs of at most K engines each
    #[arg(long, value_name = "K")]
    pub engines_per_job: Option<u32>,

    /// Return once the engines are launched, without waiting for them to register
    #[arg(long)]
    pub no_wait: bool,

    /// Seconds to wait for the new engines to register
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub timeout: f64,

    #[command(flatten)]
    pub slurm: SlurmArgs,

    /// Set a template variable (repeatable)
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = crate::batch::parse_var)]
    pub vars: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Template file (default: the profile's template for the role, else the built-in one)
    #[arg(value_name = "TEMPLATE")]
    pub template: Option<String>,

    /// Number of engines (the template variable n)
    #[arg(short, long, value_name = "N")]
    pub n: Option<u32>,

    /// Cluster id (`{cluster_id}`)
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,

    /// Which script: the controller's or the engines'
    #[arg(long, value_name = "ROLE", default_value = "engines")]
    pub role: Role,

    #[command(flatten)]
    pub slurm: SlurmArgs,

    /// Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`;
    /// the built-in Slurm engine template differs)
    #[arg(long, value_name = "HOW")]
    pub engine_start: Option<EngineStart>,

    /// Set a template variable (repeatable), e.g. `--var program_args=`
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = crate::batch::parse_var)]
    pub vars: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Also remove the files of clusters whose state cannot be checked (e.g. corrupt files)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Number of engines to start (default: `[engines] n` of the profile, else the number of CPUs)
    #[arg(short, long, value_name = "N")]
    pub n: Option<u32>,

    /// Cluster id (default: `<unix-seconds>-<4 random chars>`, as `ipp.Cluster` makes it);
    /// `--cluster-id ''` is the empty id of plain `ipcluster start`
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,

    /// How to start the controller (overrides `[controller] launcher`)
    #[arg(long, value_name = "LAUNCHER")]
    pub controller: Option<ControllerLauncher>,

    /// How to start the engines (overrides `[engines] launcher`)
    #[arg(long, value_name = "LAUNCHER")]
    pub engines: Option<EngineLauncher>,

    /// Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`)
    #[arg(long, value_name = "HOW")]
    pub engine_start: Option<EngineStart>,

    /// Return as soon as everything is launched, without waiting for engines to register
    #[arg(long)]
    pub no_wait: bool,

    /// Seconds to wait for the controller and for all engines to register
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub timeout: f64,

    /// Print every script and command start would run, and run nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Split the engines into Slurm jobs of at most K engines each (overrides `[engines] per_job`)
    #[arg(long, value_name = "K")]
    pub engines_per_job: Option<u32>,

    #[command(flatten)]
    pub slurm: SlurmArgs,

    /// Set a template variable (repeatable); overrides `[vars]` and the built-in variables
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = crate::batch::parse_var)]
    pub vars: Vec<(String, String)>,

    /// Extra arguments for the controller, after `--` (as with `ipcluster start -- ARGS`)
    #[arg(last = true, value_name = "CONTROLLER_ARGS")]
    pub controller_args: Vec<String>,
}

/// Slurm settings that override `[slurm]` in rcluster.toml.
#[derive(Debug, Args, Default, Clone)]
pub struct SlurmArgs {
    /// Slurm partition (`#SBATCH --partition`; template variable `queue`)
    #[arg(long, value_name = "NAME")]
    pub partition: Option<String>,

    /// Slurm account to charge (`#SBATCH --account`)
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,

    /// Slurm quality of service (`#SBATCH --qos`)
    #[arg(long, value_name = "NAME")]
    pub qos: Option<String>,

    /// Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)
    #[arg(long, value_name = "TIME")]
    pub time: Option<String>,

    /// An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)
    #[arg(long = "directive", value_name = "OPTION", allow_hyphen_values = true)]
    pub directives: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Clusters to stop (default: the profile's only cluster)
    #[arg(value_name = "CLUSTER_ID")]
    pub cluster_ids: Vec<String>,

    /// Cluster id to stop (same as the positional argument; `--cluster-id ''` names the empty id)
    #[arg(long = "cluster-id", value_name = "ID")]
    pub cluster_id: Option<String>,

    /// Stop every cluster of the profile
    #[arg(long, conflicts_with_all = ["cluster_ids", "cluster_id"])]
    pub all: bool,

    /// Keep the clusters' log files
    #[arg(long)]
    pub keep_logs: bool,

    /// Seconds between SIGTERM and SIGKILL
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub grace: f64,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Create a profile directory with an `rcluster.toml` from a preset
    Create(ProfileCreateArgs),
    /// List the profiles in the IPython directory
    List(ListArgs),
    /// Show a profile's effective settings
    Show(ProfileShowArgs),
    /// Carry the settings of an `ipcluster_config.py` over into the profile's `rcluster.toml`
    Import(ProfileImportArgs),
}

#[derive(Debug, Args)]
pub struct ProfileCreateArgs {
    /// Profile name (letters, digits, `_`, `-`, `.`)
    pub name: String,

    /// Preset to start from
    #[arg(long, default_value = "local")]
    pub preset: Preset,

    /// Overwrite an existing `rcluster.toml`
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ProfileShowArgs {
    /// Profile name (default: `--profile`, else `default`)
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The cluster (default: the profile's only cluster)
    #[arg(value_name = "CLUSTER_ID")]
    pub cluster_id: Option<String>,

    /// Only the controller's or only the engines' logs
    #[arg(long, value_name = "ROLE")]
    pub role: Option<Role>,

    /// Keep printing what is appended (to engines' logs on other hosts too, over one
    /// connection per host), until Ctrl-C or until every process and job of the cluster has
    /// ended
    #[arg(short, long)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Another Python (e.g. the notebook kernel's) whose ipyparallel should match the cluster's
    #[arg(long, value_name = "PATH")]
    pub client_python: Option<PathBuf>,

    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ProfileImportArgs {
    /// The ipcluster config file (default: the profile's `ipcluster_config.py`)
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
}

impl From<&GlobalArgs> for ProfileSelector {
    fn from(args: &GlobalArgs) -> Self {
        ProfileSelector {
            profile: args.profile.clone(),
            profile_dir: args.profile_dir.clone(),
        }
    }
}

impl From<&SlurmArgs> for SlurmOverrides {
    fn from(args: &SlurmArgs) -> Self {
        SlurmOverrides {
            partition: args.partition.clone(),
            account: args.account.clone(),
            qos: args.qos.clone(),
            time: args.time.clone(),
            directives: args.directives.clone(),
        }
    }
}

// The value enums below are listed in declaration order: that order is the order of the
// possible values in `--help`, the completions and the man page.

impl ValueEnum for ColorChoice {
    fn value_variants<'a>() -> &'a [Self] {
        &[ColorChoice::Auto, ColorChoice::Always, ColorChoice::Never]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            ColorChoice::Auto => "auto",
            ColorChoice::Always => "always",
            ColorChoice::Never => "never",
        }))
    }
}

impl ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &[Role::Controller, Role::Engines]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for Preset {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Preset::Local,
            Preset::Mpi,
            Preset::Slurm,
            Preset::Rocket,
            Preset::Sge,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = match self {
            Preset::Local => (
                "local",
                "Controller and engines as processes on this machine",
            ),
            Preset::Mpi => (
                "mpi",
                "Engines started with `mpiexec`, so engine ids equal MPI ranks",
            ),
            Preset::Slurm => ("slurm", "Controller and engines as Slurm jobs"),
            Preset::Rocket => (
                "rocket",
                "Slurm on the University of Tartu's Rocket cluster",
            ),
            Preset::Sge => ("sge", "Controller and engines as Grid Engine jobs"),
        };
        Some(PossibleValue::new(name).help(help))
    }
}

impl ValueEnum for ControllerLauncher {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            ControllerLauncher::Local,
            ControllerLauncher::Mpi,
            ControllerLauncher::Slurm,
            ControllerLauncher::Sge,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            ControllerLauncher::Local => "A process on this machine",
            ControllerLauncher::Mpi => "`mpiexec -n 1` on this machine",
            ControllerLauncher::Slurm => "A Slurm batch job",
            ControllerLauncher::Sge => "A Grid Engine batch job (`qsub`)",
        };
        Some(PossibleValue::new(self.name()).help(help))
    }
}

impl ValueEnum for EngineLauncher {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            EngineLauncher::Local,
            EngineLauncher::Mpi,
            EngineLauncher::Slurm,
            EngineLauncher::SlurmMpi,
            EngineLauncher::Sge,
            EngineLauncher::Ssh,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            EngineLauncher::Local => "One process per engine on this machine",
            EngineLauncher::Mpi => "`mpiexec -n N` on this machine; engine ids are MPI ranks",
            EngineLauncher::Slurm => "A Slurm batch job running `srun` (one engine per task)",
            EngineLauncher::SlurmMpi => {
                "A Slurm batch job running one MPI program over the allocation; engine ids are MPI ranks"
            }
            EngineLauncher::Sge => "A Grid Engine array job (`qsub -t 1-N`), one engine per task",
            EngineLauncher::Ssh => "Processes on the `[ssh] hosts`, started over ssh",
        };
        Some(PossibleValue::new(self.name()).help(help))
    }
}

impl ValueEnum for EngineStart {
    fn value_variants<'a>() -> &'a [Self] {
        &[EngineStart::Auto, EngineStart::Exec, EngineStart::Fork]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            EngineStart::Auto => "Fork where the engine launcher can, exec elsewhere (the default)",
            EngineStart::Exec => "Each engine is a new Python, as ipcluster starts it",
            EngineStart::Fork => {
                "One Python imports the engine once and forks every engine; says so where a launcher cannot"
            }
        };
        Some(PossibleValue::new(self.name()).help(help))
    }
}
