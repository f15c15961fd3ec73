"""Measures engine start by exec (one `python -m ipyparallel.engine` per engine) against fork
(src/launcher/forker.py: one Python imports the engine once and forks the engines).

Usage: python scripts/fork_bench.py [--n 12] [--repeat 3] [--big 512] [--out FILE.md]

Run it with the Python whose ipyparallel the engines use (the project's .venv). Each run starts a
fresh controller in a temporary profile, then the engines, and stops everything afterwards.
Measured per run:

- cpu: user+system CPU seconds of every process of the cluster (controller and its schedulers,
  engines, nannies, forker), from its start until N engines are registered. This script is made
  a child subreaper, so processes orphaned on the way stay its descendants; each process counts
  its own time plus that of its reaped children (/proc/PID/stat fields 14-17). The Client this
  script uses to watch registration is not counted.
- engine cpu: the same without the controller.
- wall: launching the engines → the last engine logs "Completed registration", and → the Client
  sees N engines (the Hub reports an engine only after its first heartbeats, every 3 s).
- PSS per engine: the sum of /proc/PID/smaps_rollup Pss over engines, nannies and the forker,
  divided by N, after one task has run on every engine.
- opens per engine: openat calls (succeeded or not) by the engines, nannies and forker while
  starting (a separate run under `strace -f`), divided by N.

The machine's load average is printed with every run, since other work shares its cores.
"""

import argparse
import ctypes
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import ipyparallel as ipp

HERE = os.path.dirname(os.path.abspath(__file__))
FORKER = os.path.join(HERE, "..", "src", "launcher", "forker.py")
TICK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36
MIN_AVAILABLE_KB = 3 * 1024 * 1024


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def mem_available_kb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return 0


def stat_of(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(b")") + 2 :].split()


