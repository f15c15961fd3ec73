//! The `mpi` launcher: `mpiexec -n N [args] python -m ipyparallel.engine --mpi`, as ipyparallel's
//! `MPIEngineSetLauncher` runs it, so each engine asks for its MPI rank as engine id.

use std::path::Path;

use anyhow::Result;

use super::StartedProcess;
use crate::settings::MpiConfig;

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

/// Starts `mpiexec` for `n` engines; the engines' shared log is `log/ipengine-<id>-<set>-<pid>.log`.
pub fn start(
    mpi: &MpiConfig,
    n: u32,
    program: &[String],
    env: &[(String, String)],
    output_file: &Path,
) -> Result<StartedProcess> {
    StartedProcess::spawn(&argv(mpi, n, program), env, output_file.to_path_buf())
}
