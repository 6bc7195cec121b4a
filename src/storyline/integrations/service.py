"""What an event does: the rules of docs/integrations.md, applied as the source's bot user.

Every task write goes through the task service (`do_create_task`, `do_update_task`), so timeline
events, the story's status, notifications and the visibility rule apply as for a person; comments go
through the comment service. The bot sees what its user may see: a story it cannot see is left alone
and nothing about it is said anywhere (the outcome reads like a missing id's).

Ordering: each linked change keeps the time the source gave its state (`state_at`); an event older
than that, or any event but a merge after the change merged, moves nothing. The integration never
moves a merged task to another status.

Cost (issue 14): the integration's own rows (changes, links, the delivery's outcome) are read and
written with prebuilt Core statements; what an event looks up by name (its source, the repository's
project, the project's rules and branches, a user by e-mail) is kept for the delivering transaction
(`outbox.batch_cache`: the outbox does several events per transaction, and forgets the cache when
one of them is rolled back).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, literal, or_, select, union_all, update
from sqlalchemy.orm import Session

from storyline.authz import Viewer, get_story
from storyline.errors import NotFound, StorylineError
from storyline.integrations import footers
from storyline.integrations.models import (
    ChangeLink,
    IntegrationSource,
    ProjectRules,
    RepositoryMapping,
    ReviewChange,
)
from storyline.integrations.rules import DEFAULTS
from storyline.integrations.sources import ProjectRef, Source
from storyline.outbox import batch_cache
from storyline.projects import service as projects_service
from storyline.projects.models import Branch, Project
from storyline.sqltools import like_pattern, table_of
from storyline.stories import comments, queries, task_service
from storyline.stories.models import Story, Task
from storyline.users.models import User

UPLOADS = ("upload", "restore", "ready")
_STATE = {"upload": "open", "restore": "open", "merge": "merged", "abandon": "abandoned"}
_VERB = {"merge": "merged", "abandon": "abandoned", "restore": "restored"}


@dataclass
class Target:
    story_id: int
    task: Task | None
    relation: str  # task | story | closes | partial | related
    move: bool


@dataclass
class Change:
    """A `review_changes` row, read and written with prebuilt Core statements (`id` None: not yet
    inserted)."""

    id: int | None
    source_id: int
    key: str
    repository: str
    number: int | None
    title: str
    url: str | None
    branch: str | None
    state: str
    wip: bool
    patchset: int | None
    owner_name: str | None
    owner_username: str | None
    votes: str | None
    ci: str | None
    state_at: dt.datetime | None
    votes_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class BranchRef:
    id: int
    name: str


@dataclass
class Link:
    id: int
    story_id: int
    task_id: int | None
    relation: str
    previous_status: str | None


_FIELDS = ("id", "source_id", "key", "repository", "number", "title", "url", "branch", "state", "wip", "patchset",
           "owner_name", "owner_username", "votes", "ci", "state_at", "votes_at", "created_at", "updated_at")
_WRITTEN = _FIELDS[1:]
_CHANGE = select(*(getattr(ReviewChange, f) for f in _FIELDS)).where(
    ReviewChange.source_id == bindparam("source_id"), ReviewChange.key == bindparam("key"))
_CHANGE_EXISTS = select(literal(1)).where(ReviewChange.source_id == bindparam("source_id"),
                                          ReviewChange.key == bindparam("key"))
_INSERT_CHANGE = insert(table_of(ReviewChange)).values(
    {f: bindparam(f) for f in _WRITTEN}).returning(ReviewChange.id)
_UPDATE_CHANGE = update(table_of(ReviewChange)).where(ReviewChange.id == bindparam("change_id")).values(
    {f: bindparam(f) for f in _WRITTEN if f not in ("source_id", "key", "created_at")})
# The change and its links in one statement (a row per link; the link's columns NULL when it has none).
_CHANGE_AND_LINKS = (select(*(getattr(ReviewChange, f) for f in _FIELDS), ChangeLink.id, ChangeLink.story_id,
                            ChangeLink.task_id, ChangeLink.relation, ChangeLink.previous_status)
                     .outerjoin(ChangeLink, ChangeLink.change_id == ReviewChange.id)
                     .where(ReviewChange.source_id == bindparam("source_id"), ReviewChange.key == bindparam("key"))
                     .order_by(ChangeLink.id))
_INSERT_LINK = insert(table_of(ChangeLink)).values(
    {f: bindparam(f) for f in ("change_id", "story_id", "task_id", "relation", "previous_status", "created_at")}
).returning(ChangeLink.id)
_RELATION = update(table_of(ChangeLink)).where(ChangeLink.id == bindparam("link_id")).values(
    relation=bindparam("relation"))
_SOURCE = select(IntegrationSource.id, IntegrationSource.name, IntegrationSource.kind, IntegrationSource.origin,
                 IntegrationSource.secret_hash, IntegrationSource.secret, IntegrationSource.bot_user_id
                 ).where(IntegrationSource.id == bindparam("source_id"))


def source_by_id(session: Session, source_id: int) -> Source | None:
    """A source (kept for the delivering transaction), or None when it was removed."""
    cache = batch_cache(session)
    key = ("integration-source", source_id)
    if key not in cache:
        row = session.connection().execute(_SOURCE, {"source_id": source_id}).first()
        cache[key] = Source(*row) if row is not None else None
    found: Source | None = cache[key]
    return found


def _project_and_rules() -> Any:
    """The project a repository maps to (as sources.project_id_for says: an explicit mapping, else the
    first project whose repo_url names the repository, else the project of the same name) and its
    stored rules, in one statement."""
    repository: Any = bindparam("repository")
    ranked = union_all(
        select(RepositoryMapping.project_id.label("project_id"), literal(1).label("rank"))
        .where(RepositoryMapping.repository == repository),
        select(Project.id, literal(2)).where(or_(*(func.lower(Project.repo_url).like(bindparam(name), escape="\\")
                                                   for name in ("bare", "git", "slash")))),
        select(Project.id, literal(3)).where(Project.name == repository)).subquery()
    return (select(Project.id, Project.name, Project.autocreate_branches, ProjectRules.rules)
            .join(ranked, ranked.c.project_id == Project.id)
            .outerjoin(ProjectRules, ProjectRules.project_id == Project.id)
            .order_by(ranked.c.rank, Project.id).limit(1))


_PROJECT_AND_RULES = _project_and_rules()


def _project(session: Session, repository: str | None) -> tuple[ProjectRef, dict[str, Any]] | None:
    """The repository's project and its rules (kept for the delivering transaction)."""
    if not repository:
        return None
    cache = batch_cache(session)
    key = ("integration-project", repository)
    if key not in cache:
        tail = like_pattern(repository)[1:-1]  # escaped, without the surrounding %
        row = session.connection().execute(_PROJECT_AND_RULES, {
            "repository": repository, "bare": "%/" + tail, "git": "%/" + tail + ".git", "slash": "%/" + tail + "/"
        }).first()
        cache[key] = None if row is None else (ProjectRef(row[0], row[1], bool(row[2])),
                                               {**DEFAULTS, **(json.loads(row[3]) if row[3] else {})})
    found: tuple[ProjectRef, dict[str, Any]] | None = cache[key]
    return None if found is None else (found[0], dict(found[1]))


