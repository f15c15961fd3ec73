//! rcluster's own record of a cluster, `security/rcluster-<id>.json`: what Python's cluster file
//! has no key for (start times against pid reuse, hosts, job ids per role). Python never reads
//! it, and its name matches none of ipyparallel's globs (`cluster-*.json`, `ipcontroller-*.json`).

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::error::Failure;

pub fn path(security_dir: &Path, cluster_id: &str) -> PathBuf {
    security_dir.join(format!("rcluster-{cluster_id}.json"))
}

/// A process rcluster started.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProcessRecord {
    pub pid: i32,
    /// Clock ticks after boot (`/proc/<pid>/stat` field 22); with `boot_id`, proves identity.
    pub start_time: u64,
    /// `controller` or `engines`.
    pub role: String,
    /// The engine set it belongs to, so `engines stop` ends a set's forker with the set and
    /// spares the forkers of the sets that keep running (absent in records before 0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
}

/// A batch job rcluster submitted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobRecord {
    pub job_id: String,
    pub role: String,
    /// The rendered batch script, kept for `status` and debugging.
    #[serde(default)]
    pub script: Option<PathBuf>,
    /// The scheduler that runs it (`slurm`); records written before it was kept are Slurm's.
    #[serde(default = "default_scheduler")]
    pub scheduler: String,
}

fn default_scheduler() -> String {
    crate::launcher::SCHEDULERS[0].name().to_string()
}

impl JobRecord {
    pub fn job(&self) -> crate::launcher::JobRef {
        crate::launcher::JobRef {
            scheduler: crate::launcher::scheduler(&self.scheduler),
            id: self.job_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterState {
    pub version: u32,
    pub cluster_id: String,
    pub rcluster_version: String,
    /// Unix seconds.
    pub created: u64,
    /// Where rcluster started the local processes.
    pub host: String,
    pub boot_id: String,
    pub requested: u32,
    #[serde(default)]
    pub processes: Vec<ProcessRecord>,
    #[serde(default)]
    pub jobs: Vec<JobRecord>,
    /// Files rcluster created for this cluster besides the launchers' output files.
    #[serde(default)]
    pub files: Vec<PathBuf>,
    /// Names (never values) of rcluster's variables that the scheduler's commands, and so the
    /// cluster's jobs, did not get: those of the Slurm job rcluster ran in
    /// ([`crate::launcher::Scheduler::env_removed`]). The key keeps its first, Slurm-only name.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        rename = "slurm_env_removed"
    )]
    pub env_removed: Vec<String>,
    /// Processes started on other hosts, with how to reach them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remote: Vec<crate::launcher::RemoteHost>,
}

impl ClusterState {
    pub fn read(path: &Path) -> Result<Option<ClusterState>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                return Err(anyhow::Error::new(err)
                    .context(format!("cannot read state file `{}`", path.display())));
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|err| {
            Failure::error(format!("invalid state file `{}`: {err}", path.display()))
                .hint("the file is rcluster's own record; `rcluster stop` still works from the cluster file alone if you remove it")
                .into()
        })
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self)?;
        crate::fsutil::write_atomic(path, &text, 0o600)
    }

    pub fn process(&self, pid: i32) -> Option<&ProcessRecord> {
        self.processes.iter().find(|p| p.pid == pid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_records_without_a_scheduler_are_slurms() {
        let old = r#"{"job_id": "12", "role": "engines", "script": null}"#;
        let record: JobRecord = serde_json::from_str(old).unwrap();
        assert_eq!(record.scheduler, "slurm");
        assert_eq!(record.job().scheduler.name(), "slurm");
    }
}
