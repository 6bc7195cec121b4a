"""/preview/search (the query language on the server), its completion, saved views (/preview/views) and
automatic worklists' Query criterion: results, counts, paging, errors with positions, and privacy."""

from __future__ import annotations

import datetime as dt

from builders import make_persona, uniq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def search(client, q, who=None, **params):
    r = client.get("/preview/search", params={"q": q, **params}, headers=who.headers if who else {})
    assert r.status_code == 200, (q, r.text)
    return [s["id"] for s in r.json()], int(r.headers["X-Total"])


def refused(client, q, who=None):
    r = client.get("/preview/search", params={"q": q}, headers=who.headers if who else {})
    assert r.status_code == 400, (q, r.status_code, r.text)
    body = r.json()
    assert body["field"] == "q" and body["message"]
    return body


def test_qualifiers_negation_or_and_sort(client, api, user, other):
    proj, proj2 = api.project(), api.project()
    group = api.group()
    api.ok("PUT", f"/v1/project_groups/{group['id']}/projects/{proj2['id']}")
    ui, docs = uniq("ui"), uniq("docs")
    a = api.story(user, title="Scheduler race in compute", tags=[ui])
    b = api.story(user, title="Docs typo", tags=[docs])
    c = api.story(other, title="Scheduler crash", tags=[ui, docs])
    for s, p in ((a, proj), (b, proj), (c, proj2)):
        api.task(s["id"], p["id"], user)
    t = api.task(a["id"], proj["id"], user, assignee_id=other.id)
    api.ok("PUT", f"/v1/tasks/{t['id']}", user, json={"status": "merged"})
    for sid in (a["id"], b["id"]):
        api.ok("PUT", f"/v1/tasks/{api.task(sid, proj2['id'], user)['id']}", user, json={"status": "invalid"})
    P = f"project:{proj['name']}"
    ids = lambda q, who=None: sorted(search(client, q, who)[0])  # noqa: E731
    assert ids(P) == sorted([a["id"], b["id"]])
    assert ids(f"project:{proj['id']}") == ids(P)
    assert ids(f"{P} tag:{ui}") == [a["id"]]
    assert ids(f"{P} -tag:{ui}") == [b["id"]]
    assert ids(f"{P} NOT tag:{ui}") == [b["id"]]
    assert ids(f"tag:{ui} OR tag:{docs}") == sorted([a["id"], b["id"], c["id"]])
    assert ids(f"tag:{ui},{docs}") == ids(f"tag:{ui} OR tag:{docs}")
    assert ids(f"tag:{ui} tag:{docs}") == [c["id"]]
    assert ids(f"(tag:{ui} OR tag:{docs}) -{P}") == [c["id"]]
    assert ids(f"group:{group['name']}") == sorted([a["id"], b["id"], c["id"]])
    assert ids(f"tag:{ui} creator:{other.id}") == [c["id"]]
    assert ids(f'tag:{ui} creator:"{other.name}"') == [c["id"]]
    assert ids(f"tag:{ui} creator:@me", other) == [c["id"]]
    assert ids(f"tag:{ui} assignee:@me", other) == [a["id"]]
    assert ids(f"tag:{ui} -assignee:@me", other) == [c["id"]]
    assert ids(f"{P} scheduler") == [a["id"]]                      # words: the full-text index
    assert ids(f"{P} schedu") == [a["id"]]                         # a word matches as a prefix
    assert ids(f'tag:{ui} "scheduler race"') == [a["id"]]          # a phrase: the words in that order
    assert ids(f'tag:{ui} "race scheduler"') == []
    assert ids(f"tag:{ui} -scheduler") == []
    assert ids(f"#{b['id']}") == [b["id"]]
    assert ids(f"T{t['id']}") == [a["id"]]
    assert ids(f"#{a['id']} OR #{b['id']}") == sorted([a["id"], b["id"]])
    assert ids(f"{P} branch:master") == sorted([a["id"], b["id"]])
    assert ids(f"{P} private:no security:no") == sorted([a["id"], b["id"]])
    assert ids(f"{P} private:yes") == []
    today = dt.datetime.now(dt.UTC).date()
    assert ids(f"{P} created:{today}") == sorted([a["id"], b["id"]])
    assert ids(f"{P} created:>={today} updated:<{today + dt.timedelta(days=1)}") == sorted([a["id"], b["id"]])
    assert ids(f"{P} updated:>{today}") == []
    assert ids(f"{P} created:{today - dt.timedelta(days=3)}..{today}") == sorted([a["id"], b["id"]])
    # Statuses: a has a merged and an open task (active), b's tasks: one todo, one invalid (active).
    assert ids(f"{P} is:open") == sorted([a["id"], b["id"]])
    assert ids(f"{P} is:closed") == []
    assert ids(f"{P} status:active,merged") == sorted([a["id"], b["id"]])
    # Order and paging: X-Total counts every match, the page holds `limit`.
    assert search(client, f"{P} sort:id-asc")[0] == [a["id"], b["id"]]
    assert search(client, f"{P} sort:id-desc")[0] == [b["id"], a["id"]]
    assert search(client, f"{P} sort:title-asc")[0] == [b["id"], a["id"]]
    r = client.get("/preview/search", params={"q": f"tag:{ui},{docs} sort:id-asc", "limit": 2, "offset": 1})
    assert r.status_code == 200 and r.headers["X-Total"] == "3" and r.headers["X-Offset"] == "1"
    assert [s["id"] for s in r.json()] == [b["id"], c["id"]]
    # The v1 story JSON, the same as /v1/stories answers.
    assert r.json()[0] == client.get(f"/v1/stories/{b['id']}").json()


