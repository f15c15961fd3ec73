//! Fuzzes the readers of files a user or another program can leave in a profile: ipyparallel's
//! cluster file (`security/cluster-<id>.json`), rcluster's own state file, and `rcluster.toml`.
//! They must never panic, whatever the bytes. Run with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run state_files` from the repository root (`cargo install cargo-fuzz`).

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rcluster::cluster_file::ClusterFile;
use rcluster::settings::ProfileConfig;
use rcluster::state::ClusterState;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = ClusterFile::parse(text, Path::new("/p/security/cluster-x.json")) {
        // Everything list, status and stop read from a parsed file.
        let _ = file.requested();
        for launcher in file.controller.iter().chain(file.engine_sets.iter().map(|(_, s)| s)) {
            let _ = launcher.processes();
            let _ = launcher.job_id();
            let _ = launcher.output_files();
            let _ = launcher.n();
        }
    }
    let _ = serde_json::from_str::<ClusterState>(text);
    let _ = ProfileConfig::parse(text, Path::new("/p/rcluster.toml"));
});
