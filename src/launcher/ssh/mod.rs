//! The `ssh` launcher: engines on the `[ssh] hosts`, started with the system's OpenSSH client
//! (so `~/.ssh/config`, agents, ProxyJump and ControlMaster work as the user has them).
//!
//! One ssh per host runs a small shell script that starts that host's engines in the
//! background (`nohup setsid`): with fork start, one forker (`forker.py`, written there) that
//! forks them all, else one Python each. It prints their pids and start times, and exits.
//! ipyparallel's `SSHEngineSetLauncher` instead keeps one ssh per engine open as the engine's parent; that
//! costs a connection (and on many sites a login session) per engine for the cluster's whole
//! life, and an engine dies with its connection. Here the engines outlive the ssh, and what
//! identifies them (pid + start time) is recorded, so `stop` can end exactly them later over a
//! new ssh, and a pid reused by another process is never signalled.

mod script;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};

use super::follow::Follower;
use super::remote::HostStopped;
use super::{
    EngineBackend, EngineSetSpec, Launched, Layout, Remote, RemoteHost, RemoteProcess, env_line,
};
use crate::error::Failure;
use crate::output::Printer;
use crate::settings::{CopyConnection, ProfileConfig, SshConfig};

pub struct SshEngines;

/// The way of reaching hosts, for `stop`, `list`, `status` and `logs`.
pub struct Ssh;

/// ssh's own connect timeout, unless the user's arguments set one.
const CONNECT_TIMEOUT: &str = "ConnectTimeout=10";

/// A host of `[ssh] hosts`: `name` or `name:count`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    pub name: String,
    pub count: Option<u32>,
}

impl HostSpec {
    pub fn parse(text: &str) -> Result<HostSpec> {
        let text = text.trim();
        let (name, count) = match text.rsplit_once(':') {
            Some((name, count))
                if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) =>
            {
                let count: u32 = count.parse().map_err(|_| {
                    anyhow!("`[ssh] hosts`: `{text}` has an engine count that is too large")
                })?;
                (name, Some(count))
            }
            _ => (text, None),
        };
        if name.is_empty() || name.starts_with('-') || name.contains(char::is_whitespace) {
            return Err(Failure::usage(format!(
                "`[ssh] hosts`: `{text}` is not a host name"
            ))
            .hint("give ssh host names or aliases, each optionally with `:count`, e.g. `[\"node1\", \"node2:4\"]`")
            .into());
        }
        Ok(HostSpec {
            name: name.to_string(),
            count,
        })
    }
}

fn hosts(config: &SshConfig) -> Result<Vec<HostSpec>> {
    if config.hosts.is_empty() {
        return Err(Failure::usage("`--engines ssh` needs hosts, and `[ssh] hosts` is empty")
            .hint("add e.g. `[ssh]\nhosts = [\"node1\", \"node2:4\"]` to the profile's rcluster.toml")
            .into());
    }
    config.hosts.iter().map(|h| HostSpec::parse(h)).collect()
}

/// How many engines each host starts for `n`: hosts with a count get it (in order, until `n`
/// is reached), the rest is spread evenly over the hosts without one.
pub fn assign(hosts: &[HostSpec], n: u32) -> Result<Vec<(String, u32)>> {
    let fixed: u32 = hosts.iter().filter_map(|h| h.count).sum();
    let free = hosts.iter().filter(|h| h.count.is_none()).count() as u32;
    if free == 0 && n > fixed {
        return Err(Failure::usage(format!(
            "{n} engines asked for, but `[ssh] hosts` give {fixed}"
        ))
        .hint("ask for fewer engines, raise the hosts' counts, or add a host without a count (it takes the rest)")
        .into());
    }
    let mut left = n;
    let rest = n.saturating_sub(fixed);
    let mut free_seen = 0;
    let mut out = Vec::new();
    for host in hosts {
        let want = match host.count {
            Some(count) => count,
            None => {
                let share = rest / free + u32::from(free_seen < rest % free);
                free_seen += 1;
                share
            }
        };
        let take = want.min(left);
        left -= take;
        if take > 0 {
            out.push((host.name.clone(), take));
        }
    }
    Ok(out)
}

