//! Batch scripts: which template a role uses, the variables it sees (as ipcluster provides
//! them), and the rendered script.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::Failure;
use crate::settings::{SgeConfig, SlurmConfig};
use crate::shell;
use crate::template::{self, Context, Value, slurm::SlurmOptions};

/// MPI engines inside one allocation: one MPI program over all tasks, so engine ids are ranks.
pub const DEFAULT_MPI_ENGINE: &str = include_str!("../templates/slurm-mpi-engine.sbatch");
pub const DEFAULT_FORK_ENGINE: &str = include_str!("../templates/slurm-fork-engine.sbatch");

pub use crate::role::Role;

/// Where a template came from, for `--dry-run` and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    /// A built-in template (ipcluster's default, with rcluster's additions).
    Builtin(&'static str),
    File(PathBuf),
}

impl std::fmt::Display for TemplateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateSource::Builtin(name) => write!(f, "built-in template `{name}`"),
            TemplateSource::File(path) => write!(f, "`{}`", path.display()),
        }
    }
}

/// Finds a template file named in settings or on the command line: an absolute path as is, else
/// the profile directory first, then the current directory.
pub fn resolve_template_file(name: &str, profile_dir: &Path) -> Result<PathBuf> {
    let path = Path::new(name);
    let path = match path.strip_prefix("~") {
        Ok(rest) => {
            directories::BaseDirs::new().map_or(path.to_path_buf(), |d| d.home_dir().join(rest))
        }
        Err(_) => path.to_path_buf(),
    };
    if path.is_absolute() {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Failure::error(format!("template file `{}` does not exist", path.display())).into())
        };
    }
    let in_profile = profile_dir.join(&path);
    if in_profile.is_file() {
        return Ok(in_profile);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let in_cwd = cwd.join(&path);
    if in_cwd.is_file() {
        return Ok(in_cwd);
    }
    Err(Failure::error(format!(
        "template file `{name}` not found: looked in `{}` and `{}`",
        profile_dir.display(),
        cwd.display()
    ))
    .hint("put the template in the profile directory, or give an absolute path")
    .into())
}

/// Everything a batch script of one role needs.
pub struct ScriptRequest<'a> {
    pub role: Role,
    pub n: u32,
    pub profile_dir: &'a Path,
    pub cluster_id: &'a str,
    pub output_file: &'a Path,
    pub program: &'a [String],
    pub program_args: &'a [String],
    /// The environment ipyparallel would give the job (`environment_json`).
    pub env: &'a [(String, String)],
    /// The settings of the scheduler the script is for.
    pub settings: BatchSettings<'a>,
    /// The template file named in settings or on the command line, if any.
    pub template: Option<&'a str>,
    /// Which built-in template to use when none is named.
    pub builtin: Builtin,
    pub vars: &'a BTreeMap<String, toml::Value>,
    pub cli_vars: &'a [(String, String)],
    /// `{fork_program}`: the command that forks this node's engines (fork start), if any.
    pub fork_program: Option<&'a str>,
}

/// The scheduler settings a script is rendered with: they give `{queue}`, `{options}`,
/// `{prologue}` and the directive lines added to built-in templates.
#[derive(Debug, Clone, Copy)]
pub enum BatchSettings<'a> {
    Slurm(&'a SlurmConfig),
    Sge(&'a SgeConfig),
}

impl<'a> BatchSettings<'a> {
    /// What starts a directive line (`#SBATCH`, `#$`).
    fn prefix(self) -> &'static str {
        match self {
            BatchSettings::Slurm(_) => "#SBATCH",
            BatchSettings::Sge(_) => "#$",
        }
    }

    fn queue(self) -> Option<&'a str> {
        match self {
            BatchSettings::Slurm(slurm) => slurm.partition.as_deref(),
            BatchSettings::Sge(sge) => sge.queue.as_deref(),
        }
    }

    fn directives(self) -> &'a [String] {
        match self {
            BatchSettings::Slurm(slurm) => &slurm.directives,
            BatchSettings::Sge(sge) => &sge.directives,
        }
    }

    fn prologue(self) -> &'a [String] {
        match self {
            BatchSettings::Slurm(slurm) => &slurm.prologue,
            BatchSettings::Sge(sge) => &sge.prologue,
        }
    }

    /// A `directives` entry without the prefix a user may have written.
    fn directive_option(self, directive: &str) -> &str {
        let directive = directive.trim();
        directive
            .strip_prefix(self.prefix())
            .map(str::trim)
            .unwrap_or(directive)
    }
}