def test_errors_point_at_their_position(client, api, user):
    body = refused(client, "is:open is:sleeping")
    assert body["position"] == 11 and body["end"] == 19
    assert body["expected"] == "open, closed, active, merged or invalid" and "sleeping" in body["message"]
    assert refused(client, "x (a OR b")["position"] == 2
    assert refused(client, "a OR")["expected"] == "a term"
    assert refused(client, "frobnicate:1")["expected"] == "a known qualifier"
    assert refused(client, '"open')["expected"] == 'a closing "'
    assert refused(client, "(" * 11 + "a" + ")" * 11)["expected"] == "at most 10 levels of nesting"
    assert refused(client, "a" * 1001)["position"] == 1000
    # Names are looked up: an unknown one is refused at its own characters.
    name = uniq("nosuchproject")
    body = refused(client, f"is:open project:{name}")
    assert (body["position"], body["end"]) == (16, 16 + len(name)) and name in body["message"]
    assert refused(client, f'assignee:"{uniq("Nobody ")}"')["position"] == 10
    assert refused(client, "assignee:@me")["expected"].startswith("a name")  # anonymous: no @me
    # What someone else follows is theirs.
    body = refused(client, f"subscriber:{user.id}")  # anonymous
    assert body["position"] == 11


def test_subscriber_is_only_ones_own(client, api, user, other):
    s = api.story(user)
    api.ok("POST", "/v1/subscriptions", other, json={"target_type": "story", "target_id": s["id"]})
    assert s["id"] in search(client, "subscriber:@me", other)[0]
    assert search(client, f"subscriber:@me #{s['id']}", user)[0] == [s["id"]]  # the creator follows it
    r = client.get("/preview/search", params={"q": f"subscriber:{other.id}"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["position"] == 11
    assert s["id"] in search(client, f"subscriber:{other.id}", api.admin)[0]


def test_private_story_never_matches_off_its_list(client, api, user, other, admin):
    proj = api.project()
    word, tag = uniq("hushword"), uniq("hushtag")
    s = api.story(user, title=f"Private {word}", private=True, tags=[tag])
    api.task(s["id"], proj["id"], user, assignee_id=other.id)
    api.ok("POST", f"/v1/stories/{s['id']}/comments", user, json={"content": f"comment {uniq('hushc')} {word}"})
    public = api.story(user, title=f"Public {word}", tags=[uniq("pubtag")])
    queries = [word, f'"{word}"', f"tag:{tag}", f"tag:{tag} OR {word}", f"#{s['id']}", f"project:{proj['name']}",
               f"-tag:nothing {word}", f"NOT NOT tag:{tag}", f"assignee:{other.id}", "private:yes " + word,
               f"{word} sort:id-desc"]
    assert search(client, f"tag:{tag}", user) == ([s["id"]], 1)
    assert sorted(search(client, word, user)[0]) == sorted([s["id"], public["id"]])
    for who in (None, other, admin):
        for q in queries:
            ids, total = search(client, q, who)
            assert s["id"] not in ids, (q, who)
            assert total == len([i for i in ids if i == public["id"]]), (q, who, total)
        # Completion never offers a tag carried only by the private story.
        r = client.get("/preview/search/complete", params={"q": f"is:open tag:{tag[:-1]}"},
                       headers=who.headers if who else {})
        assert r.status_code == 200 and tag not in r.text, r.text
    # Its own people find it, and are offered its tag.
    assert search(client, f"tag:{tag} assignee:{other.id}", user)[0] == [s["id"]]
    r = client.get("/preview/search/complete", params={"q": f"tag:{tag[:-1]}"}, headers=user.headers)
    assert f"tag:{tag}" in [i["insert"] for i in r.json()["items"]]


def test_completion(client, api, user):
    proj = api.project(uniq("complete-me-"))
    r = client.get("/preview/search/complete", params={"q": "is:open pro"})
    assert r.status_code == 200
    body = r.json()
    assert (body["start"], body["end"], body["kind"]) == (8, 11, "qualifier")
    assert [i["insert"] for i in body["items"]] == ["project:"]
    body = client.get("/preview/search/complete", params={"q": "is:c", "position": 4}).json()
    assert [i["insert"] for i in body["items"]] == ["is:closed"]
    body = client.get("/preview/search/complete", params={"q": f"project:{proj['name'][:-1]}"}).json()
    assert f"project:{proj['name']}" in [i["insert"] for i in body["items"]]
    body = client.get("/preview/search/complete", params={"q": "assignee:@", "position": 10},
                      headers=user.headers).json()
    assert body["items"][0]["insert"] == "assignee:@me"
    body = client.get("/preview/search/complete", params={"q": "assignee:@"}).json()
    assert "assignee:@me" not in [i["insert"] for i in body["items"]]  # anonymous
    body = client.get("/preview/search/complete", params={"q": "sort:title"}).json()
    assert [i["insert"] for i in body["items"]] == ["sort:title-desc", "sort:title-asc"]
    body = client.get("/preview/search/complete", params={"q": "-(tag:a,"}).json()
    assert body["start"] == 2 and all(i["insert"].startswith("tag:a,") for i in body["items"])


def test_views_owned_shared_and_pinned(client, api, user, other, app):
    third = make_persona(app)
    assert client.get("/preview/views").status_code == 401
    proj = api.project()
    r = client.post("/preview/views", json={"name": "Mine", "query": "is:open assignee:@me",
                                            "columns": ["id", "title", "status"], "sort": "updated-desc",
                                            "pinned_home": True, "project_id": proj["id"]}, headers=user.headers)
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["owner_id"] == user.id and v["columns"] == ["id", "title", "status"] and v["mine"] is True
    assert v["pinned_home"] is True and v["project_id"] == proj["id"] and v["team_id"] is None
    assert client.get(f"/preview/views/{v['id']}", headers=other.headers).status_code == 404
    assert [x["id"] for x in client.get("/preview/views", headers=other.headers).json()] == []
    # A query with a mistake is refused where it is wrong; nothing is written.
    r = client.post("/preview/views", json={"name": "Bad", "query": "is:open tag:"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "query" and r.json()["position"] == 8
    r = client.post("/preview/views", json={"name": "Bad", "query": "x", "columns": ["nope"]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "columns.0"
    assert len(client.get("/preview/views", headers=user.headers).json()) == 1
    # Sharing: only with a team one is in; its members then see the view but cannot change it.
    team = api.ok("POST", "/v1/teams", json={"name": uniq("viewers-")})
    r = client.put(f"/preview/views/{v['id']}", json={"team_id": team["id"]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "team_id"
    api.ok("PUT", f"/v1/teams/{team['id']}/users/{user.id}")
    api.ok("PUT", f"/v1/teams/{team['id']}/users/{other.id}")
    r = client.put(f"/preview/views/{v['id']}", json={"team_id": team["id"], "name": "Ours"}, headers=user.headers)
    assert r.status_code == 200 and r.json()["team_id"] == team["id"] and r.json()["name"] == "Ours"
    seen = client.get("/preview/views", headers=other.headers).json()
    assert [(x["id"], x["mine"]) for x in seen] == [(v["id"], False)]
    assert client.get("/preview/views", params={"project_id": proj["id"]}, headers=other.headers).json()[0]["id"] \
        == v["id"]
    assert client.get("/preview/views", params={"mine": True}, headers=other.headers).json() == []
    assert client.get(f"/preview/views/{v['id']}", headers=third.headers).status_code == 404
    assert client.put(f"/preview/views/{v['id']}", json={"name": "x"}, headers=other.headers).status_code == 403
    assert client.delete(f"/preview/views/{v['id']}", headers=other.headers).status_code == 403
    # Leaving the team hides it again; null unshares and unpins.
    r = client.put(f"/preview/views/{v['id']}", json={"team_id": None, "project_id": None}, headers=user.headers)
    assert r.json()["team_id"] is None and r.json()["project_id"] is None
    assert client.get(f"/preview/views/{v['id']}", headers=other.headers).status_code == 404
    assert client.delete(f"/preview/views/{v['id']}", headers=user.headers).status_code == 204
    assert client.get(f"/preview/views/{v['id']}", headers=user.headers).status_code == 404


def test_automatic_worklist_query(client, api, user, other):
    proj = api.project()
    tag = uniq("lane")
    a = api.story(user, tags=[tag])
    b = api.story(user, tags=[tag])
    hidden = api.story(user, tags=[tag], private=True)
    ta = api.task(a["id"], proj["id"], user, assignee_id=other.id)
    api.task(b["id"], proj["id"], user)
    wl = api.ok("POST", "/v1/worklists", user, json={
        "title": uniq("Auto "), "automatic": True,
        "filters": [{"type": "Story", "q": f"tag:{tag} -assignee:{other.id}"}]})
    crit = wl["filters"][0]["filter_criteria"]
    assert [(c["field"], c["value"]) for c in crit] == [("Query", f"tag:{tag} -assignee:{other.id}")]

    def items(who):
        r = client.get(f"/v1/worklists/{wl['id']}/items", headers=who.headers)
        assert r.status_code == 200, r.text
        return sorted((i["item_type"], i["item_id"]) for i in r.json())

    assert items(user) == sorted([("story", b["id"]), ("story", hidden["id"])])
    assert items(other) == [("story", b["id"])]  # the private story is not the reader's to see
    # A filter's q: replaced, the other criteria kept; a Task filter holds the tasks of matching stories.
    f = wl["filters"][0]
    r = client.put(f"/v1/worklists/{wl['id']}/filters/{f['id']}", json={"q": f"tag:{tag} assignee:@me"},
                   headers=user.headers)
    assert r.status_code == 200 and [c["value"] for c in r.json()["filter_criteria"]] == [f"tag:{tag} assignee:@me"]
    assert items(other) == [("story", a["id"])]  # @me is the reader
    r = client.post(f"/v1/worklists/{wl['id']}/filters", headers=user.headers,
                    json={"type": "Task", "filter_criteria": [{"field": "Query", "value": f"#{a['id']}"}]})
    assert r.status_code == 200, r.text
    assert ("task", ta["id"]) in items(user)
    # A query with a mistake is refused with its position; nothing is written.
    r = client.post(f"/v1/worklists/{wl['id']}/filters", headers=user.headers,
                    json={"type": "Story", "q": "tag:x OR"})
    assert r.status_code == 400 and r.json()["position"] == 8 and r.json()["field"] == "filter_criteria.0.value"
    assert len(client.get(f"/v1/worklists/{wl['id']}", headers=user.headers).json()["filters"]) == 2


def test_many_matches_read_the_same_pages(client, api, user, monkeypatch):
    """SQLite walks the sort column's index (INDEXED BY, when one story in WALK matches) or sorts with the
    index kept out of the plan; PostgreSQL walks its own index for updated (migration 0015): the same
    stories in the same order, and the same count, either way (ids in order, ties broken by id)."""
    from storyline.search import paging

    tag = uniq("many")
    made = [api.story(user, title=f"{title} story {uniq('t')}", tags=[tag])["id"] for title in "bacab"]
    orders = ("updated-desc", "updated-asc", "created-desc", "created-asc", "id-asc", "id-desc", "title-asc",
              "title-desc", "status-asc")
    stories = [client.get(f"/v1/stories/{i}", headers=user.headers).json() for i in made]

    def order(o: str) -> list[list[int]]:
        """NULLs first ascending, last descending; ties by id in the same direction."""
        field, direction = o.split("-")
        name = {"updated": "updated_at", "created": "created_at"}.get(field, field)
        ids = [s["id"] for s in sorted(stories, key=lambda s: (s[name] is not None, s[name] or "", s["id"]),
                                       reverse=direction == "desc")]
        return [ids[k:k + 2] for k in (0, 2, 4)]

    expected = {o: order(o) for o in orders}
    for walk in (0, 10**9):  # sorted once found (few of all stories), or along the sort's index
        monkeypatch.setattr(paging, "WALK", walk)
        for o in orders:
            got = [search(client, f"tag:{tag} sort:{o}", user, limit=2, offset=k) for k in (0, 2, 4)]
            assert [ids for ids, _ in got] == expected[o], (walk, o)
            assert {total for _, total in got} == {5}
    assert search(client, f"tag:{tag}", user, offset=9) == ([], 5)


def test_updated_order_walks_an_index(client, app, api, user, monkeypatch):
    """The default order (updated, newest first, never-updated last) and sort:updated-asc read the page
    along an index, no sort: on SQLite ix_stories_updated_at (INDEXED BY when many match), on PostgreSQL
    ix_stories_updated_desc (migration 0015: `updated_at DESC NULLS LAST, id DESC`; with sorting
    disabled, the planner can give that order only through an index that has it)."""
    from sqlalchemy import event

    from storyline.search import paging

    api.story(user, title=uniq("walk "))
    monkeypatch.setattr(paging, "WALK", 10**9)
    engine = app.state.engine
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "ORDER BY stories.updated_at" in statement and "LIMIT" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for q in ("", "sort:updated-asc"):
            seen.clear()
            search(client, q, user, limit=2)
            [(statement, parameters)] = seen
            with engine.connect() as conn:
                if engine.dialect.name == "sqlite":
                    plan = " | ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                               parameters))
                    assert "ix_stories_updated_at" in plan and "TEMP B-TREE" not in plan, (q, plan, statement)
                else:
                    conn.exec_driver_sql("SET LOCAL enable_sort = off")
                    plan = " | ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
                    assert "ix_stories_updated_desc" in plan and "Sort" not in plan, (q, plan)
    finally:
        event.remove(engine, "before_cursor_execute", capture)


QUERY_PIECES = ["is:open", "-", "NOT ", " OR ", " AND ", "(", ")", '"', "tag:", "tag:ui", "project:1", "assignee:@me",
                "creator:0", "sort:id", "updated:>2026-01-01", "created:2026-01-01..2026-02-01", "#1", "T1", "word",
                "wo", "é", "_", "*", ":", ",", " ", "private:yes", "branch:master", "milestone:m", "group:9",
                "subscriber:@me", "status:active,merged", "a'b", "NEAR(", "^", "\\"]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(QUERY_PIECES), max_size=12))
def test_any_query_is_answered_or_refused_with_a_position(client, user, pieces):
    """Whatever is typed, the answer is the stories or a 400 pointing inside the query: never a database error."""
    q = "".join(pieces)
    r = client.get("/preview/search", params={"q": q, "limit": 3}, headers=user.headers)
    assert r.status_code in (200, 400), (q, r.status_code, r.text)
    if r.status_code == 400:
        body = r.json()
        assert body["field"] == "q" and 0 <= body["position"] <= len(q) and body["expected"], (q, body)
    else:
        assert int(r.headers["X-Total"]) >= len(r.json())
    r = client.get("/preview/search/complete", params={"q": q}, headers=user.headers)
    assert r.status_code == 200 and 0 <= r.json()["start"] <= len(q)
