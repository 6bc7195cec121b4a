"""The cyclic garbage collector's pauses, kept short in long-running processes.

CPython's collector stops the process while it runs (every thread waits for the interpreter lock).
Its oldest generation holds everything a process builds as it starts: the modules, the routes, the
schemas, the engine; 226,000 objects in an API process, which a full collection took 110-220 ms to
walk. Under load one ran every 20-40 s in each API process, and every request in the process waited
for it: in a burst of code review events with 8 people writing (PostgreSQL, two API processes) the
collections took 165-500 ms, and they were the writes' slowest answers (benchmarks/README.md,
2026-12-15).

`freeze` collects once, then moves every object left into the collector's permanent generation
(`gc.freeze`), which its collections skip: they then walk only what was built since (in that burst,
full collections of 10-28 ms; under a millisecond in a process at rest). Objects frozen are still
freed by reference counting; only a cycle among them, left unreachable, would stay until `thaw`
(called when the process, or an application in a test process, stops) puts them back in the
collector's reach. Each process freezes before it starts its threads: the one long collection, at
startup, then pauses no transaction.
"""

from __future__ import annotations

import gc


def freeze() -> None:
    """Collect, then freeze what is left (the process's startup), out of the collector's walks."""
    gc.collect()
    gc.freeze()


def thaw() -> None:
    """Give the frozen objects back to the collector (an application stopping: what it built may go)."""
    gc.unfreeze()


__all__ = ["freeze", "thaw"]