def _when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None, microsecond=0)


def apply(session: Session, source: Source, ev: dict[str, Any], received: float) -> str:
    """Apply one normalized event (integrations/events.py); a line saying what it did."""
    action = ev["action"]
    if action == "ignore":
        return f"ignored: nothing to do on {ev['type']}"
    viewer = Viewer(user_id=source.bot_user_id)  # its own rights: never a superuser's
    at = _when(ev.get("at") or received)
    if action == "ci":
        row = _change_row(session, source.id, (ev.get("change") or {}).get("key"))
        if row is None:
            return "ignored: CI result of a change no story refers to"
        if row.votes_at is None or at >= row.votes_at:
            row.ci, row.votes_at, row.updated_at = ev["ci"], at, _when(received)
            _save_change(session, row)
        return f"change {row.key}: CI {ev['ci']}"
    if action == "votes" and ev.get("change"):
        # Votes on a change already linked: its row only (the links were made when it was proposed).
        row = _change_row(session, source.id, ev["change"]["key"])
        if row is not None:
            _update_change(row, ev, ev["change"], at, _when(received))
            _save_change(session, row)
            return f"change {row.key}: votes"
    found = _project(session, ev.get("repository"))
    if found is None:
        return f"ignored: repository {ev.get('repository')!r} maps to no project"
    project, rules = found
    if action == "branch":
        return _branch_created(session, project, ev.get("branch"), rules)
    if action == "push":
        notes = []
        for commit in ev["commits"]:
            title = (commit["message"].strip().splitlines() or [""])[0][:255]
            change = {"key": commit["id"], "number": None, "title": title, "url": commit.get("url"), "owner": None,
                      "patchset": None, "wip": False, "private": False}
            sub = dict(ev, action="merge", change=change, message=commit["message"])
            if footers.parse(commit["message"], forge=True):
                notes.append(_apply_change(session, source, viewer, project, rules, sub, at, received, push=True))
        return "; ".join(notes) or "no references"
    return _apply_change(session, source, viewer, project, rules, ev, at, received)


