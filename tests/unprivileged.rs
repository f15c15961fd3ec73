//! Issue 6: rcluster run by a normal user, as on a real login node: its own files private, and
//! other users' processes never signalled (EPERM is reported, not ignored).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Env, alive};

const USER: &str = "rcluster-test";

/// Whether the test user exists; when the run asked for it (`RCLUSTER_REQUIRE_USER=1`, as
/// scripts/test.sh sets it after creating the user) its absence fails the test.
fn user_available() -> bool {
    let ok = Command::new("id")
        .arg(USER)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("RCLUSTER_REQUIRE_USER").is_none(),
            "user `{USER}` is required: `scripts/setup.sh --system` creates it"
        );
        eprintln!("SKIPPED: no user `{USER}` (scripts/setup.sh --system creates it)");
    }
    ok
}

/// A venv the test user can run: `.venv-user`, made by `scripts/setup.sh --system` from Debian's
/// Python (`.venv` may link into root's home, which the user cannot enter).
fn user_venv() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-user");
    assert!(
        venv.join("bin/python").exists(),
        "{} is missing: run `scripts/setup.sh --system`",
        venv.display()
    );
    venv
}

/// A directory the test user owns, inside the test's temp dir.
fn user_dir(env: &Env) -> PathBuf {
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = env.dir.path().join("user");
    std::fs::create_dir_all(&dir).unwrap();
    assert!(
        Command::new("chown")
            .args([&format!("{USER}:{USER}"), dir.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    dir
}

/// Runs rcluster as the test user with its own IPython dir.
fn as_user(home: &Path, args: &[&str]) -> Output {
    Command::new("runuser")
        .args(["-u", USER, "--", "env"])
        .arg(format!("HOME={}", home.display()))
        .arg(format!("IPYTHONDIR={}", home.join("ipython").display()))
        .arg(format!("VIRTUAL_ENV={}", user_venv().display()))
        .arg("NO_COLOR=1")
        .arg(env!("CARGO_BIN_EXE_rcluster"))
        .args(args)
        .current_dir(home)
        .output()
        .expect("runuser")
}

fn check(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed as {USER}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_normal_user_starts_and_stops_a_private_cluster() {
    if !user_available() {
        return;
    }
    let env = Env::new();
    let home = user_dir(&env);
    check(&as_user(&home, &["profile", "create", "p"]));
    check(&as_user(
        &home,
        &["start", "--profile", "p", "-n", "1", "--cluster-id", "u"],
    ));
    let security = home.join("ipython/profile_p/security");
    assert_eq!(
        std::fs::metadata(&security).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&security).unwrap() {
        let meta = entry.unwrap().metadata().unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        use std::os::unix::fs::MetadataExt;
        assert_ne!(
            meta.uid(),
            0,
            "a file in the user's security dir is owned by root"
        );
    }
    check(&as_user(&home, &["stop", "--profile", "p", "u"]));
    assert!(std::fs::read_dir(&security).unwrap().next().is_none());
}

#[test]
fn another_users_processes_are_not_signalled_and_eperm_is_reported() {
    if !user_available() {
        return;
    }
    let env = Env::new();
    env.create_profile("root");
    env.start("root", "theirs", 1);
    let pids = env.recorded_pids("root", "theirs");
    let home = user_dir(&env);
    check(&as_user(&home, &["profile", "create", "p"]));
    // The user's profile claims root's cluster (a copied or forged cluster file).
    let file = home.join("ipython/profile_p/security/cluster-theirs.json");
    std::fs::copy(env.security("root").join("cluster-theirs.json"), &file).unwrap();
    Command::new("chown")
        .args([&format!("{USER}:{USER}"), file.to_str().unwrap()])
        .status()
        .unwrap();
    let out = as_user(&home, &["stop", "--profile", "p", "theirs", "--grace", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not allowed to signal"), "{stderr}");
    assert!(
        pids.iter().all(|p| alive(*p)),
        "root's processes were harmed"
    );
    assert!(
        file.exists(),
        "the files of a cluster that is not stopped must stay"
    );
    env.rcluster()
        .args(["stop", "--profile", "root", "theirs"])
        .assert()
        .success();
}

#[test]
fn a_profile_the_user_cannot_read_is_a_clear_error() {
    if !user_available() {
        return;
    }
    let env = Env::new();
    let home = user_dir(&env);
    let out = as_user(&home, &["list", "--profile-dir", "/root"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
