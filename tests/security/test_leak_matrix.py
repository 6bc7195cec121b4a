"""The leak matrix (security-vmt.md §4, storyboard-api-v1.md §5.2 and §6), generated from /openapi.json.

Every operation of the OpenAPI document is called as every persona of security_world.ROLES, with its
path parameters filled from PATH_PARAMS (a new endpoint with a parameter nobody mapped fails
`test_every_operation_is_covered`, so it cannot slip past the matrix). For each persona that must not
see a subject (a private story with a task, comments, comment history, tags, subscriptions, events
and inbox rows):

* reads never contain the subject's secrets (raw body), never list its objects (ids in any JSON
  object, JSON strings such as `event_info` included), count only visible rows (`X-Total` equals the
  rows of an unpaged answer; a one-row page agrees), give its tag's popularity without it, and answer
  a request naming its objects exactly as they answer the same request naming missing ids (status and
  body, ids aside) — 404 for single objects;
* writes naming it (in the path or the body) are refused with 400/401/403/404, exactly as for
  missing ids, and change nothing the reporter can read afterwards.

Personas who may see it get 200s on all of it and find every secret (so the matrix is not vacuous).
The matrix runs in three phases: as arranged (every persona); after the stories went public and
private again (every persona); after the team member left the team on the list (the team member, who
must have lost access, and the reporter — nothing else changed for the others).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from builders import Persona
from fastapi.testclient import TestClient
from security_world import ROLES, Subject, World, matrix_pairs

METHODS = ("get", "put", "post", "delete", "patch")

# Ids that exist nowhere (within 32 bits): the answer for a private object must be the answer for these.
MISSING = {"story_id": 2_000_000_011, "task_id": 2_000_000_012, "comment_id": 2_000_000_013,
           "event_id": 2_000_000_014, "card_id": 2_000_000_015, "attachment_id": 2_000_000_016,
           "delivery_id": 2_000_000_017}


@dataclass(frozen=True)
class Ctx:
    world: World
    subject: Subject
    caller: Persona | None
    method: str


@dataclass(frozen=True)
class Param:
    """How to fill a parameter; `hidden` names the private object it designates (a key of MISSING)."""

    value: Callable[[Ctx], Any]
    hidden: str | None = None


def _caller_or_owner(c: Ctx) -> int:
    return c.caller.id if c.caller is not None else c.world.owner.id


PATH_PARAMS: dict[str, Param] = {
    "story_id": Param(lambda c: c.subject.story_id, "story_id"),
    "task_id": Param(lambda c: c.subject.task_id, "task_id"),
    "comment_id": Param(lambda c: c.subject.comment_id, "comment_id"),
    "event_id": Param(lambda c: c.subject.event_id, "event_id"),
    "attachment_id": Param(lambda c: c.subject.attachment_id, "attachment_id"),
    "tag_id": Param(lambda c: c.subject.tag_id),
    "subscription_id": Param(lambda c: c.subject.subscription_id),
    "user_id": Param(lambda c: c.world.owner.id),
    "team_id": Param(lambda c: c.world.list_team),
    "project_id": Param(lambda c: c.world.project_id),
    "group_id": Param(lambda c: c.world.group["id"]),
    "branch_id": Param(lambda c: c.world.branch_id),
    "milestone_id": Param(lambda c: c.world.milestone_id),
    "token_id": Param(lambda c: c.world.owner_token_id),
    "worklist_id": Param(lambda c: c.world.worklist_id),
    "item_id": Param(lambda c: c.subject.card_id, "card_id"),  # a worklist card (its id, not the story's)
    "filter_id": Param(lambda c: c.world.filter_id),
    "board_id": Param(lambda c: c.world.board_id),
    "due_date_id": Param(lambda c: c.world.due_date_id),
    "view_id": Param(lambda c: c.world.view_id),
    # Code review sources' webhooks (their POSTs are EXCLUDED: a source's secret, not a persona, opens them).
    "source": Param(lambda c: c.world.gerrit_name),
    "secret": Param(lambda c: "not-the-secret"),
    # A notification e-mail's unsubscribe link: the reporter's, for the subject story (a link, not a login).
    "token": Param(lambda c: _unsubscribe_token(c)),
    # Outbound webhooks: the reporter's hook, and a delivery in its log about the subject.
    "hook_id": Param(lambda c: c.world.hook_id),
    "delivery_id": Param(lambda c: c.subject.delivery_id, "delivery_id"),
}

def _unsubscribe_token(c: Any) -> str:
    from storyline import signing

    with c.world.app.state.read_sessions() as session:
        return signing.sign(session, "unsubscribe", f"{c.world.owner.id}.story.{c.subject.story_id}")


# (method or "*", path prefix, parameter) → Param; the longest matching prefix wins over PATH_PARAMS.
PATH_OVERRIDES: dict[tuple[str, str, str], Param] = {
    ("*", "/v1/subscription_events/", "event_id"): Param(lambda c: c.subject.inbox_id),
    ("*", "/v1/projects/", "ref"): Param(lambda c: c.world.project["name"]),
    ("*", "/v1/project_groups/", "ref"): Param(lambda c: c.world.group["name"]),
    ("*", "/v1/teams/", "ref"): Param(lambda c: "story-list-team"),
    # Writes on the access list: try to add oneself (or one's team), and to remove the reporter.
    ("PUT", "/v1/stories/{story_id}/users/", "user_id"): Param(_caller_or_owner),
    ("PUT", "/v1/stories/{story_id}/teams/", "team_id"): Param(lambda c: c.world.outsider_team),
    # Filters are those of the board's automatic lane.
    ("*", "/v1/worklists/{worklist_id}/filters", "worklist_id"): Param(lambda c: c.world.lane_id),
}

# Query parameters filled one at a time (one request per value); others are left out. Only `story_id`
# is compared with a missing id: other ids (target_id, ...) name objects of several tables.
QUERY_PARAMS: dict[str, Callable[[Ctx], list[Any]]] = {
    "story_id": lambda c: [c.subject.story_id],
    "title": lambda c: [c.subject.secrets["title"], c.subject.secrets["task"]],
    "description": lambda c: [c.subject.secrets["description"]],
    "q": lambda c: [c.subject.secrets[k] for k in ("title", "task", "history")],
    "tags": lambda c: [c.subject.secrets["tag"], c.world.shared_tag],
    "name": lambda c: [c.subject.secrets["tag"]],
    "project_id": lambda c: [c.world.project_id],
    "project_group_id": lambda c: [c.world.group["id"]],
    "branch_id": lambda c: [c.world.branch_id],
    "milestone_id": lambda c: [c.world.milestone_id],
    "assignee_id": lambda c: [c.world.owner.id],
    "creator_id": lambda c: [c.world.owner.id],
    "subscriber_id": lambda c: [c.world.owner.id, c.world.member.id],
    "user_id": lambda c: [c.world.owner.id, c.world.member.id],
    "target_type": lambda c: ["story", "task"],
    "target_id": lambda c: [c.subject.story_id, c.subject.task_id],
    "event_type": lambda c: ["user_comment", "tags_added", "attachment_added"],
    "status": lambda c: ["merged"],
}
QUERY_HIDDEN = {"story_id": "story_id"}


@dataclass(frozen=True)
class Body:
    """The request arguments of a write; `uses` names private objects the body refers to."""

    make: Callable[[dict[str, Any], Ctx], dict[str, Any]]
    uses: tuple[str, ...] = ()


def _task_body(v: dict[str, Any], c: Ctx) -> dict[str, Any]:
    return {"json": {"title": "Sneaked in", "story_id": v["story_id"], "project_id": c.world.project_id}}


TASK_CHANGE = Body(lambda v, c: {"json": {"status": "invalid", "title": "Renamed by an intruder"}})
TAGS_ADD = Body(lambda v, c: {"params": {"tags": "intruder-tag"}})
TAGS_REMOVE = Body(lambda v, c: {"params": {"tags": c.subject.secrets["tag"]}})

# Bodies of writes on a subject. A write with a private object in its path is covered without an
# entry (no body); one that needs a body must have an entry; one that names the subject only in its
# body is listed here with `uses`.
WRITE_BODIES: dict[tuple[str, str], list[Body]] = {
    ("PUT", "/v1/stories/{story_id}"): [
        Body(lambda v, c: {"json": {"title": "Taken over by an intruder", "private": False}}),
        Body(lambda v, c: {"json": {"users": [_caller_or_owner(c)], "teams": [c.world.outsider_team]}})],
    ("POST", "/v1/tasks"): [Body(_task_body, ("story_id",))],
    ("PUT", "/v1/tasks/{task_id}"): [TASK_CHANGE],
    ("POST", "/v1/stories/{story_id}/tasks"): [
        Body(lambda v, c: {"json": {"title": "Sneaked in", "project_id": c.world.project_id}})],
    ("PUT", "/v1/stories/{story_id}/tasks/{task_id}"): [TASK_CHANGE],
    ("POST", "/v1/stories/{story_id}/comments"): [Body(lambda v, c: {"json": {"content": "An intrusion"}})],
    ("POST", "/v1/stories/{story_id}/attachments"): [
        Body(lambda v, c: {"files": {"file": ("intrusion.txt", "An intrusion", "text/plain")}}),
        Body(lambda v, c: {"files": {"file": ("intrusion.txt", "An intrusion", "text/plain")},
                           "data": {"comment_id": str(c.subject.comment_id)}})],
    ("PUT", "/v1/stories/{story_id}/comments/{comment_id}"): [
        Body(lambda v, c: {"json": {"content": "Overwritten"}})],
    ("PUT", "/v1/tags/{story_id}"): [TAGS_ADD],
    ("PUT", "/v1/stories/{story_id}/tags"): [TAGS_ADD],
    ("DELETE", "/v1/tags/{story_id}"): [TAGS_REMOVE],
    ("DELETE", "/v1/stories/{story_id}/tags"): [TAGS_REMOVE],
    ("POST", "/v1/subscriptions"): [
        Body(lambda v, c: {"json": {"target_type": "story", "target_id": v["story_id"]}}, ("story_id",)),
        Body(lambda v, c: {"json": {"target_type": "task", "target_id": v["task_id"]}}, ("task_id",)),
        Body(lambda v, c: {"json": {"target_type": "story", "target_id": v["story_id"],
                                    "user_id": c.world.owner.id}}, ("story_id",))],
    ("DELETE", "/v1/subscriptions/{subscription_id}"): [Body(lambda v, c: {})],
    ("DELETE", "/v1/subscription_events/{event_id}"): [Body(lambda v, c: {})],
    # Worklists, boards, due dates: the reporter's, so every persona who cannot see a subject is refused.
    ("PUT", "/v1/worklists/{worklist_id}"): [Body(lambda v, c: {"json": {"title": "Taken", "private": True}})],
    ("DELETE", "/v1/worklists/{worklist_id}"): [Body(lambda v, c: {})],
    ("POST", "/v1/worklists/{worklist_id}/items"): [
        Body(lambda v, c: {"json": {"item_id": v["story_id"], "item_type": "story"}}, ("story_id",)),
        Body(lambda v, c: {"json": {"item_id": v["task_id"], "item_type": "task"}}, ("task_id",))],
    ("PUT", "/v1/worklists/{worklist_id}/items/{item_id}"): [
        Body(lambda v, c: {"json": {"list_position": 0}}),
        Body(lambda v, c: {"json": {"list_id": c.world.lane_id}})],
    ("POST", "/v1/worklists/{worklist_id}/permissions"): [
        Body(lambda v, c: {"json": {"codename": "edit_worklist", "users": [_caller_or_owner(c)]}})],
    ("PUT", "/v1/worklists/{worklist_id}/permissions"): [
        Body(lambda v, c: {"json": {"codename": "edit_worklist", "users": [_caller_or_owner(c)]}})],
    ("POST", "/v1/worklists/{worklist_id}/filters"): [Body(lambda v, c: {"json": {
        "type": "Story", "filter_criteria": [{"field": "Story", "value": v["story_id"]}]}}, ("story_id",))],
    ("PUT", "/v1/worklists/{worklist_id}/filters/{filter_id}"): [Body(lambda v, c: {"json": {
        "filter_criteria": [{"field": "Story", "value": v["story_id"]}]}}, ("story_id",))],
    ("DELETE", "/v1/worklists/{worklist_id}/filters/{filter_id}"): [Body(lambda v, c: {})],
    ("POST", "/v1/boards"): [Body(lambda v, c: {"json": {
        "title": "Take over a list", "lanes": [{"list_id": c.world.worklist_id}]}})],
    ("PUT", "/v1/boards/{board_id}"): [Body(lambda v, c: {"json": {
        "title": "Taken", "lanes": [{"list_id": c.world.worklist_id}]}})],
    ("DELETE", "/v1/boards/{board_id}"): [Body(lambda v, c: {})],
    # A new lane, manual or from the reporter's view of the shared tag (it computes the private stories per reader).
    ("POST", "/preview/boards/{board_id}/lanes"): [Body(lambda v, c: {"json": {"title": "Sneaked lane"}}),
                                                   Body(lambda v, c: {"json": {"view_id": c.world.view_id}})],
    ("POST", "/v1/boards/{board_id}/permissions"): [
        Body(lambda v, c: {"json": {"codename": "edit_board", "users": [_caller_or_owner(c)]}})],
    ("PUT", "/v1/boards/{board_id}/permissions"): [
        Body(lambda v, c: {"json": {"codename": "edit_board", "users": [_caller_or_owner(c)]}})],
    ("PUT", "/v1/due_dates/{due_date_id}"): [
        Body(lambda v, c: {"json": {"stories": [v["story_id"]]}}, ("story_id",)),
        Body(lambda v, c: {"json": {"tasks": [v["task_id"]]}}, ("task_id",))],
    ("DELETE", "/v1/due_dates/{due_date_id}"): [Body(lambda v, c: {"params": {"board_id": c.world.board_id}})],
    ("POST", "/v1/due_dates/{due_date_id}/permissions"): [
        Body(lambda v, c: {"json": {"codename": "assign_date", "users": [_caller_or_owner(c)]}})],
    ("PUT", "/v1/due_dates/{due_date_id}/permissions"): [
        Body(lambda v, c: {"json": {"codename": "assign_date", "users": [_caller_or_owner(c)]}})],
    ("POST", "/preview/stories/disclose"): [
        Body(lambda v, c: {"json": {"story_ids": [v["story_id"]]}}, ("story_id",)),
        Body(lambda v, c: {"json": {"story_ids": [c.world.public_story_id, v["story_id"]]}}, ("story_id",))],
    ("POST", "/preview/bulk"): [
        Body(lambda v, c: {"json": {"stories": [v["story_id"]], "change": {"add_tags": ["intruder-tag"]}}},
             ("story_id",)),
        Body(lambda v, c: {"json": {"stories": [c.world.public_story_id, v["story_id"]],
                                    "change": {"status": "invalid"}}}, ("story_id",)),
        Body(lambda v, c: {"json": {"tasks": [v["task_id"]], "change": {"status": "invalid"}}}, ("task_id",))],
}

_NOT_STORY = "touches no story: nothing of a private story can be read or changed through it"
_SUPER = "superuser-only administration of an object that is not part of a story; " + _NOT_STORY
_HOOK = ("a code review source's delivery, opened by the source's secret or signature, not by a persona (401 for "
         "every persona); it answers before any story is read, the same for every footer, and its bot user acts with "
         "its own rights: tests/integrations/test_gerrit.py::test_a_story_the_bot_cannot_see_changes_nothing")
_VIEW = ("its owner's saved query (name, query text, columns, sort, sharing with one of the owner's teams), which "
         "holds no story's data: running it is GET /preview/search, read by the matrix; " + _NOT_STORY)
_WEBHOOK = ("its owner's and superusers' administration of a webhook (URL, event types, on/off, secret), which names "
            "no story; its delivery log and redelivery are in the matrix; " + _NOT_STORY)
# Writes that are not run by the matrix, with the reason. Reads are never excluded.
EXCLUDED: dict[tuple[str, str], str] = {
    ("POST", "/preview/live/tickets"): (
        "makes a short-lived stream ticket for the caller's own token; it names no story and writes nothing; the "
        "stream it opens checks each change against the visibility rule when it is sent: "
        "tests/api/test_live_updates.py::test_private_story_changes_reach_only_its_access_list; " + _NOT_STORY),
    ("POST", "/preview/outbox/retry"): (
        "superusers only: puts parked e-mail and webhook deliveries back in line (each is checked against the "
        "visibility rule again when it is sent); " + _NOT_STORY),
    ("POST", "/v1/notifications/unsubscribe/{token}"): (
        "one-click unsubscribe: removes the link holder's own subscription (the GET page, which the matrix "
        "reads, says the same and changes nothing); " + _NOT_STORY),
    ("POST", "/v1/stories"): "creates a new story; " + _NOT_STORY,
    ("POST", "/v1/tags"): "tags are global names, created without a story; " + _NOT_STORY,
    ("POST", "/v1/projects"): _SUPER,
    ("PUT", "/v1/projects/{project_id}"): _SUPER,
    ("POST", "/v1/project_groups"): _SUPER,
    ("PUT", "/v1/project_groups/{group_id}"): _SUPER,
    ("DELETE", "/v1/project_groups/{group_id}"): _SUPER,
    ("PUT", "/v1/project_groups/{group_id}/projects/{project_id}"): _SUPER,
    ("DELETE", "/v1/project_groups/{group_id}/projects/{project_id}"): _SUPER,
    ("POST", "/v1/branches"): _SUPER,
    ("PUT", "/v1/branches/{branch_id}"): _SUPER,
    ("POST", "/v1/milestones"): _SUPER,
    ("PUT", "/v1/milestones/{milestone_id}"): _SUPER,
    ("POST", "/v1/users"): _SUPER,
    ("PUT", "/v1/users/{user_id}"): "edits a user account (self or superuser); " + _NOT_STORY,
    ("POST", "/v1/users/{user_id}/tokens"): "the user's own API tokens; " + _NOT_STORY,
    ("PUT", "/v1/users/{user_id}/tokens/{token_id}"): "the user's own API tokens; " + _NOT_STORY,
    ("DELETE", "/v1/users/{user_id}/tokens/{token_id}"): "the user's own API tokens; " + _NOT_STORY,
    ("DELETE", "/v1/users/{user_id}/tokens/delete_all"): "the user's own API tokens; " + _NOT_STORY,
    ("POST", "/v1/users/{user_id}/preferences"): "the user's own preferences; " + _NOT_STORY,
    ("POST", "/v1/teams"): _SUPER,
    ("PUT", "/v1/teams/{team_id}"): _SUPER,
    ("DELETE", "/v1/teams/{team_id}"): _SUPER,
    ("PUT", "/v1/teams/{team_id}/users/{user_id}"): (
        "superuser-only team membership: changes who is in a team, and so who is on every access list "
        "naming the team, by design (reference §5.1); the matrix's member_removed phase covers its effect"),
    ("DELETE", "/v1/teams/{team_id}/users/{user_id}"): "see PUT /v1/teams/{team_id}/users/{user_id}",
    ("PUT", "/v1/teams/{team_id}/projects/{project_id}"): _SUPER,
    ("DELETE", "/v1/teams/{team_id}/projects/{project_id}"): _SUPER,
    ("POST", "/v1/openid/token"): "login (OpenID Connect code exchange for a token); " + _NOT_STORY,
    ("POST", "/v1/worklists"): ("creates the caller's own worklist; an automatic list's filters may name any id, "
                                "and its items are computed per reader under the visibility rule (covered by "
                                "the reads of the world's automatic lane); " + _NOT_STORY),
    ("POST", "/v1/due_dates"): "creates the caller's own due date, with no stories or tasks; " + _NOT_STORY,
    ("POST", "/preview/worklists/from_search"): "creates the caller's own automatic worklist, like POST /v1/worklists",
    ("PUT", "/preview/projects/{project_id}/stale_rule"): _SUPER,
    ("POST", "/preview/stories/{story_id}/recover"): (
        "superuser-only recovery of a story hidden from everyone: grants the calling superuser access by "
        "design, recorded in the story's audit log and told to everyone on its list (refused to everyone "
        "else; tests/api/test_security_stories.py::test_superuser_recovery_is_audited_and_told)"),
    ("POST", "/preview/priority_lists"): "creates the caller's own (empty) priority list; " + _NOT_STORY,
    ("POST", "/preview/hooks/gerrit/{source}/{secret}"): _HOOK,
    ("POST", "/preview/hooks/github/{source}"): _HOOK,
    ("POST", "/preview/hooks/gitlab/{source}"): _HOOK,
    ("POST", "/preview/views"): _VIEW,
    ("PUT", "/preview/views/{view_id}"): _VIEW,
    ("DELETE", "/preview/views/{view_id}"): _VIEW,
    ("POST", "/preview/webhooks"): (
        "creates the caller's own webhook for a project or group (no story named); what it is sent is decided per "
        "story by its owner's right to see it: tests/webhooks/test_webhooks.py::"
        "test_a_private_story_reaches_only_hooks_whose_owner_can_see_it; " + _NOT_STORY),
    ("PUT", "/preview/webhooks/{hook_id}"): _WEBHOOK,
    ("DELETE", "/preview/webhooks/{hook_id}"): _WEBHOOK,
    ("POST", "/preview/webhooks/{hook_id}/secret"): _WEBHOOK,
    ("POST", "/preview/review_dashboards"): ("creates the caller's own board of automatic lanes, computed per reader "
                                             "under the visibility rule; " + _NOT_STORY),
}

# Leaks the matrix finds in the server as it is: (operation, check) → what leaks. Only these exact
# findings are left out of the failures; every other one fails. Delete an entry once the server is fixed.
KNOWN_LEAKS: dict[tuple[str, str], str] = {}


# ---- the operations ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    has_body: bool
    response_schema: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.template)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def operations(doc: dict[str, Any]) -> list[Operation]:
    out = []
    for template, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = op.get("parameters", []) + item.get("parameters", [])
            in_path = tuple(dict.fromkeys(re.findall(r"{(\w+)(?::\w+)?}", template)))
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == set(in_path), (method, template, declared, in_path)
            schema = (op.get("responses", {}).get("200", {}).get("content", {})
                      .get("application/json", {}).get("schema", {}))
            ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
            out.append(Operation(method.upper(), template, in_path,
                                 tuple(p["name"] for p in params if p["in"] == "query"),
                                 "requestBody" in op, ref.rsplit("/", 1)[-1] if ref else None))
    return out


def path_param(op: Operation, name: str) -> Param:
    best: tuple[int, Param] | None = None
    for (method, prefix, pname), param in PATH_OVERRIDES.items():
        if pname == name and method in ("*", op.method) and op.template.startswith(prefix):
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), param)
    if best is not None:
        return best[1]
    if name in PATH_PARAMS:
        return PATH_PARAMS[name]
    raise LookupError(f"{op}: no value for path parameter {{{name}}}: add it to PATH_PARAMS or PATH_OVERRIDES")


def hidden_in_path(op: Operation) -> set[str]:
    return {h for n in op.path_params if (h := path_param(op, n).hidden)}


def bodies(op: Operation) -> list[Body] | None:
    """The bodies a write is run with, or None when the matrix does not run it (EXCLUDED)."""
    if op.key in WRITE_BODIES:
        return WRITE_BODIES[op.key]
    if op.key in EXCLUDED:
        return None
    if hidden_in_path(op) and not op.has_body:
        return [Body(lambda v, c: {})]
    raise LookupError(f"{op}: a write the matrix does not know: give it WRITE_BODIES (it can reach a story) "
                      "or an EXCLUDED reason")


# ---- calls ------------------------------------------------------------------------------------------

@dataclass
class Call:
    label: str
    op: Operation
    method: str
    path: str
    kwargs: dict[str, Any]
    hidden: dict[int, str] = field(default_factory=dict)  # private id value → kind, as used in the call
    control: Call | None = None  # the same call naming missing ids instead
    base: bool = False  # the plain call: every path id designates the subject's objects
    paged: bool = False


def build(op: Operation, ctx: Ctx, body: Body | None = None, *, subst: dict[str, int] | None = None,
          query: dict[str, Any] | None = None, label: str = "") -> Call:
    subst = subst or {}
    values: dict[str, Any] = {}
    hidden: dict[int, str] = {}

    def use(name: str, param: Param) -> Any:
        value = param.value(ctx)
        if param.hidden:
            value = subst.get(param.hidden, value)
            hidden[value] = param.hidden
        values[name] = value
        return value

    for name in op.path_params:
        use(name, path_param(op, name))
    for kind in body.uses if body else ():
        use(kind, PATH_PARAMS[kind])
    path = op.template
    for name in op.path_params:
        path = path.replace(f"{{{name}}}", str(values[name]))
    kwargs = body.make(values, ctx) if body else {}
    if query:
        q = dict(query)
        for name, kind in QUERY_HIDDEN.items():
            if name in q:
                q[name] = subst.get(kind, q[name])
                hidden[q[name]] = kind
        kwargs = {**kwargs, "params": {**kwargs.get("params", {}), **q}}
    return Call(label or str(op), op, op.method, path, kwargs, hidden)


def with_controls(op: Operation, ctx: Ctx, body: Body | None = None, query: dict[str, Any] | None = None,
                  label: str = "") -> list[Call]:
    """The call, and when it names private objects, its control naming missing ones; plus the mixed
    variant (a public story in the path, the subject's other objects after it) with its control."""
    call = build(op, ctx, body, query=query, label=label)
    kinds = set(call.hidden.values())
    if not kinds:
        return [call]
    call.control = build(op, ctx, body, query=query, subst={k: MISSING[k] for k in kinds})
    calls = [call]
    if "story_id" in hidden_in_path(op) and len(hidden_in_path(op)) > 1:
        public = {"story_id": ctx.world.public_story_id}
        mixed = build(op, ctx, body, query=query, subst=public, label=f"{label or op} [public story in path]")
        mixed.hidden = {v: k for v, k in mixed.hidden.items() if k != "story_id"}
        mixed.control = build(op, ctx, body, query=query, subst={**public, **{
            k: MISSING[k] for k in kinds if k != "story_id"}})
        calls.append(mixed)
    return calls


def read_calls(ops: Iterable[Operation], ctx: Ctx, *, variants: bool = True) -> list[Call]:
    """Every GET: the plain call (with its controls), and unless `variants` is false, one call per
    filled query parameter value and a one-row page. Operations with a private object in the path
    get no variants: the object is looked up (404) before any filter applies."""
    calls = []
    for op in ops:
        if op.method != "GET":
            continue
        first = with_controls(op, ctx)
        first[0].base = True
        calls += first
        if "token" in op.query_params and ctx.caller is not None:
            # The feeds' token channel: the same read as the persona's feed token, without the header.
            by_token = with_controls(op, ctx, query={"token": ctx.world.feed_tokens[ctx.caller.id]},
                                     label=f"{op} {FEED_TOKEN}")
            by_token[0].base = True
            calls += by_token
        if not variants or hidden_in_path(op):
            continue
        for name in op.query_params:
            for value in QUERY_PARAMS[name](ctx) if name in QUERY_PARAMS else ():
                calls += with_controls(op, ctx, query={name: value}, label=f"{op}?{name}=…")
        if "limit" in op.query_params:
            paged = build(op, ctx, query={"limit": 1}, label=f"{op}?limit=1")
            paged.paged = True
            calls.append(paged)
    return calls


def write_calls(op: Operation, ctx: Ctx) -> list[Call]:
    calls = []
    for i, body in enumerate(bodies(op) or ()):
        calls += with_controls(op, ctx, body, label=f"{op} #{i}")
    return calls


FEED_TOKEN = "[feed token]"


class Sender:
    """Sends calls as one persona; reads are cached (the same request for several subjects is sent once).
    A call with a `token` parameter (a feed token) goes without the persona's Authorization header."""

    def __init__(self, client: TestClient, who: Persona | None) -> None:
        self.client, self.who, self.cache = client, who, {}  # type: ignore[var-annotated]

    def __call__(self, call: Call) -> Any:
        key = (call.method, call.path, json.dumps(call.kwargs, sort_keys=True))
        if call.method == "GET" and key in self.cache:
            return self.cache[key]
        headers = self.who.headers if self.who is not None else {}
        if "token" in call.kwargs.get("params", {}):
            headers = {}
        r = self.client.request(call.method, call.path, headers=headers, follow_redirects=False, **call.kwargs)
        if call.method == "GET":
            self.cache[key] = r
        return r


# ---- what a response reveals ------------------------------------------------------------------------

def revealed(data: Any, s: Subject) -> list[str]:
    """Where a JSON document lists an object of the subject (JSON text inside strings included)."""
    found: list[str] = []

    def walk(x: Any, where: str) -> None:
        if isinstance(x, dict):
            if x.get("story_id") == s.story_id:
                found.append(f"{where}.story_id")
            if "story_type_id" in x and x.get("id") == s.story_id:
                found.append(f"{where} (the story)")
            if "project_id" in x and "story_id" in x and x.get("id") == s.task_id:
                found.append(f"{where} (its task)")
            if "sha256" in x and x.get("id") in s.attachment_ids:
                found.append(f"{where} (its attachment)")
            if x.get("attachment_id") in s.attachment_ids:
                found.append(f"{where}.attachment_id")
            if x.get("comment_id") in s.comment_ids:
                found.append(f"{where}.comment_id")
            if "is_active" in x and "content" in x and "comment_id" not in x and x.get("id") in s.comment_ids:
                found.append(f"{where} (its comment)")
            if "event_type" in x and "subscriber_id" not in x and x.get("id") in s.event_ids:
                found.append(f"{where} (its event)")
            if "subscriber_id" in x and x.get("id") in s.inbox_ids:
                found.append(f"{where} (an inbox row about it)")
            if (x.get("target_type"), x.get("target_id")) in (("story", s.story_id), ("task", s.task_id)):
                found.append(f"{where} (a subscription to it)")
            if (x.get("item_type"), x.get("item_id")) in (("story", s.story_id), ("task", s.task_id)):
                found.append(f"{where} (a worklist card or due-date item of it)")
            for k, v in x.items():
                walk(v, f"{where}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{where}[{i}]")
        elif isinstance(x, str) and x[:1] in "{[":
            try:
                walk(json.loads(x), where)
            except ValueError:
                pass

    walk(data, "$")
    return found


def normalised(text: str, ids: Iterable[int]) -> str:
    ids = sorted({str(i) for i in ids}, key=len, reverse=True)
    return re.sub(rf"(?<!\w)(?:{'|'.join(ids)})(?!\w)", "<id>", text) if ids else text


def body_of(r: Any) -> Any:
    try:
        return r.json()
    except ValueError:
        return None


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, call: Call, check: str, detail: str) -> None:
        if not ok and (str(call.op), check) not in KNOWN_LEAKS:
            self.problems.append(f"{call.label} [{call.path}] {check}: {detail}")


