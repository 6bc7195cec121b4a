"""Concurrent card moves: positions stay 0..n-1 with no duplicates and no lost cards (reference §2.14),
on SQLite (serialised write transactions) and PostgreSQL (the list rows are locked): no two active
cards of a list share a stored position either (two writers that took the same gap would). Each
client's own cards keep the order its writes asked for, while the list is respaced under them."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from builders import uniq
from sqlalchemy import text

THREADS = 6


def _cards(client, who, wl_id, archived=False):
    """The list's active cards (or, with `archived`, its archived ones: /items lists both)."""
    r = client.get(f"/v1/worklists/{wl_id}/items", headers=who.headers)
    assert r.status_code == 200, r.text
    return [c for c in r.json() if c["archived"] is archived]


def _assert_packed(client, who, wl_id):
    cards = _cards(client, who, wl_id)
    assert sorted(c["list_position"] for c in cards) == list(range(len(cards))), cards
    with client.app.state.engine.connect() as conn:
        stored = conn.execute(text("SELECT list_position FROM worklist_items WHERE list_id = :l AND archived = :f"),
                              {"l": wl_id, "f": False}).scalars().all()
    assert len(stored) == len(cards) and len(set(stored)) == len(stored), stored
    return cards


def test_concurrent_moves_in_one_list(client, api, user):
    wl = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Busy ")})
    stories = [api.story(user)["id"] for _ in range(10)]
    cards = [api.ok("POST", f"/v1/worklists/{wl['id']}/items", user,
                    json={"item_id": s, "item_type": "story"})["id"] for s in stories]
    rng = random.Random(7)
    moves = [(rng.choice(cards), rng.randrange(0, 12)) for _ in range(60)]

    def move(job):
        card, position = job
        r = client.put(f"/v1/worklists/{wl['id']}/items/{card}", json={"list_position": position},
                       headers=user.headers)
        return r.status_code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(move, moves))
    assert statuses == [200] * len(moves)
    final = _assert_packed(client, user, wl["id"])
    assert sorted(c["id"] for c in final) == sorted(cards)


def test_concurrent_adds_archives_and_cross_list_moves(client, api, user):
    a = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Left ")})
    b = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Right ")})
    initial = [api.story(user)["id"] for _ in range(8)]
    cards = {api.ok("POST", f"/v1/worklists/{a['id']}/items", user,
                    json={"item_id": s, "item_type": "story"})["id"]: a["id"] for s in initial}
    newcomers = [api.story(user)["id"] for _ in range(6)]
    to_archive = list(cards)[:2]
    to_move = list(cards)[2:6]

    def job(spec):
        kind, value = spec
        if kind == "add":
            r = client.post(f"/v1/worklists/{b['id']}/items", json={"item_id": value, "item_type": "story",
                                                                     "list_position": 0}, headers=user.headers)
        elif kind == "archive":
            r = client.delete(f"/v1/worklists/{a['id']}/items/{value}", headers=user.headers)
        else:
            r = client.put(f"/v1/worklists/{a['id']}/items/{value}", json={"list_id": b["id"], "list_position": 1},
                           headers=user.headers)
        return kind, r.status_code

    specs = ([("add", s) for s in newcomers] + [("archive", c) for c in to_archive]
             + [("move", c) for c in to_move])
    random.Random(3).shuffle(specs)
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(job, specs))
    assert all(status in (200, 204) for _, status in results), results
    left = _assert_packed(client, user, a["id"])
    right = _assert_packed(client, user, b["id"])
    assert {c["id"] for c in left} == set(cards) - set(to_archive) - set(to_move)
    assert {c["id"] for c in _cards(client, user, a["id"], archived=True)} == set(to_archive)
    assert {c["id"] for c in right} >= set(to_move)
    assert sorted(c["item_id"] for c in right if c["id"] not in to_move) == sorted(newcomers)


def test_concurrent_moves_in_both_directions(client, api, user):
    """Moves from A to B and from B to A at once lock both lists in the same order: no deadlock."""
    a = api.ok("POST", "/v1/worklists", user, json={"title": uniq("A ")})
    b = api.ok("POST", "/v1/worklists", user, json={"title": uniq("B ")})
    on_a = [api.ok("POST", f"/v1/worklists/{a['id']}/items", user,
                   json={"item_id": api.story(user)["id"], "item_type": "story"})["id"] for _ in range(5)]
    on_b = [api.ok("POST", f"/v1/worklists/{b['id']}/items", user,
                   json={"item_id": api.story(user)["id"], "item_type": "story"})["id"] for _ in range(5)]
    jobs = [(a["id"], c, b["id"]) for c in on_a] + [(b["id"], c, a["id"]) for c in on_b]

    def move(job):
        src, card, dst = job
        return client.put(f"/v1/worklists/{src}/items/{card}", json={"list_id": dst, "list_position": 0},
                          headers=user.headers).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        assert list(pool.map(move, jobs)) == [200] * len(jobs)
    left, right = _assert_packed(client, user, a["id"]), _assert_packed(client, user, b["id"])
    assert {c["id"] for c in left} == set(on_b) and {c["id"] for c in right} == set(on_a)


def test_concurrent_lane_additions(client, api, user):
    """Lanes added to one board at once are numbered 0..n-1 (the board row is locked on PostgreSQL)."""
    lists = [api.ok("POST", "/v1/worklists", user, json={"title": uniq("Lane ")})["id"] for _ in range(8)]
    board = api.ok("POST", "/v1/boards", user, json={"title": uniq("Board "), "lanes": [{"list_id": lists[0]}]})

    def add_lane(list_id):
        return client.put(f"/v1/boards/{board['id']}", json={"lanes": [{"list_id": list_id, "position": 0}]},
                          headers=user.headers).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        assert list(pool.map(add_lane, lists[1:])) == [200] * (len(lists) - 1)
    lanes = client.get(f"/v1/boards/{board['id']}").json()["lanes"]
    assert sorted(lane["position"] for lane in lanes) == list(range(len(lists)))
    assert sorted(lane["list_id"] for lane in lanes) == sorted(lists)


def test_each_client_s_cards_keep_their_order_while_the_list_is_respaced(client, api, user):
    """Six clients each put 24 cards alternately at the top and at the end of one list. A client's
    card put at the top comes before all its earlier cards, one put at the end after them: its cards
    read as a deque built in its order, whatever the others did. Cards put at the top run out of gap
    every sixteen, so the list is respaced many times while the others place cards."""
    wl = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Deque ")})
    per = 24
    stories = [api.story(user)["id"] for _ in range(THREADS * per)]

    def client_writes(n):
        mine: list[int] = []
        for i in range(per):
            body = {"item_id": stories[n * per + i], "item_type": "story"}
            if i % 2 == 0:
                body["list_position"] = 0
            r = client.post(f"/v1/worklists/{wl['id']}/items", json=body, headers=user.headers)
            assert r.status_code == 200, r.text
            card = r.json()["id"]
            mine = [card, *mine] if i % 2 == 0 else [*mine, card]
        return mine

    with ThreadPoolExecutor(THREADS) as pool:
        expected = list(pool.map(client_writes, range(THREADS)))
    shown = [c["id"] for c in _assert_packed(client, user, wl["id"])]
    assert len(shown) == THREADS * per
    for mine in expected:
        assert [c for c in shown if c in set(mine)] == mine

