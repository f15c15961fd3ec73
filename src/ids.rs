//! Cluster and engine-set ids in the forms ipyparallel's `Cluster` creates.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

/// A cluster id as messages show it: the empty id (ipcluster's default) as `''`.
pub fn display_id(cluster_id: &str) -> &str {
    if cluster_id.is_empty() {
        "''"
    } else {
        cluster_id
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `<unix-seconds>-<4 chars of [a-z0-9]>`, like `ipp.Cluster`'s default cluster id.
pub fn new_cluster_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 4];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if random.is_err() {
        // No /dev/urandom: the clock's nanoseconds and our pid still differ between two starts.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
            ^ std::process::id().rotate_left(16);
        bytes = nanos.to_le_bytes();
    }
    let suffix: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{suffix}", unix_now())
}

/// A new engine-set id: `<unix-seconds>`, with `-1`, `-2`, ... when already taken.
pub fn new_engine_set_id(taken: &[String]) -> String {
    let base = unix_now().to_string();
    if !taken.contains(&base) {
        return base;
    }
    (1..)
        .map(|i| format!("{base}-{i}"))
        .find(|id| !taken.contains(id))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_id_has_python_shape() {
        let id = new_cluster_id();
        let (secs, suffix) = id.split_once('-').unwrap();
        assert!(secs.parse::<u64>().is_ok());
        assert_eq!(suffix.len(), 4);
        assert!(
            suffix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }

    #[test]
    fn engine_set_ids_do_not_collide() {
        let first = new_engine_set_id(&[]);
        let second = new_engine_set_id(std::slice::from_ref(&first));
        assert_eq!(second, format!("{first}-1"));
    }
}