/// The ssh command before the host: never asks for a password, gives up on a dead host soon.
pub fn ssh_command(config: &SshConfig) -> Vec<String> {
    let mut argv = vec![config.command.clone().unwrap_or_else(|| "ssh".into())];
    argv.extend(["-o".into(), "BatchMode=yes".into()]);
    let sets_timeout = config
        .args
        .iter()
        .any(|a| a.to_ascii_lowercase().contains("connecttimeout"));
    if !sets_timeout {
        argv.extend(["-o".into(), CONNECT_TIMEOUT.into()]);
    }
    argv.extend(config.args.iter().cloned());
    argv
}

/// `/bin/sh -s` on `host` over `command`, all three standard streams piped; in a process group
/// of its own with `own_group`.
fn spawn_sh(command: &[String], host: &str, own_group: bool) -> Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    let (program, args) = command
        .split_first()
        .ok_or_else(|| anyhow!("empty `[ssh] command`"))?;
    let mut ssh = Command::new(program);
    ssh.args(args)
        .args([host, "/bin/sh", "-s"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if own_group {
        ssh.process_group(0);
    }
    ssh.spawn().map_err(|err| {
        Failure::error(format!("cannot run `{program}` for host `{host}`: {err}"))
            .hint("install the OpenSSH client, or set `[ssh] command`")
            .into()
    })
}

/// Runs `script` with `/bin/sh` on `host`; its standard output, or an error naming the host
/// with the end of what ssh (or the script) said.
pub fn run(command: &[String], host: &str, script: &str) -> Result<String> {
    use std::io::Write;
    let mut child = spawn_sh(command, host, false)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A host that closes the connection early is reported by the exit status below.
        let _ = stdin.write_all(script.as_bytes());
    }
    let output = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = tail[tail.len().saturating_sub(5)..].join("\n");
    let code = output
        .status
        .code()
        .map_or("a signal".to_string(), |c| c.to_string());
    bail!(
        "host `{host}`: ssh failed (exit {code}){}",
        if tail.is_empty() {
            String::new()
        } else {
            format!(": {tail}")
        }
    )
}

/// `script` run with `/bin/sh` on `host`, its output followed: the script is written to ssh's
/// standard input, which then stays open until the follower closes it.
fn follow(command: &[String], host: &str, script: &str, paths: &[String]) -> Result<Follower> {
    use std::io::Write;
    // Its own process group: a Ctrl-C meant for `logs -f` reaches only rcluster, which then
    // closes the connection itself instead of seeing it fail.
    let mut child = spawn_sh(command, host, true)?;
    let Some(mut stdin) = child.stdin.take() else {
        let _ = child.kill();
        let _ = child.wait();
        bail!("host `{host}`: no pipe to ssh's standard input");
    };
    // A host that closes the connection early is reported by the follower's end.
    let _ = stdin.write_all(script.as_bytes());
    let _ = stdin.flush();
    Ok(Follower::new(host, child, stdin, paths))
}

/// Whether `host` answers over ssh without a prompt and has `python` (for `doctor`).
pub fn probe(command: &[String], host: &str, python: &str) -> Result<()> {
    run(command, host, &script::python_check(python)).map(|_| ())
}

/// The hosts of `[ssh] hosts`, without their counts.
pub fn host_names(config: &SshConfig) -> Result<Vec<String>> {
    Ok(hosts(config)?.into_iter().map(|h| h.name).collect())
}

fn host_failure(err: anyhow::Error) -> anyhow::Error {
    Failure::error(format!("{err:#}"))
        .hint("check that `ssh HOST true` works without a password prompt from this machine (keys, known_hosts), and that `[ssh] python` exists there; `docs/ssh.md` has a troubleshooting list")
        .into()
}

