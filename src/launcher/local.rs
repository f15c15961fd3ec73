//! The `local` launcher: controller and engines as processes on this machine, started exactly as
//! ipyparallel's `LocalControllerLauncher`/`LocalEngineSetLauncher` start them.

use anyhow::{Context, Result};

use super::{
    ControllerBackend, ControllerSpec, EngineBackend, EngineSetSpec, Launched, Layout,
    StartedProcess, env_line,
};
use crate::output::Printer;

pub struct Local;

/// `log/ipcontroller[-<id>]-<pid>.log`, as ipyparallel names it.
pub fn controller_log_name(cluster_id: &str) -> String {
    let pid = std::process::id();
    if cluster_id.is_empty() {
        format!("ipcontroller-{pid}.log")
    } else {
        format!("ipcontroller-{cluster_id}-{pid}.log")
    }
}

impl ControllerBackend for Local {
    fn class(&self) -> &'static str {
        "local"
    }

    fn start(
        &self,
        spec: &ControllerSpec,
        launched: &mut Launched,
        printer: &Printer,
    ) -> Result<()> {
        let process = StartedProcess::spawn(&spec.argv(), &spec.env, spec.log.clone())
            .with_context(|| {
                format!(
                    "cannot start the controller with `{}`",
                    spec.target.python.display()
                )
            })?;
        printer.verbose(format!("controller pid {}", process.pid));
        launched.processes.push(process);
        Ok(())
    }

    fn describe(&self, spec: &ControllerSpec) -> Result<String> {
        Ok(format!(
            "# controller (local), output to {}\n{} {}\n",
            spec.log.display(),
            env_line(&spec.env),
            crate::shell::join(&spec.argv())
        ))
    }
}

impl EngineBackend for Local {
    fn name(&self) -> &'static str {
        "local"
    }

    fn class(&self) -> &'static str {
        "local"
    }

    fn layout(&self, _: u32) -> Layout {
        Layout::ProcessPerEngine
    }

    /// `n` engines running the same command each, logging to `log/ipengine-<id>-<set>-<i>.log`.
    fn start(
        &self,
        spec: &EngineSetSpec,
        launched: &mut Launched,
        printer: &Printer,
    ) -> Result<()> {
        if spec.target.config.engines.start.forks() {
            return super::fork::start_local(spec, launched, printer);
        }
        let argv = spec.argv();
        let log_dir = spec.target.profile.log_dir();
        let mut result = Ok(());
        for i in 0..spec.n {
            let log = log_dir.join(format!(
                "ipengine-{}-{}-{i}.log",
                spec.target.cluster_id, spec.set_id
            ));
            match StartedProcess::spawn(&argv, spec.env, log) {
                Ok(process) => launched.processes.push(process),
                Err(err) => {
                    result = Err(err);
                    break;
                }
            }
        }
        printer.verbose(format!(
            "started {} local engines",
            launched.processes.len()
        ));
        result.context("cannot start the engines")
    }

    fn describe(&self, spec: &EngineSetSpec) -> Result<String> {
        if spec.target.config.engines.start.forks() {
            return Ok(super::fork::describe_local(spec));
        }
        Ok(format!(
            "# {} engines (local), each:\n{} {}\n",
            spec.n,
            env_line(spec.env),
            crate::shell::join(&spec.argv())
        ))
    }
}
