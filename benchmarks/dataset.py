"""The benchmark dataset: a deterministic plan, loaded into a server through its v1 API.

The plan does not depend on the server, so Storyline and the StoryBoard peer receive exactly the same
projects, stories, tasks, tags and comments, and the same planning objects: a board whose lanes hold
cards pointing at ordinary stories and tasks, and an automatic worklist over the planning stories
(only the ids the servers hand out differ; `Loaded` maps plan positions to them). Loading uses a thread pool, one keep-alive connection per thread, and copes
with the peer's known write quirks (500 on a task that was in fact stored, 400 on concurrently created
tags) by checking what was stored before retrying. Every non-2xx answer is counted and reported.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from benchmarks.client import Conn, Target, TransportError

# Words of at least 5 letters (MariaDB's full-text index, used by the peer's search, skips short
# words and stopwords), so a search for any of them means the same thing on both servers.
VOCABULARY = (
    "keystone nova neutron cinder glance swift horizon heat ceilometer ironic manila designate octavia "
    "barbican placement scheduler conductor compute network volume image object storage dashboard "
    "orchestration baremetal loadbalancer secrets quota migration upgrade rollback deadlock timeout "
    "memory leak crash regression latency throughput endpoint token policy tenant domain federation "
    "catalog metadata snapshot backup replication cluster rabbit notification webhook gateway router "
    "firewall subnet floating console keypair flavor hypervisor libvirt emulator documentation translation packaging"
).split()
SEARCH_WORDS = ("scheduler", "deadlock", "keystone", "migration", "snapshot", "federation")
TAG_WORDS = (
    "low-hanging-fruit security-review needs-docs python3 ui api cli performance regression "
    "tech-debt upgrade testing packaging i18n accessibility database networking storage auth "
    "scheduler backport blocked design ops release zuul gerrit observability logging metrics "
    "config cleanup deprecation compat flaky infra help-wanted good-first-issue triage needs-tests"
).split()
# Task statuses of the plan: mostly open work, so most stories are `active`.
TASK_STATUS_WEIGHTS = (("todo", 45), ("inprogress", 15), ("review", 10), ("merged", 25), ("invalid", 5))
# Planning stories are created without tasks, so their status is `invalid` on both servers (a story
# without tasks is `invalid` in StoryBoard's computed status and in ours). Their words avoid the
# search words, so the full-text reads answer the same with or without them.
PLANNING_VOCABULARY = tuple(w for w in VOCABULARY if w not in SEARCH_WORDS)
LANE_TITLES = ("Backlog", "Next", "In progress", "Review", "Blocked", "Done")
# The automatic worklist: every story whose computed status is `invalid` (no open or merged task),
# one Story filter with one criterion; StoryBoard and Storyline evaluate it the same way.
AUTO_WORKLIST_TITLE = "Triage: stories without open work"
AUTO_FILTER = {"type": "Story", "filter_criteria": [
    {"title": "invalid stories", "field": "StoryStatus", "value": "invalid", "negative": False}]}


@dataclass(frozen=True)
class Sizes:
    projects: int = 30
    stories: int = 3000
    huge_tasks: int = 1500
    tags: int = 40
    comment_every: int = 3          # one comment on every Nth ordinary story
    max_tasks_per_story: int = 3
    planning_stories: int = 10_000  # stories without tasks, the automatic worklist's items
    lanes: int = 6                  # lanes of the board
    cards: int = 500                # cards on the board, spread over its lanes


@dataclass(frozen=True)
class TaskSpec:
    title: str
    project: int                    # index into Plan.projects
    status: str


@dataclass(frozen=True)
class StorySpec:
    title: str
    description: str
    tags: tuple[str, ...]
    tasks: tuple[TaskSpec, ...]
    comment: str | None


@dataclass(frozen=True)
class CardSpec:
    lane: int                       # index into Plan.lanes
    item_type: str                  # "story" or "task" (the story's first task)
    story: int                      # index into Plan.stories


@dataclass(frozen=True)
class Plan:
    sizes: Sizes
    projects: tuple[str, ...]
    tags: tuple[str, ...]
    huge: StorySpec
    stories: tuple[StorySpec, ...]
    search_words: tuple[str, ...] = SEARCH_WORDS
    planning: tuple[StorySpec, ...] = ()
    lanes: tuple[str, ...] = ()
    cards: tuple[CardSpec, ...] = ()

    @property
    def board_title(self) -> str:
        return f"Release plan: {len(self.lanes)} lanes, {len(self.cards)} cards"

    def lane_cards(self, lane: int) -> list[CardSpec]:
        """The cards of one lane, in their order (position 0 first)."""
        return [c for c in self.cards if c.lane == lane]

    @property
    def auto_expected(self) -> int:
        """Stories the automatic worklist holds: those whose tasks are all `invalid` (or none)."""
        return sum(1 for s in (self.huge, *self.stories, *self.planning)
                   if all(t.status == "invalid" for t in s.tasks))

    def project_story_counts(self) -> list[int]:
        """Stories with at least one task in each project (what a project's story list shows)."""
        counts = [0] * len(self.projects)
        for s in (self.huge, *self.stories):
            for p in {t.project for t in s.tasks}:
                counts[p] += 1
        return counts

    @property
    def fingerprint(self) -> str:
        """Identifies the plan's content (sizes, seed, generator): equal plans load equal data."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]

    @property
    def request_count(self) -> int:
        n = len(self.projects) + len(self.tags)
        for s in (self.huge, *self.stories, *self.planning):
            n += 1 + len(s.tasks) + (1 if s.tags else 0) + (1 if s.comment else 0)
        if self.lanes:
            n += len(self.lanes) + 1 + len(self.cards)     # lane worklists, the board, its cards
        return n + 1                                        # the automatic worklist


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(n))


def make_plan(sizes: Sizes, seed: int = 20261130) -> Plan:
    rng = random.Random(seed)
    statuses = [s for s, _ in TASK_STATUS_WEIGHTS]
    weights = [w for _, w in TASK_STATUS_WEIGHTS]
    projects = tuple(f"bench-project-{i:02d}" for i in range(sizes.projects))
    tags = tuple((TAG_WORDS[i % len(TAG_WORDS)] + ("" if i < len(TAG_WORDS) else f"-{i}"))
                 for i in range(sizes.tags))

    huge_tasks = tuple(
        TaskSpec(f"H.{i:05d} port {rng.choice(VOCABULARY)} to python3", i % sizes.projects,
                 rng.choices(statuses, weights)[0])
        for i in range(sizes.huge_tasks)
    )
    huge = StorySpec(
        title="H00000 Python 3 migration across every project",
        description="The goal story: every project moves to Python 3. " + _sentence(rng, 40),
        tags=tuple(tags[:3]),
        tasks=huge_tasks,
        comment="Tracking story for the community goal; " + _sentence(rng, 12),
    )
    stories = []
    for i in range(sizes.stories):
        n_tasks = rng.randint(1, sizes.max_tasks_per_story)
        tasks = tuple(
            TaskSpec(f"T{i:05d}.{j} {_sentence(rng, 3)}", rng.randrange(sizes.projects),
                     rng.choices(statuses, weights)[0])
            for j in range(n_tasks)
        )
        stories.append(StorySpec(
            title=f"S{i:05d} {_sentence(rng, rng.randint(4, 8))}",
            description=_sentence(rng, rng.randint(8, 30)),
            tags=tuple(sorted(set(rng.sample(tags, rng.randint(1, 2))))) if tags else (),
            tasks=tasks,
            comment=(f"C{i:05d} {_sentence(rng, rng.randint(5, 20))}"
                     if sizes.comment_every and i % sizes.comment_every == 0 else None),
        ))
    lanes = tuple(LANE_TITLES[i] if i < len(LANE_TITLES) else f"Lane {i + 1}" for i in range(sizes.lanes))
    cards: list[CardSpec] = []
    if lanes and stories:
        # Distinct ordinary stories; every third card is the story's first task instead (boards hold both).
        for k, story in enumerate(rng.sample(range(len(stories)), min(sizes.cards, len(stories)))):
            kind = "task" if (k // len(lanes)) % 3 == 2 else "story"
            cards.append(CardSpec(lane=k % len(lanes), item_type=kind, story=story))
    # Planning stories come last from the generator, so the ordinary dataset and the board above do not
    # depend on how many there are. One request each: a title and a description, no task, no tag, no comment.
    planning = tuple(
        StorySpec(title=f"P{i:05d} {' '.join(rng.choice(PLANNING_VOCABULARY) for _ in range(rng.randint(4, 8)))}",
                  description=" ".join(rng.choice(PLANNING_VOCABULARY) for _ in range(rng.randint(8, 20))),
                  tags=(), tasks=(), comment=None)
        for i in range(sizes.planning_stories)
    )
    return Plan(sizes=sizes, projects=projects, tags=tags, huge=huge, stories=tuple(stories),
                planning=planning, lanes=lanes, cards=tuple(cards))


@dataclass
class Loaded:
    """Server ids of the plan's objects, and how the load went."""

    target: str
    project_ids: list[int]
    huge_id: int
    story_ids: list[int]
    planning_ids: list[int] = field(default_factory=list)
    lane_ids: list[int] = field(default_factory=list)
    board_id: int | None = None
    auto_id: int | None = None
    seconds: float = 0.0
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)   # "POST /v1/tasks 500" -> count
    samples: dict[str, str] = field(default_factory=dict)    # first answer of each kind
    retries: int = 0

    def ids(self) -> dict[str, Any]:
        return {"project_ids": self.project_ids, "huge_id": self.huge_id, "story_ids": self.story_ids,
                "planning_ids": self.planning_ids, "lane_ids": self.lane_ids, "board_id": self.board_id,
                "auto_id": self.auto_id}

    def summary(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 1), "requests": self.requests,
                "requests_per_second": round(self.requests / self.seconds, 1) if self.seconds else None,
                "non_2xx": self.statuses, "non_2xx_samples": self.samples, "retries": self.retries}


