#!/bin/bash
# sge-down.sh - stop everything sge-up.sh started: delete all jobs, stop sge_execd and
# sge_qmaster. Kills only PIDs taken from the daemons' pid files (checked against
# /proc/PID/cmdline) and from our own pids cgroup; never by name.
# Keeps the cell (next sge-up.sh wipes and re-creates it) unless --purge is given:
#   --purge  also removes the packages (apt-get purge), the cell, the spools and $LAB.
# SGE_LAB_KILL=1: SIGKILL the daemons at once (sge-up.sh uses it before wiping the cell);
# otherwise SIGTERM (qmaster takes ~10 s for its controlled shutdown) and SIGKILL after 20 s.
set -uo pipefail
LAB=${SGE_LAB_DIR:-/tmp/sge-lab}
PORT=${SGE_LAB_PORT:-6444}
CELL=${SGE_LAB_CELL:-default}
export SGE_ROOT=/var/lib/gridengine SGE_CELL=$CELL SGE_QMASTER_PORT=$PORT SGE_EXECD_PORT=$((PORT + 1))
SPOOL=/var/spool/gridengine
CG=/sys/fs/cgroup/pids/sge-lab
PURGE=0; [ "${1:-}" = --purge ] && PURGE=1

ours() {   # ours PIDFILE NAME -> prints the pid if it is alive and its command line names NAME
  local p; p=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$p" ] && tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "$2" && echo "$p"
}
live() {   # live PID... -> true if any of them is running (zombies count as dead)
  local p; for p; do [ -r "/proc/$p/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$p/stat" 2>/dev/null && return 0; done; return 1
}
stop() {   # stop PID...: SIGTERM, wait up to 20 s, then SIGKILL (at once with SGE_LAB_KILL=1)
  [ $# -gt 0 ] || return 0
  if [ "${SGE_LAB_KILL:-0}" != 1 ]; then
    kill -TERM "$@" 2>/dev/null
    for _ in $(seq 1 200); do live "$@" || return 0; sleep 0.1; done
  fi
  echo "SIGKILL $*"; kill -KILL "$@" 2>/dev/null
  for _ in $(seq 1 50); do live "$@" || return 0; sleep 0.1; done
}

# 1. Delete all jobs while qmaster and execd are still up, and wait for them to go away.
if [ "${SGE_LAB_KILL:-0}" != 1 ] && ours "$SPOOL/qmaster/qmaster.pid" sge_qmaster >/dev/null; then
  jobs=$(qstat -u '*' 2>/dev/null | awk 'NR>2 {print $1}' | sort -u)
  if [ -n "$jobs" ]; then
    echo "deleting jobs: $(echo $jobs)"; qdel -f $jobs >/dev/null 2>&1
    for _ in $(seq 1 150); do [ -z "$(qstat -u '*' 2>/dev/null)" ] && break; sleep 0.1; done
  fi
fi

# 2. Stop execd first (it would otherwise keep trying to reach qmaster), then qmaster.
# (execd names its spool directory after what it resolves itself to, often "localhost")
for f in "$SPOOL"/execd/*/execd.pid "$SPOOL/qmaster/qmaster.pid"; do
  d=$(basename "$f" .pid); p=$(ours "$f" "sge_$d") && { echo "stopping sge_$d: $p"; stop "$p"; }
done

# 3. Anything else still in our cgroup (leftover shepherds / job processes): kill by PID.
if [ -f "$CG/cgroup.procs" ]; then
  left=$(cat "$CG/cgroup.procs")
  [ -n "$left" ] && { echo "killing leftovers in $CG: $(echo $left)"; kill -KILL $left 2>/dev/null; }
  for _ in $(seq 1 50); do [ -z "$(cat "$CG/cgroup.procs")" ] && break; sleep 0.1; done
  rmdir "$CG" 2>/dev/null || echo "warning: $CG not empty: $(cat "$CG/cgroup.procs")"
fi
rm -f "$SPOOL/qmaster/qmaster.pid" "$SPOOL"/execd/*/execd.pid "$LAB/stamp"

# 4. --purge: packages, cell, spools, debconf answers and $LAB.
if [ "$PURGE" = 1 ]; then
  for i in $(seq 1 30); do
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gridengine-master gridengine-exec \
      gridengine-client gridengine-common >/dev/null && break
    echo "apt-get failed (dpkg lock?), retry $i" >&2; sleep 5
  done
  echo PURGE | debconf-communicate gridengine-common >/dev/null 2>&1 || true
  rm -rf "${SGE_ROOT:?}/$CELL" "$SPOOL" "$LAB"
  echo "gridengine-lab purged"
fi
echo "gridengine-lab down"
