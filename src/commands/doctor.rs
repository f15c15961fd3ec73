//! `rcluster doctor`: checks what the profile's clusters need, each shown as passed (`✓`),
//! failed (`✗`, with the fix), a warning (`!`) or skipped (`-`, not needed by the profile's
//! launchers). The exit code is 1 only when a needed check fails.

use std::ffi::OsStr;
use std::io::IsTerminal;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use crate::cli::{ColorChoice, DoctorArgs, GlobalArgs};
use crate::commands::start::{EngineConnection, Plan};
use crate::error::Failure;
use crate::ids;
use crate::output::Printer;
use crate::profile::{self, Profile};
use crate::python_env::{self, Verdict, major_minor};
use crate::settings::{
    ControllerLauncher, EngineLauncher, ProfileConfig, find_in_path, resolve_python,
};

/// How long a Python may take to import ipyparallel (a cold import on a network file system
/// can take many seconds).
const PYTHON_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `squeue` and `mpiexec --version` may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Fail,
    /// Works, but something deserves a look; never changes the exit code.
    Warn,
    /// Not needed by this profile (or cannot be checked because a check it depends on failed).
    Skip,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
        }
    }

    fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Warn => "!",
            Status::Skip => "-",
        }
    }

    fn color(self) -> &'static str {
        match self {
            Status::Pass => "32",
            Status::Fail => "1;31",
            Status::Warn => "33",
            Status::Skip => "2",
        }
    }
}

#[derive(Debug)]
struct Check {
    name: &'static str,
    status: Status,
    detail: String,
    fix: Option<String>,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Pass,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn skip(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Skip,
            detail: detail.into(),
            fix: None,
        }
    }
}

/// What the profile's launchers need.
struct Needs {
    mpi4py: bool,
    mpiexec: bool,
    slurm: bool,
}

impl Needs {
    fn of(config: &ProfileConfig) -> Needs {
        let controller = config.controller.launcher;
        let engines = config.engines.launcher;
        Needs {
            mpi4py: controller == ControllerLauncher::Mpi
                || matches!(engines, EngineLauncher::Mpi | EngineLauncher::SlurmMpi),
            mpiexec: controller == ControllerLauncher::Mpi || engines == EngineLauncher::Mpi,
            slurm: controller == ControllerLauncher::Slurm
                || matches!(engines, EngineLauncher::Slurm | EngineLauncher::SlurmMpi),
        }
    }
}

/// What a Python said about itself and its ipyparallel.
struct PythonReport {
    /// `3.12.3`
    version: String,
    /// `Ok(version)` or the import error.
    ipyparallel: Result<String, String>,
}

const PYTHON_PROBE: &str = "import sys
print('%d.%d.%d' % sys.version_info[:3])
try:
    import ipyparallel
except Exception as e:
    print('!%s: %s' % (type(e).__name__, e))
else:
    print(ipyparallel.__version__)
";

pub fn run(global: &GlobalArgs, args: &DoctorArgs, printer: Printer) -> Result<()> {
    let profile = Profile::from_args(global)?;
    let mut checks = Vec::new();

    let profile_ok = profile.exists();
    checks.push(if profile_ok {
        Check::pass("profile", format!("`{}`", profile.dir.display()))
    } else {
        let fix = match &profile.name {
            Some(name) if profile.cli_args().starts_with("--profile ") => {
                format!("rcluster profile create {name}")
            }
            _ => "create the directory, or pass an existing `--profile-dir`".to_string(),
        };
        Check::fail(
            "profile",
            format!("`{}` does not exist", profile.dir.display()),
            fix,
        )
    });

    let config_path = profile.config_path();
    let config = if !profile_ok {
        checks.push(Check::skip("settings", "no profile directory"));
        Some(ProfileConfig::default())
    } else {
        match profile.load_config() {
            Ok(config) => {
                let origin = if config_path.exists() {
                    format!("`{}`", config_path.display())
                } else {
                    "no rcluster.toml, built-in defaults".to_string()
                };
                checks.push(Check::pass(
                    "settings",
                    format!(
                        "{origin}: controller {}, engines {}",
                        config.controller.launcher.name(),
                        config.engines.launcher.name()
                    ),
                ));
                Some(config)
            }
            Err(err) => {
                checks.push(Check::fail(
                    "settings",
                    format!("{err:#}"),
                    "correct that line; docs/configuration.md lists every key of rcluster.toml",
                ));
                None
            }
        }
    };

    checks.push(check_ipython_dir());

    match &config {
        Some(config) => checks.extend(config_checks(&profile, config, args)),
        None => {
            for name in [
                "python",
                "ipyparallel",
                "client python",
                "mpi4py",
                "mpiexec",
                "slurm commands",
                "slurm controller",
                "templates",
            ] {
                checks.push(Check::skip(
                    name,
                    "cannot tell: rcluster.toml does not parse",
                ));
            }
        }
    }

    checks.push(if profile_ok {
        check_security(&profile.security_dir())
    } else {
        Check::skip("security", "no profile directory")
    });

    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.name)
        .collect();
    if args.json {
        let list: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "status": c.status.name(),
                    "detail": c.detail,
                    "fix": c.fix,
                })
            })
            .collect();
        let doc = json!({
            "profile": profile.label(),
            "profile_dir": profile.dir,
            "ok": failed.is_empty(),
            "checks": list,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => printer.color && std::io::stdout().is_terminal(),
        };
        print_text(&profile, &checks, color);
    }
    if failed.is_empty() {
        printer.status("every needed check passed");
        return Ok(());
    }
    Err(Failure::error(format!(
        "{} needed check{} failed: {}",
        failed.len(),
        if failed.len() == 1 { "" } else { "s" },
        failed.join(", ")
    ))
    .hint("each failed check above says how to fix it")
    .into())
}

