"""Gerrit, GitHub and GitLab payloads → one normalized event (a JSON-able dict), and its
deduplication key.

Any field may be missing (Gerrit says so of its own events) or of another type than documented
(numbers are strings in Gerrit 2.x): a field that is not what it should be is treated as missing.
Only what cannot be an event at all is refused (not JSON, not an object, no event type), with a
ValidationFailed naming the problem.

The normalized event:
    kind       "gerrit" | "github" | "gitlab"
    type       the source's own event name ("patchset-created", "pull_request", "Merge Request Hook")
    action     upload | restore | merge | abandon | votes | ci | wip | ready | private | branch | push | ignore
    at         when the source says it happened (epoch seconds) or None
    repository "openstack/nova" ...; branch (short name); default_branch (forges)
    change     {key, number, title, url, owner {name, username, email}, patchset, wip, private} or None
    message    the text references are read from (commit message, or PR/MR title and description)
    commits    pushed commits [{id, message, url}]
    votes      {label: {voter: value}}; ci "passed" | "failed" | None
    actor, reason, event_id (the events plugin's numbered id)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import orjson

from storyline.errors import ValidationFailed

ZERO_REV = "0" * 40


def loads(body: bytes) -> dict[str, Any]:
    """The JSON object of a delivery; 400 naming the problem otherwise."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed("body", f"The request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationFailed("body", f"The event must be a JSON object, not {type(data).__name__}")
    return data


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any, limit: int = 255) -> str | None:
    if isinstance(value, str) and value:
        return value.replace("\x00", "")[:limit]
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 2**31 - 1 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 10:
        return _int(int(value.strip()))
    return None


def _epoch(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if 0 < value < 2**40 else None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.isdigit():
            return _epoch(int(text))
        text = text.replace(" UTC", "Z").replace(" ", "T", 1)
        try:
            stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
        return stamp.timestamp()
    return None


def _account(value: Any) -> dict[str, str | None]:
    a = _obj(value)
    return {"name": _str(a.get("name")), "username": _str(a.get("username") or a.get("login")),
            "email": _str(a.get("email"))}


def _who(account: dict[str, str | None]) -> str | None:
    return account["name"] or account["username"] or account["email"]


def _short_ref(value: Any) -> str | None:
    ref = _str(value)
    if ref is None:
        return None
    return ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ref


def _digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:64]


def _event(kind: str, etype: str, action: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"kind": kind, "type": etype, "action": action, "at": None, "repository": None,
                            "branch": None, "default_branch": None, "change": None, "message": "",
                            "commits": [], "votes": None, "ci": None, "actor": None, "reason": None,
                            "event_id": None}
    base.update(fields)
    return base


# ---- Gerrit ---------------------------------------------------------------------------------------

_GERRIT_ACTIONS = {
    "patchset-created": "upload", "draft-published": "upload", "change-merged": "merge",
    "change-abandoned": "abandon", "change-restored": "restore", "comment-added": "votes",
}
_ACTOR_FIELD = {"patchset-created": "uploader", "draft-published": "uploader", "change-merged": "submitter",
                "change-abandoned": "abandoner", "change-restored": "restorer", "comment-added": "author",
                "ref-updated": "submitter", "wip-state-changed": "changer", "private-state-changed": "changer"}


