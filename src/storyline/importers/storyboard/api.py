"""StoryBoard's REST API v1, read with a token: what that token's user may see.

Lists are read in pages (by marker where StoryBoard pages by marker, by offset elsewhere); comments come
with their events (one list); the earlier versions of edited comments, team members and the like are
read per object on a pool of threads. Answers of 5xx, timeouts and
dropped connections are retried with backoff. Rows come out with StoryBoard's database column names,
as `database.DatabaseSource` gives them, so both sources feed the same writer.

What the API cannot give (docs/migration.md): private stories the token's user is not on the access
list of (and their tasks, comments and events), private worklists, boards and due dates it holds no
permission on, other users' preferences, and the names StoryBoard gave permissions (they follow its
naming, `edit_worklist_<id>`). The superuser's token sees every public object.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from storyline.importers.common import ImportFailed
from storyline.importers.storyboard.records import ReadFailed

RETRY_STATUSES = {429, 500, 502, 503, 504}
PAGE = 500
# (path, how it pages): "marker" lists page by marker (sorted by id), "offset" ones by offset; the tag list
# takes no sort parameters (it is in id order)
LISTS = {
    "users": ("/users", "marker"), "teams": ("/teams", "marker"), "projects": ("/projects", "marker"),
    "project groups": ("/project_groups", "marker"), "branches": ("/branches", "marker"),
    "milestones": ("/milestones", "marker"), "stories": ("/stories", "marker"), "tags": ("/tags", "marker-unsorted"),
    "tasks": ("/tasks", "marker"), "subscriptions": ("/subscriptions", "marker"), "events": ("/events", "offset"),
}
# Unarchived, then archived: StoryBoard reads any value of a boolean parameter as true.
ARCHIVED: tuple[dict[str, Any], ...] = ({}, {"archived": "true"})
PERMISSION_CODES = {"worklist": ("edit_worklist", "move_items"), "board": ("edit_board", "move_cards"),
                    "due_date": ("edit_date", "assign_date")}


class ApiError(ReadFailed):
    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.status = status


class ApiSource:
    def __init__(self, url: str, token: str | None, *, concurrency: int = 8, retries: int = 6, backoff: float = 0.25,
                 timeout: float = 60.0) -> None:
        root = url.rstrip("/")
        if not root.startswith(("http://", "https://")):
            raise ImportFailed(f"--url {url!r}: give StoryBoard's API root, e.g. https://storyboard.example.org/api/v1")
        self.root = root if root.endswith("/v1") else root + "/v1"
        self.description = self.root
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(headers=headers, timeout=timeout,
                                 limits=httpx.Limits(max_connections=concurrency * 2))
        self.concurrency = concurrency
        self.retries = retries
        self.backoff = backoff
        self.requests = 0
        self.retried = 0
        self._cache: dict[str, Any] = {}
        try:
            self.me = self.get("/users/self") if token else None
        except ApiError as exc:
            raise ImportFailed(f"StoryBoard at {self.root} refused the token: {exc}") from exc
        if token and self.me and not self.me.get("is_superuser"):
            raise ImportFailed(f"the token is {self.me.get('full_name')!r}'s, who is not a superuser on StoryBoard: "
                               "the import needs a superuser's token to see every user and project")

    # ---- HTTP ------------------------------------------------------------------------------------

    def get(self, path: str, params: Any = None) -> Any:
        return self.response(path, params).json()

    def response(self, path: str, params: Any = None) -> httpx.Response:
        url = self.root + path
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                response = self.http.get(url, params=params)
            except httpx.TransportError as exc:
                if attempt >= self.retries:
                    raise ApiError(url, f"{type(exc).__name__}: {exc}") from exc
            else:
                if response.status_code == 200:
                    return response
                if response.status_code not in RETRY_STATUSES or attempt >= self.retries:
                    raise ApiError(url, f"HTTP {response.status_code}: {response.text[:200]}", response.status_code)
            self.retried += 1
            time.sleep(self.backoff * 2 ** attempt * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def pages(self, path: str, paging: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every entry of a list, page by page. A list paged by offset that says its length (`X-Total`)
        has its other pages read at once, on the thread pool (StoryBoard's event list costs it several
        milliseconds an event: its workers read pages side by side)."""
        marker: int | None = None
        offset = 0
        while True:
            query: dict[str, Any] = {"limit": PAGE, **(params or {})}
            if paging != "marker-unsorted":
                query.update(sort_field="id", sort_dir="asc")
            if paging.startswith("marker") and marker is not None:
                query["marker"] = marker
            elif paging == "offset":
                query["offset"] = offset
            response = self.response(path, query)
            page = response.json()
            if not isinstance(page, list):
                raise ApiError(self.root + path, "the answer is not a list")
            yield from page
            if len(page) < PAGE:
                return
            marker = page[-1]["id"]
            offset += len(page)
            total = response.headers.get("X-Total", "")
            if paging == "offset" and offset == PAGE and total.isdigit() and int(total) > offset:
                queries = [{**query, "offset": at} for at in range(offset, int(total), PAGE)]
                for page in self.each(lambda q: self.get(path, q), queries):
                    yield from page
                    offset += len(page)
                if offset < int(total) or len(page) < PAGE:  # a shorter last page: the end (or rows gone)
                    return

    def each(self, function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """`function` of every item, on the thread pool, in order."""
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="storyline-import-api") as pool:
            return list(pool.map(function, items))

    def listed(self, kind: str) -> list[dict[str, Any]]:
        if kind not in self._cache:
            path, paging = LISTS[kind]
            self._cache[kind] = list(self.pages(path, paging))
        return list(self._cache[kind])

    # ---- the kinds -------------------------------------------------------------------------------

    def rows(self, kind: str) -> Iterable[dict[str, Any]]:
        method = getattr(self, "_" + kind.replace(" ", "_").replace("(", "").replace(")", ""), None)
        if method is not None:
            return list(method())
        return self.listed(kind)

    def covered(self, kind: str) -> set[int] | None:
        """The parents whose relations of this kind the API showed (None: every imported parent's)."""
        if kind == "preferences":
            return {self.me["id"]} if self.me else set()
        return None

    def _preferences(self) -> Iterable[dict[str, Any]]:
        if not self.me:
            return []
        prefs = self.get(f"/users/{self.me['id']}/preferences")
        return [{"user_id": self.me["id"], "key": key, "value": value} for key, value in sorted(prefs.items())]

    def _team_members(self) -> Iterable[dict[str, Any]]:
        teams = [t["id"] for t in self.listed("teams")]
        for team_id, users in zip(teams, self.each(lambda t: self.get(f"/teams/{t}/users"), teams), strict=True):
            yield from ({"team_id": team_id, "user_id": u["id"]} for u in users)

    def _team_projects(self) -> Iterable[dict[str, Any]]:
        teams = [t["id"] for t in self.listed("teams")]
        for team_id, projects in zip(teams, self.each(lambda t: self.get(f"/teams/{t}/projects"), teams), strict=True):
            yield from ({"team_id": team_id, "project_id": p["id"]} for p in projects)

    def _project_group_members(self) -> Iterable[dict[str, Any]]:
        groups = [g["id"] for g in self.listed("project groups")]
        answers = self.each(lambda g: self.get(f"/project_groups/{g}/projects"), groups)
        for group_id, projects in zip(groups, answers, strict=True):
            yield from ({"project_group_id": group_id, "project_id": p["id"]} for p in projects)

    def _story_tags(self) -> Iterable[dict[str, Any]]:
        tags = {t["name"]: t["id"] for t in self.listed("tags")}
        for story in self.listed("stories"):
            yield from ({"story_id": story["id"], "tag_id": tags[name]} for name in story.get("tags") or ()
                        if name in tags)

    def _story_access_people(self) -> Iterable[dict[str, Any]]:
        for story in self.listed("stories"):
            if story.get("private"):
                yield from ({"story_id": story["id"], "user_id": u["id"]} for u in story.get("users") or ())

    def _story_access_teams(self) -> Iterable[dict[str, Any]]:
        for story in self.listed("stories"):
            if story.get("private"):
                yield from ({"story_id": story["id"], "team_id": t["id"]} for t in story.get("teams") or ())

    def _tasks(self) -> Iterable[dict[str, Any]]:
        """StoryBoard 1.1.0 leaves `priority` out of a task's JSON; its list still filters on it."""
        priorities: dict[int, str] = {}
        for priority in ("low", "high"):
            priorities.update((t["id"], priority) for t in self.pages("/tasks", "marker", {"priority": priority}))
        for task in self.listed("tasks"):
            yield {**task, "priority": task.get("priority") or priorities.get(task["id"], "medium")}

    def _comments(self) -> Iterable[dict[str, Any]]:
        """A comment comes with its `user_comment` event in the event list (its story and author are the
        event's): no request per story."""
        out = [{**event["comment"], "story_id": event["story_id"], "author_id": event.get("author_id")}
               for event in self.listed("events") if event.get("comment")]
        out.sort(key=lambda c: c["id"])
        self._cache["comments"] = out
        return out

    def _comment_versions(self) -> Iterable[dict[str, Any]]:
        comments = [c for c in self._cache.get("comments") or self._comments()
                    if c.get("updated_at") or not c.get("is_active", True)]
        answers = self.each(lambda c: self.get(f"/stories/{c['story_id']}/comments/{c['id']}/history"), comments)
        versions = [{**v, "comment_id": c["id"]} for c, history in zip(comments, answers, strict=True) for v in history]
        return sorted(versions, key=lambda v: v["id"])

    def _details(self, kind: str, more: Callable[[], Iterable[int]] = lambda: ()) -> list[dict[str, Any]]:
        """Every worklist or board (archived too), each as its own GET answers it (permissions, lanes...)."""
        if kind not in self._cache:
            ids: set[int] = set()
            for archived in ARCHIVED:
                ids.update(x["id"] for x in self.pages(f"/{kind}", "offset", archived))
            ids.update(more())
            self._cache[kind] = self.each(lambda x: self.get(f"/{kind}/{x}"), sorted(ids))
        details: list[dict[str, Any]] = self._cache[kind]
        return details

    def _worklist_details(self) -> list[dict[str, Any]]:
        """The list leaves out boards' lanes (whatever `hide_lanes` says: StoryBoard reads any value of a
        boolean parameter as true), so those come from the boards."""
        return self._details("worklists", lambda: (lane["list_id"] for b in self._board_details()
                                                   for lane in b.get("lanes") or ()))

    def _worklists(self) -> Iterable[dict[str, Any]]:
        return self._worklist_details()

    def _worklist_filters(self) -> Iterable[dict[str, Any]]:
        return sorted((f for w in self._worklist_details() for f in w.get("filters") or ()), key=lambda f: f["id"])

    def _filter_criteria(self) -> Iterable[dict[str, Any]]:
        return sorted((c for f in self._worklist_filters() for c in f.get("filter_criteria") or ()),
                      key=lambda c: c["id"])

    def _worklist_items(self) -> Iterable[dict[str, Any]]:
        manual = [w["id"] for w in self._worklist_details() if not w.get("automatic")]
        answers = self.each(lambda w: self.get(f"/worklists/{w}/items"), manual)
        return sorted((item for items in answers for item in items), key=lambda i: i["id"])

    def _board_details(self) -> list[dict[str, Any]]:
        return self._details("boards")

    def _boards(self) -> Iterable[dict[str, Any]]:
        return self._board_details()

    def _board_lanes(self) -> Iterable[dict[str, Any]]:
        return sorted((lane for b in self._board_details() for lane in b.get("lanes") or ()), key=lambda x: x["id"])

    def _due_dates(self) -> Iterable[dict[str, Any]]:
        if "due dates" not in self._cache:
            self._cache["due dates"] = sorted(self.get("/due_dates"), key=lambda d: d["id"])
        dates: list[dict[str, Any]] = self._cache["due dates"]
        return dates

    def _due_date_items(self) -> Iterable[dict[str, Any]]:
        for date in self._due_dates():
            for item_type, field in (("story", "stories"), ("task", "tasks")):
                yield from ({"due_date_id": date["id"], "item_type": item_type, "item_id": x["id"]}
                            for x in date.get(field) or ())

    def _due_date_boards(self) -> Iterable[dict[str, Any]]:
        for board in self._board_details():
            yield from ({"due_date_id": d["id"], "board_id": board["id"]} for d in board.get("due_dates") or ())

    def _due_date_worklists(self) -> Iterable[dict[str, Any]]:
        worklists = [w["id"] for w in self._worklist_details()]
        answers = self.each(lambda w: self.get("/due_dates", {"worklist_id": w}), worklists)
        for worklist_id, dates in zip(worklists, answers, strict=True):
            yield from ({"due_date_id": d["id"], "worklist_id": worklist_id} for d in dates)

    def _permissions(self) -> Iterable[dict[str, Any]]:
        """Owners hold the edit permission, users the move (assign) one, as StoryBoard's answers list them."""
        objects = [("worklist", w) for w in self._worklist_details()] + [("board", b) for b in self._board_details()]
        objects += [("due_date", d) for d in self._due_dates()]
        for object_type, obj in objects:
            edit, move = PERMISSION_CODES[object_type]
            for codename, users, teams in ((edit, "owners", "team_owners"), (move, "users", "team_users")):
                yield {"object_type": object_type, "object_id": obj["id"], "codename": codename,
                       "name": f"{codename.replace('_date', '_due_date')}_{obj['id']}",
                       "users": obj.get(users) or [], "teams": obj.get(teams) or []}

    def close(self) -> None:
        self.http.close()


__all__ = ["ApiError", "ApiSource"]
