//! `rcluster engines add`: a further engine set for a running cluster, written into its cluster
//! file next to the existing sets (unlike `ipcluster engines`, which replaces the file).

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;

use super::Launch;
use crate::connection;
use crate::error::Failure;
use crate::ids::display_id;
use crate::interrupt;
use crate::inventory::{self, Health};
use crate::output::Printer;
use crate::plan::{EngineConnection, Plan};
use crate::profile::Profile;
use crate::settings::{ProfileConfig, resolve_python};

pub struct AddEngines<'a> {
    pub profile: &'a Profile,
    pub cluster: &'a inventory::Cluster,
    pub config: ProfileConfig,
    pub n: u32,
    pub vars: Vec<(String, String)>,
    pub no_wait: bool,
    pub timeout: Duration,
}

impl AddEngines<'_> {
    pub fn run(self, printer: &Printer) -> Result<()> {
        let id = self.cluster.cluster_id.clone();
        let shown = display_id(&id).to_string();
        let file = self.cluster.file.as_ref().ok_or_else(|| {
            Failure::error(format!(
                "cluster `{shown}` has no readable cluster file to add engines to"
            ))
        })?;
        let engine_file = connection::connection_file(&self.profile.security_dir(), &id, "engine");
        let engine_info = connection::read_complete(&engine_file).ok_or_else(|| {
            Failure::error(format!(
                "cluster `{shown}` has no controller connection file `{}`",
                engine_file.display()
            ))
            .hint("is its controller running? `rcluster status` shows it")
        })?;
        if self.cluster.health_with_jobs() == Health::Dead {
            return Err(Failure::error(format!("cluster `{shown}` is not running")).into());
        }
        let backend = crate::launcher::engine_backend(self.config.engines.launcher);
        let class = backend.class();
        if let Some(existing) = &file.engine_class
            && !file.engine_sets.is_empty()
            && existing != class
        {
            return Err(Failure::usage(format!(
                "cluster `{shown}` runs `{existing}` engines; ipyparallel's cluster file holds one engine launcher per cluster, so `{class}` engines cannot join it"
            ))
            .hint(format!("add `{existing}` engines, or start another cluster for `{class}` engines"))
            .into());
        }
        let text = std::fs::read_to_string(&file.path)
            .with_context(|| format!("cannot read `{}`", file.path.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .with_context(|| format!("invalid cluster file `{}`", file.path.display()))?;
        let python = resolve_python(&self.config.python)?;
        crate::python_env::require_supported_ipyparallel(&python, printer)?;
        let mut config = self.config;
        config.engines.n = Some(self.n);
        let mut plan = Plan::new(self.profile, id.clone(), config, python, self.vars)?;
        interrupt::install();
        if backend.mpi_ranks() {
            // MPI engines ask for their rank as engine id; the hub grants it only if no
            // registration of a dead engine still holds it.
            wait_for_dead_engines_to_drop(self.profile, self.cluster, printer)?;
        }
        // Read as 0, a half-written file would let the wait end before any new engine came.
        let before = connection::registered_engines_settled(
            &self.profile.log_dir(),
            &id,
            SETTLE_PATIENCE,
        )
        .ok_or_else(|| {
            let path = connection::engine_state_file(&self.profile.log_dir(), &id);
            Failure::error(format!(
                "cannot count the engines of cluster `{shown}`: `{}` is not valid JSON",
                path.display()
            ))
            .hint("its controller rewrites it at each registration; try again, or check that the controller runs")
        })?;
        plan.set_timeout(self.timeout);
        let mut launch = Launch::new(plan);
        let base_state = match &self.cluster.state {
            Some(state) => state.clone(),
            None => launch.state.clone(),
        };
        launch.state = base_state.clone();
        launch.state.requested += self.n;
        launch.target = before + self.n as usize;
        launch.registered.observe(Some(before));
        launch.base = Some((doc, base_state));
        let timeout = self.timeout;
        let result = (|| {
            launch.start_engines(EngineConnection::Env(&engine_info), printer)?;
            if !self.no_wait {
                launch.wait_for_engines(launch.started_at + timeout, timeout, printer)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => {
                printer.status(format!(
                    "added {} engines to cluster `{shown}`{}",
                    self.n,
                    if self.no_wait {
                        String::new()
                    } else {
                        format!(": {} registered in all", launch.registered.get())
                    }
                ));
                Ok(())
            }
            Err(err) => {
                printer.status("adding engines failed; stopping the new engines");
                launch.rollback(printer);
                Err(err)
            }
        }
    }
}

/// How long a half-written engine-state file is read again before it counts as unreadable.
const SETTLE_PATIENCE: Duration = Duration::from_secs(2);

/// Waits until the hub no longer counts engines whose processes or jobs have ended: it drops
/// them after missed heartbeats (ten periods, about 5 s with rcluster's default period).
fn wait_for_dead_engines_to_drop(
    profile: &Profile,
    cluster: &inventory::Cluster,
    printer: &Printer,
) -> Result<()> {
    let count = crate::engine_sets::wait_for_ended_engines_to_drop(
        profile,
        cluster,
        Duration::from_secs(60),
        printer,
    )?;
    if count.ended_but_counted > 0 {
        printer.warn(format!(
            "the controller still counts {} engines that have ended; new engine ids may not match MPI ranks",
            count.ended_but_counted
        ));
    }
    Ok(())
}
