"""Checks src/launcher/forker.py against a real ipyparallel controller, standalone.

Usage: python forker_check.py [--forker PATH] [--n N] [--slurm NODES] [--keep]

Run it with the Python whose ipyparallel the engines should use (the project's .venv). It starts
a controller in a temporary profile, runs the forker as rcluster will (`python -c SOURCE -`, the
spec on stdin) and checks, printing PASS or FAIL per check:

- fork mode: N engines register, with N distinct pids equal to those in the pids file (mode 0600,
  start times equal to /proc/PID/stat field 22), each logging to its own file, all computing;
- the forked nanny relays a remote SIGINT (`Client.send_signal`) as an exec nanny does;
- killing one engine leaves its siblings computing, and the pids file records its exit;
- SIGKILL to the forker ends every engine and every nanny;
- a preloaded module that starts a thread makes the forker fall back to exec, saying so once;
  those engines register too, and SIGTERM to the forker stops them and the forker exits 0;
- with --slurm NODES: one forker per node through sbatch + srun (the spec in a 0600 file, the
  node's part chosen by SLURM_NODEID); all engines register and scancel ends them.

Deadlines below only bound how long a broken forker can hang the check; none is a measurement.
Exit status: 0 when every check passed, 1 otherwise.
"""

import argparse
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback

import ipyparallel as ipp

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FORKER = os.path.join(HERE, "..", "..", "src", "launcher", "forker.py")
DEADLINE = 60.0
THREAD_MODULE = """\
import threading, time
threading.Thread(target=time.sleep, args=(3600,), daemon=True, name="preload-thread").start()
"""

failures = []
START = time.monotonic()


def check(name, ok, detail=""):
    print(f"[{time.monotonic() - START:6.1f}s]", end=" ")
    print(f"{'PASS' if ok else 'FAIL'}: {name}{': ' + detail if detail and not ok else ''}")
    sys.stdout.flush()
    if not ok:
        failures.append(name)
    return ok


def sleep_after_marking(path):
    """Runs on an engine: says it has started, then sleeps until interrupted."""
    import time

    open(path, "w").close()
    time.sleep(3600)


def wait_until(predicate, deadline=DEADLINE, step=0.1):
    end = time.monotonic() + deadline
    while True:
        value = predicate()
        if value or time.monotonic() > end:
            return value
        time.sleep(step)


def proc_stat(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(b")") + 2 :].split()


def alive(pid):
    fields = proc_stat(pid)
    # a zombie has exited; only its parent's wait is missing
    return fields is not None and fields[0] != b"Z"


