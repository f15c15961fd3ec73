#!/usr/bin/env python3
"""Issue 8's benchmark: rcluster and ipcluster side by side, in one run, on this machine.

Run with the project venv (scripts/setup.sh makes it):

    .venv/bin/python scripts/bench.py [--runs N] [--quick] [--slurm] [--scale N] [--fork]
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
FORK = "rcluster fork"   # rcluster with --engine-start fork, in the fork section

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
            return [RCLUSTER, "start", "--profile", profile, "-n", n, "-q", "--cluster-id", cid,
                    "--timeout", self.args.timeout, *extra]
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

    def stop(self, section, tool, profile, cid, n, run, cwd=None, variant="", slurm=False):
        v = f", {variant}" if variant else ""
        jobs = self.jobs_of(cid) if slurm else []
        t0 = time.monotonic()
        r = self.run(self.stop_cmd(tool, profile, cid), cwd=cwd)
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
        if not r.ok or (slurm and self.jobs_alive(jobs)):
            self.force_stop(tool, profile, cid, cwd)
        left = self.leftover_processes(cid)
        deadline = time.monotonic() + 5
        while left and time.monotonic() < deadline:   # give exiting processes a moment
            time.sleep(0.05)
            left = self.leftover_processes(cid)
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
        if a.scale:   # the scale run needs a CPU per engine (CPUs may exceed nproc)
            cpus = max(cpus, math.ceil(a.scale / nodes))
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
        if self.args.slurm or self.args.scale:
            sv = subprocess.run(["sinfo", "--version"], text=True, capture_output=True,
                                check=False).stdout.strip()
            lab = self.lab_config()
            m["Slurm"] = f"{sv}; lab `scripts/slurm-lab` with {lab[0]} emulated nodes x {lab[1]} " \
                         f"CPUs (all on this machine)" if lab else sv
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

    def fork(self):
        """rcluster exec vs rcluster fork vs ipcluster, interleaved, N local engines each."""
        a, S, n = self.args, "fork", self.args.fork_n
        log(f"== fork start: exec vs fork vs ipcluster, N = {n}")
        variants = ((RC, ["--engine-start", "exec"]), (FORK, ["--engine-start", "fork"]),
                    (IPC, []))
        for i in range(a.runs):
            for tool, extra in variants[i % 3:] + variants[:i % 3]:   # rotate who goes first
                real = IPC if tool == IPC else RC
                cid = self.new_id(f"{'f' if tool == FORK else real[0]}{n}")
                self.active.append((real, "bench", cid, None))
                t0 = time.monotonic()
                r = self.run(self.start_cmd(real, "bench", cid, n, extra))
                if not r.ok:
                    self.record(S, "start returns", tool, n, i, None, rc=r.rc, note=r.why())
                    self.stop(S, real, "bench", cid, n, i, variant="fork section")
                    continue
                self.record(S, "start returns", tool, n, i, r.elapsed)
                ts, c = self.client_wait("bench", cid, n)
                metric = f"start → {n} engines seen by a fresh Client"
                if ts is None:
                    self.record(S, metric, tool, n, i, None, rc=c.rc, note=c.why())
                else:
                    self.record(S, metric, tool, n, i, ts - t0)
                    procs = self.leftover_processes(cid)
                    self.record(S, "CPU s of the cluster's processes at ready", tool, n, i,
                                sum(cpu_seconds(p) for p in procs))
                    self.record(S, "PSS MiB of the cluster's processes per engine at ready",
                                tool, n, i, round(sum(pss_kb(p) for p in procs) / 1024 / n, 1),
                                "MiB")
                self.stop(S, real, "bench", cid, n, i, variant="fork section")
        # stop() recorded its own rows under the real tool; keep the section to the three above
        self.rows = [r for r in self.rows
                     if not (r["section"] == S and r["metric"].startswith("stop"))]

    def fork_table(self):
        keys = []
        for r in self.rows:
            if r["section"] == "fork" and (r["metric"], r["n"], r["unit"]) not in keys:
                keys.append((r["metric"], r["n"], r["unit"]))
        if not keys:
            return ""
        lines = ["| measurement | N | rcluster exec | rcluster fork | ipcluster | fork ÷ exec |",
                 "|---|---:|---|---|---|---:|"]
        for metric, n, unit in keys:
            cells, med = [], {}
            for tool in (RC, FORK, IPC):
                ok, failed = self.stats("fork", metric, tool, n)
                cells.append(fmt_stats(ok, failed, unit))
                med[tool] = statistics.median(ok) if ok else None
            ratio = f"{med[FORK] / med[RC]:.2f}" if med[RC] and med[FORK] else "–"
            lines.append(f"| {metric} | {n} | {' | '.join(cells)} | {ratio} |")
        return "\n".join(lines) + "\n"

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
        dirs = {RC: self.profile("seed_r", "slurm"), IPC: self.profile("seed_i", "slurm")}
        for tool, d in dirs.items():
            (d / "slurm.controller.template").write_text(SEED_CONTROLLER)
            (d / "slurm.engine.template").write_text(SEED_ENGINE)
        (dirs[RC] / "rcluster.toml").write_text(SEED_RCLUSTER_TOML)
        (dirs[IPC] / "rcluster.toml").unlink()
        (dirs[IPC] / "ipcluster_config.py").write_text(SEED_IPCLUSTER_CONFIG)
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
        out = [HEADER.format(cmdline=cmdline, runs=a.runs)]
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
        t = self.fork_table()
        if t:
            out.append("## Fork start: exec vs fork vs ipcluster\n\n`rcluster start -n N "
                       "--engine-start exec|fork` and `ipcluster start -n N --daemonize`, "
                       "interleaved. CPU: user + system seconds of the cluster's live processes "
                       "(controller, engines, nannies, the forker) when a fresh Client sees all N; "
                       "PSS: their proportional set size at that moment, divided by N.\n\n" + t)
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

    def rc_ping(self) -> str:
        return self.machine.get("rc_ping_value", "500")


HEADER = """# Benchmarks: rcluster vs ipcluster

Generated by `{cmdline}` — do not edit by hand; rerun it. Raw measurements (every run) are in
[benchmarks.csv](benchmarks.csv).

How to run (needs `scripts/setup.sh`; `--slurm`/`--scale` need the Slurm lab, which the script brings
up with `--lab NODESxCPUS`, default 4x20, raised to fit `--scale`, and restores afterwards):

```sh
.venv/bin/python scripts/bench.py                       # local + CLI, {runs} runs each
.venv/bin/python scripts/bench.py --slurm --scale 256 --timeout 600   # the full run: + Slurm lab, seed workflow, scale
.venv/bin/python scripts/bench.py --quick --slurm --lab running   # smoke test, small N, current lab
```

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
    p.add_argument("--fork-n", type=int, default=12, help="engines for --fork (default 12)")
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
        if a.slurm or a.scale:
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
        if a.slurm:
            b.slurm()
            b.seed()
        if a.scale:
            b.scale()
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
