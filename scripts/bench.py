#!/usr/bin/env python3
"""Issue 8's benchmark: rcluster and ipcluster side by side, in one run, on this machine.

Run with the project venv (scripts/setup.sh makes it):

    .venv/bin/python scripts/bench.py [--runs N] [--quick] [--slurm] [--scale N] [--fork]
                                      [--fork-slurm] [--fork-files] [--fork-scale N] [--fork-all]
                                      [--lab NODESxCPUS|running] [--out docs/benchmarks.md]
                                      [--csv docs/benchmarks.csv]

It writes a Markdown report (tables of median [min-max] per tool, the ratio, the machine) and a
CSV of every raw measurement. Everything runs in a temporary IPYTHONDIR; every cluster the
benchmark starts is stopped, and every Slurm job it submitted is cancelled by id, even on failure
or Ctrl-C. This script is the measurement: the test suite never asserts on timings.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
IPCLUSTER = VENV / "bin" / "ipcluster"
RCLUSTER = ROOT / "target" / "release" / "rcluster"
LAB_DIR = Path(os.environ.get("SLURM_LAB_DIR", "/tmp/slurm-lab"))
TIME = Path("/usr/bin/time")
RC, IPC = "rcluster", "ipcluster"
FORK = "rcluster fork"   # rcluster with --engine-start fork, in the fork sections
RCB = "rcluster exec, built-in"   # exec with rcluster's built-in Slurm engine template

# The seed guide's Slurm workflow (as in tests/slurm.rs): controller and 12 engines as Slurm jobs,
# the engines spread over n//5+1 = 3 nodes.
SEED_CONTROLLER = """#!/bin/sh
#SBATCH --output={output_file}
#SBATCH --export=ALL
#SBATCH --job-name=ipcontroller-{cluster_id}
#SBATCH --ntasks=1
#SBATCH --time=30
{program_and_args}
"""
SEED_ENGINE = """#!/bin/bash
#SBATCH --time=30
#SBATCH --export=ALL
#SBATCH --output={output_file}
#SBATCH --job-name=ipengine-{cluster_id}
#SBATCH --ntasks={n}
#SBATCH --nodes={n//5 + 1}
srun {program_and_args} --debug --profile-dir={profile_dir} --cluster-id={cluster_id}
"""
SEED_IPCLUSTER_CONFIG = """\
c.SlurmControllerLauncher.batch_template_file = 'slurm.controller.template'
c.SlurmEngineSetLauncher.batch_template_file = 'slurm.engine.template'
c.Cluster.controller_launcher_class = 'ipyparallel.cluster.launcher.SlurmControllerLauncher'
c.Cluster.engine_launcher_class = 'ipyparallel.cluster.launcher.SlurmEngineSetLauncher'
"""
SEED_RCLUSTER_TOML = """\
[controller]
launcher = "slurm"
template = "slurm.controller.template"

