#!/usr/bin/env bash
# Sets up everything rcluster's demo and tests need, idempotently:
#   - Debian packages (only with --system, and only those missing): Open MPI, Slurm, munge, iproute2
#   - a project-local venv `.venv` with ipyparallel (pinned range), mpi4py and the test tools
#   - `.venv-oldest` with the oldest supported ipyparallel (requirements-oldest.txt) and mpi4py,
#     for the interop tests against it
#   - the rcluster binary (cargo build)
# Usage: scripts/setup.sh [--system] [--release]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SYSTEM=0 PROFILE_FLAG=""
for arg in "$@"; do
  case "$arg" in
    --system) SYSTEM=1 ;;
    --release) PROFILE_FLAG="--release" ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if [ "$SYSTEM" = 1 ]; then
  PKGS="openmpi-bin libopenmpi-dev slurmctld slurmd slurm-client munge iproute2 procps python3-venv binutils"
  missing=""
  for p in $PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    say "installing Debian packages:$missing"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || $SUDO apt-get update -q
    for i in 1 2 3 4 5 6; do
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing && break
      echo "apt-get failed (dpkg lock?), retry $i" >&2; sleep 5
    done
  fi
fi

# An unprivileged user for the tests that run rcluster as a normal user would (EPERM on
# signals, file modes); only root can create it.
if [ "$SYSTEM" = 1 ] && [ "$(id -u)" = 0 ] && ! id rcluster-test >/dev/null 2>&1; then
  say "creating the unprivileged test user rcluster-test"
  # "*": no password can match, without the lock ("!") that makes sshd (UsePAM no) refuse keys
  useradd --create-home --shell /bin/sh -p '*' rcluster-test
fi

# The unprivileged user cannot run .venv's Python when it links into root's home (pyenv), so
# its tests get a venv made from Debian's /usr/bin/python3.
if [ "$SYSTEM" = 1 ] && id rcluster-test >/dev/null 2>&1 && [ -x /usr/bin/python3 ]; then
  if [ ! -x .venv-user/bin/python ]; then
    say "creating .venv-user (Debian's python3) for the unprivileged tests"
    /usr/bin/python3 -m venv .venv-user
  fi
  if ! cmp -s requirements-dev.txt .venv-user/.installed-requirements; then
    .venv-user/bin/pip install -q --disable-pip-version-check "ipyparallel>=9.2,<10"
    cp requirements-dev.txt .venv-user/.installed-requirements
  fi
fi

# The Python that runs ipyparallel: a venv at .venv, so tests use exactly the pinned versions.
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PY --version 2>&1)"
  if ! $PY -m venv .venv 2>/dev/null; then
    # Debian ships the venv module separately.
    rm -rf .venv
    if command -v apt-get >/dev/null 2>&1; then
      say "installing python3-venv (Debian keeps venv out of python3)"
      SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
      ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || $SUDO apt-get update -q
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends python3-venv
    fi
    $PY -m venv .venv || { echo "setup.sh: cannot create a venv with $PY; install its venv module" >&2; exit 1; }
  fi
fi
# Reinstall only when requirements-dev.txt changed since the last install.
if ! cmp -s requirements-dev.txt .venv/.installed-requirements; then
  say "installing requirements-dev.txt into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
  cp requirements-dev.txt .venv/.installed-requirements
fi
# mpi4py needs an MPI library; install it only where one is present.
if command -v mpicc >/dev/null 2>&1 && ! .venv/bin/python -c 'import mpi4py' 2>/dev/null; then
  say "installing mpi4py into .venv"
  .venv/bin/pip install -q --disable-pip-version-check "mpi4py>=4,<5"
fi

# The oldest ipyparallel rcluster supports, in its own venv: scripts/test.sh runs the interop
# tests against it too. Same Python as .venv, which exists by now.
if [ ! -x .venv-oldest/bin/python ]; then
  say "creating .venv-oldest for the oldest supported ipyparallel"
  BASE_PY=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
  "$BASE_PY" -m venv .venv-oldest
fi
if ! cmp -s requirements-oldest.txt .venv-oldest/.installed-requirements; then
  say "installing requirements-oldest.txt into .venv-oldest"
  .venv-oldest/bin/pip install -q --disable-pip-version-check -r requirements-oldest.txt
  cp requirements-oldest.txt .venv-oldest/.installed-requirements
fi
if command -v mpicc >/dev/null 2>&1 && ! .venv-oldest/bin/python -c 'import mpi4py' 2>/dev/null; then
  say "installing mpi4py into .venv-oldest"
  .venv-oldest/bin/pip install -q --disable-pip-version-check "mpi4py>=4,<5"
fi

say "building rcluster"
cargo build $PROFILE_FLAG --quiet
