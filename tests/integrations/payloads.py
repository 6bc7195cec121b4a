"""Events in the shapes the sources send them (../shared/reference/gerrit-and-forges.md): Gerrit 3.x
(numbers as JSON numbers, `project` a string) and 2.x (numbers as strings, `project` an object in some
plugins, short refName), the webhooks plugin's and stream-events' JSON being the same; GitHub's and
GitLab's webhook bodies."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from typing import Any

_clock = itertools.count(1_700_000_000, 10)


def now() -> int:
    """Event times that only go forward (eventCreatedOn)."""
    return next(_clock)


def account(username: str, email: str | None = None, name: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"username": username, "name": name or username.title()}
    if email:
        out["email"] = email
    return out


def gerrit_change(number: int, repo: str, message: str, *, branch: str = "master", owner: dict[str, Any] | None = None,
                  status: str = "NEW", wip: bool = False, private: bool = False, v2: bool = False,
                  subject: str | None = None) -> dict[str, Any]:
    subject = subject or (message.splitlines()[0] if message else "A change")
    change: dict[str, Any] = {
        "project": repo, "branch": branch, "id": "I" + hashlib.sha1(str(number).encode()).hexdigest(),
        "number": str(number) if v2 else number, "subject": subject,
        "owner": owner or account("jdoe", "jdoe@example.org", "Jane Doe"),
        "url": f"https://review.example.org/c/{repo}/+/{number}", "commitMessage": message,
        "createdOn": 1_699_000_000, "status": status}
    if not v2:
        change.update({"wip": wip, "private": private, "open": status == "NEW"})
    return change


def gerrit_event(etype: str, change: dict[str, Any], *, patchset: int = 1, at: int | None = None, v2: bool = False,
                 **extra: Any) -> dict[str, Any]:
    number = change["number"]
    ps = {"number": str(patchset) if v2 else patchset, "revision": hashlib.sha1(f"{number}/{patchset}".encode()).hexdigest(),
          "ref": f"refs/changes/{str(number)[-2:]}/{number}/{patchset}", "uploader": change["owner"],
          "kind": "REWORK"}
    event: dict[str, Any] = {"type": etype, "change": change, "patchSet": ps,
                             "eventCreatedOn": str(at or now()) if v2 else (at or now())}
    if v2:
        event["project"] = {"name": change["project"]}
        event["refName"] = change["branch"]
    else:
        event["project"] = change["project"]
        event["refName"] = f"refs/heads/{change['branch']}"
        event["changeKey"] = {"id": change["id"]}
    actor = {"patchset-created": "uploader", "change-merged": "submitter", "change-abandoned": "abandoner",
             "change-restored": "restorer", "comment-added": "author"}.get(etype)
    if actor:
        event[actor] = change["owner"]
    event.update(extra)
    return event


def approvals(*votes: tuple[str, int], v2: bool = False) -> list[dict[str, Any]]:
    return [{"type": label, "description": label, "value": str(value) if v2 else value} for label, value in votes]


def ref_updated(repo: str, ref: str, *, created: bool = True, at: int | None = None) -> dict[str, Any]:
    return {"type": "ref-updated", "submitter": account("admin"), "eventCreatedOn": at or now(),
            "refUpdate": {"oldRev": "0" * 40 if created else "1" * 40, "newRev": "2" * 40, "refName": ref,
                          "project": repo}}


# ---- GitHub ------------------------------------------------------------------------------------------

def github_pr(action: str, repo: str, number: int, body: str, *, title: str = "Fix the widget",
              merged: bool = False, draft: bool = False, base: str = "main", login: str = "octocat") -> dict[str, Any]:
    state = "closed" if action == "closed" else "open"
    return {
        "action": action, "number": number,
        "pull_request": {"id": 1_934_567_890_123, "number": number, "html_url": f"https://github.com/{repo}/pull/{number}",
                         "title": title, "body": body, "state": state, "merged": merged, "draft": draft,
                         "merged_at": "2026-12-04T10:00:00Z" if merged else None,
                         "updated_at": f"2026-12-04T0{min(number, 9)}:00:00Z",
                         "merge_commit_sha": "a" * 40 if merged else None, "user": {"login": login, "id": 583231},
                         "head": {"ref": "feature", "sha": "b" * 40}, "base": {"ref": base}},
        "repository": {"id": 9_876_543_210, "full_name": repo, "default_branch": "main"},
        "sender": {"login": login, "id": 583231}}


def github_push(repo: str, branch: str, *messages: str) -> dict[str, Any]:
    commits = [{"id": hashlib.sha1(m.encode()).hexdigest(), "message": m,
                "url": f"https://github.com/{repo}/commit/{hashlib.sha1(m.encode()).hexdigest()}"} for m in messages]
    return {"ref": f"refs/heads/{branch}", "before": "0" * 40, "after": "c" * 40, "deleted": False, "commits": commits,
            "head_commit": commits[-1] if commits else None,
            "repository": {"id": 9_876_543_210, "full_name": repo, "default_branch": "main"},
            "sender": {"login": "octocat"}}


def github_headers(secret: str, body: bytes, event: str, delivery: str, *, signature: str | None = None) -> dict[str, str]:
    sig = signature or "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sig,
            "Content-Type": "application/json"}


# ---- GitLab ------------------------------------------------------------------------------------------

def gitlab_mr(action: str, repo: str, iid: int, description: str, *, title: str = "Fix the gadget",
              target: str = "main", draft: bool = False, username: str = "gluser",
              email: str | None = None) -> dict[str, Any]:
    state = {"merge": "merged", "close": "closed"}.get(action, "opened")
    user: dict[str, Any] = {"id": 7, "name": "GitLab User", "username": username}
    if email:
        user["email"] = email
    return {"object_kind": "merge_request", "event_type": "merge_request", "user": user,
            "project": {"id": 15, "path_with_namespace": repo, "web_url": f"https://gitlab.example.org/{repo}",
                        "default_branch": "main"},
            "object_attributes": {"id": 99_000 + iid, "iid": iid, "title": title, "description": description,
                                  "state": state, "action": action, "source_branch": "feature",
                                  "target_branch": target, "url": f"https://gitlab.example.org/{repo}/-/merge_requests/{iid}",
                                  "work_in_progress": draft, "draft": draft,
                                  "updated_at": f"2026-12-04 0{min(iid, 9)}:00:00 UTC",
                                  "last_commit": {"id": "d" * 40, "message": title}}}


def body(data: Any) -> bytes:
    return json.dumps(data).encode()
