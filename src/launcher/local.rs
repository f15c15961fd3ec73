//! The `local` launcher: controller and engines as processes on this machine, started exactly as
//! ipyparallel's `LocalControllerLauncher`/`LocalEngineSetLauncher` start them.

use std::path::Path;

use anyhow::Result;

use super::StartedProcess;

/// `log/ipcontroller[-<id>]-<pid>.log`, as ipyparallel names it.
pub fn controller_log_name(cluster_id: &str) -> String {
    let pid = std::process::id();
    if cluster_id.is_empty() {
        format!("ipcontroller-{pid}.log")
    } else {
        format!("ipcontroller-{cluster_id}-{pid}.log")
    }
}

/// `n` engines running `argv` each, logging to `log/ipengine-<id>-<set>-<i>.log`. On failure,
/// the engines already started are returned with the error so the caller can stop them.
pub fn start_engines(
    argv: &[String],
    env: &[(String, String)],
    log_dir: &Path,
    cluster_id: &str,
    set_id: &str,
    n: u32,
) -> (Vec<StartedProcess>, Result<()>) {
    let mut started = Vec::with_capacity(n as usize);
    for i in 0..n {
        let log = log_dir.join(format!("ipengine-{cluster_id}-{set_id}-{i}.log"));
        match StartedProcess::spawn(argv, env, log) {
            Ok(process) => started.push(process),
            Err(err) => return (started, Err(err)),
        }
    }
    (started, Ok(()))
}
