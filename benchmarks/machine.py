"""How much of the machine other programs used while we measured (Linux /proc only).

On a shared machine, someone else's test run can halve a server's throughput. `CpuMeter` compares
the CPU time of the whole machine with that of our own processes (the benchmark, its children such
as `storyline serve`, and the peer's processes, found from their PID files) over a measuring window,
so every figure comes with the share of CPU that went to strangers.
"""

from __future__ import annotations

import os
from pathlib import Path


def _machine() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])          # guest time is already counted in user time
    return total - idle, total


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, utime + stime + cutime + cstime jiffies). The children's times count: a process
    that ends during a window (a browser, a CLI call) leaves its CPU time in its parent's, so it is
    still counted as ours when the parent is ours."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                data = fh.read()
        except OSError:
            continue
        fields = data[data.rfind(")") + 2:].split()
        out[int(entry.name)] = (int(fields[1]), sum(int(v) for v in fields[11:15]))
    return out


def _ours(procs: dict[int, tuple[int, int]], roots: set[int]) -> int:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    seen, stack, total = set(), list(roots), 0
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in procs:
            continue
        seen.add(pid)
        total += procs[pid][1]
        stack.extend(children.get(pid, ()))
    return total


def pids_from_files(directory: Path) -> set[int]:
    """First number of every *.pid file in `directory` (the peer scripts write "PID STARTTIME")."""
    pids = set()
    for f in directory.glob("*.pid"):
        try:
            first = f.read_text().split()[0]
        except (OSError, IndexError):
            continue
        if first.isdigit():
            pids.add(int(first))
    return pids


class CpuMeter:
    """Share of the machine's CPU used by processes that are not ours, between start() and stop()."""

    def __init__(self, extra_roots: set[int] | None = None) -> None:
        self.roots = {os.getpid(), *(extra_roots or set())}
        self.available = os.path.exists("/proc/stat")
        self._start: tuple[int, int, int] | None = None

    def start(self) -> None:
        if self.available:
            busy, total = _machine()
            self._start = (busy, total, _ours(_processes(), self.roots))

    def stop(self) -> float | None:
        """Percentage of all CPU capacity used by other programs during the window."""
        if not self.available or self._start is None:
            return None
        busy, total = _machine()
        ours = _ours(_processes(), self.roots)
        d_busy, d_total, d_ours = busy - self._start[0], total - self._start[1], ours - self._start[2]
        if d_total <= 0:
            return None
        return round(max(0.0, 100.0 * (d_busy - d_ours) / d_total), 1)