def work_of(ev: dict[str, Any]) -> bool | str:
    """Whether an event can change anything, as far as the event tells: True when it names a story or
    a task, False when it cannot, else the key of its change: it has work when some story already
    refers to that change (a vote, a CI result, a merge), which the database answers (receive.py asks
    in the delivery's INSERT). Most changes name none: their events are recorded and answered without
    queueing any work."""
    action = ev["action"]
    if action == "ignore":
        return False
    if action == "branch":
        return True
    if action == "push":
        return any(footers.parse(c["message"], forge=True) for c in ev["commits"])
    change = ev.get("change") or {}
    if action != "ci" and footers.parse(ev.get("message"), forge=ev["kind"] != "gerrit"):
        return True
    key: str | None = change.get("key")
    return key[:255] if key else False


def has_work(session: Session, source: Source, ev: dict[str, Any]) -> bool:
    """work_of, the change's links asked with a statement of their own."""
    work = work_of(ev)
    if not isinstance(work, str):
        return work
    return session.connection().execute(_CHANGE_EXISTS, {"source_id": source.id, "key": work}).first() is not None


def _branch_created(session: Session, project: ProjectRef, name: str | None, rules: dict[str, Any]) -> str:
    if not name or not project.autocreate_branches or not rules["branch_tasks"]:
        return f"ignored: branch {name!r} created in the repository"
    if _find_branch(session, project.id, name) is not None:
        return f"branch {name} exists"
    _create_branch(session, project, name[:100])
    return f"branch {name} created in project {project.name}"


def _change_row(session: Session, source_id: int, key: str | None) -> Change | None:
    if not key:
        return None
    row = session.connection().execute(_CHANGE, {"source_id": source_id, "key": key[:255]}).first()
    return Change(*row) if row is not None else None


def _save_change(session: Session, row: Change) -> None:
    values = {f: getattr(row, f) for f in _WRITTEN}
    if row.id is None:
        row.id = session.connection().execute(_INSERT_CHANGE, values).scalar_one()
    else:
        session.connection().execute(_UPDATE_CHANGE, {"change_id": row.id, **values})


def _apply_change(session: Session, source: Source, viewer: Viewer, project: ProjectRef, rules: dict[str, Any],
                  ev: dict[str, Any], at: dt.datetime, received: float, push: bool = False) -> str:
    change = ev.get("change")
    action = ev["action"]
    if not change:
        return f"ignored: {ev['type']} names no change"
    if change.get("private"):
        return "ignored: a private change (linked once it is no longer private)"
    refs = footers.parse(ev.get("message"), forge=ev["kind"] != "gerrit")
    found = session.connection().execute(_CHANGE_AND_LINKS, {"source_id": source.id, "key": change["key"][:255]}).all()
    if not refs and not found:
        return "no references"
    now = _when(received)
    links: dict[tuple[int, int | None], Link] = {}
    if not found:
        row = Change(None, source.id, change["key"][:255], (ev.get("repository") or "")[:255], change.get("number"),
                     (change.get("title") or "")[:255], None, None, "open", False, None, None, None, None, None, None,
                     None, now, None)
    else:
        width = len(_FIELDS)
        row = Change(*found[0][:width])
        links = {(link.story_id, link.task_id): link for link in (
            Link(*r[width:]) for r in found if r[width] is not None)}
    stale = _update_change(row, ev, change, at, now)
    _save_change(session, row)
    if refs:
        targets, notes = _targets(session, viewer, project, ev, refs, rules, create=not stale and action != "votes",
                                  push=push)
    else:  # an event without the message (some versions, some events): the change's links say where it acts
        targets, notes = _linked_targets(session, viewer, list(links.values())), []
    if stale:
        notes.append("older than what is known of the change: nothing moved")
    moving = not stale and action in (*UPLOADS, "merge", "abandon")
    told: set[int] = set()
    assert row.id is not None
    for target in targets:
        link, new_link = _link(session, row.id, links, target, now)
        if moving and target.task is not None and target.move:
            note = _move(session, viewer, row, link, target, action, rules, change)
            if note:
                notes.append(note)
        if rules["comments"] and target.story_id not in told and (
                (new_link and action != "votes") or (moving and action in _VERB)):
            told.add(target.story_id)
            _comment(session, viewer, target.story_id, row, ev, action if not new_link or action in _VERB else "link")
    session.flush()
    linked = ", ".join(f"task {t.task.id}" if t.task is not None else f"story {t.story_id}" for t in targets)
    head = f"change {row.key} ({row.state})" + (f" linked to {linked}" if linked else "")
    return "; ".join([head, *notes])


