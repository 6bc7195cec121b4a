"""`storyline import launchpad`, end to end: the real CLI (a subprocess) against the Launchpad double
(a real HTTP server on 127.0.0.1 with every trap of launchpad.md §7 and a 503 every seventh request),
on SQLite and PostgreSQL, run several times; the result is checked through the v1 API."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from builders import make_persona, make_settings
from fastapi.testclient import TestClient
from fixtures import LONG_TITLE
from lpdouble import Change, Double, Message
from sqlalchemy import create_engine, func, select, text

from storyline.app import create_app
from storyline.auth import service as auth_service
from storyline.db import session_scope
from storyline.users.models import User
from storyline.users.tokens import create_token

STORYLINE = Path(sys.executable).parent / "storyline"
TABLES = ("stories", "tasks", "comments", "events", "users", "teams", "team_members", "subscriptions",
          "story_users", "story_teams", "story_tags", "tags", "branches", "milestones", "import_refs",
          "attachments", "story_audit")


@pytest.fixture()
def double() -> Any:
    from fixtures import fixture_world

    server = Double(fixture_world(), fail_every=7).start()
    yield server
    server.stop()


class World:
    """Storyline before the import: the projects, the VMT and nova's security team, a few people."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.app = create_app(make_settings(url))
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()  # the lifespan: the database watcher (PostgreSQL) runs
        self.admin = make_persona(self.app, superuser=True)
        self.outsider = make_persona(self.app)
        self.vmt_member = make_persona(self.app)
        self.nova_sec = make_persona(self.app)
        self.nova = self.ok("POST", "/v1/projects", json={"name": "openstack/nova"})
        self.swift = self.ok("POST", "/v1/projects", json={"name": "swift"})
        for team, member in (("vmt", self.vmt_member), ("nova-sec", self.nova_sec)):
            created = self.ok("POST", "/v1/teams", json={"name": team, "security": True})
            self.ok("PUT", f"/v1/teams/{created['id']}/users/{member.id}")
            if team == "nova-sec":
                self.ok("PUT", f"/v1/projects/{self.nova['id']}", json={"security_team_id": created["id"]})

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        r = self.client.request(method, path, headers=self.admin.headers, **kw)
        assert r.status_code in (200, 204), (method, path, r.status_code, r.text)
        return r.json() if r.content else None

    def run(self, double: Double, *extra: str, code: int = 0) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
        env.update(STORYLINE_DATABASE_URL=self.url, STORYLINE_VMT_TEAM="vmt")
        done = subprocess.run(
            [str(STORYLINE), "import", "launchpad", "--api-root", double.api_root, "--project", "nova",
             "--project", "swift", "--project-map", "nova=openstack/nova", "--quiet", *extra],
            env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == code, (done.stdout, done.stderr)
        return done.stdout

    def counts(self) -> dict[str, int]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
        finally:
            engine.dispose()

    def user(self, lp_name: str) -> int:
        with self.app.state.read_sessions() as session:
            return session.execute(select(User.id).where(User.launchpad_name == lp_name)).scalar_one()

    def token_of(self, lp_name: str) -> dict[str, str]:
        uid = self.user(lp_name)
        with session_scope(self.app.state.write_sessions) as session:
            _, token = create_token(session, uid, 3600)
        return {"Authorization": f"Bearer {token}"}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        r = self.client.get(path, headers=headers or {}, params=params)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.app.state.engine.dispose()


@pytest.fixture()
def world(url: str) -> Any:
    w = World(url)
    yield w
    w.close()


TOKEN = ("--token", "lp-token", "--token-secret", "lp-secret")


def test_import_end_to_end_twice_then_since(world: World, double: Double, tmp_path: Path) -> None:
    # A dry run fetches and maps everything and writes nothing.
    before = world.counts()
    out = world.run(double, "--dry-run", *TOKEN)
    assert "dry run" in out and "stories: 6 created" in out, out
    assert world.counts() == before

    # Anonymous: public bugs only (Launchpad never shows private bugs to anonymous requests).
    out = world.run(double)
    assert "6 bugs listed" not in out and "5 bugs listed" in out, out
    assert "stories: 5 created" in out
    assert world.client.get("/v1/stories/1003", headers=world.admin.headers).status_code == 404
    assert double.failed > 0  # the 503s were retried
    urls = [target for target, _ in double.log]
    assert any("ws.show=total_size" in u for u in urls) and any("memo=" in u and "ws.start=" in u for u in urls)
    assert any("omit_duplicates=false" in u for u in urls)

    # With a token (a launchpadlib credentials file): the private bug comes, the rest is unchanged.
    creds = tmp_path / "lp.credentials"
    creds.write_text("[1]\nconsumer_key = storyline\nconsumer_secret = \naccess_token = lp-token\n"
                     "access_secret = lp-secret\n")
    out = world.run(double, "--credentials", str(creds))
    assert "6 bugs listed, 5 unchanged" in out and "stories: 1 created" in out, out
    assert all(auth for target, auth in double.log[-5:])

    # A second run with the same data changes nothing.
    counts = world.counts()
    stories_before = world.get("/v1/stories", world.token_of("carol"), limit=100)
    out = world.run(double, *TOKEN)
    assert "6 bugs listed, 6 unchanged" in out and "created" not in out and "updated" not in out, out
    assert world.counts() == counts
    assert world.get("/v1/stories", world.token_of("carol"), limit=100) == stories_before
    assert counts["stories"] == 6 and counts["attachments"] == 2

    check_stories(world)
    check_private(world)
    check_people(world)
    history = check_activity(world)

    # --since: only what changed since then is listed and fetched; a new comment arrives.
    bug = double.world.bugs[1005]  # type: ignore[attr-defined]
    bug.messages.append(Message("bob", "Reproduced after all, on 2.30."))
    bug.updated = 100
    double.world.bugs[1001].updated = 101  # type: ignore[attr-defined]
    double.world.bugs[1001].activity.append(  # type: ignore[attr-defined]
        Change(100, "carol", "nova: importance", "High", "Low"))
    double._search_cache.clear()
    mark = len(double.log)
    out = world.run(double, "--since", "2015-03-01", *TOKEN)
    assert "2 bugs listed, 0 unchanged" in out and "stories: 2 updated" in out and "comments: 2 created" in out, out
    fetched = {t.split("?")[0] for t, _ in double.log[mark:] if "/bugs/" in t}
    assert fetched and all("/bugs/1005" in t or "/bugs/1001" in t for t in fetched), fetched
    comments = world.get("/v1/stories/1005/comments")
    assert [c["content"] for c in comments] == ["Cannot reproduce.", "Reproduced after all, on 2.30."]
    comments = world.get("/v1/stories/1001/comments")
    assert len(comments) == 7 and [c["is_active"] for c in comments].count(False) == 2
    assert "Buy cheap watches" not in world.client.get("/v1/stories/1001/comments").text
    assert 1001 not in [x["id"] for x in world.get("/v1/stories/search", q="watches")]
    # The activity log: only the entry added since the last run is written (no event twice).
    assert "events from activity: 1 created" in out, out
    later_history = activity_events(world, 1001)
    assert later_history[:-1] == history
    assert later_history[-1][:3] == ("task_priority_changed", world.user("carol"), "2015-04-11T00:00:00+00:00")
    assert (later_history[-1][3]["old_priority"], later_history[-1][3]["new_priority"]) == ("high", "low")

    # Stories created after the import get ids above every imported bug number.
    later = world.ok("POST", "/v1/stories", json={"title": "Filed after the switch"})
    assert later["id"] > 1006


def test_history_backfilled_for_bugs_imported_without_it(world: World, double: Double) -> None:
    """Bugs imported without their activity log (by an earlier version, or with --no-activity) get it on
    the next run even though they did not change on Launchpad: the same events a first import writes,
    once; the private bug's history stays private."""
    double.fail_every = 0
    out = world.run(double, "--no-activity", *TOKEN)
    assert "stories: 6 created" in out and "events from activity" not in out, out
    assert activity_events(world, 1001) == [] and activity_events(world, 1003, world.token_of("carol")) == []
    stories = world.get("/v1/stories", world.token_of("carol"), limit=100)
    counts = world.counts()

    mark = len(double.log)
    out = world.run(double, *TOKEN)
    assert "6 bugs listed, 6 unchanged since the last run (6 of them given their history)" in out, out
    assert "histories added to stories imported before: 6 updated" in out and "stories:" not in out, out
    # Only the entry, tasks and activity log of each bug (and no comment, attachment or subscription)
    fetched = {t.split("?")[0].rsplit("/", 1)[-1] for t, _ in double.log[mark:] if "/bugs/" in t}
    assert fetched <= {str(n) for n in range(1001, 1007)} | {"bug_tasks", "activity"}, fetched
    history = check_activity(world)  # every entry, as a first import writes them; 1003's private
    grown = world.counts()
    assert grown["events"] > counts["events"] and grown["import_refs"] == counts["import_refs"] + 6
    assert {k: v for k, v in grown.items() if k not in ("events", "import_refs")} == \
        {k: v for k, v in counts.items() if k not in ("events", "import_refs")}
    assert world.get("/v1/stories", world.token_of("carol"), limit=100) == stories  # the stories as they were

    # Once: the next run writes nothing and fetches no log.
    mark = len(double.log)
    out = world.run(double, *TOKEN)
    assert "6 bugs listed, 6 unchanged since the last run" in out and "given their history" not in out, out
    assert "created" not in out and "updated" not in out, out
    assert world.counts() == grown and activity_events(world, 1001) == history
    assert not [t for t, _ in double.log[mark:] if "/activity" in t]

    # A later change on Launchpad brings only what is new.
    double.world.bugs[1001].updated = 101  # type: ignore[attr-defined]
    double.world.bugs[1001].activity.append(  # type: ignore[attr-defined]
        Change(100, "carol", "nova: importance", "High", "Low"))
    out = world.run(double, *TOKEN)
    assert "events from activity: 1 created" in out, out
    assert activity_events(world, 1001)[:-1] == history


def check_stories(world: World) -> None:
    alice, bob, sam_b = world.user("alice"), world.user("bob"), world.user("sam-b")
    s = world.get("/v1/stories/1001")
    assert s["title"] == "Scheduler ignores *disabled* hosts" and s["creator_id"] == alice
    assert s["tags"] == ["kilo-backport-potential", "scheduler"] and s["status"] == "active"
    assert s["created_at"] == "2015-01-11T00:00:00+00:00" and s["private"] is False
    assert "```\n2026-11-02 10:00:01.123 ERROR" in s["description"]  # the log is preformatted
    assert list(s)[-4:] == ["cves", "id", "created_at", "updated_at"] and s["duplicate_of"] is None

    tasks = world.get("/v1/tasks", story_id=1001, sort_field="id", sort_dir="asc")
    by_lp = {t["lp_status"]: t for t in tasks}
    assert set(by_lp) == {"Fix Released", "Fix Committed", "In Progress"}
    released = by_lp["Fix Released"]
    assert (released["project_id"], released["status"], released["priority"], released["assignee_id"]) == \
        (world.nova["id"], "merged", "high", bob)
    assert released["lp_importance"] == "High" and released["lp_milestone"] == "liberty-1"
    assert world.get(f"/v1/milestones/{released['milestone_id']}")["name"] == "liberty-1"
    series = by_lp["Fix Committed"]  # seen only through the bug's bug_tasks, never in the project search
    assert world.get(f"/v1/branches/{series['branch_id']}")["name"] == "kilo"
    swift = by_lp["In Progress"]
    assert (swift["project_id"], swift["status"], swift["assignee_id"]) == (world.swift["id"], "inprogress", sam_b)
    assert list(swift)[-6:] == ["lp_status", "lp_importance", "lp_milestone", "id", "created_at", "updated_at"]

    # Messages after the first (the description) as comments, in order, with their authors and dates;
    # the deleted one keeps its place without its text. (The hidden one was not in the anonymous
    # listing of the first run: it comes with the --since run below, hidden.)
    comments = world.get("/v1/stories/1001/comments")
    assert [(c["content"], c["is_active"]) for c in comments] == [
        ("Confirmed on master.", True), ("Here is a patch.", True), ("", False),
        ("Attached: nova-compute.log", True), ("Merged in I1234.", True), ("Released in 29.0.0.", True)]
    assert all(c["content"] != s["description"] for c in comments)
    assert comments[0]["created_at"] == "2015-01-12T00:00:01+00:00"
    events = world.get("/v1/stories/1001/events", event_type="user_comment")
    assert [e["author_id"] for e in events][:2] == [bob, alice]
    files = world.get("/v1/stories/1001/attachments")
    assert sorted((f["name"], f["comment_id"] is not None) for f in files) == [
        ("fix-scheduler.patch", True), ("nova-compute.log", True)]
    patch = next(f for f in files if f["name"] == "fix-scheduler.patch")
    assert patch["comment_id"] == comments[1]["id"] and patch["creator_id"] == alice
    assert world.client.get(f"/v1/stories/1001/attachments/{patch['id']}/download").content.startswith(b"--- a/")

    assert world.get("/v1/stories/1002")["duplicate_of"] == 1001  # the duplicate, with its link
    long = world.get("/v1/stories/1004")
    assert len(long["title"]) <= 255 and long["title"].endswith("…") and LONG_TITLE.startswith(long["title"][:-1])
    assert long["description"].startswith(LONG_TITLE) and "```\nProblemType: Crash" in long["description"]
    assert "deferred" in long["tags"]
    lp_statuses = {t["lp_status"]: t["status"] for t in world.get("/v1/tasks", story_id=1004)}
    assert lp_statuses == {"Deferred": "todo", "Needs Info": "invalid"}
    text_ = world.get("/v1/stories/1004/comments")[0]["content"]
    assert text_.startswith("Café au lait \ufffd breaks the  parser") and "\x00" not in text_ and "\x07" not in text_
    assert world.get("/v1/stories/1005")["status"] == "invalid"
    assert len(world.get("/v1/tasks", story_id=1006, limit=100)) == 11  # glance is not imported
    assert world.client.get("/v1/stories/1007").status_code == 404
    found = world.get("/v1/stories/search", q="scheduler disabled")
    assert 1001 in [x["id"] for x in found]
    assert {x["id"] for x in world.get("/v1/stories", project_id=world.swift["id"])} == {1001, 1004, 1005}


def check_private(world: World) -> None:
    # Invisible to anonymous callers, outsiders and superusers not on the list (404 like a missing story).
    for headers in ({}, world.outsider.headers, world.admin.headers):
        assert world.client.get("/v1/stories/1003", headers=headers).status_code == 404
        assert 1003 not in [s["id"] for s in world.client.get("/v1/stories", headers=headers,
                                                                params={"limit": 100}).json()]
    # Visible to its subscribers (people and team members), its reporter, the VMT and nova's security team.
    # (nova-bugs, a team also subscribed to the public bug 1001, brings its member bob.)
    for headers in (world.token_of("carol"), world.token_of("dave"), world.token_of("eve"), world.token_of("bob"),
                    world.vmt_member.headers, world.nova_sec.headers):
        s = world.get("/v1/stories/1003", headers)
        assert s["information_type"] == "private_security" and s["cves"] == ["CVE-2026-12345"]
        assert world.get("/v1/stories/1003/comments", headers)[0]["content"].startswith("Confirmed")
    listed = world.get("/v1/stories/1003", world.token_of("carol"))
    assert {t["name"] for t in listed["teams"]} == {"vmt", "nova-sec", "nova-coresec", "nova-bugs"}
    assert {u["id"] for u in listed["users"]} == {world.user("carol"), world.user("eve")}
    # Launchpad has no embargo date: the report's date plus 90 days (long past: flagged expired), and the
    # import is in the story's audit log with the access list it came with.
    assert (listed["embargo_until"], listed["embargo_expired"]) == ("2015-04-15T00:00:00+00:00", True)
    assert world.get("/v1/stories/1001")["embargo_until"] is None
    engine = create_engine(world.url)
    try:
        with engine.connect() as conn:
            audit = {(r.action, r.field): json.loads(r.new_value) for r in conn.execute(text(
                "SELECT action, field, new_value FROM story_audit WHERE story_id = 1003"))}
            team_names = dict(conn.execute(text("SELECT id, name FROM teams")).all())
    finally:
        engine.dispose()
    assert audit[("imported", "information_type")] == "private_security"
    assert audit[("imported", "embargo_until")] == "2015-04-15T00:00:00+00:00"
    assert audit[("imported", "users")] == sorted([world.user("carol"), world.user("eve")])
    assert {team_names[t] for t in audit[("imported", "teams")]} == {"vmt", "nova-sec", "nova-coresec", "nova-bugs"}
    assert world.client.get("/v1/tasks", params={"story_id": 1003}).json() == []


HISTORY_TYPES = {"task_status_changed", "task_priority_changed", "task_assignee_changed", "tags_added",
                 "tags_deleted", "story_details_changed", "story_disclosed", "imported_activity"}


def activity_events(world: World, story_id: int, headers: dict[str, str] | None = None) -> list[Any]:
    """The story's events that came from its activity log: (type, author, date, info), oldest first."""
    events = world.get(f"/v1/stories/{story_id}/events", headers, limit=1000)
    return [(e["event_type"], e["author_id"], e["created_at"], json.loads(e["event_info"]))
            for e in sorted(events, key=lambda e: (e["created_at"], e["id"])) if e["event_type"] in HISTORY_TYPES]


def check_activity(world: World) -> list[Any]:
    """Launchpad's activity log as timeline events, with the original dates and actors."""
    bob, alice, dave, carol = world.user("bob"), world.user("alice"), world.user("dave"), world.user("carol")
    tasks = {t["lp_status"]: t["id"] for t in world.get("/v1/tasks", story_id=1001)}
    nova, kilo = tasks["Fix Released"], tasks["Fix Committed"]
    history = activity_events(world, 1001)
    assert [(t, who, when) for t, who, when, _ in history] == [
        ("imported_activity", bob, "2015-01-12T00:00:00+00:00"),  # New -> Confirmed: both todo
        ("task_priority_changed", bob, "2015-01-12T00:00:01+00:00"),
        ("task_assignee_changed", bob, "2015-01-12T00:00:02+00:00"),
        ("task_status_changed", bob, "2015-01-13T00:00:00+00:00"),
        ("tags_added", alice, "2015-01-14T00:00:00+00:00"),
        ("story_details_changed", alice, "2015-01-14T00:00:01+00:00"),
        ("imported_activity", carol, "2015-01-15T00:00:01+00:00"),  # a milestone
        ("tags_deleted", dave, "2015-01-16T00:00:01+00:00"),
        ("task_status_changed", bob, "2015-01-17T00:00:00+00:00"),
    ]  # "added bug", "bug task added", "attachment added" and glance (not imported) left out
    info = [i for _, _, _, i in history]
    assert info[0]["what_changed"] == "nova: status" and (info[0]["old_value"], info[0]["new_value"]) == \
        ("New", "Confirmed") and info[0]["task_id"] == nova and info[0]["source"] == "launchpad"
    assert {k: info[1][k] for k in ("story_id", "task_id", "old_priority", "new_priority")} == \
        {"story_id": 1001, "task_id": nova, "old_priority": "medium", "new_priority": "high"}
    assert (info[2]["old_assignee_id"], info[2]["new_assignee_id"], info[2]["task_id"]) == (None, bob, nova)
    assert (info[3]["old_status"], info[3]["new_status"]) == ("todo", "inprogress")
    assert info[3]["launchpad"]["new_value"] == "In Progress"
    assert info[4]["tags"] == ["kilo-backport-potential"] and info[7]["tags"] == ["old-tag"]
    assert info[5]["story_title"] == "Scheduler ignores *disabled* hosts"
    assert info[6]["task_id"] == kilo and info[6]["new_value"] == "kilo-3"
    assert (info[8]["old_status"], info[8]["new_status"]) == ("inprogress", "merged")
    dup = activity_events(world, 1002)
    assert [(t, i["what_changed"], i["new_value"]) for t, _, _, i in dup] == [
        ("imported_activity", "marked as duplicate", "1001")]
    # A private bug's history is private with it.
    private = activity_events(world, 1003, world.token_of("carol"))
    assert [(t, who) for t, who, _, _ in private] == [
        ("imported_activity", world.user("eve")), ("imported_activity", carol), ("task_assignee_changed", carol)]
    for headers in ({}, world.outsider.headers, world.admin.headers):
        assert world.client.get("/v1/stories/1003/events", headers=headers).json() in ([], None) or \
            world.client.get("/v1/stories/1003/events", headers=headers).status_code == 404
        listed = world.client.get("/v1/events", headers=headers, params={"limit": 1000}).json()
        assert 1003 not in {e["story_id"] for e in listed}
    return history


def check_people(world: World) -> None:
    sams = list(world.get("/v1/users", full_name="Sam Smith"))
    assert sorted(u["launchpad_name"] for u in sams) == ["sam-a", "sam-b"]  # one account each
    alice = world.get(f"/v1/users/{world.user('alice')}")
    assert alice["launchpad_name"] == "alice" and alice["openid"] == "https://login.launchpad.net/+id/aliceXq7"
    assert alice["email"] is None  # the placeholder address is not public
    # Her first login through the community's provider, whose broker hands on the Ubuntu One identifier
    # (under login.ubuntu.com) and an unverified address, claims the imported account.
    with session_scope(world.app.state.write_sessions) as session:
        user = auth_service.do_login(session, issuer="https://openstackid.example.org", claims={
            "sub": "alice-sub", "name": "Alice Example", "email": "alice@example.org", "email_verified": False,
            "legacy_openid": "https://login.ubuntu.com/+id/aliceXq7/"}, legacy_claim="legacy_openid")
        assert (user.id, user.email, user.launchpad_name) == (world.user("alice"), "alice@example.org", "alice")
        teams = session.execute(select(func.count()).select_from(User).where(User.full_name == "Nova Core Security"))
        assert teams.scalar_one() == 0  # teams are teams, not users


def test_interrupted_import_resumes(world: World, double: Double) -> None:
    """Ctrl-C in the middle: what was written stays whole, the next run goes on and ends equal to a
    run that was never interrupted."""
    double.fail_every = 0
    # Two bugs go through; the third waits (whatever the machine's load) until Ctrl-C has been sent, so
    # the run cannot end before it is interrupted.
    release, seen = threading.Event(), set()

    def hook(target: str) -> None:
        found = re.search(r"/bugs/(\d+)", target)
        if found is None:
            return
        seen.add(found.group(1))
        if len(seen) > 2:
            release.wait(60)

    double.hook = hook
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
    env.update(STORYLINE_DATABASE_URL=world.url, STORYLINE_VMT_TEAM="vmt")
    proc = subprocess.Popen(
        [str(STORYLINE), "import", "launchpad", "--api-root", double.api_root, "--project", "nova", "--project",
         "swift", "--project-map", "nova=openstack/nova", "--quiet", "--batch-size", "1", "--concurrency", "1",
         *TOKEN], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell's background job starts with SIGINT ignored, and children inherit that: give the
        # importer the default handling Ctrl-C has in a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while world.counts()["stories"] < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    release.set()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in out
    partial = world.counts()["stories"]
    assert 2 <= partial < 6
    double.hook = None
    out = world.run(double, *TOKEN)
    assert f"{partial} unchanged" in out and f"stories: {6 - partial} created" in out, out
    counts = world.counts()
    assert counts["stories"] == 6 and counts["comments"] == 17 and counts["tasks"] == 19


def test_failures_name_the_bug_and_url(world: World, double: Double) -> None:
    """A bug that keeps failing is named with its URL; the others are imported; the exit code says so."""
    double.fail_every = 0
    double.hook = lambda target: (_ for _ in ()).throw(ConnectionError()) if "bugs/1005/messages" in target else None
    out = world.run(double, "--retries", "1", code=1)
    assert "error: bug 1005 (http://127.0.0.1" in out and "/bugs/1005/messages" in out, out
    assert "stories: 4 created" in out
    double.hook = None
    out = world.run(double)
    assert "stories: 1 created" in out and "4 unchanged" in out, out


def test_refuses_a_missing_project_with_the_fix(world: World, double: Double) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
    env["STORYLINE_DATABASE_URL"] = world.url
    done = subprocess.run([str(STORYLINE), "import", "launchpad", "--api-root", double.api_root, "--project",
                           "nova"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "--project-map nova=NAME" in done.stderr, done.stderr
    assert not double.log  # nothing fetched
