//! The `slurm` and `slurm-mpi` launchers: the controller, or each engine set, as a Slurm batch
//! job rendered from a template (see `crate::batch`) and submitted with `sbatch`.

pub mod env;
pub mod queue;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::fork::SlurmFork;
use super::job::Submission;
use super::{
    ControllerBackend, ControllerSpec, EngineBackend, EngineSetSpec, Launched, Layout, Scheduler,
    Target, env_line,
};
use crate::batch::{BatchSettings, Builtin, Role, Script, ScriptRequest};
use crate::output::Printer;

/// The controller as a Slurm job.
pub struct SlurmController;

/// Engine sets as Slurm jobs: `srun` one engine per task, or (`mpi`) one MPI program over the
/// allocation whose ranks are the engine ids.
pub struct SlurmEngines {
    pub mpi: bool,
}

static SLURM: queue::Slurm = queue::Slurm;

/// Where the batch script for `role` (`controller`, `engines-<set>`) is written.
fn script_path(target: &Target, role: &str) -> PathBuf {
    target
        .profile
        .log_dir()
        .join(format!("rcluster-{}-{role}.sbatch", target.cluster_id))
}

/// The partition recorded in the cluster file.
fn partition(target: &Target) -> String {
    target.config.slurm.partition.clone().unwrap_or_default()
}

/// The controller's batch script.
fn controller_script(spec: &ControllerSpec) -> Result<Script> {
    let target = &spec.target;
    ScriptRequest {
        role: Role::Controller,
        n: 1,
        profile_dir: &target.profile.dir,
        cluster_id: target.cluster_id,
        output_file: &spec.log,
        program: &spec.program,
        program_args: &spec.args,
        env: &spec.env,
        settings: BatchSettings::Slurm(&target.config.slurm),
        template: target.config.controller.template.as_deref(),
        builtin: Builtin::SlurmController,
        vars: &target.config.vars,
        cli_vars: target.cli_vars,
        fork_program: None,
    }
    .render()
}

/// `--dry-run`'s environment of an `sbatch` command: inside a Slurm job, a comment naming the
/// job's variables rcluster leaves out and `env -u` for each, so the line runs as rcluster would.
fn dry_run_sbatch_env(removed: &[String], env: &str) -> String {
    if removed.is_empty() {
        return env.to_string();
    }
    let unset: Vec<String> = removed.iter().map(|name| format!("-u {name}")).collect();
    format!(
        "# inside Slurm job {}: sbatch runs without the job's own variables {}\nenv {} {env}",
        env::outer_job_id().unwrap_or_default(),
        removed.join(" "),
        unset.join(" ")
    )
}

/// `--dry-run`'s view of one batch job: where the template came from, the script, the command.
fn describe_job(what: &str, script: &Script, path: &Path, env: &[(String, String)]) -> String {
    let env_text = dry_run_sbatch_env(&env::inherited_here(), &env_line(env));
    super::job::describe(what, script, path, &env_text, &SLURM)
}

impl ControllerBackend for SlurmController {
    fn class(&self) -> &'static str {
        "slurm"
    }

    fn remote(&self) -> bool {
        true
    }

    fn scheduler(&self) -> Option<&'static dyn Scheduler> {
        Some(&SLURM)
    }

    fn layout(&self) -> Layout {
        Layout::Job
    }

    /// Only a batch controller waits in a queue.
    fn wait_hint(&self) -> &'static str {
        "raise `--timeout`; a queued controller job starts when Slurm finds room for it"
    }

    fn script(&self, spec: &ControllerSpec) -> Option<Result<Script>> {
        Some(controller_script(spec))
    }

    fn start(
        &self,
        spec: &ControllerSpec,
        launched: &mut Launched,
        printer: &Printer,
    ) -> Result<()> {
        Submission {
            scheduler: &SLURM,
            queue: partition(&spec.target),
            script: controller_script(spec)?,
            path: script_path(&spec.target, "controller"),
            env: &spec.env,
            role: "controller",
            n: 1,
            output_file: spec.log.clone(),
        }
        .submit(launched)?;
        if let Some(job) = &launched.job {
            printer.status(format!("submitted controller job {}", job.job_id));
        }
        Ok(())
    }

    fn describe(&self, spec: &ControllerSpec) -> Result<String> {
        let script = controller_script(spec)?;
        let path = script_path(&spec.target, "controller");
        Ok(describe_job(
            "controller (slurm)",
            &script,
            &path,
            &spec.env,
        ))
    }
}

