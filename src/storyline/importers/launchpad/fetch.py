"""Fetching a bug and everything hanging off it, concurrently, and the people it names (cached).

A bug costs: the bug, its bug_tasks, messages, attachments, subscriptions, CVEs and activity log (fetched
at the same time), each attachment's file, and each person not seen before in this run (their entry, a team's
members, and the OpenID discovery of their web page).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from storyline.importers.launchpad import activity, mapping
from storyline.importers.launchpad.client import Client, LaunchpadError


@dataclass
class Person:
    name: str
    display_name: str
    is_team: bool = False
    openid: str | None = None
    members: list[str] = field(default_factory=list)  # teams: the names of their person members


@dataclass
class Attachment:
    key: str
    title: str
    is_patch: bool
    message_key: str | None
    data: bytes
    content_type: str


@dataclass
class BugData:
    id: int
    url: str
    bug: dict[str, Any]
    tasks: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    subscriptions: list[dict[str, Any]]
    cves: list[str]
    attachments: list[Attachment]
    people: dict[str, Person]
    activity: list[dict[str, Any]] = field(default_factory=list)  # the activity log, Launchpad's order
    with_activity: bool = False  # the activity log was fetched (empty or not)
    history_only: bool = False  # an unchanged bug whose history was never imported: tasks and log only


_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""(\w[\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')""")


def openid_from_html(page: str) -> str | None:
    """The OpenID 2.0 identifier a person's page declares (HTML discovery: `openid2.local_id`, else
    the OpenID 1 `openid.delegate`)."""
    found: dict[str, str] = {}
    for tag in _LINK_TAG.findall(page[:200_000]):
        attrs = {m.group(1).lower(): (m.group(3) if m.group(3) is not None else m.group(4))
                 for m in _ATTR.finditer(tag)}
        for rel in (attrs.get("rel") or "").lower().split():
            if rel in ("openid2.local_id", "openid.delegate") and attrs.get("href"):
                found.setdefault(rel, attrs["href"].strip())
    value = found.get("openid2.local_id") or found.get("openid.delegate")
    return value if value and value.startswith(("https://", "http://")) and len(value) <= 255 else None


