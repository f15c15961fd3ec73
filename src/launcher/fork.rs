//! Fork start: one Python (`forker.py`, kept inside the binary) imports ipyparallel's engine once
//! and forks every engine of a set from it. This module builds its spec, starts it, and reads
//! back the engines it forked so each is recorded like an exec-started engine.

use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{EngineSetSpec, Launched, StartedProcess, env_line};
use crate::error::Failure;
use crate::output::Printer;

/// The forker's source, run as `python -c SOURCE SPEC`.
pub const SOURCE: &str = include_str!("forker.py");

// One argument of a command line is at most MAX_ARG_STRLEN (32 pages, 128 KiB on Linux).
const _: () = assert!(
    SOURCE.len() < 128 * 1024,
    "forker.py must fit in one argument"
);

const POLL: Duration = Duration::from_millis(100);

/// What one forker is asked to do.
pub struct ForkerSpec<'a> {
    pub set: &'a EngineSetSpec<'a>,
    /// Where the forker writes its pids file (`{host}` allowed).
    pub pids_file: String,
    /// Each engine's log (`{slot}` and `{host}` allowed).
    pub log: String,
}

impl ForkerSpec<'_> {
    /// The JSON the forker reads.
    pub fn to_json(&self) -> Value {
        let env: serde_json::Map<String, Value> = self
            .set
            .env
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "engine_args": self.set.args,
            "env": env,
            "n": self.set.n,
            "first_slot": 0,
            "log": self.log,
            "pids_file": self.pids_file,
            "mode": "auto",
            "python": self.set.target.python.to_string_lossy(),
        })
    }
}

/// `python FORKER SPEC`, from a copy of the source next to the spec: `ps` then shows a short
/// line naming the cluster and the set, not 27 kB of source. The forker runs with the engines'
/// environment in its own, so that /proc/PID/environ of every forked engine shows the
/// cluster's variables (leftover sweeps).
pub fn argv(python: &Path, source_file: &Path, spec_file: &Path) -> Vec<String> {
    vec![
        python.to_string_lossy().into_owned(),
        source_file.to_string_lossy().into_owned(),
        spec_file.to_string_lossy().into_owned(),
    ]
}

/// The file a set's forker runs from, beside its spec in `security/` (private like it).
fn source_file_of(spec_file: &Path, spec: &EngineSetSpec) -> PathBuf {
    spec_file.with_file_name(format!(
        "forker-{}-{}.py",
        spec.target.cluster_id, spec.set_id
    ))
}

/// What the forker writes to its pids file.
#[derive(Debug, Deserialize)]
pub struct PidsFile {
    pub mode: String,
    #[serde(default)]
    pub fallback: Option<String>,
    #[serde(default)]
    pub engines: Vec<ForkedEngine>,
}

#[derive(Debug, Deserialize)]
pub struct ForkedEngine {
    pub pid: Option<i32>,
    pub start_time: Option<u64>,
    pub log: PathBuf,
}

impl PidsFile {
    /// The file as last written, or `None` while it does not exist yet.
    pub fn read(path: &Path) -> Result<Option<PidsFile>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                return Err(anyhow::Error::new(err).context(format!(
                    "cannot read the forker's pids file `{}`",
                    path.display()
                )));
            }
        };
        // Written atomically (rename), so a partial file is a forker bug, not a race.
        serde_json::from_str(&text)
            .map(Some)
            .with_context(|| format!("invalid forker pids file `{}`", path.display()))
    }

    /// Its engines that have a pid, as processes of the set.
    pub fn started(&self) -> Vec<StartedProcess> {
        self.engines
            .iter()
            .filter_map(|e| {
                Some(StartedProcess {
                    pid: e.pid?,
                    start_time: e.start_time.unwrap_or(0),
                    output_file: e.log.clone(),
                    child: None,
                })
            })
            .collect()
    }
}

