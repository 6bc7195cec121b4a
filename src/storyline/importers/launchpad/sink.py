"""Where fetched batches go to be written: a writer process (the default), or a thread of this one.

The writer process has its own interpreter, so the writes never wait for the fetchers' Python work (and
the reverse): on two cores, fetching and writing run side by side. Batches travel pickled through a
queue of two; a full queue holds the fetchers back. Ctrl-C: the batch being written is finished
(committed whole), the ones still queued are dropped (the next run fetches them again).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from typing import Any

from storyline.importers.launchpad.fetch import BugData
from storyline.importers.launchpad.records import ProjectTarget, Summary
from storyline.importers.launchpad.writer import Writer


class ThreadSink:
    """Writes each batch in the calling thread (one at a time)."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.summaries: list[Summary] = []

    def submit(self, batch: list[BugData]) -> None:
        self.summaries.append(self.writer.write(batch))

    def interrupt(self) -> None:
        """Nothing to do: the batch in hand is finished by the thread writing it."""

    def finish(self, stop: bool) -> tuple[list[Summary], float, int, float | None]:
        """The summaries, the time spent writing, the transactions and the writer's own CPU time (None:
        it shares this process's)."""
        return self.summaries, self.writer.write_seconds, self.writer.transactions, None


class ProcessSink:
    def __init__(self, url: str, projects: dict[str, ProjectTarget], *, vmt_team: str | None, dry_run: bool,
                 attachments: bool, api_root: str, web_root: str | None, embargo_max_days: int = 90) -> None:
        context = multiprocessing.get_context("spawn")
        self.tasks: Any = context.Queue(maxsize=2)
        self.results: Any = context.Queue()
        self.stop = context.Event()
        self.process = context.Process(
            target=_main, name="storyline-import-writer", daemon=True,
            args=(url, projects, vmt_team, dry_run, attachments, api_root, web_root, self.tasks, self.results,
                  self.stop, os.getpid(), embargo_max_days))
        self.process.start()

    def _put(self, item: Any) -> None:
        while True:
            try:
                self.tasks.put(item, timeout=1)
                return
            except queue.Full:
                if not self.process.is_alive():
                    raise RuntimeError("the writer process ended unexpectedly") from None

    def submit(self, batch: list[BugData]) -> None:
        self._put(batch)

    def interrupt(self) -> None:
        """Write no batch beyond the one in hand."""
        self.stop.set()

    def finish(self, stop: bool) -> tuple[list[Summary], float, int, float | None]:
        """Wait for the batches sent (`stop`: only the one being written) and the writer's end."""
        if stop:
            self.stop.set()
        summaries: list[Summary] = []
        seconds, transactions, cpu = 0.0, 0, None
        if self.process.is_alive():
            self._put(None)
        while True:
            try:
                item = self.results.get(timeout=1)
            except queue.Empty:
                if not self.process.is_alive():
                    break
                continue
            if item is None:
                break
            summary, seconds, transactions, cpu = item
            summaries.append(summary)
        self.process.join(30)
        if self.process.exitcode not in (0, None) and not stop:
            lost = Summary()
            lost.errors.append((None, "", f"the writer process ended with code {self.process.exitcode}"))
            summaries.append(lost)
        return summaries, seconds, transactions, cpu


def _main(url: str, projects: dict[str, ProjectTarget], vmt_team: str | None, dry_run: bool, attachments: bool,
          api_root: str, web_root: str | None, tasks: Any, results: Any, stop: Any, parent: int,
          embargo_max_days: int = 90) -> None:
    from storyline.db import make_engine, make_sessionmaker
    from storyline.importers.launchpad.client import Client

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; the batch in hand is finished
    engine = make_engine(url)
    links = Client(api_root, web_root=web_root)
    writer = Writer(make_sessionmaker(engine, write=True), projects, vmt_team=vmt_team, dry_run=dry_run,
                    attachments=attachments, path=links.path, embargo_max_days=embargo_max_days)
    cpu_started = time.process_time()
    try:
        while True:
            try:
                batch = tasks.get(timeout=5)
            except queue.Empty:
                if os.getppid() != parent:  # the importer is gone
                    return
                continue
            if batch is None:
                break
            if stop.is_set():
                continue
            summary = writer.write(batch)
            results.put((summary, writer.write_seconds, writer.transactions, time.process_time() - cpu_started))
    finally:
        engine.dispose()
        results.put(None)


__all__ = ["ProcessSink", "ThreadSink"]
