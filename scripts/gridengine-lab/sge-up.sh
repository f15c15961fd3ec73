#!/bin/bash
# sge-up.sh - start a one-host Grid Engine (Debian's Son of Grid Engine 8.1.9) on this machine:
#   sge_qmaster (with its built-in scheduler) + one sge_execd; this host is the admin, submit
#   and execution host; queue all.q with SGE_LAB_SLOTS slots; parallel environments smp
#   ($pe_slots), mpi ($fill_up, tight integration) and make ($round_robin), i.e. the pe_list
#   Debian's queue template names. Tuned so a job starts ~1-2 s after qsub.
# The packages keep the cell in fixed places: $SGE_ROOT=/var/lib/gridengine (cell directory
# $SGE_ROOT/$SGE_CELL/common: bootstrap, act_qmaster, host_aliases, accounting) and the spools
# under /var/spool/gridengine. qsub, qstat, ... in /usr/bin are wrappers that find the cell
# through /etc/default/gridengine, so they work without any environment; `source $LAB/env.sh`
# is needed only with a non-default cell or ports.
# Idempotent: if the daemons are up, healthy and were configured by this same script with the
# same knobs, it does nothing (configuration changed by hand with qconf is not noticed: run
# sge-down.sh first to reset it); otherwise it stops what it started before (sge-down.sh) and
# starts from a freshly initialised cell (spool, jobs and accounting wiped).
# Knobs (env): SGE_LAB_SLOTS (default 16; may exceed nproc), SGE_LAB_PORT qmaster port
# (default 6444; execd uses PORT+1), SGE_LAB_CELL (default "default"), SGE_LAB_DIR (default
# /tmp/sge-lab: env.sh, rendered configuration), SGE_LAB_FORCE=1: wipe a cell that this script
# did not create and that has already run jobs (refused otherwise).
set -euo pipefail
LAB=${SGE_LAB_DIR:-/tmp/sge-lab}
SLOTS=${SGE_LAB_SLOTS:-16}
PORT=${SGE_LAB_PORT:-6444}
CELL=${SGE_LAB_CELL:-default}
HERE=$(cd "$(dirname "$0")" && pwd)
export SGE_ROOT=/var/lib/gridengine SGE_CELL=$CELL SGE_QMASTER_PORT=$PORT SGE_EXECD_PORT=$((PORT + 1))
COMMON=$SGE_ROOT/$CELL/common
SPOOL=/var/spool/gridengine
HOST=$(hostname)
CG=/sys/fs/cgroup/pids/sge-lab          # optional: cgroup-v1 pids group holding all our processes
t0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }

# 0. Packages, only if missing (13 packages, ~12 s on a fresh Debian 12, most of it mailx +
#    exim, which gridengine-common depends on). The debconf answers make the master postinst
#    create the cell; where policy-rc.d allows it, the init scripts also start the daemons
#    (before our configuration exists): step 2 stops them again.
if ! command -v sge_qmaster >/dev/null || ! command -v sge_execd >/dev/null || ! command -v qsub >/dev/null; then
  printf '%s\n' "gridengine-common shared/gridengineconfig boolean true" \
    "gridengine-common shared/gridenginecell string $CELL" \
    "gridengine-common shared/gridenginemaster string $HOST" | debconf-set-selections
  ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt-get update -q
  for i in $(seq 1 30); do
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      gridengine-master gridengine-exec gridengine-client && break
    echo "apt-get failed (dpkg lock?), retry $i" >&2; sleep 5
  done
fi

# 1. Idempotency: the stamp records the script and knobs the running cell was set up with.
STAMP=$( { cat "$0"; echo "$SLOTS $PORT $CELL $HOST"; } | sha256sum | cut -c1-16)
alive() {     # alive PIDFILE NAME: process exists, is not a zombie and its command is NAME
  local p; p=$(cat "$1" 2>/dev/null) && [ -n "$p" ] && [ -r "/proc/$p/stat" ] &&
    ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$p/stat" 2>/dev/null &&
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "$2"
}
healthy() {   # daemons alive, queue instance enabled and not in alarm/unknown state
  # execd names its spool directory after what it resolves itself to (often "localhost")
  alive "$SPOOL/qmaster/qmaster.pid" sge_qmaster && alive "$(echo "$SPOOL"/execd/*/execd.pid)" sge_execd || return 1
  # qstat -f columns: queuename qtype resv/used/tot. load_avg arch [states]
  local line; line=$(qstat -f -q "all.q@$HOST" 2>/dev/null | awk -v q="all.q@$HOST" '$1==q') || return 1
  [ -n "$line" ] && [ "$(echo "$line" | awk '{print NF}')" = 5 ] && [ "$(echo "$line" | awk '{print $4}')" != "-NA-" ]
}
if [ "$(cat "$LAB/stamp" 2>/dev/null)" = "$STAMP" ] && healthy; then
  echo "gridengine-lab already up ($HOST, all.q: $SLOTS slots)"; exit 0