def check_content(f: Findings, call: Call, r: Any, invisible: list[Subject]) -> None:
    """Nothing of the subjects `invisible` in the answer: no secret, no object of theirs listed."""
    text, data = r.text, body_of(r)
    for s in invisible:
        for name, word in s.secrets.items():
            f.check(word not in text, call, f"secret:{name}", f"{r.status_code} contains the {name} ({word})")
        where = revealed(data, s)
        f.check(not where, call, "listed", f"{r.status_code} lists {where[:3]}")


def check_like_missing(f: Findings, send: Sender, call: Call, r: Any, *, write: bool) -> None:
    """A call naming objects of a subject the caller must not see: refused (writes) or 404 (single
    objects), and answered exactly like the same call naming missing ids (ids aside)."""
    text = r.text
    if write:
        f.check(r.status_code in (400, 401, 403, 404), call, "refused", f"answered {r.status_code}: {text[:200]}")
    elif call.base and set(call.hidden.values()) & hidden_in_path(call.op):
        f.check(r.status_code == 404, call, "404", f"answered {r.status_code}: {text[:200]}")
    if call.control is not None:
        c = send(call.control)
        mine = normalised(text, call.hidden)
        theirs = normalised(c.text, call.control.hidden)
        f.check((r.status_code, mine, r.headers.get("x-total")) == (c.status_code, theirs, c.headers.get("x-total")),
                call, "like-missing",
                f"{r.status_code} {mine[:160]!r} (X-Total {r.headers.get('x-total')}) but for missing ids "
                f"{c.status_code} {theirs[:160]!r} (X-Total {c.headers.get('x-total')})")


