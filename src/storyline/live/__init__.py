"""Live updates: the timeline events committed by any process, told to the open streams of this one.

Every change writes its timeline event (`events`) in its own transaction (`timeline.emit`). One
`LiveHub` per API process learns of newly committed events and hands each open stream the ones it
asked about (its stories, worklists, boards, projects or project groups, or its query) that its viewer
may see:

- **PostgreSQL**: a trigger on `events` (migration 0014) sends `NOTIFY storyline_events, '<id>'` in
  the writing transaction; PostgreSQL delivers it at the commit, in commit order, to every process
  listening. The hub's thread listens on a connection of its own (outside the pool). After a lost
  connection it catches up on the ids it has not seen, from LOOKBACK ids below the last one it saw
  (an id is taken at insert, so a transaction that began earlier may commit a smaller id later).
  The hub remembers the order of the last LOG_LIMIT announcements (`log`): a resume (Last-Event-ID)
  replays what was announced after that id and before the stream opened, whatever the ids, so an
  event whose id was taken before the resumed one but committed after it is not lost. A resumed id
  this process did not see announced (it started later; the id is older than the log) is replayed
  by id from LOOKBACK ids below it, which may repeat a few notices the client had (harmless: a
  notice only says what to read again) but loses none committed up to LOOKBACK ids late.
- **SQLite**: the hub's thread reads `max(events.id)` every `live_poll_interval` seconds (one query
  per process, whatever the number of streams; an index lookup), and the new rows when it moved; a
  write committed by this same process wakes it at once (the write sessions' after_commit event).
  SQLite has one writer at a time (db.SQLiteWriteLock across processes), so ids commit in order.

A stream may also name a list's query (the search language): it is then told of the changes of any
story that matches the query for its reader once changed (QueryConditions: one condition per query, or
per query and reader when it names `@me`, all tested in one statement per batch; at most
`max_queries` distinct groups; while one is open the hub rests in proportion to its batches' time,
so a burst is read in fewer, larger batches).

For each batch of new events the thread matches them against the streams' interests and then asks
the database, once per viewer concerned, which of those events the viewer may see: the events
endpoint's own rule (`authz.story_id_visible` and `planning.access.event_visible`), applied at send
time. A stream carries only notices (event id, type, story, worklist, board); the client reads what
changed through the ordinary API, where the rule applies again. All database work runs in the hub's
thread (or a worker thread for a stream's resume), never on the event loop; notices reach a stream's
asyncio queue through `loop.call_soon_threadsafe`.

The hub also rechecks, every heartbeat, that the tokens of the open streams are still valid (not
revoked or expired, the user still allowed to log in) and ends the streams of those that are not.
`stop()` ends every stream at once (the server's shutdown: uvicorn waits for open responses before it
stops, so the hub also ends them when the process receives SIGINT or SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from sqlalchemy import Engine, and_, bindparam, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from storyline.authz import Viewer, story_id_visible
from storyline.db import DATABASE_UNAVAILABLE, utcnow
from storyline.planning.access import event_visible
from storyline.planning.models import BoardLane, WorklistItem
from storyline.projects.models import ProjectGroupMember
from storyline.search import matching as matching_stories
from storyline.search import query as search_query
from storyline.stories.models import Event, Task
from storyline.users.models import AccessToken, User

log = logging.getLogger("storyline.live")

CHANNEL = "storyline_events"
# Events read per query (a burst, or a resume); a resume further behind than REPLAY_LIMIT is told
# to read everything again ("reset") rather than replayed.
BATCH = 1000
REPLAY_LIMIT = 500
# Notices queued for one stream that does not read them (a stalled client): beyond, it gets a reset.
QUEUE_LIMIT = 1000
# PostgreSQL: announcements remembered in commit order (for resumes), and how many ids below a cursor
# an event may still commit late (a resume from an id not in the log; a reconnection's catch-up).
LOG_LIMIT = 20000
LOOKBACK = 200
# Query streams: a query's compiled condition is kept this long (seconds; a name created since, such as a
# new project, counts after at most that). While one is open, the hub rests REST_FACTOR times as long as
# its last batch took (at most MAX_REST seconds) before it reads the next: a burst of events is taken in
# fewer, larger batches, and matching takes at most about 1 / (1 + REST_FACTOR) of the hub thread's time.
CONDITION_TTL = 30.0
RECOMPILE = 8  # expired conditions compiled again per batch (the others are used a little longer)
CHUNK = 16  # query groups per statement
FORGET_AFTER = 60.0  # seconds a group no stream asks about keeps its slot and condition
REST_FACTOR = 3.0
MAX_REST = 0.25


@dataclass(frozen=True)
class Interest:
    """What a stream asks about (ids; any of them)."""

    stories: frozenset[int] = frozenset()
    worklists: frozenset[int] = frozenset()
    boards: frozenset[int] = frozenset()
    projects: frozenset[int] = frozenset()
    project_groups: frozenset[int] = frozenset()
    # A list's query (the search language, docs/search.md): the changes of any story that matches it for
    # the stream's reader after the change ("" matches every story the reader may see).
    query: str | None = None

    @property
    def empty(self) -> bool:
        return self.query is None and not (self.stories or self.worklists or self.boards or self.projects
                                           or self.project_groups)

    def size(self) -> int:
        return (len(self.stories) + len(self.worklists) + len(self.boards) + len(self.projects)
                + len(self.project_groups))


@dataclass(frozen=True)
class Notice:
    """One committed event, as a stream tells it: ids and type, never its text."""

    id: int
    type: str
    story_id: int | None
    worklist_id: int | None
    board_id: int | None

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "story_id": self.story_id, "worklist_id": self.worklist_id,
                "board_id": self.board_id}


# What a stream's queue receives: notices, RESET (read everything again), or an end (with its reason).
RESET = "reset"


@dataclass(frozen=True)
class End:
    reason: str


@dataclass(eq=False)
class Stream:
    viewer: Viewer
    interest: Interest
    key: str  # whose limit it counts against: "user:<id>" or "anonymous:<address>"
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[list[Notice] | str | End] = field(default_factory=asyncio.Queue)
    # The hub's cursor when the stream was registered: the hub sends every event above it.
    start: int = 0
    # PostgreSQL: the hub's announcement count then; every announcement after it is sent live.
    start_seq: int = 0
    ended: bool = False

    def put(self, item: list[Notice] | str | End) -> None:
        """From any thread."""
        with contextlib.suppress(RuntimeError):  # its loop is closed: the stream is gone
            self.loop.call_soon_threadsafe(self._put, item)

    def _put(self, item: list[Notice] | str | End) -> None:
        if self.ended:
            return
        if isinstance(item, End):
            self.ended = True
        elif self.queue.qsize() >= QUEUE_LIMIT:
            while not self.queue.empty():  # a stalled reader: what it missed is replaced by a reset
                self.queue.get_nowait()
            item = RESET
        self.queue.put_nowait(item)


class TooMany(Exception):
    """A stream limit is reached (`scope`: "user" or "process")."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class Closed(Exception):
    """The hub is stopping: no new stream."""


