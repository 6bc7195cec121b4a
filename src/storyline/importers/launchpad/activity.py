"""A Launchpad bug's activity log (`activity_collection_link`) as timeline events. Pure functions, no I/O.

An activity entry says who (`person_link`) changed what (`whatchanged`) when (`datechanged`), from
`oldvalue` to `newvalue`, sometimes with a `message`. `whatchanged` is a bug field (`summary`,
`description`, `tags`, `information type`, `visibility`, `security vulnerability`, `marked as duplicate`,
`removed duplicate marker`, `bug task added`, `attachment added`, `bug` with a message such as
`added bug` or `added subscriber …`, …) or `<target>: <field>` for a bug task (`nova: status`,
`nova/kilo: importance`, `swift: assignee`, `nova: milestone`).

What becomes what (migration.md, "Launchpad's history"):

| activity | event |
|---|---|
| `<target>: status` | `task_status_changed` (Storyline statuses), when they differ in Storyline |
| `<target>: importance` | `task_priority_changed`, when the priorities differ |
| `<target>: assignee` | `task_assignee_changed` (`Display Name (name)` → the user) |
| `tags` | `tags_added` and/or `tags_deleted` (the difference) |
| `summary`, `description` | `story_details_changed` |
| information type made public | `story_disclosed` |
| `added bug`, `bug task added` (an imported task), `attachment added` | nothing: `story_created`, `task_created` and `attachment_added` already say it |
| anything else (milestones, duplicates, other visibility changes, subscribers, CVEs, …) | `imported_activity` |

Task changes on targets that are not imported (another project, a distribution package) are left out.
Every event carries the entry's raw values under `launchpad` in its `event_info` (additive).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from storyline.importers.launchpad import mapping

IMPORTED_ACTIVITY = "imported_activity"
VALUE_MAX = 10_000  # characters of an old or new value kept (descriptions can be huge)
_ASSIGNEE = re.compile(r"\(([a-z0-9][a-z0-9+.\-]*)\)\s*$")
_PUBLIC_TYPES = {"Public", "Public Security", "public"}


@dataclass(frozen=True)
class Change:
    """One activity entry, cleaned."""

    when: dt.datetime  # naive UTC, microseconds kept (the order and the run-to-run watermark)
    actor: str | None  # Launchpad name
    what: str
    old: str | None
    new: str | None
    message: str | None

    @property
    def task_field(self) -> tuple[str, str] | None:
        """(target, field) of a bug-task change (`nova/kilo: status`), else None."""
        target, sep, field = self.what.rpartition(": ")
        return (target, field) if sep and target else None


# An ISO-8601 date as naive UTC with its microseconds (the order and the run-to-run watermark).
moment = mapping.moment


def _value(value: Any) -> str | None:
    if value is None:
        return None
    text = mapping.clean(value)
    return mapping.cut(text, VALUE_MAX) if len(text) > VALUE_MAX else text


def changes(entries: list[dict[str, Any]]) -> list[Change]:
    """The entries with a date and a `whatchanged`, oldest first (Launchpad's order for equal dates)."""
    out: list[tuple[dt.datetime, int, Change]] = []
    for n, entry in enumerate(entries):
        when = moment(entry.get("datechanged"))
        what = mapping.clean(entry.get("whatchanged")).strip()
        if when is None or not what:
            continue
        out.append((when, n, Change(when=when, actor=mapping.person_name(entry.get("person_link")), what=what[:255],
                                    old=_value(entry.get("oldvalue")), new=_value(entry.get("newvalue")),
                                    message=_value(entry.get("message")))))
    return [c for _, _, c in sorted(out, key=lambda x: (x[0], x[1]))]


def assignee_name(value: str | None) -> str | None:
    """The Launchpad name in an assignee value (`Sam Smith (sam-b)`); None for `(unassigned)`/empty."""
    if not value:
        return None
    found = _ASSIGNEE.search(value)
    return found.group(1) if found and found.group(1) != "unassigned" else None


def people_named(entries: list[dict[str, Any]]) -> set[str]:
    """The Launchpad names the entries refer to: their actors and the assignees they set or cleared."""
    names: set[str] = set()
    for entry in entries:
        actor = mapping.person_name(entry.get("person_link"))
        if actor:
            names.add(actor)
        what = str(entry.get("whatchanged") or "")
        if what.endswith(": assignee"):
            for value in (entry.get("oldvalue"), entry.get("newvalue")):
                name = assignee_name(value if isinstance(value, str) else None)
                if name:
                    names.add(name)
    return names


@dataclass(frozen=True)
class Planned:
    """An event to write: its type and info; `target` names the bug task it is about (or None)."""

    event_type: str
    info: dict[str, Any]
    target: str | None = None


def events(change: Change, *, story_id: int, story_title: str, targets: set[str], attachments: bool,
           user_id: Any) -> list[Planned]:
    """The events of one change. `targets`: the bug-task targets imported (`nova`, `nova/kilo`);
    `user_id(name)`: the user of a Launchpad name (or None). Task events get their `task_id` later."""
    raw = {"what_changed": change.what, "old_value": change.old, "new_value": change.new,
           "message": change.message}
    base = {"story_id": story_id}
    generic = Planned(IMPORTED_ACTIVITY, {**base, "story_title": story_title, "source": "launchpad", **raw})
    task = change.task_field
    if task is not None:
        target, field = task
        if target not in targets:
            return []  # a task that was not imported (another project, a package)
        about = {**base, "task_title": story_title, "launchpad": raw}
        if field == "status":
            old, new = mapping.task_status(change.old), mapping.task_status(change.new)
            if change.old and change.new and old != new:
                return [Planned("task_status_changed", {**about, "old_status": old, "new_status": new}, target)]
        elif field == "importance":
            old, new = mapping.priority(change.old), mapping.priority(change.new)
            if change.old and change.new and old != new:
                return [Planned("task_priority_changed", {**about, "old_priority": old, "new_priority": new}, target)]
        elif field == "assignee":
            old_id, new_id = user_id(assignee_name(change.old)), user_id(assignee_name(change.new))
            if old_id != new_id:
                return [Planned("task_assignee_changed",
                                {**about, "old_assignee_id": old_id, "new_assignee_id": new_id}, target)]
        return [Planned(IMPORTED_ACTIVITY, {**generic.info, "target": target}, target)]
    what = change.what.lower()
    if what == "bug" and (change.message or "").strip().lower() == "added bug":
        return []
    if what == "bug task added" and (change.new or "").strip() in targets:
        return []
    if what in ("attachment added", "patch added") and attachments:
        return []
    if what == "tags":
        old_tags, new_tags = mapping.tags((change.old or "").split()), mapping.tags((change.new or "").split())
        added = [t for t in new_tags if t not in old_tags]
        removed = [t for t in old_tags if t not in new_tags]
        out = []
        for etype, names in (("tags_added", added), ("tags_deleted", removed)):
            if names:
                out.append(Planned(etype, {**base, "story_title": story_title, "tags": names, "launchpad": raw}))
        return out or [generic]
    if what in ("summary", "title"):
        title = mapping.title_and_description(change.new, "")[0] if change.new else story_title
        return [Planned("story_details_changed", {**base, "story_title": title, "launchpad": raw})]
    if what == "description":
        return [Planned("story_details_changed", {**base, "story_title": story_title, "launchpad": raw})]
    if what in ("information type", "visibility") and change.old and change.new \
            and change.old not in _PUBLIC_TYPES and change.new in _PUBLIC_TYPES:
        itype = "public_security" if "Security" in change.new else "public"
        return [Planned("story_disclosed", {**base, "story_title": story_title, "information_type": itype,
                                            "launchpad": raw})]
    return [generic]


__all__ = ["IMPORTED_ACTIVITY", "Change", "Planned", "assignee_name", "changes", "events", "moment", "people_named"]
