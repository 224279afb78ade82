#!/usr/bin/env python3
"""Run a command; print its wall time (s), peak resident memory (KiB, from wait4) and the most
sockets it held open at once (sampled from /proc every 2 ms). Output goes to /dev/null.
    python3 benches/measure.py CMD ARGS...
"""
import os
import subprocess
import sys
import time


def sockets(pid):
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    n = 0
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


start = time.monotonic()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
most = 0
while True:
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid:
        break
    most = max(most, sockets(proc.pid))
    time.sleep(0.002)
wall = time.monotonic() - start
print(f"{wall:.3f} {usage.ru_maxrss} {most} {os.waitstatus_to_exitcode(status)}")
