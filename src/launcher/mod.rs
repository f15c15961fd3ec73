//! Launchers: how the controller and the engines are started, one module per backend.

pub mod local;
pub mod mpi;

use std::path::{Path, PathBuf};
use std::process::Child;

use anyhow::Result;

use crate::process;

/// The environment ipyparallel's launchers give every process (interop reference §1.3).
pub fn cluster_env(profile_dir: &Path, cluster_id: &str) -> Vec<(String, String)> {
    vec![
        (
            "IPP_PROFILE_DIR".into(),
            profile_dir.to_string_lossy().into_owned(),
        ),
        ("IPP_CLUSTER_ID".into(), cluster_id.to_string()),
    ]
}

/// A process rcluster started on this host.
#[derive(Debug)]
pub struct StartedProcess {
    pub pid: i32,
    pub start_time: u64,
    pub output_file: PathBuf,
    /// Kept so an early exit can be seen (and reaped) while `start` waits.
    pub child: Option<Child>,
}

impl StartedProcess {
    /// Spawns a daemon and records what identifies it later.
    pub fn spawn(
        argv: &[String],
        env: &[(String, String)],
        output_file: PathBuf,
    ) -> Result<StartedProcess> {
        let child = process::Daemon {
            argv,
            env,
            log: &output_file,
        }
        .spawn()?;
        let pid = child.id() as i32;
        Ok(StartedProcess {
            pid,
            start_time: process::start_time(pid).unwrap_or(0),
            output_file,
            child: Some(child),
        })
    }

    /// Whether it still runs; reaps it if it exited, so it does not linger as a zombie.
    pub fn running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => process::is_alive(self.pid),
        }
    }

    pub fn output_str(&self) -> String {
        self.output_file.to_string_lossy().into_owned()
    }
}
