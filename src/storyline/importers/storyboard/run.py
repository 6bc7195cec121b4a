"""`storyline import storyboard`: read each kind of object from the source, write it, report."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from storyline.importers.common import ImportFailed, Summary
from storyline.importers.storyboard.records import ORDER, Kind, ReadFailed
from storyline.importers.storyboard.writer import Writer


class Source(Protocol):
    description: str
    requests: int

    def rows(self, kind: str) -> Any: ...

    def covered(self, kind: str) -> set[int] | None: ...

    def close(self) -> None: ...


@dataclass
class Options:
    url: str | None = None
    token: str | None = None
    database: str | None = None
    dry_run: bool = False
    concurrency: int = 8
    retries: int = 6
    chunk: int = 1000
    progress: bool = True


@dataclass
class Result:
    summary: Summary
    source: str = ""
    seconds: float = 0.0
    write_seconds: float = 0.0
    transactions: int = 0
    requests: int = 0
    stories: int = 0
    kinds: list[tuple[str, int, float]] = field(default_factory=list)  # (kind, rows read, seconds)

    @property
    def stories_per_second(self) -> float:
        return self.stories / self.seconds if self.seconds else 0.0


def open_source(options: Options) -> Source:
    if bool(options.url) == bool(options.database):
        raise ImportFailed("give --url (StoryBoard's API, with --token) or --database (its MySQL database), one of them")
    if options.database:
        from storyline.importers.storyboard.database import DatabaseSource

        return DatabaseSource(options.database)
    from storyline.importers.storyboard.api import ApiSource

    assert options.url is not None
    return ApiSource(options.url, options.token, concurrency=options.concurrency, retries=options.retries)


class _Counted:
    """The rows of one kind, counted as the writer takes them."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Any:
        for row in self.rows:
            self.count += 1
            yield row


def run(options: Options, url: str, err: TextIO = sys.stderr) -> Result:
    """The whole import into the database at `url`. Raises ImportFailed when it cannot start, or when
    a row in the way (Storyline's own, under an id StoryBoard uses) stops it."""
    from storyline.db import make_engine, make_sessionmaker

    source = open_source(options)
    engine = make_engine(url)
    started = time.monotonic()
    try:
        writer = Writer(make_sessionmaker(engine, write=True), dry_run=options.dry_run, chunk=options.chunk)
        result = Result(summary=writer.summary, source=source.description)
        for entry in ORDER:
            name = entry if isinstance(entry, str) else entry.name
            began = time.monotonic()
            rows = _Counted(source.rows(name))
            try:
                if isinstance(entry, str):
                    writer.write_permissions(rows)
                elif isinstance(entry, Kind):
                    writer.write_kind(entry, rows)
                else:
                    writer.write_link(entry, rows, source.covered(name))
            except ReadFailed as exc:
                raise ImportFailed(f"reading the {name} from StoryBoard failed: {exc}. What was written before stays; "
                                   "run the same command again") from exc
            seconds = time.monotonic() - began
            result.kinds.append((name, rows.count, seconds))
            if name == "stories":
                result.stories = rows.count
            if options.progress:
                err.write(f"  {name}: {rows.count} read ({seconds:.1f} s)\n")
                err.flush()
        writer.finish()
        result.seconds = time.monotonic() - started
        result.write_seconds, result.transactions = writer.write_seconds, writer.transactions
        result.requests = source.requests
        return result
    finally:
        source.close()
        engine.dispose()


def report(result: Result, options: Options) -> str:
    s = result.summary
    lines = [f"StoryBoard import{' (dry run: nothing written)' if options.dry_run else ''} from {result.source}: "
             f"{result.stories} stories in {result.seconds:.1f} s ({result.stories_per_second:.0f} stories/s; "
             f"{result.requests} {'requests' if options.url else 'queries'}; writing {result.write_seconds:.1f} s in "
             f"{result.transactions} transactions)"]
    lines += s.count_lines()
    if not sum(s.created.values()) and not sum(s.updated.values()):
        lines.append("  nothing to change: Storyline already has everything the source showed")
    lines += [f"  note: {note}" for note in s.notes[:20]]
    if len(s.notes) > 20:
        lines.append(f"  ... and {len(s.notes) - 20} more notes")
    return "\n".join(lines)


__all__ = ["Options", "ReadFailed", "Result", "report", "run"]
