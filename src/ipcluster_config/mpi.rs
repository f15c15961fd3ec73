//! ipyparallel's MPI launchers: `mpi_args`, and `mpi_cmd`, which rcluster splits into
//! `[mpi] mpiexec` and the first of `[mpi] args`.

use super::python::Py;
use super::{Family, Import, Setting, Target, TomlValue};

pub(super) const FAMILY: Family = Family {
    launcher: Some("mpi"),
    names: &["mpi", "mpiexec"],
    target,
    finish,
};

const CLASSES: [&str; 6] = [
    "MPILauncher",
    "MPIControllerLauncher",
    "MPIEngineSetLauncher",
    "MPIExecLauncher",
    "MPIExecControllerLauncher",
    "MPIExecEngineSetLauncher",
];

/// Where `mpi_cmd` waits until every line is read: it is not an `rcluster.toml` key.
const MPI_CMD: &str = "mpi_cmd";

fn target(class: &str, name: &str) -> Option<Target> {
    if !CLASSES.contains(&class) {
        return None;
    }
    match name {
        "mpi_args" => Some(Target::StrList("mpi", "args")),
        "mpi_cmd" => Some(Target::Other("mpi", MPI_CMD, command)),
        _ => None,
    }
}

fn command(value: &Py) -> Result<TomlValue, String> {
    match value.as_string_list() {
        Some(items) if !items.is_empty() => Ok(TomlValue::List(items)),
        _ => Err("`mpi_cmd` must be a non-empty list of strings".into()),
    }
}

/// `mpi_cmd = ['mpirun', '--bind-to', 'none']`: the program, then arguments that come before
/// `mpi_args`. The last `mpi_cmd` line is the one ipcluster uses.
fn finish(import: &mut Import) {
    let mut commands = Vec::new();
    import.settings.retain(|s| {
        let is_command = s.table == "mpi" && s.key == MPI_CMD;
        if is_command {
            commands.push((s.value.clone(), s.line, s.text.clone()));
        }
        !is_command
    });
    let Some((TomlValue::List(cmd), line, text)) = commands.pop() else {
        return;
    };
    let mut items = cmd.into_iter();
    let program = items.next().unwrap_or_default();
    let extra: Vec<String> = items.collect();
    import.settings.push(Setting {
        table: "mpi",
        key: "mpiexec",
        value: TomlValue::Str(program),
        line,
        class: "MPILauncher".into(),
        text: text.clone(),
        name: "mpi_cmd".into(),
        rank: 0,
    });
    if !extra.is_empty() {
        let args_line = import
            .settings
            .iter()
            .position(|s| s.table == "mpi" && s.key == "args");
        match args_line {
            Some(i) => {
                if let TomlValue::List(args) = &mut import.settings[i].value {
                    let mut all = extra;
                    all.append(args);
                    *args = all;
                }
            }
            None => import.settings.push(Setting {
                table: "mpi",
                key: "args",
                value: TomlValue::List(extra),
                line,
                class: "MPILauncher".into(),
                text: text.clone(),
                name: "mpi_cmd".into(),
                rank: 0,
            }),
        }
    }
}
