"""A Launchpad web service double: JSON over HTTP on 127.0.0.1, answering the paths, shapes and
behaviours of launchpad.md §3-§5 (collections paged with next_collection_link, searchTasks in devel
style with total_size_link, open bugs only and no duplicates unless asked, private bugs only for an
OAuth-signed request, a 503 every few requests).

Entries keep their real links (`https://api.launchpad.net/devel/...`, `https://launchpad.net/~name`);
the importer maps them onto the double's address. The server is a small asyncio HTTP/1.1 server with
keep-alive (fast enough for the 100,000-bug benchmark); run it in a thread (`Double.start`) or as a
process (`python lpdouble.py --synthetic N`).

Worlds: `fixture_world()` (every trap, for the tests) and `SyntheticWorld` (many regular bugs, for the
benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import threading
import urllib.parse as up
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

API = "https://api.launchpad.net/devel/"
WEB = "https://launchpad.net/"
BUGS_WEB = "https://bugs.launchpad.net/"
REDACTED = "tag:launchpad.net:2008:redacted"
OPEN_STATUSES = {"New", "Incomplete", "Confirmed", "Triaged", "In Progress", "Fix Committed"}
CLOSED = {"Opinion", "Invalid", "Won't Fix", "Expired", "Fix Released", "Does Not Exist"}


def stamp(day: int, second: int = 0) -> str:
    moment = dt.datetime(2015, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, seconds=second, microseconds=820479)
    return moment.isoformat()


# ---- entries in Launchpad's shapes ------------------------------------------------------------------


def person_entry(name: str, display_name: str, is_team: bool = False) -> dict[str, Any]:
    link = f"{API}~{name}"
    entry: dict[str, Any] = {
        "self_link": link, "web_link": f"{WEB}~{name}", "resource_type_link": f"{API}#{'team' if is_team else 'person'}",
        "http_etag": f'"{name}-etag"', "name": name, "display_name": display_name, "is_team": is_team,
        "is_valid": True, "karma": 42, "date_created": stamp(0), "description": "", "hide_email_addresses": True,
        "private": False, "time_zone": "UTC", "visibility": "Public", "mugshot_link": f"{link}/mugshot",
        "preferred_email_address_link": REDACTED, "memberships_details_collection_link": f"{link}/memberships_details",
        "ppas_collection_link": f"{link}/ppas", "gpg_keys_collection_link": f"{link}/gpg_keys",
    }
    if is_team:
        entry.update({"members_collection_link": f"{link}/members", "team_owner_link": f"{API}~admin",
                      "membership_policy": "Restricted Team", "subscription_policy": "Restricted Team",
                      "renewal_policy": "invite them to renew", "default_membership_period": None,
                      "default_renewal_period": None, "team_description": f"The {display_name}"})
    return entry


def bug_entry(bug: Bug) -> dict[str, Any]:
    base = f"{API}bugs/{bug.id}"
    private = bug.information_type not in ("Public", "Public Security")
    return {
        "self_link": base, "web_link": f"{BUGS_WEB}bugs/{bug.id}", "resource_type_link": f"{API}#bug",
        "http_etag": f'"{bug.id}-{bug.updated}"', "id": bug.id, "title": bug.title, "description": bug.description,
        "tags": bug.tags, "information_type": bug.information_type, "private": private,
        "security_related": "Security" in bug.information_type, "owner_link": f"{API}~{bug.owner}",
        "duplicate_of_link": f"{API}bugs/{bug.duplicate_of}" if bug.duplicate_of else None,
        "date_created": stamp(bug.created), "date_last_updated": stamp(bug.updated, bug.id % 86400),
        "date_last_message": stamp(bug.updated), "date_made_private": stamp(bug.created) if private else None,
        "who_made_private_link": f"{API}~{bug.owner}" if private else None,
        "heat": 6, "message_count": len(bug.messages), "name": None, "number_of_duplicates": 0,
        "can_expire": False, "latest_patch_uploaded": None, "lock_status": "Unlocked", "lock_reason": None,
        "users_affected_count": 1, "users_unaffected_count": 0, "users_affected_count_with_dupes": 1,
        "other_users_affected_count_with_dupes": 0,
        **{f"{name}_collection_link": f"{base}/{name}" for name in (
            "bug_tasks", "messages", "attachments", "subscriptions", "cves", "activity", "bug_watches", "duplicates",
            "linked_branches", "linked_merge_proposals", "users_affected", "users_unaffected",
            "users_affected_with_dupes", "vulnerabilities")},
    }


def task_entry(bug: Bug, task: Task) -> dict[str, Any]:
    project = task.target.split("/")[0]
    display = " ".join(part.capitalize() for part in task.target.split("/"))
    done = task.status in CLOSED
    dates = dict.fromkeys(("date_assigned", "date_closed", "date_confirmed", "date_fix_committed", "date_fix_released", "date_in_progress", "date_incomplete", "date_left_closed", "date_left_new", "date_triaged", "date_deferred"))
    if task.status != "New":
        dates["date_left_new"] = stamp(bug.created + 1)
    if done:
        dates["date_closed"] = stamp(bug.created + 3)
    if task.status == "Deferred":
        dates["date_deferred"] = stamp(bug.created + 2)
    if task.assignee:
        dates["date_assigned"] = stamp(bug.created + 1)
    return {
        "self_link": f"{API}{task.target}/+bug/{bug.id}", "web_link": f"{BUGS_WEB}{task.target}/+bug/{bug.id}",
        "resource_type_link": f"{API}#bug_task", "http_etag": f'"task-{bug.id}-{task.target}"',
        "bug_link": f"{API}bugs/{bug.id}", "bug_target_name": task.target, "bug_target_display_name": display,
        "target_link": f"{API}{task.target}", "title": f'Bug #{bug.id} in {display}: "{bug.title}"',
        "status": task.status, "importance": task.importance, "is_complete": done,
        "assignee_link": f"{API}~{task.assignee}" if task.assignee else None, "owner_link": f"{API}~{bug.owner}",
        "milestone_link": f"{API}{project}/+milestone/{task.milestone}" if task.milestone else None,
        "bug_watch_link": None, "date_created": stamp(bug.created),
        "related_tasks_collection_link": f"{API}{task.target}/+bug/{bug.id}/related_tasks", **dates,
    }


def message_entry(bug: Bug, number: int, message: Message) -> dict[str, Any]:
    link = f"{API}{bug.tasks[0].target}/+bug/{bug.id}/comments/{number}"
    entry = {
        "self_link": link, "web_link": f"{BUGS_WEB}{bug.tasks[0].target}/+bug/{bug.id}/comments/{number}",
        "resource_type_link": f"{API}#message", "http_etag": f'"msg-{bug.id}-{number}"',
        "content": "" if message.deleted else message.content, "subject": f"Re: {bug.title}",
        "owner_link": f"{API}~{message.owner}", "date_created": stamp(bug.created + number, number),
        "date_deleted": stamp(bug.created + number + 1) if message.deleted else None, "date_last_edited": None,
        "parent_link": None, "bug_attachments_collection_link": f"{link}/bug_attachments",
    }
    if message.hidden:
        entry["visible"] = False
    return entry


# ---- the model --------------------------------------------------------------------------------------


@dataclass
class Task:
    target: str
    status: str = "New"
    importance: str = "Undecided"
    assignee: str | None = None
    milestone: str | None = None


@dataclass
class Message:
    owner: str
    content: str
    deleted: bool = False
    hidden: bool = False
    attachments: list[tuple[str, str, bytes, str]] = field(default_factory=list)  # (title, type, data, ctype)


@dataclass
class Change:
    """An activity-log entry: `who` changed `what` from `old` to `new`, `day` days after 2015-01-01."""

    day: int
    who: str
    what: str
    old: str | None = None
    new: str | None = None
    message: str | None = None
    second: int = 0


def activity_entry(bug: Bug, number: int, change: Change) -> dict[str, Any]:
    return {"self_link": f"{API}bugs/{bug.id}/activity/{number}", "resource_type_link": f"{API}#bug_activity",
            "http_etag": f'"act-{bug.id}-{number}"', "bug_link": f"{API}bugs/{bug.id}",
            "web_link": f"{BUGS_WEB}bugs/{bug.id}/+activity", "datechanged": stamp(change.day, change.second),
            "person_link": f"{API}~{change.who}", "whatchanged": change.what, "oldvalue": change.old,
            "newvalue": change.new, "message": change.message}


@dataclass
class Bug:
    id: int
    title: str
    description: str
    owner: str
    tasks: list[Task]
    messages: list[Message] = field(default_factory=list)  # without the description (messages[0])
    tags: list[str] = field(default_factory=list)
    information_type: str = "Public"
    duplicate_of: int | None = None
    subscribers: list[str] = field(default_factory=list)
    cves: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 10
    activity: list[Change] = field(default_factory=list)  # after "added bug" (always the first entry)

    @property
    def all_messages(self) -> list[Message]:
        return [Message(self.owner, self.description), *self.messages]


class World(ABC):
    """Launchpad's data, answered by the double. Subclasses hold it (FixtureWorld) or generate it
    (SyntheticWorld); the three abstract methods are where they differ."""

    page_size = 75

    @abstractmethod
    def bug(self, bug_id: int) -> Bug | None:
        """The bug with this number, or None."""

    @abstractmethod
    def bug_ids(self) -> list[int]:
        """Every bug number, in order."""

    @abstractmethod
    def person(self, name: str) -> dict[str, Any] | None:
        """A person's or team's JSON as Launchpad shows it, or None."""

    def members(self, name: str) -> list[str]:
        return []

    def openid(self, name: str) -> str:
        return f"https://login.launchpad.net/+id/{name.replace('-', '')}Xq7"

    # -- derived --

    def visible(self, bug: Bug | None, authenticated: bool) -> bool:
        return bug is not None and (authenticated or bug.information_type in ("Public", "Public Security"))

    def search(self, project: str, statuses: set[str], omit_duplicates: bool, since: str | None,
               authenticated: bool) -> list[dict[str, Any]]:
        out = []
        for bug_id in self.bug_ids():
            bug = self.bug(bug_id)
            if not self.visible(bug, authenticated) or bug is None:
                continue
            if omit_duplicates and bug.duplicate_of:
                continue
            if since and stamp(bug.updated, bug.id % 86400) < since:
                continue
            for task in bug.tasks:
                if task.target == project and task.status in statuses:
                    out.append(task_entry(bug, task))
        return out

    def messages(self, bug: Bug, authenticated: bool) -> list[dict[str, Any]]:
        return [message_entry(bug, n, m) for n, m in enumerate(bug.all_messages) if authenticated or not m.hidden]

    def attachments(self, bug: Bug) -> list[dict[str, Any]]:
        out = []
        for n, m in enumerate(bug.all_messages):
            for i, (title, kind, _, _) in enumerate(m.attachments):
                link = f"{API}bugs/{bug.id}/+attachment/{n * 100 + i}"
                out.append({"self_link": link, "web_link": f"{BUGS_WEB}bugs/{bug.id}/+attachment/{n * 100 + i}",
                            "resource_type_link": f"{API}#bug_attachment", "http_etag": f'"att-{n}-{i}"',
                            "bug_link": f"{API}bugs/{bug.id}", "data_link": f"{link}/data",
                            "message_link": f"{API}{bug.tasks[0].target}/+bug/{bug.id}/comments/{n}",
                            "title": title, "type": kind})
        return out

    def file(self, bug: Bug, number: int) -> tuple[str, bytes, str] | None:
        messages = bug.all_messages
        n, i = divmod(number, 100)
        if n < len(messages) and i < len(messages[n].attachments):
            title, _, data, ctype = messages[n].attachments[i]
            return title, data, ctype
        return None

    def subscriptions(self, bug: Bug) -> list[dict[str, Any]]:
        return [{"self_link": f"{API}bugs/{bug.id}/+subscription/{name}", "resource_type_link": f"{API}#bug_subscription",
                 "http_etag": f'"sub-{name}"', "bug_link": f"{API}bugs/{bug.id}", "person_link": f"{API}~{name}",
                 "subscribed_by_link": f"{API}~{bug.owner}", "date_created": stamp(bug.created),
                 "bug_notification_level": "Details"} for name in [bug.owner, *bug.subscribers]]

    def activity(self, bug: Bug) -> list[dict[str, Any]]:
        created = Change(bug.created, bug.owner, "bug", message="added bug")
        return [activity_entry(bug, n, c) for n, c in enumerate([created, *bug.activity])]

    def cves(self, bug: Bug) -> list[dict[str, Any]]:
        return [{"self_link": f"{API}bugs/cve/{c[4:]}", "web_link": f"https://cve.launchpad.net/{c}",
                 "resource_type_link": f"{API}#cve", "http_etag": f'"{c}"', "display_name": c, "sequence": c[4:],
                 "status": "Candidate", "title": c, "description": "A vulnerability.",
                 "url": f"https://www.cve.org/CVERecord?id={c}", "date_created": stamp(1), "date_modified": stamp(2),
                 "bugs_collection_link": f"{API}bugs/cve/{c[4:]}/bugs"} for c in bug.cves]


class FixtureWorld(World):
    def __init__(self, bugs: list[Bug], people: dict[str, tuple[str, bool]], teams: dict[str, list[str]],
                 page_size: int = 3) -> None:
        self.bugs = {b.id: b for b in bugs}
        self.people = people
        self.teams = teams
        self.page_size = page_size

    def bug(self, bug_id: int) -> Bug | None:
        return self.bugs.get(bug_id)

    def bug_ids(self) -> list[int]:
        return sorted(self.bugs)

    def person(self, name: str) -> dict[str, Any] | None:
        if name not in self.people:
            return None
        display, is_team = self.people[name]
        return person_entry(name, display, is_team)

    def members(self, name: str) -> list[str]:
        return self.teams.get(name, [])


class SyntheticWorld(World):
    """`n` regular bugs on project `bench`: 2 tasks each (the project and a series), 5 comments after the
    description, 6 activity-log entries, a few hundred people; one bug in 50 private, one in 200 with a
    patch."""

    page_size = 300

    def __init__(self, n: int, people: int = 500) -> None:
        self.n = n
        self.n_people = people
        self._cache: dict[int, Bug] = {}

    def bug_ids(self) -> list[int]:
        return list(range(1, self.n + 1))

    def bug(self, bug_id: int) -> Bug | None:
        if not 1 <= bug_id <= self.n:
            return None
        bug = self._cache.get(bug_id)
        if bug is None:
            p = self.n_people
            owner = f"user-{bug_id % p}"
            statuses = ["New", "Confirmed", "In Progress", "Fix Released", "Invalid", "Triaged"]
            bug = Bug(
                id=bug_id, title=f"Synthetic bug {bug_id}: the frobnicator fails when the widget is empty",
                description=f"Steps to reproduce bug {bug_id}:\n1. start it\n2. watch it fail\n\n"
                            f"Traceback (most recent call last):\n  File \"x.py\", line {bug_id % 90}, in f\n"
                            f"ValueError: empty widget",
                owner=owner,
                tasks=[Task("bench", statuses[bug_id % 6], "Medium", f"user-{(bug_id * 7) % p}"),
                       Task("bench/series-1", statuses[(bug_id + 3) % 6], "Low", None, "m1")],
                messages=[Message(f"user-{(bug_id + k * 13) % p}", f"Comment {k} on bug {bug_id}: looks like the "
                                  f"frobnicator again, see the log.") for k in range(1, 6)],
                tags=["bench", f"tag{bug_id % 20}"],
                information_type="Private Security" if bug_id % 50 == 0 else "Public",
                subscribers=[f"user-{(bug_id * 3) % p}"], created=bug_id % 3000, updated=3000 + bug_id % 1000,
                activity=[Change(bug_id % 3000 + 1, owner, "bench: status", "New", statuses[bug_id % 6]),
                          Change(bug_id % 3000 + 1, owner, "bench: importance", "Undecided", "Medium"),
                          Change(bug_id % 3000 + 1, owner, "bench: assignee", None,
                                 f"User {(bug_id * 7) % p} (user-{(bug_id * 7) % p})"),
                          Change(bug_id % 3000 + 2, owner, "tags", "bench", f"bench tag{bug_id % 20}"),
                          Change(bug_id % 3000 + 2, owner, "bench/series-1: milestone", None, "m1")])
            if bug_id % 200 == 0:
                bug.messages[0].attachments.append(("fix.patch", "Patch", b"--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n",
                                                    "text/x-diff"))
            if len(self._cache) > 5000:
                self._cache.clear()
            self._cache[bug_id] = bug
        return bug

    def search(self, project: str, statuses: set[str], omit_duplicates: bool, since: str | None,
               authenticated: bool) -> list[dict[str, Any]]:
        if project != "bench":
            return []
        return super().search(project, statuses, omit_duplicates, since, authenticated)

    def person(self, name: str) -> dict[str, Any] | None:
        if name.startswith("user-") and name[5:].isdigit() and int(name[5:]) < self.n_people:
            return person_entry(name, f"User {name[5:]}")
        return None


# ---- the HTTP server --------------------------------------------------------------------------------


def _auth(header: str | None) -> dict[str, str]:
    if not header or not header.startswith("OAuth "):
        return {}
    out = {}
    for part in header[6:].split(","):
        key, _, value = part.strip().partition("=")
        out[key] = up.unquote(value.strip('"'))
    return out


class Double:
    """Serves a World. `token`: (token, secret) that sees private bugs; `fail_every`: every n-th request
    answers 503 (0: never)."""

    def __init__(self, world: World, token: tuple[str, str] | None = ("lp-token", "lp-secret"),
                 fail_every: int = 7) -> None:
        self.world = world
        self.token = token
        self.fail_every = fail_every
        self.count = 0
        self.failed = 0
        self.log: list[tuple[str, bool]] = []  # (target, authenticated) of every request
        self.keep_log = True
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self.hook: Callable[[str], None] | None = None
        self._search_cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def api_root(self) -> str:
        return f"http://127.0.0.1:{self.port}/devel/"

    # -- lifecycle --

    def start(self) -> Double:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="lpdouble", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    async def _close(self) -> None:
        """Stop listening and end the connections still open (their handlers finish before the loop stops)."""
        assert self._server is not None
        self._server.close()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    async def serve_forever(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        print(self.port, flush=True)
        await self._server.serve_forever()

    # -- HTTP --

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                headers: dict[str, str] = {}
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    key, _, value = header.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                parts = line.decode("latin-1").split()
                method, target = (parts[0], parts[1]) if len(parts) >= 2 else ("GET", "/")
                status, ctype, body, extra = self.respond(method, target, headers)
                head = [f"HTTP/1.1 {status}", f"Content-Type: {ctype}", f"Content-Length: {len(body)}"]
                head += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._handlers.discard(task)  # type: ignore[arg-type]

    def respond(self, method: str, target: str, headers: dict[str, str]) -> tuple[str, str, bytes, dict[str, str]]:
        self.count += 1
        if self.hook is not None:
            self.hook(target)
        auth = _auth(headers.get("authorization"))
        authenticated = bool(self.token and auth.get("oauth_consumer_key") and auth.get("oauth_token") == self.token[0]
                             and auth.get("oauth_signature") == f"&{self.token[1]}"
                             and auth.get("oauth_signature_method") == "PLAINTEXT")
        if self.keep_log:
            self.log.append((target, authenticated))
        if self.fail_every and self.count % self.fail_every == 0:
            self.failed += 1
            return "503 Service Unavailable", "text/plain", b"Service temporarily unavailable", {"Retry-After": "0"}
        if auth and not authenticated:
            return "401 Unauthorized", "text/plain", b"Invalid OAuth signature", {}
        if method != "GET":
            return "405 Method Not Allowed", "text/plain", b"", {}
        split = up.urlsplit(target)
        path = up.unquote(split.path)
        query = up.parse_qs(split.query, keep_blank_values=True)
        try:
            if path.startswith("/devel/"):
                answer = self._api(path[len("/devel/"):], query, authenticated)
            elif path.startswith("/~"):
                answer = self._web(path[2:])
            elif path.startswith("/librarian/"):
                answer = self._librarian(path[len("/librarian/"):], authenticated)
            else:
                answer = None
        except ValueError:
            return "400 Bad Request", "text/plain", b"Bad request", {}
        if answer is None:
            return "404 Not Found", "text/plain", b"Object: None, name: not found", {}
        if isinstance(answer, tuple):
            return answer
        try:
            body = orjson.dumps(answer)
        except TypeError:  # lone surrogates: JSON escapes them, as Launchpad does
            body = json.dumps(answer).encode()
        return "200 OK", "application/json", body, {}

    def _page(self, link: str, items: list[Any], query: dict[str, list[str]], *, total_link: str | None = None,
              kind: str = "bug_task") -> dict[str, Any]:
        start = int(query.get("ws.start", ["0"])[0] or 0)
        size = min(int(query.get("ws.size", [str(self.world.page_size)])[0] or self.world.page_size),
                   self.world.page_size)
        if start < 0 or size < 1:
            raise ValueError
        page: dict[str, Any] = {"start": start, "entries": items[start:start + size],
                                "resource_type_link": f"{API}#{kind}-page-resource"}
        if total_link:
            page["total_size_link"] = total_link
        else:
            page["total_size"] = len(items)
        base = {k: v for k, v in query.items() if k not in ("ws.start", "ws.size", "memo")}
        if start + size < len(items):
            q = up.urlencode([*((k, x) for k, vs in base.items() for x in vs), ("memo", str(start + size)),
                              ("ws.size", str(size)), ("ws.start", str(start + size))])
            page["next_collection_link"] = f"{link}?{q}"
        if start > 0:
            q = up.urlencode([*((k, x) for k, vs in base.items() for x in vs), ("ws.size", str(size)),
                              ("ws.start", str(max(start - size, 0)))])
            page["prev_collection_link"] = f"{link}?{q}"
        return page

    def _api(self, path: str, query: dict[str, list[str]], authenticated: bool) -> Any:
        world = self.world
        parts = path.strip("/").split("/")
        if query.get("ws.op") == ["searchTasks"]:
            project = path.strip("/")
            statuses = set(query.get("status") or OPEN_STATUSES)
            omit = (query.get("omit_duplicates") or ["true"])[0].lower() != "false"
            since = (query.get("modified_since") or [None])[0]
            key = (project, tuple(sorted(statuses)), omit, since, authenticated)
            tasks = self._search_cache.get(key)
            if tasks is None:
                tasks = world.search(project, statuses, omit, since, authenticated)
                self._search_cache = {key: tasks}
            if query.get("ws.show") == ["total_size"]:
                return len(tasks)
            base = {k: v for k, v in query.items() if k not in ("ws.start", "ws.size", "memo", "ws.show")}
            total_link = f"{API}{project}?" + up.urlencode(
                [*((k, x) for k, vs in base.items() for x in vs), ("ws.show", "total_size")])
            return self._page(f"{API}{project}", tasks, query, total_link=total_link)
        if parts[0] == "bugs" and len(parts) >= 2 and parts[1].isdigit():
            bug = world.bug(int(parts[1]))
            if not world.visible(bug, authenticated) or bug is None:
                return None
            link = f"{API}bugs/{bug.id}"
            if len(parts) == 2:
                return bug_entry(bug)
            if len(parts) == 3:
                entries = {"bug_tasks": lambda: [task_entry(bug, t) for t in bug.tasks],
                           "messages": lambda: world.messages(bug, authenticated),
                           "attachments": lambda: world.attachments(bug),
                           "subscriptions": lambda: world.subscriptions(bug),
                           "cves": lambda: world.cves(bug),
                           "activity": lambda: world.activity(bug)}.get(parts[2])
                if entries is None:
                    return self._page(f"{link}/{parts[2]}", [], query, kind=parts[2])
                return self._page(f"{link}/{parts[2]}", entries(), query, kind=parts[2])
            if len(parts) == 5 and parts[2] == "+attachment" and parts[4] == "data" and parts[3].isdigit():
                found = world.file(bug, int(parts[3]))
                if found is None:
                    return None
                return ("303 See Other", "text/plain", b"",
                        {"Location": f"http://127.0.0.1:{self.port}/librarian/{bug.id}/{parts[3]}/{up.quote(found[0])}"})
            return None
        if parts[0].startswith("~"):
            name = parts[0][1:]
            entry = world.person(name)
            if entry is None:
                return None
            if len(parts) == 1:
                return entry
            if parts[1:] == ["members"] and entry["is_team"]:
                members = [world.person(m) for m in world.members(name)]
                return self._page(f"{API}~{name}/members", [m for m in members if m], query, kind="person")
            return None
        return None

    def _web(self, name: str) -> Any:
        entry = self.world.person(name)
        if entry is None:
            return None
        openid = self.world.openid(name)
        html = (f'<!DOCTYPE html><html><head><title>{entry["display_name"]} in Launchpad</title>\n'
                f'<link rel="openid.server" href="https://login.launchpad.net/+openid" />\n'
                f'<link rel="openid.delegate" href="{openid}" />\n'
                f'<link rel="openid2.provider" href="https://login.launchpad.net/+openid" />\n'
                f'<link rel="openid2.local_id" href="{openid}" />\n'
                f'</head><body><h1>{entry["display_name"]}</h1></body></html>')
        return "200 OK", "text/html; charset=UTF-8", html.encode(), {}

    def _librarian(self, path: str, authenticated: bool) -> Any:
        parts = path.split("/")
        if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        bug = self.world.bug(int(parts[0]))
        if not self.world.visible(bug, authenticated) or bug is None:
            return None
        found = self.world.file(bug, int(parts[1]))
        if found is None:
            return None
        return "200 OK", found[2], found[1], {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic", type=int, required=True, help="number of bugs")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fail-every", type=int, default=0)
    args = parser.parse_args()
    double = Double(SyntheticWorld(args.synthetic), fail_every=args.fail_every)
    double.keep_log = False
    try:  # uvloop (uvicorn[standard] brings it): less of the machine spent serving the benchmark
        import uvloop

        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(double.serve_forever(args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
