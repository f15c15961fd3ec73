//! The POSIX shell scripts ssh runs on a host (`/bin/sh -s`, so the user's login shell only
//! parses `/bin/sh -s`): start a host's engines, check them, stop them.

use std::time::Duration;

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

/// Starts `n` engines in the background and prints `dir D`, `own DIR`, `file F` and
/// `engine PID START LOG` lines. With `connection`, the engines' connection file is written
/// there (no shared file system) under `~/.rcluster/<cluster id>-<set id>/`, which rcluster then owns.
pub fn start(
    spec: &EngineSetSpec,
    host: &str,
    n: u32,
    python: &str,
    connection: Option<&str>,
) -> String {
    let cid = spec.target.cluster_id;
    let mut s = String::from("umask 077\n");
    s += &python_check(python);
    let url_file = format!("security/rcluster-{cid}.engine");
    match connection {
        Some(text) => {
            let own = format!(".rcluster/{cid}-{}", spec.set_id);
            s += &format!("O=\"$HOME\"/{}\nD=\"$O/profile\"\n", quote(&own));
            s += "mkdir -p \"$D/log\" \"$D/security\" || exit 1\necho \"own $O\"\n";
            s += &format!(
                "cat > \"$D/{url_file}.tmp\" <<'RCLUSTER_CONNECTION_EOF'\n{}\nRCLUSTER_CONNECTION_EOF\n",
                text.trim_end()
            );
            s += &format!(
                "mv \"$D/{url_file}.tmp\" \"$D/{url_file}\" || exit 1\necho \"file $D/{url_file}\"\n"
            );
        }
        None => {
            s += &format!(
                "D={}\nmkdir -p \"$D/log\" || exit 1\n",
                quote(&spec.target.profile.dir.to_string_lossy())
            );
        }
    }
    s += "echo \"dir $D\"\n";
    for (name, value) in spec.env {
        if name == "IPP_PROFILE_DIR" {
            s += "IPP_PROFILE_DIR=\"$D\"; export IPP_PROFILE_DIR\n";
        } else {
            s += &format!("{name}={}; export {name}\n", quote(value));
        }
    }
    let mut args = String::new();
    for arg in spec.argv().iter().skip(1) {
        args.push(' ');
        if connection.is_some() && arg.starts_with("--IPEngine.url_file=") {
            args += &format!("--IPEngine.url_file=\"$D/{url_file}\"");
        } else {
            args += &quote(arg);
        }
    }
    s += "SETSID=\ncommand -v setsid >/dev/null 2>&1 && SETSID=setsid\n";
    s += &format!(
        "i=0\nwhile [ $i -lt {n} ]; do\n  L=\"$D/log/ipengine-{cid}-{set}-{host}-$i.log\"\n  nohup $SETSID \"$PY\"{args} </dev/null >\"$L\" 2>&1 &\n  P=$!\n  S=$(sed 's/^.*) //' \"/proc/$P/stat\" 2>/dev/null | cut -d' ' -f20)\n  echo \"engine $P ${{S:-0}} $L\"\n  i=$((i + 1))\ndone\n",
        set = spec.set_id,
        host = slug(host),
    );
    s
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