fi

# 2. Stop whatever we (or the package's init scripts) started, and refuse to destroy a cell
#    that someone else has been using.
if [ ! -e "$COMMON/.sge-lab" ] && [ -s "$COMMON/accounting" ] && [ "${SGE_LAB_FORCE:-0}" != 1 ]; then
  echo "$COMMON was not created by sge-up.sh and has run jobs; set SGE_LAB_FORCE=1 to wipe it" >&2; exit 1
fi
SGE_LAB_KILL=1 "$HERE/sge-down.sh" >/dev/null 2>&1 || true    # state is wiped below: no need to wait
for p in /var/run/gridengine/qmaster.pid /var/run/gridengine/execd.pid; do   # init-script daemons
  if alive "$p" sge_; then kill -KILL "$(cat "$p")" 2>/dev/null || true; fi; rm -f "$p"
done
listening() {  # listening PORT: some TCP socket on this machine listens on PORT
  awk -v p="$(printf ':%04X' "$1")" '$4=="0A" && substr($2,length($2)-4)==p {f=1} END {exit !f}' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
for p in "$PORT" $((PORT + 1)); do
  if listening "$p"; then echo "port $p is already in use (set SGE_LAB_PORT)" >&2; exit 1; fi
done

# 3. A fresh cell: wipe the spools and re-run the package's own initialisation (as the admin
#    user, like the postinst). From here on, any failure stops whatever was already started.
trap 'echo "sge-up.sh failed; logs: $SPOOL/qmaster/messages, $SPOOL/execd/*/messages" >&2; "$HERE/sge-down.sh" >/dev/null 2>&1' ERR
rm -f "$LAB/stamp"
rm -rf "${SPOOL:?}/spooldb" "$SPOOL/qmaster" "$SPOOL/execd" "$COMMON/accounting" "$COMMON/reporting"
for d in "$SPOOL/spooldb" "$SPOOL/qmaster" "$SPOOL/qmaster/job_scripts" "$SPOOL/execd" "$COMMON"; do
  mkdir -p "$d"; chown sgeadmin:sgeadmin "$d"; chmod 755 "$d"
done
[ -s "$COMMON/bootstrap" ] || install -m0644 -o sgeadmin -g sgeadmin /usr/share/gridengine/default-bootstrap "$COMMON/bootstrap"
su -s /bin/sh -c "/usr/share/gridengine/scripts/init_cluster $SGE_ROOT $CELL $SPOOL/spooldb sgeadmin" sgeadmin >/dev/null
echo "$HOST" > "$COMMON/act_qmaster"
# The hostname trap: this host's name resolves to e.g. 127.0.0.1, which resolves back to
# "localhost", so qmaster rejects its own clients ("access denied (client IP resolved to host
# name "localhost" ...)"). host_aliases makes every name of that address (and of 127.0.0.1)
# mean this host.
addrs=$(getent ahostsv4 "$HOST" | awk '{print $1}' | sort -u; echo 127.0.0.1)
names=$(for a in $addrs; do getent hosts "$a"; awk -v a="$a" '$1==a' /etc/hosts; done | awk '{for (i=2; i<=NF; i++) print $i}')
echo "$HOST $(echo "$names" | grep -vx -e "$HOST" -e '' | sort -u | tr '\n' ' ')" > "$COMMON/host_aliases"
touch "$COMMON/.sge-lab"
chown sgeadmin:sgeadmin "$COMMON"/*

# 4. Start qmaster (it daemonizes, writes $SPOOL/qmaster/qmaster.pid and drops to sgeadmin),
#    first moved into our pids cgroup so sge-down.sh can find every process we caused.
if [ -f "${CG%/*}/cgroup.procs" ] && mkdir -p "$CG" && [ -w "$CG/cgroup.procs" ]; then
  run() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@"; }
else
  run() { "$@"; }
fi
run sge_qmaster
for i in $(seq 1 100); do qconf -sh >/dev/null 2>&1 && break; sleep 0.1; done

# 5. Configuration, rendered into $LAB/conf (qconf -M... wants files named after the object).
mkdir -p "$LAB/conf"
C=$LAB/conf
qc() {   # qconf, quiet unless it fails or says more than "added"/"modified"/"changed"
  local out; out=$(qconf "$@" 2>&1) || { echo "qconf $*: $out" >&2; return 1; }
  echo "$out" | grep -vE '(^| )(added|modified|changed) |^$' | sed "s|^|qconf $*: |" >&2 || true
}
# Global: root may run jobs (CI runs as root; default min_uid/min_gid 1000); no mail; the
# execd reports every 10 s (default 40 s) so a lost execd shows sooner; accounting is written
# at once so qacct sees a job as soon as it has left qstat.
unwrap() { sed -e ':a' -e '/\\$/{N;s/\\\n[[:space:]]*/ /;ba' -e '}' | grep -v '^#'; }  # join "\" lines
qconf -sconf global | unwrap | awk '
  $1=="min_uid" || $1=="min_gid" {print $1, 0; next}
  $1=="mailer" {print $1, "/bin/true"; next}
  $1=="load_report_time" {print $1, "00:00:10"; next}
  $1=="reporting_params" {print $1, "accounting=true reporting=false flush_time=00:00:01 accounting_flush_time=00:00:00 joblog=false sharelog=00:00:00"; next}
  {print}' > "$C/global"
