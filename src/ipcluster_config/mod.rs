//! ipcluster's `ipcluster_config.py`, read into `rcluster.toml` settings (for
//! `rcluster profile import`).
//!
//! The config file is Python, but the lines people write in it are assignments of literals, so
//! those are read without running Python ([`python`]); anything else is listed as not carried
//! over, with its line number. What each `c.Class.trait` becomes is up to the launcher family the
//! class belongs to: one module per family, each listed in [`FAMILIES`]. [`merge`] then sets the
//! keys in `rcluster.toml`, keeping its comments and layout.

mod cluster;
mod local;
mod merge;
mod mpi;
mod python;
mod sge;
mod slurm;
mod ssh;

use std::fmt;
use std::path::Path;

pub use merge::merge;
use python::{Py, is_get_config, logical_lines, parse_literal, split_assignment};

/// The file ipcluster reads in a profile directory.
pub const IPCLUSTER_CONFIG: &str = "ipcluster_config.py";

/// An ipcluster launcher family: the names ipyparallel gives its launchers, and what the traits
/// of its classes become in `rcluster.toml`.
struct Family {
    /// rcluster's launcher (`[engines] launcher = "..."`); None for the settings that belong to
    /// no launcher (`Cluster`, the ipcluster and ipcontroller apps).
    launcher: Option<&'static str>,
    /// ipyparallel's names for the launcher, lowercase, without the `Launcher`,
    /// `ControllerLauncher` or `EngineSetLauncher` suffix (`mpi`, `mpiexec`).
    names: &'static [&'static str],
    /// The setting for `c.<class>.<trait>`, when the class is one of this family's.
    target: fn(class: &str, name: &str) -> Option<Target>,
    /// Runs once every line is read, for settings made of several lines (`mpi_cmd`).
    finish: fn(&mut Import),
}

/// The families, asked in this order (the traits every launcher class has come last); the
/// launchers are listed in this order when a name is unknown.
const FAMILIES: [Family; 6] = [
    local::FAMILY,
    mpi::FAMILY,
    slurm::FAMILY,
    sge::FAMILY,
    ssh::FAMILY,
    cluster::FAMILY,
];

/// What a trait becomes in `rcluster.toml`, by the kind of value it takes.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// `[table] launcher`, from an ipyparallel launcher name.
    Launcher(&'static str),
    /// `[table] template`, a template file found as ipcluster would find it.
    TemplateFile(&'static str),
    /// `[table] template`: the template text, written to this file in the profile directory.
    TemplateText(&'static str, &'static str),
    /// `[table] key`, a string.
    Str(&'static str, &'static str),
    /// `[table] key`, a list of strings.
    StrList(&'static str, &'static str),
    /// `[table] key`, checked and converted by the family.
    Other(
        &'static str,
        &'static str,
        fn(&Py) -> Result<TomlValue, String>,
    ),
}

/// rcluster's launcher for an ipyparallel launcher name: an entry-point name (`Slurm`, `mpi`),
/// a class name (`SlurmEngineSetLauncher`) or a full class path.
fn launcher_name(value: &str) -> Option<&'static str> {
    let last = value
        .rsplit('.')
        .next()
        .unwrap_or(value)
        .to_ascii_lowercase();
    let base = ["enginesetlauncher", "controllerlauncher", "launcher"]
        .iter()
        .find_map(|suffix| last.strip_suffix(suffix))
        .unwrap_or(&last);
    FAMILIES
        .iter()
        .find(|family| family.names.contains(&base))
        .and_then(|family| family.launcher)
}

/// "local, mpi, slurm and ssh": the launchers rcluster has.
fn launcher_list() -> String {
    let names: Vec<&str> = FAMILIES.iter().filter_map(|f| f.launcher).collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Which of several lines setting the same key wins: engines are the many jobs, so their class's
/// setting wins over the controller's, which wins over a base class's (see [`Setting`]).
fn rank(class: &str) -> u8 {
    if class.ends_with("EngineSetLauncher") {
        2
    } else if class.ends_with("ControllerLauncher") {
        1
    } else {
        0
    }
}

/// A value for `rcluster.toml`.
#[derive(Debug, Clone, PartialEq)]
enum TomlValue {
    Str(String),
    Int(i64),
    List(Vec<String>),
}

impl TomlValue {
    fn to_edit(&self) -> toml_edit::Value {
        match self {
            TomlValue::Str(s) => toml_edit::Value::from(s.as_str()),
            TomlValue::Int(i) => toml_edit::Value::from(*i),
            TomlValue::List(items) => {
                toml_edit::Value::Array(items.iter().map(String::as_str).collect())
            }
        }
    }
}

impl fmt::Display for TomlValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_edit().to_string().trim())
    }
}

