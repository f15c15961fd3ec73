//! Issue 14's unsupported ipyparallel: doctor fails its check and start refuses before it
//! starts anything, with the same words. The Python is the venv's, with an ipyparallel stub of
//! the version under test (package and metadata) ahead of the real one on PYTHONPATH: what a
//! profile pointing at an environment with ipyparallel 7 looks like to rcluster, without
//! installing 7.x (checked by hand against a real 7.1.0 venv: the same refusal).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{Env, processes_under, venv_python};
use predicates::prelude::*;

const TOO_OLD: &str = "ipyparallel 7.1.0 is not supported: rcluster needs ipyparallel>=8.4.1,<10";

/// An executable script `name` in the test dir that runs the venv's Python, `env` and `args`
/// first.
fn python_wrapper(env: &Env, name: &str, env_vars: &str, args: &str) -> PathBuf {
    let python = env.dir.path().join(name);
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\n{env_vars}exec {:?} {args}\"$@\"\n",
            venv_python().display().to_string()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    python
}

/// Creates profile `name` (with `preset`) whose `[python] executable` is `python`.
fn profile_with_python(env: &Env, name: &str, preset: Option<&str>, python: &Path) {
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
}

/// A `python` that sees an ipyparallel `version` stub, and the profile `name` that runs it.
fn profile_with_ipyparallel(env: &Env, name: &str, preset: Option<&str>, version: &str) -> PathBuf {
    let stub = env.dir.path().join(format!("ipp-{version}"));
    let dist_info = stub.join(format!("ipyparallel-{version}.dist-info"));
    std::fs::create_dir_all(stub.join("ipyparallel")).unwrap();
    std::fs::create_dir_all(&dist_info).unwrap();
    std::fs::write(
        stub.join("ipyparallel/__init__.py"),
        format!("__version__ = '{version}'\n"),
    )
    .unwrap();
    std::fs::write(
        dist_info.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: ipyparallel\nVersion: {version}\n"),
    )
    .unwrap();
    let python = python_wrapper(
        env,
        &format!("python-ipp-{version}"),
        &format!("PYTHONPATH={:?} ", stub.display().to_string()),
        "",
    );
    profile_with_python(env, name, preset, &python);
    python
}

#[test]
fn doctor_fails_the_ipyparallel_check_with_the_fix() {
    let env = Env::new();
    let python = profile_with_ipyparallel(&env, "old", None, "7.1.0");
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

fn assert_nothing_started(env: &Env, profile: &str) {
    assert_eq!(processes_under(&env.ipython_dir), Vec::<i32>::new());
    assert_eq!(env.security_files_of(profile, "old"), Vec::<String>::new());
    let logs: Vec<_> = std::fs::read_dir(env.profile_dir(profile).join("log"))
        .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(logs.is_empty(), "logs left: {logs:?}");
}

fn assert_start_refuses(env: &Env, profile: &str, python: &Path) {
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
    assert_nothing_started(env, profile);
}

#[test]
fn start_refuses_a_local_cluster_before_starting_anything() {
    let env = Env::new();
    let python = profile_with_ipyparallel(&env, "old", None, "7.1.0");
    assert_start_refuses(&env, "old", &python);
}

#[test]
fn start_refuses_a_slurm_cluster_before_submitting_anything() {
    let env = Env::new();
    let python = profile_with_ipyparallel(&env, "olds", Some("slurm"), "7.1.0");
    assert_start_refuses(&env, "olds", &python);
}

#[test]
fn doctor_warns_about_an_untested_newer_major_version_and_passes() {
    let env = Env::new();
    profile_with_ipyparallel(&env, "new", None, "10.0.0");
    let out = env
        .rcluster()
        .args(["doctor", "--profile", "new"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("! ipyparallel ")
            && l.contains("ipyparallel 10.0.0 is newer than rcluster is tested with")),
        "{stdout}"
    );
}

#[test]
fn start_refuses_a_python_without_ipyparallel_with_the_install_command() {
    let env = Env::new();
    // `-S`: no site-packages, so neither ipyparallel nor its metadata, as in a bare environment.
    let python = python_wrapper(&env, "python-bare", "", "-S ");
    profile_with_python(&env, "bare", None, &python);
    env.rcluster()
        .args([
            "start",
            "--profile",
            "bare",
            "-n",
            "1",
            "--cluster-id",
            "old",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains(format!("`{}` has no ipyparallel", python.display())).and(
                predicate::str::contains(format!(
                    "{} -m pip install -U 'ipyparallel>=8.4.1,<10'",
                    python.display()
                )),
            ),
        );
    assert_nothing_started(&env, "bare");
}
