#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing (Debian packages, .venv), brings
# up the Slurm lab (real slurmctld + slurmd, emulated nodes on this machine), the Grid Engine lab
# (sge_qmaster + sge_execd) and the SSH lab (a private sshd on loopback aliases), checks
# formatting and lints, and runs every test. Tests that need Slurm, Grid Engine, MPI or the SSH
# lab fail (not skip) here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

scripts/setup.sh --system

say "starting the Slurm lab"
export SLURM_LAB_NODES=${SLURM_LAB_NODES:-3} SLURM_LAB_CPUS=${SLURM_LAB_CPUS:-8}
scripts/slurm-lab/slurm-up.sh >&2
trap 'scripts/slurm-lab/slurm-down.sh >/dev/null 2>&1 || true' EXIT

say "starting the Grid Engine lab"
trap 'scripts/gridengine-lab/sge-down.sh >/dev/null 2>&1 || true; scripts/slurm-lab/slurm-down.sh >/dev/null 2>&1 || true' EXIT
scripts/gridengine-lab/sge-up.sh >&2

say "starting the SSH lab"
scripts/ssh-lab/ssh-up.sh >&2
trap 'scripts/ssh-lab/ssh-down.sh >/dev/null 2>&1 || true; scripts/gridengine-lab/sge-down.sh >/dev/null 2>&1 || true; scripts/slurm-lab/slurm-down.sh >/dev/null 2>&1 || true' EXIT
# shellcheck source=/dev/null
source "${SSH_LAB_DIR:-/tmp/ssh-lab}/env.sh"

say "cargo fmt --check, cargo clippy"
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

say "cargo test"
export RCLUSTER_REQUIRE_SLURM=1 RCLUSTER_REQUIRE_SGE=1 RCLUSTER_REQUIRE_MPI=1 RCLUSTER_REQUIRE_USER=1 RCLUSTER_REQUIRE_SSH=1
export RCLUSTER_TEST_PYTHON="$ROOT/.venv/bin/python"
# ipyparallel's client tests against exec and fork clusters (issue 16): .venv has pytest.
export RCLUSTER_IPP_TEST_VENV="$ROOT/.venv" RCLUSTER_REQUIRE_IPP_TESTS=1
# Two test threads: each cluster test runs a controller and engines on this 2-core machine.
cargo test --no-fail-fast -- --test-threads=2

# The interop tests (ipyparallel's Client, Cluster and ipcluster against rcluster's clusters, and
# rcluster against ipcluster's) once more with the oldest supported ipyparallel.
OLDEST="$ROOT/.venv-oldest/bin/python"
say "interop tests with ipyparallel $("$OLDEST" -c 'import importlib.metadata as m; print(m.version("ipyparallel"))') (.venv-oldest)"
RCLUSTER_TEST_PYTHON="$OLDEST" cargo test --test spine --test mpi --test slurm --test gridengine -- --test-threads=2 interop_
