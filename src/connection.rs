//! The controller's files: connection files in `security/` and the hub's engine-state file in
//! `log/`, which it rewrites on every engine registration and unregistration.

use std::path::{Path, PathBuf};

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
}
