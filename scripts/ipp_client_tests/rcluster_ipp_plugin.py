"""pytest plugin: run ipyparallel's own client tests against clusters rcluster starts.

ipyparallel's tests start their controller and engines themselves (ipyparallel.tests.setup and
add_engines). This plugin replaces both with `rcluster start` / `rcluster engines add`, with the
same controller and engine arguments, so the same tests run against rcluster's exec- or
fork-started engines. Select the mode with RCLUSTER_ENGINE_START=exec|fork and the binary with
RCLUSTER (default: rcluster on PATH).

    RCLUSTER_ENGINE_START=fork python -m pytest -p rcluster_ipp_plugin \
        --pyargs ipyparallel.tests.test_client ...
"""

import os
import subprocess
import sys
import time

RCLUSTER = os.environ.get("RCLUSTER", "rcluster")
MODE = os.environ.get("RCLUSTER_ENGINE_START", "exec")
PROFILE = "iptest"


def rcluster(command, *args):
    """`rcluster COMMAND --profile iptest ARGS` (ARGS may end with `-- CONTROLLER_ARGS`)."""
    result = subprocess.run(
        [RCLUSTER, *command.split(), "--profile", PROFILE, *args], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"rcluster {' '.join(args)} failed:\n{result.stderr}")
    return result


def setup():
    from ipyparallel import error
    from ipyparallel.tests import RemoteErrorWithTB

    error.RemoteError = RemoteErrorWithTB
    subprocess.run([RCLUSTER, "profile", "create", PROFILE], capture_output=True)
    from IPython.paths import get_ipython_dir

    config = os.path.join(get_ipython_dir(), f"profile_{PROFILE}", "rcluster.toml")
    with open(config, "w") as f:
        # as ipyparallel.tests.add_engines starts its engines
        f.write(
            '[engines]\nargs = ["--InteractiveShell.colors=nocolor", "--log-level=10"]\n'
            f'start = "{MODE}"\n'
        )
    rcluster(
        "start", "--cluster-id", "", "-n", "1", "--",  # rcluster sets --ping itself
        "--log-level=10", "--dictdb"
    )


def add_engines(n=1, profile=PROFILE, total=False):
    from ipyparallel import Client

    rc = Client(profile=profile)
    base = len(rc)
    if total:
        n = max(n - base, 0)
    if n:
        rcluster("engines add", "--cluster-id", "", "-n", str(n))
    tic = time.time()
    while len(rc) < base + n:
        if time.time() - tic > 30:
            raise RuntimeError("Timeout waiting for engines to connect.")
        time.sleep(0.1)
    rc.close()
    # ClusterTestCase counts the engines it added by this list's length
    return [None] * n


def teardown():
    subprocess.run([RCLUSTER, "stop", "--all", "--profile", PROFILE], capture_output=True)


def _patch():
    import ipyparallel.tests as originals

    replacements = {
        getattr(originals, name): new
        for name, new in (("setup", setup), ("add_engines", add_engines), ("teardown", teardown))
    }
    # every module that imported one of them by name (conftest, clienttest, the test modules)
    for module in list(sys.modules.values()):
        for attr in ("setup", "add_engines", "teardown"):
            current = getattr(module, attr, None)
            if current in replacements:
                setattr(module, attr, replacements[current])


def pytest_collection_finish(session):
    _patch()
