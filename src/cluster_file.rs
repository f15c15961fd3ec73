//! ipyparallel's cluster file, `security/cluster-<id>.json`: written with exactly the keys
//! `ipp.Cluster.to_dict()` produces (so Python loads it without rewriting it), and read whatever
//! wrote it (`ipcluster`, `ipp.Cluster` or rcluster).

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::{Map, Value, json};

use crate::error::Failure;

/// `security/cluster-<id>.json` of a profile.
pub fn path(security_dir: &Path, cluster_id: &str) -> PathBuf {
    security_dir.join(format!("cluster-{cluster_id}.json"))
}

/// The cluster id a cluster file's name carries, `cluster-<id>.json`.
pub fn id_from_file_name(name: &str) -> Option<&str> {
    name.strip_prefix("cluster-")?.strip_suffix(".json")
}

/// One launcher entry: `class` plus its `state` dict.
#[derive(Debug, Clone)]
pub struct LauncherEntry {
    pub class: String,
    pub state: Map<String, Value>,
}

/// A process recorded in a cluster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedProcess {
    pub pid: i32,
    pub output_file: Option<String>,
}

impl LauncherEntry {
    fn str_field(&self, key: &str) -> Option<String> {
        match self.state.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Processes to signal: the set's own pid (local controller, mpiexec) or each local engine's.
    pub fn processes(&self) -> Vec<RecordedProcess> {
        let mut out = Vec::new();
        if let Some(pid) = self.state.get("pid").and_then(Value::as_i64)
            && pid > 0
        {
            out.push(RecordedProcess {
                pid: pid as i32,
                output_file: self.str_field("output_file"),
            });
        }
        if let Some(Value::Object(engines)) = self.state.get("engines") {
            for engine in engines.values() {
                // A process on another host (ipyparallel's SSH launchers): not a pid here.
                if engine
                    .get("hostname")
                    .and_then(Value::as_str)
                    .is_some_and(|h| !h.is_empty())
                {
                    continue;
                }
                if let Some(pid) = engine.get("pid").and_then(Value::as_i64)
                    && pid > 0
                {
                    out.push(RecordedProcess {
                        pid: pid as i32,
                        output_file: engine
                            .get("output_file")
                            .and_then(Value::as_str)
                            .map(String::from),
                    });
                }
            }
        }
        out
    }

    /// The batch job id, for Slurm and other batch launchers.
    pub fn job_id(&self) -> Option<String> {
        self.str_field("job_id").filter(|id| !id.is_empty())
    }

    pub fn n(&self) -> u64 {
        self.state.get("n").and_then(Value::as_u64).unwrap_or(1)
    }

    /// Every output (log) file the launcher recorded.
    pub fn output_files(&self) -> Vec<String> {
        let mut files: Vec<String> = self.str_field("output_file").into_iter().collect();
        files.extend(self.processes().into_iter().filter_map(|p| p.output_file));
        // ipyparallel writes "" for a set whose engines each have their own.
        files.retain(|f| !f.is_empty());
        files.sort();
        files.dedup();
        files
    }

    /// Whether this is a batch-system launcher whose state is a job, not a pid.
    pub fn is_batch(&self) -> bool {
        self.state.contains_key("job_id")
    }
}

/// A cluster file as read from disk.
#[derive(Debug, Clone)]
pub struct ClusterFile {
    pub path: PathBuf,
    pub cluster_id: String,
    pub profile_dir: Option<String>,
    /// Requested engine count (`cluster.n`).
    pub n: Option<u64>,
    pub controller: Option<LauncherEntry>,
    pub engine_class: Option<String>,
    pub engine_sets: Vec<(String, LauncherEntry)>,
}

fn launcher_entry(value: &Value) -> Option<LauncherEntry> {
    Some(LauncherEntry {
        class: value.get("class")?.as_str()?.to_string(),
        state: value.get("state")?.as_object()?.clone(),
    })
}

impl ClusterFile {
    pub fn read(path: &Path) -> Result<ClusterFile> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            anyhow::Error::new(err)
                .context(format!("cannot read cluster file `{}`", path.display()))
        })?;
        ClusterFile::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<ClusterFile> {
        let invalid = |why: String| -> anyhow::Error {
            Failure::error(format!("invalid cluster file `{}`: {why}", path.display()))
                .hint("if the cluster is gone, remove the file or run `rcluster stop` on its id")
                .into()
        };
        let doc: Value = serde_json::from_str(text).map_err(|err| invalid(err.to_string()))?;
        let cluster = doc
            .get("cluster")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("no `cluster` object".into()))?;
        let file_id = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(id_from_file_name)
            .unwrap_or("");
        let cluster_id = match cluster.get("cluster_id") {
            Some(Value::String(id)) => id.clone(),
            None => file_id.to_string(),
            Some(other) => {
                return Err(invalid(format!(
                    "`cluster.cluster_id` is {other}, not a string"
                )));
            }
        };
        let controller = match doc.get("controller") {
            None | Some(Value::Null) => None,
            Some(value) => Some(
                launcher_entry(value)
                    .ok_or_else(|| invalid("`controller` needs `class` and `state`".into()))?,
            ),
        };
        let mut engine_class = None;
        let mut engine_sets = Vec::new();
        if let Some(engines) = doc.get("engines").filter(|v| !v.is_null()) {
            engine_class = engines
                .get("class")
                .and_then(Value::as_str)
                .map(String::from);
            if let Some(sets) = engines.get("sets").and_then(Value::as_object) {
                for (id, state) in sets {
                    let state = state
                        .as_object()
                        .ok_or_else(|| invalid(format!("engine set `{id}` is not an object")))?;
                    engine_sets.push((
                        id.clone(),
                        LauncherEntry {
                            class: engine_class.clone().unwrap_or_else(|| "local".into()),
                            state: state.clone(),
                        },
                    ));
                }
            }
        }
        Ok(ClusterFile {
            path: path.to_path_buf(),
            cluster_id,
            profile_dir: cluster
                .get("profile_dir")
                .and_then(Value::as_str)
                .map(String::from),
            n: cluster.get("n").and_then(Value::as_u64),
            controller,
            engine_class,
            engine_sets,
        })
    }

    /// Engines requested: `cluster.n`, else the sum over the sets.
    pub fn requested(&self) -> u64 {
        self.n
            .unwrap_or_else(|| self.engine_sets.iter().map(|(_, s)| s.n()).sum())
    }
}

