//! The POSIX shell scripts ssh runs on a host (`/bin/sh -s`, so the user's login shell only
//! parses `/bin/sh -s`): start a host's engines, check them, stop them, follow their logs.

use std::time::Duration;

use super::super::fork::{self, ForkerSpec};
use super::super::{EngineSetSpec, RemoteHost};
use crate::shell::quote;

/// `alive PID START`: the process runs (not a zombie) and is the one recorded. Where there is
/// no `/proc` (start time 0), its command line must name ipyparallel (an engine) or the
/// forker's file.
const ALIVE: &str = r#"alive() {
  if [ -r "/proc/$1/stat" ]; then
    set -- "$1" "$2" $(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null)
    [ "$#" -ge 22 ] || return 1
    [ "$3" != Z ] || return 1
    eval "s=\${22}"
    [ "$2" = 0 ] || [ "$s" = "$2" ]
  else
    kill -0 "$1" 2>/dev/null && ps -o args= -p "$1" 2>/dev/null | grep -q -e ipyparallel -e /forker-
  fi
}
"#;

/// A file name part from a host name.
fn slug(host: &str) -> String {
    host.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One host's part of an engine set, as its start script starts it.
pub struct HostStart<'a> {
    pub spec: &'a EngineSetSpec<'a>,
    pub host: &'a str,
    pub n: u32,
    pub python: &'a str,
    /// The engine connection file's text, when it is copied to the host (no shared file system).
    pub connection: Option<&'a str>,
    /// One forker imports the engine once and forks the host's engines (else: exec each).
    pub fork: bool,
    /// `--dry-run`: the connection file's keys and the forker's source are named, not written.
    pub dry_run: bool,
}

/// In the forker's spec, the directory `D` that is only known on the host (`$HOME` there), as
/// a JSON string's content, and the same with `{`/`}` doubled for the spec's format fields.
const D_JSON: &str = "@RCLUSTER_D_JSON@";
const D_FORMAT: &str = "@RCLUSTER_D_FORMAT@";
const FORKER_EOF: &str = "RCLUSTER_FORKER_EOF";

/// How long the host waits for the forker to list its engines. It forks them right after its
/// imports (about a second); the bound only keeps a forker that hangs from hanging start.
const LIST_TIMEOUT_S: u32 = 120;

/// Run on the host by its Python (`-I -S`: the standard library only): waits until the forker's
/// pids file (argv 1) lists argv 2 engines while the forker (argv 3) runs, then prints an
/// `engine PID START LOG` line for each, `fallback WHY` when it started them with exec, and
/// `said …` lines (with the end of the forker's log, argv 4) when it did not list them all.
/// No single quote in it: it is sent inside one.
const WAIT_LISTED: &str = r#"import json, os, sys, time
pids, n, forker, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def running():
    try:
        with open("/proc/%s/stat" % forker) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        if os.path.isdir("/proc"):
            return False
    try:
        os.kill(int(forker), 0)
        return True
    except OSError:
        return False
def listed():
    try:
        with open(pids) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}, []
    return data, [e for e in data.get("engines") or [] if e.get("pid")]
end = time.monotonic() + TIMEOUT
while True:
    up = running()
    data, engines = listed()
    if len(engines) >= n or not up or time.monotonic() > end:
        break
    time.sleep(0.1)
for e in engines:
    print("engine", e["pid"], e.get("start_time") or 0, e["log"])
if data.get("fallback"):
    print("fallback", " ".join(str(data["fallback"]).split()))
if len(engines) < n:
    what = "did not list its engines within TIMEOUT s" if up else "exited before listing its engines"
    print("said the engine forker %s; last lines of %s:" % (what, log))
    try:
        with open(log, errors="replace") as f:
            for line in f.read().splitlines()[-20:]:
                print("said", line)
    except OSError:
        pass
"#;