def _update_change(row: Change, ev: dict[str, Any], change: dict[str, Any], at: dt.datetime,
                   now: dt.datetime) -> bool:
    """Bring the change row up to date with the event; whether the event is stale (older than the
    change's known state, or anything but a merge after the merge)."""
    action = ev["action"]
    state_moving = action in (*UPLOADS, "merge", "abandon", "wip")
    stale = state_moving and row.state_at is not None and (
        at < row.state_at or (row.state == "merged" and action != "merge"))
    if not stale:
        for attr, value in (("title", change.get("title")), ("url", change.get("url")), ("branch", ev.get("branch"))):
            if value:
                setattr(row, attr, value[:255] if attr != "url" else value)
        owner = change.get("owner") or {}
        if owner.get("name") or owner.get("username"):
            row.owner_name, row.owner_username = owner.get("name"), owner.get("username")
        patchset = change.get("patchset")
        if patchset is not None and (row.patchset is None or patchset > row.patchset):
            if row.patchset is not None:
                row.votes, row.ci = None, None  # a new patch set: votes and CI start again
            row.patchset = patchset
        if state_moving:
            if action in _STATE:
                row.state = _STATE[action]
            row.wip = bool(change.get("wip")) if action != "ready" else False
            if action == "wip":
                row.wip = True
            row.state_at = at
    votes = ev.get("votes")
    if votes and (row.votes_at is None or at >= row.votes_at):
        current: dict[str, dict[str, int]] = json.loads(row.votes) if row.votes else {}
        for label, by in votes.items():
            current.setdefault(label, {}).update(by)
            current[label] = {voter: v for voter, v in current[label].items() if v != 0}
        current = {label: by for label, by in current.items() if by}
        row.votes = json.dumps(current, sort_keys=True) if current else None
        verified = list(current.get("Verified", {}).values())
        row.ci = "failed" if any(v < 0 for v in verified) else "passed" if any(v > 0 for v in verified) else None
        row.votes_at = at
    row.updated_at = now
    return stale


# ---- targets --------------------------------------------------------------------------------------

_BRANCH = select(Branch.id, Branch.name).where(Branch.project_id == bindparam("project_id"),
                                               Branch.name == bindparam("name"))


def _find_branch(session: Session, project_id: int, name: str) -> BranchRef | None:
    """A project's branch by name (kept for the delivering transaction once found)."""
    cache = batch_cache(session)
    key = ("integration-branch", project_id, name)
    found: BranchRef | None = cache.get(key)
    if found is None:
        row = session.connection().execute(_BRANCH, {"project_id": project_id, "name": name}).first()
        if row is not None:
            found = cache[key] = BranchRef(row[0], row[1])
    return found


def _create_branch(session: Session, project: ProjectRef, name: str) -> BranchRef:
    branch = projects_service.do_create_branch(session, {"name": name, "project_id": project.id,
                                                         "autocreated": True})
    found = batch_cache(session)[("integration-branch", project.id, name)] = BranchRef(branch.id, branch.name)
    return found


def _branch(session: Session, project: ProjectRef, ev: dict[str, Any], rules: dict[str, Any], create: bool,
            push: bool) -> BranchRef | None:
    """The project's branch of the change: the same name; the repository's default branch (main,
    master) is the project's master; another one is created when the project auto-creates branches."""
    name = ev.get("branch") or "master"
    branch = _find_branch(session, project.id, name[:100])
    if branch is not None:
        return branch
    if name in ("master", "main") or name == ev.get("default_branch"):
        return _find_branch(session, project.id, "master")
    if create and not push and project.autocreate_branches and rules["branch_tasks"] and len(name) <= 100:
        try:
            return _create_branch(session, project, name)
        except StorylineError:
            return None
    return None


