//! `rcluster render`: print a batch script exactly as `rcluster start` would submit it.

use anyhow::Result;

use crate::batch::Role;
use crate::cli::{GlobalArgs, RenderArgs};
use crate::error::Failure;
use crate::ids;
use crate::launcher;
use crate::output::Printer;
use crate::plan::{EngineConnection, Plan};
use crate::profile::Profile;
use crate::settings::{ProfileConfig, resolve_python};

pub fn run(global: &GlobalArgs, args: &RenderArgs, _printer: Printer) -> Result<()> {
    // No profile needed: without one, the defaults and the flags make the context.
    let profile = Profile::from_args(global)?;
    let mut config = if profile.exists() {
        profile.load_config()?
    } else {
        ProfileConfig::default()
    };
    if let Some(n) = args.n {
        if n == 0 {
            return Err(Failure::usage("the number of engines must be at least 1").into());
        }
        config.engines.n = Some(n);
    }
    config.slurm.apply(&args.slurm);
    if let Some(start) = args.engine_start {
        config.engines.start = start;
    }
    if let Some(template) = &args.template {
        // A template named on the command line is looked up in the current directory first.
        let in_cwd = std::env::current_dir().unwrap_or_default().join(template);
        let name = if in_cwd.is_file() {
            in_cwd.to_string_lossy().into_owned()
        } else {
            template.clone()
        };
        match args.role {
            Role::Controller => config.controller.template = Some(name),
            Role::Engines => config.engines.template = Some(name),
        }
    }
    // A batch script: for a launcher that submits none, the default batch launcher's, with the
    // addresses a batch cluster gets.
    match args.role {
        Role::Controller => {
            config.controller.launcher =
                launcher::batch_controller_setting(config.controller.launcher)
        }
        Role::Engines => {
            config.engines.launcher = launcher::batch_engine_setting(config.engines.launcher)
        }
    }
    // The script shows the Python that would run; without one, `python3` stands in.
    let python = resolve_python(&config.python).unwrap_or_else(|_| "python3".into());
    let n = config.engines.n.unwrap_or(1);
    let cluster_id = args.cluster_id.clone().unwrap_or_default();
    let plan = Plan::new(&profile, cluster_id, config, python, args.vars.clone())?;
    let script = match args.role {
        Role::Controller => plan.controller_script(&plan.env())?,
        Role::Engines => {
            let (env, engine_args) = plan.engine_env_and_args(EngineConnection::UrlFile);
            plan.engine_script(n, &ids::unix_now().to_string(), &env, &engine_args)?
        }
    };
    crate::out!("{}", script.text);
    Ok(())
}