/// rcluster's built-in templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    SlurmController,
    SlurmEngines,
    /// MPI engines inside one allocation (`srun --mpi=pmix ... --mpi`).
    SlurmMpiEngines,
    /// One engine forker per node (`srun --ntasks-per-node=1 {fork_program}`).
    SlurmForkEngines,
    SgeController,
    SgeEngines,
}

/// A rendered script and what it came from.
pub struct Script {
    pub text: String,
    pub source: TemplateSource,
    /// The template after the automatic `#SBATCH` lines, before rendering: what ipyparallel
    /// stores as `batch_template` in the cluster file.
    pub template: String,
}

/// Escapes literal text (directives, prologue lines) so the template renderer leaves it as is.
fn literal(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// Adds rcluster's extras to a built-in template: the `directives` as directive lines after
/// the others, the `prologue` lines just before the program line (the last line).
fn add_directives_and_prologue(template: &str, settings: BatchSettings) -> String {
    let prefix = settings.prefix();
    let mut lines: Vec<String> = template.lines().map(str::to_string).collect();
    let last_directive = lines
        .iter()
        .rposition(|l| l.starts_with(prefix))
        .unwrap_or(0);
    for (i, directive) in settings.directives().iter().enumerate() {
        let directive = settings.directive_option(directive);
        lines.insert(
            last_directive + 1 + i,
            format!("{prefix} {}", literal(directive)),
        );
    }
    let program_line = lines.len().saturating_sub(1);
    for (i, line) in settings.prologue().iter().enumerate() {
        lines.insert(program_line + i, literal(line));
    }
    let mut out = lines.join("\n");
    if template.ends_with('\n') {
        out.push('\n');
    }
    out
}

impl ScriptRequest<'_> {
    /// The variables the template sees, as ipcluster defines them (interop §4.4), then
    /// `[vars]`, then `--var`, each overriding the one before.
    pub fn context(&self) -> Result<Context> {
        let mut ctx = Context::new();
        let settings = self.settings;
        ctx.insert("n".into(), Value::Int(i64::from(self.n)));
        ctx.insert(
            "queue".into(),
            Value::from(settings.queue().unwrap_or_default()),
        );
        ctx.insert(
            "profile_dir".into(),
            Value::from(self.profile_dir.to_string_lossy().into_owned()),
        );
        ctx.insert("cluster_id".into(), Value::from(self.cluster_id));
        ctx.insert(
            "output_file".into(),
            Value::from(self.output_file.to_string_lossy().into_owned()),
        );
        ctx.insert("program".into(), Value::from(shell::join(self.program)));
        ctx.insert(
            "program_args".into(),
            Value::from(shell::join(self.program_args)),
        );
        let all: Vec<&String> = self.program.iter().chain(self.program_args).collect();
        ctx.insert("program_and_args".into(), Value::from(shell::join(&all)));
        ctx.insert(
            "environment_json".into(),
            Value::from(python_json_dumps(self.env)),
        );
        if let BatchSettings::Slurm(slurm) = settings {
            if let Some(account) = &slurm.account {
                ctx.insert("account".into(), Value::from(account.clone()));
            }
            if let Some(qos) = &slurm.qos {
                ctx.insert("qos".into(), Value::from(qos.clone()));
            }
            if let Some(time) = &slurm.time {
                ctx.insert("timelimit".into(), Value::from(time.clone()));
            }
        }
        if !settings.directives().is_empty() {
            let lines: Vec<String> = settings
                .directives()
                .iter()
                .map(|d| format!("{} {}", settings.prefix(), settings.directive_option(d)))
                .collect();
            ctx.insert("options".into(), Value::from(lines.join("\n")));
        }
        if let Some(program) = self.fork_program {
            ctx.insert("fork_program".into(), Value::from(program.to_string()));
        }
        ctx.insert(
            "prologue".into(),
            Value::from(settings.prologue().join("\n")),
        );
        for (key, value) in self.vars {
            let value = Value::from_toml(value).ok_or_else(|| {
                Failure::error(format!(
                    "`[vars] {key}` must be a string, number, boolean or array of them"
                ))
            })?;
            ctx.insert(key.clone(), value);
        }
        for (key, value) in self.cli_vars {
            ctx.insert(key.clone(), Value::from(value.clone()));
        }
        Ok(ctx)
    }

    /// The template text and where it came from.
    pub fn template(&self) -> Result<(String, TemplateSource)> {
        if let Some(name) = self.template {
            let path = resolve_template_file(name, self.profile_dir)?;
            let text = std::fs::read_to_string(&path).map_err(|err| {
                Failure::error(format!("cannot read template `{}`: {err}", path.display()))
            })?;
            // As ipcluster: a user's template is used exactly as written.
            return Ok((text, TemplateSource::File(path)));
        }
        let (with_options, name) = match (self.builtin, self.settings) {
            (Builtin::SgeController, settings) => (
                template::sge::insert_default_options(
                    template::sge::DEFAULT_CONTROLLER,
                    settings.queue(),
                ),
                "sge-controller.sh",
            ),
            (Builtin::SgeEngines, settings) => (
                template::sge::insert_default_options(
                    template::sge::DEFAULT_ENGINE,
                    settings.queue(),
                ),
                "sge-engine.sh",
            ),
            (builtin, settings) => {
                let (base, name) = match builtin {
                    Builtin::SlurmEngines => {
                        (template::slurm::DEFAULT_ENGINE, "slurm-engine.sbatch")
                    }
                    Builtin::SlurmMpiEngines => (DEFAULT_MPI_ENGINE, "slurm-mpi-engine.sbatch"),
                    Builtin::SlurmForkEngines => (DEFAULT_FORK_ENGINE, "slurm-fork-engine.sbatch"),
                    _ => (
                        template::slurm::DEFAULT_CONTROLLER,
                        "slurm-controller.sbatch",
                    ),
                };
                let slurm = match settings {
                    BatchSettings::Slurm(slurm) => Some(slurm),
                    BatchSettings::Sge(_) => None,
                };
                let options = SlurmOptions {
                    queue: settings.queue(),
                    account: slurm.and_then(|s| s.account.as_deref()),
                    qos: slurm.and_then(|s| s.qos.as_deref()),
                    timelimit: slurm.and_then(|s| s.time.as_deref()),
                    output_file: true,
                };
                (
                    template::slurm::insert_default_options(base, &options),
                    name,
                )
            }
        };
        Ok((
            add_directives_and_prologue(&with_options, self.settings),
            TemplateSource::Builtin(name),
        ))
    }

    pub fn render(&self) -> Result<Script> {
        let (template_text, source) = self.template()?;
        let context = self.context()?;
        let text = template::render(&template_text, &context).map_err(|err| {
            Failure::error(format!("cannot render {source}: {err}"))
                .hint("`rcluster render` shows a template's result; docs/templates.md lists the variables and expressions")
        })?;
        Ok(Script {
            text,
            source,
            template: template_text,
        })
    }
}

