"""The Launchpad importer's write side alone: N synthetic bugs (the benchmark's world: 2 tasks, 5 comments,
6 activity entries, tags and a subscriber each; one in 50 private security) are fetched once from the
double (in this process, before the clock starts), then written by the importer's Writer in batches,
into a new database. Prints milliseconds per bug, bugs per second and the statements sent per bug (by
kind; an executemany counts one per row, as the server runs it), for the first import and for a second
write of the same bugs (every bug changed: the update path).

    .venv/bin/python -m benchmarks.import_launchpad_writer --bugs 2000                  # SQLite
    .venv/bin/python -m benchmarks.import_launchpad_writer --bugs 2000 --db postgresql  # a throwaway PostgreSQL

The whole import, network included, is `benchmarks/import_launchpad.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUOTE = '"'


def fetch(bugs: int) -> list[Any]:
    """Every synthetic bug as the fetcher hands it to the writer."""
    from lpdouble import Double, SyntheticWorld

    from storyline.importers.launchpad.client import Client, Credentials
    from storyline.importers.launchpad.fetch import Fetcher

    double = Double(SyntheticWorld(bugs), fail_every=0).start()
    double.keep_log = False

    async def run() -> list[Any]:
        client = Client(double.api_root, Credentials("storyline", "lp-token", "lp-secret"), concurrency=32)
        fetcher = Fetcher(client, openid=False)
        sem = asyncio.Semaphore(16)

        async def one(bug_id: int) -> Any:
            async with sem:
                return await fetcher.bug(await fetcher.bug_entry(bug_id), team_access=True)

        try:
            return list(await asyncio.gather(*(one(i) for i in range(1, bugs + 1))))
        finally:
            await client.aclose()

    try:
        return asyncio.run(run())
    finally:
        double.stop()


def prepare(url: str) -> dict[str, Any]:
    from storyline.db import make_engine, make_sessionmaker, session_scope
    from storyline.importers.launchpad.run import Options, resolve_projects
    from storyline.migrate import upgrade
    from storyline.projects import service as projects
    from storyline.users import service as users

    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        projects.do_create_project(session, {"name": "bench"})
        users.do_create_team(session, {"name": "vmt"})
    with make_sessionmaker(engine)() as session:
        found = resolve_projects(session, Options(api_root="http://x/", projects=["bench"]))
    engine.dispose()
    return found


def kind(statement: str) -> str:
    """`VERB table` of a statement (a SELECT: the first table it reads)."""
    words = statement.split()
    verb = words[0].upper() if words else "?"
    if verb == "COPY" and len(words) > 1:
        return f"COPY {words[1].strip(QUOTE)}"
    if verb in ("INSERT", "UPDATE", "DELETE"):
        table = words[2] if verb in ("INSERT", "DELETE") else words[1]
        return f"{verb} {table.strip(QUOTE)}"
    if verb in ("SELECT", "WITH"):
        found = re.search(r"\bFROM\s+([\w.\"]+)", statement, re.IGNORECASE)
        return f"SELECT {found.group(1).strip(QUOTE) if found else '?'}"
    return verb


def write(url: str, projects: dict[str, Any], batches: list[list[Any]]) -> tuple[float, Counter[str]]:
    from sqlalchemy import event

    from storyline.db import make_engine, make_sessionmaker
    from storyline.importers.launchpad.writer import Writer

    engine = make_engine(url)
    counts: Counter[str] = Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        # an executemany is one statement per parameter set for the server (psycopg pipelines them); an
        # insertmanyvalues batch (flat parameters) is one
        sets = executemany and isinstance(parameters, list | tuple) and bool(parameters) and \
            isinstance(parameters[0], list | tuple | dict)
        counts[kind(statement)] += len(parameters) if sets else 1

    # PostgreSQL's plain inserts go by COPY on the driver's cursor, around SQLAlchemy: counted here
    import psycopg

    copy = psycopg.Cursor.copy

    def counted_copy(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        counts[kind(str(statement))] += 1
        return copy(self, statement, *args, **kwargs)

    psycopg.Cursor.copy = counted_copy  # type: ignore[method-assign]
    writer = Writer(make_sessionmaker(engine, write=True), projects, vmt_team="vmt")
    started = time.perf_counter()
    try:
        for batch in batches:
            summary = writer.write(batch)
            if summary.errors:
                raise SystemExit(f"the writer failed: {summary.errors[:3]}")
        seconds = time.perf_counter() - started
    finally:
        psycopg.Cursor.copy = copy  # type: ignore[method-assign]
        engine.dispose()
    return seconds, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bugs", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--no-activity", action="store_true", help="Write the bugs without their activity logs")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "tests" / "importers"))
    bugs = fetch(args.bugs)
    if args.no_activity:
        for bug in bugs:
            if hasattr(bug, "activity"):
                bug.activity = []
    pg = None
    if args.db == "postgresql":
        from pgserver import PostgresServer

        pg = PostgresServer().start()
        url = pg.create_database("storyline_import_writer_bench")
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='storyline-import-writer-')}/bench.db"
    try:
        projects = prepare(url)
        batches = [bugs[i:i + args.batch_size] for i in range(0, len(bugs), args.batch_size)]
        writer_module = sys.modules.get("storyline.importers.launchpad.writer")
        source = Path(inspect.getfile(writer_module)) if writer_module else None
        print(f"writer: {source}; {args.bugs} bugs in batches of {args.batch_size}, database {args.db}"
              + (", without activity" if args.no_activity else ""))
        for label, changed in (("first import", False), ("second write (every bug changed)", True)):
            if changed:
                for bug in bugs:
                    bug.bug["date_last_updated"] = "2030-01-01T00:00:00.000001+00:00"
            seconds, counts = write(url, projects, batches)
            total = sum(counts.values())
            print(f"{label}: {seconds:.2f} s, {1000 * seconds / args.bugs:.2f} ms per bug, "
                  f"{args.bugs / seconds:.0f} bugs/s, {total / args.bugs:.1f} statements per bug")
            for name, n in counts.most_common(12):
                print(f"    {n / args.bugs:6.2f} per bug  {name}")
    finally:
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
