//! Issue 6's bad-input table: flags, rcluster.toml, templates, state files and failing commands.
//! Each case checks the exit code, a message that names the problem, and that nothing panicked.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::Env;

struct Case {
    name: &'static str,
    /// rcluster.toml of profile `p` (created for every case), if any.
    toml: Option<&'static str>,
    /// Extra files: (path relative to the profile dir, content).
    files: &'static [(&'static str, &'static str)],
    /// Fault-injecting commands put first on PATH: (name, shell body).
    fakes: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    code: i32,
    stderr: &'static [&'static str],
}

const fn case(
    name: &'static str,
    args: &'static [&'static str],
    code: i32,
    stderr: &'static [&'static str],
) -> Case {
    Case {
        name,
        toml: None,
        files: &[],
        fakes: &[],
        args,
        code,
        stderr,
    }
}

const CORRUPT_CLUSTER: &str = "{\"cluster\": {\"cluster_id\": \"x\", \"profile_d";

fn cases() -> Vec<Case> {
    vec![
        // Flags.
        case(
            "n not a number",
            &["start", "-n", "many"],
            2,
            &["invalid value 'many'"],
        ),
        case(
            "n zero",
            &["start", "--profile", "p", "-n", "0"],
            2,
            &["at least 1"],
        ),
        case(
            "timeout not a number",
            &["start", "--timeout", "soon"],
            2,
            &["invalid value 'soon'"],
        ),
        case(
            "timeout negative",
            &["start", "--profile", "p", "--timeout=-1"],
            2,
            &["invalid --timeout"],
        ),
        case(
            "grace NaN",
            &["stop", "--profile", "p", "--grace", "NaN"],
            2,
            &["invalid --grace"],
        ),
        case(
            "cluster id with space",
            &["start", "--profile", "p", "--cluster-id", "a b"],
            2,
            &["invalid cluster id `a b`"],
        ),
        case(
            "cluster id with path",
            &["start", "--profile", "p", "--cluster-id", "../x"],
            2,
            &["invalid cluster id"],
        ),
        case(
            "empty profile name",
            &["profile", "create", ""],
            2,
            &["invalid profile name"],
        ),
        case(
            "profile name with slash",
            &["start", "--profile", "a/b"],
            2,
            &["invalid profile name `a/b`"],
        ),
        case(
            "unknown engine launcher",
            &["start", "--engines", "pbs"],
            2,
            &["invalid value 'pbs'"],
        ),
        case(
            "unknown controller launcher",
            &["start", "--controller", "ssh"],
            2,
            &["invalid value 'ssh'"],
        ),
        case(
            "unknown color",
            &["list", "--color", "sometimes"],
            2,
            &["invalid value 'sometimes'"],
        ),
        case(
            "unknown role",
            &["render", "--role", "hub"],
            2,
            &["invalid value 'hub'"],
        ),
        case(
            "var without =",
            &["render", "--var", "novalue"],
            2,
            &["not KEY=VALUE"],
        ),
        case(
            "var bad name",
            &["render", "--var", "1x=2"],
            2,
            &["not a variable name"],
        ),
        case(
            "engines per job zero",
            &["start", "--profile", "p", "--engines-per-job", "0"],
            2,
            &["at least 1"],
        ),
        case(
            "stop --all with an id",
            &["stop", "--all", "abc"],
            2,
            &["cannot be used with"],
        ),
        case(
            "profile and profile dir",
            &["list", "--profile", "a", "--profile-dir", "/tmp"],
            2,
            &["cannot be used with"],
        ),
        case(
            "unknown subcommand",
            &["launch"],
            2,
            &["unrecognized subcommand"],
        ),
        case(
            "missing profile",
            &["stop", "--profile", "nope"],
            1,
            &["profile `nope` not found", "rcluster profile create nope"],
        ),
        case(
            "no such cluster",
            &["stop", "--profile", "p", "ghost"],
            11,
            &["no cluster `ghost` in profile `p`"],
        ),
        case(
            "status of nothing",
            &["status", "--profile", "p"],
            11,
            &["no clusters in profile `p`"],
        ),
        // rcluster.toml.
        Case {
            toml: Some("[engines]\nn = 2\ncount = 3\n"),
            ..case(
                "unknown key",
                &["start", "--profile", "p"],
                1,
                &["rcluster.toml:3:1", "unknown field `count`"],
            )
        },
        Case {
            toml: Some("[engines]\nn = \"two\"\n"),
            ..case(
                "wrong type",
                &["start", "--profile", "p"],
                1,
                &["rcluster.toml:2:5", "invalid type"],
            )
        },
        Case {
            toml: Some("[engines\nn = 2\n"),
            ..case(
                "toml syntax",
                &["start", "--profile", "p"],
                1,
                &["rcluster.toml:1:"],
            )
        },
        Case {
            toml: Some("[engines]\nlauncher = \"pbs\"\n"),
            ..case(
                "unknown launcher value",
                &["start", "--profile", "p"],
                1,
                &["rcluster.toml:2:", "unknown variant `pbs`"],
            )
        },
        Case {
            toml: Some("[engines]\nn = -3\n"),
            ..case(
                "negative n",
                &["start", "--profile", "p"],
                1,
                &["rcluster.toml:2:5"],
            )
        },
        Case {
            toml: Some("[python]\nexecutable = 5\n"),
            ..case(
                "executable not a string",
                &["start", "--profile", "p"],
                1,
                &["rcluster.toml:2:"],
            )
        },
        Case {
            toml: Some("[vars]\nx = { a = 1 }\n"),
            ..case(
                "table variable",
                &["render", "--profile", "p"],
                1,
                &["`[vars] x` must be"],
            )
        },
        Case {
            toml: Some("[slurmm]\npartition = \"x\"\n"),
            ..case(
                "misspelled table",
                &["profile", "show", "p"],
                1,
                &["unknown field `slurmm`"],
            )
        },
        // Templates.
        Case {
            files: &[("t.tmpl", "#SBATCH --x={nope}\n")],
            ..case(
                "unknown template variable",
                &["render", "--profile", "p", "t.tmpl"],
                1,
                &["t.tmpl", "line 1, column 13", "unknown variable `nope`"],
            )
        },
        Case {
            files: &[("t.tmpl", "{n +}\n")],
            ..case(
                "template syntax",
                &["render", "--profile", "p", "t.tmpl"],
                1,
                &["line 1, column 5", "syntax error"],
            )
        },
        Case {
            files: &[("t.tmpl", "{n != 5}\n")],
            ..case(
                "not-equal field",
                &["render", "--profile", "p", "t.tmpl"],
                1,
                &["`!=` cannot appear"],
            )
        },
        Case {
            files: &[("t.tmpl", "a } b\n")],
            ..case(
                "lone brace",
                &["render", "--profile", "p", "t.tmpl"],
                1,
                &["Single '}'"],
            )
        },
        Case {
            files: &[(
                "t.tmpl",
                "{__import__('os').system('touch /tmp/rcluster-pwned')}\n",
            )],
            ..case(
                "code in a template",
                &["render", "--profile", "p", "t.tmpl"],
                1,
                &["t.tmpl"],
            )
        },
        Case {
            toml: Some("[engines]\nlauncher = \"slurm\"\ntemplate = \"missing.tmpl\"\n"),
            ..case(
                "template file missing",
                &["start", "--profile", "p", "--dry-run"],
                1,
                &["template file `missing.tmpl` not found"],
            )
        },
        // State files.
        Case {
            files: &[("security/cluster-x.json", CORRUPT_CLUSTER)],
            ..case(
                "truncated cluster file",
                &["stop", "--profile", "p", "x"],
                1,
                &[
                    "invalid cluster file",
                    "cluster-x.json",
                    "nothing was stopped",
                ],
            )
        },
        Case {
            files: &[("security/cluster-x.json", "{\"cluster\": []}")],
            ..case(
                "cluster file of wrong shape",
                &["stop", "--profile", "p", "x"],
                1,
                &["invalid cluster file", "no `cluster` object"],
            )
        },
        Case {
            files: &[("security/rcluster-x.json", "{\"version\": \"one\"}")],
            ..case(
                "corrupt state file",
                &["stop", "--profile", "p", "x"],
                1,
                &["invalid state file", "rcluster-x.json"],
            )
        },
        // Failing commands.
        Case {
            toml: Some("[controller]\nlauncher = \"slurm\"\n"),
            fakes: &[(
                "sbatch",
                "echo 'sbatch: error: Batch job submission failed: Invalid account' >&2; exit 1",
            )],
            ..case(
                "sbatch refuses",
                &["start", "--profile", "p", "--cluster-id", "sb"],
                1,
                &["sbatch --parsable", "Invalid account"],
            )
        },
        Case {
            toml: Some(
                "[engines]\nlauncher = \"mpi\"\n[mpi]\nmpiexec = \"/nonexistent/mpiexec\"\n",
            ),
            ..case(
                "mpiexec missing",
                &["start", "--profile", "p", "--cluster-id", "mx", "-n", "1"],
                1,
                &["/nonexistent/mpiexec"],
            )
        },
        Case {
            files: &[(
                "security/cluster-j.json",
                "{\"cluster\": {\"cluster_id\": \"j\"}, \"controller\": {\"class\": \"slurm\", \"state\": {\"job_id\": \"999999\", \"state\": \"running\"}}}",
            )],
            fakes: &[("squeue", "sleep 30")],
            ..case(
                "squeue hangs",
                &["stop", "--profile", "p", "j"],
                1,
                &["did not answer within", "nothing was stopped"],
            )
        },
    ]
}

