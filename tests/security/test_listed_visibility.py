"""The visibility rule with the viewer's list read first (authz.story_visible_listed, used by the query
language's count and page): the same answers as the plain rule, in both of its forms — the viewer's private
stories as a list of ids, and the plain rule for a viewer on more than LISTED_MAX lists."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from builders import make_persona
from fastapi.testclient import TestClient

from storyline import authz


@pytest.fixture(scope="module")
def world(fresh_app: Any) -> Any:
    word = f"listedvis{uuid.uuid4().hex[:10]}"
    with TestClient(fresh_app, raise_server_exceptions=False) as client:
        admin = make_persona(fresh_app, superuser=True)
        owner, member, outsider = (make_persona(fresh_app) for _ in range(3))
        team = client.post("/v1/teams", headers=admin.headers, json={"name": f"listed-{word}"}).json()["id"]
        assert client.put(f"/v1/teams/{team}/users/{member.id}", headers=admin.headers).status_code == 200

        def story(title: str, **body: Any) -> int:
            r = client.post("/v1/stories", headers=owner.headers, json={"title": f"{word} {title}", **body})
            assert r.status_code == 200, r.text
            return int(r.json()["id"])

        public = story("public")
        mine = [story(f"private {i}", private=True) for i in range(3)]
        shared = story("shared with a team", private=True, teams=[team])
        # A story once private, now public: its list stays, and it must not count twice.
        was_private = story("was private", private=True, users=[member.id])
        assert client.put(f"/v1/stories/{was_private}", headers=owner.headers,
                          json={"private": False}).status_code == 200
        everyone = {public, was_private}
        yield client, word, [
            (None, everyone),
            (outsider, everyone),
            (member, everyone | {shared}),
            (owner, everyone | set(mine) | {shared}),
            (admin, everyone),  # superusers do not bypass access lists
        ]


@pytest.mark.parametrize("listed_max", [authz.LISTED_MAX, 2, 0])
def test_the_query_language_counts_what_the_rule_shows(world: Any, listed_max: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """listed_max 2: the owner's four private stories exceed it (the plain rule); the member's one does not.
    0: everyone with a private story gets the plain rule."""
    client, word, expected = world
    monkeypatch.setattr(authz, "LISTED_MAX", listed_max)
    for who, ids in expected:
        headers = who.headers if who else {}
        for q in (word, f"{word} sort:id-asc", f"{word} OR nosuchwordatall"):
            r = client.get("/preview/search", params={"q": q, "limit": 2}, headers=headers)
            assert r.status_code == 200, r.text
            assert r.headers["X-Total"] == str(len(ids)), (who, q, r.headers["X-Total"], ids)
            page = [s["id"] for s in r.json()]
            rest = client.get("/preview/search", params={"q": q, "limit": 50, "offset": 2}, headers=headers)
            assert set(page + [s["id"] for s in rest.json()]) == ids, (who, q)
            assert len(page) == min(2, len(ids))
