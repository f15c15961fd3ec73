//! The ssh check (for the `ssh` engine launcher): every host of `[ssh] hosts` answers over ssh
//! without a prompt and has the engines' Python. All hosts are asked at once.

use super::check::{Check, Context, Group};
use crate::launcher::ssh;
use crate::settings::EngineLauncher;

pub const GROUP: Group = Group {
    names: &["ssh hosts"],
    run: checks,
};

fn checks(cx: &Context) -> Vec<Check> {
    const NAME: &str = "ssh hosts";
    if cx.config.engines.launcher != EngineLauncher::Ssh {
        return vec![Check::skip(NAME, "not needed: no `ssh` launcher")];
    }
    let config = &cx.config.ssh;
    let hosts = match ssh::host_names(config) {
        Ok(hosts) => hosts,
        Err(err) => {
            return vec![Check::fail(
                NAME,
                format!("{err:#}"),
                "list the hosts in `[ssh] hosts` of rcluster.toml",
            )];
        }
    };
    let python = match (&config.python, cx.python) {
        (Some(python), _) => python.clone(),
        (None, Some(python)) => python.to_string_lossy().into_owned(),
        (None, None) => "python3".into(),
    };
    let command = ssh::ssh_command(config);
    let results: Vec<(String, Result<(), String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = hosts
            .iter()
            .map(|host| {
                let (command, python) = (&command, &python);
                scope.spawn(move || ssh::probe(command, host, python).map_err(|e| format!("{e:#}")))
            })
            .collect();
        hosts
            .iter()
            .cloned()
            .zip(handles.into_iter().map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("the check failed".to_string()))
            }))
            .collect()
    });
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().cloned())
        .collect();
    if failed.is_empty() {
        vec![Check::pass(
            NAME,
            format!("{} answer, with `{python}`", hosts.join(", ")),
        )]
    } else {
        vec![Check::fail(
            NAME,
            failed.join("; "),
            "see docs/ssh.md, troubleshooting: keys and known_hosts, `[ssh] python`",
        )]
    }
}
