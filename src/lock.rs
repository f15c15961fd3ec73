//! A per-cluster lock that works on shared file systems (NFS, GPFS): a lock file created
//! exclusively, holding the owner's host, pid and start time so a stale one can be recognised.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::Failure;
use crate::process;

pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock of `cluster_id`, or fails naming who holds it.
    pub fn acquire(security_dir: &Path, cluster_id: &str) -> Result<Lock> {
        let path = security_dir.join(format!("rcluster-{cluster_id}.lock"));
        let me = process::hostname();
        let pid = std::process::id() as i32;
        let content = format!("{me} {pid} {}\n", process::start_time(pid).unwrap_or(0));
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(mut file) => {
                    file.write_all(content.as_bytes())
                        .and_then(|()| file.sync_all())
                        .map_err(|e| {
                            anyhow::Error::new(e)
                                .context(format!("cannot write `{}`", path.display()))
                        })?;
                    return Ok(Lock { path });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&path).unwrap_or_default();
                    // An empty lock is usually one whose owner is writing it right now; only an
                    // old empty one was left by a writer that died between create and write.
                    let fresh_and_empty = holder.trim().is_empty()
                        && fs::metadata(&path)
                            .and_then(|m| m.modified())
                            .ok()
                            .and_then(|t| t.elapsed().ok())
                            .is_none_or(|age| age < std::time::Duration::from_secs(10));
                    if !fresh_and_empty && is_stale(&holder, &me) {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    let holder = holder
                        .split_whitespace()
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" pid ");
                    return Err(Failure::error(format!(
                        "cluster `{cluster_id}` is being started or stopped by another rcluster ({holder})"
                    ))
                    .hint(format!(
                        "wait for it to finish; if no rcluster is running there, remove `{}`",
                        path.display()
                    ))
                    .into());
                }
                Err(err) => {
                    return Err(anyhow::Error::new(err)
                        .context(format!("cannot create lock file `{}`", path.display())));
                }
            }
        }
        Err(Failure::error(format!("cannot take the lock `{}`", path.display())).into())
    }
}

impl Lock {
    /// Takes the lock like [`Lock::acquire`]; if another rcluster on this host holds it (a start
    /// in progress), asks that one to stop with SIGTERM, which makes a start roll back, and waits
    /// up to `timeout` for it to let go.
    pub fn acquire_interrupting(
        security_dir: &Path,
        cluster_id: &str,
        timeout: std::time::Duration,
    ) -> Result<Lock> {
        let path = security_dir.join(format!("rcluster-{cluster_id}.lock"));
        let deadline = std::time::Instant::now() + timeout;
        let me = process::hostname();
        let mut signalled = false;
        loop {
            match Lock::acquire(security_dir, cluster_id) {
                Ok(lock) => return Ok(lock),
                Err(err) => {
                    let holder = fs::read_to_string(&path).unwrap_or_default();
                    let mut words = holder.split_whitespace();
                    let pid = match (
                        words.next(),
                        words.next().and_then(|p| p.parse::<i32>().ok()),
                    ) {
                        (Some(host), Some(pid)) if host == me => pid,
                        // Released (or not yet written) between our two looks: try again.
                        (None, _) if std::time::Instant::now() < deadline => {
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            continue;
                        }
                        _ => return Err(err),
                    };
                    if !signalled {
                        let _ = process::signal(pid, nix::sys::signal::Signal::SIGTERM);
                        signalled = true;
                    }
                    if std::time::Instant::now() >= deadline {
                        return Err(err);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            }
        }
    }
}

/// A lock is stale when its holder ran on this host and no longer runs (or the pid was reused).
/// A lock from another host is never judged stale here: that host may still be working.
fn is_stale(holder: &str, this_host: &str) -> bool {
    let mut words = holder.split_whitespace();
    let (Some(host), Some(pid), start) = (words.next(), words.next(), words.next()) else {
        // Empty or torn: the writer died between create and write.
        return true;
    };
    if host != this_host {
        return false;
    }
    let Ok(pid) = pid.parse::<i32>() else {
        return true;
    };
    if !process::is_alive(pid) {
        return true;
    }
    let start: Option<u64> = start.and_then(|s| s.parse().ok());
    start.is_some_and(|s| process::start_time(pid) != Some(s))
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_fails_while_held() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(dir.path(), "x").unwrap();
        let err = Lock::acquire(dir.path(), "x").err().unwrap();
        assert!(err.to_string().contains("another rcluster"), "{err}");
        drop(lock);
        assert!(Lock::acquire(dir.path(), "x").is_ok());
    }

    #[test]
    fn lock_of_dead_process_is_stale() {
        let me = process::hostname();
        assert!(is_stale(&format!("{me} {} 1", i32::MAX), &me));
        assert!(!is_stale(&format!("otherhost {} 1", i32::MAX), &me));
        assert!(is_stale("", &me));
    }
}
