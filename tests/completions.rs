//! The committed shell completions (`completions/`) and man page (`docs/rcluster.1`) must be what
//! the CLI generates. They go stale whenever a command or flag changes; regenerate them with
//!
//!     RCLUSTER_UPDATE_COMPLETIONS=1 cargo test --test completions
//!
//! and commit the result. Without the variable these tests only check (as CI runs them).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use clap::{CommandFactory, ValueEnum};
use clap_complete::Shell;
use rcluster::cli::Cli;
use rcluster::commands::{completions, man};

const UPDATE_VAR: &str = "RCLUSTER_UPDATE_COMPLETIONS";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os(UPDATE_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Check mode: the file must equal `expected`. Write mode: make it so.
fn check_or_write(path: &Path, expected: &[u8]) {
    let actual = std::fs::read(path).unwrap_or_default();
    if actual == expected {
        return;
    }
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, expected).unwrap();
        eprintln!("updated {}", path.display());
        return;
    }
    let actual = String::from_utf8_lossy(&actual);
    let expected = String::from_utf8_lossy(expected);
    let first_difference = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
    panic!(
        "{} is stale (first difference at line {}):\n  committed: {:?}\n  generated: {:?}\n\
         regenerate with `{UPDATE_VAR}=1 cargo test --test completions` and commit the result",
        path.display(),
        first_difference + 1,
        actual
            .lines()
            .nth(first_difference)
            .unwrap_or("<end of file>"),
        expected
            .lines()
            .nth(first_difference)
            .unwrap_or("<end of file>"),
    );
}

#[test]
fn cli_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn committed_completions_are_current() {
    let names: Vec<String> = Shell::value_variants()
        .iter()
        .map(|s| completions::file_name(*s))
        .collect();
    assert_eq!(
        names,
        [
            "rcluster.bash",
            "rcluster.elv",
            "rcluster.fish",
            "_rcluster.ps1",
            "_rcluster"
        ]
    );
    for shell in Shell::value_variants() {
        let path = root()
            .join("completions")
            .join(completions::file_name(*shell));
        check_or_write(&path, &completions::render(*shell));
    }
}

#[test]
fn committed_man_page_is_current() {
    check_or_write(&root().join("docs/rcluster.1"), &man::render());
}

#[test]
fn completions_command_prints_each_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = Command::cargo_bin("rcluster")
            .unwrap()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let parsed = Shell::from_str(shell, false).unwrap();
        assert_eq!(out.stdout, completions::render(parsed), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        // Every command is completed, the new ones included.
        for command in ["start", "logs", "doctor", "completions", "man", "import"] {
            assert!(text.contains(command), "{shell} script lacks `{command}`");
        }
    }
    Command::cargo_bin("rcluster")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn bash_completes_subcommands_and_flags() {
    // Source the generated script in a real bash and ask it what it completes.
    let script = completions::render(Shell::Bash);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rcluster.bash");
    std::fs::write(&path, script).unwrap();
    let complete = |words: &str| -> String {
        let program = format!(
            "source {}\nCOMP_WORDS=({words})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n_rcluster rcluster \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let commands = complete("rcluster ''");
    for command in ["logs", "doctor", "completions", "man", "profile"] {
        assert!(commands.lines().any(|l| l == command), "{commands}");
    }
    let logs = complete("rcluster logs --");
    assert!(logs.lines().any(|l| l == "--role"), "{logs}");
    assert!(logs.lines().any(|l| l == "--follow"), "{logs}");
    let roles = complete("rcluster logs --role ''");
    assert_eq!(
        roles.split_whitespace().collect::<Vec<_>>(),
        ["controller", "engines"]
    );
    let profile = complete("rcluster profile ''");
    assert!(profile.lines().any(|l| l == "import"), "{profile}");
}

#[test]
fn man_command_prints_the_page() {
    let out = Command::cargo_bin("rcluster")
        .unwrap()
        .arg("man")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, man::render());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq\n"), "{page}");
    assert_eq!(page.matches(".ds Aq").count(), 2, "one roff preamble");
    assert!(page.contains(".TH rcluster 1"));
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH \"GLOBAL OPTIONS\"",
        ".SH COMMANDS",
        ".SS \"rcluster logs\"",
        ".SS \"rcluster doctor\"",
        ".SS \"rcluster profile import\"",
        ".SS \"rcluster engines add\"",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
    ] {
        assert!(page.contains(section), "man page lacks {section}");
    }
    // The page renders: `man` formats it without warnings.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rcluster.1");
    std::fs::write(&path, &page).unwrap();
    let rendered = std::process::Command::new("man")
        .arg("-l")
        .arg(&path)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output();
    if let Ok(rendered) = rendered {
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(rendered.status.success(), "{rendered:?}");
        assert!(text.contains("rcluster logs"), "{text}");
        assert!(text.contains("--client-python"), "{text}");
    }
}
