"""`storyline integrations ...` as an administrator runs it (a process of its own, on the suite's
database of each engine): the printed URL and secret work, list, map, rules, remove."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import payloads as p
from builders import Api, uniq
from conftest import drain
from fastapi.testclient import TestClient


def storyline(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, STORYLINE_DATABASE_URL=database_url, STORYLINE_BASE_URL="https://storyline.example.org")
    env.pop("STORYLINE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "storyline.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_add_list_map_rules_remove(client: TestClient, app: Any, api: Api, database_url: str) -> None:
    name = uniq("forge")
    added = storyline(database_url, "integrations", "add-github", name)
    assert added.returncode == 0, added.stderr
    lines = dict(line.split(": ", 1) for line in added.stdout.splitlines())
    assert lines["url"] == f"https://storyline.example.org/preview/hooks/github/{name}"
    assert storyline(database_url, "integrations", "add-github", name).returncode == 1  # the name is taken

    project = api.project(uniq("tracker"))
    repo = uniq("octo/mapped")
    mapped = storyline(database_url, "integrations", "map", repo, project["name"])
    assert mapped.returncode == 0 and f"{repo} → {project['name']}" in mapped.stdout
    shown = storyline(database_url, "integrations", "rules", project["name"], "--set", "on_upload=inprogress",
                      "--set", "assign_owner=false")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["on_upload"] == "inprogress" and json.loads(shown.stdout)["assign_owner"] is False
    bad = storyline(database_url, "integrations", "rules", project["name"], "--set", "on_upload=merged")
    assert bad.returncode == 2 and "on_upload" in bad.stderr

    # The printed URL and secret are what GitHub needs.
    story = api.story()
    task = api.task(story["id"], project["id"])
    raw = p.body(p.github_pr("opened", repo, 11, f"Fixes #{story['id']}"))
    path = lines["url"].removeprefix("https://storyline.example.org")
    r = client.post(path, content=raw, headers=p.github_headers(lines["secret"], raw, "pull_request", uniq("d")))
    assert r.status_code == 200, r.text
    drain(app)
    assert api.ok("GET", f"/v1/tasks/{task['id']}")["status"] == "inprogress"

    listed = storyline(database_url, "integrations", "list")
    row = next(line for line in listed.stdout.splitlines() if line.startswith(name + "\t"))
    assert "\tgithub\t" in row and "1 deliveries" in row and "1 linked changes" in row
    assert storyline(database_url, "integrations", "unmap", repo).returncode == 0
    assert storyline(database_url, "integrations", "unmap", repo).returncode == 1
    assert storyline(database_url, "integrations", "remove", name).returncode == 0
    assert client.post(path, content=raw, headers=p.github_headers(lines["secret"], raw, "pull_request", "x")
                       ).status_code == 401
    assert api.ok("GET", f"/preview/tasks/{task['id']}/changes") == []
    assert api.ok("GET", f"/v1/tasks/{task['id']}")["status"] == "inprogress"  # tasks keep their status
    # Added again (a lost secret): a new secret, the same bot user.
    again = storyline(database_url, "integrations", "add-github", name)
    assert again.returncode == 0, again.stderr
    assert dict(line.split(": ", 1) for line in again.stdout.splitlines())["secret"] != lines["secret"]
    assert client.post(path, content=raw, headers=p.github_headers(lines["secret"], raw, "pull_request", "y")
                       ).status_code == 401
