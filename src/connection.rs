//! The controller's files: connection files in `security/` and the hub's engine-state file in
//! `log/`, which it rewrites on every engine registration and unregistration.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

/// `ipcontroller[-<id>]-<kind>.json`, `kind` being `client` or `engine`.
pub fn connection_file(security_dir: &Path, cluster_id: &str, kind: &str) -> PathBuf {
    if cluster_id.is_empty() {
        security_dir.join(format!("ipcontroller-{kind}.json"))
    } else {
        security_dir.join(format!("ipcontroller-{cluster_id}-{kind}.json"))
    }
}

/// `security/rcluster-<id>.engine`: rcluster's copy of the controller's engine connection file,
/// written whole (temporary file, then rename) once the controller has written its own. Engines
/// started alongside the controller wait for it; the controller's file could be read half
/// written. No `.json` suffix, so it is never taken for a cluster's record.
pub fn engine_url_file(security_dir: &Path, cluster_id: &str) -> PathBuf {
    security_dir.join(format!("rcluster-{cluster_id}.engine"))
}

/// `log/engines<id>.json`.
pub fn engine_state_file(log_dir: &Path, cluster_id: &str) -> PathBuf {
    log_dir.join(format!("engines{cluster_id}.json"))
}

/// A connection file's text once it is complete JSON (the controller writes it in place, so a
/// reader can see it half written).
pub fn read_complete(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value.get("registration")?;
    Some(text)
}

/// Engines the hub has registered, from its engine-state file; `None` while it is missing or
/// half written.
pub fn registered_engines(log_dir: &Path, cluster_id: &str) -> Option<usize> {
    let text = std::fs::read_to_string(engine_state_file(log_dir, cluster_id)).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    Some(value.get("engines")?.as_object()?.len())
}

/// [`registered_engines`] when one reading has to be right: no file means no engine has
/// registered yet; a half-written one is read again until the hub has finished writing it,
/// which takes it milliseconds. `None` if it is still unreadable after `patience`.
pub fn registered_engines_settled(
    log_dir: &Path,
    cluster_id: &str,
    patience: Duration,
) -> Option<usize> {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(n) = registered_engines(log_dir, cluster_id) {
            return Some(n);
        }
        if !engine_state_file(log_dir, cluster_id).exists() {
            return Some(0);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The registered-engine count as a waiting start shows and uses it. The hub rewrites its
/// engine-state file in place, so between two registrations a reader can find it empty or half
/// written: such a reading keeps the last count instead of falling to 0 (the progress line went
/// "8/12 ... 0/12 ... 9/12"). A complete file is the hub's word, a drop included: an engine that
/// unregistered is no longer there.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RegisteredCount(usize);

impl RegisteredCount {
    /// Takes one reading of [`registered_engines`]; returns the count.
    pub fn observe(&mut self, reading: Option<usize>) -> usize {
        if let Some(n) = reading {
            self.0 = n;
        }
        self.0
    }

    pub fn get(self) -> usize {
        self.0
    }
}

/// The controller's address from a connection file, for display: `tcp://1.2.3.4:port`.
pub fn registration_url(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    Some(format!(
        "{}:{}",
        value.get("interface")?.as_str()?,
        value.get("registration")?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_ipyparallel() {
        let s = Path::new("/s");
        assert_eq!(
            connection_file(s, "", "client"),
            Path::new("/s/ipcontroller-client.json")
        );
        assert_eq!(
            connection_file(s, "X", "engine"),
            Path::new("/s/ipcontroller-X-engine.json")
        );
        assert_eq!(
            engine_state_file(Path::new("/l"), "X"),
            Path::new("/l/enginesX.json")
        );
    }

    #[test]
    fn counts_registered_engines() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(registered_engines(dir.path(), "a"), None);
        std::fs::write(
            engine_state_file(dir.path(), "a"),
            r#"{"engines": {"0": "u0", "1": "u1"}, "next_id": 2}"#,
        )
        .unwrap();
        assert_eq!(registered_engines(dir.path(), "a"), Some(2));
        std::fs::write(engine_state_file(dir.path(), "a"), r#"{"engi"#).unwrap();
        assert_eq!(registered_engines(dir.path(), "a"), None);
    }

    #[test]
    fn a_settled_reading_waits_for_the_write_to_finish() {
        let dir = tempfile::tempdir().unwrap();
        let file = engine_state_file(dir.path(), "a");
        let patience = Duration::from_secs(60);
        assert_eq!(
            registered_engines_settled(dir.path(), "a", patience),
            Some(0)
        );
        std::fs::write(&file, r#"{"engines": {"0": "u0", "#).unwrap();
        let writer = {
            let file = file.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                std::fs::write(&file, r#"{"engines": {"0": "u0", "1": "u1"}}"#).unwrap();
            })
        };
        assert_eq!(
            registered_engines_settled(dir.path(), "a", patience),
            Some(2)
        );
        writer.join().unwrap();
        std::fs::write(&file, "").unwrap();
        assert_eq!(
            registered_engines_settled(dir.path(), "a", Duration::ZERO),
            None
        );
    }

    #[test]
    fn a_half_written_file_keeps_the_last_count() {
        let dir = tempfile::tempdir().unwrap();
        let file = engine_state_file(dir.path(), "a");
        let mut count = RegisteredCount::default();
        let mut shown = Vec::new();
        // What the hub leaves between truncating its file and finishing the write.
        for text in [
            None,
            Some(r#"{"engines": {"0": "u0"}, "next_id": 1}"#),
            Some(""),
            Some(r#"{"engines": {"0": "u0", "#),
            Some(r#"{"engines": {"0": "u0", "1": "u1"}, "next_id": 2}"#),
            Some(r#"{"engines": {"1": "u1"}, "next_id": 2}"#),
        ] {
            if let Some(text) = text {
                std::fs::write(&file, text).unwrap();
            }
            shown.push(count.observe(registered_engines(dir.path(), "a")));
        }
        // Unreadable readings keep 1; the last drop is an engine the hub unregistered.
        assert_eq!(shown, [0, 1, 1, 1, 2, 1]);
        assert_eq!(count.get(), 1);
    }
}
