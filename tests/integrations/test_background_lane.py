"""The outbox's background lane (code review events' work): apart from the local lane in the API
process, and done by a process of its own at nice 19 that `storyline serve` starts, watches and ends
with itself (outbox/background.py; the default on PostgreSQL, chosen on SQLite), on both engines."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import payloads as p
from builders import Api, uniq
from conftest import ORIGIN, drain, make_source
from served import wait_until_serving
from sqlalchemy import select

from storyline import outbox
from storyline.config import Settings
from storyline.db import session_scope
from storyline.integrations import receive
from storyline.outbox import OutboxRow

STORYLINE = str(Path(sys.executable).parent / "storyline")


def _children(pid: int) -> dict[int, int]:
    """The live child processes of `pid`: {pid: nice value}."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry)] = int(fields[16])
    return found


def _niced_child(pid: int, timeout: float = 30.0, other_than: int | None = None) -> int:
    deadline = time.monotonic() + timeout
    while True:
        niced = [c for c, nice in _children(pid).items() if nice == 19 and c != other_than]
        if niced:
            assert len(niced) == 1, niced
            return niced[0]
        assert time.monotonic() < deadline, f"no process at nice 19 under {pid}: {_children(pid)}"
        time.sleep(0.1)


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_auto_is_a_process_on_postgresql_and_threads_on_sqlite() -> None:
    assert Settings(database_url="postgresql+psycopg://u@h/db").background_process
    assert not Settings(database_url="sqlite:////tmp/x.db").background_process
    assert Settings(database_url="sqlite:////tmp/x.db", background_lane="process").background_process
    assert not Settings(database_url="postgresql+psycopg://u@h/db", background_lane="thread").background_process


def test_the_lanes_take_only_their_own_rows(app: Any) -> None:
    """deliver(lane=...) claims its lane's kinds only, whoever calls it (this test, or the app's own
    lane threads, which run meanwhile); the background lane's idle check is a read."""
    takers: dict[str, list[str]] = {"local": [], "background": []}
    calling = threading.local()

    def taken_by(lane: str) -> Any:
        def handler(session: Any, payload: Any) -> None:
            takers[lane].append(getattr(calling, "lane", None) or threading.current_thread().name)
        return handler

    handle_integration = outbox.HANDLERS[receive.KIND]
    outbox.HANDLERS["test-local-row"] = taken_by("local")
    outbox.HANDLERS[receive.KIND] = taken_by("background")
    reads = app.state.read_sessions
    lane = outbox.OutboxThread(app.state.write_sessions, read_sessions=reads, lane="background")
    assert lane.name == "storyline-outbox-background" and lane.wake is outbox.WAKE_BACKGROUND
    try:
        with session_scope(app.state.write_sessions) as session:
            outbox.enqueue(session, receive.KIND, {"source_id": -1, "delivery_id": -1, "event": {}, "received": 0})
            outbox.enqueue(session, "test-local-row", {})
        assert lane.due() or takers["background"]  # (unless the app's own background thread was first)
        deadline = time.monotonic() + 10
        while not (takers["local"] and takers["background"]):
            for name in ("local", "background"):
                calling.lane = f"deliver(lane={name})"
                try:
                    outbox.deliver(app.state.write_sessions, lane=name)
                finally:
                    calling.lane = None
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert set(takers["local"]) <= {"deliver(lane=local)", "storyline-outbox"}, takers
        assert set(takers["background"]) <= {"deliver(lane=background)", "storyline-outbox-background"}, takers
        assert len(takers["local"]) == len(takers["background"]) == 1, takers
        with session_scope(reads) as session:
            assert not session.execute(select(OutboxRow.id).where(
                OutboxRow.kind.in_((receive.KIND, "test-local-row")))).first()
        assert not lane.due()
    finally:
        outbox.HANDLERS[receive.KIND] = handle_integration
        del outbox.HANDLERS["test-local-row"]


def test_serve_does_code_review_work_in_a_niced_process_it_restarts_and_takes_down(
        app: Any, api: Api, database_url: str, tmp_path: Path) -> None:
    """`storyline serve`: a Gerrit event posted to it moves the task, done by the background lane's
    process (nice 19, a child of serve); that process killed is started again and does the next
    event; serve killed with SIGKILL, the background process ends by itself."""
    gerrit = make_source(app, "gerrit", origin=ORIGIN)
    repo = api.project(uniq("acme/widget"))
    tasks = [api.task(api.story(title=uniq("Background "))["id"], repo["id"]) for _ in range(2)]
    drain(app)  # nothing of this test's server's work left to the test's own app
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "STORYLINE_DATABASE_URL": database_url, "STORYLINE_WORKER_IN_PROCESS": "true",
           "STORYLINE_WORKER_INTERVAL": "3600", "STORYLINE_ACCESS_LOG": "false"}
    env.pop("STORYLINE_CONFIG", None)
    env["STORYLINE_BACKGROUND_LANE"] = "process"  # on SQLite too ("auto" is a thread there)
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen([STORYLINE, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def post_and_wait(task: dict[str, Any], number: int) -> None:
        change = p.gerrit_change(number, repo["name"], f"Fix\n\nTask: {task['id']}\n")
        r = httpx.post(base + gerrit.path, content=json.dumps(p.gerrit_event("patchset-created", change)),
                       headers={"Content-Type": "application/json", "X-Origin-Url": ORIGIN}, timeout=10)
        assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
        deadline = time.monotonic() + 30
        while api.ok("GET", f"/v1/tasks/{task['id']}")["status"] != "review":
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.05)

    try:
        wait_until_serving(base, server, tmp_path / "serve.log")
        background = _niced_child(server.pid)
        assert _children(server.pid).get(background) == 19
        post_and_wait(tasks[0], 8101)

        os.kill(background, signal.SIGKILL)
        again = _niced_child(server.pid, other_than=background)
        assert "background lane's process" in (tmp_path / "serve.log").read_text()
        post_and_wait(tasks[1], 8102)

        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        deadline = time.monotonic() + 10
        while not _gone(again):
            assert time.monotonic() < deadline, "the background process outlived serve"
            time.sleep(0.1)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
        log.close()


def test_the_background_process_ends_when_its_parent_is_killed_while_it_starts(database_url: str) -> None:
    """A parent killed while the background process starts (as when `storyline serve` is killed at
    once) leaves no process behind: it used to wait forever to tell a parent that was gone that it
    was ready."""
    script = f"""
import multiprocessing.context, os, threading
from storyline.config import Settings
from storyline.outbox.background import BackgroundProcess
start = multiprocessing.context.SpawnProcess.start
def started(self):
    start(self)
    print(self.pid, flush=True)
    threading.Timer(0.3, os.kill, (os.getpid(), 9)).start()  # while it waits for the process to be ready
multiprocessing.context.SpawnProcess.start = started
BackgroundProcess(Settings(database_url={database_url!r})).start()
"""
    parent = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert parent.returncode == -signal.SIGKILL, parent.stderr
    child = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 30
    while not _gone(child):
        assert time.monotonic() < deadline, "the background process outlived its killed parent"
        time.sleep(0.1)