fn print_text(profile: &Profile, checks: &[Check], color: bool) {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    println!("profile {} (`{}`)", profile.label(), profile.dir.display());
    for check in checks {
        let mark = paint(check.status.color(), check.status.mark());
        let detail = if check.status == Status::Skip {
            paint("2", &check.detail)
        } else {
            check.detail.clone()
        };
        println!("{mark} {:<17} {detail}", check.name);
        if let Some(fix) = &check.fix {
            println!("  {:<17} {} {fix}", "", paint("1;36", "fix:"));
        }
    }
}

/// The checks that depend on the settings: the Python, MPI, Slurm and templates.
fn config_checks(profile: &Profile, config: &ProfileConfig, args: &DoctorArgs) -> Vec<Check> {
    let mut checks = Vec::new();
    let needs = Needs::of(config);
    let config_path = profile.config_path();
    let set_python = format!(
        "set `[python] executable` in `{}` to the Python that has ipyparallel, or activate its environment",
        config_path.display()
    );

    // The Python that will run the controller and engines.
    let python = resolve_python(&config.python);
    let report = match &python {
        Err(err) => {
            checks.push(Check::fail(
                "python",
                format!("{err:#}"),
                set_python.clone(),
            ));
            None
        }
        Ok(exe) => match probe_python(exe) {
            Ok(report) => {
                checks.push(Check::pass(
                    "python",
                    format!("`{}` (Python {})", exe.display(), report.version),
                ));
                Some(report)
            }
            Err(why) => {
                checks.push(Check::fail("python", why, set_python.clone()));
                None
            }
        },
    };
    let exe = python.as_ref().ok();
    match (&report, exe) {
        (Some(report), Some(exe)) => checks.push(match &report.ipyparallel {
            Ok(version) => check_ipyparallel_version(exe, version),
            Err(why) => Check::fail(
                "ipyparallel",
                format!("cannot import it: {why}"),
                python_env::install_command(exe),
            ),
        }),
        _ => checks.push(Check::skip(
            "ipyparallel",
            "cannot check: no working Python",
        )),
    }

    checks.push(match &args.client_python {
        None => Check::skip(
            "client python",
            "not asked: `--client-python PATH` compares a client's ipyparallel with the cluster's",
        ),
        Some(client) => check_client(client, report.as_ref()),
    });

    // MPI.
    checks.push(if !needs.mpi4py {
        Check::skip("mpi4py", "not needed: no MPI launcher")
    } else {
        match exe.filter(|_| report.is_some()) {
            None => Check::skip("mpi4py", "cannot check: no working Python"),
            Some(exe) => check_mpi4py(exe, config.engines.launcher == EngineLauncher::SlurmMpi),
        }
    });
    checks.push(if !needs.mpiexec {
        Check::skip("mpiexec", "not needed: no `mpi` launcher")
    } else {
        check_mpiexec(config.mpi.mpiexec.as_deref().unwrap_or("mpiexec"))
    });

    // Slurm.
    if needs.slurm {
        let missing: Vec<&str> = ["sbatch", "squeue", "scancel"]
            .into_iter()
            .filter(|p| find_in_path(p).is_none())
            .collect();
        checks.push(if missing.is_empty() {
            Check::pass("slurm commands", "sbatch, squeue and scancel are on PATH")
        } else {
            Check::fail(
                "slurm commands",
                format!("not on PATH: {}", missing.join(", ")),
                "run rcluster on a node where Slurm's commands are available (a login node), or add them to PATH",
            )
        });
        checks.push(if missing.contains(&"squeue") {
            Check::skip("slurm controller", "cannot check: no squeue")
        } else {
            check_slurm_controller()
        });
    } else {
        checks.push(Check::skip(
            "slurm commands",
            "not needed: no Slurm launcher",
        ));
        checks.push(Check::skip(
            "slurm controller",
            "not needed: no Slurm launcher",
        ));
    }

    // Batch templates render as `rcluster start` would render them.
    checks.push(if !needs.slurm {
        Check::skip("templates", "not needed: no Slurm launcher")
    } else {
        let python = python.unwrap_or_else(|_| PathBuf::from("python3"));
        check_templates(profile, config, python)
    });
    checks
}

