"""Timeline events and their fan-out to subscribers' inboxes, in the writer's transaction.

Its own package, used by stories, planning, security and attachments: the one place where every
change becomes an event, and so where notifications (e-mail, feeds, webhooks) attach, through the
outbox.

Recipients: subscribers of the story, of the task concerned, of the projects with a task in the
story and of the groups of those projects, minus the author, filtered by the visibility rule.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, and_, bindparam, exists, func, insert, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from storyline import outbox
from storyline.authz import story_visible_to_user_column, users_who_can_see_story
from storyline.db import utcnow
from storyline.notifications.mail import queue_event_mail, queue_planning_mail
from storyline.planning.access import users_who_can_see_board, users_who_can_see_worklist
from storyline.planning.models import BoardLane
from storyline.projects.models import ProjectGroupMember
from storyline.sqltools import table_of
from storyline.stories.models import Comment, Event, Story, story_projects
from storyline.subscriptions.models import Subscription, SubscriptionEvent
from storyline.timeline.types import (
    ATTACHMENT_EVENT_TYPES,
    EVENT_TYPES,
    SECURITY_EVENT_TYPES,
    STORY_EVENT_TYPES,
    WORKLIST_EVENT_TYPES,
)
from storyline.webhooks.delivery import hooked, queue_event_hooks

_INSERT_EVENT = insert(table_of(Event)).values(
    {c: bindparam(c) for c in ("event_type", "event_info", "story_id", "worklist_id", "board_id", "author_id",
                               "comment_id", "created_at", "updated_at")}).returning(Event.id)


def emit(
    session: Session,
    event_type: str,
    *,
    author_id: int | None,
    story_id: int | None = None,
    info: dict[str, Any] | None = None,
    comment: Comment | None = None,
    task_id: int | None = None,
    worklist_id: int | None = None,
    board_id: int | None = None,
    story: Story | None = None,
    mentioned: list[int] | None = None,
) -> Event:
    """Record an event and fan it out to subscribers' inboxes.

    A worklist or board event may carry `story_id` (an item whose story is private): the event is then
    visible only with that story, and it goes to the worklist's subscribers, not the story's.
    `mentioned`: the people the event's text mentions (they were made followers; their e-mail says why).
    """
    story_event = story_id is not None and worklist_id is None and board_id is None
    if session.new or story_event:
        # The rows the event refers to (a new story or comment) first; for a story event, what
        # _notify asks at the event (its followers, the story's projects) too.
        session.flush()
    values = {
        "event_type": event_type,
        "event_info": json.dumps(info) if info is not None else None,
        "story_id": story_id,
        "worklist_id": worklist_id,
        "board_id": board_id,
        "author_id": author_id,
        "comment_id": comment.id if comment is not None else None,
        "created_at": utcnow(),
        "updated_at": None,
    }
    # A prebuilt INSERT rather than the ORM's flush (a third of the cost); the event is then put in the
    # session as the persistent object of that row, so a caller may still change it (an import's
    # created_at) and the change is flushed.
    conn = session.connection()
    at_event: tuple[Any, ...] | None = None
    if story_event and story_id is not None and conn.dialect.name != "sqlite":
        # PostgreSQL: the event's row and what _notify asks at the event in one statement (one round
        # trip fewer for every story event; SQLite has no INSERT in a WITH, nor round trips).
        row = conn.execute(_INSERT_EVENT_AT[task_id is not None],
                           dict(values, **_at_event_keys(story_id, author_id, task_id))).one()
        event_id, at_event = row[0], tuple(row[1:])
    else:
        event_id = conn.execute(_INSERT_EVENT, values).scalar_one()
    event = Event(id=event_id, **values)
    make_transient_to_detached(event)
    session.add(event)
    if worklist_id is not None:
        _notify_worklist(session, event, worklist_id, story_id)
    elif board_id is not None and story_id is None:
        _notify_board(session, event, board_id)
    elif story_id is not None and board_id is None:
        _notify(session, event, story_id, task_id, comment, story, mentioned, at_event)
    return event


_LANE_OF = select(BoardLane.board_id).where(BoardLane.list_id == bindparam("worklist_id"))
# The followers of a worklist and of the board it is a lane of (a list is the lane of one board at
# most), each with that board's id; a NULL board_id matches no row.
_WORKLIST_FOLLOWERS = select(Subscription.user_id, _LANE_OF.scalar_subquery()).where(or_(
    and_(Subscription.target_type == "worklist", Subscription.target_id == bindparam("worklist_id")),
    and_(Subscription.target_type == "board", Subscription.target_id == _LANE_OF.scalar_subquery())))


def _notify_worklist(session: Session, event: Event, worklist_id: int, story_id: int | None) -> None:
    """Subscribers of the worklist, and of the board it is a lane of, who may see it (and the story of
    the item concerned, if any)."""
    rows = session.execute(_WORKLIST_FOLLOWERS, {"worklist_id": worklist_id}).all()
    subscribers = {row[0] for row in rows}  # (with none, no one is told and the board's id is not needed)
    board_id = rows[0][1] if rows else None
    if event.author_id is not None:
        subscribers.discard(event.author_id)
    recipients = users_who_can_see_worklist(session, worklist_id, subscribers)
    if story_id is not None:
        recipients = users_who_can_see_story(session, story_id, recipients)
    session.add_all(
        SubscriptionEvent(subscriber_id=uid, author_id=event.author_id, event_type=event.event_type,
                          event_info=event.event_info, story_id=story_id)
        for uid in sorted(recipients)
    )
    queue_planning_mail(session, event, sorted(recipients), worklist_id=worklist_id, board_id=board_id,
                        story_id=story_id)


def _notify_board(session: Session, event: Event, board_id: int) -> None:
    """Subscribers of the board who may see it: its details, lanes and permissions changed."""
    subscribers = set(session.execute(select(Subscription.user_id).where(
        Subscription.target_type == "board", Subscription.target_id == board_id)).scalars())
    if event.author_id is not None:
        subscribers.discard(event.author_id)
    recipients = sorted(users_who_can_see_board(session, board_id, subscribers))
    session.add_all(
        SubscriptionEvent(subscriber_id=uid, author_id=event.author_id, event_type=event.event_type,
                          event_info=event.event_info, story_id=None)
        for uid in recipients
    )
    queue_planning_mail(session, event, recipients, board_id=board_id)


def _followers(with_task: bool) -> Any:
    """The subscriptions that make someone a follower of a story event: to the story, to one of its
    projects or of their groups, or to the task concerned; not the author's own (bound parameters
    `story_id`, `author_id`, `task_id`)."""
    story_id = bindparam("story_id", type_=Integer)
    project_ids = story_projects(story_id)
    group_ids = select(ProjectGroupMember.project_group_id).where(
        ProjectGroupMember.project_id.in_(project_ids))
    targets = [
        and_(Subscription.target_type == "story", Subscription.target_id == story_id),
        and_(Subscription.target_type == "project", Subscription.target_id.in_(project_ids)),
        and_(Subscription.target_type == "project_group", Subscription.target_id.in_(group_ids)),
    ]
    if with_task:
        targets.append(and_(Subscription.target_type == "task", Subscription.target_id == bindparam("task_id")))
    author = bindparam("author_id", type_=Integer)
    return and_(or_(*targets), or_(author.is_(None), Subscription.user_id != author))


def _fan_out(with_task: bool) -> Any:
    """INSERT ... SELECT of the inbox rows of a story event, built once with every value bound: the
    story's followers, who may see the story (the one visibility rule, for the subscriber's column).
    The database writes a thousand rows for a thousand followers; Python does the same work for one."""
    story_id = bindparam("story_id", type_=Integer)
    recipients = (
        select(Subscription.user_id, bindparam("author_id", type_=Integer), bindparam("event_type", type_=String),
               bindparam("event_info", type_=Text), story_id, bindparam("created_at", type_=DateTime))
        .join(Story, Story.id == story_id)
        .where(_followers(with_task),
               Subscription.id <= bindparam("last_subscription_id", type_=Integer),
               story_visible_to_user_column(Story, Subscription.user_id))
        .group_by(Subscription.user_id)
        .order_by(Subscription.user_id)
    )
    columns = ["subscriber_id", "author_id", "event_type", "event_info", "story_id", "created_at"]
    return insert(table_of(SubscriptionEvent)).from_select(columns, recipients).returning(
        SubscriptionEvent.subscriber_id)


_FAN_OUT = {False: _fan_out(False), True: _fan_out(True)}


def _followed(with_task: bool) -> Any:
    """Whether anyone but the author follows a story event: the subscriptions of `_followers`, asked as
    one EXISTS per kind, each an index lookup (subscriptions by target; the story's tasks, their
    projects' groups). One EXISTS with IN-subqueries under an OR made the database build the lists
    and look through the subscriptions each time (as webhooks.delivery.hooked says)."""
    story_id = bindparam("story_id", type_=Integer)
    author = bindparam("author_id", type_=Integer)
    not_author = or_(author.is_(None), Subscription.user_id != author)
    # Nested, so that the database starts from the story's few projects (story_projects: one index seek
    # each, however many tasks) and their groups, and looks each one up in the subscriptions' index,
    # never the other way round.
    projects = story_projects(story_id).subquery("projects")
    checks = [
        exists().where(Subscription.target_type == "story", Subscription.target_id == story_id, not_author),
        exists().select_from(projects).where(exists().where(
            Subscription.target_type == "project", Subscription.target_id == projects.c.project_id, not_author)),
        exists().select_from(projects).where(exists().where(
            ProjectGroupMember.project_id == projects.c.project_id, exists().where(
                Subscription.target_type == "project_group",
                Subscription.target_id == ProjectGroupMember.project_group_id, not_author))),
    ]
    if with_task:
        checks.append(exists().where(Subscription.target_type == "task",
                                     Subscription.target_id == bindparam("task_id", type_=Integer), not_author))
    return or_(*checks)


# At the event: the newest subscription (the followers are those up to it), whether the event has
# any follower at all, and whether an active webhook covers the story. Without either there is nothing
# to deliver and no outbox row is written.
def _at_event(with_task: bool) -> list[Any]:
    return [select(func.max(Subscription.id)).scalar_subquery(), _followed(with_task), hooked()]


_AT_EVENT = {with_task: select(*_at_event(with_task)) for with_task in (False, True)}
# The same with the event's INSERT (PostgreSQL: an INSERT in a WITH): (event id, *_AT_EVENT's columns).
_NEW_EVENT = _INSERT_EVENT.cte("new_event")
_INSERT_EVENT_AT = {with_task: select(_NEW_EVENT.c.id, *_at_event(with_task)).select_from(_NEW_EVENT)
                    for with_task in (False, True)}


def _at_event_keys(story_id: int, author_id: int | None, task_id: int | None) -> dict[str, Any]:
    keys: dict[str, Any] = {"story_id": story_id, "author_id": author_id}
    if task_id is not None:
        keys["task_id"] = task_id
    return keys


def _notify(session: Session, event: Event, story_id: int, task_id: int | None,
            comment: Comment | None, story: Story | None = None, mentioned: list[int] | None = None,
            at_event: tuple[Any, ...] | None = None) -> None:
    """The inbox rows of the event's recipients, written after the commit (outbox kind "inbox"): the
    write costs one row however many people follow the story, and none when nobody follows it.
    `at_event`: _AT_EVENT's answer when emit had it with the event's INSERT."""
    # The followers at the time of the event: someone who subscribes before the delivery runs is not
    # told about what happened before they followed.
    keys = _at_event_keys(story_id, event.author_id, task_id)
    if at_event is None:
        session.flush()
        at_event = tuple(session.connection().execute(_AT_EVENT[task_id is not None], keys).one())
    last, followed, hooks = at_event
    if not followed and not hooks:
        return
    if comment is not None:
        title = story.title if story is not None else session.execute(
            select(Story.title).where(Story.id == story_id)).scalar_one()
        info: str | None = json.dumps({"comment_id": comment.id, "comment_content": comment.content,
                                       "story_id": story_id, "story_title": title})
    else:
        info = event.event_info
    values: dict[str, Any] = dict(keys, event_type=event.event_type, event_info=info, event_id=event.id,
                                  created_at=utcnow().isoformat(), last_subscription_id=last or 0)
    if mentioned:
        values["mentioned"] = mentioned
    outbox.enqueue(session, "inbox", values)


def _deliver_inbox(session: Session, values: dict[str, Any]) -> None:
    """One INSERT ... SELECT of the inbox rows, then the e-mails of those recipients who want one now.
    The visibility rule is applied now, at delivery: someone taken off a private story's list in
    between gets nothing (and it is applied again when each e-mail is sent)."""
    row = dict(values, created_at=dt.datetime.fromisoformat(values["created_at"]))
    row.setdefault("last_subscription_id", 2**31 - 1)
    row.pop("event_id", None)
    row.pop("mentioned", None)
    recipients = list(session.connection().execute(_FAN_OUT["task_id" in row], row).scalars())
    queue_event_mail(session, values, recipients)
    queue_event_hooks(session, values)  # the webhooks whose owners may see the story


outbox.HANDLERS["inbox"] = _deliver_inbox
# A few events of one story delivered in one transaction write their followers' inbox pages once.
outbox.GROUPED["inbox"] = (4, "story_id")

__all__ = ["ATTACHMENT_EVENT_TYPES", "EVENT_TYPES", "SECURITY_EVENT_TYPES", "STORY_EVENT_TYPES", "WORKLIST_EVENT_TYPES",
           "emit"]
