//! ipyparallel's SSH launchers: `SSHEngineSetLauncher.engines` (a dict of hosts and engine
//! counts) becomes `[ssh] hosts`, `ssh_cmd`/`ssh_args` the ssh command, `remote_python` the
//! hosts' Python. `remote_profile_dir`, `scp_cmd` and per-host trait overrides have no
//! rcluster key and are listed as not carried over.

use super::python::Py;
use super::{Family, Target, TomlValue};

pub(super) const FAMILY: Family = Family {
    launcher: Some("ssh"),
    names: &["ssh"],
    target,
    finish: |_| {},
};

const CLASSES: [&str; 3] = ["SSHLauncher", "SSHEngineLauncher", "SSHEngineSetLauncher"];

fn target(class: &str, name: &str) -> Option<Target> {
    if !CLASSES.contains(&class) {
        return None;
    }
    Some(match name {
        "engines" => Target::Other("ssh", "hosts", hosts),
        "ssh_cmd" => Target::Other("ssh", "command", command),
        "ssh_args" => Target::StrList("ssh", "args"),
        "remote_python" => Target::Str("ssh", "python"),
        _ => return None,
    })
}

/// `{'host1': 2, 'host2': {'n': 4}}` → `["host1:2", "host2:4"]`.
fn hosts(value: &Py) -> Result<TomlValue, String> {
    let Py::Dict(items) = value else {
        return Err("`engines` must be a dict of host names and engine counts".into());
    };
    items
        .iter()
        .map(|(host, n)| {
            let host = host
                .as_str()
                .ok_or("`engines` keys must be host names (strings)")?;
            if let Some((name, port)) = host.rsplit_once(':') {
                // rcluster's `host:n` is an engine count, never a port.
                return Err(format!(
                    "`{host}` names a port: give it in ~/.ssh/config (`Host {name}` with `Port {port}`) and list `{name}`"
                ));
            }
            let n = match n {
                Py::Int(n) => *n,
                Py::Dict(overrides) => overrides
                    .iter()
                    .find(|(k, _)| k.as_str() == Some("n"))
                    .map_or(Ok(1), |(_, v)| match v {
                        Py::Int(n) => Ok(*n),
                        _ => Err(format!("`engines['{host}']['n']` must be a number")),
                    })?,
                _ => return Err(format!("`engines['{host}']` must be an engine count")),
            };
            if n < 1 {
                return Err(format!("`engines['{host}']` must be at least 1"));
            }
            Ok(format!("{host}:{n}"))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(TomlValue::List)
}

/// `['ssh']`: rcluster's `[ssh] command` is one program; its arguments go in `ssh_args`.
fn command(value: &Py) -> Result<TomlValue, String> {
    match value.as_string_list().as_deref() {
        Some([program]) => Ok(TomlValue::Str(program.clone())),
        _ => Err(
            "`ssh_cmd` with arguments: put the program in `[ssh] command` and the arguments in `[ssh] args`"
                .into(),
        ),
    }
}