/// `json.dumps` of a flat string dict, byte for byte as Python writes it (`", "`/`": "`
/// separators, non-ASCII escaped).
pub fn python_json_dumps(pairs: &[(String, String)]) -> String {
    let quote = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let items: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}: {}", quote(k), quote(v)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// Parses `KEY=VALUE` of `--var`.
pub fn parse_var(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not KEY=VALUE"))?;
    let valid = !key.is_empty()
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`{key}` is not a variable name (letters, digits and `_`)"
        ));
    }
    Ok((key.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_dumps_like_python() {
        let pairs = vec![
            ("A".to_string(), "x".to_string()),
            ("B".to_string(), "é\"".to_string()),
        ];
        assert_eq!(python_json_dumps(&pairs), r#"{"A": "x", "B": "\u00e9\""}"#);
        assert_eq!(python_json_dumps(&[]), "{}");
    }

    #[test]
    fn directives_and_prologue_go_in_place() {
        let slurm = SlurmConfig {
            directives: vec!["--mem=4G".into(), "#SBATCH --gres=gpu:1".into()],
            prologue: vec!["module load python".into(), "echo ${HOME}".into()],
            ..SlurmConfig::default()
        };
        let out = add_directives_and_prologue(
            "#!/bin/sh\n#SBATCH --ntasks=1\nsrun {program_and_args}\n",
            BatchSettings::Slurm(&slurm),
        );
        assert_eq!(
            out,
            "#!/bin/sh\n#SBATCH --ntasks=1\n#SBATCH --mem=4G\n#SBATCH --gres=gpu:1\nmodule load python\necho ${{HOME}}\nsrun {program_and_args}\n"
        );
    }

    #[test]
    fn var_parsing() {
        assert_eq!(parse_var("a=1").unwrap(), ("a".into(), "1".into()));
        assert_eq!(
            parse_var("program_args=").unwrap(),
            ("program_args".into(), "".into())
        );
        assert!(parse_var("noequals").is_err());
        assert!(parse_var("1x=2").is_err());
    }
}
