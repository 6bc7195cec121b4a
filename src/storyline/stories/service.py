"""Writes on stories, their access lists and tags. Services flush; the request commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, bindparam, case, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from storyline.authz import Viewer, can_see_story, get_story, require_superuser, require_user
from storyline.db import insert_missing, utcnow
from storyline.errors import BadRequest, Forbidden, NotFound
from storyline.notifications.follow import follow_mentioned
from storyline.projects.models import Branch, Project, touch_projects
from storyline.schemas import id_refs
from storyline.search import index as search_index
from storyline.security import service as security
from storyline.security.service import SecurityPolicy
from storyline.sqltools import table_of
from storyline.stories.models import TASK_STATUSES, Story, StoryTag, Tag, Task, story_projects
from storyline.subscriptions.models import Subscription
from storyline.timeline import emit
from storyline.users.models import Team, User

# The policy of callers that pass none (tests, the CLI): no VMT, the default embargo.
DEFAULT_POLICY = SecurityPolicy()

VALID_STORY_TYPES = {1, 2, 3, 4}
ALLOWED_TYPE_CHANGES = {(1, 4), (1, 2), (2, 1), (3, 4), (3, 1), (4, 1)}
RESTRICTED_TYPE = 2


def _check_exist(session: Session, model: Any, ids: list[int], field: str) -> None:
    if not ids:
        return
    found = set(session.execute(select(model.id).where(model.id.in_(ids))).scalars())
    missing = [i for i in ids if i not in found]
    if missing:
        raise BadRequest(f"Unknown id {missing[0]} in {field}", field=field)


def _acl_input(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Validated visibility input: access-list ids checked to exist, before anything is written."""
    out: dict[str, Any] = {k: data[k] for k in ("private", "security", "information_type", "embargo_until",
                                                "disclosure_at") if k in data}
    for field, model in (("users", User), ("teams", Team)):
        if data.get(field) is not None:
            ids = sorted(id_refs(field, data[field]))
            _check_exist(session, model, ids, field)
            out[field] = ids
    return out


def do_create_story(session: Session, viewer: Viewer, data: dict[str, Any],
                    policy: SecurityPolicy = DEFAULT_POLICY) -> Story:
    uid = require_user(viewer)
    if data.get("creator_id") not in (None, uid):
        raise BadRequest("creator_id must be the caller", field="creator_id")
    type_id = data.get("story_type_id", 1)
    if type_id in (3, 4):
        raise BadRequest(f"Now you can't add story with type {type_id}.", field="story_type_id")
    if type_id not in VALID_STORY_TYPES:
        raise BadRequest(f"Unknown story type {type_id}", field="story_type_id")
    visibility = _acl_input(session, {k: v for k, v in data.items() if v is not None})
    tags = list(dict.fromkeys(data.get("tags") or []))
    now = utcnow()
    story = Story(
        title=data["title"], description=data.get("description"), is_bug=data.get("is_bug", True),
        creator_id=uid, story_type_id=type_id, created_at=now,
    )
    session.add(story)
    session.flush()
    security.apply_visibility(session, story, uid, policy, visibility, creating=True)
    mentioned = follow_mentioned(session, story.id, story.description, uid)
    emit(session, "story_created", author_id=uid, story_id=story.id,
         info={"story_id": story.id, "story_title": story.title}, mentioned=mentioned)
    session.connection().execute(_FOLLOW_STORY, {"user_id": uid, "story_id": story.id, "now": now})
    if tags:
        do_add_tags(session, viewer, story, tags)  # writes the story's search document
    else:
        search_index.index_new_story(session, story.id, story.title, story.description)
    return story


# The creator follows a new story.
_FOLLOW_STORY = insert(table_of(Subscription)).values(user_id=bindparam("user_id"), target_type="story",
                                                      target_id=bindparam("story_id"), created_at=bindparam("now"))


