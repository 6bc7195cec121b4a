"""The servers under test, started and stopped by the benchmark.

* `OurServer`: a real `storyline serve` subprocess on a fresh database (a SQLite file in a temporary
  directory, or a throwaway PostgreSQL from tests/pgserver.py), prepared with the CLI exactly as an
  operator would: `storyline db upgrade`, `storyline users create --superuser`, `storyline tokens create`.
* `Peer`: the StoryBoard reference server, through `../shared/peers/storyboard/start.sh`, in its own
  state directory with a fresh database on every run (so the shared peer other people use is untouched).

Everything binds to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.client import LOOPBACK, Conn, Target, TransportError
from benchmarks.machine import pids_from_files

REPO = Path(__file__).resolve().parents[1]
PEER_DIR = REPO.parent / "shared" / "peers" / "storyboard"
DEFAULT_PEER_HOME = Path.home() / ".cache" / "storyline-bench-peer"
BENCH_EMAIL = "bench@example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop_process(proc: subprocess.Popen[Any] | None, timeout: float) -> None:
    """SIGTERM, then SIGKILL when it has not exited after `timeout` seconds (None or ended: nothing)."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_ready(target: Target, proc: subprocess.Popen[Any] | None, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    conn = Conn(target, timeout=5)
    try:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{target.name} exited with {proc.returncode}:\n{_tail(log)}")
            try:
                status, _ = conn.request("GET", "/v1/systeminfo")
                if status == 200:
                    return
            except TransportError:
                pass
            time.sleep(0.2)
    finally:
        conn.close()
    raise RuntimeError(f"{target.name} did not answer on {target.base_url} within {timeout:.0f} s:\n{_tail(log)}")


