"""Writing fetched bugs: one transaction per batch of bugs, bulk statements (SQLAlchemy Core).

Nothing here waits on the network: a batch is written only once every byte of it has been fetched,
so SQLite's write lock is held for the time of the writes alone.

What a bug becomes (launchpad.md §6): a story whose id is the bug number (another id, recorded in
`import_refs`, when that id is taken by a story that is not this bug), its tasks on the imported
projects (series tasks on a branch named after the series), its comments (messages after the first,
which is the description) with their events, its subscribers' subscriptions and, for a private bug,
its access list: subscribers (people and teams), the reporter, the VMT and the projects' security
teams, written in the transaction that creates the story, which is private from its first row.

A second run skips bugs whose `date_last_updated` has not changed; a changed bug is brought up to
date: the story's fields, tasks and comments follow Launchpad, and what is missing is added (access
lists, subscriptions and tags are only ever added to).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from storyline.db import insert_missing, utcnow
from storyline.importers.common import (
    BatchTransactions,
    allocate_ids,
    describe,
    index_stories,
    insert_rows,
    put_documents,
    raise_sequence,
    update_rows,
)
from storyline.importers.launchpad import activity, mapping
from storyline.importers.launchpad.fetch import BugData, message_key
from storyline.importers.launchpad.people import FALLBACK, People
from storyline.importers.launchpad.records import SOURCE, ProjectTarget, Summary, add_refs, find_refs
from storyline.importers.models import ImportRef
from storyline.projects.models import Branch, Milestone
from storyline.security import service as security
from storyline.security.models import StoryAudit
from storyline.sqltools import table_of
from storyline.stories.models import TASK_STATUSES, Comment, Event, Story, StoryTag, StoryTeam, StoryUser, Tag, Task
from storyline.subscriptions.models import Subscription
from storyline.users.models import User

log = logging.getLogger("storyline.import")


class Writer(BatchTransactions):
    def __init__(self, factory: sessionmaker[Session], projects: dict[str, ProjectTarget], *,
                 vmt_team: str | None, dry_run: bool = False, attachments: bool = True,
                 path: Callable[[str], str] = lambda link: link, embargo_max_days: int = 90) -> None:
        super().__init__(factory, dry_run)
        self.projects = projects
        self.vmt_team = vmt_team
        self.embargo_days = embargo_max_days
        self.attachments = attachments
        self.path = path  # a link as a key (the part after the API root)
        self._analyzed_at = 0  # bugs written when the statistics were last brought up to date
        self._since_analyze = 0
        self._reset_caches()

    def _analyze(self, session: Session, batch_size: int) -> None:
        """PostgreSQL: fresh statistics for the tables the writer reads by key, each time they have about
        doubled. An import grows them from nothing faster than autovacuum looks, and without statistics the
        planner reads `import_refs` by (source, kind) alone and filters the keys: a scan of every imported
        message for each batch, slower with each batch."""
        if session.get_bind().dialect.name != "postgresql" or self.dry_run:
            return
        self._since_analyze += batch_size
        if self._since_analyze < max(self._analyzed_at, 100):
            return
        session.execute(text("ANALYZE import_refs, stories, tasks, comments, story_tags"))
        self._analyzed_at += self._since_analyze
        self._since_analyze = 0

    def _reset_caches(self) -> None:
        self.people = People()
        self.branches: dict[tuple[int, str], int] = {}
        self.milestones: dict[tuple[int, str], int] = {}

    # ---- the batch --------------------------------------------------------------------------------

    def write(self, batch: list[BugData]) -> Summary:
        """Write a batch in one transaction. When it fails, each bug is tried on its own, so the one
        that cannot be imported is named and the others are not held back by it."""
        if not batch:
            return Summary()
        try:
            return self._write_in_transaction(batch)
        except Exception as exc:
            self._reset_caches()
            if len(batch) == 1:
                bug = batch[0]
                log.debug("bug %s failed", bug.id, exc_info=True)
                summary = Summary()
                summary.errors.append((bug.id, bug.url, describe(exc)))
                return summary
        summary = Summary()
        for bug in batch:
            summary.merge(self.write([bug]))
        return summary

    def _write_in_transaction(self, batch: list[BugData]) -> Summary:
        summary = Summary()
        with self.transaction(on_rollback=self._reset_caches) as session:
            self._write(session, batch, summary)
        return summary

    def _write(self, session: Session, batch: list[BugData], summary: Summary) -> None:
        self._analyze(session, len(batch))
        people: dict[str, Any] = {}
        for bug in batch:
            people.update(bug.people)
        if any(mapping.person_name(b.bug.get("owner_link")) not in people for b in batch):
            people[FALLBACK.name] = FALLBACK  # the reporter of a bug whose owner Launchpad hides
        self.people.ensure(session, people, summary)
        refs = find_refs(session, "bug", [str(b.id) for b in batch])
        histories = self._histories_only(session, [b for b in batch if b.history_only], refs, summary)
        whole = [b for b in batch if not b.history_only]
        new = [b for b in whole if str(b.id) not in refs]
        story_ids = self._create_stories(session, new, summary) if new else {}
        story_ids.update({b.id: refs[str(b.id)][0] for b in whole if str(b.id) in refs})
        changed = [b for b in whole if str(b.id) in refs]
        if changed:
            self._update_stories(session, changed, story_ids, refs, summary)
        self._tags(session, whole, story_ids)
        self._tasks(session, whole, story_ids, summary)
        self._comments(session, whole, story_ids, summary)
        self._subscriptions_and_access(session, whole, story_ids, {b.id for b in new}, summary)
        if self.attachments:
            self._attachments(session, whole, story_ids, summary)
        _refresh_status(session, set(story_ids.values()))
        self._index(session, whole, story_ids, {b.id for b in new})
        story_ids.update(histories)
        self._activity(session, [b for b in batch if b.id in story_ids], story_ids, summary)

    def _histories_only(self, session: Session, bugs: list[BugData], refs: dict[str, tuple[int, str | None]],
                        summary: Summary) -> dict[int, int]:
        """The stories of unchanged bugs that get only their activity log (imported before the logs were):
        the story stays as it is, its history is added. A story deleted here is left deleted."""
        if not bugs:
            return {}
        wanted = {b.id: refs[str(b.id)][0] for b in bugs if str(b.id) in refs}
        there = set(session.execute(select(Story.id).where(Story.id.in_(list(wanted.values())))).scalars())
        summary.skipped["stories deleted here"] += sum(1 for sid in wanted.values() if sid not in there)
        return {bug: sid for bug, sid in wanted.items() if sid in there}

    # ---- stories ----------------------------------------------------------------------------------

    def _story_values(self, bug: BugData) -> dict[str, Any]:
        b = bug.bug
        title, description = mapping.title_and_description(b.get("title"), b.get("description"))
        private, sec = mapping.visibility(b)
        return {
            "title": title, "description": description, "is_bug": True,
            "creator_id": self.people.user_id(b.get("owner_link")) or self.people.fallback(),
            "story_type_id": 1, "private": private, "security": sec,
            "information_type": security.information_type(private, sec),
            "duplicate_of": self._duplicate_of(b), "cves": json.dumps(bug.cves) if bug.cves else None,
            "created_at": mapping.date(b.get("date_created")) or utcnow(),
            "updated_at": mapping.date(b.get("date_last_updated")),
        }

    def _embargo_from(self, reported: dt.datetime) -> dt.datetime:
        """Launchpad has no embargo date: an imported private security report gets Storyline's default,
        the report date plus the deployment's longest embargo (already past for an old report, which
        the worker then flags "embargo expired, disclose" to the VMT)."""
        return reported + dt.timedelta(days=self.embargo_days)

    def _embargo(self, values: dict[str, Any]) -> dt.datetime | None:
        return self._embargo_from(values["created_at"]) if values["private"] and values["security"] else None

    def _duplicate_of(self, bug: dict[str, Any]) -> int | None:
        tail = mapping.link_tail(bug.get("duplicate_of_link"))
        return int(tail) if tail and tail.isdigit() and int(tail) < 2**31 else None

    def _create_stories(self, session: Session, bugs: list[BugData], summary: Summary) -> dict[int, int]:
        ids = [b.id for b in bugs]
        taken = set(session.execute(select(Story.id).where(Story.id.in_(ids))).scalars())
        if not self.dry_run:  # (setval is not undone)
            # Stories created meanwhile (a server already running) get ids above every bug number.
            raise_sequence(session, "stories", max(ids))
        rows = []
        story_ids: dict[int, int] = {}
        for bug in bugs:
            values = self._story_values(bug)
            values["embargo_until"] = self._embargo(values)
            if bug.id in taken or bug.id >= 2**31:
                sid = session.execute(insert(table_of(Story)).values(**values)
                                      .returning(Story.__table__.c.id)).scalar_one()
                summary.renumbered.append((bug.id, sid))
            else:
                sid = bug.id
                rows.append({"id": sid, **values})
            story_ids[bug.id] = sid
            if bug.bug.get("information_type") in mapping.REVIEW_TYPES:
                summary.review.append(bug.id)
        if rows:
            insert_rows(session, table_of(Story), rows)
        summary.created["stories"] += len(bugs)
        add_refs(session, "bug", [(str(b.id), story_ids[b.id], _version(b)) for b in bugs])
        events = []
        audits = []
        for bug in bugs:
            sid = story_ids[bug.id]
            b = bug.bug
            title = mapping.title_and_description(b.get("title"), "")[0]
            events.append({"event_type": "story_created", "story_id": sid,
                           "author_id": self.people.user_id(b.get("owner_link")) or self.people.fallback(),
                           "event_info": json.dumps({"story_id": sid, "story_title": title}),
                           "created_at": mapping.date(b.get("date_created")) or utcnow()})
            private, sec = mapping.visibility(b)
            if private:
                audits.append({"story_id": sid, "actor_id": None, "action": "imported",
                               "field": "information_type", "old_value": None,
                               "new_value": json.dumps(security.information_type(private, sec)),
                               "created_at": utcnow()})
            if private and sec:
                created = mapping.date(b.get("date_created")) or utcnow()
                audits.append({"story_id": sid, "actor_id": None, "action": "imported", "field": "embargo_until",
                               "old_value": None, "new_value": json.dumps(_iso(self._embargo_from(created))),
                               "created_at": utcnow()})
        insert_rows(session, table_of(Event), events)
        if audits:
            insert_rows(session, table_of(StoryAudit), audits)
        return story_ids

    def _update_stories(self, session: Session, bugs: list[BugData], story_ids: dict[int, int],
                        refs: dict[str, tuple[int, str | None]], summary: Summary) -> None:
        sids = [story_ids[b.id] for b in bugs]
        old = {r.id: r for r in session.execute(
            select(Story.id, Story.private, Story.security, Story.information_type, Story.embargo_until,
                   Story.created_at).where(Story.id.in_(sids)))}
        rows: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        now = utcnow()
        for bug in bugs:
            sid = story_ids[bug.id]
            values = self._story_values(bug)
            values.pop("created_at")
            values.pop("creator_id")
            was = old.get(sid)
            if was is None:  # the story was deleted in Storyline: leave it deleted
                summary.skipped["stories deleted here"] += 1
                continue
            embargo = was.embargo_until
            if not values["private"]:
                embargo = None  # public now (disclosed on Launchpad): no embargo, no disclosure pending
                values.update(disclosure_at=None, disclosure_due_at=None)
            elif values["security"] and not (was.private and was.security) and embargo is None:
                embargo = self._embargo_from(was.created_at)  # became a private security report
            values["embargo_until"] = embargo
            if was.information_type != values["information_type"]:
                audits.append({"story_id": sid, "actor_id": None, "action": "imported", "field": "information_type",
                               "old_value": json.dumps(was.information_type),
                               "new_value": json.dumps(values["information_type"]), "created_at": now})
            if embargo != was.embargo_until:
                audits.append({"story_id": sid, "actor_id": None, "action": "imported", "field": "embargo_until",
                               "old_value": json.dumps(_iso(was.embargo_until)), "new_value": json.dumps(_iso(embargo)),
                               "created_at": now})
            rows.append({"b_id": sid, **values})
            versions.append({"b_source": SOURCE, "b_kind": "bug", "b_key": str(bug.id), "version": _version(bug),
                             "imported_at": now})
            summary.updated["stories"] += 1
        update_rows(session, _STORIES, rows)  # one statement per set of columns (PostgreSQL: UPDATE ... FROM unnest)
        update_rows(session, _REFS, versions, keys=_REF_KEYS)
        if audits:
            insert_rows(session, table_of(StoryAudit), audits)

    def _tags(self, session: Session, bugs: list[BugData], story_ids: dict[int, int]) -> None:
        wanted: dict[int, list[str]] = {}
        for bug in bugs:
            names = mapping.tags(bug.bug.get("tags"))
            if any(t.get("status") == "Deferred" for t in bug.tasks) and "deferred" not in names:
                names.append("deferred")
            if names:
                wanted[story_ids[bug.id]] = names
        if not wanted:
            return
        all_names = sorted({n for names in wanted.values() for n in names})
        now = utcnow()
        insert_missing(session, Tag.__table__, [{"name": n, "created_at": now} for n in all_names], ["name"])
        tag_ids = dict(session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(all_names))).all())
        present = {tuple(r) for r in session.execute(select(StoryTag.story_id, StoryTag.tag_id).where(
            StoryTag.story_id.in_(list(wanted))))}
        rows = [{"story_id": sid, "tag_id": tag_ids[n]} for sid, names in wanted.items() for n in names
                if (sid, tag_ids[n]) not in present]
        if rows:
            insert_rows(session, table_of(StoryTag), rows)

    # ---- tasks ------------------------------------------------------------------------------------

    def _branch(self, session: Session, project: ProjectTarget, series: str | None) -> int:
        if not series:
            return project.master_branch_id
        key = (project.project_id, series[:100])
        if key not in self.branches:
            bid = session.execute(select(Branch.id).where(Branch.project_id == key[0], Branch.name == key[1])
                                  ).scalar_one_or_none()
            if bid is None:
                bid = session.execute(insert(table_of(Branch)).values(
                    name=key[1], project_id=key[0], autocreated=True, created_at=utcnow()).returning(Branch.__table__.c.id)
                ).scalar_one()
            self.branches[key] = bid
        return self.branches[key]

    def _milestone(self, session: Session, branch_id: int, name: str) -> int:
        key = (branch_id, name[:100])
        if key not in self.milestones:
            mid = session.execute(select(Milestone.id).where(Milestone.branch_id == branch_id,
                                                             Milestone.name == key[1])).scalar_one_or_none()
            if mid is None:
                mid = session.execute(insert(table_of(Milestone)).values(
                    name=key[1], branch_id=branch_id, created_at=utcnow()).returning(Milestone.__table__.c.id)).scalar_one()
            self.milestones[key] = mid
        return self.milestones[key]

    def _tasks(self, session: Session, bugs: list[BugData], story_ids: dict[int, int], summary: Summary) -> None:
        planned: list[tuple[str, dict[str, Any]]] = []
        for bug in bugs:
            sid = story_ids[bug.id]
            title = mapping.title_and_description(bug.bug.get("title"), "")[0]
            creator = self.people.user_id(bug.bug.get("owner_link")) or self.people.fallback()
            for task in bug.tasks:
                where = mapping.target(task)
                if where is None or where[0] not in self.projects:
                    continue
                project = self.projects[where[0]]
                branch_id = self._branch(session, project, where[1])
                status = mapping.task_status(task.get("status"))
                milestone = mapping.link_tail(task.get("milestone_link"))
                milestone_id = self._milestone(session, branch_id, milestone) if milestone else None
                dates = [mapping.date(v) for k, v in task.items() if v and k.startswith("date_")]
                planned.append((self.path(task.get("self_link") or f"{where[0]}/+bug/{bug.id}"), {
                    "title": title, "status": status, "creator_id": self.people.user_id(task.get("owner_link")) or creator,
                    "story_id": sid, "project_id": project.project_id, "branch_id": branch_id,
                    "milestone_id": milestone_id if status == "merged" else None,
                    "assignee_id": self.people.user_id(task.get("assignee_link")),
                    "priority": mapping.priority(task.get("importance")),
                    "lp_status": mapping.clean(task.get("status"))[:40] or None,
                    "lp_importance": mapping.clean(task.get("importance"))[:40] or None,
                    "lp_milestone": milestone[:100] if milestone else None,
                    "created_at": mapping.date(task.get("date_created")) or utcnow(),
                    "updated_at": max((d for d in dates if d), default=None),
                }))
        if not planned:
            return
        refs = find_refs(session, "task", [key for key, _ in planned])
        new = [(key, row) for key, row in planned if key not in refs]
        known = [(refs[key][0], {k: v for k, v in row.items() if k not in ("created_at", "creator_id")})
                 for key, row in planned if key in refs]
        if known:  # only the tasks that differ from Launchpad now are written
            names = list(known[0][1])
            present = {r[0]: dict(zip(names, r[1:], strict=True)) for r in session.execute(
                select(_TASKS.c.id, *(_TASKS.c[n] for n in names)).where(_TASKS.c.id.in_([t for t, _ in known])))}
            changed = [{"b_id": tid, **row} for tid, row in known
                       if tid in present and any(present[tid][k] != v for k, v in row.items() if k != "updated_at")]
            update_rows(session, _TASKS, changed)
            summary.updated["tasks"] += len(changed)
        if new:
            created = allocate_ids(session, _TASKS, len(new))
            insert_rows(session, _TASKS, [{"id": tid, **row} for (_, row), tid in zip(new, created, strict=True)])
            add_refs(session, "task", [(key, tid, None) for (key, _), tid in zip(new, created, strict=True)])
            insert_rows(session, table_of(Event), [
                {"event_type": "task_created", "story_id": row["story_id"], "author_id": row["creator_id"],
                 "event_info": json.dumps({"story_id": row["story_id"], "task_id": tid, "task_title": row["title"]}),
                 "created_at": row["created_at"]} for (_, row), tid in zip(new, created, strict=True)])
            put_documents(session, "task", [(tid, row["title"], "") for (_, row), tid in zip(new, created, strict=True)])
            summary.created["tasks"] += len(created)

    # ---- comments ---------------------------------------------------------------------------------

    def _comments(self, session: Session, bugs: list[BugData], story_ids: dict[int, int], summary: Summary) -> None:
        planned: list[tuple[str, int, dict[str, Any], str | None]] = []
        for bug in bugs:
            sid = story_ids[bug.id]
            creator = self.people.user_id(bug.bug.get("owner_link")) or self.people.fallback()
            files: dict[str, list[str]] = {}
            for att in bug.attachments:
                if att.message_key:
                    files.setdefault(att.message_key, []).append(att.title)
            for position, message in enumerate(bug.messages):
                key = message_key(message.get("self_link")) or f"{bug.id}/{position}"
                if key.endswith("/0") or position == 0 and key == f"{bug.id}/{position}":
                    continue  # messages[0] is the description (§5.6)
                deleted = bool(message.get("date_deleted"))
                hidden = message.get("visible") is False
                content = "" if deleted else mapping.preformat(mapping.clean(message.get("content")))
                if not content.strip() and not deleted:
                    content = "\n".join(f"Attached: {name}" for name in files.get(key, [])) or "(no text)"
                planned.append((key, sid, {
                    "content": content, "is_active": not (deleted or hidden), "story_id": sid,
                    "author_id": self.people.user_id(message.get("owner_link")) or creator,
                    "created_at": mapping.date(message.get("date_created")) or utcnow(),
                    "updated_at": mapping.date(message.get("date_last_edited") or message.get("date_deleted")),
                }, message_key(message.get("parent_link"))))
        if not planned:
            return
        refs = find_refs(session, "message", [key for key, _, _, _ in planned])
        known = [(refs[key][0], row) for key, _, row, _ in planned if key in refs]
        if known:  # only the comments whose text or visibility changed on Launchpad are written
            present = {cid: (content, active) for cid, content, active in session.execute(
                select(_COMMENTS.c.id, _COMMENTS.c.content, _COMMENTS.c.is_active)
                .where(_COMMENTS.c.id.in_([cid for cid, _ in known])))}
            changed = [{"b_id": cid, "content": row["content"], "is_active": row["is_active"],
                        "updated_at": row["updated_at"]} for cid, row in known
                       if cid in present and present[cid] != (row["content"], row["is_active"])]
            update_rows(session, _COMMENTS, changed)
            summary.updated["comments"] += len(changed)
        new = [(key, row, parent) for key, _, row, parent in planned if key not in refs]
        if not new:
            return
        created = allocate_ids(session, _COMMENTS, len(new))
        insert_rows(session, _COMMENTS, [{"id": cid, **row} for (_, row, _), cid in zip(new, created, strict=True)])
        ids = {key: cid for (key, _, _), cid in zip(new, created, strict=True)}
        ids.update({k: v[0] for k, v in refs.items()})
        replies = [{"cid": ids[key], "parent": ids[parent]} for key, _, parent in new
                   if parent and parent in ids and ids[parent] != ids[key]]
        update_rows(session, _COMMENTS, [{"b_id": r["cid"], "in_reply_to": r["parent"]} for r in replies])
        add_refs(session, "message", [(key, ids[key], None) for key, _, _ in new])
        insert_rows(session, table_of(Event), [
            {"event_type": "user_comment", "story_id": row["story_id"], "author_id": row["author_id"],
             "comment_id": ids[key], "event_info": None, "created_at": row["created_at"]} for key, row, _ in new])
        summary.created["comments"] += len(new)

    # ---- subscriptions and access lists -----------------------------------------------------------

    def _subscriptions_and_access(self, session: Session, bugs: list[BugData], story_ids: dict[int, int],
                                  new: set[int], summary: Summary) -> None:
        subs: list[dict[str, Any]] = []
        # (story, user); the owner falls back to People.fallback(), None when that account is not there
        users: set[tuple[int, int | None]] = set()
        teams: set[tuple[int, int]] = set()
        vmt = security.vmt_team_id(session, self.vmt_team)
        superusers: list[int] | None = None
        for bug in bugs:
            sid = story_ids[bug.id]
            private = mapping.visibility(bug.bug)[0]
            people = [bug.people.get(mapping.person_name(s.get("person_link")) or "") for s in bug.subscriptions]
            for person in people:
                if person is None:
                    continue
                if person.is_team:
                    if private:
                        tid = self.people.team_ids(session, [person], summary)[person.name]
                        teams.add((sid, tid))
                elif person.name in self.people.users:
                    subs.append({"user_id": self.people.users[person.name], "target_type": "story", "target_id": sid,
                                 "created_at": utcnow()})
                    if private:
                        users.add((sid, self.people.users[person.name]))
            if private:
                users.add((sid, self.people.user_id(bug.bug.get("owner_link")) or self.people.fallback()))
                if vmt is not None:
                    teams.add((sid, vmt))
                elif mapping.visibility(bug.bug)[1]:
                    # No VMT configured (or not created yet): the superusers handle the report, visibly on
                    # its list, as for a report filed in Storyline (security.apply_visibility).
                    if superusers is None:
                        superusers = list(session.execute(select(User.id).where(
                            User.is_superuser.is_(True), User.enable_login.is_(True))).scalars())
                    users.update((sid, u) for u in superusers)
                for task in bug.tasks:
                    where = mapping.target(task)
                    if where and where[0] in self.projects and self.projects[where[0]].security_team_id:
                        teams.add((sid, self.projects[where[0]].security_team_id))  # type: ignore[arg-type]
        if subs:
            summary.created["subscriptions"] += insert_rows(
                session, table_of(Subscription), subs, skip_existing=["user_id", "target_type", "target_id"])
        # Access-list entries a previous run wrote are kept as they are (an access list only grows).
        insert_rows(session, table_of(StoryUser), [{"story_id": s, "user_id": u} for s, u in sorted(users)
                                                   if u is not None], skip_existing=["story_id", "user_id"])
        insert_rows(session, table_of(StoryTeam), [{"story_id": s, "team_id": t} for s, t in sorted(teams)],
                    skip_existing=["story_id", "team_id"])
        # The access list a new private story was imported with, in its audit log.
        created = {story_ids[b] for b in new}
        now = utcnow()
        audits = [{"story_id": sid, "actor_id": None, "action": "imported", "field": field, "old_value": None,
                   "new_value": json.dumps(sorted(x for s2, x in pairs if s2 == sid and x is not None)),
                   "created_at": now}
                  for field, pairs in (("users", users), ("teams", teams))
                  for sid in sorted({s2 for s2, _ in pairs} & created)]
        if audits:
            insert_rows(session, table_of(StoryAudit), audits)

    # ---- attachments ------------------------------------------------------------------------------

    def _attachments(self, session: Session, bugs: list[BugData], story_ids: dict[int, int],
                     summary: Summary) -> None:
        from storyline.attachments.service import add_attachment

        keys = [a.key for b in bugs for a in b.attachments]
        if not keys:
            return
        refs = find_refs(session, "attachment", keys)
        comment_refs = find_refs(session, "message", [a.message_key for b in bugs for a in b.attachments
                                                       if a.message_key])
        for bug in bugs:
            messages = {message_key(m.get("self_link")): m for m in bug.messages}
            for att in bug.attachments:
                if att.key in refs:
                    summary.skipped["attachments"] += 1
                    continue
                message = messages.get(att.message_key) or {}
                comment = comment_refs.get(att.message_key or "")
                creator = (self.people.user_id(message.get("owner_link")) or self.people.user_id(bug.bug.get("owner_link"))
                           or self.people.fallback())
                if creator is None:  # _write ensures the fallback account whenever a bug's owner is unknown
                    raise RuntimeError(f"bug {bug.id}: no account for the uploader of attachment {att.key}")
                created = add_attachment(
                    session, story_ids[bug.id], name=att.title, content_type=att.content_type, data=att.data,
                    creator_id=creator, title=att.title + (" (patch)" if att.is_patch else ""),
                    created_at=mapping.date(message.get("date_created")),
                    comment_id=comment[0] if comment else None)
                add_refs(session, "attachment", [(att.key, created.id, None)])
                summary.created["attachments"] += 1

    # ---- the activity log ---------------------------------------------------------------------------

    def _activity(self, session: Session, bugs: list[BugData], story_ids: dict[int, int], summary: Summary) -> None:
        """Each bug's activity log as timeline events with their original dates and actors (activity.py
        says what becomes what). Launchpad only ever appends to the log: the newest entry written is
        kept (`import_refs`, kind "activity", its `datechanged` as the version) and a later run writes
        only the entries after it, so no event is written twice."""
        with_log = [b for b in bugs if (b.activity or b.with_activity) and story_ids.get(b.id)]
        if not with_log:
            return
        marks = find_refs(session, "activity", [str(b.id) for b in with_log])
        task_keys: dict[tuple[int, str], str] = {}
        for bug in with_log:
            for task in bug.tasks:
                where = mapping.target(task)
                if where is not None and where[0] in self.projects:
                    task_keys[(bug.id, task["bug_target_name"])] = self.path(
                        task.get("self_link") or f"{where[0]}/+bug/{bug.id}")
        task_ids = {k: v[0] for k, v in find_refs(session, "task", sorted(set(task_keys.values()))).items()}
        rows: list[dict[str, Any]] = []
        new_marks: list[tuple[str, int, str | None]] = []
        moved_marks: list[dict[str, Any]] = []
        for bug in with_log:
            sid = story_ids[bug.id]
            mark = marks.get(str(bug.id))
            after = activity.moment(mark[1]) if mark else None
            title = mapping.title_and_description(bug.bug.get("title"), "")[0]
            targets = {t for (b, t) in task_keys if b == bug.id}
            fallback = self.people.fallback() or self.people.user_id(bug.bug.get("owner_link"))
            newest = after
            for change in activity.changes(bug.activity):
                if after is not None and change.when <= after:
                    continue
                newest = change.when if newest is None or change.when > newest else newest
                author = self.people.users.get(change.actor or "") or fallback
                for planned in activity.events(change, story_id=sid, story_title=title, targets=targets,
                                               attachments=self.attachments,
                                               user_id=lambda name: self.people.users.get(name or "")):
                    info = planned.info
                    if planned.target is not None:
                        task_id = task_ids.get(task_keys[(bug.id, planned.target)])
                        if task_id is None:
                            continue
                        info = {"story_id": sid, "task_id": task_id, **info}
                    rows.append({"event_type": planned.event_type, "story_id": sid, "author_id": author,
                                 "comment_id": None, "event_info": json.dumps(info),
                                 "created_at": change.when.replace(microsecond=0)})
            if mark is None and (newest is not None or bug.with_activity):
                # (a log with nothing in it gets a mark without a version: read, nothing to skip next time)
                new_marks.append((str(bug.id), sid, newest.isoformat() + "+00:00" if newest is not None else None))
                if bug.history_only:
                    summary.updated["histories added to stories imported before"] += 1
            elif mark is not None and newest is not None and newest != after:
                moved_marks.append({"b_source": SOURCE, "b_kind": "activity", "b_key": str(bug.id),
                                    "version": newest.isoformat() + "+00:00", "imported_at": utcnow()})
        if rows:
            insert_rows(session, table_of(Event), rows)
            summary.created["events from activity"] += len(rows)
        add_refs(session, "activity", new_marks)
        update_rows(session, _REFS, moved_marks, keys=_REF_KEYS)

    # ---- search -----------------------------------------------------------------------------------

    def _index(self, session: Session, bugs: list[BugData], story_ids: dict[int, int], new: set[int]) -> None:
        index_stories(session, sorted({story_ids[b.id] for b in bugs}))


_COMMENTS = table_of(Comment)
_TASKS = table_of(Task)
_STORIES = table_of(Story)
_REFS = table_of(ImportRef)
_REF_KEYS = ("source", "kind", "key")
_TASK_COUNTS = (select(Task.story_id, Task.status, func.count())
                .where(Task.story_id.in_(bindparam("ids", expanding=True))).group_by(Task.story_id, Task.status))


def _refresh_status(session: Session, story_ids: set[int]) -> None:
    """stories.service.refresh_status for a batch: the stored status and task counts of every story,
    from one grouped count and one UPDATE (PostgreSQL: UPDATE ... FROM unnest(arrays)), instead of two
    statements per story."""
    ids = sorted(story_ids)
    if not ids:
        return
    counts = {sid: dict.fromkeys(TASK_STATUSES, 0) for sid in ids}
    for i in range(0, len(ids), 500):
        for sid, status, n in session.execute(_TASK_COUNTS, {"ids": ids[i:i + 500]}):
            counts[sid][status] = n
    rows = []
    for sid in ids:
        c = counts[sid]
        status = "active" if c["todo"] or c["inprogress"] or c["review"] else "merged" if c["merged"] else "invalid"
        rows.append({"b_id": sid, "status": status, **{f"count_{k}": c[k] for k in TASK_STATUSES}})
    update_rows(session, _STORIES, rows)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat() + "+00:00"


def _version(bug: BugData) -> str | None:
    value = bug.bug.get("date_last_updated")
    return str(value)[:64] if value else None


__all__ = ["ProjectTarget", "SOURCE", "Summary", "Writer"]
