//! `rcluster profile import [PATH]`: carries the common `c.Class.trait = value` lines of an
//! `ipcluster_config.py` over into the profile's `rcluster.toml`.
//!
//! The config file is Python, but the lines people write in it are assignments of literals, so
//! those are read without running Python; anything else is listed as not carried over, with its
//! line number. The merge edits `rcluster.toml` in place (comments and layout kept) and keeps the
//! previous file as `rcluster.toml.bak`.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::{GlobalArgs, ProfileImportArgs};
use crate::error::Failure;
use crate::fsutil;
use crate::output::Printer;
use crate::profile::Profile;
use crate::settings::ProfileConfig;

/// The file ipcluster reads in a profile directory.
pub const IPCLUSTER_CONFIG: &str = "ipcluster_config.py";

pub fn run(global: &GlobalArgs, args: &ProfileImportArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    profile.require()?;
    let source = match &args.path {
        Some(path) => path.clone(),
        None => profile.dir.join(IPCLUSTER_CONFIG),
    };
    let text = match std::fs::read_to_string(&source) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let message = format!("`{}` does not exist", source.display());
            let hint = if args.path.is_none() {
                "name the file: `rcluster profile import PATH/ipcluster_config.py`"
            } else {
                "check the path"
            };
            return Err(Failure::error(message).hint(hint).into());
        }
        Err(err) => {
            return Err(
                anyhow::Error::new(err).context(format!("cannot read `{}`", source.display()))
            );
        }
    };

    let cwd = std::env::current_dir().unwrap_or_default();
    let import = Import::from_config(&text, &profile.dir, &cwd);

    let config_path = profile.config_path();
    if import.settings.is_empty() {
        println!(
            "nothing to carry over from `{}`; `{}` is unchanged",
            source.display(),
            config_path.display()
        );
    } else {
        // Templates given inline (`batch_template`) become files in the profile directory.
        for (name, text) in &import.template_files {
            let path = profile.dir.join(name);
            fsutil::write_atomic(&path, text.as_bytes(), 0o644)?;
        }
        let old = match std::fs::read_to_string(&config_path) {
            Ok(old) => Some(old),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => {
                return Err(anyhow::Error::new(err)
                    .context(format!("cannot read `{}`", config_path.display())));
            }
        };
        let merged = merge(old.as_deref().unwrap_or(""), &import.settings, &config_path)?;
        if let Some(old) = &old {
            let backup = backup_path(&config_path);
            std::fs::write(&backup, old)
                .with_context(|| format!("cannot write `{}`", backup.display()))?;
        }
        fsutil::write_atomic(&config_path, merged.as_bytes(), 0o644)?;
        println!(
            "carried over from `{}` into `{}`:",
            source.display(),
            config_path.display()
        );
        let width = import
            .settings
            .iter()
            .map(|s| s.toml_line().chars().count())
            .max()
            .unwrap_or(0);
        for setting in &import.settings {
            println!(
                "  {:<width$}  # line {}: c.{}.{}",
                setting.toml_line(),
                setting.line,
                setting.class,
                setting.name
            );
        }
        for (name, _) in &import.template_files {
            println!(
                "  wrote the inline template to `{}`",
                profile.dir.join(name).display()
            );
        }
        if old.is_some() {
            println!(
                "the previous settings are kept in `{}`",
                backup_path(&config_path).display()
            );
        }
    }
    for note in &import.notes {
        printer.warn(note);
    }
    if !import.skipped.is_empty() {
        println!("not carried over:");
        for skipped in &import.skipped {
            println!("  line {}: {}", skipped.line, skipped.text);
            println!("    {}", skipped.why);
        }
    }
    Ok(())
}

