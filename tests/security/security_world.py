"""The world the leak matrix runs against: private stories with everything hanging off them, public
objects around them, and one persona per role of the security requirements (security-vmt.md §4).

Everything is arranged through the HTTP API, as the people concerned would do it; only the first
superuser and the personas' tokens are made as the CLI makes them (builders.make_persona).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from builders import Persona, make_persona
from fastapi.testclient import TestClient
from security_vmt import VMT_TEAM

from storyline import outbox
from storyline.db import session_scope

PHASES = ("private", "flipped", "member_removed")
# Phases that change what the subjects contain (and so call for every persona again); the others only
# change who is in a team, so they re-run the personas whose view changed (see `matrix_pairs`).
CONTENT_PHASES = {"private", "flipped"}


def secret(label: str) -> str:
    """A distinctive word that cannot occur anywhere by chance (ASCII: JSON escaping leaves it alone)."""
    return f"zq{label}{uuid.uuid4().hex[:12]}"


def headers(who: Persona | None) -> dict[str, str]:
    return who.headers if who is not None else {}


@dataclass
class Subject:
    """A private story and the ids of everything hanging off it."""

    kind: str  # "private" (an ordinary private story) or "security" (a private security report)
    story_id: int = 0
    task_id: int = 0
    comment_id: int = 0
    event_id: int = 0  # the timeline event of the comment
    tag_id: int = 0  # the tag only this story carries
    subscription_id: int = 0  # the reporter's subscription to the story
    inbox_id: int = 0  # a row of the reporter's inbox about the story
    card_id: int = 0  # the story's card on the world's worklist
    attachment_id: int = 0  # a file attached to the story (its content and name are secrets)
    delivery_id: int = 0  # a delivery about the story in the log of the reporter's webhook
    attachment_ids: set[int] = field(default_factory=set)
    event_ids: set[int] = field(default_factory=set)
    comment_ids: set[int] = field(default_factory=set)
    inbox_ids: set[int] = field(default_factory=set)
    subscription_ids: set[int] = field(default_factory=set)
    secrets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Role:
    """A persona of the matrix: how the world makes them, and whether they may see a subject.

    `sees(subject_kind, phase)`; adding a persona to the matrix is one entry in ROLES.
    """

    make: Callable[[World], Persona | None]
    sees: Callable[[str, str], bool]


def never(kind: str, phase: str) -> bool:
    return False


def always(kind: str, phase: str) -> bool:
    return True


ROLES: dict[str, Role] = {
    "anonymous": Role(lambda w: None, never),
    "outsider": Role(lambda w: w.person(teams=[w.outsider_team]), never),
    "superuser": Role(lambda w: w.person(superuser=True, teams=[w.outsider_team]), never),
    "reporter": Role(lambda w: w.owner, always),
    "team_member": Role(lambda w: w.person(teams=[w.list_team]), lambda kind, phase: phase != "member_removed"),
    "security_team": Role(lambda w: w.person(teams=[w.security_team]), lambda kind, phase: kind == "security"),
    "vmt_member": Role(lambda w: w.person(teams=[w.vmt_team]), lambda kind, phase: kind == "security"),
}


def matrix_pairs(kinds: tuple[str, ...] = ("private", "security")) -> list[tuple[str, str]]:
    """(phase, role) pairs of the matrix: every role in the phases that change content; in the others,
    the roles whose view of some subject changed, and the reporter as a positive control."""
    pairs = []
    for i, phase in enumerate(PHASES):
        for name, role in ROLES.items():
            changed = i > 0 and any(role.sees(k, phase) != role.sees(k, PHASES[i - 1]) for k in kinds)
            if phase in CONTENT_PHASES or changed or name == "reporter":
                pairs.append((phase, name))
    return pairs


class World:
    """One arranged world per test module (see `arrange`); `advance_to(phase)` moves it forward."""

    def __init__(self, app: Any, client: TestClient, roles: dict[str, Role] = ROLES) -> None:
        self.app = app
        self.client = client
        self.roles = roles
        self.phase = "none"
        self.admin = make_persona(app, superuser=True, name="Arranging Admin")
        self.owner = make_persona(app, name="Reporting Person")
        self.personas: dict[str, Persona | None] = {}
        self.subjects: list[Subject] = []

    # ---- HTTP -------------------------------------------------------------------------------------

    def call(self, method: str, path: str, who: Persona | None, **kw: Any) -> Any:
        return self.client.request(method, path, headers=headers(who), **kw)

    def ok(self, method: str, path: str, who: Persona | None = None, **kw: Any) -> Any:
        r = self.call(method, path, who or self.admin, **kw)
        assert r.status_code in (200, 204), (method, path, r.status_code, r.text)
        return r.json() if r.content else None

    def person(self, *, superuser: bool = False, teams: tuple[int, ...] | list[int] = ()) -> Persona:
        p = make_persona(self.app, superuser=superuser)
        for team_id in teams:
            self.ok("PUT", f"/v1/teams/{team_id}/users/{p.id}")
        return p

    # ---- arranging --------------------------------------------------------------------------------

    def arrange(self) -> World:
        ok = self.ok
        self.project = ok("POST", "/v1/projects", json={"name": "security/matrix", "description": "Matrix"})
        self.project_id = self.project["id"]
        self.branch_id = ok("GET", "/v1/branches", params={"project_id": self.project_id})[0]["id"]
        self.milestone_id = ok("POST", "/v1/milestones", json={"name": "milestone-1", "branch_id": self.branch_id})["id"]
        self.group = ok("POST", "/v1/project_groups", json={"name": "security-group", "title": "Group"})
        ok("PUT", f"/v1/project_groups/{self.group['id']}/projects/{self.project_id}")
        self.list_team = ok("POST", "/v1/teams", json={"name": "story-list-team"})["id"]
        self.outsider_team = ok("POST", "/v1/teams", json={"name": "outsider-team"})["id"]
        # The configured VMT, and the project's security team (named by a superuser).
        self.vmt_team = ok("POST", "/v1/teams", json={"name": VMT_TEAM})["id"]
        self.security_team = ok("POST", "/v1/teams", json={"name": "matrix-coresec"})["id"]
        ok("PUT", f"/v1/projects/{self.project_id}", json={"security_team_id": self.security_team})
        self.owner_token_id = ok("GET", f"/v1/users/{self.owner.id}/tokens", self.owner)[0]["id"]
        for name, role in self.roles.items():
            self.personas[name] = role.make(self)
        # Each persona's feed token (`?token=` on /v1/feeds/...): the matrix reads every feed through it too.
        self.feed_tokens = {p.id: ok("POST", f"/v1/users/{p.id}/tokens", p, json={"user_id": p.id, "kind": "feed"})
                            ["access_token"] for p in self.personas.values() if p is not None}
        self.member = self.personas["team_member"]
        self.vmt_member = self.personas["vmt_member"]
        assert self.member is not None and self.vmt_member is not None
        # Outsiders subscribe to the project: a notification filter that forgot the rule would reach them.
        for name in ("outsider", "superuser"):
            ok("POST", "/v1/subscriptions", self.personas[name],
               json={"target_type": "project", "target_id": self.project_id})
        self.shared_tag = "shared-tag"
        # A Gerrit source (code review integration), made as `storyline integrations add-gerrit` makes it: its
        # bot is put on each subject's list, and a change linked to the subject's task (preview API).
        from storyline.integrations.sources import do_create_source, hook_path

        with session_scope(self.app.state.write_sessions) as session:
            source, gerrit_secret = do_create_source(session, "gerrit", "matrix-gerrit")
            self.gerrit_name, self.gerrit_bot = source.name, source.bot_user_id
        self.gerrit_path = hook_path("gerrit", self.gerrit_name, gerrit_secret)
        # The reporter's outbound webhook on the project (made as `storyline webhooks add --owner` makes it):
        # the subjects' events are queued for it (its owner sees them); its log shows them to nobody else.
        from storyline.authz import Viewer
        from storyline.webhooks.service import do_create_hook

        with session_scope(self.app.state.write_sessions) as session:
            hook, _ = do_create_hook(session, Viewer(self.admin.id, is_superuser=True), {
                "url": "http://127.0.0.1:9/matrix", "project_id": self.project_id}, owner_id=self.owner.id)
            self.hook_id = hook.id
        self._arrange_public()
        # An ordinary private story: a responder's task on the project must not bring its security team.
        self.subjects.append(self._arrange_subject("private", self.member, private=True))
        # A security report: the reporter and the VMT see it at once; the project's security team once a
        # responder (the VMT) adds a task on the project (security-vmt.md §3.2).
        self.subjects.append(self._arrange_subject("security", self.vmt_member, security=True))
        self._arrange_planning()
        self.phase = "private"
        return self

    def _arrange_public(self) -> None:
        """Public objects everywhere the private ones are, so that no collection is trivially empty."""
        ok = self.ok
        outsider = self.personas["outsider"]
        ps = ok("POST", "/v1/stories", self.owner, json={"title": "A public story", "description": "Open",
                                                          "tags": [self.shared_tag]})
        self.public_story_id = ps["id"]
        ok("POST", "/v1/tasks", self.owner, json={"title": "A public task", "story_id": ps["id"],
                                                   "project_id": self.project_id, "assignee_id": self.owner.id})
        ok("POST", "/v1/subscriptions", self.member, json={"target_type": "story", "target_id": ps["id"]})
        ok("POST", f"/v1/stories/{ps['id']}/comments", self.member, json={"content": "A public comment"})
        other = ok("POST", "/v1/stories", outsider, json={"title": "Another public story"})
        ok("POST", "/v1/tasks", outsider, json={"title": "Outsider task", "story_id": other["id"],
                                                 "project_id": self.project_id})

    def _arrange_planning(self) -> None:
        """The reporter's worklist with cards of every story and task, a board whose lane is an automatic
        list matching the shared tag (so it computes the private stories too), and a due date on both."""
        ok, owner = self.ok, self.owner
        self.worklist_id = ok("POST", "/v1/worklists", owner, json={"title": "Matrix list"})["id"]
        lane = ok("POST", "/v1/worklists", owner, json={"title": "Matrix lane", "automatic": True})["id"]
        self.filter_id = ok("POST", f"/v1/worklists/{lane}/filters", owner, json={
            "type": "Story", "filter_criteria": [{"field": "Tags", "value": self.shared_tag}]})["id"]
        self.lane_id = lane
        self.board_id = ok("POST", "/v1/boards", owner, json={"title": "Matrix board",
                                                               "lanes": [{"list_id": lane, "position": 0}]})["id"]
        self.due_date_id = ok("POST", "/v1/due_dates", owner, json={
            "name": "Matrix date", "date": "2030-01-01T00:00:00Z", "board_id": self.board_id})["id"]
        # The reporter's saved view of the shared tag (it matches the private stories too).
        self.view_id = ok("POST", "/preview/views", owner, json={
            "name": "Matrix view", "query": f"tag:{self.shared_tag}"})["id"]
        cards = [("story", self.public_story_id)]
        for s in self.subjects:
            cards += [("story", s.story_id), ("task", s.task_id)]
        # A public card after the private ones: raw positions would leave a gap where they stand.
        cards.append(("story", ok("POST", "/v1/stories", owner, json={"title": "Matrix tail card"})["id"]))
        for item_type, item_id in cards:
            card = ok("POST", f"/v1/worklists/{self.worklist_id}/items", owner,
                      json={"item_id": item_id, "item_type": item_type, "display_due_date": self.due_date_id})
            for s in self.subjects:
                if (item_type, item_id) == ("story", s.story_id):
                    s.card_id = card["id"]
        ok("PUT", f"/v1/due_dates/{self.due_date_id}", owner, json={
            "stories": [self.public_story_id, *(s.story_id for s in self.subjects)],
            "tasks": [s.task_id for s in self.subjects]})

    def _arrange_subject(self, kind: str, task_by: Persona, **story_fields: Any) -> Subject:
        ok, owner, member = self.ok, self.owner, self.member
        s = Subject(kind)
        s.secrets = {k: secret(k) for k in ("title", "description", "task", "comment", "history", "tag",
                                            "attachment", "file_name")}
        story = ok("POST", "/v1/stories", owner, json={
            "title": f"Private {s.secrets['title']}", "description": f"Details: {s.secrets['description']}",
            "users": [{"id": owner.id}], "teams": [{"id": self.list_team}], **story_fields})
        s.story_id = sid = story["id"]
        assert story["private"] is True
        if kind == "security":
            assert self.sees("vmt_member", sid) and not self.sees("security_team", sid), "a new report: VMT only"
            # The reporter choosing the project does not bring in its security team.
            ok("POST", "/v1/tasks", owner, json={"title": "Reporter's guess", "story_id": sid,
                                                  "project_id": self.project_id})
            assert not self.sees("security_team", sid), "the reporter's task grants nothing"
        ok("POST", "/v1/subscriptions", member, json={"target_type": "story", "target_id": sid})
        event = ok("POST", f"/v1/stories/{sid}/comments", member,
                   json={"content": f"First words {s.secrets['history']}"})
        s.comment_id, s.event_id = event["comment_id"], event["id"]
        ok("PUT", f"/v1/stories/{sid}/comments/{s.comment_id}", member,
           json={"content": f"Edited words {s.secrets['comment']}"})
        ok("PUT", f"/v1/stories/{sid}/tags", owner, json=[s.secrets["tag"], self.shared_tag])
        s.tag_id = ok("GET", "/v1/tags", owner, params={"name": s.secrets["tag"]})[0]["id"]
        s.attachment_id = ok("POST", f"/v1/stories/{sid}/attachments", owner, files={
            "file": (f"{s.secrets['file_name']}.patch", f"Patch {s.secrets['attachment']}", "text/x-diff")},
            data={"comment_id": str(s.comment_id)})["id"]
        task = ok("POST", "/v1/tasks", task_by, json={
            "title": f"Fix {s.secrets['task']}", "story_id": sid, "project_id": self.project_id,
            "assignee_id": owner.id})
        s.task_id = task["id"]
        assert self.sees("security_team", sid) == (kind == "security"), f"security team and the {kind} story"
        ok("PUT", f"/v1/tasks/{s.task_id}", member, json={"status": "merged", "milestone_id": self.milestone_id})
        ok("POST", "/v1/subscriptions", owner, json={"target_type": "task", "target_id": s.task_id})
        self._link_change(s)
        self.refresh(s)
        return s

    def _link_change(self, s: Subject) -> None:
        """A Gerrit change naming the subject's task (its subject a secret), delivered through the webhook."""
        s.secrets["change"] = secret("change")
        self.ok("PUT", f"/v1/stories/{s.story_id}/users/{self.gerrit_bot}", self.owner)
        number = 1000 + s.story_id
        change = {"project": self.project["name"], "branch": "master", "number": number,
                  "subject": f"Fix {s.secrets['change']}", "url": f"https://review.example.org/{number}",
                  "commitMessage": f"Fix {s.secrets['change']}\n\nTask: {s.task_id}\n", "status": "NEW"}
        r = self.call("POST", self.gerrit_path, None, json={
            "type": "patchset-created", "change": change, "patchSet": {"number": 1}, "eventCreatedOn": 1_700_000_000})
        assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
        deadline = time.monotonic() + 20
        while self.call("GET", f"/preview/tasks/{s.task_id}/changes", self.owner).json() == []:
            outbox.deliver(self.app.state.write_sessions, lane="background")
            assert time.monotonic() < deadline, "the change was not linked"
            time.sleep(0.02)

    def sees(self, role: str, story_id: int) -> bool:
        r = self.call("GET", f"/v1/stories/{story_id}", self.personas[role])
        assert r.status_code in (200, 404), r.text
        return r.status_code == 200

    def refresh(self, s: Subject) -> None:
        """Collect the ids of everything hanging off the subject, as its reporter sees them."""
        ok, sid = self.ok, s.story_id
        s.event_ids = {e["id"] for e in ok("GET", f"/v1/stories/{sid}/events", self.owner)}
        s.comment_ids = {c["id"] for c in ok("GET", f"/v1/stories/{sid}/comments", self.owner)}
        s.attachment_ids = {a["id"] for a in ok("GET", f"/v1/stories/{sid}/attachments", self.owner)}
        subs = ok("GET", "/v1/subscriptions", self.owner)
        s.subscription_id = next(x["id"] for x in subs
                                 if x["target_type"] == "story" and x["target_id"] == sid)
        s.subscription_ids = {x["id"] for x in subs if (x["target_type"], x["target_id"]) in
                              (("story", sid), ("task", s.task_id))}
        inbox = ok("GET", "/v1/subscription_events", self.owner)
        s.inbox_ids = {e["id"] for e in inbox if json.loads(e["event_info"] or "{}").get("story_id") == sid}
        assert s.inbox_ids, "the reporter's inbox has rows about the subject"
        s.inbox_id = min(s.inbox_ids)
        log = ok("GET", f"/preview/webhooks/{self.hook_id}/deliveries", self.owner)  # the inbox read waited for them
        s.delivery_id = min(d["id"] for d in log if d["story_id"] == sid)

    # ---- phases -----------------------------------------------------------------------------------

    def advance_to(self, phase: str) -> None:
        assert PHASES.index(phase) >= PHASES.index(self.phase), f"phases run in order: {self.phase} → {phase}"
        while self.phase != phase:
            nxt = PHASES[PHASES.index(self.phase) + 1]
            getattr(self, f"_enter_{nxt}")()
            self.phase = nxt

    def _enter_flipped(self) -> None:
        """Each subject goes public (the outsider subscribes meanwhile) and private again."""
        outsider = self.personas["outsider"]
        for s in self.subjects:
            sid = s.story_id
            users = [u["id"] for u in self.ok("GET", f"/v1/stories/{sid}/users", self.owner)]
            teams = [t["id"] for t in self.ok("GET", f"/v1/stories/{sid}/teams", self.owner)]
            assert self.ok("PUT", f"/v1/stories/{sid}", self.owner, json={"private": False})["private"] is False
            assert self.call("GET", f"/v1/stories/{sid}", None).status_code == 200
            self.ok("POST", "/v1/subscriptions", outsider, json={"target_type": "story", "target_id": sid})
            again = self.ok("PUT", f"/v1/stories/{sid}", self.owner,
                            json={"private": True, "users": users, "teams": teams})
            assert again["private"] is True
            s.secrets["after_flip"] = secret("afterflip")
            self.ok("POST", f"/v1/stories/{sid}/comments", self.member,
                    json={"content": f"Back to private {s.secrets['after_flip']}"})
            self.refresh(s)

    def _enter_member_removed(self) -> None:
        assert self.member is not None
        self.ok("DELETE", f"/v1/teams/{self.list_team}/users/{self.member.id}")

    # ---- reading back -----------------------------------------------------------------------------

    def snapshot(self, s: Subject) -> dict[str, Any]:
        """Everything about the subject as its reporter reads it: a refused write must leave it equal."""
        sid, owner = s.story_id, self.owner
        # The story's JSON carries its access list, tags and task counts.
        paths = [f"/v1/stories/{sid}", f"/v1/stories/{sid}/tasks", f"/v1/stories/{sid}/comments",
                 f"/v1/stories/{sid}/attachments",
                 f"/v1/stories/{sid}/comments/{s.comment_id}/history", f"/v1/stories/{sid}/events",
                 "/v1/subscriptions", "/v1/subscription_events", f"/v1/teams/{self.list_team}/users",
                 f"/v1/worklists/{self.worklist_id}/items", f"/v1/due_dates/{self.due_date_id}"]
        out = {}
        for path in paths:
            r = self.call("GET", path, owner)
            out[path] = (r.status_code, r.json())
        return out