/// The engine connection file's text, once the controller has written it (copies only).
fn wait_for_connection(spec: &EngineSetSpec) -> Result<String> {
    let wait = spec
        .args
        .iter()
        .find_map(|a| a.strip_prefix("--IPEngine.wait_for_url_file="))
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(60.0);
    let file = crate::connection::connection_file(
        &spec.target.profile.security_dir(),
        spec.target.cluster_id,
        "engine",
    );
    let deadline = Instant::now() + Duration::from_secs_f64(wait);
    loop {
        if let Some(text) = crate::connection::read_complete(&file) {
            return Ok(text);
        }
        if Instant::now() >= deadline {
            bail!(
                "the controller did not write `{}` within {wait:.0} s, so it could not be copied to the hosts",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether `host` sees this cluster's files (a shared file system).
fn shares_files(command: &[String], host: &str, cluster_file: &Path) -> Result<bool> {
    let probe = format!(
        "if [ -f {} ]; then echo shared; else echo apart; fi\n",
        crate::shell::quote(&cluster_file.to_string_lossy())
    );
    Ok(run(command, host, &probe)?.trim() == "shared")
}

impl SshEngines {
    fn start_host(
        &self,
        spec: &EngineSetSpec,
        command: &[String],
        host: &str,
        n: u32,
        connection: &std::sync::OnceLock<Result<String, String>>,
    ) -> Result<HostStarted> {
        let config = &spec.target.config.ssh;
        let cluster_file =
            crate::cluster_file::path(&spec.target.profile.security_dir(), spec.target.cluster_id);
        let copy = match config.copy_connection {
            CopyConnection::Always => true,
            CopyConnection::Never => false,
            CopyConnection::Auto => !shares_files(command, host, &cluster_file)?,
        };
        let connection_text = if copy {
            let text =
                connection.get_or_init(|| wait_for_connection(spec).map_err(|e| format!("{e:#}")));
            Some(text.clone().map_err(|e| anyhow!(e))?)
        } else {
            None
        };
        let python = remote_python(spec);
        let script = script::start(&script::HostStart {
            spec,
            host,
            n,
            python: &python,
            connection: connection_text.as_deref(),
            fork: spec.target.config.engines.start.forks(),
            dry_run: false,
        });
        let out = run(command, host, &script)?;
        let mut started = HostStarted {
            host: RemoteHost {
                via: Ssh.name().into(),
                host: host.to_string(),
                set_id: spec.set_id.to_string(),
                command: command.to_vec(),
                python,
                profile_dir: String::new(),
                processes: Vec::new(),
                helpers: Vec::new(),
                files: Vec::new(),
                dir: None,
            },
            fallback: None,
        };
        let mut said = Vec::new();
        for line in out.lines() {
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            let remote = &mut started.host;
            match word {
                "dir" => remote.profile_dir = rest.to_string(),
                "own" => remote.dir = Some(rest.to_string()),
                "file" => remote.files.push(rest.to_string()),
                // A line that does not parse is reported, after what did start is stopped.
                "engine" | "forker" => match process_line(rest) {
                    Some(p) if word == "engine" => remote.processes.push(p),
                    Some(p) => remote.helpers.push(p),
                    None => said.push(line),
                },
                "fallback" => started.fallback = Some(rest.to_string()),
                "said" => said.push(rest),
                _ => {}
            }
        }
        let count = started.host.processes.len();
        if count != n as usize {
            // Stop what did start; the error says what went wrong.
            let _ = Ssh.stop(&started.host, Duration::from_secs(1), false);
            let why = if said.is_empty() {
                format!("the host said:\n{out}")
            } else {
                said.join("\n")
            };
            bail!("host `{host}`: {count} of {n} engines started; {why}");
        }
        Ok(started)
    }
}

/// What one host started.
struct HostStarted {
    host: RemoteHost,
    /// Why its forker started the engines with exec, when it did.
    fallback: Option<String>,
}

/// `PID START LOG` of an `engine` or `forker` line.
fn process_line(rest: &str) -> Option<RemoteProcess> {
    let mut words = rest.splitn(3, ' ');
    Some(RemoteProcess {
        pid: words.next()?.parse().ok()?,
        start_time: words.next()?.parse().unwrap_or(0),
        log: words.next()?.to_string(),
    })
}

/// `[ssh] python`, else the profile's Python at the same path.
fn remote_python(spec: &EngineSetSpec) -> String {
    spec.target
        .config
        .ssh
        .python
        .clone()
        .unwrap_or_else(|| spec.target.python.to_string_lossy().into_owned())
}

impl EngineBackend for SshEngines {
    fn name(&self) -> &'static str {
        "ssh"
    }

    fn class(&self) -> &'static str {
        "ssh"
    }

    fn remote(&self) -> bool {
        true
    }

    fn layout(&self, _: u32) -> Layout {
        Layout::Hosts
    }

    /// The hosts' counts, and one engine on each host without one.
    fn default_n(&self, config: &ProfileConfig) -> Result<Option<u32>> {
        if config.engines.launcher.name() != self.name() {
            return Ok(None);
        }
        let hosts = hosts(&config.ssh)?;
        Ok(Some(hosts.iter().map(|h| h.count.unwrap_or(1)).sum()))
    }

    /// One ssh per host, all at once; each host that started is recorded, so a host that
    /// fails rolls back the others.
    fn start(
        &self,
        spec: &EngineSetSpec,
        launched: &mut Launched,
        printer: &Printer,
    ) -> Result<()> {
        let config = &spec.target.config.ssh;
        let plan = assign(&hosts(config)?, spec.n)?;
        let command = ssh_command(config);
        let connection = std::sync::OnceLock::new();
        let results: Vec<Result<HostStarted>> = std::thread::scope(|scope| {
            let handles: Vec<_> = plan
                .iter()
                .map(|(host, n)| {
                    let (command, connection) = (&command, &connection);
                    scope.spawn(move || self.start_host(spec, command, host, *n, connection))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow!("an ssh start failed")))
                })
                .collect()
        });
        let mut errors = Vec::new();
        let mut fallbacks = Vec::new();
        for result in results {
            match result {
                Ok(HostStarted { host, fallback }) => {
                    if let Some(why) = fallback {
                        fallbacks.push((host.host.clone(), why));
                    }
                    let forker = host.helpers.first();
                    printer.verbose(format!(
                        "host `{}`: engines {}{}",
                        host.host,
                        host.processes
                            .iter()
                            .map(|p| p.pid.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        forker.map_or(String::new(), |f| format!(", forked by pid {}", f.pid))
                    ));
                    launched.remote.push(host);
                }
                Err(err) => errors.push(format!("{err:#}")),
            }
        }
        if let Some((_, why)) = fallbacks.first() {
            let hosts: Vec<String> = fallbacks.iter().map(|(h, _)| format!("`{h}`")).collect();
            printer.warn(format!(
                "engines of set {} on {} were started with exec, not fork: {why}",
                spec.set_id,
                hosts.join(", ")
            ));
        }
        if errors.is_empty() {
            return Ok(());
        }
        Err(host_failure(anyhow!(
            "cannot start engines over ssh: {}",
            errors.join("; ")
        )))
    }

    fn describe(&self, spec: &EngineSetSpec) -> Result<String> {
        let config = &spec.target.config.ssh;
        let command = crate::shell::join(&ssh_command(config));
        let python = remote_python(spec);
        let mut argv = vec![python.clone()];
        argv.extend(spec.argv().into_iter().skip(1));
        let copy = match config.copy_connection {
            CopyConnection::Auto => "when the host does not see this profile's files",
            CopyConnection::Always => "always",
            CopyConnection::Never => "never",
        };
        let mut out = String::new();
        let plan = assign(&hosts(config)?, spec.n)?;
        for (host, n) in &plan {
            out.push_str(&format!(
                "# {n} engine(s) on `{host}`, started by a script that ssh runs there:\n{command} {host} /bin/sh -s\n"
            ));
        }
        if let Some((host, n)) = plan
            .first()
            .filter(|_| spec.target.config.engines.start.forks())
        {
            // Auto decides per host; the copied form shows what a copy adds.
            let copied = config.copy_connection != CopyConnection::Never;
            out.push_str(&format!(
                "# the engines are forked from one Python per host (connection file copied: {copy}); the script for `{host}` (other hosts differ only in name and count):\n"
            ));
            out.push_str(&script::start(&script::HostStart {
                spec,
                host,
                n: *n,
                python: &python,
                connection: copied.then_some(""),
                fork: true,
                dry_run: true,
            }));
            return Ok(out);
        }
        out.push_str(&format!(
            "# each engine, in the background (connection file copied: {copy}):\n{} {}\n",
            env_line(spec.env),
            crate::shell::join(&argv)
        ));
        Ok(out)
    }
}

impl Remote for Ssh {
    fn name(&self) -> &'static str {
        "ssh"
    }

    fn check(&self, host: &RemoteHost) -> Result<Vec<bool>> {
        let out = run(&host.command, &host.host, &script::check(host))?;
        let states: Vec<bool> = out
            .lines()
            .filter_map(|l| match l.trim() {
                "up" => Some(true),
                "down" => Some(false),
                _ => None,
            })
            .collect();
        if states.len() != host.processes.len() {
            bail!("host `{}`: unexpected answer: {out}", host.host);
        }
        Ok(states)
    }

    fn stop(&self, host: &RemoteHost, grace: Duration, keep_logs: bool) -> Result<HostStopped> {
        let out = run(
            &host.command,
            &host.host,
            &script::stop(host, grace, keep_logs),
        )?;
        let mut stopped = HostStopped::default();
        let mut done = false;
        for line in out.lines() {
            match line.split_once(' ') {
                Some(("ended", n)) => stopped.ended = n.trim().parse().unwrap_or(0),
                Some(("killed", _)) => stopped.killed += 1,
                Some(("survivor", pid)) => stopped.survivors.extend(pid.trim().parse::<i32>().ok()),
                _ if line.trim() == "done" => done = true,
                _ => {}
            }
        }
        if !done {
            bail!("host `{}`: the stop did not finish: {out}", host.host);
        }
        Ok(stopped)
    }

    fn read(&self, host: &RemoteHost, path: &str) -> Result<String> {
        run(
            &host.command,
            &host.host,
            &format!("cat -- {}\n", crate::shell::quote(path)),
        )
    }

    fn follow(&self, host: &RemoteHost, paths: &[String]) -> Result<Follower> {
        follow(&host.command, &host.host, &script::follow(paths), paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(list: &[&str]) -> Vec<HostSpec> {
        list.iter().map(|h| HostSpec::parse(h).unwrap()).collect()
    }

    #[test]
    fn hosts_with_counts_take_them_and_the_rest_is_spread() {
        let hosts = specs(&["a:2", "b", "c"]);
        assert_eq!(
            assign(&hosts, 5).unwrap(),
            vec![("a".into(), 2), ("b".into(), 2), ("c".into(), 1)]
        );
        assert_eq!(assign(&hosts, 1).unwrap(), vec![("a".into(), 1)]);
        let fixed = specs(&["a:2", "b:1"]);
        assert!(assign(&fixed, 4).is_err(), "more than the counts give");
        assert_eq!(assign(&fixed, 3).unwrap().len(), 2);
    }

    #[test]
    fn host_specs_parse_counts_and_refuse_options() {
        assert_eq!(
            HostSpec::parse("user@node2:4").unwrap(),
            HostSpec {
                name: "user@node2".into(),
                count: Some(4)
            }
        );
        assert_eq!(HostSpec::parse("node1").unwrap().count, None);
        assert!(HostSpec::parse("-oProxyCommand=x").is_err());
        assert!(HostSpec::parse("").is_err());
    }

    #[test]
    fn ssh_never_prompts_and_keeps_a_users_timeout() {
        let mut config = SshConfig::default();
        let argv = ssh_command(&config);
        assert_eq!(argv[..3], ["ssh", "-o", "BatchMode=yes"]);
        assert!(argv.contains(&CONNECT_TIMEOUT.to_string()));
        config.args = vec!["-o".into(), "ConnectTimeout=3".into()];
        let argv = ssh_command(&config);
        assert!(!argv.contains(&CONNECT_TIMEOUT.to_string()));
        assert_eq!(argv.last().unwrap(), "ConnectTimeout=3");
    }
}
