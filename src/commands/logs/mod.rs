//! `rcluster logs`: print a cluster's log files (the launchers' output files recorded in the
//! cluster file, and the engines' logs on other hosts as `==> host:path <==`), each under a
//! `==> path <==` header as `tail` prints them; `-f` follows them: the files here by reading
//! what was appended every 200 ms, those on other hosts over one connection per host
//! (`remote`), until the cluster has ended or a signal arrives.

mod remote;

use std::cmp::Ordering;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::cli::{GlobalArgs, LogsArgs};
use crate::commands::stop::select_one;
use crate::ids::display_id;
use crate::inventory::{Cluster, ProcessCheck};
use crate::launcher::{self, JobRef, JobStates, Jobs};
use crate::output::Printer;
use crate::profile::Profile;
use crate::role::Role;
use remote::RemoteLogs;

/// How often `-f` looks for appended data.
const POLL: Duration = Duration::from_millis(200);
/// How often `-f` checks whether the cluster's processes are still alive.
const PROCESS_CHECK: Duration = Duration::from_secs(1);
/// How often `-f` asks the scheduler about the cluster's jobs (one query each time).
const JOB_CHECK: Duration = Duration::from_secs(3);

pub fn run(global: &GlobalArgs, args: &LogsArgs, printer: Printer) -> Result<()> {
    match print_logs(global, args, &printer) {
        // `rcluster logs | head` closes the pipe early: that is the reader's choice, not an error.
        Err(err)
            if err
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

fn print_logs(global: &GlobalArgs, args: &LogsArgs, printer: &Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    profile.require()?;
    let mut cluster = select_one(&profile, args.cluster_id.clone())?;
    if let Some(why) = &cluster.file_error {
        printer.warn(why);
    }
    let id = cluster.cluster_id.clone();
    let role = args.role.map(|r| r.name());
    let remote_role = role.is_none_or(|r| r == Role::Engines.name());
    let mut logs = LogSet::default();
    logs.add_from(&cluster, role);
    let remote_logs = remote_role
        && cluster
            .remote_hosts()
            .iter()
            .any(|h| !h.processes.is_empty());
    if logs.files.is_empty() && !remote_logs {
        printer.status(format!(
            "cluster `{}` records no {}log files",
            display_id(&id),
            role.map(|r| format!("{r} ")).unwrap_or_default()
        ));
    }
    let mut out = Out::new();
    let missing_jobs = logs.missing_jobs();
    let job_states = missing_jobs.query().unwrap_or_default();
    for file in &mut logs.files {
        file.print_new(&mut out, printer, Some(&job_states))?;
    }
    if remote_role && !args.follow {
        print_remote(&cluster, &mut out, printer)?;
    }
    out.flush()?;
    if !args.follow {
        return Ok(());
    }

    // A signal only sets a flag, so that the hosts' followers are closed before this ends.
    crate::interrupt::install();
    let mut hosts = RemoteLogs::default();
    if remote_role {
        hosts.add_from(&cluster, printer);
    }
    let mut last_process_check = Instant::now();
    let mut last_job_check: Option<Instant> = None;
    loop {
        std::thread::sleep(POLL);
        if let Some(signal) = crate::interrupt::received() {
            hosts.close();
            let _ = out.flush();
            crate::interrupt::die_of(signal);
        }
        for file in &mut logs.files {
            file.print_new(&mut out, printer, None)?;
        }
        hosts.print_new(&mut out, printer)?;
        out.flush()?;
        if last_process_check.elapsed() < PROCESS_CHECK {
            continue;
        }
        last_process_check = Instant::now();
        // Engine sets added meanwhile (`rcluster engines add`) bring new log files. Once `stop`
        // has removed the cluster file, the last one read still lists what to check.
        if let Ok(Some(reloaded)) = Cluster::load(&profile, &id) {
            let before = logs.files.len();
            logs.add_from(&reloaded, role);
            for file in &mut logs.files[before..] {
                file.print_new(&mut out, printer, None)?;
            }
            out.flush()?;
            if remote_role {
                hosts.add_from(&reloaded, printer);
            }
            cluster = reloaded;
        } else {
            // The last record read stays, but what it says of other hosts must be asked anew.
            cluster.forget_checks();
        }
        if processes_running(&cluster) {
            continue;
        }
        let jobs = cluster.job_set();
        if !jobs.is_empty() {
            if last_job_check.is_some_and(|t| t.elapsed() < JOB_CHECK) {
                continue;
            }
            last_job_check = Some(Instant::now());
            // If the scheduler cannot be asked, nothing is known to have ended: keep following.
            let Ok(states) = jobs.query() else {
                continue;
            };
            if states.values().any(|info| info.is_active()) {
                continue;
            }
        }
        for file in &mut logs.files {
            file.print_new(&mut out, printer, None)?;
        }
        hosts.drain(&mut out, printer)?;
        hosts.close();
        hosts.print_new(&mut out, printer)?;
        out.flush()?;
        printer.status(format!(
            "cluster `{}` has ended: no process or job of it is left",
            display_id(&id)
        ));
        return Ok(());
    }
}

/// Whether any recorded process may still write: running here, or on a host we cannot check.
fn processes_running(cluster: &Cluster) -> bool {
    cluster
        .processes()
        .iter()
        .any(|p| matches!(p.check, ProcessCheck::Running | ProcessCheck::Elsewhere))
        || cluster
            .remote_checks()
            .iter()
            .any(|c| c.as_ref().map_or(true, |up| up.contains(&true)))
}

/// The logs of engines on other hosts, fetched once over the way they were started (`-f`
/// follows them with [`RemoteLogs`] instead).
fn print_remote(cluster: &Cluster, out: &mut Out, printer: &Printer) -> Result<()> {
    for host in cluster.remote_hosts() {
        for process in &host.processes {
            match launcher::read_on(host, &process.log) {
                Ok(text) => {
                    out.header(&PathBuf::from(format!("{}:{}", host.host, process.log)))?;
                    out.write(text.as_bytes())?;
                }
                Err(err) => printer.warn(format!(
                    "cannot read `{}` on host `{}`: {err:#}",
                    process.log, host.host
                )),
            }
        }
    }
    Ok(())
}

/// The log files being printed, in the order of the cluster file: controller, then engine sets.
#[derive(Default)]
struct LogSet {
    files: Vec<LogFile>,
}

impl LogSet {
    /// Adds the log files of `cluster` not yet in the set (only those of `role`, if given).
    fn add_from(&mut self, cluster: &Cluster, role: Option<&str>) {
        for piece in cluster.pieces() {
            if role.is_some_and(|r| r != piece.role.name()) {
                continue;
            }
            let mut paths = piece.output_files.clone();
            paths.sort_by(|a, b| natural_cmp(a, b));
            for path in paths {
                let path = PathBuf::from(path);
                if self.files.iter().any(|f| f.path == path) {
                    continue;
                }
                self.files.push(LogFile {
                    path,
                    job: piece.job.clone(),
                    offset: 0,
                    state: FileState::Unseen,
                });
            }
        }
    }

    /// The jobs of the files that do not exist (yet).
    fn missing_jobs(&self) -> Jobs {
        let mut jobs: Vec<JobRef> = Vec::new();
        for job in self
            .files
            .iter()
            .filter(|f| !f.path.exists())
            .filter_map(|f| f.job.as_ref())
        {
            if !jobs.iter().any(|known| known.id == job.id) {
                jobs.push(job.clone());
            }
        }
        Jobs(jobs)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileState {
    /// Not looked at yet.
    Unseen,
    /// Missing, and said so.
    Missing,
    /// Read up to `offset`.
    Open,
    /// Existed, then was removed (e.g. by `rcluster stop`), and said so.
    Removed,
}

struct LogFile {
    path: PathBuf,
    /// The batch job that writes the file, if any.
    job: Option<JobRef>,
    /// Bytes printed so far.
    offset: u64,
    state: FileState,
}

impl LogFile {
    /// Prints what was appended since the last call, under a header when the output switches to
    /// this file. `jobs` (first pass only) explains a missing file by its job's state.
    fn print_new(
        &mut self,
        out: &mut Out,
        printer: &Printer,
        jobs: Option<&JobStates>,
    ) -> Result<()> {
        let shown = self.path.display();
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                match self.state {
                    FileState::Unseen => {
                        let why = match (&self.job, jobs) {
                            (Some(job), Some(states)) => {
                                let name = job.scheduler.display_name();
                                let id = &job.id;
                                match states.get(id) {
                                    Some(info) => {
                                        format!(": {name} job {id} is {}", info.describe())
                                    }
                                    None => format!(": written by {name} job {id}"),
                                }
                            }
                            _ => String::new(),
                        };
                        printer.status(format!("`{shown}` does not exist (yet){why}"));
                        self.state = FileState::Missing;
                    }
                    FileState::Open => {
                        printer.status(format!("`{shown}` was removed"));
                        self.state = FileState::Removed;
                    }
                    FileState::Missing | FileState::Removed => {}
                }
                return Ok(());
            }
            Err(err) => {
                if self.state == FileState::Unseen {
                    printer.warn(format!("cannot read `{shown}`: {err}"));
                    self.state = FileState::Missing;
                }
                return Ok(());
            }
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len < self.offset {
            printer.status(format!(
                "`{shown}` was truncated; printing it from the start"
            ));
            self.offset = 0;
        }
        let first = self.state != FileState::Open;
        self.state = FileState::Open;
        if len == self.offset && !first {
            return Ok(());
        }
        out.header(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            out.write(&buffer[..n])?;
            self.offset += n as u64;
        }
        Ok(())
    }
}

/// Stdout, remembering which file's content it showed last, as `tail` does for its headers.
struct Out {
    stdout: io::StdoutLock<'static>,
    current: Option<PathBuf>,
    /// Whether the last byte written ended a line (or nothing was written).
    at_line_start: bool,
}

impl Out {
    fn new() -> Out {
        Out {
            stdout: io::stdout().lock(),
            current: None,
            at_line_start: true,
        }
    }

    /// `==> path <==`, preceded by a blank line unless it is the first, when the file changes.
    fn header(&mut self, path: &PathBuf) -> io::Result<()> {
        if self.current.as_ref() == Some(path) {
            return Ok(());
        }
        if !self.at_line_start {
            self.stdout.write_all(b"\n")?;
        }
        if self.current.is_some() {
            self.stdout.write_all(b"\n")?;
        }
        writeln!(self.stdout, "==> {} <==", path.display())?;
        self.current = Some(path.clone());
        self.at_line_start = true;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(last) = bytes.last() {
            self.at_line_start = *last == b'\n';
        }
        self.stdout.write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stdout.flush()
    }
}

/// Compares names with their numbers as numbers, so `engine-2.log` comes before `engine-10.log`.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let a_digits = a.starts_with(|c: char| c.is_ascii_digit());
        let b_digits = b.starts_with(|c: char| c.is_ascii_digit());
        let split = |s: &str, digits: bool| {
            s.find(|c: char| c.is_ascii_digit() != digits)
                .unwrap_or(s.len())
        };
        let (a_run, a_rest) = a.split_at(split(a, a_digits));
        let (b_run, b_rest) = b.split_at(split(b, b_digits));
        let order = if a_digits && b_digits {
            let (a_num, b_num) = (a_run.trim_start_matches('0'), b_run.trim_start_matches('0'));
            a_num
                .len()
                .cmp(&b_num.len())
                .then_with(|| a_num.cmp(b_num))
                .then_with(|| a_run.len().cmp(&b_run.len()))
        } else {
            a_run.cmp(b_run)
        };
        if order != Ordering::Equal {
            return order;
        }
        (a, b) = (a_rest, b_rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_sort_as_numbers() {
        let mut names = vec![
            "ipengine-x-1-10.log",
            "ipengine-x-1-2.log",
            "ipengine-x-1-0.log",
            "ipengine-x-10-0.log",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "ipengine-x-1-0.log",
                "ipengine-x-1-2.log",
                "ipengine-x-1-10.log",
                "ipengine-x-10-0.log"
            ]
        );
        assert_eq!(natural_cmp("a", "a"), Ordering::Equal);
        assert_eq!(natural_cmp("a", "ab"), Ordering::Less);
    }
}
