"""Stored card positions are sparse (planning/worklist_service.py, `place`): a card placed takes the
middle of the gap before its neighbour and no other card is written; a list whose gap ran out is
respaced. Whatever the sequence of adds, moves, cross-list moves and archives, every list shows the
order a plain Python list would have, with visible positions 0..n-1, and no two active cards share a
stored position. On both engines."""

from __future__ import annotations

import random

from builders import uniq
from sqlalchemy import text

from storyline.planning.worklist_service import GAP, MAX_POSITION


def _shown(client, who, wl_id: int) -> list[int]:
    r = client.get(f"/v1/worklists/{wl_id}/items", headers=who.headers)
    assert r.status_code == 200, r.text
    active = [c for c in r.json() if not c["archived"]]
    assert [c["list_position"] for c in active] == list(range(len(active))), active
    return [c["id"] for c in active]


def _stored(app, wl_id: int) -> list[tuple[int, int]]:
    """(card id, stored position) of the list's active cards, in their order."""
    with app.state.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, list_position FROM worklist_items WHERE list_id = :l "
                                 "AND archived = :f ORDER BY list_position, id"), {"l": wl_id, "f": False}).all()
    positions = [p for _, p in rows]
    assert len(set(positions)) == len(positions), rows  # no ties: the order never depends on ids
    assert all(0 <= p <= MAX_POSITION for p in positions), rows
    return [(i, p) for i, p in rows]


def _set_positions(app, positions: dict[int, int]) -> None:
    with app.state.engine.begin() as conn:
        for card, position in positions.items():
            conn.execute(text("UPDATE worklist_items SET list_position = :p WHERE id = :i"),
                         {"p": position, "i": card})


def test_many_cards_put_at_one_spot_keep_their_order(client, api, user, app):
    """Thirty cards put at the top and thirty second from the top: the gaps there run out every few
    cards, the list is respaced, and the order is still the one asked for."""
    wl = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Spot "), "automatic": False})
    model: list[int] = []
    for n in range(60):
        rank = n % 2
        card = api.ok("POST", f"/v1/worklists/{wl['id']}/items", user,
                      json={"item_id": api.story(user)["id"], "item_type": "story", "list_position": rank})
        model.insert(min(rank, len(model)), card["id"])
        assert card["list_position"] == min(rank, len(model) - 1)
    assert _shown(client, user, wl["id"]) == model
    assert [i for i, _ in _stored(app, wl["id"])] == model


def test_a_list_with_dense_or_tied_positions_is_respaced_when_a_card_comes_between(client, api, user, app):
    """Positions 0..n-1 (what earlier versions kept) and ties (an import) leave no gap: placing a card
    respaces the list once, in its shown order, then places the card."""
    wl = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Dense "), "automatic": False})
    cards = [api.ok("POST", f"/v1/worklists/{wl['id']}/items", user,
                    json={"item_id": api.story(user)["id"], "item_type": "story"})["id"] for _ in range(5)]
    _set_positions(app, {cards[0]: 0, cards[1]: 1, cards[2]: 1, cards[3]: 2, cards[4]: 3})
    assert _shown(client, user, wl["id"]) == cards  # ties in id order
    new = api.ok("POST", f"/v1/worklists/{wl['id']}/items", user,
                 json={"item_id": api.story(user)["id"], "item_type": "story", "list_position": 2})
    assert _shown(client, user, wl["id"]) == [*cards[:2], new["id"], *cards[2:]]
    stored = dict(_stored(app, wl["id"]))
    assert [stored[c] for c in cards] == [GAP * (n + 1) for n in range(5)]
    assert stored[new["id"]] == (2 * GAP + 3 * GAP) // 2
    # A card moved to the top takes the gap there without moving the others.
    api.ok("PUT", f"/v1/worklists/{wl['id']}/items/{cards[4]}", user, json={"list_position": 0})
    after = dict(_stored(app, wl["id"]))
    assert after[cards[4]] == (GAP - 1) // 2
    assert {c: p for c, p in after.items() if c != cards[4]} == {c: p for c, p in stored.items() if c != cards[4]}


def test_a_list_at_the_top_of_the_range_is_respaced_to_append(client, api, user, app):
    wl = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Tall "), "automatic": False})
    cards = [api.ok("POST", f"/v1/worklists/{wl['id']}/items", user,
                    json={"item_id": api.story(user)["id"], "item_type": "story"})["id"] for _ in range(3)]
    _set_positions(app, {cards[0]: MAX_POSITION - 3 * GAP, cards[1]: MAX_POSITION - GAP, cards[2]: MAX_POSITION})
    last = api.ok("POST", f"/v1/worklists/{wl['id']}/items", user,
                  json={"item_id": api.story(user)["id"], "item_type": "story"})
    assert _shown(client, user, wl["id"]) == [*cards, last["id"]]
    assert [p for _, p in _stored(app, wl["id"])] == [GAP, 2 * GAP, 3 * GAP, 4 * GAP]


def test_random_adds_moves_and_archives_match_a_model(client, api, user, app):
    """Two hundred random writes on three lists, each checked against plain Python lists."""
    rng = random.Random(20261205)
    lists = [api.ok("POST", "/v1/worklists", user, json={"title": uniq("Model "), "automatic": False})["id"]
             for _ in range(3)]
    model: dict[int, list[int]] = {wl: [] for wl in lists}
    stories = [api.story(user)["id"] for _ in range(40)]
    unused = list(stories)
    for step in range(200):
        wl = rng.choice(lists)
        kind = rng.choice(["add", "add", "move", "move", "cross", "archive"])
        if kind == "add" or not model[wl]:
            if not unused:
                continue
            rank = rng.choice([None, 0, rng.randrange(0, len(model[wl]) + 2)])
            body = {"item_id": unused.pop(), "item_type": "story"}
            if rank is not None:
                body["list_position"] = rank
            card = api.ok("POST", f"/v1/worklists/{wl}/items", user, json=body)["id"]
            model[wl].insert(len(model[wl]) if rank is None else min(rank, len(model[wl])), card)
        elif kind == "move":
            card = rng.choice(model[wl])
            rank = rng.randrange(0, len(model[wl]) + 1)
            api.ok("PUT", f"/v1/worklists/{wl}/items/{card}", user, json={"list_position": rank})
            model[wl].remove(card)
            model[wl].insert(min(rank, len(model[wl])), card)
        elif kind == "cross":
            card = rng.choice(model[wl])
            there = rng.choice([other for other in lists if other != wl])
            rank = rng.randrange(0, len(model[there]) + 2)
            api.ok("PUT", f"/v1/worklists/{wl}/items/{card}", user, json={"list_position": rank, "list_id": there})
            model[wl].remove(card)
            model[there].insert(min(rank, len(model[there])), card)
        else:
            card = rng.choice(model[wl])
            r = client.delete(f"/v1/worklists/{wl}/items/{card}", headers=user.headers)
            assert r.status_code in (200, 204), r.text
            model[wl].remove(card)
        if step % 20 == 19:
            for each in lists:
                assert _shown(client, user, each) == model[each], (step, each)
    for each in lists:
        assert _shown(client, user, each) == model[each]
        assert [i for i, _ in _stored(app, each)] == model[each]