/// The script that starts a host's engines in the background and prints `dir D`, `own DIR`,
/// `file F`, `engine PID START LOG` lines (and, forked, `forker PID START LOG`, `fallback WHY`,
/// `said …`). With a connection, the engines' connection file is written there under
/// `~/.rcluster/<cluster id>-<set id>/`, which rcluster then owns.
pub fn start(h: &HostStart) -> String {
    let spec = h.spec;
    let cid = spec.target.cluster_id;
    let mut s = String::from("umask 077\n");
    s += &python_check(h.python);
    let url_file = format!("security/rcluster-{cid}.engine");
    // The forker's pids file goes to `pid/`; its source and spec to `security/`.
    let fork_dirs = if h.fork { " \"$D/pid\"" } else { "" };
    match h.connection {
        Some(text) => {
            let own = format!(".rcluster/{cid}-{}", spec.set_id);
            s += &format!("O=\"$HOME\"/{}\nD=\"$O/profile\"\n", quote(&own));
            s += &format!(
                "mkdir -p \"$D/log\" \"$D/security\"{fork_dirs} || exit 1\necho \"own $O\"\n"
            );
            let text = if h.dry_run {
                "<the engine connection file: its keys are not shown>"
            } else {
                text.trim_end()
            };
            s += &format!(
                "cat > \"$D/{url_file}.tmp.$$\" <<'RCLUSTER_CONNECTION_EOF'\n{text}\nRCLUSTER_CONNECTION_EOF\n"
            );
            s += &format!(
                "mv \"$D/{url_file}.tmp.$$\" \"$D/{url_file}\" || exit 1\necho \"file $D/{url_file}\"\n"
            );
        }
        None => {
            let more = if h.fork { " \"$D/security\"" } else { "" };
            s += &format!(
                "D={}\nmkdir -p \"$D/log\"{more}{fork_dirs} || exit 1\n",
                quote(&spec.target.profile.dir.to_string_lossy())
            );
        }
    }
    s += "echo \"dir $D\"\n";
    for (name, value) in spec.env {
        if name == "IPP_PROFILE_DIR" {
            s += "IPP_PROFILE_DIR=\"$D\"; export IPP_PROFILE_DIR\n";
        } else {
            s += &format!("{name}={}; export {name}\n", quote(&shown(h, name, value)));
        }
    }
    s += "SETSID=\ncommand -v setsid >/dev/null 2>&1 && SETSID=setsid\n";
    if h.fork {
        s += &forked(h, &url_file);
        return s;
    }
    let mut args = String::new();
    for arg in spec.argv().iter().skip(1) {
        args.push(' ');
        if h.connection.is_some() && arg.starts_with("--IPEngine.url_file=") {
            args += &format!("--IPEngine.url_file=\"$D/{url_file}\"");
        } else {
            args += &quote(arg);
        }
    }
    s += &format!(
        "i=0\nwhile [ $i -lt {n} ]; do\n  L=\"$D/log/ipengine-{cid}-{set}-{host}-$i.log\"\n  nohup $SETSID \"$PY\"{args} </dev/null >\"$L\" 2>&1 &\n  P=$!\n  S=$(sed 's/^.*) //' \"/proc/$P/stat\" 2>/dev/null | cut -d' ' -f20)\n  echo \"engine $P ${{S:-0}} $L\"\n  i=$((i + 1))\ndone\n",
        n = h.n,
        set = spec.set_id,
        host = slug(h.host),
    );
    s
}

/// An environment variable's value as the script shows it: in `--dry-run`, a connection's keys
/// (`engines add` passes them in `IPP_CONNECTION_INFO`) are not.
fn shown(h: &HostStart, name: &str, value: &str) -> String {
    if h.dry_run && name == "IPP_CONNECTION_INFO" && !value.is_empty() {
        "<not shown: the controller's keys>".into()
    } else {
        value.to_string()
    }
}