/// Starts a forker for a local engine set and records it (as a helper of the set) and then
/// each engine it forked, once its pids file lists all of them.
pub fn start_local(spec: &EngineSetSpec, launched: &mut Launched, printer: &Printer) -> Result<()> {
    let files = ForkFiles::of(spec);
    let forker = files.spec(spec);
    let (pids_file, spec_file, forker_log) = (files.pids_file, files.spec_file, files.forker_log);
    let source_file = source_file_of(&spec_file, spec);
    crate::fsutil::write_atomic(&source_file, SOURCE.as_bytes(), 0o600)?;
    launched.files.push(source_file.clone());
    crate::fsutil::write_atomic(&spec_file, forker.to_json().to_string().as_bytes(), 0o600)?;
    launched.files.push(spec_file.clone());
    launched.files.push(pids_file.clone());
    launched.files.push(forker_log.clone());
    let argv = argv(spec.target.python, &source_file, &spec_file);
    let process =
        StartedProcess::spawn(&argv, spec.env, forker_log.clone()).with_context(|| {
            format!(
                "cannot start the engine forker with `{}`",
                spec.target.python.display()
            )
        })?;
    printer.verbose(format!("engine forker pid {}", process.pid));
    launched.helpers.push(process);
    let Some(listed) = wait_listed(&pids_file, spec, launched, &forker_log, printer)? else {
        return Ok(());
    };
    if let Some(why) = &listed.fallback {
        printer.warn(format!(
            "engines of set {} were started with exec, not fork: {why}",
            spec.set_id
        ));
    }
    launched.processes.extend(listed.started());
    printer.verbose(format!(
        "{} engines {} by the forker",
        launched.processes.len(),
        if listed.mode == "fork" {
            "forked"
        } else {
            "started"
        }
    ));
    Ok(())
}

/// Waits until the pids file lists `n` started engines, while the forker runs, for at most
/// start's own timeout: past it, the engines listed so far are recorded and start's wait for
/// the controller and the engines says what is missing (a silent controller, say, is the
/// better explanation than a forker that waits with it).
fn wait_listed(
    pids_file: &Path,
    spec: &EngineSetSpec,
    launched: &mut Launched,
    forker_log: &Path,
    printer: &Printer,
) -> Result<Option<PidsFile>> {
    let n = spec.n as usize;
    let deadline = Instant::now() + spec.start_wait;
    loop {
        if let Some(signal) = crate::interrupt::received() {
            return Err(
                Failure::new(128 + signal as i32, format!("interrupted by {signal}")).into(),
            );
        }
        if let Some(listed) = PidsFile::read(pids_file)?
            && listed.started().len() >= n
        {
            return Ok(Some(listed));
        }
        let forker_running = launched.helpers.iter_mut().all(StartedProcess::running);
        if !forker_running || Instant::now() >= deadline {
            // Engines it did list are recorded, so the rollback finds them too.
            if let Some(listed) = PidsFile::read(pids_file)? {
                launched.processes.extend(listed.started());
            }
            if forker_running {
                printer.verbose(format!(
                    "the engine forker listed {} of {n} engines within {} s",
                    launched.processes.len(),
                    spec.start_wait.as_secs_f64()
                ));
                return Ok(None);
            }
            let tail = crate::process::log_tail(forker_log, 20);
            return Err(Failure::error(format!(
                "the engine forker exited before listing its engines; last lines of `{}`:\n{tail}",
                forker_log.display()
            ))
            .hint("`--engine-start exec` starts each engine as its own Python instead")
            .into());
        }
        sleep(POLL);
    }
}

/// The files of a local forker, named after the cluster and the set as ipyparallel names the
/// engines' logs.
pub struct ForkFiles {
    pids_file: PathBuf,
    /// The spec, private (it names the connection file).
    spec_file: PathBuf,
    forker_log: PathBuf,
    /// Each engine's log, `{slot}` standing for its index as with exec.
    engine_log: PathBuf,
}

impl ForkFiles {
    /// The files of the forker of a local set.
    fn of(spec: &EngineSetSpec) -> ForkFiles {
        Self::named(spec, "")
    }

    /// `host` goes into the pids file's name: `{host}` when one forker runs on each node.
    fn named(spec: &EngineSetSpec, host: &str) -> ForkFiles {
        let profile = spec.target.profile;
        let name = format!("{}-{}", spec.target.cluster_id, spec.set_id);
        ForkFiles {
            pids_file: profile
                .dir
                .join("pid")
                .join(format!("forker-{name}{host}.json")),
            spec_file: profile
                .security_dir()
                .join(format!("forker-{name}-spec.json")),
            forker_log: profile.log_dir().join(format!("forker-{name}.log")),
            engine_log: profile
                .log_dir()
                .join(format!("ipengine-{name}-{{slot}}.log")),
        }
    }

    fn spec<'a>(&self, set: &'a EngineSetSpec<'a>) -> ForkerSpec<'a> {
        ForkerSpec {
            set,
            pids_file: self.pids_file.to_string_lossy().into_owned(),
            log: self.engine_log.to_string_lossy().into_owned(),
        }
    }
}