class LoadError(RuntimeError):
    pass


class Loader:
    """Creates a plan's objects on one server, with `workers` concurrent connections."""

    def __init__(self, target: Target, plan: Plan, workers: int = 8, progress: bool = True) -> None:
        self.target = target
        self.plan = plan
        self.workers = workers
        self.progress = progress
        self._local = threading.local()
        self._lock = threading.Lock()
        self._statuses: Counter[str] = Counter()
        self._samples: dict[str, str] = {}
        self._requests = 0
        self._retries = 0
        self._done_stories = 0
        self._tasks_of: dict[int, list[int]] = {}     # story id -> its task ids, in plan order

    # -- plumbing ---------------------------------------------------------------------------
    def _conn(self) -> Conn:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = Conn(self.target)
        return conn

    def _call(self, method: str, path: str, body: Any = None,
              query: list[tuple[str, Any]] | None = None) -> tuple[int | None, Any]:
        """One request; (status, parsed JSON or None). status None = no answer (connection dropped)."""
        with self._lock:
            self._requests += 1
        try:
            status, payload = self._conn().request(method, path, body, query)
        except TransportError:
            with self._lock:
                self._statuses[f"{method} {_route(path)} no answer"] += 1
            return None, None
        if not 200 <= status < 300:
            key = f"{method} {_route(path)} {status}"
            with self._lock:
                self._statuses[key] += 1
                self._samples.setdefault(key, payload[:300].decode(errors="replace"))
        try:
            data = json.loads(payload) if payload else None
        except ValueError:
            data = None
        return status, data

    def _create(self, method: str, path: str, body: Any = None, query: list[tuple[str, Any]] | None = None,
                find: Callable[[], Any] | None = None, attempts: int = 6) -> Any:
        """Write with retries. After a failed answer, `find` looks for the object in case it was stored
        anyway (the peer's POST /v1/tasks may answer 500 after committing)."""
        last: tuple[int | None, Any] = (None, None)
        for attempt in range(attempts):
            if attempt:
                with self._lock:
                    self._retries += 1
                time.sleep(min(0.05 * 2 ** attempt, 1.0))
                if find is not None:
                    found = find()
                    if found is not None:
                        return found
            status, data = self._call(method, path, body, query)
            if status is not None and 200 <= status < 300:
                return data
            last = (status, data)
        raise LoadError(f"{self.target.name}: {method} {path} failed {attempts} times; last answer "
                        f"{last[0]}: {str(last[1])[:300]}")

    # -- objects ------------------------------------------------------------------------------
    def _project(self, name: str) -> int:
        def find() -> Any:
            status, data = self._call("GET", f"/v1/projects/{name}")
            return data if status == 200 else None
        data = self._create("POST", "/v1/projects", {"name": name, "description": f"Benchmark project {name}"},
                            find=find)
        return int(data["id"])

    def _tag(self, name: str) -> None:
        status, _ = self._call("POST", "/v1/tags", query=[("tag_name", name)])
        if status not in (200, 201, 400, 409):   # 400/409: exists already (a re-used database)
            raise LoadError(f"{self.target.name}: cannot create tag {name}: {status}")

    def _story(self, spec: StorySpec) -> int:
        marker = spec.title.split(" ", 1)[0]

        def find() -> Any:
            status, data = self._call("GET", "/v1/stories", query=[("title", marker)])
            if status == 200:
                for s in data:
                    if s.get("title") == spec.title:
                        return s
            return None
        data = self._create("POST", "/v1/stories", {"title": spec.title, "description": spec.description},
                            find=find)
        return int(data["id"])

    def _task(self, story_id: int, spec: TaskSpec, project_ids: list[int]) -> int:
        def find() -> Any:
            status, data = self._call("GET", f"/v1/stories/{story_id}/tasks")
            if status == 200:
                for t in data:
                    if t.get("title") == spec.title:
                        return t
            return None
        body = {"title": spec.title, "story_id": story_id, "project_id": project_ids[spec.project],
                "status": spec.status}
        return int(self._create("POST", "/v1/tasks", body, find=find)["id"])

    def _tags(self, story_id: int, tags: tuple[str, ...]) -> None:
        self._create("PUT", f"/v1/stories/{story_id}/tags", query=[("tags", t) for t in tags])

    def _comment(self, story_id: int, content: str) -> None:
        def find() -> Any:
            status, data = self._call("GET", f"/v1/stories/{story_id}/comments")
            if status == 200:
                for c in data:
                    if c.get("content") == content:
                        return c
            return None
        self._create("POST", f"/v1/stories/{story_id}/comments", {"content": content}, find=find)

    def _full_story(self, spec: StorySpec, project_ids: list[int], with_tasks: bool = True) -> int:
        sid = self._story(spec)
        if with_tasks:
            task_ids = [self._task(sid, t, project_ids) for t in spec.tasks]
            with self._lock:
                self._tasks_of[sid] = task_ids
        if spec.tags:
            self._tags(sid, spec.tags)
        if spec.comment:
            self._comment(sid, spec.comment)
        with self._lock:
            self._done_stories += 1
        return sid

    def _worklist(self, title: str, automatic: bool = False, filters: list[Any] | None = None) -> int:
        def find() -> Any:
            status, data = self._call("GET", "/v1/worklists", query=[("title", title)])
            if status == 200:
                for w in data:
                    if w.get("title") == title:
                        return w
            return None
        body = {"title": title, "private": False, "automatic": automatic, "filters": filters or []}
        return int(self._create("POST", "/v1/worklists", body, find=find)["id"])

    def _board(self, title: str, lane_ids: list[int]) -> int:
        def find() -> Any:
            status, data = self._call("GET", "/v1/boards", query=[("title", title)])
            if status == 200:
                for b in data:
                    if b.get("title") == title:
                        return b
            return None
        body = {"title": title, "description": "Benchmark board: cards on every lane", "private": False,
                "lanes": [{"list_id": lid, "position": i} for i, lid in enumerate(lane_ids)]}
        return int(self._create("POST", "/v1/boards", body, find=find)["id"])

    def _lane_cards(self, lane_id: int, items: list[tuple[str, int]]) -> None:
        """The cards of one lane, one after the other at the end of the list (one writer per lane:
        concurrent inserts into one list only measure lock waits)."""
        for position, (item_type, item_id) in enumerate(items):
            def find(item_type: str = item_type, item_id: int = item_id) -> Any:
                status, data = self._call("GET", f"/v1/worklists/{lane_id}/items")
                if status == 200:
                    for c in data:
                        if c.get("item_type") == item_type and c.get("item_id") == item_id:
                            return c
                return None
            self._create("POST", f"/v1/worklists/{lane_id}/items",
                         query=[("item_id", item_id), ("item_type", item_type), ("list_position", position)],
                         find=find)

    def _planning_story(self, spec: StorySpec) -> int:
        sid = self._story(spec)
        with self._lock:
            self._done_stories += 1
        return sid

    # -- the whole plan -----------------------------------------------------------------------
    def load(self) -> Loaded:
        plan = self.plan
        t0 = time.perf_counter()
        with ThreadPoolExecutor(self.workers) as pool:
            project_ids = list(pool.map(self._project, plan.projects))
            # Tags first, one at a time: concurrent creation of the same new tag is refused by the peer.
            for name in plan.tags:
                self._tag(name)
            huge_id = self._full_story(plan.huge, project_ids, with_tasks=False)
            # The huge story's tasks go in small chunks spread evenly through the queue of ordinary
            # stories: many writers on one story at once only measure the peer's lock waits and deadlocks.
            chunk = 10
            chunks = [plan.huge.tasks[i:i + chunk] for i in range(0, len(plan.huge.tasks), chunk)]
            every = max(1, len(plan.stories) // max(1, len(chunks)))
            huge_jobs, story_jobs = [], []
            for i, s in enumerate(plan.stories):
                if i % every == 0 and chunks:
                    huge_jobs.append(pool.submit(self._huge_tasks, huge_id, chunks.pop(0), project_ids))
                story_jobs.append(pool.submit(self._full_story, s, project_ids))
            huge_jobs += [pool.submit(self._huge_tasks, huge_id, c, project_ids) for c in chunks]
            # Planning: the automatic worklist and the lanes (plain worklists) are created while the
            # stories load; the planning stories (one POST each) queue behind the ordinary ones.
            auto_job = pool.submit(self._worklist, AUTO_WORKLIST_TITLE, True, [AUTO_FILTER])
            lane_jobs = [pool.submit(self._worklist, f"{plan.board_title}: {t}") for t in plan.lanes]
            planning_jobs = [pool.submit(self._planning_story, s) for s in plan.planning]
            self._wait(huge_jobs + story_jobs + [auto_job, *lane_jobs] + planning_jobs, t0)
            story_ids = [f.result() for f in story_jobs]
            planning_ids = [f.result() for f in planning_jobs]
            lane_ids = [f.result() for f in lane_jobs]
            board_id = None
            if lane_ids:
                # The board, then its cards (they point at ordinary stories and their first tasks). This
                # thread's connection has been idle since the huge story: the server may have closed it.
                self._conn().close()
                board_id = self._board(plan.board_title, lane_ids)
                card_jobs = []
                for lane, lane_id in enumerate(lane_ids):
                    items = [(c.item_type, story_ids[c.story] if c.item_type == "story"
                              else self._tasks_of[story_ids[c.story]][0]) for c in plan.lane_cards(lane)]
                    card_jobs.append(pool.submit(self._lane_cards, lane_id, items))
                self._wait(card_jobs, t0)
            auto_id = auto_job.result()
        loaded = Loaded(target=self.target.name, project_ids=project_ids, huge_id=huge_id,
                        story_ids=story_ids, planning_ids=planning_ids, lane_ids=lane_ids, board_id=board_id,
                        auto_id=auto_id, seconds=time.perf_counter() - t0, requests=self._requests,
                        statuses=dict(sorted(self._statuses.items())), samples=self._samples,
                        retries=self._retries)
        return loaded

    def _huge_tasks(self, story_id: int, specs: tuple[TaskSpec, ...], project_ids: list[int]) -> None:
        for spec in specs:
            self._task(story_id, spec, project_ids)

    def _wait(self, futures: list[Any], t0: float) -> None:
        total = len(self.plan.stories) + len(self.plan.planning) + 1
        next_report = time.perf_counter() + 15
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_EXCEPTION)
            for f in done:
                if f.exception() is not None:
                    for other in pending:
                        other.cancel()
                    f.result()
            if self.progress and time.perf_counter() >= next_report:
                next_report += 15
                print(f"  loading {self.target.name}: {self._done_stories}/{total} stories, "
                      f"{self._requests} requests, {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def _route(path: str) -> str:
    """`/v1/stories/12/tasks` -> `/v1/stories/{id}/tasks`, to group load statuses."""
    return "/".join("{id}" if p.isdigit() else p for p in path.split("?")[0].split("/"))


def verify(conn: Conn, plan: Plan, loaded: Loaded) -> list[str]:
    """Cheap consistency checks of a loaded server; returns problems (empty = fine)."""
    problems = []
    tasks = conn.get_json(f"/v1/stories/{loaded.huge_id}/tasks")
    if len(tasks) != len(plan.huge.tasks):
        problems.append(f"huge story has {len(tasks)} tasks, expected {len(plan.huge.tasks)}")
    for i in (0, len(plan.stories) // 2, len(plan.stories) - 1):
        if i < 0 or i >= len(plan.stories):
            continue
        story = conn.get_json(f"/v1/stories/{loaded.story_ids[i]}")
        if story.get("title") != plan.stories[i].title:
            problems.append(f"story {i}: title {story.get('title')!r} differs from the plan")
        if sorted(story.get("tags") or []) != sorted(plan.stories[i].tags):
            problems.append(f"story {i}: tags {story.get('tags')} differ from {plan.stories[i].tags}")
        n = len(conn.get_json(f"/v1/stories/{loaded.story_ids[i]}/tasks"))
        if n != len(plan.stories[i].tasks):
            problems.append(f"story {i}: {n} tasks, expected {len(plan.stories[i].tasks)}")
    if len(loaded.planning_ids) != len(plan.planning):
        problems.append(f"{len(loaded.planning_ids)} planning stories, expected {len(plan.planning)}")
    elif plan.planning:
        story = conn.get_json(f"/v1/stories/{loaded.planning_ids[-1]}")
        if story.get("title") != plan.planning[-1].title or story.get("status") != "invalid":
            problems.append(f"last planning story: {story.get('title')!r}, status {story.get('status')!r}")
    if len(loaded.lane_ids) != len(plan.lanes):
        problems.append(f"{len(loaded.lane_ids)} lanes, expected {len(plan.lanes)}")
    else:
        # Through the lanes' items (manual lists), cheap on both servers.
        for lane, lane_id in enumerate(loaded.lane_ids):
            cards = conn.get_json(f"/v1/worklists/{lane_id}/items")
            want = plan.lane_cards(lane)
            if len(cards) != len(want):
                problems.append(f"lane {lane}: {len(cards)} cards, expected {len(want)}")
            elif want and cards[0].get("item_type") != want[0].item_type:
                problems.append(f"lane {lane}: first card is a {cards[0].get('item_type')}, "
                                f"expected a {want[0].item_type}")
        if loaded.board_id is not None:
            lanes = conn.get_json(f"/v1/worklists?board_id={loaded.board_id}")
            if sorted(w["id"] for w in lanes) != sorted(loaded.lane_ids):
                problems.append(f"board {loaded.board_id}: lanes {[w['id'] for w in lanes]}, "
                                f"expected {loaded.lane_ids}")
    if loaded.auto_id is not None:
        # The automatic list's filter only: its items are what the benchmark measures (and StoryBoard's
        # items endpoint fails on automatic lists).
        filters = conn.get_json(f"/v1/worklists/{loaded.auto_id}/filters")
        fields = [(c.get("field"), c.get("value")) for f in filters for c in f.get("filter_criteria") or []]
        if fields != [("StoryStatus", "invalid")]:
            problems.append(f"automatic worklist {loaded.auto_id}: filter criteria {fields}")
    return problems
