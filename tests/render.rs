//! Issue 3: `rcluster render` prints exactly the script `start` would submit, needs no profile,
//! and reports template errors with file, line, column and what to do.

mod common;

use common::{Env, SEED_ENGINE};
use predicates::prelude::*;

#[test]
fn renders_the_seed_engine_template_without_a_profile() {
    let env = Env::new();
    std::fs::write(env.dir.path().join("slurm.engine.template"), SEED_ENGINE).unwrap();
    let out = env
        .rcluster()
        .args([
            "render",
            "slurm.engine.template",
            "-n",
            "12",
            "--cluster-id",
            "abc",
            "--var",
            "program=python",
            "--var",
            "program_and_args=python -m ipyparallel.engine",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let profile_dir = env.profile_dir("default");
    assert!(
        text.contains("#SBATCH --ntasks=12\n#SBATCH --nodes=3\n"),
        "{text}"
    );
    assert!(text.contains("#SBATCH --job-name=ipengine-abc\n"), "{text}");
    assert!(
        text.ends_with(&format!(
            "srun python -m ipyparallel.engine --debug --profile-dir={} --cluster-id=abc\n",
            profile_dir.display()
        )),
        "{text}"
    );
    assert!(!profile_dir.exists(), "render created a profile");
}

#[test]
fn built_in_templates_insert_sbatch_lines_in_ipclusters_order() {
    let env = Env::new();
    let out = env
        .rcluster()
        .args([
            "render",
            "-n",
            "4",
            "--cluster-id",
            "abc",
            "--partition",
            "gpu",
            "--account",
            "proj1",
            "--qos",
            "high",
            "--time",
            "01:00:00",
            "--var",
            "program_and_args=srun-me",
            "--engine-start",
            "exec",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "#!/bin/sh");
    assert_eq!(
        &lines[1..6],
        [
            "#SBATCH --ntasks=4",
            "#SBATCH --account=proj1",
            "#SBATCH --qos=high",
            "#SBATCH --time=01:00:00",
            "#SBATCH --partition=gpu"
        ]
    );
    assert!(lines[6].starts_with("#SBATCH --output="), "{text}");
    assert_eq!(
        &lines[7..],
        [
            "#SBATCH --export=ALL",
            "#SBATCH --job-name=ipengine-abc",
            "srun srun-me"
        ]
    );
}

#[test]
fn built_in_engine_template_forks_one_forker_per_node_by_default() {
    let env = Env::new();
    let out = env
        .rcluster()
        .args([
            "render",
            "-n",
            "4",
            "--cluster-id",
            "abc",
            "--partition",
            "gpu",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The same #SBATCH lines in ipcluster's order; one task per node runs the forker.
    assert_eq!(
        &lines[..3],
        ["#!/bin/sh", "#SBATCH --ntasks=4", "#SBATCH --partition=gpu"]
    );
    assert_eq!(
        &lines[4..6],
        ["#SBATCH --export=ALL", "#SBATCH --job-name=ipengine-abc"]
    );
    let run = lines[6];
    assert!(
        run.starts_with("RCLUSTER_TASKS_PER_NODE=\"$SLURM_TASKS_PER_NODE\" srun ")
            && run.contains("--ntasks-per-node=1 --whole ")
            && run.contains("/security/forker-abc-")
            && !run.contains("ipyparallel.engine"),
        "{text}"
    );
    assert_eq!(lines.len(), 7, "{text}");
}

#[test]
fn controller_script_listens_on_all_interfaces() {
    let env = Env::new();
    env.rcluster()
        .args(["render", "--role", "controller", "--cluster-id", "c1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("-m ipyparallel.controller --ip=0.0.0.0 --ping=")
                .and(predicate::str::contains("#SBATCH --ntasks=1")),
        );
}

#[test]
fn directives_and_prologue_from_the_profile() {
    let env = Env::new();
    env.create_slurm_profile("s");
    std::fs::write(
        env.profile_dir("s").join("rcluster.toml"),
        "[engines]\nlauncher = \"slurm\"\n[slurm]\ndirectives = [\"--mem=4G\"]\nprologue = [\"module load python/3.11\", \"echo ${HOME}\"]\n[vars]\nwall = \"2:00:00\"\n",
    )
    .unwrap();
    let out = env
        .rcluster()
        .args([
            "render",
            "--profile",
            "s",
            "-n",
            "2",
            "--cluster-id",
            "d",
            "--engine-start",
            "exec",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("#SBATCH --mem=4G\nmodule load python/3.11\necho ${HOME}\nsrun "),
        "{text}"
    );
    std::fs::write(
        env.profile_dir("s").join("t.tmpl"),
        "#SBATCH --time={wall}\n{options}\n{prologue}\n",
    )
    .unwrap();
    env.rcluster()
        .args(["render", "--profile", "s", "t.tmpl"])
        .assert()
        .success()
        .stdout(
            "#SBATCH --time=2:00:00\n#SBATCH --mem=4G\nmodule load python/3.11\necho ${HOME}\n",
        );
}

#[test]
fn unknown_variable_names_file_line_column_and_the_variables_that_exist() {
    let env = Env::new();
    std::fs::write(
        env.dir.path().join("bad.tmpl"),
        "#!/bin/sh\n#SBATCH --x={undefined_thing}\n",
    )
    .unwrap();
    env.rcluster()
        .args(["render", "bad.tmpl"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("bad.tmpl")
                .and(predicate::str::contains("line 2, column 13"))
                .and(predicate::str::contains(
                    "unknown variable `undefined_thing`",
                ))
                .and(predicate::str::contains(
                    "cluster_id, environment_json, n, output_file",
                ))
                .and(predicate::str::contains("panicked").not()),
        );
}

#[test]
fn syntax_error_points_at_the_column_and_not_equal_is_explained() {
    let env = Env::new();
    std::fs::write(env.dir.path().join("syntax.tmpl"), "a {n +* 5}\n").unwrap();
    env.rcluster()
        .args(["render", "syntax.tmpl"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("line 1, column 7")
                .and(predicate::str::contains("syntax error")),
        );
    std::fs::write(env.dir.path().join("ne.tmpl"), "{n != 5}\n").unwrap();
    env.rcluster()
        .args(["render", "ne.tmpl"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("`!=` cannot appear in a format field")
                .and(predicate::str::contains("not a == b")),
        );
    std::fs::write(env.dir.path().join("brace.tmpl"), "a } b\n").unwrap();
    env.rcluster()
        .args(["render", "brace.tmpl"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Single '}'"));
}

#[test]
fn missing_template_file_says_where_it_looked() {
    let env = Env::new();
    env.rcluster()
        .args(["render", "nowhere.tmpl"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "template file `nowhere.tmpl` not found: looked in",
        ));
}

#[test]
fn start_dry_run_prints_scripts_and_commands_and_runs_nothing() {
    let env = Env::new();
    env.create_slurm_profile("s");
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "-n",
            "8",
            "--engines-per-job",
            "4",
            "--cluster-id",
            "dry",
            "--engine-start",
            "exec",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("# controller (slurm) from built-in template `slurm-controller.sbatch`"),
        "{text}"
    );
    assert_eq!(
        text.matches("# 4 engines (slurm) from built-in template")
            .count(),
        2,
        "{text}"
    );
    assert_eq!(text.matches("sbatch --parsable").count(), 3, "{text}");
    // Engines wait for the connection file rcluster publishes; no key is in the script.
    assert!(text.contains("IPP_CONNECTION_INFO=''"), "{text}");
    assert_eq!(text.matches("--IPEngine.url_file=").count(), 2, "{text}");
    assert!(!text.contains("\"key\""), "{text}");
    // Under load the hub answers late: engines and hub wait as long as start does (default 60 s).
    assert_eq!(text.matches("--IPEngine.timeout=60 ").count(), 2, "{text}");
    assert!(
        text.contains("--IPController.registration_timeout=60"),
        "{text}"
    );
    assert!(
        std::fs::read_dir(env.security("s"))
            .unwrap()
            .next()
            .is_none(),
        "dry run wrote files"
    );
    assert!(common::processes_under(&env.ipython_dir).is_empty());
    // By default the engine jobs fork on each node; their spec (shown, not written) holds no key.
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "-n",
            "8",
            "--cluster-id",
            "dry",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.matches("--ntasks-per-node=1 --whole").count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches("--IPEngine.url_file=").count(), 1, "{text}");
    assert!(!text.contains("\"key\""), "{text}");
    assert!(
        std::fs::read_dir(env.security("s"))
            .unwrap()
            .next()
            .is_none(),
        "dry run wrote files"
    );
}