def card_positions(data: Any) -> dict[int, list[int]]:
    """The `list_position` of every worklist card in an answer, by list (cards nest in boards)."""
    found: dict[int, list[int]] = {}

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if "list_position" in x and "list_id" in x and "item_type" in x:
                found.setdefault(x["list_id"], []).append(x["list_position"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(data)
    return found


def check_any(f: Findings, call: Call, r: Any, world: World, who_sees: Callable[[Subject], bool]) -> None:
    """Checks for every persona: no server error, counts that match the rows, tag popularity."""
    f.check(r.status_code < 500, call, "5xx", r.text[:200])
    data = body_of(r)
    total = r.headers.get("x-total")
    if isinstance(data, list) and total is not None:
        if call.paged:
            f.check(len(data) == min(1, int(total)), call, "paged", f"X-Total {total} but {len(data)} rows")
        elif "limit" not in call.kwargs.get("params", {}):
            f.check(int(total) == len(data), call, "X-Total", f"X-Total {total} but {len(data)} rows")
    for list_id, ranks in card_positions(data).items():
        f.check(sorted(ranks) == list(range(len(ranks))) or set(ranks) == {0}, call, "positions",
                f"cards of list {list_id} at {sorted(ranks)}: a gap shows where an invisible card stands")
    for item in data if isinstance(data, list) else [data]:
        if isinstance(item, dict) and item.get("name") == world.shared_tag and "popularity" in item:
            expected = 1 + sum(who_sees(s) for s in world.subjects)
            f.check(item["popularity"] == expected, call, "popularity",
                    f"shared tag popularity {item['popularity']}, expected {expected}")


# ---- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(fresh_app: Any) -> Any:
    with TestClient(fresh_app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def world(fresh_app: Any, client: TestClient) -> World:
    return World(fresh_app, client).arrange()


@pytest.fixture(scope="module")
def ops(client: TestClient) -> list[Operation]:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return operations(r.json())


@pytest.fixture()
def phase(request: pytest.FixtureRequest, world: World) -> str:
    """The phase a matrix test runs in (they run in PHASES order: the world only moves forward)."""
    world.advance_to(request.param)
    return request.param


def sees(world: World, role: str) -> Callable[[Subject], bool]:
    return lambda s: ROLES[role].sees(s.kind, world.phase)


# ---- tests ------------------------------------------------------------------------------------------

def test_every_operation_is_covered(world: World, ops: list[Operation]) -> None:
    """Every path parameter has a value, every write is run or excluded with a reason, nothing stale."""
    assert len(ops) > 80
    problems = []
    ctx = Ctx(world, world.subjects[0], world.owner, "GET")
    for op in ops:
        try:
            for name in op.path_params:
                path_param(op, name).value(replace(ctx, method=op.method))
            if op.method != "GET":
                chosen = bodies(op)
                if chosen == [] or (op.has_body and chosen and op.key not in WRITE_BODIES):
                    problems.append(f"{op}: takes a body: give it WRITE_BODIES or an EXCLUDED reason")
        except LookupError as exc:
            problems.append(str(exc))
    for key, reason in EXCLUDED.items():
        if not reason or key in WRITE_BODIES:
            problems.append(f"{key}: excluded without a reason, or both excluded and run")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("phase", "role"), matrix_pairs(), indirect=["phase"])
def test_matrix(world: World, ops: list[Operation], phase: str, role: str, client: TestClient) -> None:
    """Every read, then every write, as one persona in one phase."""
    problems = list(dict.fromkeys(read_problems(world, ops, role, client) + write_problems(world, ops, role, client)))
    assert not problems, "\n".join(problems)


def read_problems(world: World, ops: list[Operation], role: str, client: TestClient) -> list[str]:
    who = world.personas[role]
    visible = sees(world, role)
    invisible = [s for s in world.subjects if not visible(s)]
    f = Findings()
    send = Sender(client, who)
    for s in world.subjects:
        texts: list[str] = []
        listed: set[str] = set()
        # People on the list make the plain calls only: enough for the positive controls below.
        for call in read_calls(ops, Ctx(world, s, who, "GET"), variants=not visible(s)):
            r = send(call)
            check_any(f, call, r, world, visible)
            check_content(f, call, r, invisible)
            if not visible(s):
                check_like_missing(f, send, call, r, write=False)
            else:
                texts.append(r.text)
                if revealed(body_of(r), s):
                    listed.add(str(call.op))
                if call.base and call.hidden:
                    f.check(r.status_code == 200, call, "seen", f"{r.status_code} for a persona on the list")
                if call.base and call.hidden and call.label.endswith(FEED_TOKEN):
                    # The story's own feed, read through the persona's feed token, shows the story.
                    f.check(s.secrets["title"] in r.text, call, "seen", "the feed token's story feed lacks the title")
        if visible(s):
            # Positive controls: the secrets are there to be found, and the id checks do find the story.
            joined = "\n".join(texts)
            f.problems += [f"{role} never reads the {k} of the {s.kind} story"
                           for k, v in s.secrets.items() if v not in joined]
            expected = {"GET /v1/stories", "GET /v1/tasks", "GET /v1/events", "GET /v1/stories/{story_id}/comments",
                        "GET /v1/stories/{story_id}/events", "GET /v1/worklists/{worklist_id}/items",
                        "GET /v1/stories/{story_id}/attachments", "GET /v1/stories/{story_id}/attachments/{attachment_id}",
                        "GET /v1/due_dates/{due_date_id}", "GET /v1/boards/{board_id}",
                        "GET /preview/stories/{story_id}/changes", "GET /preview/tasks/{task_id}/changes"}
            f.problems += [f"{role} is never shown the {s.kind} story by {x}" for x in sorted(expected - listed)]
    return f.problems


def write_problems(world: World, ops: list[Operation], role: str, client: TestClient) -> list[str]:
    who = world.personas[role]
    visible = sees(world, role)
    invisible = [s for s in world.subjects if not visible(s)]
    f = Findings()
    send = Sender(client, who)
    for s in world.subjects:
        before = world.snapshot(s)
        if visible(s):
            # Positive control: the write path itself is open to people on the list.
            r = world.call("PUT", f"/v1/stories/{s.story_id}", who, json={})
            if r.status_code != 200 or world.snapshot(s) != before:
                f.problems.append(f"{role} on the list: PUT {{}} answered {r.status_code} or changed the story")
            continue
        for op in ops:
            if op.method == "GET":
                continue
            calls = write_calls(op, Ctx(world, s, who, op.method))
            for call in calls:
                r = send(call)
                check_any(f, call, r, world, visible)
                check_content(f, call, r, invisible)
                check_like_missing(f, send, call, r, write=True)
        # Refused writes changed nothing the reporter can read (one snapshot for all of them: a write
        # that was not refused is reported above by its own status).
        after = world.snapshot(s)
        f.problems += [f"{role}'s refused writes changed {k}: {before[k]} → {after[k]}"
                       for k in before if before[k] != after[k]]
    return f.problems