class OurServer:
    name = "storyline"

    def __init__(self, db: str = "sqlite", keep: bool = False, workers: int = 1, database_url: str = "",
                 env: dict[str, str] | None = None) -> None:
        """`database_url`: an empty database to use (a test's PostgreSQL); default: a new one. `env`: more
        STORYLINE_* settings (e-mail)."""
        if db not in ("sqlite", "postgresql"):
            raise ValueError("db must be sqlite or postgresql")
        self.db = db
        self.keep = keep
        self.workdir = Path(tempfile.mkdtemp(prefix="storyline-bench-"))
        self.log = self.workdir / "serve.log"
        self.pg: Any = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.database_url = database_url
        self.viewer_id = 0
        self.token = ""
        self.ready_seconds: float | None = None
        self.workers = workers
        self.extra_env = dict(env or {})
        self.mode = (f"storyline serve --workers {workers} (uvicorn, {workers} API processes)" if workers > 1
                     else "storyline serve (uvicorn, 1 process)")

    def _cli(self) -> list[str]:
        exe = Path(sys.executable).parent / "storyline"
        return [str(exe)] if exe.exists() else [sys.executable, "-m", "storyline.cli"]

    def _env(self) -> dict[str, str]:
        # Only our database setting: a developer's STORYLINE_* variables (page caps, config file)
        # would change what is measured.
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
        env["STORYLINE_DATABASE_URL"] = self.database_url
        # Like the peer (started with its access log off): no line per request on the output.
        env["STORYLINE_ACCESS_LOG"] = "false"
        env.update(self.extra_env)
        return env

    def _run_cli(self, *args: str) -> str:
        res = subprocess.run([*self._cli(), *args], env=self._env(), capture_output=True, text=True,
                             timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"storyline {' '.join(args)} failed ({res.returncode}): "
                               f"{res.stderr.strip() or res.stdout.strip()}")
        return res.stdout.strip()

    def start(self) -> Target:
        if self.database_url:
            pass
        elif self.db == "sqlite":
            self.database_url = f"sqlite:///{self.workdir / 'storyline.db'}"
        else:
            sys.path.insert(0, str(REPO / "tests"))
            from pgserver import PostgresServer  # type: ignore[import-not-found]

            self.pg = PostgresServer().start()
            self.database_url = self.pg.create_database("storyline_bench")
            self.mode += ", PostgreSQL (fsync=off, tests/pgserver.py)"
        self._run_cli("db", "upgrade")
        self.viewer_id = int(self._run_cli("users", "create", "--name", "Bench", "--email", BENCH_EMAIL,
                                           "--superuser").splitlines()[-1])
        self.token = self._run_cli("tokens", "create", "--user", BENCH_EMAIL).splitlines()[-1].strip()
        return self.serve()

    def serve(self, port: int = 0) -> Target:
        """`storyline serve` on the prepared database (again, after a kill: the same port)."""
        port = port or free_port()
        started = time.monotonic()
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [*self._cli(), "serve", "--host", LOOPBACK, "--port", str(port), "--workers", str(self.workers)],
                env=self._env(), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        target = Target(self.name, f"http://{LOOPBACK}:{port}", self.token)
        wait_ready(target, self.proc, self.log, timeout=60)
        self.ready_seconds = round(time.monotonic() - started, 2)  # from the command to a 200
        return target

    def kill(self) -> None:
        """SIGKILL every process of the server at once (a crash: nothing gets to clean up)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def pids(self) -> set[int]:
        """Our processes that are not children of the benchmark: PostgreSQL's postmaster (pg_ctl
        detaches it); `storyline serve` itself is a child and is found by CpuMeter anyway."""
        if self.pg is None:
            return set()
        try:
            first = (Path(self.pg.data) / "postmaster.pid").read_text().split()[0]
        except (OSError, IndexError):
            return set()
        return {int(first)} if first.isdigit() else set()

    def stop(self) -> None:
        stop_process(self.proc, timeout=15)
        self.proc = None
        if self.pg is not None:
            self.pg.stop()
            self.pg = None
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


class Peer:
    """StoryBoard 1.1.0 under gunicorn, started with the shared peer scripts in a private state dir."""

    name = "storyboard"

    def __init__(self, home: Path = DEFAULT_PEER_HOME, workers: int = 2, log: Path | None = None) -> None:
        self.home = home
        self.workers = workers
        self.log = log or Path(tempfile.gettempdir()) / f"{home.name}.log"   # start.sh/stop.sh output
        self.mode = f"StoryBoard 1.1.0, gunicorn {workers} sync workers, MariaDB"
        self.started = False

    def _env(self, **extra: str) -> dict[str, str]:
        # Not PBR_VERSION (the python-storyboardclient tests set it): every pbr package start.sh builds
        # from source (WSME) would take that version, and pip then refuses the peer's requirements.
        env = {k: v for k, v in os.environ.items() if k != "PBR_VERSION"}
        env.update(STORYBOARD_PEER_HOME=str(self.home), STORYBOARD_PEER_SERVER="gunicorn",
                   STORYBOARD_PEER_WORKERS=str(self.workers), STORYBOARD_PEER_ACCESS_LOG="0", **extra)
        return env

    def _script(self, name: str, env: dict[str, str], timeout: float) -> str:
        script = PEER_DIR / name
        if not script.exists():
            raise RuntimeError(f"{script} not found (expected the shared peer next to the repository)")
        with open(self.log, "a") as out:
            out.write(f"\n==== {name} {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            out.flush()
            res = subprocess.run(["bash", str(script)], env=env, cwd=str(PEER_DIR), stdout=subprocess.PIPE,
                                 stderr=out, text=True, timeout=timeout)
            out.write(res.stdout)
        if res.returncode != 0:
            raise RuntimeError(f"{name} failed ({res.returncode}):\n{_tail(self.log)}")
        return res.stdout

    @property
    def dataset_file(self) -> Path:
        """Written after a complete load: the plan's fingerprint and the ids the peer gave out."""
        return self.home / "bench-dataset.json"

    def start(self, timeout: float = 1200, reset: bool = True) -> Target:
        """Stop a previous bench peer, then start it on free ports (with an empty database if `reset`)."""
        self._script("stop.sh", self._env(), timeout=120)
        extra = {"STORYBOARD_PEER_PORT": str(free_port()), "STORYBOARD_PEER_DB_PORT": str(free_port())}
        if reset:
            self.dataset_file.unlink(missing_ok=True)
            extra["STORYBOARD_PEER_RESET_DB"] = "1"
        out = self._script("start.sh", self._env(**extra), timeout=timeout)
        self.started = True
        values = dict(line.split("=", 1) for line in out.splitlines() if line.startswith("STORYBOARD_PEER_"))
        url, token = values.get("STORYBOARD_PEER_URL"), values.get("STORYBOARD_PEER_ADMIN_TOKEN")
        if not url or not token:
            raise RuntimeError(f"start.sh did not print the peer URL and token:\n{out}")
        mode = values.get("STORYBOARD_PEER_SERVER_MODE", "?")
        self.mode = f"StoryBoard 1.1.0, {mode} {self.workers} sync workers, MariaDB"
        target = Target(self.name, url, token)
        wait_ready(target, None, self.log, timeout=60)
        return target

    def pids(self) -> set[int]:
        """The peer's server and database processes (their children are found by CpuMeter)."""
        return pids_from_files(self.home / "run")

    def stop(self) -> None:
        if self.started:
            try:
                self._script("stop.sh", self._env(), timeout=120)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                print(f"warning: stopping the StoryBoard peer: {exc}", file=sys.stderr)
            self.started = False