/// The forked part of a start script: the forker's source and spec written (private: the spec
/// names the connection file), the forker started in the background, and its engines listed
/// once its pids file has them all. Files are announced before they are written, so a start
/// that fails halfway still removes them.
fn forked(h: &HostStart, url_file: &str) -> String {
    let spec = h.spec;
    let name = format!(
        "{}-{}-{}",
        spec.target.cluster_id,
        spec.set_id,
        slug(h.host)
    );
    let forker = ForkerSpec {
        set: spec,
        pids_file: format!("{D_FORMAT}/pid/forker-{name}.json"),
        log: format!("{D_FORMAT}/log/ipengine-{name}-{{slot}}.log"),
    };
    let mut json = forker.to_json();
    json["n"] = h.n.into();
    // The host's Python, should the forker fall back to exec (not this machine's).
    json["python"] = h.python.into();
    json["engine_args"] = spec
        .args
        .iter()
        .map(|arg| {
            if h.connection.is_some() && arg.starts_with("--IPEngine.url_file=") {
                format!("--IPEngine.url_file={D_JSON}/{url_file}")
            } else {
                arg.clone()
            }
        })
        .collect();
    json["env"] = spec
        .env
        .iter()
        .map(|(k, v)| {
            let v = if k == "IPP_PROFILE_DIR" {
                D_JSON.to_string()
            } else {
                shown(h, k, v)
            };
            (k.clone(), serde_json::Value::String(v))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    // An unquoted here-document, so that `$DJ` and `$DF` expand and nothing else does.
    let json = json
        .to_string()
        .replace('\\', "\\\\")
        .replace('$', "\\$")
        .replace('`', "\\`")
        .replace(D_JSON, "${DJ}")
        .replace(D_FORMAT, "${DF}");
    let source = if h.dry_run {
        format!(
            "<rcluster's engine forker (src/launcher/forker.py), {} bytes>",
            fork::SOURCE.len()
        )
    } else {
        fork::SOURCE.trim_end().to_string()
    };
    let failed = "|| { echo \"said cannot write $_W\"; exit 0; }";
    format!(
        r#"F="$D/security/forker-{name}"
P="$D/pid/forker-{name}.json"
FL="$D/log/forker-{name}.log"
DJ=$(printf '%s\n' "$D" | sed 's/\\/\\\\/g; s/"/\\"/g')
DF=$(printf '%s\n' "$DJ" | sed 's/{{/{{{{/g; s/}}/}}}}/g')
echo "file $F.py"; echo "file $F-spec.json"; echo "file $P"
rm -f "$P"
_W="$F.py"; cat > "$F.py" <<'{FORKER_EOF}' {failed}
{source}
{FORKER_EOF}
_W="$F-spec.json"; cat > "$F-spec.json" <<RCLUSTER_SPEC_EOF {failed}
{json}
RCLUSTER_SPEC_EOF
nohup $SETSID "$PY" "$F.py" "$F-spec.json" </dev/null >"$FL" 2>&1 &
P0=$!
S=$(sed 's/^.*) //' "/proc/$P0/stat" 2>/dev/null | cut -d' ' -f20)
echo "forker $P0 ${{S:-0}} $FL"
"$PY" -I -S -c '{wait}' "$P" {n} "$P0" "$FL"
"#,
        n = h.n,
        wait = WAIT_LISTED.replace("TIMEOUT", &LIST_TIMEOUT_S.to_string()),
    )
}

/// Sets `PY` to `python` and exits 127, saying so, when the host has no such program.
pub fn python_check(python: &str) -> String {
    format!(
        "PY={}\ncase $PY in\n  */*) [ -x \"$PY\" ] ;;\n  *) command -v \"$PY\" >/dev/null 2>&1 ;;\nesac || {{ echo \"rcluster: no Python \\`$PY\\` on this host (set \\`[ssh] python\\`)\" >&2; exit 127; }}\n",
        quote(python)
    )
}

/// Prints `up` or `down` for each recorded engine, in order (a forker's helpers are not
/// asked: their engines end with them).
pub fn check(host: &RemoteHost) -> String {
    let mut s = String::from(ALIVE);
    for p in &host.processes {
        s += &format!(
            "if alive {} {}; then echo up; else echo down; fi\n",
            p.pid, p.start_time
        );
    }
    s
}

/// Follows `paths` until standard input ends: `tail -F` in the background (`-f` where the
/// host's `tail` offers no `-F`, e.g. a minimal busybox; `-v` where it offers it, for headers
/// even with one file), while the script reads its standard input, the connection, to its
/// end, then ends the tail. In one `{ }` group, so the shell has read all of it before `cat`
/// reads the rest of its input: rcluster sends nothing after the script, until it closes.
pub fn follow(paths: &[String]) -> String {
    let files: Vec<String> = paths.iter().map(|p| quote(p)).collect();
    let offers = |option: &str| {
        format!("tail --help </dev/null 2>&1 | grep -q -E -e '(^|[^-]){option}([^[:alnum:]]|$)'")
    };
    format!(
        r#"{{
echo {started} >&2
F=-f
if {f}; then F=-F; fi
V=
if {v}; then V=-v; fi
tail $V -n +1 $F -- {files} </dev/null &
T=$!
cat >/dev/null
kill "$T" 2>/dev/null
wait "$T" 2>/dev/null
exit 0
}}
"#,
        started = super::super::follow::STARTED,
        f = offers("-F"),
        v = offers("-v"),
        files = files.join(" "),
    )
}

