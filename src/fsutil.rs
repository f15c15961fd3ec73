//! File writes that readers never see half done, and deletes that stay inside the profile.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` with `mode` atomically: temp file in the same directory, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|err| {
        let _ = fs::remove_file(&tmp);
        anyhow::Error::new(err).context(format!("cannot write `{}`", path.display()))
    })
}

/// Removes `path` if it lies inside `root` (whatever a state file claims); a missing file is fine.
/// Returns whether a file was removed.
pub fn remove_inside(root: &Path, path: &Path) -> Result<bool> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let parent = match path.parent().map(|p| p.canonicalize()) {
        Some(Ok(parent)) => parent,
        _ => return Ok(false),
    };
    if !parent.starts_with(&root) || path.file_name().is_none() {
        return Ok(false);
    }
    let path = parent.join(path.file_name().unwrap_or_default());
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => {
            fs::remove_file(&path)
                .with_context(|| format!("cannot remove `{}`", path.display()))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn atomic_write_sets_mode_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"{}", 0o600).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn remove_refuses_paths_outside_root() {
        let root = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let outside = other.path().join("victim");
        fs::write(&outside, "x").unwrap();
        assert!(!remove_inside(root.path(), &outside).unwrap());
        assert!(outside.exists());
        let sneaky = root
            .path()
            .join("..")
            .join(other.path().file_name().unwrap())
            .join("victim");
        assert!(!remove_inside(root.path(), &sneaky).unwrap());
        assert!(outside.exists());
        let inside = root.path().join("log.txt");
        fs::write(&inside, "x").unwrap();
        assert!(remove_inside(root.path(), &inside).unwrap());
        assert!(!inside.exists());
    }
}