def _story_task(session: Session, story_id: int, project_id: int, branch_id: int) -> Task | None:
    """The story's task on the project and branch: an open one first, then the oldest."""
    closed = case((Task.status.in_(("merged", "invalid")), 1), else_=0)
    return session.execute(select(Task).where(Task.story_id == story_id, Task.project_id == project_id,
                                              Task.branch_id == branch_id).order_by(closed, Task.id).limit(1)
                           ).scalar_one_or_none()


def _new_task(session: Session, viewer: Viewer, story_id: int, project: ProjectRef, branch: BranchRef, title: str,
              notes: list[str]) -> Task | None:
    try:
        task = task_service.do_create_task(session, viewer, {
            "story_id": story_id, "project_id": project.id, "branch_id": branch.id, "title": title[:255] or "Task",
            "status": "todo"})
    except StorylineError as exc:
        notes.append(f"story {story_id}: no task created on {project.name} {branch.name}: {exc.message}")
        return None
    notes.append(f"task {task.id} created on {project.name} {branch.name}")
    return task


def _targets(session: Session, viewer: Viewer, project: ProjectRef, ev: dict[str, Any], refs: footers.References,
             rules: dict[str, Any], *, create: bool, push: bool) -> tuple[list[Target], list[str]]:
    notes: list[str] = []
    found: dict[tuple[int, int | None], Target] = {}
    branch = _branch(session, project, ev, rules, create, push) if refs else None
    done: set[int] = set()
    for task_id in refs.tasks:
        try:
            task = queries.get_task(session, viewer, task_id)
        except NotFound:
            notes.append(f"task {task_id}: not found")
            continue
        if task.project_id != project.id:
            notes.append(f"task {task_id}: on another project than repository {ev.get('repository')}")
            continue
        done.add(task.story_id)
        target = task
        if branch is not None and task.branch_id != branch.id:
            other = _story_task(session, task.story_id, project.id, branch.id)
            if other is None and create and rules["branch_tasks"] and project.autocreate_branches:
                other = _new_task(session, viewer, task.story_id, project, branch, task.title, notes)
            if other is None:
                found[(task.story_id, task.id)] = Target(task.story_id, task, "task", move=False)
                notes.append(f"task {task_id}: the change is on branch {branch.name}, which has no task of its story")
                continue
            target = other
        found[(task.story_id, target.id)] = Target(task.story_id, target, "task", move=branch is not None)
    for story_id, relation in refs.stories.items():
        if story_id in done:
            continue
        try:
            story = get_story(session, viewer, story_id)
        except NotFound:
            notes.append(f"story {story_id}: not found")
            continue
        done.add(story_id)
        story_task = _story_task(session, story_id, project.id, branch.id) if branch is not None else None
        if story_task is None and relation != "related" and branch is not None and create and rules["story_creates_task"]:
            story_task = _new_task(session, viewer, story_id, project, branch, story.title, notes)
        found[(story_id, story_task.id if story_task else None)] = Target(
            story_id, story_task, relation, move=relation != "related" and story_task is not None)
    return list(found.values()), notes


def _linked_targets(session: Session, viewer: Viewer, links: list[Link]) -> list[Target]:
    targets = []
    for link in links:
        try:
            story = get_story(session, viewer, link.story_id)  # the bot may have lost access since
        except NotFound:
            continue
        task = session.get(Task, link.task_id) if link.task_id is not None else None
        targets.append(Target(story.id, task, link.relation, move=task is not None and link.relation != "related"))
    return targets


# ---- links, moves, comments -------------------------------------------------------------------------

def _link(session: Session, change_id: int, links: dict[tuple[int, int | None], Link], target: Target,
          now: dt.datetime) -> tuple[Link, bool]:
    """The change's link to the target (`links`: the change's links, by story and task), made when
    there is none; whether it is new."""
    task_id = target.task.id if target.task is not None else None
    link = links.get((target.story_id, task_id))
    if link is not None:
        if link.relation != target.relation and target.relation != "related":
            link.relation = target.relation
            session.connection().execute(_RELATION, {"link_id": link.id, "relation": link.relation})
        return link, False
    previous = target.task.status if target.task is not None else None
    if target.task is not None:
        session.flush()  # a task created for the target (its row first)
    link_id = session.connection().execute(_INSERT_LINK, {
        "change_id": change_id, "story_id": target.story_id, "task_id": task_id, "relation": target.relation,
        "previous_status": previous, "created_at": now}).scalar_one()
    link = links[(target.story_id, task_id)] = Link(link_id, target.story_id, task_id, target.relation, previous)
    return link, True


