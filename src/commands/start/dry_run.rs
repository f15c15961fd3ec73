//! `rcluster start --dry-run`: every command and script, nothing run.

use anyhow::Result;

use crate::ids::{self, display_id};
use crate::plan::{EngineConnection, Plan};

/// Prints what a start would run, as each launcher describes it. Secrets are shown as
/// placeholders.
pub fn print(plan: &Plan) -> Result<()> {
    crate::outln!(
        "# cluster `{}` in `{}`",
        display_id(&plan.cluster_id),
        plan.profile.dir.display()
    );
    let controller = plan.controller_spec();
    crate::out!("{}", plan.controller_backend().describe(&controller)?);
    let (env, args) = plan.engine_env_and_args(EngineConnection::UrlFile);
    let program = plan.engine_program();
    for (i, &n) in plan.set_sizes.iter().enumerate() {
        let set_id = format!(
            "{}{}",
            ids::unix_now(),
            if i == 0 {
                String::new()
            } else {
                format!("-{i}")
            }
        );
        let spec = plan.engine_set_spec(&set_id, n, &program, &args, &env);
        crate::out!("{}", plan.engine_backend().describe(&spec)?);
    }
    Ok(())
}