/// TERM to each recorded process (engines and helpers) still proven to be ours (its process group when it leads
/// one, so its children go too), KILL after the grace period, then the files. Prints
/// `ended N`, `killed PID`, `survivor PID` and, last, `done`.
pub fn stop(host: &RemoteHost, grace: Duration, keep_logs: bool) -> String {
    let ticks = (grace.as_secs_f64() * 10.0).ceil() as u64;
    let mut s = String::from(ALIVE);
    s += r#"group() {
  g=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f3)
  if [ "$g" = "$1" ]; then echo "-$1"; else echo "$1"; fi
}
T=
ended=0
"#;
    // The forker too (it would end its engines anyway), but only engines are counted.
    let engines = host.processes.iter().map(|p| (p, "; ended=$((ended + 1))"));
    for (p, count) in engines.chain(host.helpers.iter().map(|p| (p, ""))) {
        s += &format!(
            "if alive {pid} {start}; then kill -TERM $(group {pid}) 2>/dev/null; T=\"$T {pid}:{start}:$(group {pid})\"{count}; fi\n",
            pid = p.pid,
            start = p.start_time
        );
    }
    s += &format!(
        r#"echo "ended $ended"
t=0
while :; do
  left=
  for e in $T; do p=${{e%%:*}}; r=${{e#*:}}; alive "$p" "${{r%%:*}}" && left="$left $e"; done
  [ -n "$left" ] && [ $t -lt {ticks} ] || break
  sleep 0.1; t=$((t + 1))
done
for e in $left; do p=${{e%%:*}}; kill -KILL "${{e##*:}}" 2>/dev/null; echo "killed $p"; done
for e in $T; do case ${{e##*:}} in -*) kill -KILL "${{e##*:}}" 2>/dev/null ;; esac; done
t=0
while [ -n "$left" ] && [ $t -lt 50 ]; do
  still=
  for e in $left; do p=${{e%%:*}}; r=${{e#*:}}; alive "$p" "${{r%%:*}}" && still="$still $e"; done
  left=$still; [ -n "$left" ] || break
  sleep 0.1; t=$((t + 1))
done
for e in $left; do echo "survivor ${{e%%:*}}"; done
"#
    );
    let mut remove: Vec<&str> = host.files.iter().map(String::as_str).collect();
    if !keep_logs {
        remove.extend(
            host.processes
                .iter()
                .chain(&host.helpers)
                .map(|p| p.log.as_str()),
        );
    }
    s += "if [ -z \"$left\" ]; then\n";
    for file in remove {
        s += &format!("  rm -f -- {}\n", quote(file));
    }
    if let Some(dir) = host.dir.as_deref().filter(|_| !keep_logs) {
        s += &format!("  rm -rf -- {}\n", quote(dir));
        // `~/.rcluster` too, once no other cluster uses it.
        if let Some((parent, _)) = dir.rsplit_once('/') {
            s += &format!("  rmdir -- {} 2>/dev/null\n", quote(parent));
        }
    }
    s += "fi\necho done\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launcher::RemoteProcess;

    #[test]
    fn the_forker_and_its_waiter_survive_their_quoting() {
        // The source goes in a here-document ended by FORKER_EOF, the waiter in single quotes.
        let source = fork::SOURCE;
        assert!(!source.lines().any(|l| l == FORKER_EOF));
        assert!(!WAIT_LISTED.contains('\''));
    }

    #[test]
    fn the_follow_script_tails_until_its_input_ends_and_leaves_nothing() {
        use std::io::{Read, Write};
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("it's a.log");
        std::fs::write(&log, "one\n").unwrap();
        let path = log.to_string_lossy().into_owned();
        let script = follow(std::slice::from_ref(&path));
        // Nothing after the group: its `cat` must read only what comes after the script.
        assert!(
            script.starts_with("{\n") && script.ends_with("\n}\n"),
            "{script}"
        );
        let mut child = Command::new("/bin/sh")
            .arg("-s")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(script.as_bytes()).unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (sender, received) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 || sender.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut seen = String::new();
        let mut wait_for = |text: &str| {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !seen.contains(text) {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match received.recv_timeout(left) {
                    Ok(bytes) => seen.push_str(&String::from_utf8_lossy(&bytes)),
                    Err(_) => panic!("{text:?} not in {seen:?}"),
                }
            }
        };
        wait_for(&format!("==> {path} <==\none\n"));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .unwrap()
            .write_all(b"two\n")
            .unwrap();
        wait_for("one\ntwo\n");
        drop(stdin);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(std::time::Instant::now() < deadline, "still following");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{status:?}");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(
            stderr.starts_with(super::super::super::follow::STARTED),
            "{stderr}"
        );
        // The tail ended with the script: nothing has the log open any more.
        let open = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| std::fs::read_dir(e.ok()?.path().join("fd")).ok())
            .flatten()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .any(|target| target == log);
        assert!(!open, "the tail outlived its script");
    }

    #[test]
    fn stop_ends_a_hosts_forker_too_but_counts_only_engines() {
        let process = |pid, log: &str| RemoteProcess {
            pid,
            start_time: 7,
            log: log.into(),
        };
        let host = RemoteHost {
            via: "ssh".into(),
            host: "h".into(),
            set_id: "s".into(),
            command: vec!["ssh".into()],
            python: "/py".into(),
            profile_dir: "/p".into(),
            processes: vec![process(10, "/p/log/e0.log"), process(11, "/p/log/e1.log")],
            helpers: vec![process(9, "/p/log/forker.log")],
            files: vec!["/p/security/forker-c-s-h.py".into()],
            dir: None,
        };
        let script = stop(&host, Duration::from_secs(1), false);
        assert_eq!(script.matches("ended=$((ended + 1))").count(), 2);
        assert!(script.contains("if alive 9 7; then kill -TERM $(group 9)"));
        for file in [
            "/p/log/forker.log",
            "/p/log/e1.log",
            "/p/security/forker-c-s-h.py",
        ] {
            assert!(script.contains(&format!("rm -f -- {file}\n")), "{file}");
        }
        // `check` asks about the engines only, in their order.
        assert_eq!(check(&host).matches("then echo up").count(), 2);
    }
}
