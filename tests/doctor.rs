//! `rcluster doctor`: each check against the real venv Python, the real Open MPI and the real
//! Slurm lab; the exit code is 1 only when a check the profile needs fails.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{Env, mpi_available, sge_available, slurm_available, venv_python};
use predicates::prelude::*;

/// The line of check `name` in doctor's text output (`✓ python …`).
fn line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| {
            // After the mark (`✓`, `✗`, `!` or `-`) and a space.
            let rest = l.char_indices().nth(2).map_or("", |(i, _)| &l[i..]);
            rest.strip_prefix(name).is_some_and(|r| r.starts_with(' '))
        })
        .unwrap_or_else(|| panic!("no `{name}` line in:\n{stdout}"))
}

fn doctor(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.rcluster().arg("doctor").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn good_local_profile_passes_and_skips_what_it_does_not_need() {
    let env = Env::new();
    env.create_profile("p");
    let (code, stdout, stderr) = doctor(&env, &["--profile", "p"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(line(&stdout, "profile").starts_with("✓ "));
    assert!(line(&stdout, "settings").starts_with("✓ "));
    assert!(line(&stdout, "settings").contains("controller local, engines local"));
    assert!(line(&stdout, "ipython dir").starts_with("✓ "));
    let python = line(&stdout, "python");
    assert!(python.starts_with("✓ "), "{python}");
    assert!(
        python.contains(&venv_python().display().to_string()),
        "{python}"
    );
    let version = env.python_ok("import ipyparallel; print(ipyparallel.__version__)");
    assert_eq!(
        line(&stdout, "ipyparallel"),
        format!("✓ ipyparallel       {}", version.trim())
    );
    for skipped in [
        "client python",
        "mpi4py",
        "mpiexec",
        "slurm commands",
        "slurm controller",
        "templates",
    ] {
        assert!(
            line(&stdout, skipped).starts_with("- "),
            "{skipped}:\n{stdout}"
        );
    }
    assert!(line(&stdout, "security").starts_with("✓ "));
    assert!(stderr.contains("every needed check passed"), "{stderr}");
}

#[test]
fn missing_python_fails_with_a_fix_and_exit_1() {
    let env = Env::new();
    env.create_profile("p");
    let config = env.profile_dir("p").join("rcluster.toml");
    std::fs::write(&config, "[python]\nexecutable = \"/nonexistent/python\"\n").unwrap();
    let (code, stdout, stderr) = doctor(&env, &["--profile", "p"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(
        line(&stdout, "python"),
        "✗ python            `/nonexistent/python` does not exist"
    );
    assert!(
        stdout.contains(&format!(
            "fix: set `[python] executable` in `{}`",
            config.display()
        )),
        "{stdout}"
    );
    // What depends on a working Python is not checked, rather than failed twice.
    assert!(line(&stdout, "ipyparallel").starts_with("- "), "{stdout}");
    assert!(
        stderr.contains("error: 1 needed check failed: python"),
        "{stderr}"
    );
}

#[test]
fn python_without_ipyparallel_fails_with_the_install_command() {
    let env = Env::new();
    env.create_profile("p");
    // A real Python that is not the venv's: the venv's base interpreter, isolated from the venv.
    let base = env.python_ok("import sys; print(sys._base_executable)");
    let base = base.trim();
    let has_ipp = std::process::Command::new(base)
        .args(["-I", "-c", "import ipyparallel"])
        .status()
        .unwrap()
        .success();
    if has_ipp {
        eprintln!("SKIPPED: the base Python {base} has ipyparallel installed");
        return;
    }
    std::fs::write(
        env.profile_dir("p").join("rcluster.toml"),
        format!("[python]\nexecutable = \"{base}\"\n"),
    )
    .unwrap();
    let out = env
        .rcluster()
        .args(["doctor", "--profile", "p"])
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(line(&stdout, "python").starts_with("✓ "), "{stdout}");
    let ipp = line(&stdout, "ipyparallel");
    assert!(
        ipp.starts_with("✗ ") && ipp.contains("No module named 'ipyparallel'"),
        "{ipp}"
    );
    assert!(
        stdout.contains(&format!(
            "fix: {base} -m pip install -U 'ipyparallel>=8.4.1,<10'"
        )),
        "{stdout}"
    );
}

#[test]
fn client_python_is_compared_by_major_minor() {
    let env = Env::new();
    env.create_profile("p");
    let venv = venv_python();
    let (code, stdout, _) = doctor(
        &env,
        &[
            "--profile",
            "p",
            "--client-python",
            &venv.display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    let client = line(&stdout, "client python");
    assert!(
        client.starts_with("✓ ") && client.contains("(matches)"),
        "{client}"
    );

    // A client whose ipyparallel is another minor version: the venv's real Python, with a
    // directory first on its path that holds an `ipyparallel` reporting 8.6.1.
    let fake_site = env.dir.path().join("old-ipp");
    std::fs::create_dir_all(fake_site.join("ipyparallel")).unwrap();
    std::fs::write(
        fake_site.join("ipyparallel/__init__.py"),
        "__version__ = '8.6.1'\n",
    )
    .unwrap();
    let client_python = env.dir.path().join("client-python");
    std::fs::write(
        &client_python,
        format!(
            "#!/bin/sh\nPYTHONPATH={} exec {} \"$@\"\n",
            fake_site.display(),
            venv.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&client_python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, stdout, stderr) = doctor(
        &env,
        &[
            "--profile",
            "p",
            "--client-python",
            &client_python.display().to_string(),
        ],
    );
    // A mismatch is a warning, not a failure.
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let client = line(&stdout, "client python");
    assert!(client.starts_with("! "), "{client}");
    assert!(
        client.contains("ipyparallel 8.6.1 in the client"),
        "{client}"
    );
    assert!(stdout.contains("-m pip install 'ipyparallel=="), "{stdout}");

    // A client Python that does not exist was asked for, so it fails.
    let (code, stdout, _) = doctor(
        &env,
        &["--profile", "p", "--client-python", "/nonexistent/python3"],
    );
    assert_eq!(code, 1);
    assert!(line(&stdout, "client python").starts_with("✗ "), "{stdout}");
}

#[test]
fn mpi_profile_checks_mpi4py_and_mpiexec() {
    if !mpi_available() {
        return;
    }
    let env = Env::new();
    env.rcluster()
        .args(["profile", "create", "m", "--preset", "mpi"])
        .assert()
        .success();
    let (code, stdout, stderr) = doctor(&env, &["--profile", "m"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let mpi4py = env.python_ok("import mpi4py; print(mpi4py.__version__)");
    assert_eq!(
        line(&stdout, "mpi4py"),
        format!("✓ mpi4py            {}", mpi4py.trim())
    );
    assert!(line(&stdout, "mpiexec").starts_with("✓ "), "{stdout}");
    assert!(
        line(&stdout, "slurm commands").starts_with("- "),
        "{stdout}"
    );

    // An mpiexec that is not there is a needed check that fails.
    std::fs::write(
        env.profile_dir("m").join("rcluster.toml"),
        "[engines]\nlauncher = \"mpi\"\n[mpi]\nmpiexec = \"/nonexistent/mpiexec\"\n",
    )
    .unwrap();
    let (code, stdout, _) = doctor(&env, &["--profile", "m"]);
    assert_eq!(code, 1);
    assert!(line(&stdout, "mpiexec").starts_with("✗ "), "{stdout}");
}

#[test]
fn slurm_profile_checks_commands_controller_and_templates() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    env.create_slurm_profile("s");
    let (code, stdout, stderr) = doctor(&env, &["--profile", "s"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        line(&stdout, "slurm commands").starts_with("✓ "),
        "{stdout}"
    );
    assert!(
        line(&stdout, "slurm controller").starts_with("✓ slurm controller  `squeue --me` answers"),
        "{stdout}"
    );
    let templates = line(&stdout, "templates");
    assert!(templates.starts_with("✓ "), "{templates}");
    assert!(
        templates.contains("controller from built-in template"),
        "{templates}"
    );
    assert!(
        templates.contains("engines from built-in template"),
        "{templates}"
    );
    assert!(line(&stdout, "mpi4py").starts_with("- "), "{stdout}");

    // A template that cannot be rendered (here: not there) fails the check.
    std::fs::write(
        env.profile_dir("s").join("rcluster.toml"),
        "[controller]\nlauncher = \"slurm\"\n[engines]\nlauncher = \"slurm\"\ntemplate = \"gone.template\"\n",
    )
    .unwrap();
    let (code, stdout, _) = doctor(&env, &["--profile", "s"]);
    assert_eq!(code, 1, "{stdout}");
    let templates = line(&stdout, "templates");
    assert!(
        templates.starts_with("✗ ") && templates.contains("`gone.template` not found"),
        "{templates}"
    );
    assert!(
        stdout.contains("fix: `rcluster render --role controller`"),
        "{stdout}"
    );
}

#[test]
fn sge_profile_checks_commands_cell_qmaster_and_templates() {
    if !sge_available() {
        return;
    }
    let env = Env::new();
    env.rcluster()
        .args(["profile", "create", "g", "--preset", "sge"])
        .assert()
        .success();
    let (code, stdout, stderr) = doctor(&env, &["--profile", "g"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(line(&stdout, "sge commands").starts_with("✓ "), "{stdout}");
    assert!(line(&stdout, "sge cell").starts_with("✓ "), "{stdout}");
    assert!(
        line(&stdout, "sge qmaster").starts_with("✓ sge qmaster       `qstat` answers"),
        "{stdout}"
    );
    assert!(
        line(&stdout, "templates").contains("engines from built-in template `sge-engine.sh`"),
        "{stdout}"
    );
    assert!(
        line(&stdout, "slurm commands").starts_with("- "),
        "{stdout}"
    );

    // A cell that does not exist fails the cell check, and says what to do.
    let out = env
        .rcluster()
        .args(["doctor", "--profile", "g"])
        .env("SGE_ROOT", env.dir.path())
        .env("SGE_CELL", "nocell")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let cell = line(&stdout, "sge cell");
    assert!(
        cell.starts_with("✗ ") && cell.contains("cell `nocell`") && cell.contains("act_qmaster"),
        "{stdout}"
    );
    assert!(stdout.contains("settings.sh"), "{stdout}");
}

#[test]
fn slurm_template_that_is_missing_fails_even_without_slurm() {
    let env = Env::new();
    env.create_slurm_profile("s");
    std::fs::write(
        env.profile_dir("s").join("rcluster.toml"),
        "[controller]\nlauncher = \"slurm\"\ntemplate = \"missing.template\"\n",
    )
    .unwrap();
    let (code, stdout, _) = doctor(&env, &["--profile", "s"]);
    assert_eq!(code, 1);
    let templates = line(&stdout, "templates");
    assert!(
        templates.starts_with("✗ ") && templates.contains("`missing.template` not found"),
        "{templates}"
    );
}

#[test]
fn open_security_permissions_fail_with_chmod() {
    let env = Env::new();
    env.create_profile("p");
    let security = env.security("p");
    std::fs::set_permissions(&security, std::fs::Permissions::from_mode(0o755)).unwrap();
    let key = security.join("ipcontroller-x-client.json");
    std::fs::write(&key, "{}").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, stdout, _) = doctor(&env, &["--profile", "p"]);
    assert_eq!(code, 1, "{stdout}");
    let check = line(&stdout, "security");
    assert!(check.starts_with("✗ "), "{check}");
    assert!(check.contains("has mode 0755, not 0700"), "{check}");
    assert!(
        check.contains("`ipcontroller-x-client.json` (0644)"),
        "{check}"
    );
    assert!(
        stdout.contains(&format!(
            "fix: chmod 700 {} && chmod 600 {}",
            security.display(),
            key.display()
        )),
        "{stdout}"
    );
    // The fix it gives works.
    std::fs::set_permissions(&security, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, stdout, _) = doctor(&env, &["--profile", "p"]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn broken_settings_and_missing_profile_fail() {
    let env = Env::new();
    env.create_profile("p");
    let config = env.profile_dir("p").join("rcluster.toml");
    std::fs::write(&config, "[engines]\ncount = 3\n").unwrap();
    let (code, stdout, _) = doctor(&env, &["--profile", "p"]);
    assert_eq!(code, 1);
    let settings = line(&stdout, "settings");
    assert!(settings.starts_with("✗ "), "{settings}");
    assert!(
        settings.contains(&format!("{}:2:1", config.display())),
        "{settings}"
    );
    assert!(line(&stdout, "python").starts_with("- "), "{stdout}");

    let (code, stdout, _) = doctor(&env, &["--profile", "nothere"]);
    assert_eq!(code, 1);
    assert!(line(&stdout, "profile").starts_with("✗ "), "{stdout}");
    assert!(
        stdout.contains("fix: rcluster profile create nothere"),
        "{stdout}"
    );

    // The global --profile-dir works as --profile does.
    let (code, stdout, _) = doctor(
        &env,
        &[
            "--profile-dir",
            &env.profile_dir("nothere").display().to_string(),
        ],
    );
    assert_eq!(code, 1);
    assert!(line(&stdout, "profile").starts_with("✗ "), "{stdout}");
}

#[test]
fn unwritable_ipython_dir_fails() {
    let env = Env::new();
    // A path below a regular file can never be created, whoever runs the test (root included).
    let blocker = env.dir.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let out = env
        .rcluster()
        .args(["doctor"])
        .env("IPYTHONDIR", blocker.join("ipython"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let check = line(&stdout, "ipython dir");
    assert!(
        check.starts_with("✗ ") && check.contains("cannot be created"),
        "{check}"
    );
}

#[test]
fn json_lists_every_check() {
    let env = Env::new();
    env.create_profile("p");
    let out = env
        .rcluster()
        .args(["doctor", "--profile", "p", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["profile"], "p");
    assert_eq!(doc["ok"], true);
    let checks = doc["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "profile",
            "settings",
            "ipython dir",
            "python",
            "ipyparallel",
            "client python",
            "mpi4py",
            "mpiexec",
            "slurm commands",
            "slurm controller",
            "sge commands",
            "sge cell",
            "sge qmaster",
            "ssh hosts",
            "templates",
            "security"
        ]
    );
    assert_eq!(checks[3]["status"], "pass");
    assert_eq!(checks[6]["status"], "skip");

    std::fs::write(
        env.profile_dir("p").join("rcluster.toml"),
        "[python]\nexecutable = \"/nonexistent/python\"\n",
    )
    .unwrap();
    env.rcluster()
        .args(["doctor", "--profile", "p", "--json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"ok\": false"));
}