fn backup_path(config_path: &Path) -> PathBuf {
    let mut name = config_path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    config_path.with_file_name(name)
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
struct Setting {
    table: &'static str,
    key: &'static str,
    value: TomlValue,
    line: usize,
    class: String,
    name: String,
    /// The config line, as shown when it loses to another.
    text: String,
    /// Which of several lines setting the same key wins: the more specific class, then the later
    /// line (as traitlets gives a subclass's setting precedence over its base class's).
    rank: u8,
}

impl Setting {
    fn toml_line(&self) -> String {
        format!("[{}] {} = {}", self.table, self.key, self.value)
    }
}

/// A line that could not be carried over, and why.
#[derive(Debug, Clone)]
struct Skipped {
    line: usize,
    text: String,
    why: String,
}

/// The outcome of reading an `ipcluster_config.py`.
#[derive(Debug, Default)]
struct Import {
    settings: Vec<Setting>,
    skipped: Vec<Skipped>,
    /// Inline templates to write into the profile directory: file name and text.
    template_files: Vec<(String, String)>,
    notes: Vec<String>,
}

/// What an ipcluster trait becomes in rcluster.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    ControllerLauncher,
    EnginesLauncher,
    ControllerTemplateFile,
    EnginesTemplateFile,
    ControllerTemplateText,
    EnginesTemplateText,
    Partition,
    Account,
    Time,
    Qos,
    SlurmOptions,
    MpiArgs,
    MpiCmd,
    ControllerIp,
    ControllerLocation,
    EnginesN,
    EnginesArgs,
    ControllerArgs,
}

const SLURM_CLASSES: [&str; 3] = [
    "SlurmLauncher",
    "SlurmControllerLauncher",
    "SlurmEngineSetLauncher",
];
const MPI_CLASSES: [&str; 6] = [
    "MPILauncher",
    "MPIControllerLauncher",
    "MPIEngineSetLauncher",
    "MPIExecLauncher",
    "MPIExecControllerLauncher",
    "MPIExecEngineSetLauncher",
];

/// The rcluster setting for `c.<class>.<name>`, and the rank of that class (see [`Setting`]).
fn target(class: &str, name: &str) -> Option<(Target, u8)> {
    let slurm = SLURM_CLASSES.contains(&class) || class == "BatchSystemLauncher";
    // Engines are the many jobs: their class's setting wins over the controller's.
    let rank = if class.ends_with("EngineSetLauncher") {
        2
    } else if class.ends_with("ControllerLauncher") {
        1
    } else {
        0
    };
    let t = match (class, name) {
        ("Cluster" | "IPClusterEngines" | "IPClusterStart", "engine_launcher_class") => {
            Target::EnginesLauncher
        }
        ("Cluster" | "IPClusterStart", "controller_launcher_class") => Target::ControllerLauncher,
        ("SlurmControllerLauncher", "batch_template_file") => Target::ControllerTemplateFile,
        ("SlurmEngineSetLauncher", "batch_template_file") => Target::EnginesTemplateFile,
        ("SlurmControllerLauncher", "batch_template") => Target::ControllerTemplateText,
        ("SlurmEngineSetLauncher", "batch_template") => Target::EnginesTemplateText,
        (_, "queue") if slurm => Target::Partition,
        (_, "account") if slurm => Target::Account,
        (_, "timelimit") if slurm => Target::Time,
        (_, "qos") if slurm => Target::Qos,
        (_, "options") if slurm => Target::SlurmOptions,
        (_, "mpi_args") if MPI_CLASSES.contains(&class) => Target::MpiArgs,
        (_, "mpi_cmd") if MPI_CLASSES.contains(&class) => Target::MpiCmd,
        ("Cluster", "controller_ip") | ("IPController" | "IPControllerApp", "ip") => {
            Target::ControllerIp
        }
        ("Cluster", "controller_location") | ("IPController" | "IPControllerApp", "location") => {
            Target::ControllerLocation
        }
        ("Cluster" | "IPClusterEngines" | "IPClusterStart", "n") => Target::EnginesN,
        (_, "engine_args") => Target::EnginesArgs,
        (_, "controller_args") => Target::ControllerArgs,
        _ => return None,
    };
    Some((t, rank))
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
    match base {
        "local" => Some("local"),
        "mpi" | "mpiexec" => Some("mpi"),
        "slurm" => Some("slurm"),
        _ => None,
    }
}

