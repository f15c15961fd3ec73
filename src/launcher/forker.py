# rcluster engine forker: imports ipyparallel's engine once, then forks one engine per slot.
"""rcluster engine forker.

rcluster runs this program as `python FILE SPEC`, from a copy of this source it writes next to
the spec: for local engines, for Slurm engines (one task per node; srun gives stdin to one task
only) and on ssh hosts (one forker per host); `python -c <this source> SPEC` works too. SPEC is
`-` (the JSON spec on stdin) or the path of a JSON file. The source is kept inside the rcluster
binary, so the code always matches the binary that started it; the copies are removed with the
cluster.

The spec (unknown keys are ignored, so an older forker accepts a newer spec):

    {
      "engine_args": ["--IPEngine.url_file=...", "--IPEngine.timeout=60"],
      "env": {"IPP_PROFILE_DIR": "...", "IPP_CLUSTER_ID": "...", "IPP_CONNECTION_INFO": "..."},
      "n": 12,                      # engines to start
      "first_slot": 0,              # slot number of the first engine
      "log": "/prof/log/ipengine-ID-SET-{slot}.log",   # one log per engine ({slot}, {host})
      "pids_file": "/prof/pid/forker-ID-SET-{host}.json",   # {host}, {first_slot}
      "cwd": "/where/engines/run",  # optional, default: the forker's cwd
      "mode": "auto",               # auto: fork if safe, else exec | fork: or fail | exec
      "python": "/env/bin/python",  # optional: the Python that exec-started engines run (a
                                    # wrapper script keeps its effect), default this one
      "preload": ["numpy"],         # optional modules to import once, before forking
      "stop_grace": 5,              # seconds between SIGTERM and SIGKILL when stopping engines
      "node_env": "SLURM_NODEID",   # optional: pick an override from "nodes" by this variable
      "tasks_per_node_env": "RCLUSTER_TASKS_PER_NODE",  # optional, instead of "nodes": this
                                    # node's n and first_slot from Slurm's per-node task counts
                                    # ("8,2(x3)") in that variable, indexed by node_env
      "nodes": {"0": {"n": 8, "first_slot": 0}, "1": {"n": 8, "first_slot": 8}}
    }

Every engine gets the environment an exec-started engine would get (this process's environment,
then "env"), its own log file (stdout and stderr, appended), stdin from /dev/null, its own session,
and `sys.argv` as `python -m ipyparallel.engine ENGINE_ARGS` would set it. It then runs
ipyparallel's own engine entry point, so the controller and clients see an ordinary engine.

The pids file is rewritten atomically (temporary file, then rename; mode 0600) whenever an engine
starts or ends:

    {"forker": {"pid": P, "start_time": T}, "mode": "fork"|"exec", "fallback": null|"why",
     "engines": [{"slot": 0, "pid": 123, "start_time": 456789, "log": "...", "exit": null}, ...]}

`start_time` is field 22 of /proc/PID/stat (clock ticks since boot). `exit` is null while the
engine runs, then its exit status, or minus the signal that killed it.

Lifecycle. The forker stays the parent of its engines and exits when all of them have exited.
SIGTERM, SIGINT or SIGHUP to the forker sends SIGTERM to every engine, then SIGKILL to those still
alive after `stop_grace` seconds. Every engine has PR_SET_PDEATHSIG=SIGTERM, so if the forker is
killed (even with SIGKILL) its engines get SIGTERM and stop as if `rcluster stop` had signalled
them. One engine ending leaves its siblings running.

Safety. A fork copies only the forking thread, so a lock held by any other thread (a future
ipyparallel that starts a thread at import, a zmq context's I/O threads) would stay locked forever
in the child. Before forking, the forker checks that it is the only thread of its process and that
no zmq context exists; otherwise (or when the import fails) it says so once on stderr and starts
the engines with exec, like ipyparallel does, recording them in the same pids file.

Nanny. An ipyparallel engine starts a "nanny" process that relays signals (`Client.send_signal`)
and tells the Hub promptly when the engine dies. An exec engine runs it as a new Python
(`python -m ipyparallel.engine.nanny`, its kwargs pickled on stdin, the URL it binds read back from
its stdout), which would cost as much as the engine itself. A forked engine instead forks, right
after it was forked and so still single-threaded and without zmq, a "nanny zygote": a copy of
itself that waits on its stdin for those same kwargs and then runs ipyparallel's KernelNanny with
the same pipes. So the nanny is the engine's child, as with exec, and costs no new interpreter.
(Having the forker fork nannies on request was tried first: with 512 engines starting on 2 cores,
the forker got so little CPU that engines waited ~30 s for a nanny and the Hub purged them.)
An engine started with IPEngine.enable_nanny=False leaves its zygote idle until the engine exits.

Environment. Linux shows in /proc/PID/environ the environment a process was exec'd with; what a
forked child sets afterwards is invisible there. rcluster finds leftover processes by the
IPP_PROFILE_DIR and IPP_CLUSTER_ID in /proc/PID/environ, so start the forker with the spec's "env"
in its own environment too; the forker says so on stderr when a variable of "env" is not.

What differs from an exec-started engine:
- /proc/PID/cmdline of an engine and of its nanny is the forker's (`python -c ...`); comm is the
  same ("python"). `pgrep -f ipyparallel.engine` does not find forked engines.
- sys.flags and sys.orig_argv are the forker's; `random` is reseeded in each child by Python, but
  the str-hash secret is shared by the engines of one forker, and so is the state of any other
  random generator a preloaded module created at import (numpy's global RandomState).
"""

