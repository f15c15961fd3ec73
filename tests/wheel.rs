//! Issue 9's acceptance: the wheel users `pip install` into their kernel's environment. One test
//! (one zig release build per run): `scripts/build-wheel.sh` builds exactly one manylinux2014
//! wheel; a fresh venv installs it with ipyparallel; the installed `rcluster` prints the Cargo
//! version, starts and stops a local cluster with the venv's Python, and needs no glibc symbol
//! newer than 2.17.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{processes_under, wait_all_gone};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const MAX_GLIBC: (u32, u32) = (2, 17);

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {cmd:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every `GLIBC_x.y[.z]` version in `objdump -T` output; names that are not numbered (such as
/// `GLIBC_PRIVATE`) come back as errors.
fn glibc_versions(objdump: &str) -> Vec<Result<Vec<u32>, String>> {
    objdump
        .match_indices("GLIBC_")
        .map(|(i, m)| {
            let tail = &objdump[i + m.len()..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(tail.len());
            let name = &tail[..end];
            name.split('.')
                .map(|part| part.parse::<u32>())
                .collect::<Result<Vec<u32>, _>>()
                .map_err(|_| format!("GLIBC_{name}"))
        })
        .collect()
}

/// Stops whatever a failing test left of the cluster, with the installed binary.
struct Cleanup {
    rcluster: PathBuf,
    venv: PathBuf,
    ipython_dir: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.rcluster.exists() {
            let _ = Command::new(&self.rcluster)
                .args(["stop", "--all", "-q", "--grace", "1"])
                .env("IPYTHONDIR", &self.ipython_dir)
                .env("VIRTUAL_ENV", &self.venv)
                .output();
        }
        for pid in processes_under(&self.ipython_dir) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

#[test]
fn wheel_installs_into_a_fresh_venv_runs_a_cluster_and_needs_glibc_2_17_at_most() {
    let started = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // objdump first: without it the glibc check cannot run, and the build would be wasted.
    let objdump_present = Command::new("objdump")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        objdump_present,
        "objdump is missing: `apt-get install binutils` (the wheel's glibc check needs `objdump -T`)"
    );

    let tmp = tempfile::Builder::new()
        .prefix("rcluster-wheel-")
        .tempdir()
        .expect("temp dir");
    let wheels = tmp.path().join("wheels");

    // 1. Build: exactly one manylinux2014 (glibc 2.17) wheel, and the script prints its path.
    let t = Instant::now();
    let build = run(
        Command::new("bash")
            .arg(root.join("scripts/build-wheel.sh"))
            .arg(&wheels)
            .current_dir(root),
        "scripts/build-wheel.sh",
    );
    eprintln!("wheel built in {:.1}s", t.elapsed().as_secs_f64());
    let mut found: Vec<PathBuf> = std::fs::read_dir(&wheels)
        .expect("wheel dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    found.sort();
    assert_eq!(found.len(), 1, "expected exactly one wheel: {found:?}");
    let wheel = found.remove(0);
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let prefix = format!("rcluster-{VERSION}-");
    assert!(
        name.starts_with(&prefix)
            && (name.ends_with("manylinux_2_17_x86_64.whl")
                || name.ends_with("manylinux_2_17_x86_64.manylinux2014_x86_64.whl")),
        "wheel name {name} is not {prefix}*manylinux_2_17_x86_64.whl"
    );
    let printed = stdout(&build);
    assert_eq!(
        printed.lines().last().map(str::trim),
        Some(wheel.to_str().unwrap()),
        "build-wheel.sh must print the wheel's path last"
    );
    eprintln!(
        "wheel: {name} ({} bytes)",
        std::fs::metadata(&wheel).unwrap().len()
    );

    // 2. A fresh venv with the wheel and ipyparallel, as a user's kernel environment would be.
    let t = Instant::now();
    let venv = tmp.path().join("venv");
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    );
    run(
        Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .arg(&wheel)
            .arg("ipyparallel>=9.2,<10"),
        "pip install the wheel and ipyparallel",
    );
    eprintln!("venv ready in {:.1}s", t.elapsed().as_secs_f64());
    let rcluster = venv.join("bin/rcluster");
    assert!(
        rcluster.is_file(),
        "the wheel installed no {}",
        rcluster.display()
    );
    // The optional extra is declared: `pip install rcluster[ipyparallel]`.
    let metadata = stdout(&run(
        Command::new(venv.join("bin/python")).args([
            "-c",
            "import importlib.metadata as m; print(m.version('rcluster')); \
             print('\\n'.join(m.requires('rcluster') or []))",
        ]),
        "read the installed metadata",
    ));
    let mut lines = metadata.lines();
    assert_eq!(lines.next(), Some(VERSION), "metadata: {metadata}");
    assert!(
        lines.any(|l| l.starts_with("ipyparallel")
            && l.contains(">=8.4.1")
            && l.contains("<10")
            && l.replace('\'', "\"").contains("extra == \"ipyparallel\"")),
        "the wheel does not declare the ipyparallel extra: {metadata}"
    );

    // 3. The installed binary: its version, then a local cluster with the venv's Python.
    let version = run(
        Command::new(&rcluster).arg("--version"),
        "rcluster --version",
    );
    assert_eq!(stdout(&version).trim(), format!("rcluster {VERSION}"));

    let ipython_dir = tmp.path().join("ipython");
    std::fs::create_dir_all(&ipython_dir).unwrap();
    let _cleanup = Cleanup {
        rcluster: rcluster.clone(),
        venv: venv.clone(),
        ipython_dir: ipython_dir.clone(),
    };
    let rc = |args: &[&str]| {
        let mut cmd = Command::new(&rcluster);
        cmd.args(args)
            .env("IPYTHONDIR", &ipython_dir)
            .env("VIRTUAL_ENV", &venv)
            .env_remove("CONDA_PREFIX")
            .env_remove("RCLUSTER_PROFILE")
            .env("NO_COLOR", "1")
            .current_dir(tmp.path());
        cmd
    };
    let t = Instant::now();
    run(
        &mut rc(&["start", "-n", "2", "--cluster-id", "w"]),
        "rcluster start",
    );
    eprintln!("cluster started in {:.1}s", t.elapsed().as_secs_f64());
    let security = ipython_dir.join("profile_default/security");
    let with_w = || -> Vec<String> {
        std::fs::read_dir(&security)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.contains('w'))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        security.join("cluster-w.json").is_file(),
        "no cluster file: {:?}",
        with_w()
    );
    // Controller and engines run the venv's Python ($VIRTUAL_ENV/bin/python).
    let running = processes_under(&ipython_dir);
    assert!(
        running.len() >= 3,
        "expected a controller and 2 engines, found pids {running:?}"
    );
    for pid in &running {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let argv0 =
            String::from_utf8_lossy(cmdline.split(|b| *b == 0).next().unwrap_or(b"")).into_owned();
        assert!(
            argv0.is_empty() || argv0.starts_with(venv.to_str().unwrap()),
            "pid {pid} runs {argv0}, not the venv's Python"
        );
    }
    let listed = stdout(&run(&mut rc(&["list", "--json"]), "rcluster list"));
    assert!(listed.contains("\"w\""), "rcluster list: {listed}");

    run(&mut rc(&["stop"]), "rcluster stop");
    let left = wait_all_gone(&running, Duration::from_secs(10));
    assert!(left.is_empty(), "processes left after stop: {left:?}");
    let files = with_w();
    assert!(
        files.is_empty(),
        "files left in {}: {files:?}",
        security.display()
    );

    // 4. The binary inside the wheel needs glibc 2.17 at most.
    let dump = run(
        Command::new("objdump").arg("-T").arg(&rcluster),
        "objdump -T",
    );
    let versions = glibc_versions(&stdout(&dump));
    assert!(!versions.is_empty(), "objdump -T found no GLIBC symbols");
    let unnumbered: Vec<&String> = versions.iter().filter_map(|v| v.as_ref().err()).collect();
    assert!(
        unnumbered.is_empty(),
        "unversioned glibc symbols: {unnumbered:?}"
    );
    let max = versions
        .iter()
        .filter_map(|v| v.as_ref().ok())
        .max()
        .unwrap();
    let max_str = max.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
    eprintln!("highest glibc symbol version: GLIBC_{max_str}");
    assert!(
        max.as_slice() <= [MAX_GLIBC.0, MAX_GLIBC.1].as_slice(),
        "the binary needs GLIBC_{max_str}, newer than {}.{}",
        MAX_GLIBC.0,
        MAX_GLIBC.1
    );
    eprintln!("wheel test done in {:.1}s", started.elapsed().as_secs_f64());
}

#[test]
fn glibc_versions_are_parsed_from_objdump() {
    let dump = "0000 DF *UND* 0000 (GLIBC_2.2.5) memcpy\n\
                0000 DF *UND* 0000 (GLIBC_2.17) clock_gettime\n\
                0000 DF *UND* 0000  GLIBC_2.3.4 __sprintf_chk\n\
                0000 DF *UND* 0000 (GLIBC_PRIVATE) _dl_x\n";
    assert_eq!(
        glibc_versions(dump),
        vec![
            Ok(vec![2, 2, 5]),
            Ok(vec![2, 17]),
            Ok(vec![2, 3, 4]),
            Err("GLIBC_PRIVATE".to_string())
        ]
    );
}
