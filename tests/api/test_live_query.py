"""Live updates for a list's query (/preview/live?query=, issue 15): a story that comes to match the query
anywhere is told within a second, on other app instances (each a real uvicorn server with its own hub),
on both engines; a private story's changes reach only readers who may see it, matching or not; `@me`
queries are the reader's; refusals name the field and position; the query streams' bound; one statement
per (query, kind of reader) and batch."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from builders import uniq
from sqlalchemy import select
from test_live_updates import SSE, Served, comment, ready

from storyline import live
from storyline.authz import Viewer
from storyline.db import session_scope
from storyline.stories.models import Event


@pytest.fixture(scope="module")
def instances(database_url: str) -> Iterator[tuple[Served, Served]]:
    """Two more app instances on the test database; the second matches at most 2 distinct queries."""
    a = Served(database_url, live_heartbeat=1.0)
    b = Served(database_url, live_heartbeat=1.0, live_max_queries=2)
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def tag(api: Any, story_id: int, name: str, who: Any = None) -> None:
    api.ok("PUT", f"/v1/stories/{story_id}/tags", who, params={"tags": name})


def test_a_story_that_comes_to_match_is_told_anywhere(instances, api, user, other):
    a, b = instances
    label = uniq("livequery").replace("-", "")
    query = f"tag:{label} is:open"
    on_a = SSE(a.base, {"query": query}, user.headers)
    on_b = SSE(b.base, {"query": query}, other.headers)
    try:
        ready(on_a), ready(on_b)
        latencies = []
        for i in range(5):
            project = api.project()  # a project of its own each time: no stream names any project
            story = api.story(user, title=f"Comes to match {i}")
            task = api.task(story["id"], project["id"], user)
            started = time.monotonic()
            tag(api, story["id"], label, user)
            for s in (on_a, on_b):
                # The story's creation and task may come in the same batch (judged by the story as it is now).
                while (notice := s.next(timeout=3)["json"])["type"] != "tags_added":
                    assert notice["story_id"] == story["id"], notice
                assert notice["story_id"] == story["id"], notice
                assert set(notice) == {"id", "type", "story_id", "worklist_id", "board_id"}
            latencies.append(time.monotonic() - started)
        print(f"\nlive query: the write request sent to both streams told ({a.app.state.engine.dialect.name}): "
              f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        assert sorted(latencies)[3] < 1.0, latencies
        # A story that does not match: nothing; a story of the list changed (a comment): told.
        elsewhere = api.story(user)
        tag(api, elsewhere["id"], label + "x", user)
        comment(api, user, elsewhere["id"])
        assert on_a.changes_within(0.8) == [] and on_b.changes_within(0.1) == []
        event = comment(api, user, story["id"], "on a matching story")
        assert on_a.until(event["id"])[-1]["story_id"] == story["id"]
        on_b.until(event["id"])
        # Leaving the list (closed: no longer `is:open`): only a stream naming the story shown hears it.
        shown = SSE(a.base, [("query", query), ("story", story["id"])], user.headers)
        try:
            ready(shown)
            api.ok("PUT", f"/v1/tasks/{task['id']}", user, json={"status": "invalid"})  # the story is invalid
            closing = shown.next(timeout=3)["json"]
            assert closing["story_id"] == story["id"]
            assert on_a.changes_within(0.8) == []
        finally:
            shown.close()
    finally:
        on_a.close()
        on_b.close()


def test_private_stories_reach_only_their_readers_matching_or_not(instances, api, user, other, admin):
    a, b = instances
    label = uniq("livesecret").replace("-", "")
    project = api.project()
    query = f"tag:{label}"
    outsider = SSE(b.base, {"query": query}, other.headers)
    superuser = SSE(a.base, {"query": query}, admin.headers)
    anonymous = SSE(a.base, {"query": query})
    everything = SSE(a.base, {"query": ""}, other.headers)  # every story the reader may see
    insider = SSE(a.base, {"query": query}, user.headers)
    # An outsider fishing with the secret's own words: a match must not show through the stream either.
    fishing = SSE(b.base, {"query": f"{label}word OR tag:{label}"}, other.headers)
    streams = (outsider, superuser, anonymous, everything, insider, fishing)
    try:
        for s in streams:
            ready(s)
        # A private story that matches, and a private one that does not.
        matching = api.story(user, private=True, title=f"the matching secret {label}word")
        api.task(matching["id"], project["id"], user)
        tag(api, matching["id"], label, user)
        secret = comment(api, user, matching["id"], "the secret")
        unmatched = api.story(user, private=True, title="the other secret")
        api.task(unmatched["id"], project["id"], user)
        tag(api, unmatched["id"], label + "no", user)
        other_secret = comment(api, user, unmatched["id"], "another secret")
        public = api.story(user)
        tag(api, public["id"], label, user)
        marker = comment(api, user, public["id"], "in the open")
        hidden = {matching["id"], unmatched["id"]}
        for s in (outsider, superuser, anonymous, everything, fishing):
            got = s.until(marker["id"]) + s.changes_within(0.5)
            assert all(c["story_id"] not in hidden for c in got), got
            assert {c["story_id"] for c in got} == {public["id"]}, got
        seen = insider.until(marker["id"])
        assert secret["id"] in [c["id"] for c in seen]
        assert other_secret["id"] not in [c["id"] for c in seen]  # on its list, but not matching
        assert unmatched["id"] not in {c["story_id"] for c in seen}
        # On the list: told from then on; off it again: no longer.
        api.ok("PUT", f"/v1/stories/{matching['id']}/users/{other.id}", user)
        later = comment(api, user, matching["id"], "now you may know")
        assert outsider.until(later["id"])[-1]["story_id"] == matching["id"]
        api.ok("DELETE", f"/v1/stories/{matching['id']}/users/{other.id}", user)
        gone = comment(api, user, matching["id"], "not for you any more")
        last = comment(api, user, public["id"], "marker")
        assert gone["id"] not in [c["id"] for c in outsider.until(last["id"])]
        assert gone["id"] in [c["id"] for c in insider.until(last["id"])]
    finally:
        for s in streams:
            s.close()


def test_me_is_the_reader(instances, api, user, other):
    a, _ = instances
    project = api.project()
    mine = SSE(a.base, {"query": "assignee:@me is:open"}, other.headers)
    theirs = SSE(a.base, {"query": "assignee:@me is:open"}, user.headers)
    try:
        ready(mine), ready(theirs)
        story = api.story(user)
        task = api.task(story["id"], project["id"], user)
        api.ok("PUT", f"/v1/tasks/{task['id']}", user, json={"assignee_id": other.id})
        got = mine.next(timeout=3)["json"]
        assert got["story_id"] == story["id"]
        assert theirs.changes_within(0.8) == []
    finally:
        mine.close()
        theirs.close()


def test_refusals_name_the_field_and_position(instances, api, user, other):
    a, _ = instances
    cases = [
        ({"query": "tag:x (is:open"}, user.headers, 6, ")"),
        ({"query": "nosuch:thing"}, user.headers, 0, "a known qualifier"),
        ({"query": f"subscriber:{other.id}"}, user.headers, 11, "@me"),
        ({"query": "assignee:@me"}, {}, 9, "a name or an id (log in to use @me)"),
    ]
    for params, headers, position, expected in cases:
        r = httpx.get(f"{a.base}/preview/live", params=params, headers=headers, timeout=10)
        assert r.status_code == 400, (params, r.status_code, r.text)
        body = r.json()
        assert (body["field"], body["position"], body["expected"]) == ("query", position, expected), body
    r = httpx.get(f"{a.base}/preview/live", params={"query": "x" * 1001}, headers=user.headers, timeout=10)
    assert r.status_code == 400 and r.json()["field"] == "query", r.text
    # A name that matches nothing matches nothing (it may come to exist), as in a worklist's saved query.
    nameless = SSE(a.base, {"query": "is:open project:no-such-project-anywhere"}, user.headers)
    try:
        ready(nameless)
    finally:
        nameless.close()


def test_distinct_queries_are_bounded_per_process(instances, api, user, other):
    _, b = instances  # 2 distinct queries there
    story = api.story(user)
    deadline = time.monotonic() + 10  # the earlier tests' streams there are gone (the server saw them go)
    hub = getattr(b.app.state, "live_hub", None)  # (made at the first stream there)
    while hub is not None and any(s.interest.query is not None for s in list(hub.streams)):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # `is:open` read by two people is one group (its condition is shared), `assignee:@me` one per reader.
    streams = [SSE(b.base, {"query": "is:open"}, who.headers) for who in (user, other)]
    streams.append(SSE(b.base, {"query": "assignee:@me"}, user.headers))
    try:
        for s in streams:
            ready(s)
        for who, query in ((user, "tag:another"), (other, "assignee:@me")):
            third = SSE(b.base, {"query": query}, who.headers)
            assert third.status == 429 and "distinct queries" in third.body, (query, third.body)
        more = [SSE(b.base, {"query": "is:open"}), SSE(b.base, {"query": "assignee:@me"}, user.headers),
                SSE(b.base, {"story": story["id"]}, user.headers)]  # groups already matched, no query
        streams += more
        for s in more:
            ready(s)
        # Query streams count against their reader's own limit, as any stream.
        assert b.app.state.live_hub.count(f"user:{user.id}") == 4
    finally:
        for s in streams:
            s.close()


def test_resume_replays_the_matching_changes_missed(instances, api, user):
    a, _ = instances
    label = uniq("liveresume").replace("-", "")
    first = SSE(a.base, {"query": f"tag:{label}"}, user.headers)
    cursor = ready(first)
    first.close()
    story = api.story(user)
    tag(api, story["id"], label, user)
    missed = comment(api, user, story["id"], "while away")
    comment(api, user, api.story(user)["id"], "not matching")
    time.sleep(0.6)  # the hub has read them: the resumed stream starts after them
    resumed = SSE(a.base, {"query": f"tag:{label}"}, {**user.headers, "Last-Event-ID": str(cursor)})
    try:
        replayed = []
        while (event := resumed.events.get(timeout=3))["event"] != "ready":
            assert event["event"] != "closed"
            if event["event"] == "change":
                replayed.append(int(event["id"]))
        assert missed["id"] in replayed
        assert all(n >= missed["id"] - 5 for n in replayed)
    finally:
        resumed.close()


def test_one_condition_per_query_and_kind_of_reader(app, api, user, other, admin):
    """matching() groups the query streams: readers of the same query share one condition unless it
    names `@me`, and every condition is tested in one statement per batch; the notices are then filtered
    per reader by the visibility rule."""
    label = uniq("livegroup").replace("-", "")
    shared = api.story(user)
    tag(api, shared["id"], label, user)
    project = api.project()
    task = api.task(shared["id"], project["id"], user, assignee_id=other.id)
    assert task["assignee_id"] == other.id
    secret = api.story(user, private=True)
    tag(api, secret["id"], label, user)
    with session_scope(app.state.read_sessions) as session:  # each story's latest event, as the hub reads it
        events = [live.Notice(*session.execute(select(Event.id, Event.event_type, Event.story_id, Event.worklist_id,
                                                      Event.board_id).where(Event.story_id == sid)
                                               .order_by(Event.id.desc()).limit(1)).one())
                  for sid in (shared["id"], secret["id"])]
    loop = asyncio.new_event_loop()
    try:
        def stream(who: Any, query: str | None, stories: frozenset[int] = frozenset()) -> live.Stream:
            viewer = Viewer(user_id=who.id if who else None, is_superuser=who is admin)
            return live.Stream(viewer=viewer, interest=live.Interest(stories=stories, query=query), key="k", loop=loop)

        by_tag = [stream(user, f"tag:{label}"), stream(other, f"tag:{label}"), stream(admin, f"tag:{label}"),
                  stream(None, f"tag:{label}")]
        by_me = [stream(user, "assignee:@me"), stream(other, "assignee:@me")]
        plain = stream(other, None, frozenset({shared["id"]}))
        queries = live.QueryConditions()
        with session_scope(app.state.read_sessions) as session:
            found = live.matching(session, [*by_tag, *by_me, plain], events, queries)
        # Three (query, reader) groups: tag:… once for every reader, assignee:@me once per reader; in one statement.
        assert (queries.groups, queries.statements, queries.built) == (3, 1, 1)
        ids = {s: [n.story_id for n in found.get(s, [])] for s in [*by_tag, *by_me, plain]}
        assert ids[by_tag[0]] == [shared["id"], secret["id"]]  # the private story's own reader
        for s in by_tag[1:]:
            assert ids[s] == [shared["id"]]  # others: never the private story
        assert ids[by_me[0]] == [] and ids[by_me[1]] == [shared["id"]]
        assert ids[plain] == [shared["id"]]
        # The statement is kept from batch to batch; a query group added rebuilds only its chunk's statement.
        with session_scope(app.state.read_sessions) as session:
            live.matching(session, [*by_tag, *by_me, plain], events, queries)
            assert (queries.statements, queries.built) == (2, 1)
            many = [stream(other, f"tag:{label} OR #{n}") for n in range(1, 2 * live.CHUNK - 2)]  # 32 groups in all
            found = live.matching(session, [*by_tag, *by_me, *many], events, queries)
            assert queries.built == 3 and queries.statements == 4  # chunk 0 again, and chunk 1
            assert all([n.story_id for n in found[s]] == [shared["id"]] for s in many)
            found = live.matching(session, [*by_tag, *by_me, *many, stream(other, "#1")], events, queries)
            assert queries.built == 4 and queries.statements == 7  # only chunk 2 is new
    finally:
        loop.close()


def test_words_phrases_and_names_are_tested_per_story(app, api, user):
    """The per-story form of each kind of term (search.matching): full text (a word's prefix, a phrase),
    projects by name, tags, negation, OR; as the search page would find the story."""
    word = uniq("zanzibar").replace("-", "")
    project = api.project()
    story = api.story(user, title=f"The {word} quokka jumps", description="over the lazy dog")
    api.task(story["id"], project["id"], user)
    tag(api, story["id"], "perstory", user)
    bystander = api.story(user, title="Nothing to see")
    viewer = Viewer(user_id=user.id)
    cases = {
        word[:-2]: True, f'"{word} quokka"': True, f'"quokka {word}"': False, "lazy dog": True,
        f"project:{project['name']}": True, f"project:{project['name']} -tag:perstory": False,
        f"tag:perstory OR {word}": True, f"tag:nosuchtag OR {word}zz": False, "is:closed": False, "": True,
    }
    from storyline.search import matching as per_story
    from storyline.search.query import parse

    with session_scope(app.state.read_sessions) as session:
        conditions = [per_story.story_condition_per_story(session, viewer, parse(q)) for q in cases]
        found = per_story.story_ids_matching_each(session, conditions, [story["id"], bystander["id"]])

    def searched(q: str, sid: int) -> bool:  # what the search page says of that story
        return bool(api.ok("GET", "/preview/search", user, params={"q": f"({q}) #{sid}" if q else f"#{sid}"}))

    for (q, expected), ids in zip(cases.items(), found, strict=True):
        assert (story["id"] in ids) is expected, q
        assert searched(q, story["id"]) is expected, q
        assert (bystander["id"] in ids) is searched(q, bystander["id"]), q