def children_of(ppid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = proc_stat(int(name))
            if fields is not None and int(fields[1]) == ppid:
                found.append(int(name))
    return found


class Controller:
    def __init__(self, root, cluster_id):
        self.profile = os.path.join(root, f"profile_{cluster_id}")
        self.cluster_id = cluster_id
        self.log = open(os.path.join(root, f"controller-{cluster_id}.log"), "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ipyparallel.controller",
                "--ip=127.0.0.1",
                f"--profile-dir={self.profile}",
                f"--cluster-id={cluster_id}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.engine_file = os.path.join(
            self.profile, "security", f"ipcontroller-{cluster_id}-engine.json"
        )

    def client(self):
        return ipp.Client(profile_dir=self.profile, cluster_id=self.cluster_id, timeout=DEADLINE)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class ForkerRun:
    def __init__(self, forker_source, controller, n, extra_env=None, preload=()):
        self.pids_file = os.path.join(controller.profile, "pid", "forker-{host}.json")
        spec = {
            "engine_args": [
                f"--IPEngine.url_file={controller.engine_file}",
                "--IPEngine.wait_for_url_file=60",
                "--IPEngine.timeout=60",
            ],
            "env": {"IPP_PROFILE_DIR": controller.profile, "IPP_CLUSTER_ID": controller.cluster_id},
            "n": n,
            "log": os.path.join(controller.profile, "log", "ipengine-check-{slot}.log"),
            "pids_file": self.pids_file,
            "preload": list(preload),
        }
        self.env = spec["env"]
        self.engine_args = spec["engine_args"]
        # as rcluster must: /proc/PID/environ of a forked engine is the forker's
        env = dict(os.environ)
        env.update(self.env)
        env.update(extra_env or {})
        self.stderr_path = os.path.join(controller.profile, "log", "forker.stderr")
        os.makedirs(os.path.dirname(self.stderr_path), exist_ok=True)
        os.makedirs(os.path.dirname(self.pids_file), exist_ok=True)
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", forker_source, "-"],
                stdin=subprocess.PIPE,
                stdout=err,
                stderr=subprocess.STDOUT,
                env=env,
            )
        self.proc.stdin.write(json.dumps(spec).encode())
        self.proc.stdin.close()
        self.pids_file = self.pids_file.format(host=os.uname().nodename.split(".")[0])

    def pids(self):
        try:
            with open(self.pids_file, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def engines_recorded(self, n):
        data = self.pids()
        if data and len(data["engines"]) == n:
            return data
        return None

    def stderr(self):
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()


def check_pids_file(run, data, n, mode, rc):
    check(f"{mode}: pids file lists {n} engines", data is not None, run.stderr())
    if data is None:
        return {}
    check(f"{mode}: pids file says mode {mode}", data["mode"] == mode, str(data["mode"]))
    perms = stat.S_IMODE(os.stat(run.pids_file).st_mode)
    check(f"{mode}: pids file has mode 0600", perms == 0o600, oct(perms))
    engines = data["engines"]
    check(
        f"{mode}: start_time is /proc/PID/stat field 22",
        all(int(proc_stat(e["pid"])[19]) == e["start_time"] for e in engines),
        json.dumps(engines),
    )
    check(
        f"{mode}: forker pid and start_time recorded",
        data["forker"]["pid"] == run.proc.pid
        and data["forker"]["start_time"] == int(proc_stat(run.proc.pid)[19]),
        json.dumps(data["forker"]),
    )
    by_id = rc[:].apply_sync(os.getpid)
    by_id = dict(zip(rc.ids, by_id))
    recorded = sorted(e["pid"] for e in engines)
    check(
        f"{mode}: {n} engines with distinct pids equal to the pids file",
        sorted(by_id.values()) == recorded and len(set(recorded)) == n,
        f"engines {sorted(by_id.values())} file {recorded}",
    )
    env = rc[:].apply_sync(
        lambda: {k: v for k, v in __import__("os").environ.items() if k.startswith("IPP_")}
    )
    check(
        f"{mode}: engines have the spec's IPP_* environment",
        all(
            e.get("IPP_PROFILE_DIR") == run.env["IPP_PROFILE_DIR"]
            and e.get("IPP_CLUSTER_ID") == run.env["IPP_CLUSTER_ID"]
            for e in env
        ),
        str(env),
    )
    wanted = {f"{k}={v}".encode() for k, v in run.env.items()}
    seen = []
    for e in engines:
        with open(f"/proc/{e['pid']}/environ", "rb") as f:
            seen.append(wanted <= set(f.read().split(b"\0")))
    check(f"{mode}: /proc/PID/environ of every engine has the IPP_* variables", all(seen))
    argv = rc[:].apply_sync(lambda: __import__("sys").argv[1:])
    check(
        f"{mode}: engines have the argv of `python -m ipyparallel.engine ARGS`",
        all(a == run.engine_args for a in argv),
        str(argv),
    )
    logs = [e["log"] for e in engines]
    check(f"{mode}: each engine has its own log", len(set(logs)) == n, str(logs))
    registered = all(
        "Completed registration" in open(log, encoding="utf-8", errors="replace").read()
        for log in logs
    )
    check(f"{mode}: each log shows its engine's registration", registered)
    return by_id


def fork_scenario(root, source, n):
    controller = Controller(root, "fork")
    run = None
    try:
        run = ForkerRun(source, controller, n)
        rc = controller.client()
        rc.wait_for_engines(n, timeout=DEADLINE)
        data = wait_until(lambda: run.engines_recorded(n))
        by_id = check_pids_file(run, data, n, "fork", rc)
        if not by_id:
            return
        check("fork: the forker's stderr is empty", run.stderr() == "", run.stderr())

        target = rc.ids[0]
        marker = os.path.join(root, "sleeping")
        ar = rc[target].apply_async(sleep_after_marking, marker)
        wait_until(lambda: os.path.exists(marker))
        rc.send_signal(signal.SIGINT, targets=[target], block=True)
        try:
            ar.get(timeout=DEADLINE)
            interrupted = "the task finished"
        except ipp.RemoteError as e:
            interrupted = e.ename
        except Exception as e:  # noqa: BLE001  any other outcome is the failure to report
            interrupted = repr(e)
        check("fork: nanny relays a remote SIGINT", interrupted == "KeyboardInterrupt", interrupted)

        victim_id = rc.ids[-1]
        victim = by_id[victim_id]
        os.kill(victim, signal.SIGKILL)

        def victim_exit():
            data = run.pids()
            return [e["exit"] for e in data["engines"] if e["pid"] == victim][0] is not None

        check("fork: pids file records a killed engine's exit", wait_until(victim_exit))
        siblings = [i for i in by_id if i != victim_id]
        pids = rc[siblings].apply_sync(os.getpid)
        check(
            "fork: siblings of a killed engine keep computing",
            sorted(pids) == sorted(by_id[i] for i in siblings),
            str(pids),
        )
        check("fork: forker still running after an engine died", run.proc.poll() is None)

        nannies = [p for i in siblings for p in children_of(by_id[i]) if alive(p)]
        check(
            "fork: each engine's nanny is its child, as with exec",
            len(nannies) == len(siblings),
            str(nannies),
        )
        run.proc.kill()
        run.proc.wait()
        left = wait_until(lambda: not any(alive(p) for p in [*by_id.values(), *nannies]))
        still = [p for p in [*by_id.values(), *nannies] if alive(p)]
        check("fork: SIGKILL to the forker ends all engines and nannies", left, str(still))
        for pid in still:
            # leave nothing behind when the forker failed to take its engines with it
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        rc.close()
    finally:
        if run is not None and run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()
        controller.stop()


def sigterm_scenario(root, source, n, mode):
    """SIGTERM to the forker stops its engines; in exec mode, reached by the fallback."""
    controller = Controller(root, f"term{mode}")
    run = None
    try:
        if mode == "exec":
            module_dir = os.path.join(root, "modules")
            os.makedirs(module_dir, exist_ok=True)
            with open(os.path.join(module_dir, "rcluster_check_thread.py"), "w") as f:
                f.write(THREAD_MODULE)
            path = os.pathsep.join(filter(None, [module_dir, os.environ.get("PYTHONPATH")]))
            run = ForkerRun(
                source,
                controller,
                n,
                extra_env={"PYTHONPATH": path},
                preload=["rcluster_check_thread"],
            )
        else:
            run = ForkerRun(source, controller, n)
        rc = controller.client()
        rc.wait_for_engines(n, timeout=DEADLINE)
        data = wait_until(lambda: run.engines_recorded(n))
        if mode == "exec":
            lines = [line for line in run.stderr().splitlines() if "not forking engines" in line]
            check("exec: the fallback is said once", len(lines) == 1, run.stderr())
            check(
                "exec: the fallback names the thread",
                bool(lines) and "preload-thread" in lines[0],
                str(lines),
            )
        by_id = check_pids_file(run, data, n, mode, rc)
        if not by_id:
            return
        if mode == "exec":
            check("exec: pids file gives the reason", bool(data["fallback"]), str(data["fallback"]))
        run.proc.send_signal(signal.SIGTERM)
        try:
            code = run.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            code = "still running"
        check(
            f"{mode}: SIGTERM to the forker stops it with status 0",
            code == 0,
            f"{code}; {run.pids()}",
        )
        still = [p for p in by_id.values() if alive(p)]
        check(f"{mode}: SIGTERM to the forker stops its engines", not still, str(still))
        data = run.pids()
        check(
            f"{mode}: pids file records the engines' exits",
            all(e["exit"] is not None for e in data["engines"]),
            json.dumps(data["engines"]),
        )
        rc.close()
    finally:
        if run is not None and run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()
        controller.stop()


def slurm_scenario(root, source, nodes, per_node):
    """One forker per node (srun, one task per node), as rcluster's Slurm fork start will run it."""
    for tool in ("sbatch", "srun", "scancel"):
        if not check(f"slurm: {tool} is on PATH", shutil.which(tool) is not None):
            return
    controller = Controller(root, "slurm")
    job = None
    try:
        pid_dir = os.path.join(controller.profile, "pid")
        os.makedirs(pid_dir, exist_ok=True)
        spec = {
            "engine_args": [
                f"--IPEngine.url_file={controller.engine_file}",
                "--IPEngine.wait_for_url_file=60",
                "--IPEngine.timeout=60",
            ],
            "env": {"IPP_PROFILE_DIR": controller.profile, "IPP_CLUSTER_ID": controller.cluster_id},
            "n": per_node,
            "log": os.path.join(controller.profile, "log", "ipengine-slurm-{slot}.log"),
            "pids_file": "unused",
            "node_env": "SLURM_NODEID",
            "nodes": {
                str(i): {
                    "first_slot": i * per_node,
                    "pids_file": os.path.join(pid_dir, f"forker-{i}.json"),
                }
                for i in range(nodes)
            },
        }
        # srun gives stdin to one task only, so the spec goes by file, private to its owner, in the
        # profile's security/ (made by the controller)
        wrote = wait_until(lambda: os.path.exists(controller.engine_file))
        if not check("slurm: controller wrote its engine file", wrote):
            return
        spec_file = os.path.join(controller.profile, "security", "forker-spec.json")
        fd = os.open(spec_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(spec, f)
        source_file = os.path.join(root, "forker.py")
        with open(source_file, "w") as f:
            f.write(source)
        script = os.path.join(root, "forker.sbatch")
        with open(script, "w") as f:
            f.write(
                "#!/bin/bash\n"
                f'exec srun --ntasks-per-node=1 {sys.executable} -c "$(cat {source_file})" {spec_file}\n'
            )
        log = os.path.join(root, "slurm-%j.out")
        out = subprocess.run(
            ["sbatch", "--parsable", "-N", str(nodes), "--ntasks-per-node=1", "-o", log, script],
            capture_output=True,
            text=True,
            check=False,
            # the job's environment reaches srun's tasks, so /proc/PID/environ shows it
            env={**os.environ, **spec["env"]},
        )
        if not check("slurm: sbatch accepts the forker job", out.returncode == 0, out.stderr):
            return
        job = out.stdout.strip().split(";")[0]
        n = nodes * per_node
        rc = controller.client()
        rc.wait_for_engines(n, timeout=DEADLINE)
        pids = sorted(rc[:].apply_sync(os.getpid))

        def recorded():
            found = []
            for i in range(nodes):
                try:
                    with open(os.path.join(pid_dir, f"forker-{i}.json")) as f:
                        found += [e["pid"] for e in json.load(f)["engines"]]
                except (OSError, ValueError):
                    return None
            return sorted(found) if len(found) == n else None

        in_files = wait_until(recorded)
        check(
            f"slurm: {n} engines, pids equal to the {nodes} pids files",
            pids == in_files,
            f"engines {pids} files {in_files}",
        )
        node_ids = rc[:].apply_sync(lambda: __import__("os").environ.get("SLURM_NODEID"))
        check(f"slurm: engines on {nodes} nodes", len(set(node_ids)) == nodes, str(node_ids))
        subprocess.run(["scancel", job], check=False)
        job = None
        gone = wait_until(lambda: not any(alive(p) for p in pids))
        check("slurm: scancel ends every engine", gone, str([p for p in pids if alive(p)]))
        rc.close()
    finally:
        if job is not None:
            subprocess.run(["scancel", job], check=False)
        controller.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forker", default=DEFAULT_FORKER)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--slurm",
        type=int,
        metavar="NODES",
        default=0,
        help="also start one forker per node on this many Slurm nodes (2 engines each)",
    )
    args = parser.parse_args()
    with open(args.forker, encoding="utf-8") as f:
        source = f.read()
    root = tempfile.mkdtemp(prefix="forker-check-")
    os.environ["IPYTHONDIR"] = os.path.join(root, "ipython")
    try:
        for name, scenario in (
            ("fork", lambda: fork_scenario(root, source, args.n)),
            ("fork SIGTERM", lambda: sigterm_scenario(root, source, 2, "fork")),
            ("exec fallback", lambda: sigterm_scenario(root, source, 2, "exec")),
            *([("slurm", lambda: slurm_scenario(root, source, args.slurm, 2))] if args.slurm else []),
        ):
            try:
                scenario()
            except Exception:  # noqa: BLE001  an error ends its scenario, not the check
                check(f"{name}: scenario ran to its end", False, traceback.format_exc())
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            subprocess.run(["rm", "-rf", root], check=False)
    print(f"{'FAIL' if failures else 'PASS'}: {len(failures)} checks failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