/// A Slurm engine job in fork mode: one forker per node (`srun --ntasks-per-node=1`), each
/// taking its node's part of the allocation from Slurm's per-node task counts.
pub struct SlurmFork {
    /// The program line's command: `python FORKER SPEC`.
    pub program: String,
    /// The forker's source, written next to the spec (srun gives stdin to one task only).
    pub source_file: PathBuf,
    pub spec_file: PathBuf,
    pub spec: Value,
    /// Every engine's log and every node's possible pids file: the slots are 0..n over all
    /// nodes, and a node's pids file is named after its first slot.
    pub outputs: Vec<PathBuf>,
}

/// The variable the built-in fork template copies `SLURM_TASKS_PER_NODE` of the allocation
/// into (srun replaces it with the step's own in the tasks).
pub const TASKS_PER_NODE_ENV: &str = "RCLUSTER_TASKS_PER_NODE";

impl SlurmFork {
    pub fn of(spec: &EngineSetSpec) -> SlurmFork {
        let files = ForkFiles::named(spec, "-{first_slot}");
        let mut json = files.spec(spec).to_json();
        json["node_env"] = "SLURM_NODEID".into();
        json["tasks_per_node_env"] = TASKS_PER_NODE_ENV.into();
        let source_file = source_file_of(&files.spec_file, spec);
        let program = crate::shell::join(&[
            spec.target.python.to_string_lossy().into_owned(),
            source_file.to_string_lossy().into_owned(),
            files.spec_file.to_string_lossy().into_owned(),
        ]);
        let numbered = |pattern: &Path, key: &str| -> Vec<PathBuf> {
            let pattern = pattern.to_string_lossy();
            (0..spec.n)
                .map(|slot| PathBuf::from(pattern.replace(key, &slot.to_string())))
                .collect()
        };
        let mut outputs = numbered(&files.engine_log, "{slot}");
        outputs.extend(numbered(&files.pids_file, "{first_slot}"));
        SlurmFork {
            program,
            source_file,
            spec_file: files.spec_file,
            spec: json,
            outputs,
        }
    }

    /// Writes the source and the spec (private: the spec names the connection file), and
    /// records them, the engines' logs and the pids files as the set's files.
    pub fn write(&self, launched: &mut Launched) -> Result<()> {
        crate::fsutil::write_atomic(&self.source_file, SOURCE.as_bytes(), 0o600)?;
        launched.files.push(self.source_file.clone());
        crate::fsutil::write_atomic(&self.spec_file, self.spec.to_string().as_bytes(), 0o600)?;
        launched.files.push(self.spec_file.clone());
        launched.files.extend(self.outputs.iter().cloned());
        Ok(())
    }
}

/// Says once per run that engines asked to fork start with exec, and why.
pub fn say_not_forked(spec: &EngineSetSpec, printer: &Printer, why: &str) {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if spec.target.config.engines.start == crate::settings::EngineStart::Fork
        && !SAID.swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        printer.warn(format!(
            "`[engines] start = \"fork\"` does not apply here: {why}; the engines start with exec"
        ));
    }
}

/// `--dry-run`: the forker's command and its spec.
pub fn describe_local(spec: &EngineSetSpec) -> String {
    let files = ForkFiles::of(spec);
    let source_file = source_file_of(&files.spec_file, spec);
    format!(
        "# {} engines (local, forked from one Python running rcluster's forker, {} bytes of source)\n\
         # its source and spec, written to {} and {} (mode 0600):\n# {}\n{} {}\n",
        spec.n,
        SOURCE.len(),
        source_file.display(),
        files.spec_file.display(),
        files.spec(spec).to_json(),
        env_line(spec.env),
        crate::shell::join(&argv(spec.target.python, &source_file, &files.spec_file)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pids_file_gives_the_engines_that_have_a_pid() {
        let text = r#"{"forker": {"pid": 9, "start_time": 1}, "mode": "exec",
            "fallback": "this process has 2 threads",
            "engines": [{"slot": 0, "pid": 10, "start_time": 5, "log": "/l/0.log", "exit": null},
                        {"slot": 1, "pid": null, "start_time": null, "log": "/l/1.log", "exit": null}]}"#;
        let file: PidsFile = serde_json::from_str(text).unwrap();
        let started = file.started();
        assert_eq!(started.len(), 1);
        assert_eq!(started[0].pid, 10);
        assert_eq!(started[0].start_time, 5);
        assert_eq!(started[0].output_file, PathBuf::from("/l/0.log"));
        assert_eq!(file.fallback.as_deref(), Some("this process has 2 threads"));
    }
}
