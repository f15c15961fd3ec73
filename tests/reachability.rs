//! Issue 4, acceptance 6: engines on another host reach a controller that rcluster started for
//! Slurm engines with default settings. The other host is a network namespace made here, joined
//! to this one by a veth pair; a controller bound to loopback is not reachable from it.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, slurm_available, venv_python};

/// A network namespace with a veth pair to this host; removed on drop.
struct Netns {
    name: String,
    host_if: String,
}

fn ip(args: &[&str]) {
    let status = Command::new("ip")
        .args(args)
        .status()
        .expect("run `ip` (iproute2)");
    assert!(status.success(), "ip {args:?} failed");
}

impl Netns {
    fn new() -> Netns {
        let tag = std::process::id() % 100_000;
        let name = format!("rcl{tag}");
        let host_if = format!("rch{tag}");
        let ns_if = format!("rcn{tag}");
        let subnet = 10 + tag % 200;
        let _ = Command::new("ip").args(["netns", "del", &name]).status();
        ip(&["netns", "add", &name]);
        ip(&[
            "link", "add", &host_if, "type", "veth", "peer", "name", &ns_if,
        ]);
        ip(&["link", "set", &ns_if, "netns", &name]);
        ip(&[
            "addr",
            "add",
            &format!("10.231.{subnet}.1/24"),
            "dev",
            &host_if,
        ]);
        ip(&["link", "set", &host_if, "up"]);
        let in_ns = |args: &[&str]| {
            let mut all = vec!["netns", "exec", &name, "ip"];
            all.extend_from_slice(args);
            ip(&all);
        };
        in_ns(&[
            "addr",
            "add",
            &format!("10.231.{subnet}.2/24"),
            "dev",
            &ns_if,
        ]);
        in_ns(&["link", "set", &ns_if, "up"]);
        in_ns(&["link", "set", "lo", "up"]);
        in_ns(&[
            "route",
            "add",
            "default",
            "via",
            &format!("10.231.{subnet}.1"),
        ]);
        Netns { name, host_if }
    }

    /// An engine inside the namespace, given the cluster's engine connection info.
    fn engine(&self, env: &Env, profile: &str, cluster_id: &str) -> Child {
        let info = std::fs::read_to_string(
            env.security(profile)
                .join(format!("ipcontroller-{cluster_id}-engine.json")),
        )
        .expect("engine connection file");
        Command::new("ip")
            .args(["netns", "exec", &self.name])
            .arg(venv_python())
            .args(["-m", "ipyparallel.engine", "--timeout=3"])
            .env("IPP_CONNECTION_INFO", info)
            .env("IPP_PROFILE_DIR", env.profile_dir(profile))
            .env("IPP_CLUSTER_ID", cluster_id)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("engine in namespace")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn registered(env: &Env, profile: &str, id: &str) -> usize {
    let path = env
        .profile_dir(profile)
        .join(format!("log/engines{id}.json"));
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["engines"].as_object().map(|m| m.len()))
        .unwrap_or(0)
}

fn wait_registered(env: &Env, profile: &str, id: &str, n: usize, timeout: Duration) -> usize {
    let deadline = Instant::now() + timeout;
    loop {
        let count = registered(env, profile, id);
        if count >= n || Instant::now() > deadline {
            return count;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn engine_in_another_network_namespace_reaches_a_controller_for_slurm_engines() {
    if !slurm_available() {
        return;
    }
    let env = Env::new();
    env.rcluster()
        .args(["profile", "create", "s", "--preset", "local"])
        .assert()
        .success();
    let ns = Netns::new();

    // Default settings for Slurm engines: the controller must be reachable from other hosts.
    env.rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "--engines",
            "slurm",
            "-n",
            "1",
            "--cluster-id",
            "far",
            "--timeout",
            "120",
        ])
        .assert()
        .success();
    let mut engine = ns.engine(&env, "s", "far");
    let count = wait_registered(&env, "s", "far", 2, Duration::from_secs(60));
    let _ = engine.kill();
    let _ = engine.wait();
    assert_eq!(count, 2, "the engine in the namespace did not register");
    env.rcluster()
        .args(["stop", "--profile", "s", "far"])
        .assert()
        .success();

    // The same engine cannot reach a controller bound to loopback (local engines' default).
    env.rcluster()
        .args([
            "start",
            "--profile",
            "s",
            "--engines",
            "local",
            "-n",
            "1",
            "--cluster-id",
            "near",
        ])
        .assert()
        .success();
    let mut engine = ns.engine(&env, "s", "near");
    let count = wait_registered(&env, "s", "near", 2, Duration::from_secs(8));
    let _ = engine.kill();
    let _ = engine.wait();
    assert_eq!(
        count, 1,
        "an engine registered through loopback from another host?"
    );
    env.rcluster()
        .args(["stop", "--profile", "s", "near"])
        .assert()
        .success();
}