/// One setting carried over: `[table] key = value`, from line `line`.
#[derive(Debug, Clone)]
pub struct Setting {
    table: &'static str,
    key: &'static str,
    value: TomlValue,
    pub line: usize,
    pub class: String,
    pub name: String,
    /// The config line, as shown when it loses to another.
    text: String,
    /// Which of several lines setting the same key wins: the more specific class, then the later
    /// line (as traitlets gives a subclass's setting precedence over its base class's).
    rank: u8,
}

impl Setting {
    pub fn toml_line(&self) -> String {
        format!("[{}] {} = {}", self.table, self.key, self.value)
    }
}

/// A line that could not be carried over, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub line: usize,
    pub text: String,
    pub why: String,
}

/// The outcome of reading an `ipcluster_config.py`.
#[derive(Debug, Default)]
pub struct Import {
    pub settings: Vec<Setting>,
    pub skipped: Vec<Skipped>,
    /// Inline templates to write into the profile directory: file name and text.
    pub template_files: Vec<(String, String)>,
    pub notes: Vec<String>,
}

impl Import {
    /// Reads the config text; template files named relative are looked up in `profile_dir`,
    /// then in `cwd` (where ipcluster would have opened them).
    pub fn from_config(text: &str, profile_dir: &Path, cwd: &Path) -> Import {
        let mut import = Import::default();
        for (line, statement) in logical_lines(text) {
            let first = statement.lines().next().unwrap_or("").trim();
            let shown = if first.chars().count() > 100 {
                format!("{}…", first.chars().take(100).collect::<String>())
            } else if statement.contains('\n') {
                format!("{first} …")
            } else {
                first.to_string()
            };
            let skip = |import: &mut Import, why: String| {
                import.skipped.push(Skipped {
                    line,
                    text: shown.clone(),
                    why,
                });
            };
            let stmt = statement.trim();
            if stmt.is_empty() || stmt.starts_with('#') || is_get_config(stmt) {
                continue;
            }
            let Some((class, name, value_text)) = split_assignment(stmt) else {
                skip(&mut import, "not a `c.Class.trait = value` line".into());
                continue;
            };
            let Some(target) = FAMILIES.iter().find_map(|f| (f.target)(class, name)) else {
                skip(
                    &mut import,
                    format!("rcluster has no setting for `{class}.{name}`"),
                );
                continue;
            };
            let value = match parse_literal(value_text) {
                Ok(value) => value,
                Err(why) => {
                    skip(
                        &mut import,
                        format!("the value is not a literal rcluster can read: {why}"),
                    );
                    continue;
                }
            };
            match import.convert(target, &value, line, profile_dir, cwd) {
                Ok((table, key, value)) => import.settings.push(Setting {
                    table,
                    key,
                    value,
                    line,
                    class: class.to_string(),
                    name: name.to_string(),
                    text: shown.clone(),
                    rank: rank(class),
                }),
                Err(why) => skip(&mut import, why),
            }
        }
        for family in &FAMILIES {
            (family.finish)(&mut import);
        }
        import.resolve_conflicts();
        import.skipped.sort_by_key(|s| s.line);
        import
    }

    /// The `[table] key = value` a config value becomes, or why it cannot.
    fn convert(
        &mut self,
        target: Target,
        value: &Py,
        line: usize,
        profile_dir: &Path,
        cwd: &Path,
    ) -> Result<(&'static str, &'static str, TomlValue), String> {
        match target {
            Target::Launcher(table) => {
                let v = value.as_str().ok_or("a launcher must be a string")?;
                let launcher = launcher_name(v).ok_or_else(|| {
                    format!(
                        "rcluster has no `{v}` launcher (it has {})",
                        launcher_list()
                    )
                })?;
                // Some launchers start engines only (ssh).
                let known = format!("launcher = {launcher:?}");
                if table == "controller"
                    && toml::from_str::<crate::settings::ControllerConfig>(&known).is_err()
                {
                    return Err(format!(
                        "rcluster cannot start the controller with `{v}` (its `{launcher}` launcher starts engines only); the controller stays local"
                    ));
                }
                Ok((table, "launcher", TomlValue::Str(launcher.into())))
            }
            Target::TemplateFile(table) => {
                let v = value.as_str().ok_or("a template file must be a string")?;
                let (name, note) = template_path(v, profile_dir, cwd);
                if let Some(note) = note {
                    self.notes.push(format!("line {line}: {note}"));
                }
                Ok((table, "template", TomlValue::Str(name)))
            }
            Target::TemplateText(table, file) => {
                let v = value.as_str().ok_or("a template must be a string")?;
                let existing = std::fs::read_to_string(profile_dir.join(file)).ok();
                if existing.as_deref().is_some_and(|e| e != v) {
                    return Err(format!(
                        "`{file}` already exists in the profile with other text; move it away and import again"
                    ));
                }
                self.template_files.retain(|(f, _)| f != file);
                self.template_files.push((file.to_string(), v.to_string()));
                Ok((table, "template", TomlValue::Str(file.into())))
            }
            Target::Str(table, key) => {
                let v = value.as_str().ok_or("this setting must be a string")?;
                Ok((table, key, TomlValue::Str(v.to_string())))
            }
            Target::StrList(table, key) => {
                let items = value
                    .as_string_list()
                    .ok_or("this setting must be a list of strings")?;
                Ok((table, key, TomlValue::List(items)))
            }
            Target::Other(table, key, convert) => Ok((table, key, convert(value)?)),
        }
    }