_OTHER_OPEN = (select(func.count()).select_from(ChangeLink)
               .join(ReviewChange, and_(ReviewChange.id == ChangeLink.change_id, ReviewChange.state == "open"))
               .where(ChangeLink.task_id == bindparam("task_id"), ChangeLink.change_id != bindparam("change_id")))


_USER_BY_EMAIL = select(User.id).where(func.lower(User.email) == bindparam("email"))


def _owner_id(session: Session, owner: dict[str, Any] | None) -> int | None:
    email = (owner or {}).get("email")
    if not email:
        return None
    cache = batch_cache(session)
    key = ("integration-user", email.lower())
    if key not in cache:
        cache[key] = session.connection().execute(_USER_BY_EMAIL, {"email": email.lower()}).scalar_one_or_none()
    found: int | None = cache[key]
    return found


def _move(session: Session, viewer: Viewer, row: Change, link: Link, target: Target, action: str,
          rules: dict[str, Any], change: dict[str, Any]) -> str | None:
    task = target.task
    assert task is not None
    if target.relation == "related" or not rules["move_tasks"]:
        return None
    status: str | None = None
    changes: dict[str, Any] = {}
    if action in UPLOADS:
        if row.wip and not rules["wip_moves"]:
            return f"task {task.id}: the change is work in progress, not moved"
        if task.status in ("todo", "inprogress") and task.status != rules["on_upload"]:
            status = rules["on_upload"]
        if rules["assign_owner"] and task.assignee_id is None:
            owner = _owner_id(session, change.get("owner"))
            if owner is not None:
                changes["assignee_id"] = owner
    elif action == "merge":
        if target.relation == "partial":
            status = "inprogress" if task.status in ("todo", "review") else None
        elif task.status != "merged":
            status = "merged"
    elif action == "abandon":
        back = link.previous_status or "todo"
        others = session.execute(_OTHER_OPEN, {"task_id": task.id, "change_id": row.id}).scalar_one()
        if task.status in ("review", rules["on_upload"]) and task.status != back and back != "merged" and not others:
            status = back
    if status is not None:
        changes["status"] = status
    if not changes:
        return None
    before = task.status
    try:
        task_service.do_update_task(session, viewer, task, changes)
    except StorylineError as exc:
        return f"task {task.id}: not changed: {exc.message}"
    said = [f"task {task.id} {before} → {status}"] if status else []
    if "assignee_id" in changes:
        said.append(f"task {task.id} assigned to user {changes['assignee_id']}")
    return "; ".join(said)


def _label(row: Change, kind: str) -> str:
    if row.number is None:
        return f"commit {row.key[:12]} in {row.repository}"
    if kind in ("github", "gitlab"):
        return f"{row.repository}{'#' if kind == 'github' else '!'}{row.number}"
    return f"{row.repository} change {row.number}"


def _comment(session: Session, viewer: Viewer, story_id: int, row: Change, ev: dict[str, Any],
             action: str) -> None:
    story = session.get(Story, story_id) or get_story(session, viewer, story_id)
    label = _label(row, ev["kind"])
    shown = f"[{label}]({row.url})" if row.url and row.url.startswith(("https://", "http://")) else label
    branch = f" on branch {row.branch}" if row.branch else ""
    who = f" by {ev['actor']}" if ev.get("actor") else ""
    if action == "link":
        verb = "merged" if row.state == "merged" else "proposed"
        if row.wip and row.state == "open":
            verb = "proposed (work in progress)"
        text = f"{shown} {verb}{branch}{who}: {row.title}"
    else:
        text = f"{shown} {_VERB[action]}{branch}{who}: {row.title}"
        if action == "abandon" and ev.get("reason"):
            text += f"\n\n> {ev['reason'][:500]}"
    try:
        comments.post_comment(session, viewer, story, text.replace("\x00", ""), None)
    except StorylineError:
        pass  # a comment the story refuses (none today) must not undo the status work


__all__ = ["Change", "apply", "has_work", "source_by_id", "work_of"]
