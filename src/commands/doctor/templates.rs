//! The templates check: the batch scripts render as `rcluster start` would render them, for each
//! role whose launcher submits one.

use std::path::PathBuf;

use anyhow::Result;

use super::check::{Check, Context, Group};
use crate::ids;
use crate::launcher;
use crate::plan::{EngineConnection, Plan};

pub const GROUP: Group = Group {
    names: &["templates"],
    run: checks,
};

fn checks(cx: &Context) -> Vec<Check> {
    let controller = launcher::controller_backend(cx.config.controller.launcher)
        .scheduler()
        .is_some();
    let engines = launcher::engine_backend(cx.config.engines.launcher)
        .scheduler()
        .is_some();
    vec![if controller || engines {
        check_templates(cx, controller, engines)
    } else {
        Check::skip("templates", "not needed: no batch launcher")
    }]
}

fn check_templates(cx: &Context, controller: bool, engines: bool) -> Check {
    let fix = "`rcluster render --role controller` or `--role engines` shows the error in place; docs/templates.md lists the variables";
    // A Python that does not run still renders: the script only names it.
    let python = cx
        .python
        .map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let rendered = (|| -> Result<Vec<String>> {
        let plan = Plan::new(
            cx.profile,
            "doctor".to_string(),
            cx.config.clone(),
            python,
            Vec::new(),
        )?;
        let env = plan.env();
        let mut done = Vec::new();
        if controller {
            let script = plan.controller_script(&env)?;
            done.push(format!("controller from {}", script.source));
        }
        if engines {
            let (env, args) = plan.engine_env_and_args(EngineConnection::UrlFile);
            let n = cx.config.engines.n.unwrap_or(1);
            let script = plan.engine_script(n, &ids::unix_now().to_string(), &env, &args)?;
            done.push(format!("engines from {}", script.source));
        }
        Ok(done)
    })();
    match rendered {
        Ok(done) => Check::pass("templates", format!("render: {}", done.join("; "))),
        Err(err) => Check::fail("templates", format!("{err:#}"), fix),
    }
}