    /// Keeps one setting per key: the highest rank, then the last line; the others are listed
    /// as not carried over.
    fn resolve_conflicts(&mut self) {
        let mut kept: Vec<Setting> = Vec::new();
        for setting in std::mem::take(&mut self.settings) {
            match kept
                .iter()
                .position(|k| k.table == setting.table && k.key == setting.key)
            {
                None => kept.push(setting),
                Some(i) => {
                    let (winner, loser) = if setting.rank >= kept[i].rank {
                        (setting, kept[i].clone())
                    } else {
                        (kept[i].clone(), setting)
                    };
                    if winner.value != loser.value {
                        self.skipped.push(Skipped {
                            line: loser.line,
                            text: loser.text.clone(),
                            why: format!(
                                "line {} also sets `[{}] {}`, which rcluster has once for the controller and the engines; line {} wins",
                                winner.line, winner.table, winner.key, winner.line
                            ),
                        });
                    }
                    kept[i] = winner;
                }
            }
        }
        kept.sort_by_key(|s| (table_order(s.table), key_order(s.key), s.line));
        self.settings = kept;
    }
}

/// Keys in the order `rcluster.toml` documents them.
fn key_order(key: &str) -> usize {
    [
        "launcher",
        "hosts",
        "command",
        "mpiexec",
        "partition",
        "queue",
        "account",
        "qos",
        "time",
        "ip",
        "location",
        "n",
        "args",
        "template",
        "options",
    ]
    .iter()
    .position(|k| *k == key)
    .unwrap_or(usize::MAX)
}

fn table_order(table: &str) -> usize {
    [
        "python",
        "controller",
        "engines",
        "mpi",
        "slurm",
        "sge",
        "ssh",
        "vars",
    ]
    .iter()
    .position(|t| *t == table)
    .unwrap_or(usize::MAX)
}