/// Inline template file names, in the profile directory.
const CONTROLLER_TEMPLATE_FILE: &str = "ipcluster.controller.template";
const ENGINES_TEMPLATE_FILE: &str = "ipcluster.engine.template";

impl Import {
    /// Reads the config text; template files named relative are looked up in `profile_dir`,
    /// then in `cwd` (where ipcluster would have opened them).
    fn from_config(text: &str, profile_dir: &Path, cwd: &Path) -> Import {
        let mut import = Import::default();
        let mut mpi_cmd: Option<(Vec<String>, usize, String)> = None;
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
            let Some((target, rank)) = target(class, name) else {
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
            let mut new_settings: Vec<(&'static str, &'static str, TomlValue)> = Vec::new();
            let mut set = |table: &'static str, key: &'static str, value: TomlValue| {
                new_settings.push((table, key, value));
            };
            let converted: Result<(), String> = match target {
                Target::ControllerLauncher | Target::EnginesLauncher => match value.as_str() {
                    Some(v) => match launcher_name(v) {
                        Some(launcher) => {
                            let table = if target == Target::ControllerLauncher {
                                "controller"
                            } else {
                                "engines"
                            };
                            set(table, "launcher", TomlValue::Str(launcher.into()));
                            Ok(())
                        }
                        None => Err(format!(
                            "rcluster has no `{v}` launcher (it has local, mpi and slurm)"
                        )),
                    },
                    None => Err("a launcher must be a string".into()),
                },
                Target::ControllerTemplateFile | Target::EnginesTemplateFile => {
                    match value.as_str() {
                        Some(v) => {
                            let (name, note) = template_path(v, profile_dir, cwd);
                            if let Some(note) = note {
                                import.notes.push(format!("line {line}: {note}"));
                            }
                            let table = if target == Target::ControllerTemplateFile {
                                "controller"
                            } else {
                                "engines"
                            };
                            set(table, "template", TomlValue::Str(name));
                            Ok(())
                        }
                        None => Err("a template file must be a string".into()),
                    }
                }
                Target::ControllerTemplateText | Target::EnginesTemplateText => {
                    match value.as_str() {
                        Some(v) => {
                            let (table, file) = if target == Target::ControllerTemplateText {
                                ("controller", CONTROLLER_TEMPLATE_FILE)
                            } else {
                                ("engines", ENGINES_TEMPLATE_FILE)
                            };
                            let existing = std::fs::read_to_string(profile_dir.join(file)).ok();
                            if existing.as_deref().is_some_and(|e| e != v) {
                                Err(format!(
                                    "`{file}` already exists in the profile with other text; move it away and import again"
                                ))
                            } else {
                                import.template_files.retain(|(f, _)| f != file);
                                import
                                    .template_files
                                    .push((file.to_string(), v.to_string()));
                                set(table, "template", TomlValue::Str(file.into()));
                                Ok(())
                            }
                        }
                        None => Err("a template must be a string".into()),
                    }
                }
                Target::Partition
                | Target::Account
                | Target::Qos
                | Target::ControllerIp
                | Target::ControllerLocation
                | Target::SlurmOptions => match value.as_str() {
                    Some(v) => {
                        let (table, key) = match target {
                            Target::Partition => ("slurm", "partition"),
                            Target::Account => ("slurm", "account"),
                            Target::Qos => ("slurm", "qos"),
                            Target::ControllerIp => ("controller", "ip"),
                            Target::ControllerLocation => ("controller", "location"),
                            // Templates see ipcluster's `{options}`; `[vars]` provides it as is.
                            _ => ("vars", "options"),
                        };
                        set(table, key, TomlValue::Str(v.to_string()));
                        Ok(())
                    }
                    None => Err("this setting must be a string".into()),
                },
                Target::Time => match &value {
                    Py::Str(v) => {
                        set("slurm", "time", TomlValue::Str(v.clone()));
                        Ok(())
                    }
                    // sbatch reads a bare number as minutes.
                    Py::Int(minutes) if *minutes > 0 => {
                        set("slurm", "time", TomlValue::Str(minutes.to_string()));
                        Ok(())
                    }
                    _ => Err("a time limit must be a string such as '01:00:00'".into()),
                },
                Target::EnginesN => match value {
                    Py::Int(n) if (1..=i64::from(u32::MAX)).contains(&n) => {
                        set("engines", "n", TomlValue::Int(n));
                        Ok(())
                    }
                    _ => Err("`[engines] n` must be a whole number of at least 1".into()),
                },
                Target::MpiArgs | Target::EnginesArgs | Target::ControllerArgs => {
                    match value.as_string_list() {
                        Some(items) => {
                            let table = match target {
                                Target::MpiArgs => "mpi",
                                Target::EnginesArgs => "engines",
                                _ => "controller",
                            };
                            set(table, "args", TomlValue::List(items));
                            Ok(())
                        }
                        None => Err("this setting must be a list of strings".into()),
                    }
                }
                Target::MpiCmd => match value.as_string_list() {
                    Some(items) if !items.is_empty() => {
                        mpi_cmd = Some((items, line, shown.clone()));
                        Ok(())
                    }
                    _ => Err("`mpi_cmd` must be a non-empty list of strings".into()),
                },
            };
            if let Err(why) = converted {
                skip(&mut import, why);
            }
            for (table, key, value) in new_settings {
                import.settings.push(Setting {
                    table,
                    key,
                    value,
                    line,
                    class: class.to_string(),
                    name: name.to_string(),
                    text: shown.clone(),
                    rank,
                });
            }
        }
        // `mpi_cmd = ['mpirun', '--bind-to', 'none']`: the program, then arguments that come
        // before `mpi_args`.
        if let Some((cmd, line, text)) = mpi_cmd {
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
        import.resolve_conflicts();
        import.skipped.sort_by_key(|s| s.line);
        import
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
        "mpiexec",
        "partition",
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
    ["python", "controller", "engines", "mpi", "slurm", "vars"]
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

/// Sets each key in `rcluster.toml`'s text, keeping everything else (comments included), and
/// checks that the result is valid settings.
fn merge(old: &str, settings: &[Setting], path: &Path) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = old.parse().map_err(|err: toml_edit::TomlError| {
        Failure::error(format!(
            "`{}` is not valid TOML: {}",
            path.display(),
            err.message()
        ))
        .hint("fix it (or move it away) and import again")
    })?;
    for setting in settings {
        if !doc.contains_key(setting.table) {
            // Comments at the end of the file belong to the last table: keep them above the
            // new one instead of under it.
            let trailing = doc.trailing().as_str().unwrap_or("").to_string();
            doc.set_trailing("");
            let mut table = toml_edit::Table::new();
            let sep = if trailing.is_empty() || trailing.ends_with("\n\n") {
                ""
            } else {
                "\n"
            };
            if !old.trim().is_empty() || !trailing.is_empty() {
                table.decor_mut().set_prefix(format!("{trailing}{sep}"));
            }
            doc.insert(setting.table, toml_edit::Item::Table(table));
        }
        let table = doc
            .entry(setting.table)
            .or_insert_with(toml_edit::table)
            .as_table_like_mut()
            .ok_or_else(|| {
                Failure::error(format!(
                    "`{}`: `{}` is not a table",
                    path.display(),
                    setting.table
                ))
            })?;
        let mut value = setting.value.to_edit();
        if let Some(old) = table.get(setting.key).and_then(|item| item.as_value()) {
            // Keep the comment after the old value.
            *value.decor_mut() = old.decor().clone();
        }
        table.insert(setting.key, toml_edit::Item::Value(value));
    }
    let text = doc.to_string();
    ProfileConfig::parse(&text, path)?;
    Ok(text)
}

fn is_get_config(stmt: &str) -> bool {
    let code = stmt.split('#').next().unwrap_or("").replace(' ', "");
    code == "c=get_config()" || code.starts_with("c:") && code.ends_with("=get_config()")
}

/// `c.Class.trait = value` → (`Class`, `trait`, `value`).
fn split_assignment(stmt: &str) -> Option<(&str, &str, &str)> {
    fn ident(s: &str) -> Option<(&str, &str)> {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        let (id, rest) = s.split_at(end);
        (!id.is_empty() && !id.starts_with(|c: char| c.is_ascii_digit())).then_some((id, rest))
    }
    let rest = stmt.strip_prefix("c.")?;
    let (class, rest) = ident(rest)?;
    let rest = rest.strip_prefix('.')?;
    let (name, rest) = ident(rest)?;
    let rest = rest.trim_start().strip_prefix('=')?;
    if rest.starts_with('=') {
        return None;
    }
    Some((class, name, rest))
}

/// The file's statements, each with its first line number: a statement continues while a
/// bracket or a triple-quoted string is open, or a line ends with a backslash.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        if current.is_empty() {
            start = i + 1;
        } else {
            current.push('\n');
        }
        current.push_str(line);
        if !statement_open(&current) {
            out.push((start, std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// Whether a statement goes on past the end of `text`.
fn statement_open(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut depth = 0i32;
    let mut i = 0;
    let mut last_significant = None;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' | '"' => {
                let triple = i + 2 < chars.len() && chars[i + 1] == c && chars[i + 2] == c;
                i += if triple { 3 } else { 1 };
                loop {
                    if i >= chars.len() {
                        // Unterminated: a triple-quoted string goes on; a plain one is an error
                        // that the value parser reports.
                        return triple;
                    }
                    if chars[i] == '\\' {
                        i += 2;
                        continue;
                    }
                    if !triple && chars[i] == '\n' {
                        break;
                    }
                    if chars[i] == c
                        && (!triple
                            || (i + 2 < chars.len() && chars[i + 1] == c && chars[i + 2] == c))
                    {
                        i += if triple { 3 } else { 1 };
                        break;
                    }
                    i += 1;
                }
                last_significant = Some(c);
                continue;
            }
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            _ => {}
        }
        if c == '\n' {
            last_significant = None;
        } else if !c.is_whitespace() {
            last_significant = Some(c);
        }
        i += 1;
    }
    depth > 0 || last_significant == Some('\\')
}

/// A Python literal, as far as config files use them.
#[derive(Debug, Clone, PartialEq)]
enum Py {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<Py>),
}

