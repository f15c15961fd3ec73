#!/usr/bin/env python3
"""Run a command; print wall_s,user_s,sys_s,maxrss_kB of it (and children it waited for) to fd 3 file given by -o."""
import os, sys, time
out = sys.argv[2]; cmd = sys.argv[3:]
t0 = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(out, "w") as f:
    f.write(f"{wall:.3f},{ru.ru_utime:.6f},{ru.ru_stime:.6f},{ru.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