/// Where a template file named in the config is: kept as written when rcluster finds it (the
/// profile directory first), made absolute when only the current directory has it.
fn template_path(name: &str, profile_dir: &Path, cwd: &Path) -> (String, Option<String>) {
    let path = Path::new(name);
    if path.is_absolute() || name.starts_with('~') {
        let note = (path.is_absolute() && !path.is_file())
            .then(|| format!("template `{name}` does not exist (yet)"));
        return (name.to_string(), note);
    }
    if profile_dir.join(path).is_file() {
        return (name.to_string(), None);
    }
    let in_cwd = cwd.join(path);
    if in_cwd.is_file() {
        let absolute = in_cwd.to_string_lossy().into_owned();
        return (
            absolute.clone(),
            Some(format!(
                "template `{name}` is not in the profile directory; recorded as `{absolute}`"
            )),
        );
    }
    (
        name.to_string(),
        Some(format!(
            "template `{name}` is neither in `{}` nor in `{}`; put it in the profile directory before `rcluster start`",
            profile_dir.display(),
            cwd.display()
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(text: &str) -> Import {
        let dir = std::env::temp_dir();
        Import::from_config(text, &dir, &dir)
    }

    #[test]
    fn statements_span_brackets_and_triple_quotes() {
        let text = "c = get_config()\nc.MPILauncher.mpi_args = [\n    '--oversubscribe',  # ok\n    '-x', 'A',\n]\nc.SlurmEngineSetLauncher.batch_template = '''#!/bin/sh\nsrun {program_and_args}\n'''\nc.Cluster.n = 4\n";
        let lines = python::logical_lines(text);
        let starts: Vec<usize> = lines.iter().map(|(n, _)| *n).collect();
        assert_eq!(starts, [1, 2, 6, 9]);
        let import = import(text);
        let toml: Vec<String> = import.settings.iter().map(Setting::toml_line).collect();
        assert_eq!(
            toml,
            [
                "[engines] n = 4",
                "[engines] template = \"ipcluster.engine.template\"",
                "[mpi] args = [\"--oversubscribe\", \"-x\", \"A\"]",
            ]
        );
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
    }

    #[test]
    fn launcher_names_in_every_form() {
        for (value, expected) in [
            ("Slurm", Some("slurm")),
            ("slurm", Some("slurm")),
            ("MPI", Some("mpi")),
            ("mpiexec", Some("mpi")),
            (
                "ipyparallel.cluster.launcher.SlurmEngineSetLauncher",
                Some("slurm"),
            ),
            ("SlurmControllerLauncher", Some("slurm")),
            (
                "ipyparallel.apps.launcher.LocalEngineSetLauncher",
                Some("local"),
            ),
            ("sge", Some("sge")),
            (
                "ipyparallel.cluster.launcher.SGEEngineSetLauncher",
                Some("sge"),
            ),
            ("PBS", None),
            ("SSHEngineSetLauncher", Some("ssh")),
            ("SSHProxyEngineSetLauncher", None),
        ] {
            assert_eq!(launcher_name(value), expected, "{value}");
        }
    }

    #[test]
    fn engine_class_wins_over_base_and_controller() {
        let import = import(
            "c.SlurmEngineSetLauncher.timelimit = '4:00:00'\nc.SlurmControllerLauncher.timelimit = '1:00:00'\nc.SlurmLauncher.queue = 'main'\n",
        );
        let toml: Vec<String> = import.settings.iter().map(Setting::toml_line).collect();
        assert_eq!(
            toml,
            ["[slurm] partition = \"main\"", "[slurm] time = \"4:00:00\""]
        );
        assert_eq!(import.skipped.len(), 1);
        assert_eq!(import.skipped[0].line, 2);
    }

    #[test]
    fn ssh_engine_hosts_and_command_carry_over() {
        let imported = import(
            "c.Cluster.engine_launcher_class = 'ssh'\nc.SSHEngineSetLauncher.engines = {'node1': 2, 'node2': {'n': 4}}\nc.SSHLauncher.ssh_args = ['-F', 'cfg']\nc.SSHLauncher.ssh_cmd = ['/usr/bin/ssh']\nc.SSHEngineSetLauncher.remote_python = '/opt/py/bin/python3'\n",
        );
        let toml: Vec<String> = imported.settings.iter().map(Setting::toml_line).collect();
        assert_eq!(
            toml,
            [
                "[engines] launcher = \"ssh\"",
                "[ssh] hosts = [\"node1:2\", \"node2:4\"]",
                "[ssh] command = \"/usr/bin/ssh\"",
                "[ssh] args = [\"-F\", \"cfg\"]",
                "[ssh] python = \"/opt/py/bin/python3\"",
            ]
        );
        let refused = import(
            "c.SSHLauncher.ssh_cmd = ['ssh', '-q']\nc.Cluster.controller_launcher_class = 'ssh'\nc.SSHEngineSetLauncher.engines = {'node1:2222': 2}\n",
        );
        assert!(refused.settings.is_empty(), "{:?}", refused.settings);
    }

    #[test]
    fn mpi_cmd_splits_program_and_arguments() {
        let import = import(
            "c.MPILauncher.mpi_args = ['--oversubscribe']\nc.MPILauncher.mpi_cmd = ['mpirun', '--bind-to', 'none']\n",
        );
        let toml: Vec<String> = import.settings.iter().map(Setting::toml_line).collect();
        assert_eq!(
            toml,
            [
                "[mpi] mpiexec = \"mpirun\"",
                "[mpi] args = [\"--bind-to\", \"none\", \"--oversubscribe\"]"
            ]
        );
    }

    #[test]
    fn traits_find_their_family_and_unknown_launchers_list_the_known_ones() {
        let import = import(
            "c.SlurmLauncher.engine_args = ['--debug']\nc.MPILauncher.mpi_cmd = ['srun']\nc.MPILauncher.mpi_cmd = ['mpirun', '-v']\nc.Cluster.engine_launcher_class = 'PBS'\n",
        );
        let toml: Vec<String> = import.settings.iter().map(Setting::toml_line).collect();
        assert_eq!(
            toml,
            [
                "[engines] args = [\"--debug\"]",
                "[mpi] mpiexec = \"mpirun\"",
                "[mpi] args = [\"-v\"]"
            ]
        );
        let why: Vec<&str> = import.skipped.iter().map(|s| s.why.as_str()).collect();
        assert_eq!(
            why,
            ["rcluster has no `PBS` launcher (it has local, mpi, slurm, sge and ssh)"]
        );
    }
}