def do_update_story(session: Session, viewer: Viewer, story: Story, changes: dict[str, Any],
                    policy: SecurityPolicy = DEFAULT_POLICY) -> Story:
    uid = require_user(viewer)
    if "creator_id" in changes and changes["creator_id"] not in (None, story.creator_id):
        raise BadRequest("creator_id cannot be changed", field="creator_id")
    type_id = changes.get("story_type_id")
    if type_id is not None and type_id != story.story_type_id:
        _check_type_change(session, story, type_id)
    visibility = _acl_input(session, {k: v for k, v in changes.items()
                                      if v is not None or k in ("embargo_until", "disclosure_at")})
    if not story.private and security.resolve_flags((False, story.security), visibility)[0]:
        if not security.may_restrict(session, uid, viewer.is_superuser, story, policy):
            raise Forbidden("Only the story's creator, the security teams of its projects, the vulnerability "
                            "management team or a superuser may make a public story private")

    duplicate = _duplicate_change(session, viewer, story, changes)

    changed = False
    new_description = None
    for key in ("title", "description", "is_bug"):
        if key in changes and (changes[key] is not None or key == "description"):
            if getattr(story, key) != changes[key]:
                setattr(story, key, changes[key])
                changed = True
                if key == "description":
                    new_description = changes[key]
    if type_id is not None and type_id != story.story_type_id:
        story.story_type_id = type_id
        changed = True
    if security.apply_visibility(session, story, uid, policy, visibility, creating=False):
        changed = True
    info: dict[str, Any] = {"story_id": story.id, "story_title": story.title}
    if duplicate is not None:
        info.update(_duplicate_info(session, story.duplicate_of, duplicate[0]))
        story.duplicate_of = duplicate[0]
        changed = True

    if changed:
        now = utcnow()
        story.updated_at = now
        if not story.private:  # a private story's changes must not show on its projects
            session.flush()
            conn = session.connection()
            conn.execute(_TOUCH_STORY_PROJECTS[conn.dialect.name == "sqlite"], {"story_id": story.id, "now": now})
        mentioned = follow_mentioned(session, story.id, new_description, uid)
        info["story_title"] = story.title
        emit(session, "story_details_changed", author_id=uid, story_id=story.id, info=info, mentioned=mentioned)
        search_index.index_story(session, story.id)
    session.flush()
    return story


def do_update_story_as(session: Session, viewer: Viewer, story_id: int, changes: dict[str, Any],
                       policy: SecurityPolicy = DEFAULT_POLICY) -> Story:
    """PUT /v1/stories/{id}: any signed-in user who may see the story (401 before the 404)."""
    require_user(viewer)
    return do_update_story(session, viewer, get_story(session, viewer, story_id), changes, policy)


def do_delete_story_as(session: Session, viewer: Viewer, story_id: int) -> None:
    """DELETE /v1/stories/{id}: superusers (401/403 before the 404), and only a story they may see."""
    require_superuser(viewer)
    do_delete_story(session, get_story(session, viewer, story_id))


def do_change_access_list(session: Session, viewer: Viewer, story_id: int, kind: str, item_id: int, *,
                          add: bool, policy: SecurityPolicy = DEFAULT_POLICY) -> User | Team:
    """Add a user or team to a private story's access list, or remove one (`kind` "users" or "teams";
    PUT/DELETE /v1/stories/{id}/users/{uid} and /teams/{tid}); returns the user or team.

    Anyone signed in who may see the story (401, then 404 for an invisible one). A public story has no
    list, an item already on it (or not on it) and the story's creator (who stays) are 400s naming
    `kind`; a missing user or team is a 404. The change is an ordinary story update
    (`do_update_story`: the same audit, events and checks as a PUT of the whole list)."""
    require_user(viewer)
    story = get_story(session, viewer, story_id)
    if not story.private:
        raise BadRequest(f"Story {story_id} is public: it has no access list", field=kind)
    item: User | Team | None = session.get(User, item_id) if kind == "users" else session.get(Team, item_id)
    if item is None:
        raise NotFound(f"{'User' if kind == 'users' else 'Team'} {item_id} not found")
    users, teams = security.access_list(session, story.id)
    current = users if kind == "users" else teams
    if add:
        if item_id in current:
            raise BadRequest(f"{item_id} is already on the access list", field=kind)
        current.append(item_id)
    else:
        if item_id not in current:
            raise BadRequest(f"{item_id} is not on the access list", field=kind)
        if kind == "users" and item_id == story.creator_id:
            raise BadRequest("The story's creator stays on its access list", field=kind)
        current.remove(item_id)
    do_update_story(session, viewer, story, {"users": users, "teams": teams}, policy)
    return item