/// The `cluster` part of the file: `Cluster.to_dict()`'s traits.
pub struct ClusterHeader<'a> {
    pub cluster_id: &'a str,
    pub profile_dir: &'a str,
    pub n: u32,
    pub controller_ip: &'a str,
    pub controller_location: &'a str,
    pub controller_args: &'a [String],
}

impl ClusterHeader<'_> {
    pub fn to_json(&self) -> Value {
        json!({
            "cluster_id": self.cluster_id,
            "controller_args": self.controller_args,
            "controller_ip": self.controller_ip,
            "controller_location": self.controller_location,
            // Python's Cluster.delay; rcluster does not sleep, but the key must be there.
            "delay": 1.0,
            "n": self.n,
            "profile_dir": self.profile_dir,
            "class": "ipyparallel.cluster.cluster.Cluster",
        })
    }
}

/// State of a local process launcher (`LocalControllerLauncher`, `LocalEngineLauncher`) or an
/// MPI one (`MPIControllerLauncher`, `MPIEngineSetLauncher`).
pub fn process_state(
    cluster_id: &str,
    profile_dir: &str,
    pid: i32,
    output_file: &str,
    n: Option<u32>,
) -> Value {
    let mut state = json!({
        "cluster_id": cluster_id,
        "output_file": output_file,
        "pid": pid,
        "profile_dir": profile_dir,
        "state": "running",
    });
    if let Some(n) = n {
        state["n"] = json!(n);
    }
    state
}

/// State of a `LocalEngineSetLauncher`: `pid` -1 and one entry per engine.
pub fn local_engine_set_state(
    cluster_id: &str,
    profile_dir: &str,
    engines: &[(i32, String)],
) -> Value {
    let entries: Map<String, Value> = engines
        .iter()
        .enumerate()
        .map(|(i, (pid, output_file))| {
            (
                i.to_string(),
                process_state(cluster_id, profile_dir, *pid, output_file, Some(1)),
            )
        })
        .collect();
    json!({
        "cluster_id": cluster_id,
        "n": engines.len(),
        "pid": -1,
        "profile_dir": profile_dir,
        "state": "running",
        "engines": entries,
    })
}

