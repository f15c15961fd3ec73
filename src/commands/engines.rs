//! `rcluster engines add`.

use std::time::Duration;

use anyhow::Result;

use crate::cli::{EnginesAddArgs, GlobalArgs};
use crate::commands::stop::select_one;
use crate::error::Failure;
use crate::launch::AddEngines;
use crate::launcher;
use crate::lock::Lock;
use crate::output::Printer;
use crate::profile::Profile;

pub fn add(global: &GlobalArgs, args: &EnginesAddArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    profile.require()?;
    let cluster = select_one(&profile, args.cluster_id.clone())?;
    let _lock = Lock::acquire(&profile.security_dir(), &cluster.cluster_id)?;
    let mut config = profile.load_config()?;
    // Default launcher: the one the cluster's engines already use.
    let existing = cluster.file.as_ref().and_then(|f| f.engine_class.clone());
    config.engines.launcher = match (args.engines, existing.as_deref()) {
        (Some(launcher), _) => launcher,
        (None, Some(class)) => launcher::engine_setting_for_class(class, config.engines.launcher)
            .unwrap_or(config.engines.launcher),
        (None, None) => config.engines.launcher,
    };
    if let Some(k) = args.engines_per_job {
        config.engines.per_job = Some(k);
    }
    config.slurm.apply(&args.slurm);
    let n = match args.n.or(config.engines.n) {
        Some(0) => return Err(Failure::usage("the number of engines must be at least 1").into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
    };
    let timeout = Duration::try_from_secs_f64(args.timeout).map_err(|_| {
        Failure::usage(format!(
            "invalid --timeout `{}`: give seconds, e.g. 60",
            args.timeout
        ))
    })?;
    AddEngines {
        profile: &profile,
        cluster: &cluster,
        config,
        n,
        vars: args.vars.clone(),
        no_wait: args.no_wait,
        timeout,
    }
    .run(&printer)
}
