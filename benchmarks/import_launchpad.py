"""The Launchpad import at scale: `storyline import launchpad` (the real CLI) against the Launchpad
double serving N synthetic bugs (2 tasks, 5 comments after the description, 6 activity-log entries, tags,
a subscriber each; one in 50 private, one in 200 with a patch), in a process of its own on 127.0.0.1.
The write side alone (statements per bug): `benchmarks/import_launchpad_writer.py`.

    .venv/bin/python -m benchmarks.import_launchpad                 # 100,000 bugs, SQLite
    .venv/bin/python -m benchmarks.import_launchpad --bugs 5000     # a quick look
    .venv/bin/python -m benchmarks.import_launchpad --db postgresql # a throwaway PostgreSQL

Prints the import's own report (what it created, requests and requests per second), the wall time,
bugs per second, and the time of a second run (nothing changed: one request per bug).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORYLINE = Path(sys.executable).parent / "storyline"


def start_double(bugs: int) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "importers" / "lpdouble.py"), "--synthetic",
                             str(bugs)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def prepare(url: str) -> None:
    from storyline.db import make_engine, make_sessionmaker, session_scope
    from storyline.migrate import upgrade
    from storyline.projects import service as projects
    from storyline.users import service as users

    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        projects.do_create_project(session, {"name": "bench"})
        users.do_create_team(session, {"name": "vmt"})
    engine.dispose()


def run_import(url: str, port: int, extra: list[str]) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
    env.update(STORYLINE_DATABASE_URL=url, STORYLINE_VMT_TEAM="vmt")
    started = time.monotonic()
    done = subprocess.run([str(STORYLINE), "import", "launchpad", "--api-root", f"http://127.0.0.1:{port}/devel/",
                           "--project", "bench", "--token", "lp-token", "--token-secret", "lp-secret", *extra],
                          env=env, stdout=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"the import failed ({done.returncode}):\n{done.stdout}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bugs", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--no-second-run", action="store_true")
    parser.add_argument("--no-activity", action="store_true", help="Import without the bugs' activity logs")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    pg = None
    if args.db == "postgresql":
        from pgserver import PostgresServer

        pg = PostgresServer().start()
        url = pg.create_database("storyline_import_bench")
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='storyline-import-')}/bench.db"
    prepare(url)
    double, port = start_double(args.bugs)
    extra = []
    if args.concurrency:
        extra += ["--concurrency", str(args.concurrency)]
    if args.batch_size:
        extra += ["--batch-size", str(args.batch_size)]
    if args.no_activity:
        extra += ["--no-activity"]
    try:
        elapsed, report = run_import(url, port, extra)
        print(report)
        print(f"first run: {args.bugs} bugs in {elapsed:.1f} s ({args.bugs / elapsed:.0f} bugs/s), database {args.db}")
        if not args.no_second_run:
            elapsed2, report2 = run_import(url, port, ["--quiet", *extra])
            print(report2)
            print(f"second run (nothing changed): {elapsed2:.1f} s")
    finally:
        double.terminate()
        double.wait()
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