import atexit
import gc
import io
import json
import os
import pickle
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
import types

PROGRAM = "rcluster forker"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PR_SET_PDEATHSIG = 1
# Modules an ipyparallel 9.2 engine imports only while it starts (its kernel's debugger, the
# shell's history and extensions); importing them here shares them instead of importing them once
# per engine. They start no thread; if a future version's did, the safety check would catch it.
WARM_MODULES = (
    "ipykernel.debugger",
    "IPython.extensions.storemagic",
    "IPython.core.completerlib",
    "sqlite3",
    "tornado.platform.asyncio",
    "tornado.queues",
    "pydoc",
    "code",
)
# how many engines to fork between two rewrites of the pids file while starting
PIDS_FILE_BATCH = 32


def say(message):
    sys.stderr.write(f"{PROGRAM}: {message}\n")
    sys.stderr.flush()


def load_spec(argv):
    if len(argv) != 1:
        raise SystemExit(f"{PROGRAM}: usage: python -c SOURCE SPEC (SPEC is '-' or a JSON file)")
    where = argv[0]
    try:
        if where == "-":
            spec = json.load(sys.stdin)
        else:
            with open(where, encoding="utf-8") as f:
                spec = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"{PROGRAM}: cannot read the spec from {where!r}: {e}")
    if not isinstance(spec, dict):
        raise SystemExit(f"{PROGRAM}: the spec in {where!r} is not a JSON object")
    node_env = spec.get("node_env")
    counts_env = spec.get("tasks_per_node_env")
    if counts_env:
        # this node's part of an allocation: Slurm's per-node task counts ("8,4", "2(x3)")
        # and this node's index in them
        node = os.environ.get(node_env or "SLURM_NODEID")
        try:
            counts = tasks_per_node(os.environ[counts_env])
            index = int(node)
            spec = {**spec, "n": counts[index], "first_slot": sum(counts[:index])}
        except (KeyError, ValueError, IndexError, TypeError):
            raise SystemExit(
                f"{PROGRAM}: cannot tell this node's engines from {counts_env}="
                f"{os.environ.get(counts_env)!r} and node {node!r}"
            )
    elif node_env:
        node = os.environ.get(node_env)
        override = spec.get("nodes", {}).get(node)
        if override is None:
            raise SystemExit(
                f"{PROGRAM}: the spec has no entry in 'nodes' for {node_env}={node!r}"
            )
        spec = {**spec, **override}
    for key, kind in (("engine_args", list), ("n", int), ("log", str), ("pids_file", str)):
        if not isinstance(spec.get(key), kind):
            raise SystemExit(f"{PROGRAM}: spec field {key!r} is missing or not a {kind.__name__}")
    if spec.get("mode", "auto") not in ("auto", "fork", "exec"):
        raise SystemExit(f"{PROGRAM}: spec field 'mode' must be auto, fork or exec")
    if "--mpi" in spec["engine_args"] or any(a.startswith("--mpi=") for a in spec["engine_args"]):
        raise SystemExit(f"{PROGRAM}: --mpi engines cannot be forked; start them with mpiexec")
    return spec