[engines]
launcher = "slurm"
template = "slurm.engine.template"
"""

# A fresh Python process, as a user would start one: import, connect, wait, report the moment
# (CLOCK_MONOTONIC is system-wide, so the benchmark compares it with its own t0).
CLIENT_CODE = """
import sys, time
import ipyparallel as ipp
profile, cluster_id, n, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
rc = ipp.Client(profile=profile, cluster_id=cluster_id)
rc.wait_for_engines(n, timeout=timeout)
print("READY", repr(time.monotonic()), len(rc.ids), flush=True)
import os; os._exit(0)
"""


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Result:
    def __init__(self, elapsed, rc, maxrss_kb, out, err, timed_out):
        self.elapsed, self.rc, self.maxrss_kb = elapsed, rc, maxrss_kb
        self.out, self.err, self.timed_out = out, err, timed_out

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def why(self) -> str:
        tail = (self.err or self.out).strip().splitlines()[-3:]
        return ("timeout; " if self.timed_out else f"exit {self.rc}; ") + " | ".join(tail)


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="rcluster-bench-"))
        self.ipydir = self.tmp / "ipython"
        self.ipydir.mkdir()
        self.tag = f"bn{os.getpid() % 100000}"
        self.seq = 0
        self.env = dict(os.environ)
        for k in ("CONDA_PREFIX", "RCLUSTER_PROFILE", "IPP_PROFILE_DIR", "IPP_CLUSTER_ID"):
            self.env.pop(k, None)
        self.env.update(
            IPYTHONDIR=str(self.ipydir),
            VIRTUAL_ENV=str(VENV),
            PATH=f"{VENV / 'bin'}:{os.environ.get('PATH', '')}",
            NO_COLOR="1",
            PYTHONUNBUFFERED="1",
        )
        if "SLURM_CONF" not in self.env and (LAB_DIR / "etc/slurm.conf").exists():
            self.env["SLURM_CONF"] = str(LAB_DIR / "etc/slurm.conf")
        self.rows: list[dict] = []
        self.active: list[tuple[str, str, str, Path | None]] = []  # (tool, profile, cid, cwd)
        self.notes: list[str] = []
        self.lab_before: tuple[int, int] | None = None
        self.lab_changed = False
        self.lab_down = False
        self.last_left: list[int] = []        # set by stop()
        self.last_jobs_left: list[str] = []   # set by stop()
        self.machine: dict[str, str] = {}

    # ---------------------------------------------------------------- running things

    def run(self, cmd, timeout=None, cwd=None, env=None, give_up=None) -> Result:
        """Runs cmd to completion; wall time, exit code and the max RSS of the process (wait4).
        give_up(): polled every second; a reason (str) ends the command at once, as a failure."""
        timeout = timeout or self.args.timeout
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.monotonic()
            p = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=err, env=env or self.env, cwd=cwd or self.tmp)
            timed_out = threading.Event()

            def kill(sig=signal.SIGKILL):
                try:
                    os.kill(p.pid, sig)
                except ProcessLookupError:
                    pass

            def expire():   # SIGTERM first: rcluster and ipcluster then stop what they started
                timed_out.set()
                kill(signal.SIGTERM)
                hard.start()
            hard = threading.Timer(30, kill)
            timer = threading.Timer(timeout, expire)
            timer.start()
            gave_up = []

            def watch():
                while p.poll() is None and not gave_up:
                    why = give_up()
                    if why:
                        gave_up.append(why)
                        kill(signal.SIGTERM)
                    time.sleep(1)
            if give_up:
                threading.Thread(target=watch, daemon=True).start()
            try:
                while True:
                    try:
                        _, status, ru = os.wait4(p.pid, 0)
                        break
                    except InterruptedError:
                        continue
            except BaseException:
                kill()
                raise
            finally:
                timer.cancel()
                hard.cancel()
            elapsed = time.monotonic() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            return Result(elapsed, p.returncode, ru.ru_maxrss, out.read().decode(errors="replace"),
                          err.read().decode(errors="replace") + "".join(gave_up),
                          timed_out.is_set())

    def rcluster(self, *args, **kw) -> Result:
        return self.run([RCLUSTER, *args], **kw)

    def ipcluster(self, *args, **kw) -> Result:
        return self.run([IPCLUSTER, *args], **kw)

    def record(self, section, metric, tool, n, run, value, unit="s", rc=0, note=""):
        self.rows.append(dict(
            time=dt.datetime.now().isoformat(timespec="seconds"), section=section, metric=metric,
            tool=tool, n=n if n is not None else "", run=run,
            value="" if value is None else (f"{value:.4f}" if unit == "s" else str(value)),
            unit=unit, rc=rc, note=note))
        if value is None:
            log(f"  {section} / {metric} / {tool} n={n} run {run}: FAILED {note}")
        elif unit == "s":
            log(f"  {section} / {metric} / {tool} n={n} run {run}: {value:.3f} s")

    def new_id(self, what: str) -> str:
        self.seq += 1
        return f"{self.tag}-{what}-{self.seq}"

    # ---------------------------------------------------------------- clusters

    def start_cmd(self, tool, profile, cid, n, extra=()):
        if tool == RC:
            # rcluster's default start mode may fork engines (`auto`); every rcluster row is exec
            # (ipcluster's semantics) unless the variant asks for fork itself
            start = [] if "--engine-start" in extra else ["--engine-start", "exec"]
            return [RCLUSTER, "start", "--profile", profile, "-n", n, "-q", "--cluster-id", cid,
                    "--timeout", self.args.timeout, *start, *extra]
        return [IPCLUSTER, "start", f"--profile={profile}", "-n", n, "--daemonize",
                f"--cluster-id={cid}", *extra]

    def stop_cmd(self, tool, profile, cid):
        if tool == RC:
            return [RCLUSTER, "stop", "--profile", profile, cid]
        return [IPCLUSTER, "stop", f"--profile={profile}", f"--cluster-id={cid}"]

    def client_wait(self, profile, cid, n, cwd=None) -> tuple[float | None, Result]:
        def purged():
            # ipyparallel's hub drops a registration whose first heartbeat is later than its
            # registration timeout; that engine never registers, so waiting longer is pointless.
            for log in self.ipydir.glob(f"profile_*/log/ipcontroller-{cid}-*.log"):
                try:
                    if "purging stalled registration" in log.read_text(errors="replace"):
                        return f"ended at once: the hub purged a stalled registration ({log.name})"
                except OSError:
                    pass
            return None
        r = self.run([PY, "-c", CLIENT_CODE, profile, cid, n, self.args.timeout], cwd=cwd,
                     give_up=purged)
        m = re.search(r"^READY (\S+) (\d+)", r.out, re.M)
        return (float(m.group(1)) if m and r.ok else None), r

    def start_ready(self, section, tool, profile, n, run, extra=(), cwd=None, variant=""):
        """start, then a fresh client until n engines: records 'start returns' and 'start → ready';
        returns the cluster id (still running) or None."""
        cid = self.new_id(f"{tool[0]}{n}")
        self.active.append((tool, profile, cid, cwd))
        v = f", {variant}" if variant else ""
        t0 = time.monotonic()
        cmd = self.start_cmd(tool, profile, cid, n, extra)
        rss_file = self.tmp / "maxrss"
        if tool == RC and TIME.exists():   # +~1 ms: /usr/bin/time forks and execs rcluster
            cmd = [TIME, "-f", "%M", "-o", rss_file, *cmd]
        r = self.run(cmd, cwd=cwd)
        if not r.ok:
            self.record(section, f"start returns{v}", tool, n, run, None, rc=r.rc, note=r.why())
            return cid
        self.record(section, f"start returns{v}", tool, n, run, r.elapsed)
        if tool == RC and section != "setup":
            self.record("memory", f"max RSS `rcluster start` ({section}{v})", tool, n, run,
                        read_maxrss(rss_file, r), "KB")
        ts, c = self.client_wait(profile, cid, n, cwd=cwd)
        if ts is None:
            self.record(section, f"start → {n} engines seen by a fresh Client{v}", tool, n, run,
                        None, rc=c.rc, note=c.why())
        else:
            self.record(section, f"start → {n} engines seen by a fresh Client{v}", tool, n, run,
                        ts - t0)
        if ts is not None and section != "setup":
            # CPU the cluster's processes (controller, engines, nannies, srun) used to get there:
            # divided by the cores, the least wall time any launcher could take on this machine.
            cpu = sum(cpu_seconds(p) for p in self.leftover_processes(cid))
            label = f"{section}{v}"
            self.record("cpu", f"CPU of the cluster's processes at ready ({label})", tool, n,
                        run, cpu)
            self.record("cpu", f"… ÷ {os.cpu_count()} cores ({label})", tool, n, run,
                        cpu / (os.cpu_count() or 1))
        return cid

    def stop(self, section, tool, profile, cid, n, run, cwd=None, variant="", slurm=False,
             label=None):
        """Stops the cluster; rows go under `label` (default: tool). self.last_left: the
        cluster's processes still alive 5 s after stop returned (killed then)."""
        v = f", {variant}" if variant else ""
        jobs = self.jobs_of(cid) if slurm else []
        t0 = time.monotonic()
        r = self.run(self.stop_cmd(tool, profile, cid), cwd=cwd)
        shown, tool = tool, label or tool
        if r.ok:
            self.record(section, f"stop returns{v}", tool, n, run, r.elapsed)
        else:
            self.record(section, f"stop returns{v}", tool, n, run, None, rc=r.rc, note=r.why())
        if slurm:
            deadline = time.monotonic() + 120
            while self.jobs_alive(jobs) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = self.jobs_alive(jobs)
            if not r.ok:
                self.record(section, f"stop → no job in squeue{v}", tool, n, run, None,
                            note="the stop command failed")
            elif left or not jobs:
                self.record(section, f"stop → no job in squeue{v}", tool, n, run, None,
                            note=f"jobs left: {left}" if jobs else "no job found before stop")
            else:
                self.record(section, f"stop → no job in squeue{v}", tool, n, run,
                            time.monotonic() - t0)
        self.active = [a for a in self.active if a[2] != cid]
        self.last_jobs_left = self.jobs_alive(jobs) if slurm else []
        if not r.ok or self.last_jobs_left:
            self.force_stop(shown, profile, cid, cwd)
        left = self.leftover_processes(cid)
        deadline = time.monotonic() + 5
        while left and time.monotonic() < deadline:   # give exiting processes a moment
            time.sleep(0.05)
            left = self.leftover_processes(cid)
        self.last_left = left
        if left:
            what = "; ".join(f"{p} `{cmdline(p)[:100]}`" for p in left)
            self.notes.append(f"{tool} stop of `{cid}` left processes 5 s after it returned "
                              f"(killed): {what}")
            self.kill_pids(left)
        return r.ok

    def force_stop(self, tool, profile, cid, cwd=None):
        """Best effort, for cleanup: the tool's own stop, then the other's, then scancel/kill."""
        for t in (tool, IPC if tool == RC else RC):
            r = self.run(self.stop_cmd(t, profile, cid), timeout=120, cwd=cwd)
            if r.ok:
                break
        jobs = self.jobs_of(cid)
        if jobs:
            subprocess.run(["scancel", *jobs], env=self.env, check=False)
        self.kill_pids(self.leftover_processes(cid))

    # ---------------------------------------------------------------- processes and jobs

    def leftover_processes(self, cid=None) -> list[int]:
        """Live processes whose environment has IPP_PROFILE_DIR under the bench's IPYTHONDIR
        (and IPP_CLUSTER_ID == cid, if given), or an ipcluster daemon with our IPYTHONDIR."""
        mine = []
        want = f"IPP_PROFILE_DIR={self.ipydir}".encode()
        want_ipy = f"IPYTHONDIR={self.ipydir}\0".encode()
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) == os.getpid():
                continue
            try:
                env = (d / "environ").read_bytes()
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            vars_ = env.split(b"\0")
            ours = any(v.startswith(want) for v in vars_)
            daemon = want_ipy in env + b"\0" and b"ipcluster" in cmd
            if not (ours or daemon):
                continue
            if cid is not None and f"IPP_CLUSTER_ID={cid}".encode() not in vars_ \
                    and cid.encode() not in cmd:
                continue
            mine.append(int(d.name))
        return mine

    def kill_pids(self, pids):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and any(alive(p) for p in pids):
                time.sleep(0.05)
            pids = [p for p in pids if alive(p)]
            if not pids:
                return

    def squeue(self) -> list[tuple[str, str, str]]:
        r = subprocess.run(["squeue", "-h", "-o", "%i|%j|%T"], env=self.env, text=True,
                           capture_output=True, check=False)
        return [tuple(line.split("|", 2)) for line in r.stdout.splitlines() if line.count("|") == 2]

    def jobs_of(self, cid) -> list[str]:
        return [j for j, name, _ in self.squeue() if name.endswith(f"-{cid}")]

    def jobs_alive(self, jobs) -> list[str]:
        if not jobs:
            return []
        alive_ids = {j for j, _, _ in self.squeue()}
        return [j for j in jobs if j in alive_ids]

    def lab_cpus(self) -> tuple[int, int, int]:
        """(idle, other, total) CPUs of the Slurm lab; other = on nodes that are down/drained."""
        r = subprocess.run(["sinfo", "-h", "-o", "%C"], env=self.env, text=True,
                           capture_output=True, check=False)
        try:
            a, i, o, t = (int(x) for x in r.stdout.split()[0].split("/"))
            return i, o, t
        except (ValueError, IndexError):
            return 0, 0, 0

    def wait_idle(self, need, what) -> bool:
        """Waits (max --timeout) until the lab has `need` idle CPUs and no node down, so no job of
        ours waits for someone else's; False (skipped, noted) if the lab is too small."""
        if self.lab_down:
            return False
        idle, other, total = self.lab_cpus()
        if total == 0:
            self.lab_down = True
            self.notes.append(f"the Slurm lab did not answer (`sinfo`) at {what}: skipped the "
                              "remaining Slurm measurements")
            log(self.notes[-1])
            return False
        if total < need:
            self.notes.append(f"skipped {what}: needs {need} CPUs, the lab has {total}")
            log(self.notes[-1])
            return False
        deadline = time.monotonic() + self.args.timeout
        if idle < need or other:
            log(f"waiting for {need} idle CPUs and every node up ({idle} idle, {other} down)")
        while (idle < need or other) and time.monotonic() < deadline:
            time.sleep(0.5)
            idle, other, total = self.lab_cpus()
        if idle < need or other:
            self.notes.append(f"{what}: lab busy ({idle} idle CPUs, need {need}; {other} on "
                              f"nodes down) after waiting {self.args.timeout:.0f} s; measured anyway")
        return True

    # ---------------------------------------------------------------- setup

    def build(self):
        src = [ROOT / "Cargo.toml", ROOT / "Cargo.lock", ROOT / "build.rs"]
        src += list((ROOT / "src").rglob("*")) + list((ROOT / "profiles").rglob("*"))
        newest = max((p.stat().st_mtime for p in src if p.is_file()), default=0)
        if RCLUSTER.exists() and RCLUSTER.stat().st_mtime >= newest:
            log(f"using {RCLUSTER} (up to date)")
            return
        why = "missing" if not RCLUSTER.exists() else "older than the sources"
        log(f"{RCLUSTER} is {why}: building it with `cargo build --release` ...")
        r = subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=False)
        if r.returncode != 0:
            if not RCLUSTER.exists():
                sys.exit("bench: cargo build --release failed")
            self.notes.append("`cargo build --release` failed; measured the existing binary")
            log(self.notes[-1])
        else:
            log("built target/release/rcluster")

    def profile(self, name, preset="local"):
        r = self.rcluster("profile", "create", name, "--preset", preset, "--force")
        if not r.ok:
            sys.exit(f"bench: rcluster profile create {name}: {r.why()}")
        return self.ipydir / f"profile_{name}"

    def lab_config(self) -> tuple[int, int] | None:
        try:
            text = (LAB_DIR / "etc/slurm.conf").read_text()
        except OSError:
            return None
        cpus = [int(c) for c in re.findall(r"^NodeName=\S+ .*CPUs=(\d+)", text, re.M)]
        return (len(cpus), cpus[0]) if cpus else None

    def lab_up(self, nodes, cpus):
        env = {k: v for k, v in os.environ.items() if k not in ("IPYTHONDIR", "VIRTUAL_ENV")}
        env.update(SLURM_LAB_NODES=str(nodes), SLURM_LAB_CPUS=str(cpus))
        log(f"bringing the Slurm lab up with {nodes} nodes x {cpus} CPUs (slurm-up.sh) ...")
        r = subprocess.run([str(ROOT / "scripts/slurm-lab/slurm-up.sh")], env=env, text=True,
                           capture_output=True, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"slurm-up.sh failed:\n{r.stdout}\n{r.stderr}")
        log(r.stdout.strip().splitlines()[-1])
        if "SLURM_CONF" not in self.env:
            self.env["SLURM_CONF"] = str(LAB_DIR / "etc/slurm.conf")

    def setup_lab(self):
        a = self.args
        self.lab_before = self.lab_config()
        if a.lab == "running":
            if self.lab_before is None or self.lab_cpus()[2] == 0:
                raise RuntimeError("--lab running: no Slurm lab is up (scripts/slurm-lab/slurm-up.sh)")
            log(f"using the running Slurm lab ({self.lab_before[0]} nodes x {self.lab_before[1]} CPUs)")
            return
        if self.lab_before and self.lab_cpus()[2] == 0:
            self.lab_before = None   # it was down: nothing to restore afterwards
        nodes, cpus = (int(x) for x in a.lab.lower().split("x"))
        biggest = max(a.scale, a.fork_scale if "slurm" in a.fork_scale_on else 0)
        if biggest:   # the scale runs need a CPU per engine (CPUs may exceed nproc)
            cpus = max(cpus, math.ceil(biggest / nodes))
        if self.lab_before != (nodes, cpus):
            self.lab_changed = True
        self.lab_up(nodes, cpus)

    def describe_machine(self):
        m = self.machine
        cpu = "?"
        try:
            cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M).group(1)
        except (OSError, AttributeError):
            pass
        mem = meminfo()
        m["CPU"] = f"{cpu}, {os.cpu_count()} cores (`nproc` {len(os.sched_getaffinity(0))})"
        m["Memory"] = f"{mem.get('MemTotal', 0) / 1048576:.1f} GiB"
        m["Kernel"] = f"{platform.system()} {platform.release()}"
        m["OS"] = os_release()
        py = self.run([PY, "-c", "import sys, ipyparallel, zmq; print(sys.version.split()[0], "
                                 "ipyparallel.__version__, zmq.zmq_version())"])
        pyv, ippv, zmqv = (py.out.split() + ["?"] * 3)[:3]
        m["Python"] = f"{pyv} (`.venv`)"
        m["ipyparallel"] = f"{ippv} (libzmq {zmqv})"
        rv = self.rcluster("--version").out.strip()
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock", "profiles")
        m["rcluster"] = f"{rv}, commit {commit}{' + uncommitted changes' if dirty else ''}, " \
                        f"`target/release/rcluster`"
        hb = self.run([PY, "-c", "from ipyparallel.controller.heartmonitor import HeartMonitor;"
                                 "print(HeartMonitor.period.default_value)"]).out.strip()
        m["Heartbeat"] = (f"rcluster: `[controller] heartbeat_ms` default, 5 ms × engines within "
                          f"50–3000 ms (`--ping={{rc_ping}}` for 2 engines); "
                          f"ipcluster: ipyparallel's default period {hb} ms")
        if uses_lab(self.args):
            sv = subprocess.run(["sinfo", "--version"], text=True, capture_output=True,
                                check=False).stdout.strip()
            lab = self.lab_config()
            m["Slurm"] = f"{sv}; lab `scripts/slurm-lab` with {lab[0]} emulated nodes x {lab[1]} " \
                         f"CPUs (all on this machine)" if lab else sv
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        m["Open files limit"] = (f"{soft} (soft) / {hard} (hard), inherited by the clusters "
                                 "the bench starts (`ulimit -n`)")
        m["Date"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        m["Load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    # ---------------------------------------------------------------- sections

    def cli(self):
        a, S = self.args, "cli"
        log("== CLI latency")
        for cmd, tool, label in (
            ([PY, "-c", "pass"], "python", "`python -c pass` (floor of any Python CLI)"),
            ([PY, "-c", "import ipyparallel"], "python", "`python -c 'import ipyparallel'`"),
        ):
            self.run(cmd)  # warm-up
            for i in range(a.runs):
                self.record(S, label, tool, None, i, self.run(cmd).elapsed)
        for tool in (RC, IPC):
            self.run([RCLUSTER if tool == RC else IPCLUSTER, "--version"])  # warm-up
            for i in range(a.runs):
                r = self.run([RCLUSTER if tool == RC else IPCLUSTER, "--version"])
                self.record(S, "`--version`", tool, None, i, r.elapsed if r.ok else None,
                            rc=r.rc, note="" if r.ok else r.why())
        # list, with one local cluster (started by the same tool) running
        for tool in (RC, IPC):
            cid = self.start_ready("setup", tool, "bench", 2, 0)
            try:
                lst = [RCLUSTER, "list"] if tool == RC else [IPCLUSTER, "list"]
                w = self.run(lst)  # warm-up; also: does it see the cluster?
                if cid not in w.out:
                    self.notes.append(f"`{tool} list` did not show the running cluster `{cid}`")
                for i in range(a.runs):
                    r = self.run(lst)
                    self.record(S, "`list` (1 local cluster running)", tool, None, i,
                                r.elapsed if r.ok else None, rc=r.rc, note="" if r.ok else r.why())
                if tool == RC:   # separately: /usr/bin/time would add to the latency
                    rss_file = self.tmp / "maxrss"
                    for i in range(a.runs):
                        r = self.run([TIME, "-f", "%M", "-o", rss_file, *lst] if TIME.exists()
                                     else lst)
                        self.record("memory", "max RSS `rcluster list`", tool, None, i,
                                    read_maxrss(rss_file, r), "KB")
            finally:
                self.stop("setup", tool, "bench", cid, 2, 0)
        self.rows = [r for r in self.rows if r["section"] != "setup"]

    def local(self):
        a, S = self.args, "local"
        log(f"== local start/ready/stop, N = {a.local_n}")
        for i in range(a.runs):
            tools = (RC, IPC) if i % 2 == 0 else (IPC, RC)   # alternate who goes first
            for n in a.local_n:
                for tool in tools:
                    cid = self.start_ready(S, tool, "bench", n, i)
                    self.stop(S, tool, "bench", cid, n, i)

    # ---------------------------------------------------------------- fork start (issue 16)

    def fork_once(self, S, tool, real, profile, n, run, extra, cwd=None, slurm=False):
        """One start of `tool` (a label; `real` is RC or IPC): start returns, start → n seen,
        CPU and PSS per engine of the cluster's processes at ready, then stop. Stop rows go
        under the label; a local run drops them (the local table is about starting)."""
        cid = self.new_id(f"{'f' if tool == FORK else real[0]}{n}")
        self.active.append((real, profile, cid, cwd))
        t0 = time.monotonic()
        r = self.run(self.start_cmd(real, profile, cid, n, extra), cwd=cwd)
        if not r.ok:
            self.record(S, "start returns", tool, n, run, None, rc=r.rc, note=r.why())
        else:
            self.record(S, "start returns", tool, n, run, r.elapsed)
            ts, c = self.client_wait(profile, cid, n, cwd=cwd)
            metric = f"start → {n} engines seen by a fresh Client"
            if ts is None:
                self.record(S, metric, tool, n, run, None, rc=c.rc, note=c.why())
            else:
                self.record(S, metric, tool, n, run, ts - t0)
                procs = self.leftover_processes(cid)
                self.record(S, "CPU s of the cluster's processes at ready", tool, n, run,
                            sum(cpu_seconds(p) for p in procs))
                self.record(S, "PSS MiB of the cluster's processes per engine at ready",
                            tool, n, run, round(sum(pss_kb(p) for p in procs) / 1024 / n, 1),
                            "MiB")
        stop_section = S if slurm else "setup"
        self.stop(stop_section, real, profile, cid, n, run, cwd=cwd, slurm=slurm, label=tool)
        self.rows = [r for r in self.rows if r["section"] != "setup"]

    def fork(self):
        """rcluster exec vs rcluster fork vs ipcluster, interleaved, N local engines each."""
        a, S, n = self.args, "fork", self.args.fork_n
        log(f"== fork start: exec vs fork vs ipcluster, N = {n}")
        variants = ((RC, ["--engine-start", "exec"]), (FORK, ["--engine-start", "fork"]),
                    (IPC, []))
        for i in range(a.runs):
            for tool, extra in variants[i % 3:] + variants[:i % 3]:   # rotate who goes first
                self.fork_once(S, tool, IPC if tool == IPC else RC, "bench", n, i, extra)

    def seed_profile(self, name, tool, engine_template=True) -> Path:
        """A profile for the seed guide's Slurm workflow: its controller template, and its
        engine template unless engine_template is False (rcluster's built-in one then)."""
        d = self.profile(name, "slurm")
        (d / "slurm.controller.template").write_text(SEED_CONTROLLER)
        if tool == IPC:
            (d / "slurm.engine.template").write_text(SEED_ENGINE)
            (d / "rcluster.toml").unlink()
            (d / "ipcluster_config.py").write_text(SEED_IPCLUSTER_CONFIG)
        elif engine_template:
            (d / "slurm.engine.template").write_text(SEED_ENGINE)
            (d / "rcluster.toml").write_text(SEED_RCLUSTER_TOML)
        else:
            (d / "rcluster.toml").write_text(SEED_RCLUSTER_TOML.replace(
                'template = "slurm.engine.template"\n', ""))
        return d

    def fork_slurm(self):
        """The seed guide's Slurm workflow, N engines: its templates (rcluster exec, ipcluster)
        and its controller template with rcluster's built-in engine template (exec and fork)."""
        a, S, n = self.args, "fork-slurm", self.args.fork_n
        log(f"== fork start on the Slurm lab (the seed guide's workflow), N = {n}")
        dirs = {"r": self.seed_profile("fseed_r", RC), "b": self.seed_profile("fseed_b", RC, False),
                "i": self.seed_profile("fseed_i", IPC)}
        # the built-in template, spread over as many nodes as the guide's (`--nodes={n//5 + 1}`):
        # one forker per node, the same layout as the guide's engine job
        nodes = f"--directive=--nodes={n // 5 + 1}"
        variants = ((RC, RC, "r", ["--engine-start", "exec"]),
                    (RCB, RC, "b", ["--engine-start", "exec", nodes]),
                    (FORK, RC, "b", ["--engine-start", "fork", nodes]),
                    (IPC, IPC, "i", []))
        for i in range(a.runs):
            for tool, real, p, extra in variants[i % 4:] + variants[:i % 4]:
                if not self.wait_idle(n + 1, f"fork start on Slurm, {tool}"):
                    return
                # ipcluster reads the templates from its working directory, as in the seed guide
                self.fork_once(S, tool, real, dirs[p].name[len("profile_"):], n, i, extra,
                               cwd=dirs[p], slurm=True)

    def fork_files(self):
        """Files opened while the cluster starts (strace -f), exec vs fork vs ipcluster."""
        a, S, n = self.args, "fork", self.args.fork_n
        log(f"== files opened while starting {n} local engines (strace -f)")
        strace = shutil.which("strace", path=f"/usr/bin:{os.environ.get('PATH', '')}")
        if not strace:
            self.notes.append("--fork-files: strace is not installed; files not counted")
            log(self.notes[-1])
            return
        variants = ((RC, RC, ["--engine-start", "exec"]), (FORK, RC, ["--engine-start", "fork"]),
                    (IPC, IPC, []))
        for i in range(a.files_runs):
            for tool, real, extra in variants[i % 3:] + variants[:i % 3]:
                self.traced_start(S, strace, tool, real, n, i, extra)

    def traced_start(self, S, strace, tool, real, n, run, extra):
        cid = self.new_id(f"t{'f' if tool == FORK else real[0]}{n}")
        self.active.append((real, "bench", cid, None))
        trace, done = self.tmp / f"strace-{cid}.txt", self.tmp / f"exit-{cid}"
        # -f follows the daemonized controller and engines; the sh wrapper says when start
        # returned (strace itself runs until its last tracee exits; it detaches on SIGINT)
        cmd = [strace, "-f", "-qq", "-s", "200", "-o", trace,
               "-e", "trace=open,openat,execve,clone,clone3,fork,vfork",
               "sh", "-c", f'"$0" "$@"; echo $? > {done}',
               *self.start_cmd(real, "bench", cid, n, extra)]
        metric = "files opened while starting ÷ N, all the cluster's processes"
        with open(self.tmp / f"strace-{cid}.out", "wb") as out:
            p = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, env=self.env, cwd=self.tmp)
        failure = None
        deadline = time.monotonic() + self.args.timeout
        while not done.exists() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.1)   # the wrapper's echo may still be writing
        code = done.read_text().strip() if done.exists() else ""
        if code != "0":
            failure = f"start under strace: exit {code or '?'}" if code else "start timed out"
        elif real == IPC:
            # ipcluster --daemonize returns before the engines register: count until they have
            ts, c = self.client_wait("bench", cid, n)
            if ts is None:
                failure = c.why()
        if p.poll() is None:
            p.send_signal(signal.SIGINT)   # detach: the cluster keeps running, untraced
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if failure:
            tail = (self.tmp / f"strace-{cid}.out").read_text(errors="replace").strip()
            self.record(S, metric, tool, n, run, None, "count",
                        note=f"{failure} | {' | '.join(tail.splitlines()[-3:])}")
        else:
            total, ctl = count_opens(trace)
            self.record(S, metric, tool, n, run, round(total / n), "count")
            self.record(S, "files opened while starting, the controller's processes", tool, n,
                        run, ctl, "count")
            self.record(S, "files opened while starting ÷ N, all but the controller", tool, n,
                        run, round((total - ctl) / n), "count")
            log(f"  files opened by {tool} (N={n}): {total} in all, {ctl} by the controller")
        if not self.args.keep_tmp:
            trace.unlink(missing_ok=True)
        self.stop("setup", real, "bench", cid, n, run, label=tool)
        self.rows = [r for r in self.rows if r["section"] != "setup"]

    def fork_scale(self):
        """The largest cluster: N forked engines, locally and/or on the Slurm lab (controller
        local), once each."""
        a, S, n = self.args, "fork-scale", self.args.fork_scale
        where = [("local", "bench", ["--engines", "local"], False)] \
            if "local" in a.fork_scale_on else []
        if "slurm" in a.fork_scale_on:
            where.append(("Slurm lab", "slurm", ["--controller", "local", "--engines", "slurm"],
                          True))
        for label, profile, extra, slurm in where:
            log(f"== fork scale: {n} forked engines, {label}")
            if slurm and not self.wait_idle(n, f"fork scale n={n} on the Slurm lab"):
                continue
            self.scale_once(S, f"{FORK}, {label}", profile, n, extra, slurm)

    def scale_once(self, S, tool, profile, n, extra, slurm):
        lowest = [meminfo().get("MemAvailable", 0)]
        before = lowest[0]
        done = threading.Event()

        def sample():
            while not done.wait(0.5):
                lowest[0] = min(lowest[0], meminfo().get("MemAvailable", lowest[0]))
        th = threading.Thread(target=sample, daemon=True)
        th.start()
        cid = self.new_id(f"fs{n}")
        self.active.append((RC, profile, cid, None))
        t0 = time.monotonic()
        r = self.run(self.start_cmd(RC, profile, cid, n, [*extra, "--engine-start", "fork"]))
        seen = None
        if not r.ok:
            self.record(S, "start returns", tool, n, 0, None, rc=r.rc, note=r.why())
        else:
            self.record(S, "start returns", tool, n, 0, r.elapsed)
            ts, c = self.client_wait(profile, cid, n)
            if ts is None:
                self.record(S, f"start → {n} engines seen by a fresh Client", tool, n, 0, None,
                            rc=c.rc, note=c.why())
            else:
                seen = ts - t0
                self.record(S, f"start → {n} engines seen by a fresh Client", tool, n, 0, seen)
        self.record(S, f"all {n} registered (a fresh Client saw {n})", tool, n, 0,
                    int(seen is not None), "bool")
        if seen is not None:
            procs = self.leftover_processes(cid)
            self.record(S, "CPU s of the cluster's processes at ready", tool, n, 0,
                        sum(cpu_seconds(p) for p in procs))
            self.record(S, "PSS MiB of the cluster's processes per engine at ready", tool, n, 0,
                        round(sum(pss_kb(p) for p in procs) / 1024 / n, 1), "MiB")
            self.record(S, "processes of the cluster at ready", tool, n, 0, len(procs), "count")
            fds = {p: open_fds(p) for p in procs}
            busiest = max(fds, key=fds.get, default=None)
            if busiest is not None:
                # the controller's hub holds a few sockets per engine: this is what an open-files
                # limit would cap (the bench raised its own soft limit to the hard one)
                self.record(S, "most open files of one process at ready", tool, n, 0,
                            fds[busiest], "count", note=f"`{cmdline(busiest)[:80]}`")
                self.record(S, "… that process's open-files limit (soft)", tool, n, 0,
                            nofile_limit(busiest), "count")
        lowest_at_ready = lowest[0] = min(lowest[0], meminfo().get("MemAvailable", lowest[0]))
        done.set()
        th.join()
        if seen is not None:
            self.record(S, "MemAvailable drop per engine (before start → ready)", tool, n, 0,
                        round((before - lowest_at_ready) / 1024 / n, 1), "MiB")
        self.stop(S, RC, profile, cid, n, 0, slurm=slurm, label=tool)
        self.record(S, "the cluster's processes left 5 s after stop", tool, n, 0,
                    len(self.last_left), "count", note=" ".join(map(str, self.last_left)))
        if slurm:
            self.record(S, "the cluster's jobs in squeue after stop", tool, n, 0,
                        len(self.last_jobs_left), "count", note=" ".join(self.last_jobs_left))

    def ratio_table(self, section, cols, ratios):
        """Rows: the section's metrics; columns: (tool, header); ratios: (header, num, den)."""
        keys = []
        for r in self.rows:
            if r["section"] == section and (r["metric"], r["n"], r["unit"]) not in keys:
                keys.append((r["metric"], r["n"], r["unit"]))
        if not keys:
            return ""
        heads = [h for _, h in cols] + [h for h, _, _ in ratios]
        lines = ["| measurement | N | " + " | ".join(heads) + " |",
                 "|---|---:|" + "---|" * len(cols) + "---:|" * len(ratios)]
        for metric, n, unit in keys:
            cells, med = [], {}
            for tool, _ in cols:
                ok, failed = self.stats(section, metric, tool, n)
                cells.append(fmt_stats(ok, failed, unit))
                med[tool] = statistics.median(ok) if ok else None
            for _, num, den in ratios:
                cells.append(f"{med[num] / med[den]:.2f}" if med[num] and med[den] else "–")
            lines.append(f"| {metric} | {n} | {' | '.join(cells)} |")
        return "\n".join(lines) + "\n"

    def fork_table(self):
        return self.ratio_table("fork", ((RC, "rcluster exec"), (FORK, "rcluster fork"),
                                         (IPC, "ipcluster")),
                                (("fork ÷ exec", FORK, RC),))

    def fork_slurm_table(self):
        return self.ratio_table("fork-slurm", (
            (RC, "rcluster exec, guide's templates"),
            (RCB, "rcluster exec, built-in engine template"),
            (FORK, "rcluster fork, built-in engine template"),
            (IPC, "ipcluster, guide's templates")),
            (("fork ÷ exec (built-in)", FORK, RCB), ("fork ÷ exec (guide's)", FORK, RC)))

    def fork_scale_table(self):
        return self.ratio_table("fork-scale", (
            (f"{FORK}, local", "local (controller + one forker here)"),
            (f"{FORK}, Slurm lab", "Slurm lab (controller local, one forker per node)")), ())

    def fork_goals(self):
        """Issue 16's goals, met or not, from this run's medians."""
        def med(section, metric, tool, n):
            ok, _ = self.stats(section, metric, tool, n)
            return statistics.median(ok) if ok else None

        rows = []

        def add(what, value, goal, met):
            rows.append(f"| {what} | {value} | {goal} | {'met' if met else '**not met**'} |")
        n = self.args.fork_n
        for S, where, exec_tool in (("fork", "local", RC),
                                    ("fork-slurm", "Slurm lab, built-in template", RCB)):
            for metric, what, goal, limit in (
                    ("CPU s of the cluster's processes at ready", "CPU s at ready", "≤ ⅓", 1 / 3),
                    ("PSS MiB of the cluster's processes per engine at ready",
                     "PSS per engine at ready", "≤ ½", 1 / 2)):
                f, e = med(S, metric, FORK, n), med(S, metric, exec_tool, n)
                if f and e:
                    add(f"{what}, {n} engines, {where}", f"fork ÷ exec = {f / e:.2f}",
                        f"fork {goal} of exec", f / e <= limit)
        for S, where in (("fork", "local"), ("fork-slurm", "Slurm lab, guide's workflow")):
            t = med(S, f"start → {n} engines seen by a fresh Client", FORK, n)
            if t:
                add(f"start → {n} engines registered, fork, {where}", f"{t:.2f} s", "≤ 4 s",
                    t <= 4)
        m = "files opened while starting ÷ N, all but the controller"
        f, e = med("fork", m, FORK, n), med("fork", m, RC, n)
        m = "files opened while starting ÷ N, all the cluster's processes"
        fa, ea = med("fork", m, FORK, n), med("fork", m, RC, n)
        if f and e:
            # per engine: the controller opens the same files either way, once per cluster
            add(f"files opened per engine while starting, {n} engines, local",
                f"fork ÷ exec = {f / e:.3f} (1/N = {1 / n:.3f}); with the controller's "
                + (f"{fa / ea:.3f}" if fa and ea else "–"),
                "≈ 1/N (met: ≤ 1.5/N)", f / e <= 1.5 / n)
        big = self.args.fork_scale
        for where in ("local", "Slurm lab"):
            tool = f"{FORK}, {where}"
            ok, failed = self.stats("fork-scale", f"all {big} registered (a fresh Client saw "
                                    f"{big})", tool, big)
            if ok or failed:
                t = med("fork-scale", f"start → {big} engines seen by a fresh Client", tool, big)
                reg = bool(ok) and all(ok)
                add(f"largest cluster, {where}",
                    f"{big} forked engines " + (f"registered in {t:.1f} s" if reg and t
                                                else "did **not** all register"),
                    "≥ 512 engines", reg and big >= 512)
        if not rows:
            return ""
        return "| goal (issue 16) | measured (medians) | goal | |\n|---|---|---|---|\n" + \
            "\n".join(rows) + "\n"

    def slurm(self):
        a, S = self.args, "slurm"
        log(f"== Slurm start/ready/stop, N = {a.slurm_n}")
        variants = [
            ("controller local", {RC: ["--controller", "local", "--engines", "slurm"],
                                  IPC: ["--engines=slurm"]}, 0),
            ("controller on Slurm", {RC: ["--controller", "slurm", "--engines", "slurm"],
                                     IPC: ["--controller=slurm", "--engines=slurm"]}, 1),
        ]
        for i in range(a.runs):
            tools = (RC, IPC) if i % 2 == 0 else (IPC, RC)
            for n in a.slurm_n:
                for variant, extra, ctl_cpus in variants:
                    for tool in tools:
                        if not self.wait_idle(n + ctl_cpus, f"slurm n={n} {variant}"):
                            continue
                        cid = self.start_ready(S, tool, "slurm", n, i, extra[tool], variant=variant)
                        self.stop(S, tool, "slurm", cid, n, i, variant=variant, slurm=True)

    def seed(self):
        a, S = self.args, "seed"
        log("== the seed's Slurm workflow (12 engines on 3 emulated nodes)")
        dirs = {RC: self.seed_profile("seed_r", RC), IPC: self.seed_profile("seed_i", IPC)}
        runs = a.seed_runs or a.runs
        for i in range(runs):
            for tool in ((RC, IPC) if i % 2 == 0 else (IPC, RC)):
                if not self.wait_idle(13, "seed workflow"):
                    return
                prof = "seed_r" if tool == RC else "seed_i"
                # ipcluster reads the templates from its working directory, as in the seed guide
                cid = self.start_ready(S, tool, prof, 12, i, cwd=dirs[tool])
                self.stop(S, tool, prof, cid, 12, i, cwd=dirs[tool], slurm=True)

    def scale(self):
        a, S, n = self.args, "scale", self.args.scale
        log(f"== scale: local controller + {n} Slurm engines (rcluster)")
        if not self.wait_idle(n, f"scale n={n}"):
            return
        lowest = [meminfo().get("MemAvailable", 0)]
        done = threading.Event()

        def sample():
            while not done.wait(0.5):
                lowest[0] = min(lowest[0], meminfo().get("MemAvailable", lowest[0]))
        before = lowest[0]
        th = threading.Thread(target=sample, daemon=True)
        th.start()
        cid = self.start_ready(S, RC, "slurm", n, 0, ["--controller", "local", "--engines", "slurm"])
        ok = any(r["section"] == S and r["metric"].startswith("start →") and r["value"]
                 for r in self.rows)
        pids = self.leftover_processes(cid)
        rss = sum(rss_kb(p) for p in pids)
        self.record(S, "engines registered (fresh Client saw all)", RC, n, 0, int(ok), "bool")
        self.record(S, "processes of the cluster at ready", RC, n, 0, len(pids), "count")
        self.record(S, "RSS of the cluster's processes at ready", RC, n, 0, rss, "KB")
        self.stop(S, RC, "slurm", cid, n, 0, slurm=True)
        done.set()
        th.join()
        self.record(S, "lowest MemAvailable during the run", RC, n, 0, lowest[0], "KB")
        self.record(S, "MemAvailable before", RC, n, 0, before, "KB")
        per_engine = (before - lowest[0]) / n
        if per_engine > 0:
            # The memory limit of the emulation: engines that fit in what was available.
            self.record(S, "memory per engine (MemAvailable drop ÷ N)", RC, n, 0, per_engine, "KB")
            self.record(S, "engines that fit in MemAvailable before, at that rate", RC, n, 0,
                        int(before / per_engine), "count")
        time.sleep(1)
        left_jobs = [j for j, name, _ in self.squeue() if self.tag in name]
        left_procs = self.leftover_processes()
        self.record(S, "jobs of the bench in squeue after stop", RC, n, 0, len(left_jobs), "count",
                    note=" ".join(left_jobs))
        self.record(S, "processes with the bench's IPP_PROFILE_DIR after stop", RC, n, 0,
                    len(left_procs), "count", note=" ".join(map(str, left_procs)))

    # ---------------------------------------------------------------- cleanup

    def cleanup(self):
        for tool, profile, cid, cwd in list(self.active):
            log(f"cleanup: stopping {tool} cluster {cid}")
            try:
                self.force_stop(tool, profile, cid, cwd)
            except Exception as e:  # keep cleaning
                log(f"cleanup of {cid} failed: {e}")
        self.active = []
        if shutil.which("squeue"):
            jobs = [j for j, name, _ in self.squeue() if self.tag in name]
            if jobs:
                log(f"cleanup: scancel {' '.join(jobs)}")
                subprocess.run(["scancel", *jobs], env=self.env, check=False)
        left = self.leftover_processes()
        if left:
            log(f"cleanup: killing leftover processes {left}")
            self.kill_pids(left)
        if self.lab_changed and self.lab_before and not self.args.keep_lab:
            try:
                self.lab_up(*self.lab_before)
            except Exception as e:
                log(f"could not restore the lab to {self.lab_before}: {e}")
        if self.args.keep_tmp:
            log(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---------------------------------------------------------------- report

    def write(self):
        a = self.args
        Path(a.csv).parent.mkdir(parents=True, exist_ok=True)
        with open(a.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(self.rows[0].keys()) if self.rows else ["time"])
            w.writeheader()
            w.writerows(self.rows)
        Path(a.out).write_text(self.markdown())
        log(f"wrote {a.out} and {a.csv}")

    def stats(self, section, metric, tool, n):
        vals = [r["value"] for r in self.rows if r["section"] == section and r["metric"] == metric
                and r["tool"] == tool and str(r["n"]) == str(n)]
        ok = [float(v) for v in vals if v != ""]
        return ok, len(vals) - len(ok)

    def table(self, section, with_ratio=True, unit="s"):
        keys = []
        for r in self.rows:
            k = (r["metric"], r["n"])
            if r["section"] == section and k not in keys:
                keys.append(k)
        if not keys:
            return ""
        lines = ["| measurement | N | rcluster | ipcluster | ipcluster ÷ rcluster |",
                 "|---|---:|---|---|---:|"]
        refs = []
        for metric, n in keys:
            ok, failed = self.stats(section, metric, "python", n)
            if ok or failed:
                refs.append(f"{metric}: {fmt_stats(ok, failed, unit)}")
                continue
            cells, med = [], {}
            for tool in (RC, IPC):
                ok, failed = self.stats(section, metric, tool, n)
                cells.append(fmt_stats(ok, failed, unit))
                med[tool] = statistics.median(ok) if ok else None
            ratio = f"{med[IPC] / med[RC]:.1f}×" if med[RC] and med[IPC] else "–"
            lines.append(f"| {metric} | {n or ''} | {cells[0]} | {cells[1]} | {ratio} |")
        if refs:
            lines.append("\nFor reference (the venv's Python, no cluster tool): " + "; ".join(refs) + ".")
        return "\n".join(lines) + "\n"

    def kv_table(self, section):
        lines = ["| measurement | N | value | runs |", "|---|---:|---|---:|"]
        seen = []
        for r in self.rows:
            if r["section"] == section and (r["metric"], r["n"]) not in seen:
                seen.append((r["metric"], r["n"]))
        for metric, n in seen:
            rs = [r for r in self.rows if r["section"] == section and r["metric"] == metric
                  and r["n"] == n]
            unit = rs[0]["unit"]
            ok = [float(r["value"]) for r in rs if r["value"] != ""]
            if unit == "KB":
                val = fmt_stats([v / 1024 for v in ok], len(rs) - len(ok), "MB")
            elif unit == "bool":
                val = "yes" if ok and all(ok) else "**no**"
            elif unit == "count":
                val = ", ".join(str(int(v)) for v in ok) + \
                      "".join(f" ({r['note']})" for r in rs if r["note"])
            else:
                val = fmt_stats(ok, len(rs) - len(ok), unit)
            lines.append(f"| {metric} | {n} | {val} | {len(rs)} |")
        return "\n".join(lines) + "\n"

    def targets(self):
        def med(section, metric, tool, n=""):
            ok, _ = self.stats(section, metric, tool, n)
            return statistics.median(ok) if ok else None

        rows = []

        def add(what, value, target, met):
            rows.append(f"| {what} | {value} | {target} | {'met' if met else '**not met**'} |")
        lr, li = med("cli", "`list` (1 local cluster running)", RC), \
            med("cli", "`list` (1 local cluster running)", IPC)
        if lr and li:
            add("`rcluster list`", f"{lr * 1000:.1f} ms, {li / lr:.0f}× faster",
                "≤ 10 ms, ≥ 20× faster", lr <= 0.010 and li / lr >= 20)
        def floor(label, tool, n):
            f = med("cpu", f"… ÷ {os.cpu_count()} cores ({label})", tool, n)
            return f"; CPU floor {f:.2f} s" if f else ""
        m = "start → 2 engines seen by a fresh Client"
        sr, si = med("local", m, RC, 2), med("local", m, IPC, 2)
        if sr and si:
            add("start → 2 engines (fresh Client)",
                f"{sr:.2f} s vs {si:.2f} s = {sr / si:.2f} of it{floor('local', RC, 2)}",
                "≤ ⅓ of ipcluster's (stretch ¼)", sr <= si / 3)
        for n in (2, 8):
            tr, ti = med("local", "stop returns", RC, n), med("local", "stop returns", IPC, n)
            if tr and ti:
                add(f"local stop, N={n}", f"{tr:.2f} s vs {ti:.2f} s = {ti / tr:.0f}× faster",
                    "≥ 10× faster", ti / tr >= 10)
        for n in self.args.slurm_n:
            for v in ("controller local", "controller on Slurm"):
                t = med("slurm", f"stop → no job in squeue, {v}", RC, n)
                if t:
                    add(f"Slurm stop, N={n}, {v}", f"{t:.2f} s", "≤ 2 s, no job left", t <= 2)
        s = med("seed", "start → 12 engines seen by a fresh Client", RC, 12)
        si = med("seed", "start → 12 engines seen by a fresh Client", IPC, 12)
        if s:
            add("seed workflow ready (12 engines, 3 nodes)",
                (f"{s:.2f} s (ipcluster {si:.2f} s)" if si else f"{s:.2f} s")
                + floor("seed", RC, 12), "≤ 4 s", s <= 4)
        for n in self.args.slurm_n:
            m = f"start → {n} engines seen by a fresh Client, controller local"
            ok, failed = self.stats("slurm", m, RC, n)
            if ok or failed:
                add(f"{n} engines on Slurm all registered", f"{len(ok)}/{len(ok) + failed} runs",
                    "all", failed == 0)
        if not rows:
            return ""
        return "| target (issue 8) | measured (medians) | target | |\n|---|---|---|---|\n" + \
            "\n".join(rows) + "\n"

    def markdown(self) -> str:
        a = self.args
        m = dict(self.machine)
        m["Heartbeat"] = m.get("Heartbeat", "").replace("{rc_ping}", self.rc_ping())
        m["Load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        cmdline = " ".join(["scripts/bench.py", *sys.argv[1:]])
        csv_link = os.path.relpath(Path(a.csv).resolve(), Path(a.out).resolve().parent)
        out = [HEADER.format(cmdline=cmdline, runs=a.runs, csv=csv_link)]
        out.append("## Machine\n\n| | |\n|---|---|\n" + "".join(
            f"| {k} | {v} |\n" for k, v in m.items() if not k.startswith("rc_ping")))
        t = self.targets()
        if t:
            out.append("## Issue 8's targets\n\n" + t)
        sections = [
            ("cli", "CLI latency", "Wall time of the command until it exits. `list` runs with one "
             "local 2-engine cluster of the same tool running; one untimed warm-up call first."),
            ("local", "Local clusters: start, ready, stop",
             "`start returns`: `rcluster start -n N -q` (returns once the hub lists N engines) vs "
             "`ipcluster start -n N --daemonize`. `start → N engines seen by a fresh Client`: from "
             "just before the start command until a new Python process (started after the start "
             "command returned) has imported ipyparallel, connected with "
             "`ipp.Client(profile=…, cluster_id=…)` and `wait_for_engines(N)` returned — the "
             "client's own start-up (~0.25 s) is included. `stop returns`: the stop command "
             "until it exits."),
            ("slurm", "Slurm lab: start, ready, stop",
             "As above, on the real Slurm lab (real slurmctld/slurmd, emulated nodes on this "
             "machine). *controller local*: controller on this host, engines one Slurm job "
             "(rcluster `--controller local --engines slurm`, ipcluster `--engines=slurm`); "
             "*controller on Slurm*: both as jobs (`--controller slurm`, "
             "`--controller=slurm --engines=slurm`). `stop → no job in squeue`: from the stop "
             "command until none of the cluster's jobs is listed by `squeue` (any state)."),
            ("seed", "The seed's Slurm workflow (12 engines, 3 emulated nodes)",
             "The seed guide's templates (controller job + one 12-task engine job with "
             "`--nodes={n//5 + 1}`), as `rcluster.toml` for rcluster and `ipcluster_config.py` "
             "for ipcluster."),
        ]
        for key, title, text in sections:
            t = self.table(key)
            if t:
                out.append(f"## {title}\n\n{text}\n\n{t}")
        fork = self.fork_markdown()
        if fork:
            out.append(fork)
        cpu = self.table("cpu", unit="s")
        if cpu:
            out.append("## Where the time goes: CPU\n\nAt the moment a fresh Client saw every "
                       "engine, the user + system CPU time of every live process of the cluster "
                       "(found by `IPP_PROFILE_DIR`/`IPP_CLUSTER_ID` in its environment: "
                       "controller and its schedulers, engines, their nannies, `srun`), and that "
                       "divided by the machine's cores: no launcher can make the cluster ready "
                       "sooner than this on this machine. Each engine is two Python processes "
                       "(the engine and its nanny) that import ipyparallel, about 0.5 s of CPU "
                       "each; rcluster itself adds none of it.\n\n" + cpu)
        mem = self.kv_table("memory") if any(r["section"] == "memory" for r in self.rows) else ""
        if mem:
            out.append("## rcluster's own peak memory\n\nMax RSS of the `rcluster` process, "
                       "from `/usr/bin/time -f %M` (it includes children rcluster waited for, "
                       "e.g. `sbatch`/`squeue`; not the controller and engines it launched). "
                       "`list` is measured in separate runs, so its latency above is unwrapped.\n\n" + mem)
        if any(r["section"] == "scale" for r in self.rows):
            out.append(f"## Scale: local controller + {a.scale} Slurm engines (rcluster)\n\n"
                       "One run. Each engine is two processes on Slurm (`srun` task + "
                       "`ipengine`); the RSS row sums every process that carries the cluster's "
                       "`IPP_CLUSTER_ID` (controller, engines, srun); MemAvailable is sampled "
                       "every 0.5 s. After stop: jobs of the bench in `squeue` and processes "
                       "with the bench's `IPP_PROFILE_DIR` (both must be 0).\n\n"
                       + self.kv_table("scale"))
        if self.notes:
            out.append("## Notes from this run\n\n" + "".join(f"- {n}\n" for n in dict.fromkeys(self.notes)))
        return "\n".join(out)

    def fork_markdown(self) -> str:
        a, n = self.args, self.args.fork_n
        parts = []
        goals = self.fork_goals()
        if goals:
            parts.append("### Issue 16's goals\n\nFrom the tables below; *exec* is rcluster's "
                         "exec start with the same launcher and template.\n\n" + goals)
        t = self.fork_table()
        if t:
            files = ""
            if any(r["section"] == "fork" and r["metric"].startswith("files opened")
                   for r in self.rows):
                files = (" Files opened: the start command run under `strace -f -e trace=open,"
                         "openat` (which follows the daemonized controller and engines) until it "
                         "returns — rcluster's once every engine registered; for ipcluster, whose "
                         "`start --daemonize` returns first, until a fresh Client (not traced) "
                         "saw all N — counting the opens that succeeded, by every process started "
                         "(the start command itself, the ipcluster daemon, the controller and "
                         "its schedulers, the forker, engines, nannies), divided by N; the "
                         "controller's processes are also shown on their own. Run "
                         f"{a.files_runs}× per tool, after the timed runs (strace slows "
                         "everything down).")
            parts.append(f"### Local, {n} engines\n\n`rcluster start -n N --engine-start "
                         "exec|fork` and `ipcluster start -n N --daemonize`, interleaved "
                         "(the order rotates each run). CPU: user + system seconds of the "
                         "cluster's live processes (controller, engines, nannies, the forker, the "
                         "ipcluster daemon) when a fresh Client sees all N; PSS: their "
                         "proportional set size at that moment, divided by N." + files +
                         "\n\n" + t)
        t = self.fork_slurm_table()
        if t:
            parts.append(f"### Slurm lab, the seed guide's workflow, {n} engines\n\n"
                         "Controller and engines as Slurm jobs, with the guide's controller "
                         "template. *guide's templates*: also its engine template (one "
                         f"`srun` task per engine over `--nodes={{n//5 + 1}}` = {n // 5 + 1} nodes; "
                         "`rcluster.toml` for rcluster, `ipcluster_config.py` for ipcluster); "
                         "*built-in engine template*: no `[engines] template`, rcluster's own "
                         f"(with `--directive=--nodes={n // 5 + 1}`, the guide's layout), "
                         "`--engine-start exec` or `fork` (one forker per node, `srun "
                         "--ntasks-per-node=1`). The four variants rotate each run; each waits "
                         "until the lab is idle. CPU and PSS as above, over every process that "
                         "carries the cluster's id (batch scripts, `srun`, controller, forkers, "
                         "engines, nannies; the lab's nodes run on this machine). `stop → no job "
                         "in squeue`: from the stop command until `squeue` lists none of the "
                         "cluster's jobs.\n\n" + t)
        t = self.fork_scale_table()
        if t:
            parts.append(f"### The largest cluster: {a.fork_scale} forked engines\n\n"
                         f"`rcluster start -n {a.fork_scale} --engine-start fork --timeout "
                         f"{a.timeout:.0f}`, once each: `--engines local`, and on the Slurm lab "
                         "`--controller local --engines slurm` (built-in template, one forker "
                         "per node). MemAvailable is sampled every 0.5 s from before the start "
                         "until a fresh Client saw every engine. Open files: the process of the "
                         "cluster with the most open descriptors at ready (the controller's hub: "
                         "a few sockets per engine) — an open-files limit below that would cap "
                         f"the cluster; this run's soft limit: "
                         f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}. "
                         "After stop: processes carrying the cluster's id and its jobs in "
                         "`squeue` (both must be 0).\n\n" + t)
        if not parts:
            return ""
        return "## Fork start: exec vs fork vs ipcluster (issue 16)\n\n" + "\n".join(parts)

    def rc_ping(self) -> str:
        return self.machine.get("rc_ping_value", "500")


HEADER = """# Benchmarks: rcluster vs ipcluster

Generated by `{cmdline}` — do not edit by hand; rerun it. Raw measurements (every run) are in
[{csv}]({csv}). Fork start, exec vs fork vs ipcluster (issue 16), is measured by
`--fork-all` into [benchmarks-fork.md](benchmarks-fork.md).

How to run (needs `scripts/setup.sh`; `--slurm`, `--scale`, `--fork-slurm` and `--fork-scale` need
the Slurm lab, which the script brings up with `--lab NODESxCPUS`, default 4x20, raised to fit
`--scale`/`--fork-scale`, and restores afterwards; `--fork-files` needs `strace`):

```sh
.venv/bin/python scripts/bench.py                       # local + CLI, {runs} runs each
.venv/bin/python scripts/bench.py --slurm --scale 256 --timeout 600   # the full run: + Slurm lab, seed workflow, scale
.venv/bin/python scripts/bench.py --skip-local --fork-all --runs 3 --timeout 600   # issue 16: exec vs fork vs ipcluster
.venv/bin/python scripts/bench.py --quick --slurm --lab running   # smoke test, small N, current lab
```

`--fork-all` is `--fork` (12 local engines), `--fork-slurm` (the seed guide's Slurm workflow),
`--fork-files` (files opened while starting, under strace) and `--fork-scale 512` (the largest
cluster, local and on the lab). Every rcluster row starts its engines with `--engine-start exec`
(ipcluster's way) unless it says fork.

Both tools run on the same machine in the same run, interleaved (the order alternates each run),
each against a fresh temporary `IPYTHONDIR`, rcluster from `target/release/rcluster` (rebuilt if
stale) and ipcluster from `.venv/bin/ipcluster`. Each cell is the **median [min–max]** over the
runs; `ipcluster ÷ rcluster` is the ratio of medians (> 1: rcluster is faster). Failed runs are
counted as such, never dropped silently. Each tool runs with its default settings: rcluster's
heartbeat is `[controller] heartbeat_ms` (default 5 ms per engine, 50 to 3000 ms; 50 ms up to
10 engines), ipcluster's is ipyparallel's default (3000 ms) — one reason engines register sooner;
the other is that rcluster starts the engines together with the controller, not after it.
Other work on the machine adds noise; the load average is recorded below.
"""


# -------------------------------------------------------------------- helpers

def fmt_stats(vals, failed, unit="s"):
    if not vals:
        return f"failed ({failed})" if failed else "–"
    med, lo, hi = statistics.median(vals), min(vals), max(vals)
    if unit == "s" and hi < 1:
        s = f"{med * 1000:.1f} ms [{lo * 1000:.1f}–{hi * 1000:.1f}]"
    elif unit == "s":
        s = f"{med:.2f} s [{lo:.2f}–{hi:.2f}]"
    elif unit == "count":
        s = f"{med:.0f}" if lo == hi else f"{med:.0f} [{lo:.0f}–{hi:.0f}]"
    elif unit == "bool":
        s = "yes" if all(vals) else "**no**"
    else:
        s = f"{med:.1f} {unit} [{lo:.1f}–{hi:.1f}]"
    return s + (f", {failed} failed" if failed else "")


def meminfo() -> dict[str, int]:
    out = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        k, v = line.split(":", 1)
        out[k] = int(v.split()[0])
    return out


def rss_kb(pid) -> int:
    try:
        m = re.search(r"^VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def cmdline(pid) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def read_maxrss(path, r) -> int:
    """KB from `/usr/bin/time -f %M -o path`, else wait4's (which counts the forking Python)."""
    try:
        return int(Path(path).read_text().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return r.maxrss_kb
    finally:
        Path(path).unlink(missing_ok=True)


def pss_kb(pid) -> int:
    """Proportional set size: shared pages (a forked engine's) count once over their sharers."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def open_fds(pid) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def nofile_limit(pid) -> int | None:
    """The process's soft open-files limit (None: unlimited or unreadable)."""
    try:
        m = re.search(r"^Max open files\s+(\d+)", Path(f"/proc/{pid}/limits").read_text(), re.M)
        return int(m.group(1)) if m else None
    except OSError:
        return None


TRACE_OPEN = re.compile(r"^(\d+) +(?:open|openat)\(.*\) += (\d+)$"
                        r"|^(\d+) +<\.\.\. (?:open|openat) resumed>.*\) += (\d+)$")
TRACE_CHILD = re.compile(r"^(\d+) +(?:(?:clone3?|v?fork)\(|<\.\.\. (?:clone3?|v?fork) resumed>)"
                         r".* = (\d+)$")
CONTROLLER_MARKS = ("ipyparallel.controller", "ipcontroller")


def count_opens(trace) -> tuple[int, int]:
    """(successful opens by every traced process, by the controller's processes) in an
    `strace -f -o FILE` log; the first process (the sh wrapper) is not counted. A process is the
    controller's if it exec'd the controller or descends from one that did."""
    opens: dict[int, int] = {}
    parent: dict[int, int] = {}
    controller: set[int] = set()
    root = None
    with open(trace, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            pid = line.split(" ", 1)[0]
            if not pid.isdigit():
                continue
            pid = int(pid)
            root = pid if root is None else root
            m = TRACE_OPEN.match(line)
            if m:
                opens[pid] = opens.get(pid, 0) + 1
                continue
            m = TRACE_CHILD.match(line)
            if m:
                parent[int(m.group(2))] = pid
            elif " execve(" in line[:24] and any(c in line for c in CONTROLLER_MARKS):
                controller.add(pid)

    def of_controller(pid):
        seen = set()
        while pid is not None and pid not in seen:
            if pid in controller:
                return True
            seen.add(pid)
            pid = parent.get(pid)
        return False
    opens.pop(root, None)
    return sum(opens.values()), sum(c for p, c in opens.items() if of_controller(p))


def cpu_seconds(pid) -> float:
    """user + system CPU a live process has used so far (its exited children not included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def alive(pid) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def os_release() -> str:
    try:
        return re.search(r'^PRETTY_NAME="?([^"\n]*)', Path("/etc/os-release").read_text(),
                         re.M).group(1)
    except (OSError, AttributeError):
        return "?"


def git(*args) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, text=True, capture_output=True,
                          check=False).stdout.strip()


def uses_lab(a) -> bool:
    return bool(a.slurm or a.scale or a.fork_slurm or (a.fork_scale and "slurm" in a.fork_scale_on))


def raise_nofile(need: int) -> str:
    """Raises this process's soft open-files limit to the hard one (the clusters it starts
    inherit it: rcluster, the controller, and Slurm jobs through sbatch's limit propagation);
    says so when that is still below `need`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        log(f"raised the open-files limit from {soft} to {hard} (hard)")
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < need:
        return (f"the open-files limit is {soft} (hard), below the ~{need} the controller may "
                "need for this scale run: if engines fail to register, raise `ulimit -Hn` "
                "(as root) and rerun")
    return ""


def ints(s):
    return [int(x) for x in s.split(",") if x]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, help="runs per measurement (default 5; --quick: 3)")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 3 runs, local N=2,8, Slurm N=8, seed once, lab `running`")
    p.add_argument("--slurm", action="store_true", help="also the Slurm lab and the seed workflow")
    p.add_argument("--scale", type=int, default=0, metavar="N",
                   help="also start N Slurm engines (local controller) once, e.g. 128")
    p.add_argument("--local-n", type=ints, help="local engine counts (default 2,8,32)")
    p.add_argument("--slurm-n", type=ints, help="Slurm engine counts (default 16,64)")
    p.add_argument("--seed-runs", type=int, default=0, help="runs of the seed workflow (default --runs)")
    p.add_argument("--lab", help="Slurm lab as NODESxCPUS (brought up with slurm-up.sh, restored "
                                 "afterwards; default 4x20) or `running` (use as is)")
    p.add_argument("--keep-lab", action="store_true", help="do not restore the lab's previous size")
    p.add_argument("--skip-local", action="store_true", help="skip CLI latency and local clusters")
    p.add_argument("--fork", action="store_true",
                   help="also exec vs fork start vs ipcluster (local, --fork-n engines)")
    p.add_argument("--fork-n", type=int, default=12,
                   help="engines for --fork, --fork-slurm and --fork-files (default 12)")
    p.add_argument("--fork-slurm", action="store_true",
                   help="also exec vs fork vs ipcluster with the seed guide's Slurm workflow "
                        "(Slurm lab, --fork-n engines)")
    p.add_argument("--fork-files", action="store_true",
                   help="also count the files opened while starting --fork-n local engines, exec "
                        "vs fork vs ipcluster (strace -f)")
    p.add_argument("--files-runs", type=int, default=1,
                   help="traced starts per tool for --fork-files (default 1)")
    p.add_argument("--fork-scale", type=int, default=0, metavar="N",
                   help="also start N forked engines once, locally and on the Slurm lab (e.g. 512)")
    p.add_argument("--fork-scale-on", type=lambda s: s.split(","), default=["local", "slurm"],
                   help="where --fork-scale runs: local,slurm (default both)")
    p.add_argument("--fork-all", action="store_true",
                   help="issue 16's table: --fork --fork-slurm --fork-files --fork-scale 512")
    p.add_argument("--timeout", type=float, default=300, help="seconds allowed per command")
    p.add_argument("--keep-tmp", action="store_true", help="keep the temporary IPYTHONDIR (logs)")
    p.add_argument("--out", default=str(ROOT / "docs/benchmarks.md"))
    p.add_argument("--csv", default=str(ROOT / "docs/benchmarks.csv"))
    a = p.parse_args()
    a.runs = a.runs or (3 if a.quick else 5)
    a.local_n = a.local_n or ([2, 8] if a.quick else [2, 8, 32])
    a.slurm_n = a.slurm_n or ([8] if a.quick else [16, 64])
    a.seed_runs = a.seed_runs or (1 if a.quick else 0)
    a.lab = a.lab or ("running" if a.quick else "4x20")
    if a.fork_all:
        a.fork = a.fork_slurm = a.fork_files = True
        a.fork_scale = a.fork_scale or 512
    if not set(a.fork_scale_on) <= {"local", "slurm"}:
        p.error("--fork-scale-on takes local, slurm or local,slurm")
    if a.lab != "running" and not re.fullmatch(r"\d+x\d+", a.lab.lower()):
        p.error("--lab takes NODESxCPUS (e.g. 4x20) or `running`")
    for tool in (PY, IPCLUSTER):
        if not tool.exists():
            p.error(f"{tool} is missing: run scripts/setup.sh")

    b = Bench(a)
    t_start = time.monotonic()

    def on_signal(sig, _frame):
        raise KeyboardInterrupt(f"signal {sig}")
    signal.signal(signal.SIGTERM, on_signal)
    ok = False
    try:
        b.build()
        log(f"IPYTHONDIR={b.ipydir}")
        if a.fork_scale:
            # the controller's hub holds ~2.4 descriptors per engine (measured at 16 and 32
            # engines: 88 and 126): 512 engines need ~1,300, more than a default soft limit of 1024
            why = raise_nofile(4 * a.fork_scale + 256)
            if why:
                b.notes.append(why)
                log(why)
        if uses_lab(a):
            b.setup_lab()
        b.describe_machine()
        b.profile("bench", "local")
        b.profile("slurm", "slurm")
        # the heartbeat rcluster actually passes, from a dry run of the bench profile
        dry = b.rcluster("start", "--profile", "bench", "-n", "2", "--dry-run")
        m = re.search(r"--ping=(\d+)", dry.out)
        b.machine["rc_ping_value"] = m.group(1) if m else "?"
        if not a.skip_local:
            b.cli()
            b.local()
        if a.fork:
            b.fork()
        if a.fork_files:
            b.fork_files()
        if a.fork_slurm:
            b.fork_slurm()
        if a.slurm:
            b.slurm()
            b.seed()
        if a.scale:
            b.scale()
        if a.fork_scale:
            b.fork_scale()
        ok = True
    finally:
        try:
            b.cleanup()
        finally:
            if b.rows:
                b.machine["Benchmark wall time"] = f"{(time.monotonic() - t_start) / 60:.1f} min" \
                    + ("" if ok else " (interrupted or failed: partial results)")
                b.write()
    log(f"done in {(time.monotonic() - t_start) / 60:.1f} min")


if __name__ == "__main__":
    main()
