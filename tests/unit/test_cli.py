"""The `storyline` command, run as a subprocess against a fresh database of each backend."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from storyline.app import create_app
from storyline.config import Settings
from storyline.users.models import AccessToken

STORYLINE = Path(sys.executable).parent / "storyline"
from builders import BACKENDS  # noqa: E402
from migrated import migrated_sqlite  # noqa: E402

_n = itertools.count(1)

SAMPLE = """\
# OpenStack project-config style: every repository is listed, StoryBoard users are flagged.
- project: openstack/nova
  description: OpenStack Compute (Nova)
  use-storyboard: true
  groups:
    - nova
    - openstack
- project: openstack/python-novaclient
  description: Python client for Nova
  use-storyboard: true
  groups: [nova]
- project: openstack/launchpad-only
  description: Still on Launchpad
  acl-config: /home/gerrit2/acls/openstack/launchpad-only.config
- project: openstack/swift
  description: Object Storage
  use-storyboard: false
  groups: [openstack]
"""


class Cli:
    def __init__(self, url: str) -> None:
        self.url = url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
        self.env["STORYLINE_DATABASE_URL"] = url

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(STORYLINE), *args], env=self.env, capture_output=True, text=True,
                              timeout=120)
        if ok:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def app_client(self) -> Any:
        return TestClient(create_app(Settings(database_url=self.url)), raise_server_exceptions=False)


@pytest.fixture(params=BACKENDS)
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    if request.param == "sqlite":
        return Cli(f"sqlite:///{tmp_path / 'cli.db'}")
    pg = request.getfixturevalue("pg")
    return Cli(pg.create_database(f"storyline_cli_{next(_n)}"))


@pytest.fixture()
def migrated(cli: Cli, request: pytest.FixtureRequest) -> Cli:
    # A copy of the migrated template (tests/migrated.py): `storyline db upgrade` itself is tested below.
    if cli.url.startswith("sqlite:///"):
        migrated_sqlite(Path(cli.url.removeprefix("sqlite:///")))
    else:
        request.getfixturevalue("pg").migrated_database(cli.url.rsplit("/", 1)[1])
    return cli


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_entry_point_and_help():
    assert STORYLINE.exists()
    done = subprocess.run([str(STORYLINE), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("serve", "db", "users", "tokens", "projects"):
        assert command in done.stdout
    done = subprocess.run([sys.executable, "-m", "storyline.cli", "tokens", "create", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--expires-in" in done.stdout


def test_commands_refuse_an_unmigrated_database_with_the_fix(cli):
    for args in (("users", "create", "--name", "Nobody", "--email", "n@example.org"),
                 ("tokens", "create", "--user", "1"), ("serve", "--port", "1")):
        done = cli.run(*args, ok=False)
        assert done.returncode == 1, args
        assert done.stdout == "", args
        assert "storyline db upgrade" in done.stderr, args
    first = cli.run("db", "upgrade")
    assert "0002" in first.stdout or "revision" in first.stdout
    again = cli.run("db", "upgrade")
    assert again.stdout == first.stdout
    if "@" in cli.url:
        assert "postgres@" in again.stdout  # no password in this URL, and none would be shown


def test_users_create_prints_only_the_id_and_tokens_create_only_the_token(migrated):
    cli = migrated
    done = cli.run("users", "create", "--name", "Ada Admin", "--email", "ada@example.org", "--superuser")
    assert re.fullmatch(r"\d+\n", done.stdout), done.stdout
    admin_id = int(done.stdout)
    assert done.stderr == ""
    plain_id = int(cli.run("users", "create", "--name", "Bob Bot", "--email", "bob@example.org").stdout)
    assert plain_id != admin_id

    done = cli.run("tokens", "create", "--user", "ADA@example.org")
    assert re.fullmatch(r"[A-Za-z0-9_\-]{32,}\n", done.stdout), done.stdout
    admin_token = done.stdout.strip()
    bot_token = cli.run("tokens", "create", "--user", str(plain_id)).stdout.strip()
    assert bot_token != admin_token
    feed_token = cli.run("tokens", "create", "--user", str(plain_id), "--feed").stdout.strip()

    with cli.app_client() as client:
        assert client.get("/v1/projects", headers=auth(admin_token)).status_code == 200
        assert client.get("/v1/projects", headers=auth(bot_token)).status_code == 200
        # A feed token reads the feeds (?token=) and nothing else.
        assert client.get("/v1/projects", headers=auth(feed_token)).status_code == 401
        assert client.get(f"/v1/feeds/users/{plain_id}.atom", params={"token": feed_token}).status_code == 200
        r = client.get("/v1/projects", headers=auth(admin_token + "x"))
        assert (r.status_code, r.json()) == (401, {"code": 401, "title": "Unauthorized", "description": None})
        body = {"name": "cli-made", "title": "Made with a CLI token"}
        assert client.post("/v1/project_groups", json=body, headers=auth(bot_token)).status_code == 403
        r = client.post("/v1/project_groups", json=body, headers=auth(admin_token))
        assert r.status_code == 200 and r.json()["name"] == "cli-made"
        # the default lifetime is a long one (a year), for bots
        session = client.app.state.read_sessions()
        try:
            row = session.execute(select(AccessToken).where(AccessToken.user_id == plain_id,
                                                            AccessToken.kind == "personal")).scalar_one()
        finally:
            session.close()
        assert row.expires_at - row.created_at == dt.timedelta(days=365)
        client.app.state.engine.dispose()


def test_user_and_token_errors(migrated):
    cli = migrated
    cli.run("users", "create", "--name", "Carol", "--email", "carol@example.org")
    done = cli.run("users", "create", "--name", "Carol Again", "--email", "Carol@example.org", ok=False)
    assert done.returncode == 1 and done.stdout == "" and "email" in done.stderr
    done = cli.run("users", "create", "--name", "Al", "--email", "al@example.org", ok=False)
    assert done.returncode == 1 and done.stdout == "" and "--name" in done.stderr
    for ref in ("nobody@example.org", "99999999999999999999"):
        done = cli.run("tokens", "create", "--user", ref, ok=False)
        assert done.returncode == 1 and done.stdout == "" and "no user" in done.stderr, ref
    done = cli.run("tokens", "create", "--user", "carol@example.org", "--expires-in", "0", ok=False)
    assert done.returncode == 2 and done.stdout == ""
    done = cli.run("users", "set-superuser", "nobody@example.org", ok=False)
    assert done.returncode == 1


def test_set_superuser_and_token_expiry(migrated):
    cli = migrated
    uid = cli.run("users", "create", "--name", "Dana", "--email", "dana@example.org").stdout.strip()
    token = cli.run("tokens", "create", "--user", uid).stdout.strip()
    short = cli.run("tokens", "create", "--user", "dana@example.org", "--expires-in", "1").stdout.strip()
    started = time.monotonic()
    body = {"name": "dana-group", "title": "Dana's group"}
    with cli.app_client() as client:
        assert client.post("/v1/project_groups", json=body, headers=auth(token)).status_code == 403
        done = cli.run("users", "set-superuser", "dana@example.org")
        assert "superuser" in done.stdout
        assert client.post("/v1/project_groups", json=body, headers=auth(token)).status_code == 200
        cli.run("users", "set-superuser", uid, "--off")
        body["name"] = "dana-group-2"
        assert client.post("/v1/project_groups", json=body, headers=auth(token)).status_code == 403
        time.sleep(max(0.0, 2.2 - (time.monotonic() - started)))
        assert client.get("/v1/projects", headers=auth(short)).status_code == 401
        assert client.get("/v1/projects", headers=auth(token)).status_code == 200
        client.app.state.engine.dispose()


def test_projects_load_is_idempotent(migrated, tmp_path):
    cli = migrated
    path = tmp_path / "projects.yaml"
    path.write_text(SAMPLE)
    first = cli.run("projects", "load", str(path))
    assert "2 projects (2 entries skipped" in first.stdout
    assert "projects: 2 created, 0 updated, 0 unchanged" in first.stdout
    assert "groups: 2 created" in first.stdout and "memberships: 3 added" in first.stdout
    second = cli.run("projects", "load", str(path))
    assert "projects: 0 created, 0 updated, 2 unchanged" in second.stdout
    assert "groups: 0 created" in second.stdout and "memberships: 0 added" in second.stdout

    with cli.app_client() as client:
        projects = {p["name"]: p for p in client.get("/v1/projects").json()}
        assert set(projects) == {"openstack/nova", "openstack/python-novaclient"}
        assert projects["openstack/nova"]["description"] == "OpenStack Compute (Nova)"
        groups = {g["name"]: g for g in client.get("/v1/project_groups").json()}
        assert set(groups) == {"nova", "openstack"}
        assert all(g["title"] == g["name"] for g in groups.values())
        nova = sorted(p["name"] for p in client.get("/v1/project_groups/nova/projects").json())
        assert nova == ["openstack/nova", "openstack/python-novaclient"]
        members = client.get("/v1/project_groups/openstack/projects").json()
        assert [p["name"] for p in members] == ["openstack/nova"]
        # every loaded project has its restricted master branch
        branches = client.get("/v1/branches", params={"project_id": projects["openstack/nova"]["id"]}).json()
        assert [(b["name"], b["restricted"]) for b in branches] == [("master", True)]
        client.app.state.engine.dispose()

    # a changed description and a new group are applied; nothing is removed
    path.write_text(SAMPLE.replace("Python client for Nova", "Nova client").replace(
        "groups: [nova]", "groups: [clients]"))
    dry = cli.run("projects", "load", str(path), "--dry-run")
    assert "would load" in dry.stdout and "1 updated" in dry.stdout and "groups: 1 created" in dry.stdout
    third = cli.run("projects", "load", str(path))
    assert "projects: 0 created, 1 updated, 1 unchanged" in third.stdout
    assert "groups: 1 created" in third.stdout and "memberships: 1 added" in third.stdout
    with cli.app_client() as client:
        r = client.get("/v1/projects/openstack/python-novaclient")
        assert r.json()["description"] == "Nova client"
        assert len(client.get("/v1/project_groups/nova/projects").json()) == 2
        assert len(client.get("/v1/project_groups/clients/projects").json()) == 1
        client.app.state.engine.dispose()


def test_projects_load_without_the_flag_loads_every_entry(migrated, tmp_path):
    cli = migrated
    path = tmp_path / "mine.yaml"
    path.write_text("- project: team/alpha\n  groups: [team]\n- project: team/beta\n  description: Beta\n")
    done = cli.run("projects", "load", str(path))
    assert "2 projects (0 entries skipped" in done.stdout and "projects: 2 created" in done.stdout
    with cli.app_client() as client:
        assert client.get("/v1/projects/team/alpha").json()["description"] is None
        assert [p["name"] for p in client.get("/v1/project_groups/team/projects").json()] == ["team/alpha"]
        client.app.state.engine.dispose()


def test_projects_load_rejects_bad_files_and_writes_nothing(migrated, tmp_path):
    cli = migrated
    bad = tmp_path / "bad.yaml"
    bad.write_text("- project: good/one\n- project: ab\n- project: good/two\n  groups: [x]\n- 42\n")
    done = cli.run("projects", "load", str(bad), ok=False)
    assert done.returncode == 1 and done.stdout == ""
    assert "entry 2" in done.stderr and "entry 3 (good/two)" in done.stderr and "entry 4" in done.stderr
    assert "entry 1" not in done.stderr and "nothing was loaded" in done.stderr
    flag = tmp_path / "flag.yaml"
    flag.write_text("- project: good/one\n  use-storyboard: true\n"
                    "- project: good/two\n  use-storyboard: maybe\n")
    done = cli.run("projects", "load", str(flag), ok=False)
    assert done.returncode == 1 and "entry 2" in done.stderr and "use-storyboard" in done.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("{a: [")
    done = cli.run("projects", "load", str(broken), ok=False)
    assert done.returncode == 1 and "YAML" in done.stderr
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("project: openstack/nova\n")
    done = cli.run("projects", "load", str(mapping), ok=False)
    assert done.returncode == 1 and "list of entries" in done.stderr
    with cli.app_client() as client:
        assert client.get("/v1/projects").json() == []
        client.app.state.engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_prints_the_url_and_the_token_recipe_and_serves(migrated, tmp_path):
    cli = migrated
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([str(STORYLINE), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=cli.env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(5)]  # type: ignore[union-attr]
        assert f"http://127.0.0.1:{port}/" in lines[0]
        # The recipe's commands work as typed (here, from the test's directory): they make an admin.
        commands = [shlex.split(line) for line in lines if line.startswith("    ")]
        assert [c[1:3] for c in commands] == [["users", "create"], ["tokens", "create"]]
        for command in commands:
            done = subprocess.run(command, env=cli.env, capture_output=True, text=True)
            assert done.returncode == 0, (command, done.stderr)
        token = done.stdout.strip()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/project_groups", timeout=10) as resp:
                    assert resp.status == 200 and resp.headers["X-Total"] == "0"
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "server did not start"
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        me = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/users/self",
                                    headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(me, timeout=30) as resp:
            ada = json.loads(resp.read())
            assert ada["full_name"] == "Ada Admin" and ada["is_superuser"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_serve_with_several_workers_runs_that_many_processes_on_one_database(migrated, tmp_path):
    cli = migrated
    port = _free_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    env = {**cli.env, "STORYLINE_ACCESS_LOG": "false"}
    proc = subprocess.Popen([str(STORYLINE), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert "2 API processes" in "".join(proc.stdout.readline() for _ in range(2))  # type: ignore[union-attr]
        deadline = time.monotonic() + 60
        while log_path.read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, log_path.read_text()
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.2)
        started = {line.split("[")[1].split("]")[0] for line in log_path.read_text().splitlines()
                   if "Started server process" in line}
        assert len(started) == 2
        # Many connections: each may land on either process; all see the same database.
        for _ in range(10):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/projects", timeout=30) as resp:
                assert resp.status == 200 and resp.headers["X-Total"] == "0"
        assert " /v1/projects " not in log_path.read_text()  # access log switched off by the setting
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
