//! Command-line behaviour that needs no running cluster: profiles, settings errors, usage errors.

mod common;

use common::Env;
use predicates::prelude::*;

#[test]
fn profile_create_makes_ipython_layout_with_private_security() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.create_slurm_profile("slurm");
    let dir = env.profile_dir("slurm");
    for sub in ["security", "log", "pid", "startup"] {
        assert!(dir.join(sub).is_dir(), "{sub} missing");
    }
    let mode = std::fs::metadata(dir.join("security"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
    let toml = std::fs::read_to_string(dir.join("rcluster.toml")).unwrap();
    assert!(toml.contains("launcher = \"slurm\""), "{toml}");
}

#[test]
fn profile_create_refuses_to_overwrite_without_force() {
    let env = Env::new();
    env.create_profile("p");
    env.rcluster()
        .args(["profile", "create", "p"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already has").and(predicate::str::contains("--force")));
    env.rcluster()
        .args(["profile", "create", "p", "--preset", "mpi", "--force"])
        .assert()
        .success();
}

#[test]
fn profile_list_and_show() {
    let env = Env::new();
    env.create_profile("one");
    env.rcluster()
        .args(["profile", "create", "two", "--preset", "mpi"])
        .assert()
        .success();
    env.rcluster()
        .args(["profile", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("one").and(predicate::str::contains("local/mpi")));
    let out = env
        .rcluster()
        .args(["profile", "list", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    env.rcluster()
        .args(["profile", "show", "two"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("launcher = \"mpi\"")
                .and(predicate::str::contains("# python (resolved): ")),
        );
}

#[test]
fn bad_setting_names_file_line_and_key() {
    let env = Env::new();
    env.create_profile("p");
    let path = env.profile_dir("p").join("rcluster.toml");
    std::fs::write(&path, "[engines]\nn = 2\nnumber = 3\n").unwrap();
    env.rcluster()
        .args(["start", "--profile", "p"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains(format!("{}:3:1", path.display()))
                .and(predicate::str::contains("unknown field `number`")),
        );
    std::fs::write(&path, "[engines]\nn = \"two\"\n").unwrap();
    env.rcluster()
        .args(["profile", "show", "p"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(":2:5").and(predicate::str::contains("invalid type")));
}

#[test]
fn unknown_profile_is_an_error_with_a_hint() {
    let env = Env::new();
    env.rcluster()
        .args(["start", "--profile", "nothere"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("profile `nothere` not found")
                .and(predicate::str::contains("rcluster profile create nothere")),
        );
}

#[test]
fn unsafe_names_are_refused() {
    let env = Env::new();
    env.rcluster()
        .args(["profile", "create", "../evil"])
        .assert()
        .code(2);
    env.create_profile("p");
    env.rcluster()
        .args(["start", "--profile", "p", "--cluster-id", "a;rm -rf /"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid cluster id"));
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    env.rcluster()
        .args(["start", "-n", "many"])
        .assert()
        .code(2);
    env.rcluster().args(["frobnicate"]).assert().code(2);
    env.create_profile("p");
    env.rcluster()
        .args(["start", "--profile", "p", "-n", "0"])
        .assert()
        .code(2);
}

#[test]
fn list_with_no_clusters_is_empty_json() {
    let env = Env::new();
    env.create_profile("p");
    env.rcluster()
        .args(["list", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn missing_python_is_a_clear_error() {
    let env = Env::new();
    env.create_profile("p");
    std::fs::write(
        env.profile_dir("p").join("rcluster.toml"),
        "[python]\nexecutable = \"/nonexistent/python\"\n",
    )
    .unwrap();
    env.rcluster()
        .args(["start", "--profile", "p", "-n", "1", "--cluster-id", "mp"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/nonexistent/python"));
    assert!(common::processes_under(&env.ipython_dir).is_empty());
    assert_eq!(env.security_files_of("p", "mp"), Vec::<String>::new());
}

/// `rcluster … | head` closes the pipe early: the command ends as `cat` would (status 141, as
/// if by SIGPIPE), without a panic message.
#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let env = Env::new();
    env.create_profile("p");
    for args in [
        &["profile", "list"][..],
        &["render", "-n", "4"][..],
        &["list", "--json"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = env
            .rcluster_std()
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(out.status.signal().is_none(), "{args:?}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