def gerrit(data: dict[str, Any], body: bytes) -> tuple[dict[str, Any], str]:
    """A Gerrit event (stream-events line or webhooks plugin POST, 2.x or 3.x): (event, dedup key)."""
    etype = data.get("type")
    if not isinstance(etype, str) or not etype.strip():
        raise ValidationFailed("type", "missing: a Gerrit event names its type (e.g. \"patchset-created\")")
    etype = etype.strip()[:64]
    change = _obj(data.get("change"))
    patchset = _obj(data.get("patchSet") or data.get("patchset"))
    project = data.get("project")
    repository = _str(project) or _str(_obj(project).get("name")) or _str(change.get("project"))
    ref_update = _obj(data.get("refUpdate"))
    actor = _account(data.get(_ACTOR_FIELD.get(etype, "author")))
    action = _GERRIT_ACTIONS.get(etype, "ignore")
    if etype == "wip-state-changed":
        action = "wip" if change.get("wip") is True else "ready"
    elif etype == "private-state-changed":
        action = "private" if change.get("private") is True else "ready"
    branch = _str(change.get("branch")) or _short_ref(data.get("refName"))
    if etype == "ref-updated":
        repository = repository or _str(ref_update.get("project"))
        branch = _short_ref(ref_update.get("refName"))
        ref = _str(ref_update.get("refName")) or ""
        created = ref_update.get("oldRev") == ZERO_REV and ref_update.get("newRev") != ZERO_REV
        # refName is short (`master`) in old versions, full later; tags and meta refs are not branches.
        is_branch = ref.startswith("refs/heads/") or not ref.startswith("refs/")
        action = "branch" if created and is_branch else "ignore"
    number = _int(change.get("number"))
    fields: dict[str, Any] = {"at": _epoch(data.get("eventCreatedOn")), "repository": repository,
                              "branch": branch, "actor": _who(actor), "reason": _str(data.get("reason"), 1000),
                              "event_id": _str(data.get("id"))}
    if change:
        key = str(number) if number is not None else _str(change.get("id"))
        if key is not None:
            owner = _account(change.get("owner"))
            fields["change"] = {
                "key": key, "number": number, "title": _str(change.get("subject")) or "",
                "url": _str(change.get("url"), 2000), "owner": owner,
                "patchset": _int(patchset.get("number")),
                "wip": change.get("wip") is True or patchset.get("isDraft") is True or change.get("status") == "DRAFT",
                "private": change.get("private") is True}
        fields["message"] = (_str(change.get("commitMessage"), 100_000) or _str(change.get("subject")) or "")
    if etype == "comment-added":
        votes: dict[str, dict[str, int]] = {}
        voter = actor["username"] or actor["name"] or actor["email"] or "someone"
        for approval in data.get("approvals") or []:
            a = _obj(approval)
            label = _str(a.get("type"), 64)
            value = a.get("value")
            try:
                number_value = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
            except ValueError:
                number_value = None
            if label and number_value is not None and -100 < number_value < 100:
                votes.setdefault(label, {})[voter] = number_value
        fields["votes"] = votes or None
    event = _event("gerrit", etype, action, **fields)
    if fields["at"] is None:
        return event, "g:" + hashlib.sha256(body).hexdigest()[:60]
    parts = [etype, repository, number, _int(patchset.get("number")), fields["at"], actor,
             ref_update.get("refName"), ref_update.get("newRev"), fields.get("votes"), data.get("comment")]
    return event, "g:" + _digest(parts)[:60]


# ---- GitHub ---------------------------------------------------------------------------------------

def _github_change(pr: dict[str, Any], repository: str | None) -> dict[str, Any]:
    number = _int(pr.get("number"))
    return {"key": f"{repository}#{number}", "number": number, "title": _str(pr.get("title")) or "",
            "url": _str(pr.get("html_url"), 2000), "owner": _account(pr.get("user")), "patchset": None,
            "wip": pr.get("draft") is True, "private": False}


def github(event_name: str | None, delivery: str | None, data: dict[str, Any],
           body: bytes) -> tuple[dict[str, Any], str]:
    if not event_name:
        raise ValidationFailed("X-GitHub-Event", "missing: GitHub names the event in this header")
    etype = event_name.strip()[:64]
    repo = _obj(data.get("repository"))
    repository = _str(repo.get("full_name"))
    default_branch = _str(repo.get("default_branch")) or _str(repo.get("master_branch"))
    sender = _account(data.get("sender"))
    key = "gh:" + (delivery.strip()[:80] if delivery and delivery.strip() else hashlib.sha256(body).hexdigest()[:60])
    common: dict[str, Any] = {"repository": repository, "default_branch": default_branch, "actor": _who(sender)}
    pr = _obj(data.get("pull_request"))
    if etype in ("pull_request", "pull_request_review") and pr:
        act = _str(data.get("action")) or ""
        change = _github_change(pr, repository)
        fields = dict(common, branch=_short_ref(_obj(pr.get("base")).get("ref")), change=change,
                      message=f"{change['title']}\n\n{_str(pr.get('body'), 100_000) or ''}",
                      at=_epoch(pr.get("merged_at") or pr.get("closed_at") or pr.get("updated_at")))
        if etype == "pull_request_review":
            state = (_str(_obj(data.get("review")).get("state")) or "").lower()
            value = {"approved": 1, "changes_requested": -1}.get(state)
            voter = sender["username"] or "someone"
            votes = {"Review": {voter: value}} if value is not None else None
            fields["at"] = _epoch(_obj(data.get("review")).get("submitted_at")) or fields["at"]
            return _event("github", etype, "votes" if votes else "ignore", votes=votes, **fields), key
        action = {"opened": "upload", "synchronize": "upload", "edited": "upload", "reopened": "restore",
                  "ready_for_review": "ready", "converted_to_draft": "wip"}.get(act, "ignore")
        if act == "closed":
            action = "merge" if pr.get("merged") is True else "abandon"
        elif action == "upload" and pr.get("state") == "closed":
            action = "ignore"  # a closed request edited: it is not proposed again
        return _event("github", f"{etype}:{act}"[:64], action, **fields), key
    if etype == "push":
        ref = _str(data.get("ref")) or ""
        if data.get("deleted") is True or not ref.startswith("refs/heads/"):
            return _event("github", etype, "ignore", **common), key
        commits = _commits(data.get("commits"))
        at = _epoch(_obj(data.get("head_commit")).get("timestamp"))
        return _event("github", etype, "push", branch=_short_ref(ref), commits=commits, at=at, **common), key
    if etype == "check_suite":
        suite = _obj(data.get("check_suite"))
        ci = {"success": "passed", "failure": "failed", "timed_out": "failed"}.get(_str(suite.get("conclusion")) or "")
        prs = [p for p in suite.get("pull_requests") or [] if isinstance(p, dict)]
        if ci and prs and repository:
            number = _int(prs[0].get("number"))
            change = {"key": f"{repository}#{number}", "number": number}
            return _event("github", etype, "ci", ci=ci, change=change, at=_epoch(suite.get("updated_at")),
                          **common), key
    return _event("github", etype, "ignore", **common), key


