//! Issue 7: while start waits, a terminal shows one progress line rewritten in place and cleared
//! at the end; anything else (a pipe, a notebook) gets plain lines without control characters.

mod common;

use common::Env;

#[test]
fn terminal_gets_a_live_line_that_ends_cleanly() {
    let env = Env::new();
    env.create_profile("p");
    let bin = env!("CARGO_BIN_EXE_rcluster");
    // `script` runs the command on a pseudo-terminal and copies everything it writes.
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c"])
        .arg(format!(
            "{bin} start --profile p -n 3 --cluster-id tty --color never"
        ))
        .arg("/dev/null")
        .env("IPYTHONDIR", &env.ipython_dir)
        .env("VIRTUAL_ENV", common::venv_dir())
        .env("TERM", "xterm")
        .current_dir(env.dir.path())
        .output()
        .expect("script (util-linux)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    let frames: Vec<&str> = text.split("\r\x1b[2K").collect();
    let progress: Vec<&&str> = frames
        .iter()
        .filter(|f| f.starts_with("engines "))
        .collect();
    assert!(!progress.is_empty(), "no progress line drawn:\n{text:?}");
    assert!(
        progress.iter().all(|f| !f.contains('\n')),
        "a progress frame spans lines:\n{text:?}"
    );
    // The hub rewrites its engine-state file in place; a half-written read must not show as 0.
    let counts: Vec<usize> = progress
        .iter()
        .filter_map(|f| f.strip_prefix("engines ")?.split('/').next()?.parse().ok())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] <= w[1]),
        "the count went backward: {counts:?}"
    );
    // The line is cleared before the summary, which then starts at column 0.
    let summary = text.find("started cluster `tty`").expect("summary");
    assert!(
        text[..summary].ends_with("\r\x1b[2K"),
        "progress not cleared before the summary:\n{text:?}"
    );
    env.rcluster()
        .args(["stop", "--profile", "p"])
        .assert()
        .success();
}

#[test]
fn pipes_get_no_control_characters() {
    let env = Env::new();
    env.create_profile("p");
    for args in [
        vec![
            "start",
            "--profile",
            "p",
            "-n",
            "2",
            "--cluster-id",
            "pipe",
            "-v",
        ],
        vec!["list"],
        vec!["status", "--profile", "p"],
        vec!["stop", "--profile", "p", "-v"],
    ] {
        let out = env
            .rcluster()
            .env_remove("NO_COLOR")
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{args:?} wrote control characters: {text:?}"
            );
        }
    }
}

#[test]
fn quiet_start_prints_only_the_cluster_id() {
    let env = Env::new();
    env.create_profile("p");
    let out = env
        .rcluster()
        .args([
            "start",
            "--profile",
            "p",
            "-n",
            "1",
            "--cluster-id",
            "qq",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "qq\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let out = env
        .rcluster()
        .args(["stop", "--profile", "p", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let env = Env::new();
    let run = |args: &[&str], no_color: bool| {
        let mut cmd = env.rcluster();
        if !no_color {
            cmd.env_remove("NO_COLOR");
        }
        let out = cmd.args(args).output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let always = run(&["stop", "--profile", "nope", "--color", "always"], false);
    assert!(always.contains("\x1b[1;31merror:"), "{always:?}");
    let never = run(&["stop", "--profile", "nope", "--color", "never"], false);
    assert!(
        never.starts_with("error: ") && !never.contains('\x1b'),
        "{never:?}"
    );
    // auto: not a terminal here, so no colour either way; NO_COLOR is honoured by auto.
    let auto = run(&["stop", "--profile", "nope"], true);
    assert!(!auto.contains('\x1b'), "{auto:?}");
}
