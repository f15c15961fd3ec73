//! Processes on other hosts: how `stop`, `list`, `status`, `logs` and a start's rollback reach
//! them, through the way they were started ([`Remote`], e.g. ssh), never by signalling a pid
//! here. Every host is asked in parallel, so one slow or dead host costs one timeout, not one
//! per host.

use std::time::Duration;

use anyhow::{Result, anyhow};

use super::RemoteHost;
use super::follow::Follower;

/// What a stop did on one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostStopped {
    /// Processes that were running and are now gone.
    pub ended: usize,
    /// Of those, the ones that needed SIGKILL after the grace period.
    pub killed: usize,
    /// Pids still running after SIGKILL.
    pub survivors: Vec<i32>,
}

/// A way of reaching processes on other hosts.
pub trait Remote: Sync {
    /// Recorded in [`RemoteHost::via`].
    fn name(&self) -> &'static str;
    /// Whether each of the host's recorded processes still runs (in their order); an error
    /// when the host cannot be asked. A pid now used by another process counts as gone.
    fn check(&self, host: &RemoteHost) -> Result<Vec<bool>>;
    /// Ends the host's recorded processes (TERM, KILL after `grace`; a reused pid is never
    /// signalled) and removes the files copied there (and its directory unless `keep_logs`).
    fn stop(&self, host: &RemoteHost, grace: Duration, keep_logs: bool) -> Result<HostStopped>;
    /// The text of a file on the host (a log).
    fn read(&self, host: &RemoteHost, path: &str) -> Result<String>;
    /// Follows files on the host (`logs -f`): their text from the start, then what is appended,
    /// over one connection that lasts until the [`Follower`] is closed or this process ends,
    /// and leaves nothing running on the host after that.
    fn follow(&self, host: &RemoteHost, paths: &[String]) -> Result<Follower>;
}

fn way(host: &RemoteHost) -> Result<&'static dyn Remote> {
    super::remote(&host.via).ok_or_else(|| {
        anyhow!(
            "host `{}` was reached by `{}`, which this rcluster does not know",
            host.host,
            host.via
        )
    })
}

/// [`Remote::check`] on every host at once.
pub fn check_hosts(hosts: &[RemoteHost]) -> Vec<Result<Vec<bool>>> {
    on_each(hosts, |host| way(host)?.check(host))
}

/// [`Remote::stop`] on every host at once.
pub fn stop_hosts(
    hosts: &[RemoteHost],
    grace: Duration,
    keep_logs: bool,
) -> Vec<Result<HostStopped>> {
    on_each(hosts, |host| way(host)?.stop(host, grace, keep_logs))
}

/// [`Remote::read`]: a file on the host (a log).
pub fn read_on(host: &RemoteHost, path: &str) -> Result<String> {
    way(host)?.read(host, path)
}

/// [`Remote::follow`]: files on the host, followed.
pub fn follow_on(host: &RemoteHost, paths: &[String]) -> Result<Follower> {
    way(host)?.follow(host, paths)
}

/// `f` on every host, each in its own thread; results in the hosts' order.
pub fn on_each<T: Send>(
    hosts: &[RemoteHost],
    f: impl Fn(&RemoteHost) -> Result<T> + Sync,
) -> Vec<Result<T>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = hosts.iter().map(|host| scope.spawn(|| f(host))).collect();
        handles
            .into_iter()
            .zip(hosts)
            .map(|(handle, host)| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(anyhow!("asking host `{}` failed", host.host)))
            })
            .collect()
    })
}