def _duplicate_info(session: Session, old: int | None, new: int | None) -> dict[str, Any]:
    """The event's account of a duplicate mark: the stories' numbers only when they are public (everyone
    who sees this story's timeline sees the event; a private story's number is not theirs to know)."""
    ids = [i for i in (old, new) if i is not None]
    public = set(session.execute(select(Story.id).where(Story.id.in_(ids), Story.private.is_(False))).scalars())
    return {"duplicate_marked": new is not None, "duplicate_of": new if new in public else None,
            "old_duplicate_of": old if old in public else None}


# A chain of duplicates is followed this far at most when looking for a cycle.
MAX_DUPLICATE_CHAIN = 1000
_DUPLICATE_OF = select(Story.duplicate_of).where(Story.id == bindparam("story_id"))


def _duplicate_change(session: Session, viewer: Viewer, story: Story,
                      changes: dict[str, Any]) -> tuple[int | None] | None:
    """The new `duplicate_of` when the body changes it (checked: a story the caller can see, not this
    one, no cycle), as a 1-tuple; None when it does not change."""
    if "duplicate_of" not in changes or changes["duplicate_of"] == story.duplicate_of:
        return None
    target = changes["duplicate_of"]
    if target is None:
        return (None,)
    if target == story.id:
        raise BadRequest("A story cannot be a duplicate of itself", field="duplicate_of")
    if not can_see_story(session, viewer, target):  # missing and invisible alike
        raise BadRequest(f"Story {target} not found", field="duplicate_of")
    conn = session.connection()
    seen = {target}
    current: int | None = target
    for _ in range(MAX_DUPLICATE_CHAIN):
        current = conn.execute(_DUPLICATE_OF, {"story_id": current}).scalar()
        if current is None or current in seen:
            break
        if current == story.id:
            raise BadRequest(f"Story {target} is already (through its own duplicates) a duplicate of this "
                             "story: that would be a cycle", field="duplicate_of")
        seen.add(current)
    return (target,)


_TOUCH_STORY_PROJECTS = touch_projects(Project.id.in_(story_projects(bindparam("story_id"))))


def _check_type_change(session: Session, story: Story, type_id: int) -> None:
    if type_id not in VALID_STORY_TYPES:
        raise BadRequest(f"Unknown story type {type_id}", field="story_type_id")
    if type_id in (3, 4) or (story.story_type_id, type_id) not in ALLOWED_TYPE_CHANGES:
        raise BadRequest(f"The story type cannot change from {story.story_type_id} to {type_id}",
                         field="story_type_id")
    if type_id == RESTRICTED_TYPE:
        unrestricted = session.execute(
            select(Task.id).join(Branch, Branch.id == Task.branch_id)
            .where(Task.story_id == story.id, Branch.restricted.is_(False)).limit(1)
        ).first()
        if unrestricted is not None:
            raise BadRequest("A task of this story is on an unrestricted branch", field="story_type_id")


def _drop_private_orphans(session: Session, story: Story, tag_ids: list[int]) -> None:
    """A tag that was private with a private story (tag_visible) must not become public when it leaves
    that story: a tag left on no story by a private story goes with it."""
    if not story.private or not tag_ids:
        return
    session.flush()
    session.execute(delete(Tag).where(Tag.id.in_(tag_ids), ~exists().where(StoryTag.tag_id == Tag.id)))


def do_delete_story(session: Session, story: Story) -> None:
    tag_ids = list(session.execute(select(StoryTag.tag_id).where(StoryTag.story_id == story.id)).scalars())
    task_ids = list(session.execute(select(Task.id).where(Task.story_id == story.id)).scalars())
    for tid in task_ids:
        search_index.remove(session, "task", tid)
    search_index.remove(session, "story", story.id)
    session.execute(delete(Subscription).where(Subscription.target_type == "story",
                                               Subscription.target_id == story.id))
    if task_ids:
        session.execute(delete(Subscription).where(Subscription.target_type == "task",
                                                   Subscription.target_id.in_(task_ids)))
    session.delete(story)
    session.flush()
    _drop_private_orphans(session, story, tag_ids)