#[test]
fn bad_input_table() {
    let cases = cases();
    assert!(cases.len() >= 30, "the table must hold at least 30 cases");
    let mut failures = Vec::new();
    for case in &cases {
        let env = Env::new();
        env.create_profile("p");
        let profile = env.profile_dir("p");
        if let Some(toml) = case.toml {
            std::fs::write(profile.join("rcluster.toml"), toml).unwrap();
        }
        for (path, content) in case.files {
            std::fs::write(profile.join(path), content).unwrap();
        }
        let mut cmd = env.rcluster();
        if !case.fakes.is_empty() {
            let bin = env.dir.path().join("fake-bin");
            std::fs::create_dir_all(&bin).unwrap();
            for (name, body) in case.fakes {
                let path = bin.join(name);
                std::fs::write(
                    &path,
                    format!(
                        "#!/bin/sh\n# fake-{name}: fault injection for rcluster's tests\n{body}\n"
                    ),
                )
                .unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
            cmd.env(
                "PATH",
                format!(
                    "{}:{}",
                    bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            );
            cmd.env("RCLUSTER_SLURM_TIMEOUT", "2");
        }
        let out = cmd.args(case.args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut problems = Vec::new();
        if out.status.code() != Some(case.code) {
            problems.push(format!(
                "exit {:?}, expected {}",
                out.status.code(),
                case.code
            ));
        }
        for needle in case.stderr {
            if !stderr.contains(needle) {
                problems.push(format!("stderr lacks {needle:?}"));
            }
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            problems.push("panicked".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n--- stderr:\n{stderr}",
                case.name,
                problems.join("; ")
            ));
        }
        assert!(
            common::processes_under(&env.ipython_dir).is_empty(),
            "{}: processes left",
            case.name
        );
    }
    assert!(
        !std::path::Path::new("/tmp/rcluster-pwned").exists(),
        "a template ran code"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
