#!/usr/bin/env python3
"""Render templates with IPython's EvalFormatter, the way ipcluster fills its batch templates.

rcluster's differential tests (tests/template_differential.rs) compare its own renderer with this,
byte for byte.

One template:
    render_evalformatter.py TEMPLATE CONTEXT_JSON
        Prints EvalFormatter().format(template, **context) exactly (no newline added) and exits 0,
        or prints "<<render-error>> Type: message" and exits 1.

A whole corpus, with one Python start:
    render_evalformatter.py --corpus DIR CONTEXT_JSON [--slurm-cases CASES_JSON]
        Renders every DIR/*.tmpl and prints one JSON object:
          {"python": ..., "ipython": ..., "results": {"NAME.tmpl": {"ok": true, "output": "..."}
                                                                  | {"ok": false, "error": "..."}}}
        With --slurm-cases (a JSON list of {"queue", "account", "qos", "timelimit", "output_file"}),
        also "slurm": one {"controller": ..., "engine": ...} per case: ipyparallel's default
        templates after its own _insert_options_in_script and _insert_job_array_in_script;
        and "sge", the same for its Grid Engine launchers.

Exit code 3: IPython (or, with --slurm-cases, ipyparallel) cannot be imported.
"""

import json
import os
import sys

ERROR_MARKER = "<<render-error>>"


def load_formatter():
    try:
        from IPython.utils.text import EvalFormatter
    except Exception as exc:  # noqa: BLE001 - any import failure means "not set up"
        print(f"cannot import IPython.utils.text.EvalFormatter: {exc!r}", file=sys.stderr)
        sys.exit(3)
    return EvalFormatter()


def read_text(path):
    # newline='' keeps the file's bytes: no newline translation.
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def render(formatter, template, context):
    try:
        return {"ok": True, "output": formatter.format(template, **dict(context))}
    except BaseException as exc:  # noqa: BLE001 - every failure is a result to compare
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def slurm_insertions(cases):
    try:
        from ipyparallel.cluster.launcher import (
            SlurmControllerLauncher,
            SlurmEngineSetLauncher,
        )
    except Exception as exc:  # noqa: BLE001
        print(f"cannot import ipyparallel's Slurm launchers: {exc!r}", file=sys.stderr)
        sys.exit(3)
    out = []
    for case in cases:
        entry = {}
        for key, cls in (("controller", SlurmControllerLauncher), ("engine", SlurmEngineSetLauncher)):
            traits = {"profile_dir": "/tmp/rcluster-profile", "cluster_id": "c"}
            for name in ("queue", "account", "qos", "timelimit"):
                if case.get(name) is not None:
                    traits[name] = case[name]
            launcher = cls(**traits)
            if not case.get("output_file", True):
                launcher.output_file = ""
            launcher.batch_template = launcher.default_template
            launcher._insert_options_in_script()
            launcher._insert_job_array_in_script()
            entry[key] = launcher.batch_template
        out.append(entry)
    return out


def sge_insertions(cases):
    """The same for ipyparallel's Grid Engine launchers (only `queue` and `output_file` apply)."""
    from ipyparallel.cluster.launcher import SGEControllerLauncher, SGEEngineSetLauncher

    out = []
    for case in cases:
        entry = {}
        for key, cls in (("controller", SGEControllerLauncher), ("engine", SGEEngineSetLauncher)):
            traits = {"profile_dir": "/tmp/rcluster-profile", "cluster_id": "c"}
            if case.get("queue") is not None:
                traits["queue"] = case["queue"]
            launcher = cls(**traits)
            if not case.get("output_file", True):
                launcher.output_file = ""
            launcher.batch_template = launcher.default_template
            launcher._insert_options_in_script()
            launcher._insert_job_array_in_script()
            entry[key] = launcher.batch_template
        out.append(entry)
    return out


def main(argv):
    if len(argv) >= 3 and argv[0] == "--corpus":
        corpus, context_path = argv[1], argv[2]
        rest = argv[3:]
        formatter = load_formatter()
        context = json.loads(read_text(context_path))
        results = {}
        for name in sorted(os.listdir(corpus)):
            if name.endswith(".tmpl"):
                results[name] = render(formatter, read_text(os.path.join(corpus, name)), context)
        import IPython

        report = {"python": sys.version.split()[0], "ipython": IPython.__version__, "results": results}
        if len(rest) == 2 and rest[0] == "--slurm-cases":
            cases = json.loads(read_text(rest[1]))
            report["slurm"] = slurm_insertions(cases)
            report["sge"] = sge_insertions(cases)
        elif rest:
            print(__doc__, file=sys.stderr)
            return 2
        sys.stdout.write(json.dumps(report))
        return 0
    if len(argv) == 2:
        formatter = load_formatter()
        result = render(formatter, read_text(argv[0]), json.loads(read_text(argv[1])))
        if result["ok"]:
            sys.stdout.write(result["output"])
            return 0
        sys.stdout.write(f"{ERROR_MARKER} {result['error']}\n")
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
