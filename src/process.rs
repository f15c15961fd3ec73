//! Process control: spawning detached daemons, identifying pids safely, signalling and waiting.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// What `/proc` says about a pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcState {
    /// Running or sleeping: alive.
    Alive,
    /// Exited but not yet reaped: as good as gone (Python's psutil counts it alive; we do not).
    Zombie,
    /// No such process.
    Gone,
}

/// The fields of `/proc/<pid>/stat` rcluster needs.
#[derive(Debug, Clone, Copy)]
struct Stat {
    state: char,
    parent: i32,
    /// Start time in clock ticks after boot: with the boot id, tells a pid's reuse apart.
    start_time: u64,
}

fn read_stat(pid: i32) -> Option<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may itself contain spaces and parentheses.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        state: fields.first()?.chars().next()?,
        parent: fields.get(1)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

pub fn state(pid: i32) -> ProcState {
    if pid <= 0 {
        return ProcState::Gone;
    }
    match read_stat(pid) {
        Some(stat) if matches!(stat.state, 'Z' | 'X' | 'x') => ProcState::Zombie,
        Some(_) => ProcState::Alive,
        None => ProcState::Gone,
    }
}

pub fn is_alive(pid: i32) -> bool {
    state(pid) == ProcState::Alive
}

/// The pid's start time in clock ticks after boot, if it exists.
pub fn start_time(pid: i32) -> Option<u64> {
    read_stat(pid).map(|s| s.start_time)
}

/// The pid's parent, if it exists: 1 for an orphan that init adopted.
pub fn parent(pid: i32) -> Option<i32> {
    read_stat(pid).map(|s| s.parent)
}

/// The pid's command line, if it exists and is readable.
pub fn cmdline(pid: i32) -> Option<Vec<String>> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
    )
}

/// Whether a command line is one of ipyparallel's processes (controller, engine, its nanny, or an
/// MPI launcher of engines) or rcluster's engine forker and the engines it forked (`python
/// …/forker-<id>-<set>.py …/forker-<id>-<set>-spec.json`): the only processes rcluster signals
/// on a file's word alone.
pub fn looks_like_ipyparallel(cmdline: &[String]) -> bool {
    let joined = cmdline.join(" ");
    let forker_spec = cmdline.iter().skip(1).any(|arg| {
        Path::new(arg)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("forker-") && n.ends_with("-spec.json"))
    });
    forker_spec
        || joined.contains("ipyparallel")
        || joined.contains("ipcontroller")
        || joined.contains("ipengine")
        || cmdline.first().is_some_and(|arg0| {
            let name = Path::new(arg0)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("");
            matches!(
                name,
                "mpiexec" | "mpirun" | "orterun" | "prterun" | "mpiexec.hydra"
            )
        })
}

/// This boot's id: start times are only comparable within one boot.
pub fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

pub fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// A program to run as a daemon: its own session, stdin from /dev/null, output appended to a log.
pub struct Daemon<'a> {
    pub argv: &'a [String],
    pub env: &'a [(String, String)],
    pub log: &'a Path,
}

impl Daemon<'_> {
    pub fn spawn(&self) -> Result<Child> {
        let (program, args) = self.argv.split_first().context("empty command line")?;
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log)
            .with_context(|| format!("cannot open log file `{}`", self.log.display()))?;
        let log_err = log
            .try_clone()
            .with_context(|| format!("cannot open log file `{}`", self.log.display()))?;
        let mut command = Command::new(program);
        command
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        // SAFETY: setsid is async-signal-safe; a new session keeps the daemon out of the
        // terminal's process group, so Ctrl-C in the user's shell does not reach it.
        unsafe {
            command.pre_exec(|| {
                nix::unistd::setsid().map_err(std::io::Error::from)?;
                Ok(())
            });
        }
        command
            .spawn()
            .with_context(|| format!("cannot run `{program}`"))
    }
}

/// Opens a log file for appending, creating it.
pub fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open `{}`", path.display()))
}

/// Sends `signal`; a pid that is already gone is not an error.
pub fn signal(pid: i32, signal: Signal) -> Result<(), nix::Error> {
    match kill(Pid::from_raw(pid), signal) {
        Err(nix::Error::ESRCH) => Ok(()),
        other => other,
    }
}

/// Outcome of [`terminate`].
#[derive(Debug, Default)]
pub struct Terminated {
    /// Pids that needed SIGKILL after the grace period.
    pub killed: Vec<i32>,
    /// Pids still alive at the end, with why.
    pub survivors: Vec<(i32, String)>,
}

/// SIGTERM to all pids at once, wait up to `grace`, SIGKILL the rest, wait again.
pub fn terminate(pids: &[i32], grace: Duration) -> Terminated {
    let mut result = Terminated::default();
    let mut errors = std::collections::HashMap::new();
    for &pid in pids {
        if let Err(err) = signal(pid, Signal::SIGTERM) {
            errors.insert(pid, err);
        }
    }
    let mut alive = wait_gone(pids, grace);
    if !alive.is_empty() {
        for &pid in &alive {
            if let Err(err) = signal(pid, Signal::SIGKILL) {
                errors.insert(pid, err);
            }
            result.killed.push(pid);
        }
        alive = wait_gone(&alive, Duration::from_secs(5));
    }
    for pid in alive {
        let why = match errors.get(&pid) {
            Some(nix::Error::EPERM) => {
                "not allowed to signal it (owned by another user)".to_string()
            }
            Some(err) => err.to_string(),
            None => "still running after SIGKILL".to_string(),
        };
        result.survivors.push((pid, why));
    }
    result
}