def tasks_per_node(text):
    """Slurm's compressed per-node counts ("8,2(x3)") as a list ([8, 2, 2, 2])."""
    counts = []
    for part in text.split(","):
        count, _, repeat = part.partition("(x")
        counts.extend([int(count)] * (int(repeat.rstrip(")")) if repeat else 1))
    return counts


def proc_start_time(pid):
    """Field 22 of /proc/PID/stat, or None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # the command name (field 2) may contain spaces and parentheses; it ends at the last ')'
    fields = stat[stat.rindex(b")") + 2 :].split()
    return int(fields[19])


def set_pdeathsig(sig):
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def unsafe_to_fork():
    """Why forking now could deadlock a child, or None when it is safe."""
    try:
        tasks = len(os.listdir("/proc/self/task"))
    except OSError:
        tasks = None
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if others or (tasks is not None and tasks != 1):
        named = f" (Python threads: {', '.join(others)})" if others else ""
        count = tasks if tasks is not None else len(others) + 1
        return f"this process has {count} threads{named}"
    zmq = sys.modules.get("zmq")
    if zmq is not None:
        if getattr(zmq.Context, "_instance", None) is not None:
            return "a zmq context exists (zmq.Context.instance())"
        for obj in gc.get_objects():
            if isinstance(obj, zmq.Context) and not obj.closed:
                return "a zmq context exists"
    return None


class Slot:
    def __init__(self, number, log):
        self.number = number
        self.log = log
        self.pid = None
        self.start_time = None
        self.exit = None

    def record(self):
        return {
            "slot": self.number,
            "pid": self.pid,
            "start_time": self.start_time,
            "log": self.log,
            "exit": self.exit,
        }


def exit_status(status):
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


class Forker:
    def __init__(self, spec):
        self.spec = spec
        self.host = socket.gethostname().split(".")[0]
        first = spec.get("first_slot", 0)
        if not isinstance(first, int):
            raise SystemExit(f"{PROGRAM}: spec field 'first_slot' is not an integer")
        try:
            self.slots = [
                Slot(first + i, spec["log"].format(slot=first + i, host=self.host))
                for i in range(spec["n"])
            ]
            # {first_slot} names a node's file where nodes share a host name (a test lab)
            self.pids_file = spec["pids_file"].format(host=self.host, first_slot=first)
        except (KeyError, IndexError, ValueError) as e:
            raise SystemExit(
                f"{PROGRAM}: spec fields 'log' and 'pids_file' may use only {{slot}} and {{host}}"
                f" (and 'pids_file' {{first_slot}}): {e!r}"
            )
        self.env = {str(k): str(v) for k, v in spec.get("env", {}).items()}
        self.cwd = spec.get("cwd") or os.getcwd()
        self.mode = None
        self.fallback = None
        self.by_pid = {}
        self.stopping_since = None
        self.killed = False
        self.selector = None
        self.wake_r = self.wake_w = None
        self.my_start_time = proc_start_time(os.getpid())
        self.inherited_mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])

    # -- pids file -------------------------------------------------------------------------

    def write_pids(self):
        data = {
            "forker": {"pid": os.getpid(), "start_time": self.my_start_time},
            "mode": self.mode,
            "fallback": self.fallback,
            "engines": [s.record() for s in self.slots if s.pid is not None],
        }
        directory = os.path.dirname(os.path.abspath(self.pids_file))
        tmp = os.path.join(directory, f".{os.path.basename(self.pids_file)}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.write("\n")
            os.replace(tmp, self.pids_file)
        except OSError as e:
            say(f"cannot write the pids file {self.pids_file}: {e}")

    # -- choosing fork or exec -------------------------------------------------------------

    def choose_mode(self):
        wanted = self.spec.get("mode", "auto")
        if wanted == "exec":
            self.mode = "exec"
            return
        try:
            import ipyparallel.engine.app  # noqa: F401  (the import is the point)
        except Exception as e:  # noqa: BLE001  any import failure means: do not fork
            reason = f"importing ipyparallel.engine.app failed ({type(e).__name__}: {e})"
        else:
            # as the engine itself does before ipykernel imports the debugger
            os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
            for name in WARM_MODULES:
                try:
                    __import__(name)
                except Exception:  # noqa: BLE001  absent in some versions; the engine copes
                    pass
            for name in self.spec.get("preload", []):
                try:
                    __import__(name)
                except Exception as e:  # noqa: BLE001  a bad preload must not stop engines
                    say(f"preloading {name} failed ({type(e).__name__}: {e}); engines import it")
            reason = unsafe_to_fork()
        if reason is None:
            self.mode = "fork"
            return
        if wanted == "fork":
            raise SystemExit(f"{PROGRAM}: cannot fork engines: {reason}")
        self.mode = "exec"
        self.fallback = reason
        say(
            f"not forking engines: {reason}; "
            f"starting {len(self.slots)} engines with exec instead"
        )

    # -- signals and the event loop --------------------------------------------------------

    def setup_loop(self):
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        signal.set_wakeup_fd(self.wake_w.fileno(), warn_on_full_buffer=False)
        for sig in STOP_SIGNALS:
            signal.signal(sig, self.on_stop_signal)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.wake_r, selectors.EVENT_READ, None)

    def on_stop_signal(self, sig, frame):
        if self.stopping_since is None:
            self.stopping_since = time.monotonic()
            self.signal_engines(signal.SIGTERM)

    def signal_engines(self, sig):
        for slot in self.slots:
            if slot.pid is not None and slot.exit is None:
                try:
                    os.kill(slot.pid, sig)
                except ProcessLookupError:
                    pass

    def reap(self):
        changed = False
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            slot = self.by_pid.pop(pid, None)
            if slot is not None:
                slot.exit = exit_status(status)
                changed = True
        return changed

    def alive(self):
        return [s for s in self.slots if s.pid is not None and s.exit is None]

    def warn_unseen_env(self):
        try:
            with open("/proc/self/environ", "rb") as f:
                initial = set(f.read().split(b"\0"))
        except OSError:
            return
        unseen = [k for k, v in self.env.items() if f"{k}={v}".encode() not in initial]
        if unseen:
            say(
                f"{', '.join(sorted(unseen))} of the spec's env not in this process's own "
                "environment: /proc/PID/environ of forked engines will not show them"
            )

    def run(self):
        self.choose_mode()
        if self.mode == "fork":
            self.warn_unseen_env()
        self.setup_loop()
        if self.mode == "fork":
            # objects alive now are shared by every engine; keep the collector from writing to
            # their pages, which would copy them into each child
            gc.collect()
            gc.freeze()
        started = 0
        for slot in self.slots:
            if self.stopping_since is not None:
                break
            if self.mode == "fork":
                # a stop signal must not run the forker's handler in a child that has not yet
                # restored the default one; the child unblocks once it has
                blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS + (signal.SIGCHLD,))
                try:
                    self.fork_engine(slot)
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            else:
                # not blocked here: an exec'd program inherits the signal mask
                self.exec_engine(slot)
            started += 1
            if started % PIDS_FILE_BATCH == 0:
                self.write_pids()
        self.reap()
        self.write_pids()
        self.wait()
        if self.stopping_since is not None:
            # asked to stop: how engines end on SIGTERM is theirs to say (ipyparallel 9.2's
            # engines exit 1 after a clean shutdown); only needing SIGKILL is a failure
            return 1 if self.killed else 0
        return 0 if all(s.exit == 0 for s in self.slots) else 1

    def wait(self):
        while self.alive():
            timeout = None
            if self.stopping_since is not None and not self.killed:
                grace = float(self.spec.get("stop_grace", 5))
                timeout = max(0.0, self.stopping_since + grace - time.monotonic())
                if timeout == 0.0:
                    self.killed = True
                    self.signal_engines(signal.SIGKILL)
                    timeout = None
            if self.selector.select(timeout):
                try:
                    while self.wake_r.recv(4096):
                        pass
                except BlockingIOError:
                    pass
            if self.reap():
                self.write_pids()

    # -- starting engines ------------------------------------------------------------------

    def engine_env(self):
        env = dict(os.environ)
        env.update(self.env)
        return env

    def open_log(self, slot):
        return os.open(slot.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def exec_engine(self, slot):
        import subprocess

        # PR_SET_PDEATHSIG must be set in the child before exec; a preexec_fn is unsafe in a
        # threaded process (the reason we may be here), so a tiny Python sets it and execs
        wrapper = (
            "import ctypes,os,sys\n"
            "ctypes.CDLL(None).prctl(1,15,0,0,0)\n"
            "if os.getppid()!=int(sys.argv[1]): os._exit(1)\n"
            "os.execvp(sys.argv[2],sys.argv[2:])\n"
        )
        python = self.spec.get("python") or sys.executable
        argv = [python, "-m", "ipyparallel.engine", *self.spec["engine_args"]]
        try:
            log = self.open_log(slot)
        except OSError as e:
            say(f"cannot open the log {slot.log} of engine {slot.number}: {e}")
            slot.exit = 127
            return
        try:
            proc = subprocess.Popen(
                [sys.executable, "-S", "-c", wrapper, str(os.getpid()), *argv],
                env=self.engine_env(),
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as e:
            say(f"cannot start engine {slot.number}: {e}")
            slot.exit = 127
            return
        finally:
            os.close(log)
        # this process reaps its children with waitpid(-1); a Popen dropped while its child runs
        # would be kept by subprocess and reaped behind our back, unless it looks finished
        proc.returncode = 0
        self.started(slot, proc.pid)

    def started(self, slot, pid):
        slot.pid = pid
        slot.start_time = proc_start_time(pid)
        self.by_pid[pid] = slot

    def fork_engine(self, slot):
        sys.stdout.flush()
        sys.stderr.flush()
        forker_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = self.engine_child(slot, forker_pid)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except BaseException:  # noqa: BLE001  the child must never return into the forker
                traceback.print_exc()
            finish_child(code)
        self.started(slot, pid)

    def leave_forker(self):
        """In a freshly forked child: drop the forker's signal handling and descriptors."""
        signal.set_wakeup_fd(-1)
        for sig in STOP_SIGNALS + (signal.SIGCHLD,):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.selector.close()
        self.wake_r.close()
        self.wake_w.close()
        signal.pthread_sigmask(signal.SIG_SETMASK, self.inherited_mask)

    def become_process(self, log_fd, stdout_fd=None):
        """Point stdio where an exec-started process would have it, and use the slot's env."""
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(stdout_fd if stdout_fd is not None else log_fd, 1)
        os.dup2(log_fd, 2)
        os.environ.update(self.env)
        os.chdir(self.cwd)
        # like the interpreter's own start-up: stdout block-buffered on a file, stderr by lines
        sys.stdin = sys.__stdin__ = io.open(0, "r", closefd=False)
        sys.stdout = sys.__stdout__ = text_stream(1)
        sys.stderr = sys.__stderr__ = text_stream(2, line_buffering=True)

    def engine_child(self, slot, forker_pid):
        self.leave_forker()
        set_pdeathsig(signal.SIGTERM)
        if os.getppid() != forker_pid:
            return 1
        try:
            log_fd = self.open_log(slot)
        except OSError as e:
            # still the forker's stderr, where this belongs
            say(f"cannot open the log {slot.log} of engine {slot.number}: {e}")
            return 127
        self.become_process(log_fd)
        os.close(log_fd)
        zygote = NannyZygote()

        import ipyparallel.engine.app as engine_app

        main_path = os.path.join(os.path.dirname(engine_app.__file__), "__main__.py")
        sys.argv = [main_path, *self.spec["engine_args"]]
        sys.path[0] = os.getcwd()
        main_module = types.ModuleType("__main__")
        main_module.__file__ = main_path
        main_module.__builtins__ = __builtins__
        sys.modules["__main__"] = main_module
        original_start_nanny = engine_app.start_nanny

        def start_nanny(**kwargs):
            try:
                return zygote.start(kwargs)
            except OSError as e:
                sys.stderr.write(f"{PROGRAM}: the forked nanny failed ({e}); starting one\n")
                return original_start_nanny(**kwargs)

        engine_app.start_nanny = start_nanny
        engine_app.main()
        return 0


