//! The state-file readers never panic (the CI-sized cousin of `fuzz/fuzz_targets/state_files.rs`):
//! arbitrary text, and mutations of real files, in the cluster file, rcluster's state file and
//! rcluster.toml.

use std::path::Path;

use proptest::prelude::*;
use rcluster::cluster_file::ClusterFile;
use rcluster::settings::ProfileConfig;
use rcluster::state::ClusterState;

const REAL_CLUSTER: &str = r##"{"cluster": {"cluster_id": "demo", "controller_args": [], "controller_ip": "", "controller_location": "", "delay": 1.0, "n": 2, "profile_dir": "/ip/profile_default", "class": "ipyparallel.cluster.cluster.Cluster"}, "controller": {"class": "slurm", "state": {"batch_template": "#!/bin/sh\n{program_and_args}\n", "cluster_id": "S", "job_id": "2", "n": 1, "namespace": {}, "output_file": "/l/c.log", "profile_dir": "/p", "queue": "", "state": "running"}}, "engines": {"class": "local", "sets": {"1795605621": {"cluster_id": "demo", "n": 2, "pid": -1, "profile_dir": "/ip/profile_default", "state": "running", "engines": {"0": {"cluster_id": "demo", "n": 1, "output_file": "/ip/e0.log", "pid": 6436, "profile_dir": "/ip/profile_default", "state": "running"}}}}}}"##;

fn exercise(text: &str) {
    if let Ok(file) = ClusterFile::parse(text, Path::new("/p/security/cluster-x.json")) {
        let _ = file.requested();
        for launcher in file
            .controller
            .iter()
            .chain(file.engine_sets.iter().map(|(_, s)| s))
        {
            let _ = (
                launcher.processes(),
                launcher.job_id(),
                launcher.output_files(),
                launcher.n(),
            );
        }
    }
    let _ = serde_json::from_str::<ClusterState>(text);
    let _ = ProfileConfig::parse(text, Path::new("/p/rcluster.toml"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        exercise(&text);
    }

    #[test]
    fn mutated_real_files_never_panic(cut in 0usize..REAL_CLUSTER.len(), insert in "[\\[\\]{}\":,0-9a-z-]{0,8}") {
        let mut text = REAL_CLUSTER.to_string();
        let at = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.insert_str(at, &insert);
        exercise(&text);
        exercise(&REAL_CLUSTER[..at]);
    }

    #[test]
    fn values_of_every_type_in_every_field_never_panic(
        pid in prop_oneof![Just("-1".to_string()), Just("1e99".to_string()), Just("\"7\"".to_string()), Just("null".to_string()), Just("[]".to_string()), any::<i64>().prop_map(|n| n.to_string())],
        n in prop_oneof![Just("-3".to_string()), Just("2.5".to_string()), Just("\"x\"".to_string()), any::<u64>().prop_map(|n| n.to_string())],
    ) {
        let text = REAL_CLUSTER.replace("6436", &pid).replace("\"n\": 2", &format!("\"n\": {n}"));
        exercise(&text);
    }
}
