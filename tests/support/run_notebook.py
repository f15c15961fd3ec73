"""Executes one of the docs' example notebooks with nbclient, as a reader would run it.

Usage: python run_notebook.py NOTEBOOK --workdir DIR [--output EXECUTED.ipynb] [--timeout SECS]

The kernel is this Python (the one running this script) through a kernelspec written into a
temporary JUPYTER_PATH, so the notebook's cells run in exactly this environment, and the kernel
inherits this process's environment (PATH with the rcluster binary, IPYTHONDIR, VIRTUAL_ENV).

Every stream output of every cell is printed to stdout, cell by cell, so the caller can check the
marker lines the notebook prints. A failing cell (the notebooks assert their results) makes the
exit status 1 and prints the error.
"""

import argparse
import json
import os
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

KERNEL_NAME = "rcluster-test-python"


def write_kernelspec(root):
    """A kernelspec running this very Python; returns the directory for JUPYTER_PATH."""
    data_dir = os.path.join(root, "data")
    spec_dir = os.path.join(data_dir, "kernels", KERNEL_NAME)
    os.makedirs(spec_dir)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "rcluster test Python",
        "language": "python",
    }
    with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
        json.dump(spec, f, indent=1)
    return data_dir


def print_outputs(nb):
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        print(f"--- cell {index}", flush=True)
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                sys.stdout.write(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                text = output.get("data", {}).get("text/plain")
                if text:
                    sys.stdout.write(text + "\n")
            elif output.output_type == "error":
                sys.stdout.write(f"{output.ename}: {output.evalue}\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("--workdir", required=True, help="the kernel's working directory")
    parser.add_argument("--output", help="where to write the executed notebook")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="rcluster-jupyter-") as root:
        # Only our kernelspec and no user-level Jupyter config or runtime files.
        os.environ["JUPYTER_PATH"] = write_kernelspec(root)
        os.environ["JUPYTER_DATA_DIR"] = os.path.join(root, "data")
        os.environ["JUPYTER_CONFIG_DIR"] = os.path.join(root, "config")
        os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(root, "runtime")
        os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
        client = NotebookClient(
            nb,
            kernel_name=KERNEL_NAME,
            timeout=args.timeout,
            startup_timeout=120,
            resources={"metadata": {"path": args.workdir}},
        )
        started = time.monotonic()
        failed = None
        try:
            client.execute()
        except CellExecutionError as err:
            failed = err
        elapsed = time.monotonic() - started

    if args.output:
        nbformat.write(nb, args.output)
    print_outputs(nb)
    name = os.path.basename(args.notebook)
    if failed is not None:
        print(f"=== {name} FAILED after {elapsed:.1f} s:\n{failed}", flush=True)
        return 1
    print(f"=== {name} ran in {elapsed:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
