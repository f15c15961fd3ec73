//! `rcluster start`: controller, then engines, then (by default) wait until the controller has
//! registered them all. Any failure on the way, or a signal, stops what was started.
//!
//! This command reads the arguments and prints; the plan (`crate::plan`), the launch and its
//! rollback (`crate::launch`) and the launchers (`crate::launcher`) do the work.

mod dry_run;

use std::time::Duration;

use anyhow::Result;

use crate::cli::{GlobalArgs, StartArgs};
use crate::error::{EXIT_ALREADY_RUNNING, Failure};
use crate::ids::{self, display_id};
use crate::interrupt;
use crate::inventory::{self, Health};
use crate::launch::Launch;
use crate::lock::Lock;
use crate::output::Printer;
use crate::plan::Plan;
use crate::profile::{Profile, check_name};
use crate::settings::{ProfileConfig, resolve_python};

pub fn run(global: &GlobalArgs, args: &StartArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    if profile.name.as_deref() == Some("default") && global.profile_dir.is_none() && !args.dry_run {
        // IPython always creates profile_default; so does rcluster.
        profile.ensure_layout()?;
    } else if !args.dry_run {
        profile.require()?;
    }
    let mut config = if profile.exists() {
        profile.load_config()?
    } else {
        ProfileConfig::default()
    };
    apply_overrides(&mut config, args)?;

    let cluster_id = match &args.cluster_id {
        Some(id) if id.is_empty() => String::new(),
        Some(id) => {
            check_name("cluster id", id)?;
            id.clone()
        }
        None => ids::new_cluster_id(),
    };
    let timeout = Duration::try_from_secs_f64(args.timeout).map_err(|_| {
        Failure::usage(format!(
            "invalid --timeout `{}`: give seconds, e.g. 60",
            args.timeout
        ))
    })?;
    let python = resolve_python(&config.python)?;
    let mut plan = Plan::new(&profile, cluster_id, config, python, args.vars.clone())?;
    plan.set_timeout(timeout);
    if args.dry_run {
        return dry_run::print(&plan);
    }
    crate::python_env::require_supported_ipyparallel(&plan.python, &printer)?;
    profile.ensure_layout()?;

    let _lock = Lock::acquire(&profile.security_dir(), &plan.cluster_id)?;
    refuse_if_running(&profile, &plan.cluster_id, &printer)?;

    interrupt::install();
    let mut launch = Launch::new(plan);
    match launch.run(args.no_wait, timeout, &printer) {
        Ok(()) => {
            print_summary(&launch, args.no_wait, &printer);
            Ok(())
        }
        Err(err) => {
            if launch.started_anything() {
                printer.status("start failed; stopping what was started");
            }
            launch.rollback(&printer);
            Err(err)
        }
    }
}

fn apply_overrides(config: &mut ProfileConfig, args: &StartArgs) -> Result<()> {
    if let Some(n) = args.n {
        config.engines.n = Some(n);
    }
    if let Some(controller) = args.controller {
        config.controller.launcher = controller;
    }
    if let Some(engines) = args.engines {
        config.engines.launcher = engines;
    }
    if let Some(start) = args.engine_start {
        config.engines.start = start;
    }
    if let Some(k) = args.engines_per_job {
        config.engines.per_job = Some(k);
    }
    config.slurm.apply(&args.slurm);
    config
        .controller
        .args
        .extend(args.controller_args.iter().cloned());
    if config.engines.n == Some(0) {
        return Err(Failure::usage("the number of engines must be at least 1").into());
    }
    if config.engines.per_job == Some(0) {
        return Err(Failure::usage("`--engines-per-job` must be at least 1").into());
    }
    Ok(())
}

/// Exit 10 if the cluster runs; clean up its files if it is provably dead.
fn refuse_if_running(profile: &Profile, cluster_id: &str, printer: &Printer) -> Result<()> {
    let Some(existing) = inventory::Cluster::load(profile, cluster_id)? else {
        return Ok(());
    };
    let health = existing.health_with_jobs();
    if health == Health::Dead {
        printer.verbose(format!(
            "removing the files of dead cluster `{}`",
            display_id(cluster_id)
        ));
        for file in existing.files(false) {
            crate::fsutil::remove_inside(&profile.dir, &file)?;
        }
        return Ok(());
    }
    Err(Failure::new(
        EXIT_ALREADY_RUNNING,
        format!(
            "cluster `{}` is already {} in profile `{}`",
            display_id(cluster_id),
            health.name(),
            profile.label()
        ),
    )
    .hint(format!(
        "stop it first with `rcluster stop {} --cluster-id {}`, or choose another `--cluster-id`",
        profile.cli_args(),
        crate::shell::quote(cluster_id)
    ))
    .into())
}

fn print_summary(launch: &Launch, no_wait: bool, printer: &Printer) {
    let id = launch.cluster_id();
    let n = launch.plan.n;
    let elapsed = launch.started_at.elapsed().as_secs_f64();
    let engines = if no_wait {
        format!("{n} engines launched")
    } else {
        format!(
            "{}/{n} engines registered",
            launch.registered.get().min(n as usize)
        )
    };
    let jobs = launch.jobs();
    let jobs = if jobs.is_empty() {
        String::new()
    } else {
        format!(" ({} jobs {})", jobs.display_name(), jobs.ids().join(", "))
    };
    printer.status(format!(
        "started cluster `{}` in profile `{}`: {engines} in {elapsed:.1} s{jobs}",
        display_id(id),
        launch.profile().label(),
    ));
    if printer.quiet {
        crate::outln!("{id}");
        return;
    }
    let profile = launch.profile();
    let profile_arg = match &profile.name {
        Some(name) if profile.cli_args().starts_with("--profile ") => {
            format!("profile={name:?}")
        }
        _ => format!("profile_dir={:?}", profile.dir.to_string_lossy()),
    };
    crate::outln!("cluster id: {id}");
    crate::outln!("attach from Python:");
    crate::outln!("    import ipyparallel as ipp");
    crate::outln!("    rc = ipp.Client({profile_arg}, cluster_id={id:?})");
    crate::outln!(
        "stop with: rcluster stop {} --cluster-id {}",
        profile.cli_args(),
        crate::shell::quote(id)
    );
}