# refresh_status's statement, built once and run on the session's connection (building an ORM
# statement and its cache key, and the ORM's update of the session's objects, cost several times
# what running it does): the story's tasks counted by status and the story's row set from the counts,
# in one UPDATE ... FROM, which returns what it set. The counts are read by this statement's snapshot:
# on PostgreSQL the caller has locked the story's row by then (task_service._touch), so that a task
# write committed before the lock is counted.
_COUNTS = select(bindparam("sid", type_=Integer).label("story_id"),
                 *(func.count().filter(Task.status == k).label(k) for k in TASK_STATUSES)).where(
    Task.story_id == bindparam("sid")).subquery("task_counts")
_DERIVED_STATUS = case(
    (_COUNTS.c.todo + _COUNTS.c.inprogress + _COUNTS.c.review > 0, "active"),
    (_COUNTS.c.merged > 0, "merged"),
    else_="invalid")
_STATUS_VALUES: dict[str, Any] = {"status": _DERIVED_STATUS, **{f"count_{k}": _COUNTS.c[k] for k in TASK_STATUSES}}
_STATUS_RETURNED = [table_of(Story).c[key] for key in _STATUS_VALUES]
_SET_STATUS = (update(table_of(Story)).where(Story.id == _COUNTS.c.story_id).values(_STATUS_VALUES)
               .returning(*_STATUS_RETURNED))
_SET_STATUS_TOUCHED = (update(table_of(Story)).where(Story.id == _COUNTS.c.story_id)
                       .values({**_STATUS_VALUES, "updated_at": bindparam("updated_at")})
                       .returning(*_STATUS_RETURNED))


def refresh_status(session: Session, story_ids: set[int] | list[int], now: Any = None) -> None:
    """Recompute the stored status and per-status task counts of the given stories (and, given `now`,
    set their updated_at to it in the same statement): one statement per story."""
    session.flush()
    conn = session.connection()
    for sid in sorted(set(story_ids)):
        if now is None:
            row = conn.execute(_SET_STATUS, {"sid": sid}).first()
        else:
            row = conn.execute(_SET_STATUS_TOUCHED, {"sid": sid, "updated_at": now}).first()
        if row is None:
            continue  # no such story (deleted in this transaction)
        # A Story object of this session shows the new values, as the ORM's UPDATE would have made it.
        story = session.identity_map.get(identity_key(Story, sid))
        if story is not None:
            for key, value in zip(_STATUS_VALUES, row, strict=True):
                set_committed_value(story, key, value)
            if now is not None:
                set_committed_value(story, "updated_at", now)


def _get_or_create_tags(session: Session, names: list[str]) -> list[Tag]:
    for name in names:
        if not name or len(name) > 50:
            raise BadRequest(f"Invalid tag name '{name[:60]}': 1 to 50 characters", field="tags")
    existing = {t.name: t for t in session.execute(select(Tag).where(Tag.name.in_(names))).scalars()}
    missing = [n for n in dict.fromkeys(names) if n not in existing]
    if missing:
        session.flush()
        now = utcnow()
        insert_missing(session, Tag.__table__, [{"name": n, "created_at": now} for n in missing], ["name"])
        existing.update((t.name, t) for t in session.execute(select(Tag).where(Tag.name.in_(missing))).scalars())
    return [existing[n] for n in names]


def do_create_tag(session: Session, name: str) -> Tag:
    if session.execute(select(Tag.id).where(Tag.name == name)).first() is not None:
        raise BadRequest(f"Tag '{name}' already exists", field="tag_name")
    return _get_or_create_tags(session, [name])[0]


# The tag writes' statements, built once, run on the session's connection.
_TAG_IDS = select(Tag.name, Tag.id).where(Tag.name.in_(bindparam("names", expanding=True)))
_NEW_TAG = {sqlite: dialect_insert(table_of(Tag)).values(name=bindparam("name"), created_at=bindparam("created_at"))
            .on_conflict_do_nothing(index_elements=["name"])
            for sqlite, dialect_insert in ((True, sqlite_insert), (False, postgresql_insert))}
