#!/usr/bin/env bash
# The main job, end to end: set up, start a local cluster with rcluster, compute on it from a
# stock ipyparallel client, stop it, and show that nothing is left.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/setup.sh
RCLUSTER="$ROOT/target/debug/rcluster"
export VIRTUAL_ENV="$ROOT/.venv"          # the Python that runs ipyparallel
export IPYTHONDIR=${IPYTHONDIR:-$ROOT/target/demo-ipython}
PROFILE=demo
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

[ -d "$IPYTHONDIR/profile_$PROFILE" ] || "$RCLUSTER" profile create "$PROFILE" >/dev/null
say "rcluster start --profile $PROFILE -n 4"
CID=$("$RCLUSTER" start --profile "$PROFILE" -n 4 -q)
trap '"$RCLUSTER" stop --profile "$PROFILE" --cluster-id "$CID" -q 2>/dev/null || true' EXIT
"$RCLUSTER" list --profile "$PROFILE"

say "computing on the cluster from Python"
.venv/bin/python - "$PROFILE" "$CID" <<'PY'
import os, sys, time
import ipyparallel as ipp

profile, cluster_id = sys.argv[1], sys.argv[2]
rc = ipp.Client(profile=profile, cluster_id=cluster_id)
rc.wait_for_engines(4, timeout=60)
print("engines:", rc.ids)

# The seed guide's first example: four one-second sleeps through a load-balanced view.
view = rc.load_balanced_view()
t0 = time.monotonic()
asyncresult = view.map_async(time.sleep, [1] * 4)
asyncresult.wait_interactive()
elapsed = time.monotonic() - t0
print(f"4 x sleep(1) on 4 engines took {elapsed:.2f} s")
assert elapsed < 3.5, "the sleeps did not run in parallel"

# A real computation: count primes below 200000 in 8 chunks; check against a serial count.
def count_primes(lo, hi):
    def is_prime(k):
        if k < 2:
            return False
        i = 2
        while i * i <= k:
            if k % i == 0:
                return False
            i += 1
        return True
    return sum(1 for k in range(lo, hi) if is_prime(k))

bounds = [(i * 25000, (i + 1) * 25000) for i in range(8)]
total = sum(view.map_sync(count_primes, *zip(*bounds)))
print("primes below 200000:", total)
assert total == 17984, total
pids = set(rc[:].apply_sync(os.getpid))
print("distinct engine pids:", len(pids))
assert len(pids) == 4
rc.close()
PY

say "rcluster stop"
"$RCLUSTER" stop --profile "$PROFILE" --cluster-id "$CID"
trap - EXIT
left=$(ls "$IPYTHONDIR/profile_$PROFILE/security" | grep -F -- "$CID" || true)
procs=$(pgrep -f "ipyparallel" | while read -r p; do grep -lz "IPP_CLUSTER_ID=$CID" /proc/$p/environ 2>/dev/null; done || true)
if [ -n "$left" ] || [ -n "$procs" ]; then
  echo "left behind: files [$left] processes [$procs]" >&2; exit 1
fi
say "done: no process and no file of cluster $CID is left"
