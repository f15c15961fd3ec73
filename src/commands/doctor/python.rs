//! The Python checks: the cluster's Python runs, its ipyparallel is in the tested range, and a
//! client's Python (if given) matches it. They run before the other groups, which need to know
//! whether the cluster's Python works.

use std::path::{Path, PathBuf};

use super::check::{Check, PYTHON_TIMEOUT};
use crate::profile::Profile;
use crate::python_env::{self, Verdict, major_minor};
use crate::settings::{ProfileConfig, resolve_python};

/// The names of this group's checks, in order.
pub const NAMES: &[&str] = &["python", "ipyparallel", "client python"];

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

/// What the Python checks found out, for the groups that run after them.
pub struct Found {
    pub checks: Vec<Check>,
    /// The cluster's Python as the settings name it (`None`: it cannot be resolved).
    pub python: Option<PathBuf>,
    /// Whether it ran and said its version.
    pub runs: bool,
}

/// Checks the cluster's Python and, when `client` is given, compares that Python with it.
pub fn checks(profile: &Profile, config: &ProfileConfig, client: Option<&Path>) -> Found {
    let mut checks = Vec::new();
    let set_python = format!(
        "set `[python] executable` in `{}` to the Python that has ipyparallel, or activate its environment",
        profile.config_path().display()
    );

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

    checks.push(match client {
        None => Check::skip(
            "client python",
            "not asked: `--client-python PATH` compares a client's ipyparallel with the cluster's",
        ),
        Some(client) => check_client(client, report.as_ref()),
    });
    Found {
        checks,
        runs: report.is_some(),
        python: python.ok(),
    }
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