fn probe_python(exe: &Path) -> Result<PythonReport, String> {
    let shown = exe.display();
    if exe.is_absolute() && !exe.exists() {
        return Err(format!("`{shown}` does not exist"));
    }
    let output = match crate::process::run_with_timeout(
        exe.as_os_str(),
        &["-c", PYTHON_PROBE],
        PYTHON_TIMEOUT,
    ) {
        Ok(Some(output)) => output,
        Ok(None) => {
            return Err(format!(
                "`{shown}` did not answer within {} s",
                PYTHON_TIMEOUT.as_secs()
            ));
        }
        Err(err) => return Err(format!("cannot run `{shown}`: {err}")),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "`{shown}` failed ({}): {}",
            output.status,
            stderr.trim().lines().last().unwrap_or("")
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let version = lines.next().unwrap_or("?").trim().to_string();
    let ipyparallel = match lines.next().map(str::trim) {
        Some(line) if line.starts_with('!') => Err(line[1..].to_string()),
        Some(line) if !line.is_empty() => Ok(line.to_string()),
        _ => Err("it printed no version".to_string()),
    };
    Ok(PythonReport {
        version,
        ipyparallel,
    })
}

fn check_ipyparallel_version(exe: &Path, version: &str) -> Check {
    match python_env::verdict(version) {
        Verdict::Supported => Check::pass("ipyparallel", version),
        Verdict::TooOld => Check::fail(
            "ipyparallel",
            python_env::too_old(version),
            python_env::install_command(exe),
        ),
        Verdict::Untested => Check::warn(
            "ipyparallel",
            python_env::untested(version),
            format!(
                "if the cluster misbehaves, try the tested range: {}",
                python_env::install_command(exe)
            ),
        ),
        Verdict::Unreadable => Check::warn(
            "ipyparallel",
            format!(
                "cannot tell whether `{version}` is in the tested range ({})",
                python_env::requirement()
            ),
            python_env::install_command(exe),
        ),
    }
}

fn check_client(client: &Path, cluster: Option<&PythonReport>) -> Check {
    let fix_install = python_env::install_command(client);
    let report = match probe_python(client) {
        Ok(report) => report,
        Err(why) => {
            return Check::fail(
                "client python",
                why,
                "pass the Python your notebook or script runs, e.g. `--client-python $(which python)` in its environment",
            );
        }
    };
    let client_ipp = match &report.ipyparallel {
        Ok(version) => version.clone(),
        Err(why) => {
            return Check::fail(
                "client python",
                format!("`{}` cannot import ipyparallel: {why}", client.display()),
                fix_install,
            );
        }
    };
    let Some(cluster) = cluster else {
        return Check::skip(
            "client python",
            format!(
                "client has ipyparallel {client_ipp}; no working cluster Python to compare with"
            ),
        );
    };
    let Ok(cluster_ipp) = &cluster.ipyparallel else {
        return Check::skip(
            "client python",
            format!("client has ipyparallel {client_ipp}; the cluster's Python has none"),
        );
    };
    let mut mismatches = Vec::new();
    if major_minor(&client_ipp) != major_minor(cluster_ipp) {
        mismatches.push(format!(
            "ipyparallel {client_ipp} in the client, {cluster_ipp} in the cluster"
        ));
    }
    if major_minor(&report.version) != major_minor(&cluster.version) {
        mismatches.push(format!(
            "Python {} in the client, {} in the cluster (functions pickled by one may not load in the other)",
            report.version, cluster.version
        ));
    }
    if mismatches.is_empty() {
        Check::pass(
            "client python",
            format!(
                "`{}`: ipyparallel {client_ipp}, Python {} (matches)",
                client.display(),
                report.version
            ),
        )
    } else {
        Check::warn(
            "client python",
            mismatches.join("; "),
            format!(
                "install the same versions in both environments, e.g. {} -m pip install 'ipyparallel=={cluster_ipp}'",
                crate::shell::quote(&client.to_string_lossy())
            ),
        )
    }
}

fn check_mpi4py(exe: &Path, on_nodes: bool) -> Check {
    let code = "import mpi4py; print(mpi4py.__version__)";
    let where_ = if on_nodes {
        " (here; the compute nodes need it too)"
    } else {
        ""
    };
    match crate::process::run_with_timeout(exe.as_os_str(), &["-c", code], PYTHON_TIMEOUT) {
        Ok(Some(output)) if output.status.success() => Check::pass(
            "mpi4py",
            format!("{}{where_}", String::from_utf8_lossy(&output.stdout).trim()),
        ),
        Ok(Some(output)) => Check::fail(
            "mpi4py",
            format!(
                "cannot import mpi4py: {}",
                String::from_utf8_lossy(&output.stderr)
                    .trim()
                    .lines()
                    .last()
                    .unwrap_or("")
            ),
            format!(
                "{} -m pip install mpi4py (with the MPI that runs the engines loaded)",
                crate::shell::quote(&exe.to_string_lossy())
            ),
        ),
        Ok(None) => Check::fail(
            "mpi4py",
            "importing mpi4py did not finish",
            "check the MPI installation mpi4py was built against",
        ),
        Err(err) => Check::fail(
            "mpi4py",
            format!("cannot run the Python: {err}"),
            "see `python` above",
        ),
    }
}

fn check_mpiexec(program: &str) -> Check {
    let found = if program.contains('/') {
        Some(PathBuf::from(program)).filter(|p| p.is_file())
    } else {
        find_in_path(program)
    };
    let Some(path) = found else {
        return Check::fail(
            "mpiexec",
            format!("`{program}` not found"),
            "install an MPI (e.g. `apt install openmpi-bin`, or `module load openmpi`), or set `[mpi] mpiexec` in rcluster.toml",
        );
    };
    let version =
        crate::process::run_with_timeout(path.as_os_str(), &["--version"], COMMAND_TIMEOUT)
            .ok()
            .flatten()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
            .filter(|v| !v.is_empty());
    Check::pass(
        "mpiexec",
        match version {
            Some(version) => format!("`{}` ({version})", path.display()),
            None => format!("`{}`", path.display()),
        },
    )
}

fn check_slurm_controller() -> Check {
    let fix = "Slurm's controller (slurmctld) does not answer from here: check `scontrol ping`, or ask the site's admins";
    match crate::process::run_with_timeout(
        OsStr::new("squeue"),
        &["--me", "--noheader", "--format=%i"],
        COMMAND_TIMEOUT,
    ) {
        Ok(Some(output)) if output.status.success() => {
            let jobs = String::from_utf8_lossy(&output.stdout).lines().count();
            Check::pass(
                "slurm controller",
                format!(
                    "`squeue --me` answers ({jobs} job{} of yours)",
                    if jobs == 1 { "" } else { "s" }
                ),
            )
        }
        Ok(Some(output)) => Check::fail(
            "slurm controller",
            format!(
                "`squeue --me` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            fix,
        ),
        Ok(None) => Check::fail(
            "slurm controller",
            format!(
                "`squeue --me` did not answer within {} s",
                COMMAND_TIMEOUT.as_secs()
            ),
            fix,
        ),
        Err(err) => Check::fail(
            "slurm controller",
            format!("cannot run `squeue`: {err}"),
            fix,
        ),
    }
}

fn check_templates(profile: &Profile, config: &ProfileConfig, python: PathBuf) -> Check {
    let fix = "`rcluster render --role controller` or `--role engines` shows the error in place; docs/templates.md lists the variables";
    let rendered = (|| -> Result<Vec<String>> {
        let plan = Plan::new(
            profile,
            "doctor".to_string(),
            config.clone(),
            python,
            Vec::new(),
        )?;
        let env = plan.env();
        let mut done = Vec::new();
        if config.controller.launcher == ControllerLauncher::Slurm {
            let script = plan.controller_script(&env)?;
            done.push(format!("controller from {}", script.source));
        }
        if matches!(
            config.engines.launcher,
            EngineLauncher::Slurm | EngineLauncher::SlurmMpi
        ) {
            let (env, args) = plan.engine_env_and_args(EngineConnection::UrlFile);
            let n = config.engines.n.unwrap_or(1);
            let script = plan.engine_script(n, &ids::unix_now().to_string(), &env, &args)?;
            done.push(format!("engines from {}", script.source));
        }
        Ok(done)
    })();
    match rendered {
        Ok(done) => Check::pass("templates", format!("render: {}", done.join("; "))),
        Err(err) => Check::fail("templates", format!("{err:#}"), fix),
    }
}

fn check_ipython_dir() -> Check {
    let dir = match profile::ipython_dir() {
        Ok(dir) => dir,
        Err(err) => {
            return Check::fail(
                "ipython dir",
                format!("{err:#}"),
                "set IPYTHONDIR to a writable directory",
            );
        }
    };
    let fix = format!(
        "make `{}` writable for you, or set IPYTHONDIR to a directory that is",
        dir.display()
    );
    if dir.is_dir() {
        // Creating a file is the only test that also holds for root, ACLs and read-only mounts.
        let probe = dir.join(format!(".rcluster-doctor-{}", std::process::id()));
        return match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
        {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
                Check::pass("ipython dir", format!("`{}` is writable", dir.display()))
            }
            Err(err) => Check::fail(
                "ipython dir",
                format!("cannot write in `{}`: {err}", dir.display()),
                fix,
            ),
        };
    }
    // Not there yet: the nearest existing ancestor must be a writable directory.
    let ancestor = dir.ancestors().skip(1).find(|a| a.exists());
    match ancestor {
        Some(a) if a.is_dir() && nix::unistd::access(a, nix::unistd::AccessFlags::W_OK).is_ok() => {
            Check::pass(
                "ipython dir",
                format!("`{}` does not exist yet and can be created", dir.display()),
            )
        }
        _ => Check::fail(
            "ipython dir",
            format!("`{}` does not exist and cannot be created", dir.display()),
            fix,
        ),
    }
}

fn check_security(security: &Path) -> Check {
    let meta = match std::fs::metadata(security) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Check::pass(
                "security",
                format!(
                    "`{}` not created yet (`rcluster start` creates it with mode 0700)",
                    security.display()
                ),
            );
        }
        Err(err) => {
            return Check::fail(
                "security",
                format!("cannot read `{}`: {err}", security.display()),
                "check the profile directory's ownership",
            );
        }
    };
    let mode = meta.permissions().mode() & 0o777;
    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    if mode & 0o077 != 0 {
        problems.push(format!(
            "`{}` has mode {mode:04o}, not 0700",
            security.display()
        ));
        fixes.push(format!(
            "chmod 700 {}",
            crate::shell::quote(&security.to_string_lossy())
        ));
    }
    let mut open_files: Vec<(PathBuf, u32)> = std::fs::read_dir(security)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let meta = e.metadata().ok()?;
                    let mode = meta.permissions().mode() & 0o777;
                    (meta.is_file() && mode & 0o077 != 0).then(|| (e.path(), mode))
                })
                .collect()
        })
        .unwrap_or_default();
    open_files.sort();
    if !open_files.is_empty() {
        let shown: Vec<String> = open_files
            .iter()
            .take(3)
            .map(|(p, m)| {
                format!(
                    "`{}` ({m:04o})",
                    p.file_name().unwrap_or_default().to_string_lossy()
                )
            })
            .collect();
        let more = open_files.len().saturating_sub(3);
        problems.push(format!(
            "readable by others: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
        let quoted: Vec<String> = open_files
            .iter()
            .map(|(p, _)| crate::shell::quote(&p.to_string_lossy()))
            .collect();
        fixes.push(format!("chmod 600 {}", quoted.join(" ")));
    }
    if problems.is_empty() {
        Check::pass(
            "security",
            format!("`{}` is 0700 and its files are private", security.display()),
        )
    } else {
        Check::fail(
            "security",
            format!(
                "{} (connection files hold the keys to run code in your engines)",
                problems.join("; ")
            ),
            fixes.join(" && "),
        )
    }
}