@dataclass(frozen=True)
class Limits:
    poll_interval: float = 0.25
    heartbeat: float = 15.0
    max_streams: int = 1000
    max_streams_per_user: int = 20
    max_queries: int = 200  # distinct (query, reader) groups


class QueryConditions:
    """The compiled conditions of the open streams' queries, and which stories of a batch match each.

    Streams are grouped by (query, reader) when the query's meaning depends on the reader (`@me`,
    `subscriber:`), else by query alone: one condition per group (`stories.id IN (the batch's stories)
    AND <query written per story>`, search.matching), compiled once and kept CONDITION_TTL seconds (at
    most RECOMPILE expired ones are compiled again per batch, so they do not all fall due at once). Each
    group keeps a slot while it is in use; the slots are tested CHUNK at a time, one UNION ALL statement
    per CHUNK slots, built once while its groups stay the same: a stream opened or closed with another
    query rebuilds (and SQLAlchemy compiles) one small statement, not all of them. The visibility rule
    is applied after, per reader, with every other notice's."""

    def __init__(self) -> None:
        self._parsed: dict[str, tuple[Any, bool]] = {}  # query -> (parsed, personal)
        self._conditions: dict[tuple[str, int | None], tuple[Any, float]] = {}  # key -> (condition, compiled at)
        self._slots: dict[tuple[str, int | None], int] = {}
        self._last_used: dict[tuple[str, int | None], float] = {}
        # chunk -> (its (slot, condition id) pairs, its conditions (kept: their ids stay theirs), its statement)
        self._chunks: dict[int, tuple[tuple[tuple[int, int], ...], list[Any], Any]] = {}
        self.statements = 0  # statements run (for tests and measurements)
        self.groups = 0  # (query, reader) groups matched, batch after batch
        self.built = 0  # chunk statements built
        self.seconds = 0.0  # time spent matching (compiling included)
        self._lock = threading.Lock()  # the hub's thread, and a resume's worker thread
        self._parse_lock = threading.RLock()  # the parse cache, also read by open() on the event loop

    def key(self, stream: Stream) -> tuple[str, int | None]:
        return self.key_of(stream.interest.query or "", stream.viewer.user_id)

    def key_of(self, text: str, user_id: int | None) -> tuple[str, int | None]:
        """The group of a query read by that user: (query, user) when it names @me, else (query, None)."""
        return (text, user_id if self._parse(text)[1] else None)

    def parsed(self, text: str) -> Any:
        return self._parse(text)[0]

    def _parse(self, text: str) -> tuple[Any, bool]:
        with self._parse_lock:
            found = self._parsed.get(text)
            if found is None:
                parsed = search_query.parse(text)  # (checked when the stream opened)
                found = self._parsed[text] = (parsed, matching_stories.personal(parsed))
            return found

    def match(self, session: Session, streams: list[Stream], story_ids: list[int]) -> dict[Stream, set[int]]:
        """For each of `streams` (with a query), the stories of `story_ids` matching its query."""
        with self._lock:
            keys = {stream: self.key(stream) for stream in streams}
            by_key = self._match(session, keys, story_ids)
            return {stream: by_key[key] for stream, key in keys.items()}

    def _match(self, session: Session, keys: dict[Stream, tuple[str, int | None]],
               story_ids: list[int]) -> dict[tuple[str, int | None], set[int]]:
        started = time.perf_counter()
        groups: dict[tuple[str, int | None], Viewer] = {}
        for stream, key in keys.items():
            groups.setdefault(key, stream.viewer)
        now = time.monotonic()
        recompiled = 0
        for key, viewer in groups.items():
            cached = self._conditions.get(key)
            due = cached is not None and now - cached[1] > CONDITION_TTL and recompiled < RECOMPILE
            if cached is None or due:
                recompiled += due
                reader = viewer if key[1] is not None else Viewer(user_id=None)
                self._conditions[key] = (
                    matching_stories.story_condition_per_story(session, reader, self.parsed(key[0])), now)
            if key not in self._slots:
                used = set(self._slots.values())
                self._slots[key] = next(i for i in itertools.count() if i not in used)
            self._last_used[key] = now
        # The chunks holding the groups, each with every group of its slots (kept from batch to batch).
        members: dict[int, list[tuple[int, tuple[str, int | None]]]] = {}
        for key, slot in self._slots.items():
            members.setdefault(slot // CHUNK, []).append((slot, key))
        statements = []
        for chunk in sorted({self._slots[key] // CHUNK for key in groups}):
            pairs = sorted(members[chunk])
            signature = tuple((slot, id(self._conditions[key][0])) for slot, key in pairs)
            kept = self._chunks.get(chunk)
            if kept is None or kept[0] != signature:
                conditions = [(slot, self._conditions[key][0]) for slot, key in pairs]
                kept = self._chunks[chunk] = (signature, [c for _, c in conditions],
                                              matching_stories.matching_statement(conditions))
                self.built += 1
            statements.append(kept[2])
        found = matching_stories.run_matching(session, statements, story_ids) if story_ids else {}
        self.statements += len(statements) if story_ids else 0
        self.groups += len(groups)
        result = {key: found.get(self._slots[key], set()) for key in groups}
        # Forget the groups no stream has asked about for a while (their slots are taken again).
        for key in [k for k, at in self._last_used.items() if now - at > FORGET_AFTER]:
            for table in (self._last_used, self._slots, self._conditions):
                table.pop(key, None)
        with self._parse_lock:
            if len(self._parsed) > 2 * len(self._slots) + 16:
                texts = {k[0] for k in self._slots}
                for text in [t for t in self._parsed if t not in texts]:
                    del self._parsed[text]
        self.seconds += time.perf_counter() - started
        return result


_ROW = select(Event.id, Event.event_type, Event.story_id, Event.worklist_id, Event.board_id)
_AFTER = _ROW.where(Event.id > bindparam("after"), Event.id <= bindparam("upto")).order_by(Event.id).limit(BATCH)
_BY_IDS = _ROW.where(Event.id.in_(bindparam("ids", expanding=True))).order_by(Event.id)
_MAX = select(func.max(Event.id))
_TOKENS_VALID = (select(AccessToken.id).join(User, User.id == AccessToken.user_id)
                 .where(AccessToken.id.in_(bindparam("ids", expanding=True)),
                        AccessToken.expires_at > bindparam("now"), User.enable_login.is_(True)))


@functools.lru_cache(maxsize=1024)
def _visible_events(user_id: int | None) -> Any:
    """Which of the events `event_ids` the reader may see: the events endpoint's rule. Built once per
    reader (building the rule costs more than running it), run batch after batch."""
    viewer = Viewer(user_id=user_id)
    return select(Event.id).where(Event.id.in_(bindparam("event_ids", expanding=True)),
                                  story_id_visible(viewer, Event.story_id),
                                  event_visible(viewer, Event.worklist_id, Event.board_id))


def _notices(rows: Iterable[Any]) -> list[Notice]:
    return [Notice(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def matching(session: Session, streams: list[Stream], events: list[Notice],
             queries: QueryConditions | None = None) -> dict[Stream, list[Notice]]:
    """For each stream, the events it asked about that its viewer may see (a few queries per batch:
    what the events' stories belong to, when some stream needs it, which of them match the streams'
    queries (one per query and kind of reader), then one per viewer)."""
    if not streams or not events:
        return {}
    story_ids = sorted({e.story_id for e in events if e.story_id is not None})
    # The queries' matches among the batch's stories (as they are now, after the changes).
    query_streams = [s for s in streams if s.interest.query is not None]
    query_matches: dict[Stream, set[int]] = {}
    if query_streams and story_ids:
        query_matches = (queries or QueryConditions()).match(session, query_streams, story_ids)
    boards = set().union(*(s.interest.boards for s in streams))
    lists_asked = set().union(*(s.interest.worklists for s in streams))
    projects = set().union(*(s.interest.projects for s in streams))
    groups = set().union(*(s.interest.project_groups for s in streams))
    # The lanes of the boards asked about (a lane's events and cards are the board's).
    lanes: dict[int, int] = {}
    if boards:
        lanes = dict(session.execute(select(BoardLane.list_id, BoardLane.board_id)
                                     .where(BoardLane.board_id.in_(sorted(boards)))).all())
    # The stories' projects (their tasks'), for the project and group lists.
    story_projects: dict[int, set[int]] = {}
    story_groups: dict[int, set[int]] = {}
    if story_ids and (projects or groups):
        for sid, pid in session.execute(select(Task.story_id, Task.project_id).where(
                Task.story_id.in_(story_ids)).distinct()):
            story_projects.setdefault(sid, set()).add(pid)
        if groups:
            all_projects = sorted(set().union(*story_projects.values())) if story_projects else []
            members: dict[int, set[int]] = {}
            if all_projects:
                for gid, pid in session.execute(select(ProjectGroupMember.project_group_id,
                                                       ProjectGroupMember.project_id).where(
                        ProjectGroupMember.project_id.in_(all_projects),
                        ProjectGroupMember.project_group_id.in_(sorted(groups)))):
                    members.setdefault(pid, set()).add(gid)
            for sid, pids in story_projects.items():
                story_groups[sid] = set().union(*(members.get(p, set()) for p in pids))
    # The worklists (lanes included) holding a story of the batch as a card: a card's story changed.
    story_lists: dict[int, set[int]] = {}
    containers = lists_asked | set(lanes)
    if story_ids and containers:
        cards = select(WorklistItem.list_id, WorklistItem.item_id).where(
            WorklistItem.list_id.in_(sorted(containers)), WorklistItem.item_type == "story",
            WorklistItem.item_id.in_(story_ids))
        task_cards = select(WorklistItem.list_id, Task.story_id).join(
            Task, and_(WorklistItem.item_type == "task", Task.id == WorklistItem.item_id)).where(
            WorklistItem.list_id.in_(sorted(containers)), Task.story_id.in_(story_ids))
        for query in (cards, task_cards):
            for lid, sid in session.execute(query):
                story_lists.setdefault(sid, set()).add(lid)

    def wanted(stream: Stream, e: Notice) -> bool:
        interest = stream.interest
        if e.story_id is not None:
            if e.story_id in interest.stories:
                return True
            if e.story_id in query_matches.get(stream, ()):
                return True
            if interest.projects & story_projects.get(e.story_id, set()):
                return True
            if interest.project_groups & story_groups.get(e.story_id, set()):
                return True
            for lid in story_lists.get(e.story_id, ()):
                if lid in interest.worklists or lanes.get(lid) in interest.boards:
                    return True
        if e.worklist_id is not None and (e.worklist_id in interest.worklists
                                          or lanes.get(e.worklist_id) in interest.boards):
            return True
        return e.board_id is not None and e.board_id in interest.boards

    candidates: dict[Stream, list[Notice]] = {}
    for stream in streams:
        chosen = [e for e in events if wanted(stream, e)]
        if chosen:
            candidates[stream] = chosen
    # The visibility rule, once per viewer, over the events any of their streams wants.
    by_viewer: dict[int | None, set[int]] = {}
    for stream, chosen in candidates.items():
        by_viewer.setdefault(stream.viewer.user_id, set()).update(e.id for e in chosen)
    visible: dict[int | None, set[int]] = {}
    for uid, ids in by_viewer.items():
        visible[uid] = set(session.execute(_visible_events(uid), {"event_ids": sorted(ids)}).scalars())
    result: dict[Stream, list[Notice]] = {}
    for stream, chosen in candidates.items():
        seen = visible[stream.viewer.user_id]
        shown = [e for e in chosen if e.id in seen]
        if shown:
            result[stream] = shown
    return result


class LiveHub:
    """One per API process (app.state.live_hub): the source of new events and the open streams."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session], limits: Limits) -> None:
        self.engine = engine
        self.sessions = sessions
        self.limits = limits
        self.sqlite = engine.dialect.name == "sqlite"
        self.cursor = 0  # the highest event id handed to the streams
        # PostgreSQL: the last LOG_LIMIT announced ids in commit order, their positions (1, 2, ...:
        # `seq` is the newest's), for resumes.
        self.seq = 0
        self.log: deque[int] = deque()
        self.position: dict[int, int] = {}
        self.streams: set[Stream] = set()
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()  # SQLite: a write of this process committed (see watch_commits)
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._signals: dict[int, Any] = {}
        self.last_batch_at = 0.0
        self.queries = QueryConditions()
        self._rest = 0.0  # seconds to rest before the next batch (query streams open; see REST_FACTOR)

    # ---- lifecycle ---------------------------------------------------------------------------------
    def start(self, wait: float = 10.0) -> None:
        """Start the thread (once) and wait until it knows the newest event. Blocking: run in a thread."""
        with self.lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="storyline-live", daemon=True)
                self._thread.start()
        self._ready.wait(wait)

    def stop(self) -> None:
        """End every stream now and stop the thread (the server is shutting down)."""
        with self.lock:
            self._closed = True
            streams = list(self.streams)
        for stream in streams:
            stream.put(End("shutdown"))
        self._stop.set()
        self._wake.set()

    def watch_commits(self, sessions: sessionmaker[Session]) -> None:
        """SQLite: a write committed by this process wakes the poll at once (other processes' writes are
        seen at the next poll). The sessions' after_commit event: after the data is in the database.
        Only while a stream is open: with none, a wake would cost every write a query for nothing (the
        poll keeps the cursor current meanwhile)."""
        if self.sqlite:
            event.listen(sessions, "after_commit", self._committed)

    def _committed(self, _session: Session) -> None:
        if self.streams:  # (a set's truth is read atomically; a stream opened just now waits one poll)
            self._wake.set()

    def watch_signals(self) -> None:
        """uvicorn waits for open responses to finish before it stops; a stream never does. So the
        signals that stop the server end the streams first (its own handlers stay in charge). From
        the main thread (uvicorn's event loop); elsewhere (a server in a thread) its owner calls stop()."""
        if self._signals or threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: FrameType | None, _previous: Any = previous) -> None:
                self.stop()
                if callable(_previous):
                    _previous(signum, frame)
                elif signum == signal.SIGINT and _previous == signal.default_int_handler:
                    raise KeyboardInterrupt

            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, handler)
                self._signals[sig] = previous

    # ---- streams -----------------------------------------------------------------------------------
    def open(self, viewer: Viewer, interest: Interest, key: str) -> Stream:
        """Register a stream (on its event loop); it receives every event above `stream.start`."""
        with self.lock:
            if self._closed:
                raise Closed()
            if len(self.streams) >= self.limits.max_streams:
                raise TooMany("process")
            if sum(1 for s in self.streams if s.key == key) >= self.limits.max_streams_per_user:
                raise TooMany("user")
            if interest.query is not None:
                # The bound is on distinct (query, reader) groups: a stream of a query already matched
                # (every home page names the same one) only shares its condition.
                group = self.queries.key_of(interest.query, viewer.user_id)
                groups = {self.queries.key_of(s.interest.query, s.viewer.user_id)
                          for s in self.streams if s.interest.query is not None}
                if group not in groups and len(groups) >= self.limits.max_queries:
                    raise TooMany("process")
            stream = Stream(viewer=viewer, interest=interest, key=key, loop=asyncio.get_running_loop(),
                            start=self.cursor, start_seq=self.seq)
            self.streams.add(stream)
        return stream

    def close(self, stream: Stream) -> None:
        with self.lock:
            self.streams.discard(stream)
        stream.ended = True

    def count(self, key: str | None = None) -> int:
        with self.lock:
            return sum(1 for s in self.streams if key is None or s.key == key)

    def replay(self, stream: Stream, after: int) -> list[Notice] | None:
        """The events committed after event `after` and before the stream opened that it asked about
        and may see (a resume); None when there are more than REPLAY_LIMIT (the client reads
        everything again). SQLite commits ids in order: the ids above `after`. PostgreSQL: the ones
        announced after `after` (the log), else by id from LOOKBACK below it. Blocking: run in a thread."""
        values: dict[str, Any]
        if self.sqlite:
            if after >= stream.start:
                return []
            query, values = _AFTER.limit(REPLAY_LIMIT + 1), {"after": after, "upto": stream.start}
        else:
            with self.lock:
                ids = self._announced_since(after, stream.start_seq)
                late = {i for i, seq in self.position.items() if seq > stream.start_seq}
            if ids is not None:
                if not ids:
                    return []
                if len(ids) > REPLAY_LIMIT:
                    return None
                query, values = _BY_IDS, {"ids": sorted(ids)}
            else:
                # Announced after the stream opened: on their way to it live.
                query, values = (_AFTER.where(Event.id.not_in(bindparam("late", expanding=True))).limit(REPLAY_LIMIT + 1),
                                 {"after": max(0, after - LOOKBACK), "upto": stream.start, "late": sorted(late)})
        with self.sessions() as session:
            rows = _notices(session.execute(query, values))
            if len(rows) > REPLAY_LIMIT:
                return None
            return matching(session, [stream], rows, self.queries).get(stream, [])

    def _announced_since(self, after: int, upto: int) -> list[int] | None:
        """The ids announced after `after` up to position `upto`; None when `after` is not in the log.
        Under self.lock."""
        position = self.position.get(after)
        if position is None:
            return None
        first = self.seq - len(self.log) + 1  # the position of log[0]
        return list(itertools.islice(self.log, position - first + 1, max(position, upto) - first + 1))

    def _record(self, ids: list[int]) -> None:
        """PostgreSQL: `ids` were announced (in this order). Under self.lock."""
        for i in ids:
            if i in self.position:
                continue
            self.seq += 1
            self.position[i] = self.seq
            self.log.append(i)
        while len(self.log) > LOG_LIMIT:
            self.position.pop(self.log.popleft(), None)

    # ---- the thread --------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            if self.sqlite:
                self._poll_sqlite()
            else:
                self._listen_postgresql()
        except Exception:  # noqa: BLE001 - a crashed hub ends its streams (the clients fall back to polling)
            log.exception("live updates stopped")
            self.stop()
        finally:
            self._ready.set()

    def _max_id(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(_MAX).scalar() or 0)

    def _poll_sqlite(self) -> None:
        self.cursor = self._max_id()
        self._ready.set()
        checked = time.monotonic()
        while not self._stop.is_set():
            self._rest_after_batch()
            self._wake.wait(self.limits.poll_interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            newest = self.cursor
            try:
                newest = self._max_id()
                if newest > self.cursor:
                    self._advance(newest)
                checked = self._maybe_check_tokens(checked)
            except DATABASE_UNAVAILABLE:
                log.debug("live: the database is not answering", exc_info=True)
                self._stop.wait(1.0)
            except Exception:  # noqa: BLE001 - a bug in a batch: its streams read everything again
                log.exception("live: a batch of events failed")
                self._reset_all()
                self.cursor = max(self.cursor, newest)

    def _advance(self, newest: int) -> None:
        """Hand the events above the cursor up to `newest` to the streams (SQLite, or a catch-up)."""
        while self.cursor < newest:
            with self.lock:
                if not self.streams:
                    self.cursor = newest
                    return
            with self.sessions() as session:
                rows = _notices(session.execute(_AFTER, {"after": self.cursor, "upto": newest}))
                self._dispatch(session, rows, max(rows[-1].id, self.cursor) if rows else newest)

    def _reset_all(self) -> None:
        with self.lock:
            streams = list(self.streams)
        for stream in streams:
            stream.put(RESET)

    def _dispatch(self, session: Session, rows: list[Notice], cursor: int, announced: list[int] | None = None) -> None:
        """Hand `rows` to the open streams and move the cursor to `cursor` (and record `announced`, on
        PostgreSQL), at once: a stream registered from then on starts after these rows (its cursor
        and position are past them: a resume replays them, a new stream is not sent them)."""
        with self.lock:
            if announced is not None:
                self._record(announced)
            self.cursor = max(self.cursor, cursor)
            streams = [s for s in self.streams if not s.ended]
        started = time.monotonic()
        for stream, notices in matching(session, streams, rows, self.queries).items():
            stream.put(notices)
        self.last_batch_at = time.monotonic()
        took = self.last_batch_at - started
        self._rest = min(MAX_REST, REST_FACTOR * took) if any(s.interest.query is not None for s in streams) else 0.0

    def _rest_after_batch(self) -> None:
        """While query streams are open: rest in proportion to the last batch's work (see REST_FACTOR)."""
        rest, self._rest = self._rest, 0.0
        if rest > 0:
            self._stop.wait(rest)

    def _maybe_check_tokens(self, checked: float) -> float:
        now = time.monotonic()
        if now - checked < self.limits.heartbeat:
            return checked
        with self.lock:
            streams = [s for s in self.streams if s.viewer.token_id is not None]
        if streams:
            ids = sorted({s.viewer.token_id for s in streams if s.viewer.token_id is not None})
            with self.sessions() as session:
                valid = set(session.execute(_TOKENS_VALID, {"ids": ids, "now": utcnow()}).scalars())
            for stream in streams:
                if stream.viewer.token_id not in valid:
                    stream.put(End("unauthorized"))
        return now

    def _listen_postgresql(self) -> None:
        first = True
        checked = time.monotonic()
        while not self._stop.is_set():
            try:
                raw = self.engine.raw_connection()
            except DATABASE_UNAVAILABLE:
                self._stop.wait(1.0)
                continue
            conn: Any = raw.driver_connection
            raw.detach()  # our own for as long as we listen: never back in the pool
            try:
                conn.rollback()
                conn.autocommit = True
                conn.execute(f"LISTEN {CHANNEL}")
                # Listening now: every commit from here on is announced. What committed before is
                # below the cursor (first start) or is caught up on (a reconnection).
                newest = self._max_id()
                if first:
                    self.cursor = newest
                    first = False
                    self._ready.set()
                else:
                    self._catch_up(newest)
                while not self._stop.is_set():
                    self._rest_after_batch()
                    ids = [int(n.payload) for n in conn.notifies(timeout=1.0, stop_after=1)]
                    if ids:  # a burst: what else is already there
                        ids += [int(n.payload) for n in conn.notifies(timeout=0.005, stop_after=BATCH)]
                        self._announced(ids)
                    checked = self._maybe_check_tokens(checked)
            except Exception:  # noqa: BLE001 - a lost listening connection: reconnect and catch up
                if not self._stop.is_set():
                    log.warning("live: listening connection lost; reconnecting", exc_info=True)
                    self._stop.wait(1.0)
            finally:
                with contextlib.suppress(Exception):
                    conn.close()

    def _announced(self, ids: list[int]) -> None:
        """PostgreSQL: events announced by their commits (commit order; ids may be out of order). A
        burst is handed out (and recorded) in id order: a stream's last id is the burst's highest.
        An id announced again (caught up on after a reconnection, then announced) is not sent twice."""
        with self.lock:
            ids = sorted({i for i in ids if i not in self.position})
        for i in range(0, len(ids), BATCH):
            chunk = ids[i:i + BATCH]
            with self.lock:
                if not self.streams:  # (checked and recorded at once: a stream opened next starts after)
                    self._record(chunk)
                    self.cursor = max(self.cursor, chunk[-1])
                    continue
            with self.sessions() as session:
                rows = _notices(session.execute(_BY_IDS, {"ids": chunk}))
                self._dispatch(session, rows, chunk[-1], chunk)

    def _catch_up(self, newest: int) -> None:
        """PostgreSQL, after a lost listening connection: the events committed meanwhile, those above
        the cursor and those up to LOOKBACK below it not announced before (committed late)."""
        with self.sessions() as session:
            found = list(session.execute(select(Event.id).where(Event.id > max(0, self.cursor - LOOKBACK),
                                                                 Event.id <= newest).order_by(Event.id)).scalars())
        with self.lock:
            missed = [i for i in found if i not in self.position]
        if missed:
            self._announced(missed)


_CREATE = threading.Lock()


def hub_for(state: Any) -> LiveHub:
    """The app's hub (app.state.live_hub), made on first use; `start()` it (in a thread)."""
    with _CREATE:
        hub: LiveHub | None = getattr(state, "live_hub", None)
        if hub is None:
            settings = state.settings
            limits = Limits(poll_interval=settings.live_poll_interval, heartbeat=settings.live_heartbeat,
                            max_streams=settings.live_max_streams,
                            max_streams_per_user=settings.live_max_streams_per_user,
                            max_queries=settings.live_max_queries)
            hub = state.live_hub = LiveHub(state.engine, state.read_sessions, limits)
            hub.watch_commits(state.write_sessions)
        return hub


def stop(state: Any) -> None:
    """End the app's streams and its hub (the lifespan's end)."""
    hub: LiveHub | None = getattr(state, "live_hub", None)
    if hub is not None:
        hub.stop()


__all__ = ["CHANNEL", "End", "Interest", "Limits", "LiveHub", "Notice", "QueryConditions", "RESET", "Stream",
           "TooMany", "hub_for", "matching", "stop"]