class Fetcher:
    def __init__(self, client: Client, *, attachments: bool = True, openid: bool = True,
                 activity: bool = True) -> None:
        self.client = client
        self.with_attachments = attachments
        self.with_activity = activity
        self.with_openid = openid
        self._people: dict[str, asyncio.Future[Person | None]] = {}

    # ---- people ---------------------------------------------------------------------------------

    async def person(self, name: str, entry: dict[str, Any] | None = None) -> Person | None:
        """The person (or team) `~name`, fetched once per run; None when Launchpad hides it."""
        future = self._people.get(name)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._people[name] = future
            try:
                future.set_result(await self._load_person(name, entry))
            except BaseException as exc:
                future.set_exception(exc)
                # a failure is not cached: another bug naming this person tries again
                del self._people[name]
                raise
        return await asyncio.shield(future)

    async def _load_person(self, name: str, entry: dict[str, Any] | None) -> Person | None:
        if entry is None:
            try:
                entry = await self.client.get_json(f"~{name}")
            except LaunchpadError as exc:
                if exc.status in (404, 401, 403, 410):  # private teams, suspended accounts
                    return Person(name=name, display_name=name)
                raise
        display = mapping.clean(entry.get("display_name")).strip() or name
        is_team = bool(entry.get("is_team")) or str(entry.get("resource_type_link", "")).endswith("#team")
        person = Person(name=name, display_name=display[:255], is_team=is_team)
        if is_team:
            async for member in self.client.entries(entry.get("members_collection_link")):
                member_name = member.get("name")
                if isinstance(member_name, str) and member_name and not member.get("is_team"):
                    person.members.append(member_name)
                    await self.person(member_name, member)
        elif self.with_openid and entry.get("web_link"):
            page = await self.client.get_text(entry["web_link"])
            person.openid = openid_from_html(page) if page else None
        return person

    # ---- bugs -----------------------------------------------------------------------------------

    async def bug_entry(self, bug_id: int) -> dict[str, Any]:
        bug = await self.client.get_json(f"bugs/{bug_id}")
        if not isinstance(bug, dict) or not isinstance(bug.get("id"), int):
            raise LaunchpadError(self.client.url(f"bugs/{bug_id}"), "the answer is not a bug")
        return bug

    async def bug(self, bug: dict[str, Any], team_access: bool) -> BugData:
        """Everything about `bug` (its entry already fetched). `team_access`: teams subscribed to a
        private bug go on its access list, so their members are fetched too."""
        client = self.client
        tasks, messages, attachments, subscriptions, cves, history = await asyncio.gather(
            client.collection(bug.get("bug_tasks_collection_link")),
            client.collection(bug.get("messages_collection_link")),
            client.collection(bug.get("attachments_collection_link")) if self.with_attachments else _nothing(),
            client.collection(bug.get("subscriptions_collection_link")),
            client.collection(bug.get("cves_collection_link")),
            client.collection(bug.get("activity_collection_link")) if self.with_activity else _nothing(),
        )
        private = mapping.visibility(bug)[0]
        names: set[str] = set()
        for link in [bug.get("owner_link")] + [m.get("owner_link") for m in messages] + \
                [t.get(k) for t in tasks for k in ("owner_link", "assignee_link")] + \
                [s.get("person_link") for s in subscriptions]:
            name = mapping.person_name(link)
            if name:
                names.add(name)
        names |= activity.people_named(history)
        found = await asyncio.gather(*(self.person(n) for n in sorted(names)))
        people = {p.name: p for p in found if p is not None}
        if private and team_access:  # the members of teams on a private bug's access list come too
            for person in list(people.values()):
                for member in person.members if person.is_team else []:
                    member_person = await self.person(member)
                    if member_person is not None:
                        people[member] = member_person
        files = await asyncio.gather(*(self._attachment(a) for a in attachments))
        return BugData(id=bug["id"], url=client.url(bug.get("self_link") or f"bugs/{bug['id']}"), bug=bug,
                       tasks=tasks, messages=messages, subscriptions=subscriptions, cves=mapping.cves(cves),
                       attachments=[f for f in files if f is not None], people=people, activity=history,
                       with_activity=self.with_activity)

    async def history(self, bug: dict[str, Any]) -> BugData:
        """What writing an unchanged bug's activity log takes (a bug imported before the logs were, or
        with --no-activity): its tasks (the log names them) and its log, and the people the log names."""
        client = self.client
        tasks, history = await asyncio.gather(client.collection(bug.get("bug_tasks_collection_link")),
                                              client.collection(bug.get("activity_collection_link")))
        names = activity.people_named(history)
        name = mapping.person_name(bug.get("owner_link"))
        if name:
            names.add(name)
        found = await asyncio.gather(*(self.person(n) for n in sorted(names)))
        return BugData(id=bug["id"], url=client.url(bug.get("self_link") or f"bugs/{bug['id']}"), bug=bug,
                       tasks=tasks, messages=[], subscriptions=[], cves=[], attachments=[],
                       people={p.name: p for p in found if p is not None}, activity=history, with_activity=True,
                       history_only=True)

    async def _attachment(self, entry: dict[str, Any]) -> Attachment | None:
        data_link = entry.get("data_link")
        if not data_link:
            return None
        data, ctype = await self.client.get_bytes(data_link)
        message_link = entry.get("message_link")
        return Attachment(
            key=self.client.path(entry.get("self_link") or data_link),
            title=mapping.clean(entry.get("title")).strip() or "attachment",
            is_patch=entry.get("type") == "Patch",
            message_key=message_key(message_link) if message_link else None,
            data=data, content_type=ctype)


async def _nothing() -> list[dict[str, Any]]:
    return []


def message_key(link: Any) -> str | None:
    """A message's stable key: `<bug>/<comment number>` from `.../+bug/<bug>/comments/<n>` (the prefix
    before `+bug` names one of the bug's targets and can change; the numbers do not)."""
    if not isinstance(link, str):
        return None
    match = re.search(r"/\+bug/(\d+)/comments/(\d+)/?$", link)
    return f"{match.group(1)}/{match.group(2)}" if match else None


__all__ = ["Attachment", "BugData", "Fetcher", "Person", "message_key", "openid_from_html"]
