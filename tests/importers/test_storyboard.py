"""`storyline import storyboard` against the real StoryBoard (../shared/peers/storyboard/, started once for
this module): a small world is loaded through StoryBoard's API, then the real CLI (a subprocess) imports it
through the API and from the database (--database), into SQLite and PostgreSQL, twice; then the v1 answers
of Storyline and of StoryBoard for the same ids are compared field by field.

Skipped, saying why, only when the peer cannot be started on this machine.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from builders import BACKENDS, make_settings
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from storyline.app import create_app
from storyline.db import session_scope
from storyline.users.tokens import create_token

sys.path.insert(0, str(Path(__file__).parent))
import sbpeer  # noqa: E402
from newdb import new_database  # noqa: E402

STORYLINE = Path(sys.executable).parent / "storyline"
MODES = ("api", "database")
_n = itertools.count(1)
TABLES = ("users", "user_preferences", "teams", "team_members", "team_projects", "projects", "project_groups",
          "project_group_members", "branches", "milestones", "stories", "story_users", "story_teams", "tags",
          "story_tags", "tasks", "comments", "comment_history", "events", "subscriptions", "worklists",
          "worklist_items", "worklist_filters", "filter_criteria", "boards", "board_lanes", "due_dates",
          "due_date_items", "due_date_boards", "due_date_worklists", "planning_permissions",
          "planning_permission_users", "planning_permission_teams")
# Known differences between StoryBoard's answers and Storyline's for the same imported objects: a
# pattern matching "<path> <field>" (or "<path> as <who>: ..." for a status), the modes it appears in,
# and why. Every other difference fails the test. The test's report lists each with its reason.
BOTH = ("api", "database")
KNOWN: list[tuple[str, tuple[str, ...], str]] = [
    (r"users(\[\])?\.created_at$|/users\[\]\.created_at$", BOTH,
     "StoryBoard's API shows null for a user's created_at (but for the caller's own); Storyline shows the stored "
     "one (with --url: the time of the import, the API having none to give)"),
    (r"comments\[\]\.content$|events\[\]\.comment\.content$", BOTH,
     "a deleted comment (is_active false): StoryBoard still shows its text, Storyline shows none (the text is kept, "
     "hidden)"),
    (r"stories\.task_statuses\[\]\.count$", BOTH,
     "a story without tasks: StoryBoard counts null, Storyline 0 (storyboard-api-v1.md 2.2.2)"),
    (r"stories\.users\[\]\.email$", BOTH, "Storyline leaves e-mail addresses out of story access lists"),
    (r"^/v1/subscriptions\S* subscriptions\[id=\d+\]$", BOTH,
     "a subscription to a private story the caller may not see: StoryBoard lists it, Storyline does not (with "
     "--url it is not imported: StoryBoard hides the story from the importer too)"),
    (r"items\[\]\.story\.task_statuses$", BOTH,
     "a worklist card's story: StoryBoard leaves task_statuses null, Storyline computes it"),
    (r"^/v1/worklists/\d+/permissions worklists/permissions\[\]$", BOTH,
     "a board's lane: Storyline gives the caller the rights its board gives (storyboard-api-v1.md 5.4), StoryBoard "
     "the lane's own"),
    (r"boards\.due_dates\[\]\.count$", BOTH, "a board's due date: StoryBoard counts 0 items there, Storyline counts them"),
    (r"due_dates\.(editable|assignable)$", BOTH,
     "StoryBoard answers false to the due date's owner on GET (its own POST answer says true)"),
    (r"^/v1/users/\d+/preferences users/preferences\.", ("api",),
     "another user's preferences: StoryBoard's API shows them to nobody else, superusers included, so --url "
     "imports the token's user's only"),
    (r"^/v1/stories/\d+/(tasks|comments|events\S*) as admin: StoryBoard 200, Storyline 404$", ("database",),
     "a private story the caller may not see: StoryBoard answers 200 with an empty list, Storyline 404 as for the "
     "story itself"),
    (r"^/v1/worklists/\d+/items as admin: StoryBoard 500, Storyline 200$", BOTH,
     "an automatic worklist's items: StoryBoard fails (storyboard-api-v1.md 6.17), Storyline computes them"),
]
REPORT = Path(os.environ.get("STORYLINE_SB_COMPARE_REPORT", "/tmp/storyline-storyboard-compare.txt"))


@pytest.fixture(scope="module")
def peer() -> Iterator[sbpeer.Loaded]:
    # No skip: a peer that cannot start fails the module with the reason (the comparison is the test).
    try:
        server, url, database = sbpeer.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"the StoryBoard peer (../shared/peers/storyboard) could not be started: {exc}")
    try:
        yield sbpeer.load(url, database)
    finally:
        server.stop()


def run_import(url: str, peer: sbpeer.Loaded, mode: str, *extra: str) -> tuple[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
    env["STORYLINE_DATABASE_URL"] = url
    source = (["--url", peer.url, "--token", sbpeer.ADMIN_TOKEN] if mode == "api" else ["--database", peer.database])
    started = time.monotonic()
    done = subprocess.run([str(STORYLINE), "import", "storyboard", *source, "--quiet", *extra], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done.stdout, time.monotonic() - started


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every imported row, to see that a second run changes nothing."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: sorted(tuple(map(repr, r)) for r in conn.execute(text(f"SELECT * FROM {t}"))) for t in TABLES}
    finally:
        engine.dispose()


class Compare:
    """GET the same paths from StoryBoard and Storyline and list every field that differs."""

    def __init__(self, url: str, peer: sbpeer.Loaded, mode: str) -> None:
        self.peer, self.mode = peer, mode
        self.app = create_app(make_settings(url))
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()
        with session_scope(self.app.state.write_sessions) as session:
            self.ours = {who: {"Authorization": f"Bearer {create_token(session, uid, 3600)[1]}"}
                         for who, uid in (("admin", peer.admin_id), ("user", peer.user_id))}
        self.theirs = {who: httpx.Client(base_url=peer.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
                       for who, token in (("admin", sbpeer.ADMIN_TOKEN), ("user", sbpeer.USER_TOKEN))}
        self.differences: list[tuple[str, str, Any, Any]] = []  # (path, field, StoryBoard's, Storyline's)
        self.compared = 0
        self.missing: list[str] = []  # paths StoryBoard answers and Storyline does not

    def get(self, path: str, who: str = "admin") -> tuple[Any, Any]:
        theirs = self.theirs[who].get(path)
        ours = self.client.get(path, headers=self.ours[who])
        if theirs.status_code != ours.status_code:
            self.missing.append(f"{path} as {who}: StoryBoard {theirs.status_code}, Storyline {ours.status_code}")
            return None, None
        if theirs.status_code != 200:
            return None, None
        return theirs.json(), ours.json()

    def check(self, path: str, who: str = "admin") -> None:
        theirs, ours = self.get(path, who)
        if theirs is not None:
            self._diff(path, _resource(path), theirs, ours)

    def _diff(self, path: str, field: str, theirs: Any, ours: Any) -> None:
        if isinstance(theirs, dict) and isinstance(ours, dict):
            for key, value in theirs.items():
                if key not in ours:
                    self.differences.append((path, f"{field}.{key}", value, "(absent)"))
                else:
                    self._diff(path, f"{field}.{key}", value, ours[key])
        elif isinstance(theirs, list) and isinstance(ours, list):
            if all(isinstance(i, dict) and i.get("id") is not None for i in theirs + ours):
                mine = {i["id"]: i for i in ours}  # entries matched by id: one missing is named
                for entry in theirs:
                    if entry["id"] in mine:
                        self._diff(path, f"{field}[]", entry, mine.pop(entry["id"]))
                    else:
                        self.differences.append((path, f"{field}[id={entry['id']}]", "present", "(absent)"))
                for extra in mine:
                    self.differences.append((path, f"{field}[id={extra}]", "(absent)", "present"))
                return
            if len(theirs) != len(ours):
                self.differences.append((path, f"{field}[]", f"{len(theirs)} entries", f"{len(ours)} entries"))
            for a, b in zip(_ordered(theirs), _ordered(ours), strict=False):
                self._diff(path, f"{field}[]", a, b)
        else:
            self.compared += 1
            if _normal(field, theirs) != _normal(field, ours):
                self.differences.append((path, field, theirs, ours))

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.app.state.engine.dispose()
        for http in self.theirs.values():
            http.close()


def _resource(path: str) -> str:
    parts = [p for p in path.split("?")[0].split("/") if p and p != "v1" and not p.isdigit()]
    return "/".join(parts)


def _ordered(items: list[Any]) -> list[Any]:
    if all(isinstance(i, dict) for i in items):  # by id; automatic worklist items (no id) by content
        return sorted(items, key=lambda i: (i.get("id") or 0, i.get("item_type", ""), i.get("item_id", 0)))
    if all(isinstance(i, int | str) for i in items):
        return sorted(items, key=str)
    return items


def _normal(field: str, value: Any) -> Any:
    if field.endswith("event_info") and isinstance(value, str):
        return json.loads(value)  # the same JSON, whatever its spacing
    return value


def explained(mode: str, lines: list[str]) -> tuple[list[str], list[str]]:
    """(differences with a known reason, with the reason; differences without one)."""
    known, unknown = [], []
    for line in lines:
        subject = line.split(": StoryBoard", 1)[0] if " as " not in line.split(":", 1)[0] else line
        reason = next((why for pattern, modes, why in KNOWN if mode in modes and re.search(pattern, subject)), None)
        if reason:
            known.append(f"{line} -- {reason}")
        else:
            unknown.append(line)
    return known, unknown


def compare_all(compare: Compare, peer: sbpeer.Loaded) -> None:
    ids = peer.ids
    for uid in ids["users"]:
        compare.check(f"/v1/users/{uid}")
    compare.check("/v1/users?sort_field=id")
    for kind, tails in (("teams", ("", "/users", "/projects")), ("projects", ("",)),
                        ("project_groups", ("", "/projects")), ("branches", ("",)), ("milestones", ("",)),
                        ("tasks", ("",)), ("worklists", ("", "/items", "/filters", "/permissions")),
                        ("boards", ("", "/permissions")), ("due_dates", ("",))):
        for object_id in ids[kind]:
            for tail in tails:
                compare.check(f"/v1/{kind}/{object_id}{tail}")
    for sid in ids["stories"]:
        for who in ("admin", "user"):
            for tail in ("", "/tasks", "/comments", "/events?sort_field=id", "/tags"):
                compare.check(f"/v1/stories/{sid}{tail}", who)
    for cid in ids["comments"]:
        story = _story_of(compare, cid)
        if story:
            compare.check(f"/v1/stories/{story}/comments/{cid}/history", "user" if story == peer.hidden_story else "admin")
    compare.check("/v1/tags")
    compare.check("/v1/subscriptions?sort_field=id")
    compare.check(f"/v1/users/{peer.admin_id}/preferences")
    compare.check(f"/v1/users/{peer.user_id}/preferences", "user")


def _story_of(compare: Compare, comment_id: int) -> int | None:
    for who in ("admin", "user"):
        events = compare.theirs[who].get("/v1/events", params={"event_type": "user_comment"}).json()
        for event in events:
            if event["comment_id"] == comment_id:
                return int(event["story_id"])
    return None


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_import_twice_then_compare(peer: sbpeer.Loaded, mode: str, backend: str, request: pytest.FixtureRequest,
                                   tmp_path: Path) -> None:
    url = new_database(backend, request, tmp_path, "sb_import")

    # A dry run reads and compares everything, and writes nothing.
    out, _ = run_import(url, peer, mode, "--dry-run")
    assert "dry run" in out and "stories: " in out, out
    assert not any(counts(url).values())

    first, seconds = run_import(url, peer, mode)
    assert out.splitlines()[1:] == first.splitlines()[1:], (out, first)  # the dry run counted the same
    after_first = snapshot(url)
    stories = len(peer.ids["stories"]) - (mode == "api")
    assert f"stories: {stories} created" in first, first
    # Run twice: nothing changes, nothing is duplicated.
    second, _ = run_import(url, peer, mode)
    assert "nothing to change" in second and " created" not in second and " updated" not in second, second
    assert snapshot(url) == after_first

    compare = Compare(url, peer, mode)
    try:
        # The ids are kept: the hidden private story is Storyline's story of the same id, seen by the same person.
        hidden = compare.client.get(f"/v1/stories/{peer.hidden_story}", headers=compare.ours["user"])
        assert hidden.status_code == (200 if mode == "database" else 404), hidden.text
        assert compare.client.get(f"/v1/stories/{peer.hidden_story}", headers=compare.ours["admin"]).status_code == 404
        compare_all(compare, peer)
        hidden_paths = (f"/v1/stories/{peer.hidden_story} ", f"/v1/stories/{peer.hidden_story}/")
        # with --url, the private story hidden from the importer is not there: the one thing expected missing
        statuses = [m for m in compare.missing if not (mode == "api" and m.startswith(hidden_paths))]
        known, unknown = explained(mode, [f"{path} {field}: StoryBoard {theirs!r}, Storyline {ours!r}"
                                          for path, field, theirs, ours in compare.differences])
        known_status, missing = explained(mode, statuses)
        known += known_status
        with REPORT.open("a") as report:
            report.write(f"== {mode} into {backend}: first run {seconds:.1f} s, {compare.compared} values compared, "
                         f"{len(known)} known differences, {len(unknown)} unexplained, {len(missing)} status "
                         f"differences\n" + "".join(f"  known: {k}\n" for k in known)
                         + "".join(f"  UNEXPLAINED: {u}\n" for u in unknown)
                         + "".join(f"  STATUS: {m}\n" for m in missing) + first + "\n")
        # Stories created in Storyline from now on get ids above the imported ones (PostgreSQL: the sequence
        # moved). (With --url, above the ones the API showed: the hidden story's id is unknown to the import.)
        imported = [s for s in peer.ids["stories"] if mode == "database" or s != peer.hidden_story]
        created = compare.client.post("/v1/stories", headers=compare.ours["admin"], json={"title": "After the move"})
        assert created.status_code == 200 and created.json()["id"] > max(imported), created.text
        assert compare.compared > 500
        assert not missing, "\n".join(missing)
        assert not unknown, "\n".join(unknown)
    finally:
        compare.close()
