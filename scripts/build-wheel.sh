#!/usr/bin/env bash
# Builds the rcluster wheel: a Python wheel that carries the release binary (maturin, `bindings =
# "bin"`), linked through zig against glibc 2.17 so it runs on old enterprise Linux clusters
# (manylinux2014). `pip install` it into the environment of the Jupyter kernel.
#
# Usage: scripts/build-wheel.sh [OUTDIR]      (default: target/wheels)
#
# maturin and ziglang live in a build venv, target/wheel-venv (created once, then reused). The
# zig-linked build uses its own cargo target dir, target/wheel-build, so it neither rebuilds nor is
# rebuilt by a plain `cargo build --release`. Progress goes to stderr; the last line on stdout is
# the wheel's path.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUTDIR=${1:-$ROOT/target/wheels}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
cd "$ROOT"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

VENV=$ROOT/target/wheel-venv
# Pinned ranges: a new maturin or zig must not change the wheel behind our back.
BUILD_REQS="maturin>=1.16,<2 ziglang==0.17.1"
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the build venv $VENV with $($PY --version 2>&1)"
  $PY -m venv "$VENV"
fi
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$BUILD_REQS" ]; then
  say "installing $BUILD_REQS into the build venv"
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q --disable-pip-version-check $BUILD_REQS >&2
  echo "$BUILD_REQS" >"$VENV/.installed"
fi

# maturin finds zig through `python -m ziglang` of the active environment.
export VIRTUAL_ENV=$VENV PATH=$VENV/bin:$PATH
export CARGO_TARGET_DIR=$ROOT/target/wheel-build

say "maturin build --release --zig --compatibility manylinux2014 -o $OUTDIR"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! maturin build --release --zig --compatibility manylinux2014 -o "$OUTDIR" 2>&1 | tee "$log" >&2; then
  echo "build-wheel.sh: maturin build failed (output above)" >&2
  exit 1
fi
# maturin ends with "📦 Built wheel to PATH".
wheel=$(sed -n 's/.*Built wheel[^/]* to \(.*\.whl\).*/\1/p' "$log" | tail -n 1)
if [ -z "$wheel" ] || [ ! -f "$wheel" ]; then
  echo "build-wheel.sh: maturin did not say which wheel it built (output above)" >&2
  exit 1
fi
echo "$wheel"
