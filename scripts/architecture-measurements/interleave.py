#!/usr/bin/env python3
"""Interleaved latency: run each command once per round, in alternating order; wall and CPU (rusage) per run.
usage: interleave.py ROUNDS IPYTHONDIR label=cmd... """
import os, sys, time, statistics, random, json
rounds = int(sys.argv[1]); env = dict(os.environ, IPYTHONDIR=sys.argv[2])
cmds = [a.split("=", 1) for a in sys.argv[3:]]
res = {l: {"wall": [], "cpu": []} for l, _ in cmds}
devnull = os.open(os.devnull, os.O_WRONLY)
for r in range(rounds + 5):
    order = cmds if r % 2 == 0 else cmds[::-1]
    for label, cmd in order:
        argv = cmd.split()
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, st, ru = os.wait4(pid, 0)
        w = time.perf_counter() - t0
        assert os.waitstatus_to_exitcode(st) == 0, (label, st)
        if r >= 5:  # warm-up rounds dropped
            res[label]["wall"].append(w * 1e3); res[label]["cpu"].append((ru.ru_utime + ru.ru_stime) * 1e3)
for label, d in res.items():
    q = lambda xs, p: sorted(xs)[int(p * (len(xs) - 1))]
    print(f"{label}: n={len(d['wall'])} wall ms median {statistics.median(d['wall']):.2f} p10 {q(d['wall'],.1):.2f} min {min(d['wall']):.2f} | cpu ms median {statistics.median(d['cpu']):.2f} min {min(d['cpu']):.2f}")