/// State of a batch launcher (`SlurmControllerLauncher`, `SlurmEngineSetLauncher`).
pub struct BatchState<'a> {
    pub batch_template: &'a str,
    pub cluster_id: &'a str,
    pub job_id: &'a str,
    pub n: u32,
    pub output_file: &'a str,
    pub profile_dir: &'a str,
    pub queue: &'a str,
}

impl BatchState<'_> {
    pub fn to_json(&self) -> Value {
        json!({
            "batch_template": self.batch_template,
            "cluster_id": self.cluster_id,
            "job_id": self.job_id,
            "n": self.n,
            "namespace": {},
            "output_file": self.output_file,
            "profile_dir": self.profile_dir,
            "queue": self.queue,
            "state": "running",
        })
    }
}

/// The whole document.
pub fn document(
    header: Value,
    controller: Option<(&str, Value)>,
    engine_class: &str,
    sets: Vec<(String, Value)>,
) -> Value {
    let mut doc = json!({ "cluster": header });
    if let Some((class, state)) = controller {
        doc["controller"] = json!({ "class": class, "state": state });
    }
    let sets: Map<String, Value> = sets.into_iter().collect();
    doc["engines"] = json!({ "class": engine_class, "sets": sets });
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPCLUSTER_LOCAL: &str = r#"{"cluster": {"cluster_id": "demo", "controller_args": [], "controller_ip": "", "controller_location": "", "delay": 1.0, "n": 2, "profile_dir": "/ip/profile_default", "class": "ipyparallel.cluster.cluster.Cluster"}, "controller": {"class": "local", "state": {"cluster_id": "demo", "output_file": "/ip/profile_default/log/ipcontroller-demo-6405.log", "pid": 6407, "profile_dir": "/ip/profile_default", "state": "running"}}, "engines": {"class": "local", "sets": {"1795605621": {"cluster_id": "demo", "n": 2, "pid": -1, "profile_dir": "/ip/profile_default", "state": "running", "engines": {"0": {"cluster_id": "demo", "n": 1, "output_file": "/ip/e0.log", "pid": 6436, "profile_dir": "/ip/profile_default", "state": "running"}, "1": {"cluster_id": "demo", "n": 1, "output_file": "/ip/e1.log", "pid": 6439, "profile_dir": "/ip/profile_default", "state": "running"}}}}}}"#;

    #[test]
    fn reads_ipcluster_local_layout() {
        let file = ClusterFile::parse(IPCLUSTER_LOCAL, Path::new("/ip/security/cluster-demo.json"))
            .unwrap();
        assert_eq!(file.cluster_id, "demo");
        assert_eq!(file.requested(), 2);
        let controller = file.controller.unwrap();
        assert_eq!(controller.processes()[0].pid, 6407);
        let (set_id, set) = &file.engine_sets[0];
        assert_eq!(set_id, "1795605621");
        let pids: Vec<i32> = set.processes().iter().map(|p| p.pid).collect();
        assert_eq!(pids, vec![6436, 6439]);
        assert_eq!(set.output_files(), vec!["/ip/e0.log", "/ip/e1.log"]);
    }

    #[test]
    fn written_local_layout_round_trips() {
        let header = ClusterHeader {
            cluster_id: "x",
            profile_dir: "/p",
            n: 2,
            controller_ip: "",
            controller_location: "",
            controller_args: &[],
        };
        let doc = document(
            header.to_json(),
            Some(("local", process_state("x", "/p", 10, "/p/log/c.log", None))),
            "local",
            vec![(
                "17".into(),
                local_engine_set_state(
                    "x",
                    "/p",
                    &[(11, "/p/log/e0".into()), (12, "/p/log/e1".into())],
                ),
            )],
        );
        let file =
            ClusterFile::parse(&doc.to_string(), Path::new("/p/security/cluster-x.json")).unwrap();
        assert_eq!(file.engine_sets[0].1.processes().len(), 2);
        assert_eq!(doc["engines"]["sets"]["17"]["pid"], json!(-1));
    }

    #[test]
    fn corrupt_file_names_the_path() {
        let err = ClusterFile::parse("{\"cluster\": ", Path::new("/s/cluster-a.json")).unwrap_err();
        assert!(err.to_string().contains("/s/cluster-a.json"), "{err}");
    }
}