impl Py {
    fn as_str(&self) -> Option<&str> {
        match self {
            Py::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_string_list(&self) -> Option<Vec<String>> {
        match self {
            Py::List(items) => items.iter().map(|i| i.as_str().map(String::from)).collect(),
            _ => None,
        }
    }
}

/// Parses the right-hand side of an assignment: one literal, then only a comment.
fn parse_literal(text: &str) -> Result<Py, String> {
    let mut parser = LiteralParser {
        chars: text.chars().collect(),
        pos: 0,
    };
    parser.skip_space(false);
    let value = parser.value()?;
    parser.skip_space(false);
    match parser.peek() {
        None | Some('#') => Ok(value),
        Some(_) => {
            let rest: String = parser.chars[parser.pos..].iter().collect();
            Err(format!("unexpected `{}`", rest.trim()))
        }
    }
}

struct LiteralParser {
    chars: Vec<char>,
    pos: usize,
}

impl LiteralParser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Skips spaces and backslash-continuations; inside brackets also newlines and comments.
    fn skip_space(&mut self, in_brackets: bool) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\r' {
                self.pos += 1;
            } else if c == '\\' && self.chars.get(self.pos + 1) == Some(&'\n') {
                self.pos += 2;
            } else if in_brackets && c == '\n' {
                self.pos += 1;
            } else if in_brackets && c == '#' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Result<Py, String> {
        match self.peek() {
            None => Err("no value".into()),
            Some('[') => self.sequence(']'),
            Some('(') => self.sequence(')'),
            Some(c) if c == '\'' || c == '"' => self.strings(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    self.pos += 1;
                }
                let word: String = self.chars[start..self.pos].iter().collect();
                match (word.as_str(), self.peek()) {
                    ("True", _) => Ok(Py::Bool(true)),
                    ("False", _) => Ok(Py::Bool(false)),
                    ("None", _) => Ok(Py::None),
                    (prefix, Some('\'' | '"')) if prefix.len() <= 2 => {
                        let lower = prefix.to_ascii_lowercase();
                        if lower.contains('b') || lower.contains('f') {
                            Err(format!("`{prefix}` strings are not supported"))
                        } else if lower.chars().all(|c| c == 'r' || c == 'u') {
                            self.pos = start;
                            self.strings()
                        } else {
                            Err(format!("`{word}` is not a literal"))
                        }
                    }
                    _ => Err(format!("`{word}` is not a literal")),
                }
            }
            Some(c) => Err(format!("unexpected `{c}`")),
        }
    }

    fn sequence(&mut self, close: char) -> Result<Py, String> {
        self.pos += 1;
        let mut items = Vec::new();
        let mut saw_comma = false;
        loop {
            self.skip_space(true);
            if self.peek() == Some(close) {
                self.pos += 1;
                break;
            }
            items.push(self.value()?);
            self.skip_space(true);
            match self.peek() {
                Some(',') => {
                    saw_comma = true;
                    self.pos += 1;
                }
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                Some(c) => return Err(format!("unexpected `{c}` in a list")),
                None => return Err(format!("missing `{close}`")),
            }
        }
        // `(x)` is x in parentheses, not a tuple.
        if close == ')' && items.len() == 1 && !saw_comma {
            return Ok(items.remove(0));
        }
        Ok(Py::List(items))
    }

    /// One string literal, or several adjacent ones (`'a' 'b'` is `'ab'`).
    fn strings(&mut self) -> Result<Py, String> {
        let mut text = self.string()?;
        loop {
            let save = self.pos;
            self.skip_space(false);
            let prefix_len = self.chars[self.pos..]
                .iter()
                .take_while(|c| matches!(c, 'r' | 'R' | 'u' | 'U'))
                .count();
            if matches!(self.chars.get(self.pos + prefix_len), Some('\'' | '"')) {
                text.push_str(&self.string()?);
            } else {
                self.pos = save;
                return Ok(Py::Str(text));
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let mut raw = false;
        while let Some(c) = self.peek().filter(|c| matches!(c, 'r' | 'R' | 'u' | 'U')) {
            raw |= c == 'r' || c == 'R';
            self.pos += 1;
        }
        let quote = self.peek().ok_or("missing string")?;
        let triple = self.chars.get(self.pos + 1) == Some(&quote)
            && self.chars.get(self.pos + 2) == Some(&quote);
        self.pos += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("a string is not closed".into());
            };
            if c == quote
                && (!triple
                    || (self.chars.get(self.pos + 1) == Some(&quote)
                        && self.chars.get(self.pos + 2) == Some(&quote)))
            {
                self.pos += if triple { 3 } else { 1 };
                return Ok(out);
            }
            if c == '\n' && !triple {
                return Err("a string is not closed".into());
            }
            self.pos += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(next) = self.peek() else {
                return Err("a string is not closed".into());
            };
            self.pos += 1;
            if raw {
                out.push('\\');
                out.push(next);
                continue;
            }
            match next {
                '\n' => {}
                '\\' | '\'' | '"' => out.push(next),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'v' => out.push('\x0b'),
                'x' | 'u' | 'U' => {
                    let len = match next {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = self.chars.iter().skip(self.pos).take(len).collect();
                    let code = u32::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|_| hex.len() == len)
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("bad escape `\\{next}{hex}`"))?;
                    out.push(code);
                    self.pos += len;
                }
                // As Python: an unknown escape keeps its backslash.
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn number(&mut self) -> Result<Py, String> {
        let start = self.pos;
        if matches!(self.peek(), Some('-' | '+')) {
            self.pos += 1;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
        {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos]
            .iter()
            .filter(|c| **c != '_')
            .collect();
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Py::Int(i));
        }
        text.parse::<f64>()
            .map(Py::Float)
            .map_err(|_| format!("`{text}` is not a number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(text: &str) -> Import {
        let dir = std::env::temp_dir();
        Import::from_config(text, &dir, &dir)
    }

    #[test]
    fn literals() {
        assert_eq!(parse_literal("'a'"), Ok(Py::Str("a".into())));
        assert_eq!(
            parse_literal("\"a\\tb\"  # comment"),
            Ok(Py::Str("a\tb".into()))
        );
        assert_eq!(parse_literal("r'a\\b'"), Ok(Py::Str("a\\b".into())));
        assert_eq!(parse_literal("'a' \"b\""), Ok(Py::Str("ab".into())));
        assert_eq!(parse_literal("12"), Ok(Py::Int(12)));
        assert_eq!(parse_literal("-3"), Ok(Py::Int(-3)));
        assert_eq!(parse_literal("1.5"), Ok(Py::Float(1.5)));
        assert_eq!(parse_literal("True"), Ok(Py::Bool(true)));
        assert_eq!(parse_literal("None"), Ok(Py::None));
        assert_eq!(
            parse_literal("['--a', \"b\",]"),
            Ok(Py::List(vec![Py::Str("--a".into()), Py::Str("b".into())]))
        );
        assert_eq!(
            parse_literal("('x',)"),
            Ok(Py::List(vec![Py::Str("x".into())]))
        );
        assert_eq!(parse_literal("('x')"), Ok(Py::Str("x".into())));
        assert_eq!(
            parse_literal("\"\"\"#!/bin/sh\nsrun {program_and_args}\n\"\"\""),
            Ok(Py::Str("#!/bin/sh\nsrun {program_and_args}\n".into()))
        );
        assert!(parse_literal("os.environ['X']").is_err());
        assert!(parse_literal("'a' + 'b'").is_err());
        assert!(parse_literal("f'{x}'").is_err());
        assert!(parse_literal("'open").is_err());
    }

    #[test]
    fn statements_span_brackets_and_triple_quotes() {
        let text = "c = get_config()\nc.MPILauncher.mpi_args = [\n    '--oversubscribe',  # ok\n    '-x', 'A',\n]\nc.SlurmEngineSetLauncher.batch_template = '''#!/bin/sh\nsrun {program_and_args}\n'''\nc.Cluster.n = 4\n";
        let lines = logical_lines(text);
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
            ("PBS", None),
            ("SSHEngineSetLauncher", None),
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
    fn merge_keeps_comments_and_other_keys() {
        let old = "# top comment\n[engines]\nlauncher = \"local\"  # why\nn = 2\n";
        let settings =
            import("c.Cluster.engine_launcher_class = 'MPI'\nc.SlurmLauncher.account = 'x'\n")
                .settings;
        let merged = merge(old, &settings, Path::new("rcluster.toml")).unwrap();
        assert!(
            merged.starts_with("# top comment\n[engines]\nlauncher = \"mpi\"  # why\nn = 2\n"),
            "{merged}"
        );
        assert!(merged.contains("[slurm]\naccount = \"x\"\n"), "{merged}");
    }
}