def _commits(value: Any) -> list[dict[str, Any]]:
    out = []
    for c in value if isinstance(value, list) else []:
        c = _obj(c)
        sha = _str(c.get("id"), 64)
        if sha:
            out.append({"id": sha, "message": _str(c.get("message"), 100_000) or "",
                        "url": _str(c.get("url"), 2000)})
    return out[:100]


# ---- GitLab ---------------------------------------------------------------------------------------

def gitlab(event_name: str | None, idempotency: str | None, data: dict[str, Any],
           body: bytes) -> tuple[dict[str, Any], str]:
    kind = _str(data.get("object_kind")) or ""
    etype = (event_name or kind or "").strip()[:64]
    if not etype:
        raise ValidationFailed("object_kind", "missing: a GitLab event names its kind (or X-Gitlab-Event)")
    project = _obj(data.get("project"))
    repository = _str(project.get("path_with_namespace"))
    default_branch = _str(project.get("default_branch"))
    user = _account(data.get("user"))
    key = "gl:" + (idempotency.strip()[:80] if idempotency and idempotency.strip()
                   else _digest([etype, hashlib.sha256(body).hexdigest()])[:60])
    common: dict[str, Any] = {"repository": repository, "default_branch": default_branch, "actor": _who(user)}
    attrs = _obj(data.get("object_attributes"))
    if kind == "merge_request":
        act = _str(attrs.get("action")) or ""
        iid = _int(attrs.get("iid"))
        last = _obj(attrs.get("last_commit"))
        title = _str(attrs.get("title")) or ""
        change = {"key": f"{repository}!{iid}", "number": iid, "title": title,
                  "url": _str(attrs.get("url"), 2000), "owner": user if act == "open" else None, "patchset": None,
                  "wip": attrs.get("work_in_progress") is True or attrs.get("draft") is True, "private": False}
        message = "\n\n".join(filter(None, [title, _str(attrs.get("description"), 100_000),
                                            _str(last.get("message"), 100_000)]))
        fields = dict(common, branch=_str(attrs.get("target_branch")), change=change, message=message,
                      at=_epoch(attrs.get("updated_at")))
        action = {"open": "upload", "update": "upload", "reopen": "restore", "close": "abandon",
                  "merge": "merge"}.get(act, "ignore")
        if act == "update" and attrs.get("state") in ("closed", "merged", "locked"):
            action = "ignore"  # a closed request edited: it is not proposed again
        if act in ("approved", "approval", "unapproved", "unapproval"):
            voter = user["username"] or "someone"
            fields["votes"] = {"Approved": {voter: 1 if act.startswith("approv") else 0}}
            action = "votes"
        return _event("gitlab", f"{etype}:{act}"[:64], action, **fields), key
    if kind == "push":
        ref = _str(data.get("ref")) or ""
        after = _str(data.get("after")) or ""
        if not ref.startswith("refs/heads/") or after == ZERO_REV:
            return _event("gitlab", etype, "ignore", **common), key
        return _event("gitlab", etype, "push", branch=_short_ref(ref), commits=_commits(data.get("commits")),
                      **common), key
    if kind == "pipeline":
        mr = _obj(data.get("merge_request"))
        ci = {"success": "passed", "failed": "failed"}.get(_str(attrs.get("status")) or "")
        iid = _int(mr.get("iid"))
        if ci and iid is not None and repository:
            return _event("gitlab", etype, "ci", ci=ci, change={"key": f"{repository}!{iid}", "number": iid},
                          at=_epoch(attrs.get("finished_at")), **common), key
    return _event("gitlab", etype, "ignore", **common), key


__all__ = ["ZERO_REV", "gerrit", "github", "gitlab", "loads"]
