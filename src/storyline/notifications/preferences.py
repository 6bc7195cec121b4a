"""Each user's choices about e-mail, kept as user preferences (`/v1/users/{id}/preferences`).

- `notifications_email`: "immediate" (one e-mail per change made by someone else, the default),
  "daily" or "weekly" (a digest grouped by story), or "never".
- `notifications_email_muted`: event types not to be e-mailed, comma-separated
  (e.g. "tags_added,tags_deleted"); they still reach the inbox and digests leave them out too.
- StoryBoard's own keys are understood when the one above is not set: `plugin_email_enable`
  false means "never", `plugin_email_digest` true means "daily".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.users.models import UserPreference

MODE_KEY = "notifications_email"
MUTED_KEY = "notifications_email_muted"
MODES = ("immediate", "daily", "weekly", "never")
KEYS = (MODE_KEY, MUTED_KEY, "plugin_email_enable", "plugin_email_digest")


@dataclass(frozen=True)
class EmailChoice:
    mode: str = "immediate"
    muted: frozenset[str] = frozenset()

    def wants(self, event_type: str) -> bool:
        return self.mode == "immediate" and event_type not in self.muted


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"))


def choice_of(values: dict[str, object]) -> EmailChoice:
    mode = values.get(MODE_KEY)
    if not isinstance(mode, str) or mode not in MODES:
        if "plugin_email_enable" in values and not _truthy(values["plugin_email_enable"]):
            mode = "never"
        elif _truthy(values.get("plugin_email_digest")):
            mode = "daily"
        else:
            mode = "immediate"
    muted = values.get(MUTED_KEY)
    names = frozenset(p.strip() for p in muted.split(",") if p.strip()) if isinstance(muted, str) else frozenset()
    return EmailChoice(mode=mode, muted=names)


def choices(session: Session, user_ids: Iterable[int]) -> dict[int, EmailChoice]:
    """Every user's choice (the default for those who set nothing), in one query."""
    ids = sorted(set(user_ids))
    values: dict[int, dict[str, object]] = {uid: {} for uid in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = session.execute(select(UserPreference.user_id, UserPreference.key, UserPreference.value).where(
            UserPreference.user_id.in_(chunk), UserPreference.key.in_(KEYS)))
        for uid, key, raw in rows:
            values[uid][key] = json.loads(raw)
    return {uid: choice_of(v) for uid, v in values.items()}


# Lists kept as one string may be longer than other values (every event type muted takes about 400
# characters; the web client's individually read inbox entries), and the muted list may be empty.
_LONG_VALUES = {MUTED_KEY: 0, "notifications_inbox_read_ids": 1}


def length_bounds(key: str) -> tuple[int, int]:
    """The shortest and longest string value a preference key takes."""
    return (_LONG_VALUES[key], 4000) if key in _LONG_VALUES else (1, 255)


def check(key: str, value: object) -> str | None:
    """Why a value of one of these keys is refused, or None."""
    if key == MODE_KEY and value is not None and value not in MODES:
        return f"{MODE_KEY} must be one of {', '.join(MODES)}"
    if key == MUTED_KEY and value is not None:
        from storyline.timeline.types import EVENT_TYPES  # the timeline imports this module

        if not isinstance(value, str):
            return f"{MUTED_KEY} must be a comma-separated list of event types"
        unknown = [p.strip() for p in value.split(",") if p.strip() and p.strip() not in EVENT_TYPES]
        if unknown:
            return f"{MUTED_KEY}: unknown event types {', '.join(unknown)}"
    return None


__all__ = ["EmailChoice", "KEYS", "MODES", "MODE_KEY", "MUTED_KEY", "check", "choice_of", "choices", "length_bounds"]
