"""The outbox's background lane in a process of its own, at a low CPU priority.

The background lane's work (`BACKGROUND_KINDS`: a code review event's work) comes in bursts of
thousands (a project's changes rebased, a forge's redeliveries) and nobody waits for it at once. Done
in the API processes, it took the CPU and the interpreter lock their requests needed: on two cores,
with eight people writing on PostgreSQL, a 10,000-event burst took 44-52% of their throughput and
their p99 went from 40 to 74 ms, however small the lane's turns were made. In a process of its own,
at nice 19 (`NICE`), the kernel gives it the CPU people's requests leave, preempting it as soon as a
request's thread wakes; its transactions stay short while people's requests are in (`outbox.PEOPLE`,
through the people file every process of the machine shares), since a transaction it holds while it
waits for the CPU holds its locks as long. (The same burst, threads and this process back to back:
the writers' p99 during it 107 and 85 ms, 65% and 84% of their throughput kept: benchmarks/README.md.)

Every API process with `worker_in_process` (`storyline serve`, the embedded mode) starts one, else
`storyline worker` does (setting `background_lane`: "process", or "auto" on PostgreSQL); on
PostgreSQL several share the rows (FOR UPDATE SKIP LOCKED). It ends with the process that started it,
even when that one is killed (`os.getppid` changes). It looks for due rows every `POLL` seconds with a
read, so an idle lane takes no write transaction (on SQLite one holds the write lock). With
`background_lane = "thread"` (and "auto" on SQLite) every API process does the lane in a thread instead,
like the local lane: on SQLite a transaction of this process holds the one write lock, and while it
waits for the CPU at nice 19 every write waits with it (a 10,000-event burst with 8 people writing:
a write of 1.1 s, and the writers' p99 no better than with threads).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from typing import Any

from storyline.config import Settings

log = logging.getLogger("storyline.outbox.background")

NICE = 19
POLL = 0.2


def _main(settings: Settings, parent: int) -> None:
    os.setpriority(os.PRIO_PROCESS, 0, NICE)  # this thread, before it starts others (they inherit it)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    import storyline.worker  # noqa: F401 - the handlers, as in `storyline worker` ("integration" among them)
    from storyline import heap, outbox
    from storyline.db import make_engine, make_sessionmaker, people_file

    engine = make_engine(settings.database_url, pool_size=2, pool_timeout=settings.db_wait_timeout,
                         connect_timeout=settings.db_connect_timeout)
    writes = make_sessionmaker(engine, write=True, info={"settings": settings})
    reads = make_sessionmaker(engine, write=False, info={"settings": settings})
    outbox.Policy.configure(max_attempts=settings.outbox_max_attempts, retry_base=settings.outbox_retry_base,
                            lease=settings.outbox_lease)
    people = people_file(settings.database_url)
    if people is not None:
        outbox.PEOPLE.share(people)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us
    lane = outbox.OutboxThread(writes, interval=POLL, read_sessions=reads, lane="background")
    heap.freeze()  # its startup out of the collector's walks, before the lane's first transaction
    lane.start()
    try:
        while not stop.wait(0.5):
            if os.getppid() != parent:  # the process that started us is gone (killed): so are we
                break
    finally:
        lane.stop()
        if people is not None:
            outbox.PEOPLE.unshare(people)
        engine.dispose()


class BackgroundProcess:
    """The background lane's process, started and stopped by an API process (app.py) or `storyline
    worker`, and started again when it dies (watched every `WATCH` seconds by a thread of the process that
    started it)."""

    WATCH = 1.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: Any = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        """Start the process (without waiting for it: it imports for a few seconds) and its watcher."""
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="storyline-background-watch", daemon=True)
        self._watcher.start()

    def _spawn(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(target=_main, args=(self.settings, os.getpid()),
                                       name="storyline-background", daemon=True)
        self.process.start()

    def _watch(self) -> None:
        while not self._stopping.wait(self.WATCH):
            if self.process.is_alive():
                continue
            log.error("the background lane's process (pid %s) ended with code %s: starting it again",
                      self.process.pid, self.process.exitcode)
            try:
                self._spawn()
            except Exception:  # tried again at the next watch
                log.exception("the background lane's process could not be started")

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout)
        if self.process is None or not self.process.is_alive():
            return
        self.process.terminate()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout)


__all__ = ["NICE", "POLL", "BackgroundProcess"]
