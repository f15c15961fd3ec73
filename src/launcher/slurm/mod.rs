//! The `slurm` and `slurm-mpi` launchers: the controller, or each engine set, as a Slurm batch
//! job rendered from a template (see `crate::batch`) and submitted with `sbatch`.

pub mod queue;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{
    ControllerBackend, ControllerSpec, EngineBackend, EngineSetSpec, Launched, Layout, Scheduler,
    SubmittedJob, env_line,
};
use crate::batch::{Builtin, Script};
use crate::output::Printer;
use crate::plan::Plan;

/// The controller as a Slurm job.
pub struct SlurmController;

/// Engine sets as Slurm jobs: `srun` one engine per task, or (`mpi`) one MPI program over the
/// allocation whose ranks are the engine ids.
pub struct SlurmEngines {
    pub mpi: bool,
}

static SLURM: queue::Slurm = queue::Slurm;

/// Where the batch script for `role` (`controller`, `engines-<set>`) is written.
fn script_path(plan: &Plan, role: &str) -> PathBuf {
    plan.profile
        .log_dir()
        .join(format!("rcluster-{}-{role}.sbatch", plan.cluster_id))
}

/// A job to submit: its script, where it goes, and what it runs.
struct Submission<'a> {
    plan: &'a Plan<'a>,
    script: Script,
    path: PathBuf,
    env: &'a [(String, String)],
    role: &'a str,
    n: u32,
    output_file: PathBuf,
}

impl Submission<'_> {
    /// Writes the script, then submits it; records both in `launched` as they happen.
    fn submit(self, launched: &mut Launched) -> Result<()> {
        let Submission {
            plan,
            script,
            path,
            env,
            role,
            n,
            output_file,
        } = self;
        crate::fsutil::write_atomic(&path, script.text.as_bytes(), 0o700)?;
        launched.files.push(path.clone());
        if let Some(dir) = output_file.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        let job_id = SLURM.submit(&path, env).with_context(|| {
            format!(
                "cannot submit the {role} job (script `{}`, {})",
                path.display(),
                script.source
            )
        })?;
        launched.job = Some(SubmittedJob {
            scheduler: &SLURM,
            job_id,
            n,
            output_file,
            template: script.template,
            queue: plan.config.slurm.partition.clone().unwrap_or_default(),
            script: path,
        });
        Ok(())
    }
}

/// `--dry-run`'s view of one batch job: where the template came from, the script, the command.
fn describe_job(what: &str, script: &Script, path: &Path, env: &[(String, String)]) -> String {
    let mut text = format!("# {what} from {}: {}\n", script.source, path.display());
    text.push_str(&script.text);
    if !script.text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "{} {} {}\n",
        env_line(env),
        SLURM.submit_command(),
        crate::shell::quote(&path.to_string_lossy())
    ));
    text
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

    fn builtin_template(&self) -> Option<Builtin> {
        Some(Builtin::SlurmController)
    }

    fn start(
        &self,
        spec: &ControllerSpec,
        launched: &mut Launched,
        printer: &Printer,
    ) -> Result<()> {
        Submission {
            plan: spec.plan,
            script: spec.plan.controller_script(&spec.env)?,
            path: script_path(spec.plan, "controller"),
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
        let script = spec.plan.controller_script(&spec.env)?;
        let path = script_path(spec.plan, "controller");
        Ok(describe_job(
            "controller (slurm)",
            &script,
            &path,
            &spec.env,
        ))
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

    fn builtin_template(&self) -> Option<Builtin> {
        Some(if self.mpi {
            Builtin::SlurmMpiEngines
        } else {
            Builtin::SlurmEngines
        })
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
        let plan = spec.plan;
        Submission {
            plan,
            script: plan.engine_script(spec.n, spec.set_id, spec.env, spec.args)?,
            path: script_path(plan, &format!("engines-{}", spec.set_id)),
            env: spec.env,
            role: "engines",
            n: spec.n,
            output_file: plan.engines_log(spec.set_id),
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
        let plan = spec.plan;
        let script = plan.engine_script(spec.n, spec.set_id, spec.env, spec.args)?;
        let path = script_path(plan, &format!("engines-{}", spec.set_id));
        let what = format!("{} engines ({})", spec.n, self.name());
        Ok(describe_job(&what, &script, &path, spec.env))
    }
}
