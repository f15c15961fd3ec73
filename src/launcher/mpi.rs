//! The `mpi` launcher: `mpiexec -n N [args] python -m ipyparallel.engine --mpi`, as ipyparallel's
//! `MPIEngineSetLauncher` runs it, so each engine asks for its MPI rank as engine id.

use anyhow::{Context, Result};

use super::{
    ControllerBackend, ControllerSpec, EngineBackend, EngineSetSpec, Launched, Layout,
    StartedProcess, env_line,
};
use crate::output::Printer;
use crate::settings::MpiConfig;

pub struct Mpi;

/// The `mpiexec` command line for `n` copies of `program`.
pub fn argv(mpi: &MpiConfig, n: u32, program: &[String]) -> Vec<String> {
    let mut argv = vec![
        mpi.mpiexec.clone().unwrap_or_else(|| "mpiexec".to_string()),
        "-n".to_string(),
        n.to_string(),
    ];
    argv.extend(mpi.args.iter().cloned());
    argv.extend(program.iter().cloned());
    argv
}

/// The environment for `mpiexec`: the cluster's plus `[mpi] env`.
pub fn env(mpi: &MpiConfig, base: &[(String, String)]) -> Vec<(String, String)> {
    let mut env = base.to_vec();
    env.extend(mpi.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

impl ControllerBackend for Mpi {
    fn class(&self) -> &'static str {
        "mpi"
    }

    fn start(&self, spec: &ControllerSpec, launched: &mut Launched, _: &Printer) -> Result<()> {
        let mpi = &spec.target.config.mpi;
        let process = StartedProcess::spawn(
            &argv(mpi, 1, &spec.argv()),
            &env(mpi, &spec.env),
            spec.log.clone(),
        )
        .context("cannot start the controller with mpiexec")?;
        launched.processes.push(process);
        Ok(())
    }

    fn describe(&self, spec: &ControllerSpec) -> Result<String> {
        let mpi = &spec.target.config.mpi;
        Ok(format!(
            "# controller (mpi), output to {}\n{} {}\n",
            spec.log.display(),
            env_line(&env(mpi, &spec.env)),
            crate::shell::join(&argv(mpi, 1, &spec.argv()))
        ))
    }
}

impl EngineBackend for Mpi {
    fn name(&self) -> &'static str {
        "mpi"
    }

    fn class(&self) -> &'static str {
        "mpi"
    }

    fn mpi_ranks(&self) -> bool {
        true
    }

    fn layout(&self, n: u32) -> Layout {
        Layout::ProcessForSet(n)
    }

    /// `mpiexec` for the set; the engines' shared log is `log/ipengine-<id>-<set>-<pid>.log`.
    fn start(
        &self,
        spec: &EngineSetSpec,
        launched: &mut Launched,
        printer: &Printer,
    ) -> Result<()> {
        super::fork::say_not_forked(spec, printer, "MPI engines' ids are MPI ranks");
        let mpi = &spec.target.config.mpi;
        let process = StartedProcess::spawn(
            &argv(mpi, spec.n, &spec.argv()),
            &env(mpi, spec.env),
            spec.target.engines_log(spec.set_id),
        )
        .context("cannot start the engines with mpiexec")?;
        printer.verbose(format!(
            "mpiexec pid {} for {} engines",
            process.pid, spec.n
        ));
        launched.processes.push(process);
        Ok(())
    }

    fn describe(&self, spec: &EngineSetSpec) -> Result<String> {
        let mpi = &spec.target.config.mpi;
        Ok(format!(
            "# {} engines (mpi), output to {}\n{} {}\n",
            spec.n,
            spec.target.engines_log(spec.set_id).display(),
            env_line(&env(mpi, spec.env)),
            crate::shell::join(&argv(mpi, spec.n, &spec.argv()))
        ))
    }
}
