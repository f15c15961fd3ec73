#!/bin/bash
# usage: startstop.sh BINARY LABEL RUNS  -> one CSV line per run:
# label,run,start_wall_s,start_user_s,start_sys_s,start_maxrss_kB,stop_wall_s,stop_user_s,stop_sys_s,stop_maxrss_kB,ctl_cpu_s
B=$1; L=$2; R=${3:-5}
export VIRTUAL_ENV=${VIRTUAL_ENV:-$(cd "$(dirname "$0")/../.." && pwd)/.venv}
for i in $(seq 1 "$R"); do
  export IPYTHONDIR=$(mktemp -d)
  "$B" profile create local --preset local -q >/dev/null 2>&1
  python3 "$(dirname "$0")/rus.py" -o /tmp/ss.start /usr/bin/time -f %M -o /tmp/ss.start.rss "$B" start --profile local -n 2 -q >/tmp/ss.start.out 2>&1 || { echo "start failed"; cat /tmp/ss.start.out; }
  # CPU of the controller+engines (python) at ready, for scale: sum utime+stime of processes with our IPYTHONDIR in env
  CTL=0; T=$(getconf CLK_TCK)
  for p in $(pgrep -f ipyparallel); do
    if tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -q "IPP_PROFILE_DIR=$IPYTHONDIR"; then
      read -r ut st < <(awk '{print $14, $15}' /proc/$p/stat); CTL=$((CTL+ut+st)); fi
  done
  python3 "$(dirname "$0")/rus.py" -o /tmp/ss.stop /usr/bin/time -f %M -o /tmp/ss.stop.rss "$B" stop --profile local --all -q >/tmp/ss.stop.out 2>&1 || { echo "stop failed"; cat /tmp/ss.stop.out; }
  echo "$L,$i,$(cat /tmp/ss.start),$(tail -1 /tmp/ss.start.rss),$(cat /tmp/ss.stop),$(tail -1 /tmp/ss.stop.rss),$(echo "scale=2; $CTL/$T" | bc)"
  rm -rf "$IPYTHONDIR"
done