qc -Mconf "$C/global"
# Scheduler: a pass every second and right after each submit/finish (default: every 15 s);
# "scheduling info" in qstat -j says why a job waits; no load adjustments or thresholds,
# because other work on this small machine must not hold jobs back.
qconf -ssconf | unwrap | awk '
  $1=="schedule_interval" {print $1, "0:0:1"; next}
  $1=="flush_submit_sec" || $1=="flush_finish_sec" {print $1, 1; next}
  $1=="schedd_job_info" {print $1, "true"; next}
  $1=="job_load_adjustments" {print $1, "NONE"; next}
  $1=="load_adjustment_decay_time" {print $1, "0:0:0"; next}
  {print}' > "$C/sched"
qc -Msconf "$C/sched"
qconf -ah "$HOST" >/dev/null 2>&1 || true      # the cell's init already made it an admin host
qc -as "$HOST"
printf '%s\n' "hostname $HOST" "load_scaling NONE" "complex_values NONE" "user_lists NONE" \
  "xuser_lists NONE" "projects NONE" "xprojects NONE" "usage_scaling NONE" "report_variables NONE" > "$C/$HOST"
qc -Ae "$C/$HOST"
pe() {  # pe NAME ALLOCATION_RULE CONTROL_SLAVES JOB_IS_FIRST_TASK
  printf '%s\n' "pe_name $1" "slots $SLOTS" "user_lists NONE" "xuser_lists NONE" "start_proc_args NONE" \
    "stop_proc_args NONE" "allocation_rule $2" "control_slaves $3" "job_is_first_task $4" \
    "urgency_slots min" "accounting_summary FALSE" "qsort_args NONE" > "$C/$1"
  qc -Ap "$C/$1"
}
pe smp '$pe_slots' FALSE TRUE
pe mpi '$fill_up' TRUE FALSE     # tight integration: mpirun starts remote ranks with qrsh -inherit
pe make '$round_robin' TRUE FALSE
cat > "$C/all.q" <<EOF
qname                 all.q
hostlist              $HOST
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               make smp mpi
rerun                 FALSE
slots                 $SLOTS
tmpdir                /tmp
shell                 /bin/sh
prolog                NONE
epilog                NONE
shell_start_mode      posix_compliant
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
qc -Aq "$C/all.q"
cat > "$LAB/env.sh" <<EOF
export SGE_ROOT=$SGE_ROOT SGE_CELL=$CELL SGE_QMASTER_PORT=$PORT SGE_EXECD_PORT=$((PORT + 1))
case ":\$PATH:" in *:/usr/bin:*) ;; *) export PATH=\$PATH:/usr/bin ;; esac
EOF

# 6. Start the execd and wait (max 30 s) until it has reported its load (queue usable).
run sge_execd
for i in $(seq 1 300); do healthy && break; sleep 0.1; done
if ! healthy; then
  echo "gridengine-lab did not come up; see $SPOOL/qmaster/messages" >&2; qstat -f >&2 || true
  "$HERE/sge-down.sh" >/dev/null 2>&1; exit 1
fi

# 7. Prove it: a job and a 4-task array job run and leave qstat (max 30 s each).
gone() {   # gone JOBID: wait until qstat no longer lists the job
  for _ in $(seq 1 300); do qstat -u '*' | awk -v j="$1" '$1==j {f=1} END {exit f}' && return 0; sleep 0.1; done
  echo "job $1 did not finish in 30 s:" >&2; qstat -j "$1" >&2 || true; return 1
}
j1=$(qsub -terse -b y -o /dev/null -j y /bin/true)
ja=$(qsub -terse -b y -o /dev/null -j y -t 1-4 /bin/true); ja=${ja%%.*}
gone "$j1"; gone "$ja"
echo "$STAMP" > "$LAB/stamp"
qstat -f
echo "gridengine-lab up in $(ms) ms ($HOST, all.q: $SLOTS slots, qmaster port $PORT)"