impl SlurmEngines {
    /// The forker setup when this set's engines are forked: fork start asked for, not MPI,
    /// and the built-in template or a user's template that uses `{fork_program}`.
    fn fork(&self, spec: &EngineSetSpec) -> Result<Option<SlurmFork>> {
        let config = spec.target.config;
        if self.mpi || !config.engines.start.forks() {
            return Ok(None);
        }
        if let Some(name) = config.engines.template.as_deref() {
            let path = crate::batch::resolve_template_file(name, &spec.target.profile.dir)?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read template `{}`", path.display()))?;
            if !text.contains("fork_program") {
                return Ok(None);
            }
        }
        Ok(Some(SlurmFork::of(spec)))
    }

    /// The batch script of an engine set.
    fn engine_script(&self, spec: &EngineSetSpec, fork: Option<&SlurmFork>) -> Result<Script> {
        let target = &spec.target;
        let output = target.engines_log(spec.set_id);
        ScriptRequest {
            role: Role::Engines,
            n: spec.n,
            profile_dir: &target.profile.dir,
            cluster_id: target.cluster_id,
            output_file: &output,
            program: spec.program,
            program_args: spec.args,
            env: spec.env,
            settings: BatchSettings::Slurm(&target.config.slurm),
            template: target.config.engines.template.as_deref(),
            builtin: if self.mpi {
                Builtin::SlurmMpiEngines
            } else if fork.is_some() {
                Builtin::SlurmForkEngines
            } else {
                Builtin::SlurmEngines
            },
            vars: &target.config.vars,
            cli_vars: target.cli_vars,
            fork_program: fork.map(|f| f.program.as_str()),
        }
        .render()
    }
}

impl EngineBackend for SlurmEngines {
    fn name(&self) -> &'static str {
        if self.mpi { "slurm-mpi" } else { "slurm" }
    }

    fn class(&self) -> &'static str {
        "slurm"
    }

    fn remote(&self) -> bool {
        true
    }

    fn mpi_ranks(&self) -> bool {
        self.mpi
    }

    fn splits(&self) -> bool {
        true
    }

    fn script(&self, spec: &EngineSetSpec) -> Option<Result<Script>> {
        Some(
            self.fork(spec)
                .and_then(|fork| self.engine_script(spec, fork.as_ref())),
        )
    }

    fn scheduler(&self) -> Option<&'static dyn Scheduler> {
        Some(&SLURM)
    }

    fn layout(&self, _: u32) -> Layout {
        Layout::Job
    }

    fn start(
        &self,
        spec: &EngineSetSpec,
        launched: &mut Launched,
        printer: &Printer,
    ) -> Result<()> {
        let fork = self.fork(spec)?;
        match &fork {
            Some(fork) => fork.write(launched)?,
            None if self.mpi => {
                super::fork::say_not_forked(spec, printer, "MPI engines' ids are MPI ranks")
            }
            None => super::fork::say_not_forked(
                spec,
                printer,
                "the engine template has no `{fork_program}` (docs/fork-start.md shows how to add it)",
            ),
        }
        Submission {
            scheduler: &SLURM,
            queue: partition(&spec.target),
            script: self.engine_script(spec, fork.as_ref())?,
            path: script_path(&spec.target, &format!("engines-{}", spec.set_id)),
            env: spec.env,
            role: "engines",
            n: spec.n,
            output_file: spec.target.engines_log(spec.set_id),
        }
        .submit(launched)?;
        if let Some(job) = &launched.job {
            printer.status(format!(
                "submitted engine job {} ({} engines)",
                job.job_id, spec.n
            ));
        }
        Ok(())
    }

    fn describe(&self, spec: &EngineSetSpec) -> Result<String> {
        let fork = self.fork(spec)?;
        let script = self.engine_script(spec, fork.as_ref())?;
        let path = script_path(&spec.target, &format!("engines-{}", spec.set_id));
        let mut what = format!("{} engines ({})", spec.n, self.name());
        if let Some(fork) = &fork {
            what = format!(
                "{what}, forked by one forker per node; its spec, written to {} (mode 0600): {}\n# the forker's source is written to {};",
                fork.spec_file.display(),
                fork.spec,
                fork.source_file.display()
            );
        }
        Ok(describe_job(&what, &script, &path, spec.env))
    }
}
