//! `logs -f` for engines on other hosts: one follower per host (one long-lived connection,
//! not a fetch every second), its text printed under `==> host:path <==` headers.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Out;
use crate::inventory::Cluster;
use crate::launcher::follow::{self, Followed, Follower};
use crate::launcher::{self, RemoteHost};
use crate::output::Printer;

/// How long, once the cluster has ended, to wait for the hosts' last lines: until none came
/// for `DRAIN_QUIET`, at most `DRAIN_MAX`.
const DRAIN_QUIET: Duration = Duration::from_millis(500);
const DRAIN_MAX: Duration = Duration::from_secs(3);
/// How long the connections get to end after their input was closed, before they are killed.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(3);

/// The hosts' followers.
#[derive(Default)]
pub(super) struct RemoteLogs {
    hosts: Vec<Host>,
    /// `(host, path)` of every file followed, or that could not be.
    followed: HashSet<(String, String)>,
}

struct Host {
    follower: Follower,
    /// The script runs there: what ssh says is now tail's to say, and is shown.
    started: bool,
    /// What was said before that: shown with the error should the connection fail.
    said: Vec<String>,
    /// Its end was reported (or needed no report).
    done: bool,
}

impl RemoteLogs {
    /// Follows the engines' logs of `cluster`'s hosts not followed yet: one follower per host
    /// for all of them (engine sets added later get one more).
    pub(super) fn add_from(&mut self, cluster: &Cluster, printer: &Printer) {
        let mut new: Vec<(&RemoteHost, Vec<String>)> = Vec::new();
        for host in cluster.remote_hosts() {
            for process in &host.processes {
                if !self
                    .followed
                    .insert((host.host.clone(), process.log.clone()))
                {
                    continue;
                }
                let same = |(h, _): &&mut (&RemoteHost, Vec<String>)| {
                    h.host == host.host && h.via == host.via && h.command == host.command
                };
                match new.iter_mut().find(same) {
                    Some((_, paths)) => paths.push(process.log.clone()),
                    None => new.push((host, vec![process.log.clone()])),
                }
            }
        }
        for (host, paths) in new {
            match launcher::follow_on(host, &paths) {
                Ok(follower) => self.hosts.push(Host {
                    follower,
                    started: false,
                    said: Vec::new(),
                    done: false,
                }),
                Err(err) => printer.warn(format!(
                    "cannot follow the engines' logs on host `{}`: {err:#}",
                    host.host
                )),
            }
        }
    }

    /// Prints what the hosts sent since the last call; how many pieces that was.
    pub(super) fn print_new(&mut self, out: &mut Out, printer: &Printer) -> Result<usize> {
        let mut count = 0;
        for host in &mut self.hosts {
            let name = host.follower.host().to_string();
            for followed in host.follower.take() {
                count += 1;
                match followed {
                    Followed::Text { path, bytes } => {
                        out.header(&PathBuf::from(format!("{name}:{path}")))?;
                        out.write(&bytes)?;
                    }
                    Followed::Started => {
                        host.started = true;
                        for line in host.said.drain(..) {
                            printer.status(format!("host `{name}`: {line}"));
                        }
                    }
                    // tail -F's notices of a log removed by `stop` (or by `engines stop`)
                    // are how following ends, not news.
                    Followed::Said(line) if host.started && is_tail_notice(&line) => {
                        printer.verbose(format!("host `{name}`: {line}"))
                    }
                    Followed::Said(line) if host.started => {
                        printer.status(format!("host `{name}`: {line}"))
                    }
                    Followed::Said(line) => host.said.push(line),
                }
            }
            if host.done {
                continue;
            }
            let Some(status) = host.follower.ended() else {
                continue;
            };
            host.done = true;
            let how = match status.code() {
                Some(code) => format!("exit {code}"),
                None => "killed by a signal".to_string(),
            };
            let said = if host.said.is_empty() {
                String::new()
            } else {
                format!(": {}", host.said.join("; "))
            };
            printer.warn(if host.started {
                format!("stopped following the engines' logs on host `{name}`: the connection ended ({how}){said}")
            } else {
                format!("cannot follow the engines' logs on host `{name}`: the connection failed ({how}){said}")
            });
        }
        out.flush()?;
        Ok(count)
    }

    /// The hosts' last lines, once the cluster has ended: printed until they stop coming.
    pub(super) fn drain(&mut self, out: &mut Out, printer: &Printer) -> Result<()> {
        if self.hosts.is_empty() {
            return Ok(());
        }
        let start = Instant::now();
        let mut last = Instant::now();
        while start.elapsed() < DRAIN_MAX && last.elapsed() < DRAIN_QUIET {
            std::thread::sleep(Duration::from_millis(50));
            if self.print_new(out, printer)? > 0 {
                last = Instant::now();
            }
            if crate::interrupt::received().is_some() {
                break;
            }
        }
        Ok(())
    }

    /// Ends every follower: their hosts' tails end, and no connection is left.
    pub(super) fn close(&mut self) {
        let mut followers: Vec<Follower> = self.hosts.drain(..).map(|h| h.follower).collect();
        follow::close_all(&mut followers, CLOSE_TIMEOUT);
    }
}

/// GNU tail's lines about a followed file that went away or came back.
fn is_tail_notice(line: &str) -> bool {
    [
        "has become inaccessible",
        "has appeared;",
        "has been replaced;",
        "No such file or directory",
    ]
    .iter()
    .any(|notice| line.contains(notice))
}
