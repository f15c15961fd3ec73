//! Which ipyparallel rcluster works with, and a check of the one a Python has that `start` can
//! afford before it starts anything.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::error::Failure;
use crate::output::Printer;

/// The ipyparallel versions rcluster is tested against (CI runs the interop tests with the
/// oldest and the newest): 8.4.1 is the oldest whose client sends functions to engines on
/// Python 3.11 (8.4.0 and older fail `apply` and `map` there), and 7.x writes a local cluster's
/// connection files under `profile_default` whatever the profile. Keep in step with `scripts/setup.sh`, docs/troubleshooting.md and the README.
pub const IPYPARALLEL_OLDEST: (u64, u64, u64) = (8, 4, 1);
/// The first major version not tested yet: newer ones get a warning, not a refusal.
pub const IPYPARALLEL_BELOW_MAJOR: u64 = 10;

/// The pip requirement for a supported ipyparallel, e.g. `ipyparallel>=8.4.1,<10`.
pub fn requirement() -> String {
    let (major, minor, patch) = IPYPARALLEL_OLDEST;
    format!("ipyparallel>={major}.{minor}.{patch},<{IPYPARALLEL_BELOW_MAJOR}")
}

/// The command that installs a supported ipyparallel into `python`.
pub fn install_command(python: &Path) -> String {
    format!(
        "{} -m pip install -U '{}'",
        crate::shell::quote(&python.to_string_lossy()),
        requirement()
    )
}

/// What rcluster makes of an ipyparallel version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Supported,
    /// Older than [`IPYPARALLEL_OLDEST`]: the clusters would not work.
    TooOld,
    /// Newer than the tested range: probably works, not tested.
    Untested,
    /// Not a version rcluster can read (a development build with a local scheme, say).
    Unreadable,
}

pub fn verdict(version: &str) -> Verdict {
    let Some((major, minor)) = major_minor(version) else {
        return Verdict::Unreadable;
    };
    // A missing or pre-release patch (`8.4`, `8.4.0rc1`) counts as 0.
    let patch = version
        .split('.')
        .nth(2)
        .and_then(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .ok()
        })
        .unwrap_or(0);
    if (major, minor, patch) < IPYPARALLEL_OLDEST {
        Verdict::TooOld
    } else if major >= IPYPARALLEL_BELOW_MAJOR {
        Verdict::Untested
    } else {
        Verdict::Supported
    }
}

/// The sentence that says `version` is too old; doctor and start use the same words.
pub fn too_old(version: &str) -> String {
    format!(
        "ipyparallel {version} is not supported: rcluster needs {}",
        requirement()
    )
}

/// The sentence that says `version` is newer than rcluster is tested with.
pub fn untested(version: &str) -> String {
    format!(
        "ipyparallel {version} is newer than rcluster is tested with ({})",
        requirement()
    )
}

/// `major.minor` of a version such as `9.2.0`, `3.12.3` or `8.0rc1`.
pub fn major_minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

/// Asks the Python for its ipyparallel's version from the installed package's metadata, without
/// importing ipyparallel (an import costs a second or more; this about 0.1 s). Prints `-` when
/// ipyparallel is not importable at all, `?` when it is but has no metadata (a source checkout
/// on PYTHONPATH).
const VERSION_PROBE: &str = "import importlib.metadata as m, importlib.util as u
try:
    print(m.version('ipyparallel'))
except m.PackageNotFoundError:
    print('?' if u.find_spec('ipyparallel') else '-')
";

/// How long start waits for the probe: past it, start goes on without a verdict, as it did
/// before this check existed (a stalled Python then shows in the controller's own failure).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Refuses to start a cluster whose Python has no ipyparallel or one that is too old, before
/// anything is started; warns about an untested newer one. A Python that cannot answer is left
/// to fail the usual way, with its log.
pub fn require_supported_ipyparallel(python: &Path, printer: &Printer) -> Result<()> {
    let shown = python.display();
    let answer = match crate::process::run_with_timeout(
        python.as_os_str(),
        &["-c", VERSION_PROBE],
        PROBE_TIMEOUT,
    ) {
        Ok(Some(output)) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        }
        _ => return Ok(()),
    };
    match answer.as_str() {
        "-" => Err(Failure::error(format!("`{shown}` has no ipyparallel"))
            .hint(install_command(python))
            .into()),
        "?" | "" => Ok(()),
        version => match verdict(version) {
            Verdict::TooOld => Err(Failure::error(format!("`{shown}`: {}", too_old(version)))
                .hint(install_command(python))
                .into()),
            Verdict::Untested => {
                printer.warn(untested(version));
                Ok(())
            }
            Verdict::Supported | Verdict::Unreadable => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_minor_of_versions() {
        assert_eq!(major_minor("9.2.0"), Some((9, 2)));
        assert_eq!(major_minor("3.12.3"), Some((3, 12)));
        assert_eq!(major_minor("8.0rc1"), Some((8, 0)));
        assert_eq!(major_minor("9"), None);
    }

    #[test]
    fn verdicts_follow_the_tested_range() {
        assert_eq!(verdict("7.1.0"), Verdict::TooOld);
        assert_eq!(verdict("8.0.0"), Verdict::TooOld);
        assert_eq!(verdict("8.3.0"), Verdict::TooOld);
        assert_eq!(verdict("8.4.0"), Verdict::TooOld);
        assert_eq!(verdict("8.4"), Verdict::TooOld);
        assert_eq!(verdict("8.4.1"), Verdict::Supported);
        assert_eq!(verdict("8.8.0"), Verdict::Supported);
        assert_eq!(verdict("9.2.0"), Verdict::Supported);
        assert_eq!(verdict("9.10.0.dev0"), Verdict::Supported);
        assert_eq!(verdict("10.0.0"), Verdict::Untested);
        assert_eq!(verdict("main"), Verdict::Unreadable);
    }

    #[test]
    fn install_command_quotes_the_python_and_the_requirement() {
        assert_eq!(
            install_command(Path::new("/opt/my env/bin/python")),
            "'/opt/my env/bin/python' -m pip install -U 'ipyparallel>=8.4.1,<10'"
        );
    }
}