/// Polls until every pid is gone or a zombie; returns those still alive at the deadline.
pub fn wait_gone(pids: &[i32], timeout: Duration) -> Vec<i32> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(5);
    loop {
        let alive: Vec<i32> = pids.iter().copied().filter(|&p| is_alive(p)).collect();
        if alive.is_empty() || Instant::now() >= deadline {
            return alive;
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(50));
    }
}

/// Every descendant of `roots` (children, grandchildren, ...) with its start time: taken before
/// signalling, so that children orphaned by a killed parent can still be found by pid.
pub fn descendants(roots: &[i32]) -> Vec<(i32, u64)> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut parent_of = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(text) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(close) = text.rfind(')') else {
            continue;
        };
        let fields: Vec<&str> = text[close + 2..].split_whitespace().collect();
        if let (Some(ppid), Some(start)) = (
            fields.get(1).and_then(|f| f.parse::<i32>().ok()),
            fields.get(19).and_then(|f| f.parse::<u64>().ok()),
        ) {
            parent_of.push((pid, ppid, start));
        }
    }
    let mut found: Vec<(i32, u64)> = Vec::new();
    let mut frontier: Vec<i32> = roots.to_vec();
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid, start) in &parent_of {
            if ppid == parent && !found.iter().any(|(p, _)| *p == pid) {
                found.push((pid, start));
                frontier.push(pid);
            }
        }
    }
    found
}

/// Live processes whose environment says they belong to cluster `cluster_id` of `profile_dir`
/// (`IPP_PROFILE_DIR` and `IPP_CLUSTER_ID`, which ipyparallel's launchers and rcluster set) and
/// whose command line is ipyparallel's. This finds what no file records: the controller's
/// scheduler children and engine nannies orphaned when their parent was killed. Only this
/// user's processes have a readable environment, so nobody else's is ever found.
pub fn find_by_cluster_env(profile_dir: &Path, cluster_id: &str) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let profile_var = format!("IPP_PROFILE_DIR={}", profile_dir.display());
    let id_var = format!("IPP_CLUSTER_ID={cluster_id}");
    let me = std::process::id() as i32;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me && is_alive(pid))
        .filter(|&pid| {
            let Ok(environ) = fs::read(format!("/proc/{pid}/environ")) else {
                return false;
            };
            let mut profile = false;
            let mut id = false;
            for var in environ.split(|b| *b == 0) {
                profile |= var == profile_var.as_bytes();
                id |= var == id_var.as_bytes();
            }
            profile && id && cmdline(pid).is_some_and(|c| looks_like_ipyparallel(&c))
        })
        .collect()
}

/// Ends every process [`find_by_cluster_env`] finds for the cluster: the leftovers no parent or
/// job accounts for any more (a killed controller's schedulers; on hosts where Slurm tracks
/// processes by parentage, children that outlived their cancelled job step).
pub fn sweep_cluster_env(profile_dir: &Path, cluster_id: &str, grace: Duration) -> Terminated {
    terminate(&find_by_cluster_env(profile_dir, cluster_id), grace)
}

/// The last `lines` lines of a log file, for error messages.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let Ok(text) = fs::read(path) else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&text);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs a command with stdin closed; `Ok(None)` when it did not finish within `timeout` (it is
/// killed then).
pub fn run_with_timeout(
    program: &OsStr,
    args: &[&str],
    timeout: Duration,
) -> std::io::Result<Option<Output>> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes while waiting, so a chatty program cannot block on a full pipe.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(status.map(|status| Output {
        status,
        stdout,
        stderr,
    }))
}

/// Raises this process's soft limit on open files to its hard limit, so that the controller
/// and engines it starts (and, through Slurm's default `--propagate`, its batch jobs) inherit
/// it: the hub holds about 2.5 descriptors per engine, and the common soft limit of 1024 stops
/// a cluster of ~400 engines from registering.
pub fn raise_open_files_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    // An unlimited hard limit is not a valid soft one everywhere; 2^20 is Linux's default cap.
    let wanted = hard.min(1 << 20);
    if soft < wanted {
        // Not raised (a hard limit the kernel refuses): the cluster runs with the limit it had.
        let _ = setrlimit(Resource::RLIMIT_NOFILE, wanted, hard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_with_start_time() {
        let pid = std::process::id() as i32;
        assert_eq!(state(pid), ProcState::Alive);
        assert!(start_time(pid).is_some());
        assert!(cmdline(pid).is_some_and(|c| !c.is_empty()));
    }

    #[test]
    fn missing_pid_is_gone() {
        assert_eq!(state(0), ProcState::Gone);
        assert_eq!(state(i32::MAX), ProcState::Gone);
    }

    #[test]
    fn recognises_ipyparallel_command_lines() {
        let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(looks_like_ipyparallel(&words(
            "/v/bin/python3 -m ipyparallel.engine"
        )));
        assert!(looks_like_ipyparallel(&words(
            "/usr/bin/mpiexec -n 4 python"
        )));
        assert!(!looks_like_ipyparallel(&words("/usr/bin/vim notes.txt")));
        assert!(looks_like_ipyparallel(&words(
            "/env/bin/python3 /p/security/forker-c1-17.py /p/security/forker-c1-17-spec.json"
        )));
        assert!(!looks_like_ipyparallel(&words(
            "/usr/bin/vim /p/security/forker-c1-17-spec.json.notes"
        )));
    }

    #[test]
    fn zombie_counts_as_gone() {
        let child = Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        // Not reaped: the child stays a zombie until `child` is waited for.
        assert!(wait_gone(&[pid], Duration::from_secs(5)).is_empty());
        assert_eq!(state(pid), ProcState::Zombie);
        drop(child);
    }
}
