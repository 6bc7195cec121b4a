"""`storyline gerrit listen`, the real command in a process of its own, reading stream-events from a
real child process (tests/integrations/stream_events.py in place of `ssh ... events stream --ids`) and
from standard input, on the suite's database of each engine."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import payloads as p
from builders import Api, uniq
from conftest import drain, make_source, post_gerrit

HERE = Path(__file__).parent


def listen(database_url: str, name: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, STORYLINE_DATABASE_URL=database_url)
    env.pop("STORYLINE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "storyline.cli", "gerrit", "listen", name, *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_listen_reconnects_and_resumes_after_the_last_event(app: Any, api: Api, gerrit: Any, database_url: str,
                                                           tmp_path: Path) -> None:
    project = api.project(uniq("acme/streamed"))
    story = api.story()
    first, second = (api.task(story["id"], project["id"]) for _ in range(2))
    one = p.gerrit_change(3001, project["name"], f"One\n\nTask: {first['id']}")
    two = p.gerrit_change(3002, project["name"], f"Two\n\nTask: {second['id']}")
    stream = [p.gerrit_event("patchset-created", one), p.gerrit_event("patchset-created", two),
              p.gerrit_event("comment-added", one, author=p.account("zuul"), approvals=p.approvals(("Verified", 1))),
              p.gerrit_event("change-merged", dict(one, status="MERGED")),
              p.gerrit_event("change-abandoned", dict(two, status="ABANDONED"), reason="Superseded")]
    for i, event in enumerate(stream, 1):
        event["id"] = f"bdedff7d-34fd-4459-a6a7-3f738f32c01d:{i}"
    events_file, log_file = tmp_path / "events.jsonl", tmp_path / "runs.log"
    events_file.write_text("".join(json.dumps(e) + "\n" for e in stream))
    command = shlex.join([sys.executable, str(HERE / "stream_events.py"), str(events_file), str(log_file),
                          "--drop-after", "3"])

    done = listen(database_url, gerrit.name, "--command", command, "--reconnect-delay", "0", "--max-reconnects", "1")
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert any("line 1: skipped" in line and "not valid JSON" in line for line in out), out
    assert json.loads(out[-1]) == {"handled": 5, "duplicates": 0, "skipped": 1, "failed": 0, "connections": 2}
    runs = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert runs[1][-2:] == ["--resume-after", "bdedff7d-34fd-4459-a6a7-3f738f32c01d:3"]
    assert api.ok("GET", f"/v1/tasks/{first['id']}")["status"] == "merged"
    assert api.ok("GET", f"/v1/tasks/{second['id']}")["status"] == "todo"
    [linked] = api.ok("GET", f"/preview/tasks/{first['id']}/changes")
    assert linked["ci"] == "passed" and linked["state"] == "merged"

    # Started again later: it resumes after the last event it handled (kept in the database).
    again = listen(database_url, gerrit.name, "--command", command, "--max-reconnects", "0")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout.splitlines()[-1])["handled"] == 0
    assert json.loads(log_file.read_text().splitlines()[-1])[-2:] == [
        "--resume-after", "bdedff7d-34fd-4459-a6a7-3f738f32c01d:5"]


def test_listen_on_stdin_skips_what_the_webhook_delivered(client: Any, app: Any, api: Api, gerrit: Any,
                                                          database_url: str) -> None:
    project = api.project(uniq("acme/both"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    change = p.gerrit_change(3003, project["name"], f"Both\n\nTask: {task['id']}")
    upload = p.gerrit_event("patchset-created", change)
    assert post_gerrit(client, gerrit, upload).json()["status"] == "accepted"
    drain(app)
    merged = p.gerrit_event("change-merged", dict(change, status="MERGED"))
    lines = json.dumps(upload) + "\n" + "not an event\n" + json.dumps(merged) + "\n"
    done = listen(database_url, gerrit.name, stdin=lines)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"handled": 1, "duplicates": 1, "skipped": 1, "failed": 0,
                                                         "connections": 0}
    assert "line 1: patchset-created: already handled" in done.stdout
    assert api.ok("GET", f"/v1/tasks/{task['id']}")["status"] == "merged"
    # The webhook's redelivery of the merge is a duplicate now.
    assert post_gerrit(client, gerrit, merged).json()["status"] == "duplicate"


def test_listen_refuses_an_unknown_or_other_source(app: Any, database_url: str) -> None:
    assert "No integration source" in listen(database_url, "no-such-source", stdin="").stderr
    github = make_source(app, "github")
    done = listen(database_url, github.name, stdin="")
    assert done.returncode == 1 and "not a Gerrit one" in done.stderr