_STORY_TAG_IDS = select(StoryTag.tag_id).where(StoryTag.story_id == bindparam("story_id"))
_ADD_STORY_TAG = insert(table_of(StoryTag)).values(story_id=bindparam("story_id"), tag_id=bindparam("tag_id"))
_STORY_TAGS_NAMED = (select(Tag.name, Tag.id).join(StoryTag, StoryTag.tag_id == Tag.id)
                     .where(StoryTag.story_id == bindparam("story_id"),
                            Tag.name.in_(bindparam("names", expanding=True))))
_REMOVE_STORY_TAGS = delete(table_of(StoryTag)).where(StoryTag.story_id == bindparam("story_id"),
                                                      StoryTag.tag_id.in_(bindparam("tag_ids", expanding=True)))
_TOUCH_STORY = update(table_of(Story)).where(Story.id == bindparam("story_id")).values(updated_at=bindparam("now"))


def _touch_story(session: Session, story: Story) -> None:
    """The story's updated_at, now (the object shows it, as after the ORM's UPDATE)."""
    now = utcnow()
    session.connection().execute(_TOUCH_STORY, {"story_id": story.id, "now": now})
    set_committed_value(story, "updated_at", now)


def _tag_ids(session: Session, names: list[str]) -> list[tuple[str, int]]:
    """(name, id) of each tag named, in order, the missing ones created (as _get_or_create_tags)."""
    for name in names:
        if not name or len(name) > 50:
            raise BadRequest(f"Invalid tag name '{name[:60]}': 1 to 50 characters", field="tags")
    session.flush()
    conn = session.connection()
    existing = dict(conn.execute(_TAG_IDS, {"names": names}).all())
    missing = [n for n in dict.fromkeys(names) if n not in existing]
    if missing:
        # Another request may create the same tag at once: the loser of the race reuses its row.
        now = utcnow()
        conn.execute(_NEW_TAG[conn.dialect.name == "sqlite"], [{"name": n, "created_at": now} for n in missing])
        existing.update(conn.execute(_TAG_IDS, {"names": missing}).all())
    return [(n, existing[n]) for n in names]


def do_add_tags(session: Session, viewer: Viewer, story: Story, names: list[str]) -> Story:
    uid = require_user(viewer)
    names = list(dict.fromkeys(names))
    if not names:
        raise BadRequest("No tags given", field="tags")
    tags = _tag_ids(session, names)
    conn = session.connection()
    present = set(conn.execute(_STORY_TAG_IDS, {"story_id": story.id}).scalars())
    for name, tag_id in tags:
        if tag_id in present:
            raise BadRequest(f"The story already has the tag '{name}'", field="tags")
    conn.execute(_ADD_STORY_TAG, [{"story_id": story.id, "tag_id": tag_id} for _, tag_id in tags])
    _touch_story(session, story)
    emit(session, "tags_added", author_id=uid, story_id=story.id,
         info={"story_id": story.id, "author_id": uid, "story_title": story.title, "tags": names})
    search_index.index_story(session, story.id)
    return story


def do_remove_tags(session: Session, viewer: Viewer, story: Story, names: list[str]) -> None:
    uid = require_user(viewer)
    names = list(dict.fromkeys(names))
    if not names:
        raise BadRequest("No tags given", field="tags")
    session.flush()
    conn = session.connection()
    rows = dict(conn.execute(_STORY_TAGS_NAMED, {"story_id": story.id, "names": names}).all())
    missing = [n for n in names if n not in rows]
    if missing:
        raise NotFound(f"The story has no tag '{missing[0]}'")
    conn.execute(_REMOVE_STORY_TAGS, {"story_id": story.id, "tag_ids": list(rows.values())})
    _drop_private_orphans(session, story, list(rows.values()))
    _touch_story(session, story)
    emit(session, "tags_deleted", author_id=uid, story_id=story.id,
         info={"story_id": story.id, "author_id": uid, "story_title": story.title, "tags": names})
    search_index.index_story(session, story.id)
