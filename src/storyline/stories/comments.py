"""Writes on comments: post (as a timeline event), edit (keeping history), soft delete."""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, literal_column, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from storyline.authz import Viewer, get_story, require_superuser, require_user
from storyline.db import utcnow
from storyline.errors import BadRequest, Forbidden, NotFound
from storyline.notifications.follow import follow_as_participant, follow_mentioned, participant_follows
from storyline.search import index as search_index
from storyline.sqltools import table_of
from storyline.stories.models import Comment, CommentHistory, Event, Story
from storyline.timeline import emit


def get_comment(session: Session, story: Story, comment_id: int) -> Comment:
    """A comment of `story` (already checked visible); 404 when it belongs elsewhere."""
    comment = session.execute(
        select(Comment).where(Comment.id == comment_id, Comment.story_id == story.id)
    ).scalar_one_or_none()
    if comment is None:
        raise NotFound(f"Comment {comment_id} not found")
    return comment


_COMMENT_COLUMNS = ("content", "is_active", "in_reply_to", "story_id", "author_id", "created_at", "updated_at")
_INSERT_COMMENT = insert(table_of(Comment)).values({c: bindparam(c) for c in _COMMENT_COLUMNS}).returning(Comment.id)
_TOUCH_STORY = update(table_of(Story)).where(Story.id == bindparam("story_id")).values(updated_at=bindparam("now"))
# PostgreSQL: the comment's row, the story's updated_at, the comment's words in the story's document and
# its author following the story, one statement (INSERTs and UPDATEs in a WITH): (the comment's id, 1
# when the document had a row). Its parameters are named new_<column>: SQLAlchemy makes an UPDATE set
# every column its parameters name.
# The story's row is locked before its document's, as every other writer of both does (a story's edit,
# its tags): the document's UPDATE names its row through the story's UPDATE, so the database runs that
# one first (the parts of a WITH otherwise run in no set order, and two orders deadlock).
_NEW_COMMENT = insert(table_of(Comment)).values(
    {c: bindparam(f"new_{c}") for c in _COMMENT_COLUMNS}).returning(Comment.id).cte("new_comment")
_TOUCHED = (update(table_of(Story)).where(Story.id == bindparam("new_story_id"))
            .values(updated_at=bindparam("new_created_at")).returning(Story.id).cte("touched_story"))
_INDEXED = search_index.appended_to_story(select(_TOUCHED.c.id).scalar_subquery(), bindparam("new_content")).returning(
    literal_column("id")).cte("indexed")
_POST_COMMENT = (select(_NEW_COMMENT.c.id, select(func.count()).select_from(_INDEXED).scalar_subquery())
                 .select_from(_NEW_COMMENT)
                 .add_cte(participant_follows("new_author_id", "new_story_id", "new_created_at").cte("followed")))


def do_post_comment(session: Session, viewer: Viewer, story: Story, content: str,
                    in_reply_to: int | None) -> Event:
    return post_comment(session, viewer, story, content, in_reply_to)[0]


def post_comment(session: Session, viewer: Viewer, story: Story, content: str,
                 in_reply_to: int | None) -> tuple[Event, Comment]:
    """do_post_comment, with the new comment (its answer shows it without reading it again)."""
    uid = require_user(viewer)
    if not content.strip():
        raise BadRequest("A comment cannot be empty", field="content")
    if in_reply_to is not None:
        parent = session.execute(select(Comment.id).where(
            Comment.id == in_reply_to, Comment.story_id == story.id)).first()
        if parent is None:
            raise BadRequest(f"Comment {in_reply_to} is not a comment of this story", field="in_reply_to")
    now = utcnow()
    # Prebuilt INSERT and UPDATE rather than the ORM's flush; the comment is then the session's
    # persistent object of its row, and the story object shows its new updated_at.
    values = {"content": content, "is_active": True, "in_reply_to": in_reply_to, "story_id": story.id,
              "author_id": uid, "created_at": now, "updated_at": None}
    session.flush()
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        comment_id, indexed = conn.execute(_INSERT_COMMENT, values).scalar_one(), False
        conn.execute(_TOUCH_STORY, {"story_id": story.id, "now": now})
        follow_as_participant(session, story.id, uid)
    else:
        comment_id, indexed = conn.execute(_POST_COMMENT, {f"new_{k}": v for k, v in values.items()}).one()
    comment = Comment(id=comment_id, **values)
    make_transient_to_detached(comment)
    session.add(comment)
    set_committed_value(story, "updated_at", now)
    mentioned = follow_mentioned(session, story.id, content, uid)
    event = emit(session, "user_comment", author_id=uid, story_id=story.id, comment=comment, story=story,
                 mentioned=mentioned)
    if not indexed:  # SQLite, or a story without a document yet (index_story writes it whole)
        search_index.append_to_story(session, story.id, content)
    return event, comment


def do_edit_comment(session: Session, viewer: Viewer, comment: Comment, content: str) -> Comment:
    uid = require_user(viewer)
    if comment.author_id != uid:
        raise Forbidden("Only the author may edit a comment")
    if not comment.is_active:
        raise BadRequest("A deleted comment cannot be edited")
    if not content.strip():
        raise BadRequest("A comment cannot be empty", field="content")
    if content != comment.content:
        session.add(CommentHistory(comment_id=comment.id, content=comment.content,
                                   created_at=comment.updated_at or comment.created_at))
        comment.content = content
        comment.updated_at = utcnow()
        session.flush()
        follow_mentioned(session, comment.story_id, content, uid)
        search_index.index_story(session, comment.story_id)
    return comment


def do_post_comment_as(session: Session, viewer: Viewer, story_id: int, content: str,
                       in_reply_to: int | None) -> tuple[Event, Comment]:
    """POST /v1/stories/{id}/comments: signed in (401 before the 404), on a story the caller may see."""
    require_user(viewer)
    return post_comment(session, viewer, get_story(session, viewer, story_id), content, in_reply_to)


def do_edit_comment_as(session: Session, viewer: Viewer, story_id: int, comment_id: int, content: str) -> Comment:
    """PUT: the comment's author (403 for anyone else), on a story the caller may see."""
    require_user(viewer)
    story = get_story(session, viewer, story_id)
    return do_edit_comment(session, viewer, get_comment(session, story, comment_id), content)


def do_delete_comment_as(session: Session, viewer: Viewer, story_id: int, comment_id: int) -> None:
    """DELETE: superusers (401/403 before the 404), on a story they may see."""
    require_superuser(viewer)
    story = get_story(session, viewer, story_id)
    do_delete_comment(session, get_comment(session, story, comment_id))


def do_delete_comment(session: Session, comment: Comment) -> None:
    comment.is_active = False
    comment.updated_at = utcnow()
    session.flush()
    search_index.index_story(session, comment.story_id)


def history(session: Session, comment: Comment) -> list[CommentHistory]:
    return list(session.execute(
        select(CommentHistory).where(CommentHistory.comment_id == comment.id).order_by(CommentHistory.id)
    ).scalars())
