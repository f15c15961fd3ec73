//! The `sge` launchers: the controller, or each engine set, as a Grid Engine job rendered from
//! a template (ipcluster's SGE templates by default, see `crate::template::sge`) and submitted
//! with `qsub`. An engine set is one array job (`#$ -t 1-{n}`) whose tasks each run one engine,
//! as ipcluster's `SGEEngineSetLauncher` does, so users' templates submit unchanged.

pub mod queue;

use std::path::PathBuf;

use anyhow::Result;

use super::job::{Submission, describe};
use super::{
    ControllerBackend, ControllerSpec, EngineBackend, EngineSetSpec, Launched, Layout, Scheduler,
    Target, env_line,
};
use crate::batch::{BatchSettings, Builtin, Role, Script, ScriptRequest};
use crate::output::Printer;

/// The controller as a Grid Engine job (a one-task array, as ipcluster submits it).
pub struct SgeController;

/// Engine sets as Grid Engine array jobs, one engine per task.
pub struct SgeEngines;

static SGE: queue::Sge = queue::Sge;

/// Where the batch script for `role` (`controller`, `engines-<set>`) is written.
fn script_path(target: &Target, role: &str) -> PathBuf {
    target
        .profile
        .log_dir()
        .join(format!("rcluster-{}-{role}.sh", target.cluster_id))
}

/// The queue recorded in the cluster file.
fn queue(target: &Target) -> String {
    target.config.sge.queue.clone().unwrap_or_default()
}

/// A script of `role` for `n` tasks.
struct Render<'a> {
    target: &'a Target<'a>,
    role: Role,
    n: u32,
    output_file: &'a std::path::Path,
    program: &'a [String],
    args: &'a [String],
    env: &'a [(String, String)],
}

impl Render<'_> {
    fn script(&self) -> Result<Script> {
        let target = self.target;
        let (template, builtin) = match self.role {
            Role::Controller => (&target.config.controller.template, Builtin::SgeController),
            Role::Engines => (&target.config.engines.template, Builtin::SgeEngines),
        };
        ScriptRequest {
            role: self.role,
            n: self.n,
            profile_dir: &target.profile.dir,
            cluster_id: target.cluster_id,
            output_file: self.output_file,
            program: self.program,
            program_args: self.args,
            env: self.env,
            settings: BatchSettings::Sge(&target.config.sge),
            template: template.as_deref(),
            builtin,
            vars: &target.config.vars,
            cli_vars: target.cli_vars,
            fork_program: None,
        }
        .render()
    }
}

fn controller_script(spec: &ControllerSpec) -> Result<Script> {
    Render {
        target: &spec.target,
        role: Role::Controller,
        n: 1,
        output_file: &spec.log,
        program: &spec.program,
        args: &spec.args,
        env: &spec.env,
    }
    .script()
}

fn engine_script(spec: &EngineSetSpec) -> Result<Script> {
    Render {
        target: &spec.target,
        role: Role::Engines,
        n: spec.n,
        output_file: &spec.target.engines_log(spec.set_id),
        program: spec.program,
        args: spec.args,
        env: spec.env,
    }
    .script()
}

impl ControllerBackend for SgeController {
    fn class(&self) -> &'static str {
        "sge"
    }

    fn remote(&self) -> bool {
        true
    }

    fn scheduler(&self) -> Option<&'static dyn Scheduler> {
        Some(&SGE)
    }

    fn layout(&self) -> Layout {
        Layout::Job
    }

    fn wait_hint(&self) -> &'static str {
        "raise `--timeout`; a queued controller job starts when Grid Engine finds a slot for it (`qstat -j <id>` says why it waits)"
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
            scheduler: &SGE,
            script: controller_script(spec)?,
            path: script_path(&spec.target, "controller"),
            env: &spec.env,
            role: "controller",
            n: 1,
            output_file: spec.log.clone(),
            queue: queue(&spec.target),
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
        Ok(describe(
            "controller (sge)",
            &script,
            &path,
            &env_line(&spec.env),
            &SGE,
        ))
    }
}

impl EngineBackend for SgeEngines {
    fn name(&self) -> &'static str {
        "sge"
    }

    fn class(&self) -> &'static str {
        "sge"
    }

    fn remote(&self) -> bool {
        true
    }

    fn splits(&self) -> bool {
        true
    }

    fn script(&self, spec: &EngineSetSpec) -> Option<Result<Script>> {
        Some(engine_script(spec))
    }

    fn scheduler(&self) -> Option<&'static dyn Scheduler> {
        Some(&SGE)
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
        super::fork::say_not_forked(spec, printer, "Grid Engine engines are one array task each");
        Submission {
            scheduler: &SGE,
            script: engine_script(spec)?,
            path: script_path(&spec.target, &format!("engines-{}", spec.set_id)),
            env: spec.env,
            role: "engines",
            n: spec.n,
            output_file: spec.target.engines_log(spec.set_id),
            queue: queue(&spec.target),
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
        let script = engine_script(spec)?;
        let path = script_path(&spec.target, &format!("engines-{}", spec.set_id));
        let what = format!("{} engines (sge)", spec.n);
        Ok(describe(&what, &script, &path, &env_line(spec.env), &SGE))
    }
}
