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
import resource
import subprocess
import sys
import tempfile
import threading
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


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of running processes (from /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class CpuSampler:
    """CPU time of a PostgreSQL server's processes over a run, sampled twice a second (a backend's
    time is read before its connection closes and it ends)."""

    def __init__(self, pg: object | None) -> None:
        self.pg = pg
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for pid in self.pg.processes():  # type: ignore[attr-defined]
            value = cpu_seconds([pid])
            self.first.setdefault(pid, value if not self.last else 0.0)
            self.last[pid] = value

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            self._sample()

    def __enter__(self) -> CpuSampler:
        if self.pg is not None:
            self._sample()
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pg is not None:
            self.stop.set()
            self.thread.join()
            self._sample()

    @property
    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def children_cpu() -> float:
    """CPU time of this process's reaped children (the import and its writer process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


def run_import(url: str, port: int, extra: list[str], double: subprocess.Popen[str],
               pg: object | None) -> tuple[float, str]:
    """Runs the import; its report is followed by the CPU time each part of the run took."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
    env.update(STORYLINE_DATABASE_URL=url, STORYLINE_VMT_TEAM="vmt")
    before = (children_cpu(), cpu_seconds([double.pid]), os.getloadavg()[0])
    started = time.monotonic()
    with CpuSampler(pg) as database:
        done = subprocess.run([str(STORYLINE), "import", "launchpad", "--api-root",
                               f"http://127.0.0.1:{port}/devel/", "--project", "bench", "--token", "lp-token",
                               "--token-secret", "lp-secret", *extra], env=env, stdout=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"the import failed ({done.returncode}):\n{done.stdout}")
    importer = children_cpu() - before[0]
    served = cpu_seconds([double.pid]) - before[1]
    cpu = (f"CPU seconds: importer (its fetchers and its writer process) {importer:.1f}, test double "
           f"{served:.1f}" + (f", PostgreSQL {database.seconds:.1f}" if pg is not None else "") +
           f"; load average {before[2]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    return elapsed, done.stdout + cpu + "\n"


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
        elapsed, report = run_import(url, port, extra, double, pg)
        print(report)
        print(f"first run: {args.bugs} bugs in {elapsed:.1f} s ({args.bugs / elapsed:.0f} bugs/s), database {args.db}")
        if not args.no_second_run:
            from storyline.migrate import upgrade

            upgrade(url)  # (a migration that landed meanwhile in a shared working tree)
            elapsed2, report2 = run_import(url, port, ["--quiet", *extra], double, pg)
            print(report2)
            print(f"second run (nothing changed): {elapsed2:.1f} s")
    finally:
        double.terminate()
        double.wait()
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
