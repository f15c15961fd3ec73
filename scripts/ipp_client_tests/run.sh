#!/bin/sh
# Runs ipyparallel's client, view, async-result and dependency tests against rcluster clusters,
# once with exec-started and once with fork-started engines, and compares the outcomes.
# Usage: scripts/ipp_client_tests/run.sh TEST_VENV OUT_DIR
# TEST_VENV: a venv with pytest and pytest-asyncio that sees ipyparallel (its Python also runs
# the engines, which import pytest from the test modules).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=$1
out=$2
mkdir -p "$out"
for mode in exec fork; do
    (cd "$here" && RCLUSTER="${RCLUSTER:-$root/target/debug/rcluster}" RCLUSTER_ENGINE_START=$mode \
        VIRTUAL_ENV="$venv" "$venv/bin/python" -m pytest -p rcluster_ipp_plugin -p no:cacheprovider \
        -q -rfE --pyargs ipyparallel.tests.test_client ipyparallel.tests.test_view \
        ipyparallel.tests.test_asyncresult ipyparallel.tests.test_dependency \
        > "$out/$mode.txt" 2>&1)
    grep -E '^(FAILED|ERROR) ' "$out/$mode.txt" | sed 's/ - .*//' | sort > "$out/$mode.fails"
    tail -n 1 "$out/$mode.txt"
done
if diff "$out/exec.fails" "$out/fork.fails"; then
    echo "same outcomes in exec and fork mode"
else
    echo "outcomes differ (< exec, > fork)"
    exit 1
fi