def descendants(root):
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = stat_of(int(name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        fields = stat_of(pid)
        if fields is not None:
            # utime, stime, cutime, cstime are fields 14-17
            total += sum(int(x) for x in fields[11:15])
    return total / TICK


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Cluster:
    def __init__(self, root, name, n, mode, strace_to=None, engine_timeout=60):
        self.root = root
        self.n = n
        self.mode = mode
        self.profile = os.path.join(root, f"profile_{name}")
        self.cluster_id = name
        self.engine_file = os.path.join(self.profile, "security", f"ipcontroller-{name}-engine.json")
        self.controller = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ipyparallel.controller",
                "--ip=127.0.0.1",
                f"--profile-dir={self.profile}",
                f"--cluster-id={name}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        self.engine_args = [
            f"--IPEngine.url_file={self.engine_file}",
            "--IPEngine.wait_for_url_file=60",
            f"--IPEngine.timeout={engine_timeout}",
        ]
        self.env = {"IPP_PROFILE_DIR": self.profile, "IPP_CLUSTER_ID": name}
        self.strace_to = strace_to
        self.launched = []

    def client(self):
        end = time.monotonic() + 120
        while not os.path.exists(self.engine_file) and time.monotonic() < end:
            time.sleep(0.05)
        return ipp.Client(profile_dir=self.profile, cluster_id=self.cluster_id, timeout=120)

    def strace_prefix(self, tag):
        if self.strace_to is None:
            return []
        return ["strace", "-f", "-qq", "-e", "trace=openat,open", "-o", f"{self.strace_to}.{tag}"]

    def launch(self):
        log_dir = os.path.join(self.profile, "log")
        os.makedirs(log_dir, exist_ok=True)
        os.makedirs(os.path.join(self.profile, "pid"), exist_ok=True)
        env = dict(os.environ)
        env.update(self.env)
        if self.mode == "exec":
            for i in range(self.n):
                with open(os.path.join(log_dir, f"ipengine-{i}.log"), "ab") as log:
                    self.launched.append(
                        subprocess.Popen(
                            self.strace_prefix(i)
                            + [sys.executable, "-m", "ipyparallel.engine", *self.engine_args],
                            env=env,
                            stdin=subprocess.DEVNULL,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
        else:
            with open(FORKER) as f:
                source = f.read()
            spec = {
                "engine_args": self.engine_args,
                "env": self.env,
                "n": self.n,
                "log": os.path.join(log_dir, "ipengine-{slot}.log"),
                "pids_file": os.path.join(self.profile, "pid", "forker.json"),
                "mode": "fork",
            }
            with open(os.path.join(log_dir, "forker.log"), "ab") as log:
                proc = subprocess.Popen(
                    self.strace_prefix("forker") + [sys.executable, "-c", source, "-"],
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            proc.stdin.write(json.dumps(spec).encode())
            proc.stdin.close()
            self.launched.append(proc)

    def engine_side(self):
        """Pids of engines, nannies and the forker (everything but the controller tree)."""
        pids = []
        for proc in self.launched:
            pids.append(proc.pid)
            pids.extend(descendants(proc.pid))
        controller_tree = {self.controller.pid, *descendants(self.controller.pid)}
        # nannies orphaned by their engine were adopted by this script (the subreaper)
        pids.extend(p for p in descendants(os.getpid()) if p not in controller_tree and p not in pids)
        return [p for p in pids if p not in controller_tree]

    def stop(self):
        # the engines themselves: a strace wrapper would not pass SIGTERM on
        for pid in [*(p.pid for p in self.launched), *self.engine_side()]:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.launched:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.controller.terminate()
        try:
            self.controller.wait(30)
        except subprocess.TimeoutExpired:
            self.controller.kill()
            self.controller.wait()
        # reap the orphans this subreaper adopted
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.1)
        for pid in descendants(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def last_registration(log_dir):
    """Epoch seconds of the latest "Completed registration" line in the engines' logs."""
    latest = None
    for fname in os.listdir(log_dir):
        if not fname.startswith("ipengine-"):
            continue
        with open(os.path.join(log_dir, fname), errors="replace") as f:
            for line in f:
                if "Completed registration" in line:
                    stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f")
                    latest = max(latest or 0, stamp.timestamp())
    return latest


def wait_registered(rc, n, deadline, watch_memory=False):
    end = time.monotonic() + deadline
    while len(rc.ids) < n:
        if time.monotonic() > end:
            raise TimeoutError(f"only {len(rc.ids)} of {n} engines registered")
        if watch_memory and mem_available_kb() < MIN_AVAILABLE_KB:
            raise MemoryError(f"MemAvailable fell below {MIN_AVAILABLE_KB // 1024} MiB")
        time.sleep(0.05)


def one_run(root, name, n, mode, deadline=300, watch_memory=False):
    load = loadavg()
    cluster = Cluster(root, name, n, mode, engine_timeout=deadline)
    try:
        rc = cluster.client()
        t0 = time.monotonic()
        epoch0 = time.time()
        cluster.launch()
        wait_registered(rc, n, deadline, watch_memory)
        wall = time.monotonic() - t0
        logged = last_registration(os.path.join(cluster.profile, "log")) - epoch0
        engine_pids = cluster.engine_side()
        controller_pids = [cluster.controller.pid, *descendants(cluster.controller.pid)]
        engine_cpu = cpu_seconds(engine_pids)
        total_cpu = engine_cpu + cpu_seconds(controller_pids)
        rc[:].apply_sync(os.getpid)
        engine_pids = cluster.engine_side()
        pss = sum(pss_kb(p) for p in engine_pids) / n / 1024
        rc.close()
        return {
            "mode": mode,
            "n": n,
            "wall": wall,
            "logged": logged,
            "cpu": total_cpu,
            "engine_cpu": engine_cpu,
            "pss_mib": pss,
            "processes": len(engine_pids),
            "load": load,
        }
    finally:
        cluster.stop()


def count_opens(root, name, n, mode):
    prefix = os.path.join(root, f"strace-{name}")
    cluster = Cluster(root, name, n, mode, strace_to=prefix)
    try:
        rc = cluster.client()
        cluster.launch()
        wait_registered(rc, n, 300)
        rc.close()
    finally:
        cluster.stop()
    total = 0
    for fname in os.listdir(root):
        if fname.startswith(f"strace-{name}."):
            with open(os.path.join(root, fname)) as f:
                total += sum(1 for line in f if re.search(r"\bopen(at)?\(", line))
    return total / n


def median(values):
    return statistics.median(values)


def table(results, n):
    rows = []
    for mode in ("exec", "fork"):
        rs = [r for r in results if r["mode"] == mode]
        if rs:
            rows.append((mode, rs))
    lines = [
        f"| {n} engines (median of {len(rows[0][1])}) | exec | fork | fork / exec |",
        "|---|---|---|---|",
    ]
    by = {mode: rs for mode, rs in rows}

    def cell(mode, key, fmt):
        values = [r[key] for r in by[mode]]
        return f"{fmt.format(median(values))} [{fmt.format(min(values))}–{fmt.format(max(values))}]"

    for key, label, fmt in (
        ("cpu", "CPU s, all cluster processes, start → registered", "{:.2f}"),
        ("engine_cpu", "CPU s, engines + nannies + forker only", "{:.2f}"),
        ("logged", "wall s, launch → last engine logs its registration", "{:.2f}"),
        ("wall", "wall s, launch → Client sees all (Hub waits for heartbeats)", "{:.2f}"),
        ("pss_mib", "PSS MiB per engine (engine + nanny + forker share)", "{:.1f}"),
    ):
        ratio = median([r[key] for r in by["fork"]]) / median([r[key] for r in by["exec"]])
        lines.append(f"| {label} | {cell('exec', key, fmt)} | {cell('fork', key, fmt)} | {ratio:.2f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big", type=int, default=0, help="then try this many forked engines")
    parser.add_argument("--no-strace", action="store_true")
    parser.add_argument("--out", help="write the markdown here too")
    args = parser.parse_args()
    libc = ctypes.CDLL(None)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    root = tempfile.mkdtemp(prefix="fork-bench-")
    os.environ["IPYTHONDIR"] = os.path.join(root, "ipython")
    report = [f"python {sys.version.split()[0]}, ipyparallel {ipp.__version__}, "
              f"{os.cpu_count()} cores"]
    try:
        results = []
        for i in range(args.repeat):
            for mode in ("exec", "fork"):
                r = one_run(root, f"{mode}{i}", args.n, mode)
                print(json.dumps(r), flush=True)
                results.append(r)
        report.append(table(results, args.n))
        report.append(
            "load average (1, 5, 15 min) at each run's start: "
            + "; ".join(f"{r['mode']} {r['load']}" for r in results)
        )
        if not args.no_strace and shutil.which("strace"):
            opens = {mode: count_opens(root, f"strace{mode}", args.n, mode) for mode in ("exec", "fork")}
            print(json.dumps({"opens_per_engine": opens}), flush=True)
            report.append(
                f"openat calls per engine while starting (engine + nanny + forker share, "
                f"under strace -f, one run): exec {opens['exec']:.0f}, fork {opens['fork']:.0f} "
                f"({opens['fork'] / opens['exec']:.2f})"
            )
        if args.big:
            avail = mem_available_kb()
            try:
                r = one_run(root, "big", args.big, "fork", deadline=900, watch_memory=True)
                print(json.dumps(r), flush=True)
                report.append(
                    f"{args.big} forked engines: registered in {r['wall']:.1f} s wall, "
                    f"{r['cpu']:.1f} CPU s in all, PSS {r['pss_mib']:.1f} MiB per engine, "
                    f"MemAvailable {avail // 1024} MiB before, load {r['load']}"
                )
            except (TimeoutError, MemoryError) as e:
                report.append(f"{args.big} forked engines: failed: {e}")
                print(report[-1], flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    text = "\n\n".join(report) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
