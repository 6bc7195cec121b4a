"""`storyline import launchpad`: list, fetch concurrently, write in batches, report.

The network side is asyncio (a pool of bug fetchers sharing one HTTP connection pool); the database side
is one writer thread fed whole batches, so fetching goes on while a batch is written and the write lock
is never held while waiting on the network. Batches commit one by one: after Ctrl-C or a crash, the
next run skips what was written (same `date_last_updated`) and goes on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storyline.importers.common import ImportFailed
from storyline.importers.launchpad import mapping
from storyline.importers.launchpad.client import Client, Credentials, LaunchpadError
from storyline.importers.launchpad.fetch import BugData, Fetcher
from storyline.importers.launchpad.records import SOURCE, ProjectTarget, Summary
from storyline.importers.launchpad.sink import ProcessSink, ThreadSink
from storyline.importers.launchpad.writer import Writer
from storyline.importers.models import ImportRef
from storyline.projects.models import Project
from storyline.projects.queries import master_branch_id


@dataclass
class Options:
    api_root: str
    projects: list[str]
    project_map: dict[str, str] = field(default_factory=dict)
    credentials: Credentials | None = None
    since: dt.datetime | None = None
    dry_run: bool = False
    batch_size: int = 200
    concurrency: int = 16
    attachments: bool = True
    openid: bool = True
    web_root: str | None = None
    retries: int = 8
    backoff: float = 0.25
    timeout: float = 30.0
    progress: bool = True
    vmt_team: str | None = None
    activity: bool = True  # bugs' activity logs as timeline events
    embargo_max_days: int = 90  # imported private security stories: embargo = report date + this
    writer_process: bool = True  # write in a process of its own (False: a thread of this one)


@dataclass
class Result:
    summary: Summary
    listed: int = 0
    unchanged: int = 0
    backfilled: int = 0  # unchanged bugs whose activity log was imported for the first time
    requests: int = 0
    retried: int = 0
    seconds: float = 0.0
    write_seconds: float = 0.0
    transactions: int = 0
    interrupted: bool = False
    cpu_seconds: float = 0.0  # this process's CPU time (fetching; writing too without a writer process)
    writer_cpu_seconds: float | None = None  # the writer process's, when it has one

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def resolve_projects(session: Session, options: Options) -> dict[str, ProjectTarget]:
    out: dict[str, ProjectTarget] = {}
    for lp_name in options.projects:
        name = options.project_map.get(lp_name, lp_name)
        project = session.execute(select(Project.id, Project.security_team_id).where(Project.name == name)).first()
        if project is None:
            raise ImportFailed(
                f"the Storyline project {name!r} (for Launchpad's {lp_name!r}) does not exist: create it "
                f"(storyline projects load, or POST /v1/projects) or map {lp_name} to an existing project with "
                f"--project-map {lp_name}=NAME")
        out[lp_name] = ProjectTarget(lp_name, project.id, master_branch_id(session, project.id),
                                     project.security_team_id)
    return out


class Progress:
    """One line on a terminal, redrawn at most twice a second; a line every 10 s otherwise."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = stream.isatty()
        self.last = 0.0
        self.start = time.monotonic()

    def show(self, done: int, total: int, listing: bool, client: Client, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < (0.5 if self.tty else 10.0):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        width = 30
        filled = int(width * done / total) if total else 0
        bar = "#" * filled + "." * (width - filled)
        more = "+" if listing else ""
        line = (f"[{bar}] {done}/{total}{more} bugs  {client.requests / elapsed:.0f} req/s  "
                f"{client.retried} retried  {elapsed:.0f} s")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if force else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


async def _list_project(client: Client, project: str, since: dt.datetime | None) -> tuple[list[int], int | None]:
    """The bug numbers with a task on `project`: every status, duplicates too (traps §5.1, §5.2)."""
    params: list[tuple[str, str]] = [("ws.op", "searchTasks"), ("omit_duplicates", "false"), ("ws.size", "300")]
    params += [("status", s) for s in mapping.ALL_STATUSES]
    if since is not None:
        params += [("modified_since", since.isoformat()), ("order_by", "date_last_updated")]
    else:
        params += [("order_by", "id")]
    try:
        first = await client.get_json(project, params)
    except LaunchpadError as exc:
        if exc.status != 400:
            raise
        # an older server that does not know the newest statuses
        params = [p for p in params if p[1] not in ("Deferred", "Does Not Exist")]
        first = await client.get_json(project, params)
    total = await client.total_size(first) if isinstance(first, dict) else None
    ids: list[int] = []
    page: Any = first
    while True:
        if not isinstance(page, dict):
            raise LaunchpadError(client.url(project), "searchTasks did not answer a collection")
        for entry in page.get("entries") or []:
            tail = mapping.link_tail(entry.get("bug_link")) if isinstance(entry, dict) else None
            if tail and tail.isdigit():
                ids.append(int(tail))
        nxt = page.get("next_collection_link")
        if not nxt:
            return ids, total
        page = await client.get_json(nxt)


def known_versions(factory: sessionmaker[Session]) -> dict[int, str | None]:
    with factory() as session:
        return {int(key): version for key, version in session.execute(
            select(ImportRef.key, ImportRef.version).where(ImportRef.source == SOURCE, ImportRef.kind == "bug"))}


def with_history(factory: sessionmaker[Session]) -> set[int]:
    """The bugs whose activity log has been imported (they have a watermark)."""
    with factory() as session:
        return {int(key) for key in session.execute(
            select(ImportRef.key).where(ImportRef.source == SOURCE, ImportRef.kind == "activity")).scalars()}


async def _import(options: Options, sink: ProcessSink | ThreadSink, versions: dict[int, str | None],
                  result: Result, err: TextIO, histories: set[int] | None = None) -> None:
    """`histories`: the bugs whose activity log was imported; an unchanged bug not among them (imported by
    an earlier version, or with --no-activity) gets its log now."""
    client = Client(options.api_root, options.credentials, concurrency=options.concurrency * 2,
                    timeout=options.timeout, retries=options.retries, backoff=options.backoff,
                    web_root=options.web_root)
    fetcher = Fetcher(client, attachments=options.attachments, openid=options.openid, activity=options.activity)
    summary = result.summary
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    seen: set[int] = set()
    state = {"total": 0, "done": 0, "listing": True}
    progress = Progress(err, options.progress)
    # hands batches to the sink one at a time; while the sink is full, the fetchers wait here
    handing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyline-import-sink")
    loop = asyncio.get_running_loop()
    pending: list[BugData] = []

    async def flush(batch: list[BugData]) -> None:
        await loop.run_in_executor(handing, sink.submit, batch)

    async def add(data: BugData) -> None:
        pending.append(data)
        if len(pending) >= options.batch_size:
            batch = pending[:]
            pending.clear()
            await flush(batch)

    async def lister() -> None:
        try:
            for project in options.projects:
                try:
                    ids, _total = await _list_project(client, project, options.since)
                except LaunchpadError as exc:
                    summary.errors.append((None, exc.url, f"listing the bugs of {project}: {exc.message}"))
                    continue
                for bug_id in ids:
                    if bug_id not in seen:
                        seen.add(bug_id)
                        state["total"] += 1
                        await queue.put(bug_id)
        finally:
            state["listing"] = False
            for _ in range(options.concurrency):
                await queue.put(None)

    async def worker() -> None:
        while True:
            bug_id = await queue.get()
            if bug_id is None:
                return
            url = client.url(f"bugs/{bug_id}")
            try:
                entry = await fetcher.bug_entry(bug_id)
                if bug_id in versions and versions[bug_id] == entry.get("date_last_updated"):
                    result.unchanged += 1
                    if histories is not None and bug_id not in histories:
                        await add(await fetcher.history(entry))
                        result.backfilled += 1
                else:
                    await add(await fetcher.bug(entry, team_access=True))
            except LaunchpadError as exc:
                summary.errors.append((bug_id, exc.url, exc.message))
            except Exception as exc:  # noqa: BLE001 - a shape the importer did not expect: name the bug, go on
                summary.errors.append((bug_id, url, f"{type(exc).__name__}: {exc}"))
            state["done"] += 1
            progress.show(state["done"], state["total"], bool(state["listing"]), client)

    started, cpu_started = time.monotonic(), time.process_time()
    try:
        await asyncio.gather(lister(), *(worker() for _ in range(options.concurrency)))
        if pending:
            await flush(pending[:])
            pending.clear()
    except asyncio.CancelledError:
        result.interrupted = True
        raise
    finally:
        if result.interrupted:
            sink.interrupt()
        handing.shutdown(wait=True, cancel_futures=True)
        # the batch being written finishes (committed whole or not at all); after Ctrl-C the rest is
        # fetched again by the next run
        summaries, result.write_seconds, result.transactions, result.writer_cpu_seconds = \
            sink.finish(result.interrupted)
        for part in summaries:
            summary.merge(part)
        result.listed = len(seen)
        result.requests, result.retried = client.requests, client.retried
        result.seconds = time.monotonic() - started
        result.cpu_seconds = time.process_time() - cpu_started
        progress.show(state["done"], state["total"], False, client, force=True)
        await client.aclose()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is there (uvicorn[standard] brings it): the fetchers' many small
    requests cost less CPU on it. Else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


T = TypeVar("T")


def in_own_loop(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """The coroutine `work()` run to its end on an event loop of its own (_loop_factory's): in this
    thread, or in a thread of its own when this one already runs a loop (an application embedding the
    import; a test process whose browser driver keeps a loop running), where asyncio cannot start
    another."""
    def go() -> T:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(work())

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return go()
    with ThreadPoolExecutor(1, thread_name_prefix="storyline-import") as pool:
        return pool.submit(go).result()


def run(options: Options, url: str, err: TextIO = sys.stderr) -> Result:
    """The whole import into the database at `url`. Raises ImportFailed before anything is fetched when
    the options are wrong."""
    from storyline.db import make_engine, make_sessionmaker

    if not options.projects:
        raise ImportFailed("name at least one Launchpad project with --project")
    engine = make_engine(url)
    try:
        read_factory = make_sessionmaker(engine, write=False)
        with read_factory() as session:
            projects = resolve_projects(session, options)
        versions = known_versions(read_factory)
        histories = with_history(read_factory) if options.activity else None
        sink: ProcessSink | ThreadSink
        if options.writer_process:
            sink = ProcessSink(url, projects, vmt_team=options.vmt_team, dry_run=options.dry_run,
                               attachments=options.attachments, api_root=options.api_root,
                               web_root=options.web_root, embargo_max_days=options.embargo_max_days)
        else:
            sink = ThreadSink(Writer(make_sessionmaker(engine, write=True), projects, vmt_team=options.vmt_team,
                                     dry_run=options.dry_run, attachments=options.attachments,
                                     path=Client(options.api_root, web_root=options.web_root).path,
                                     embargo_max_days=options.embargo_max_days))
        result = Result(summary=Summary())
        try:
            in_own_loop(lambda: _import(options, sink, versions, result, err, histories))
        except KeyboardInterrupt:
            result.interrupted = True
        return result
    finally:
        engine.dispose()


def report(result: Result, options: Options) -> str:
    s = result.summary
    lines = [f"Launchpad import{' (dry run: nothing written)' if options.dry_run else ''} from "
             f"{options.api_root} ({', '.join(options.projects)}): {result.listed} bugs listed, "
             f"{result.unchanged} unchanged since the last run"
             + (f" ({result.backfilled} of them given their history)" if result.backfilled else "")]
    lines += s.count_lines()
    lines.append(f"  requests: {result.requests} ({result.retried} retried) in {result.seconds:.1f} s, "
                 f"{result.requests_per_second:.0f} per second; writing: {result.write_seconds:.1f} s in "
                 f"{result.transactions} transactions")
    if result.writer_cpu_seconds is not None:
        lines.append(f"  CPU: {result.cpu_seconds:.1f} s fetching and mapping, {result.writer_cpu_seconds:.1f} s in the "
                     f"writer process")
    for bug, story in s.renumbered:
        lines.append(f"  bug {bug} became story {story}: its number was taken by another story")
    if s.review:
        lines.append(f"  to review by hand (Proprietary or Embargoed, imported as private): "
                     f"{', '.join(map(str, sorted(s.review)))}")
    if result.interrupted:
        lines.append("interrupted: run the same command again to go on where it stopped")
    for failed_bug, url, message in s.errors:
        lines.append(f"error: {'bug ' + str(failed_bug) if failed_bug is not None else 'listing'} ({url}): {message}")
    return "\n".join(lines)


__all__ = ["ImportFailed", "Options", "Result", "report", "resolve_projects", "run"]