class NannyZygote:
    """A copy of a just-forked engine that becomes its nanny when the engine asks.

    It speaks the exec nanny's protocol (ipyparallel.engine.nanny.start_nanny / main): the kwargs
    come pickled on its stdin, it writes the URL it bound to its stdout, and it watches that pipe
    to learn that the engine is gone.
    """

    def __init__(self):
        kwargs_r, self.kwargs_w = os.pipe()
        self.url_r, url_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.kwargs_w)
            os.close(self.url_r)
            code = 1
            try:
                code = run_nanny(kwargs_r, url_w)
            except BaseException:  # noqa: BLE001  the child must never return into the engine
                traceback.print_exc()
            finish_child(code)
        os.close(kwargs_r)
        os.close(url_w)

    def start(self, kwargs):
        """What ipyparallel's start_nanny returns: the nanny's URL and a handle to keep."""
        if self.kwargs_w is None:
            raise OSError("the nanny was already started")
        kwargs["pid"] = os.getpid()
        with os.fdopen(self.kwargs_w, "wb") as f:
            self.kwargs_w = None
            f.write(pickle.dumps(kwargs))
        pipe = os.fdopen(self.url_r, "rb")
        nanny_url = pipe.readline().decode("utf8").strip()
        if not nanny_url:
            pipe.close()
            raise RuntimeError("nanny failed")
        # kept open for as long as the engine lives: its closing tells the nanny the engine is gone
        return nanny_url, pipe


