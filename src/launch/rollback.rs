//! Undoing a start that failed or was interrupted: stop what was started, remove its files.

use std::time::Duration;

use super::Launch;
use crate::cluster_file;
use crate::connection;
use crate::launcher::stop_hosts;
use crate::output::Printer;
use crate::process;
use crate::state;

impl Launch<'_> {
    /// Stops everything started and removes the cluster's files, keeping the logs to read.
    /// Whether any process or job was started (a template error, say, stops a start before).
    pub fn started_anything(&self) -> bool {
        self.controller
            .iter()
            .chain(self.engine_sets.iter().map(|(_, set)| set))
            .any(|launched| !launched.is_empty())
    }

    pub fn rollback(&mut self, printer: &Printer) {
        let launched: Vec<_> = self
            .controller
            .iter()
            .chain(self.engine_sets.iter().map(|(_, set)| set))
            .collect();
        let pids: Vec<i32> = launched
            .iter()
            .flat_map(|l| l.all().map(|p| p.pid))
            .collect();
        let hosts: Vec<_> = launched.iter().flat_map(|l| l.remote.clone()).collect();
        let mut keep_record = false;
        for (host, stopped) in hosts
            .iter()
            .zip(stop_hosts(&hosts, Duration::from_secs(3), false))
        {
            match stopped {
                Ok(stopped) if stopped.survivors.is_empty() => {}
                Ok(stopped) => {
                    printer.warn(format!(
                        "on host `{}`, pids {:?} could not be stopped",
                        host.host, stopped.survivors
                    ));
                    keep_record = true;
                }
                Err(err) => {
                    printer.warn(format!(
                        "cannot stop the engines on host `{}`: {err:#}; `rcluster stop` finishes the cleanup",
                        host.host
                    ));
                    keep_record = true;
                }
            }
        }
        let children = process::descendants(&pids);
        let outcome = process::terminate(&pids, Duration::from_secs(3));
        let orphans: Vec<i32> = children
            .iter()
            .filter(|(pid, start)| {
                process::is_alive(*pid) && process::start_time(*pid) == Some(*start)
            })
            .map(|(pid, _)| *pid)
            .collect();
        let orphans = process::terminate(&orphans, Duration::from_secs(2));
        for (pid, why) in outcome.survivors.into_iter().chain(orphans.survivors) {
            printer.warn(format!("pid {pid} could not be stopped: {why}"));
        }
        // Reap our children so they do not linger as zombies while we exit.
        if let Some(controller) = &mut self.controller {
            controller.reap();
        }
        for (_, set) in &mut self.engine_sets {
            set.reap();
        }
        // `engines add`: the cluster's earlier jobs are not ours to cancel.
        let jobs = match &self.base {
            Some((_, before)) => self
                .jobs()
                .filter(|id| !before.jobs.iter().any(|job| job.job_id == id)),
            None => self.jobs(),
        };
        if !jobs.is_empty() {
            // As `stop` ends them: the engines exit gracefully and fast, and no job is recorded
            // FAILED because its batch shell ended on its own once its steps were signalled.
            let cancelled = jobs
                .query()
                .and_then(|states| jobs.end_gracefully(&states, Duration::from_secs(3)))
                .and_then(|()| jobs.wait_ended(Duration::from_secs(30)));
            match cancelled {
                Ok(left) if left.is_empty() => {}
                Ok(left) => {
                    printer.warn(format!(
                        "jobs {} still end; `rcluster stop` finishes the cleanup",
                        left.join(", ")
                    ));
                    keep_record = true;
                }
                Err(err) => {
                    printer.warn(format!(
                        "cannot cancel jobs {}: {err:#}",
                        jobs.ids().join(", ")
                    ));
                    keep_record = true;
                }
            }
        }
        if keep_record {
            // The cluster file and our record stay, so `rcluster stop` can finish the job.
            return;
        }
        if let Some((doc, state)) = &self.base {
            // `engines add`: the cluster goes on as it was before.
            let security = self.profile().security_dir();
            let cid = self.cluster_id();
            let _ = state.write(&state::path(&security, cid));
            let _ = crate::fsutil::write_atomic(
                &cluster_file::path(&security, cid),
                doc.to_string().as_bytes(),
                0o600,
            );
            for path in self.state.files.iter().filter(|f| !state.files.contains(f)) {
                let _ = crate::fsutil::remove_inside(&self.profile().dir, path);
            }
            return;
        }
        let swept = process::sweep_cluster_env(
            &self.profile().dir,
            self.cluster_id(),
            Duration::from_secs(2),
        );
        for (pid, why) in swept.survivors {
            printer.warn(format!("pid {pid} could not be stopped: {why}"));
        }
        let security = self.profile().security_dir();
        let cid = self.cluster_id().to_string();
        let mut files = vec![
            cluster_file::path(&security, &cid),
            state::path(&security, &cid),
            connection::connection_file(&security, &cid, "client"),
            connection::connection_file(&security, &cid, "engine"),
            connection::engine_url_file(&security, &cid),
            connection::engine_state_file(&self.profile().log_dir(), &cid),
        ];
        files.extend(self.state.files.iter().cloned());
        for path in files {
            let _ = crate::fsutil::remove_inside(&self.profile().dir, &path);
        }
    }
}
