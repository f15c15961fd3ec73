//! Issue 14's unsupported ipyparallel: doctor fails its check and start refuses before it
//! starts anything, with the same words. The Python is the venv's, with an ipyparallel 7.1.0
//! stub (package and metadata) ahead of the real one on PYTHONPATH: what a profile pointing at
//! an environment with ipyparallel 7 looks like to rcluster, without installing 7.x.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use common::{Env, processes_under, venv_python};
use predicates::prelude::*;

const TOO_OLD: &str = "ipyparallel 7.1.0 is not supported: rcluster needs ipyparallel>=8.4.1,<10";

/// A `python` that sees ipyparallel 7.1.0, and the profile `name` that runs it.
fn profile_with_ipyparallel_7(env: &Env, name: &str, preset: Option<&str>) -> PathBuf {
    let stub = env.dir.path().join("ipp7");
    std::fs::create_dir_all(stub.join("ipyparallel")).unwrap();
    std::fs::create_dir_all(stub.join("ipyparallel-7.1.0.dist-info")).unwrap();
    std::fs::write(
        stub.join("ipyparallel/__init__.py"),
        "__version__ = '7.1.0'\n",
    )
    .unwrap();
    std::fs::write(
        stub.join("ipyparallel-7.1.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: ipyparallel\nVersion: 7.1.0\n",
    )
    .unwrap();
    let python = env.dir.path().join("python-ipp7");
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\nPYTHONPATH={:?} exec {:?} \"$@\"\n",
            stub.display().to_string(),
            venv_python().display().to_string()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut create = env.rcluster();
    create.args(["profile", "create", name]);
    if let Some(preset) = preset {
        create.args(["--preset", preset]);
    }
    create.assert().success();
    let config = env.profile_dir(name).join("rcluster.toml");
    // Into the created file's `[python]` table when it has one (a table may appear only once).
    let toml = std::fs::read_to_string(&config).unwrap_or_default();
    let setting = format!("executable = {:?}", python.display().to_string());
    let toml = if toml.lines().any(|l| l.trim() == "[python]") {
        toml.replacen("[python]", &format!("[python]\n{setting}"), 1)
    } else {
        format!("{toml}\n[python]\n{setting}\n")
    };
    std::fs::write(&config, toml).unwrap();
    python
}

#[test]
fn doctor_fails_the_ipyparallel_check_with_the_fix() {
    let env = Env::new();
    let python = profile_with_ipyparallel_7(&env, "old", None);
    let out = env
        .rcluster()
        .args(["doctor", "--profile", "old"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let check = stdout
        .lines()
        .skip_while(|l| !l.starts_with("✗ ipyparallel "))
        .take(2)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(check.contains(TOO_OLD), "{stdout}");
    assert!(
        check.contains(&format!(
            "fix: {} -m pip install -U 'ipyparallel>=8.4.1,<10'",
            python.display()
        )),
        "{stdout}"
    );
}

fn assert_start_refuses(env: &Env, profile: &str, python: &std::path::Path) {
    env.rcluster()
        .args([
            "start",
            "--profile",
            profile,
            "-n",
            "2",
            "--cluster-id",
            "old",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains(TOO_OLD)
                .and(predicate::str::contains(format!(
                    "{} -m pip install -U 'ipyparallel>=8.4.1,<10'",
                    python.display()
                )))
                .and(predicate::str::contains("submitted").not()),
        );
    assert_eq!(processes_under(&env.ipython_dir), Vec::<i32>::new());
    assert_eq!(env.security_files_of(profile, "old"), Vec::<String>::new());
    let logs: Vec<_> = std::fs::read_dir(env.profile_dir(profile).join("log"))
        .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(logs.is_empty(), "logs left: {logs:?}");
}

#[test]
fn start_refuses_a_local_cluster_before_starting_anything() {
    let env = Env::new();
    let python = profile_with_ipyparallel_7(&env, "old", None);
    assert_start_refuses(&env, "old", &python);
}

#[test]
fn start_refuses_a_slurm_cluster_before_submitting_anything() {
    let env = Env::new();
    let python = profile_with_ipyparallel_7(&env, "olds", Some("slurm"));
    assert_start_refuses(&env, "olds", &python);
}