def run_nanny(kwargs_fd, url_fd):
    # as Popen(start_new_session=True, stdin=PIPE, stdout=PIPE) and PYTHONUNBUFFERED=1 would
    os.setsid()
    os.dup2(kwargs_fd, 0)
    os.dup2(url_fd, 1)
    os.close(kwargs_fd)
    os.close(url_fd)
    os.environ["PYTHONUNBUFFERED"] = "1"
    with os.fdopen(0, "rb") as f:
        data = f.read()
    if not data:
        # the engine ended, or never wanted a nanny
        return 0
    from ipyparallel.engine import nanny

    sys.argv = [nanny.__file__]
    sys.stdout = sys.__stdout__ = text_stream(1, write_through=True)
    kwargs = pickle.loads(data)
    kwargs["pipe"] = sys.stdout
    nanny.KernelNanny.main(**kwargs)
    return 0


def text_stream(fd, line_buffering=False, write_through=False):
    errors = "backslashreplace" if fd == 2 else "strict"
    # unbuffered below a write-through text layer, as `python -u` does
    return io.TextIOWrapper(
        io.open(fd, "wb", buffering=0 if write_through else -1, closefd=False),
        errors=errors,
        line_buffering=line_buffering,
        write_through=write_through,
    )


def finish_child(code):
    """End a forked child the way an interpreter ends, without unwinding into the forker."""
    try:
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    os._exit(code if isinstance(code, int) else 1)


def main():
    spec = load_spec(sys.argv[1:])
    return Forker(spec).run()


if __name__ == "__main__":
    sys.exit(main())
