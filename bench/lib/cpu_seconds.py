#!/usr/bin/env python3
"""CPU seconds spent by processes, for benchmarks that report CPU per operation.

    cpu_seconds.py snap NAME=PID[,PID...] ...     prints NAME=SECONDS per group
    cpu_seconds.py run FILE -- COMMAND [ARGS...]  runs COMMAND, writes its CPU seconds to FILE

`snap` counts, for each PID, its own user+system time, the time of its children that it has
waited for (a postmaster waits for its exited backends) and that of every live descendant: the
difference of two snaps is the CPU the group used in between, backends that came and went included.
`run` counts the CPU of COMMAND and everything it waited for (getrusage of the children); COMMAND's
output and exit status pass through.
"""

import os
import resource
import subprocess
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(ppid, ticks of self + waited-for children) of a live pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "; comm may hold spaces
    # fields[0] is state (field 3): ppid is field 4, utime..cstime fields 14-17
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def group_seconds(roots):
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = _stat(int(name))
            if s:
                procs[int(name)] = s
    children = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, seen, todo = 0, set(), [p for p in roots if p in procs]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += procs[pid][1]
        todo.extend(children.get(pid, []))
    return total / TICKS


def main(argv):
    if len(argv) >= 2 and argv[0] == "snap":
        for arg in argv[1:]:
            name, _, pids = arg.partition("=")
            roots = [int(p) for p in pids.split(",") if p.strip()]
            print("%s=%.3f" % (name, group_seconds(roots)))
        return 0
    if len(argv) >= 4 and argv[0] == "run" and argv[2] == "--":
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        rc = subprocess.run(argv[3:]).returncode
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(argv[1], "w") as f:
            f.write("%.3f\n" % (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime))
        return rc
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
