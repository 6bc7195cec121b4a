"""Hostile input gets a clear 4xx and changes nothing: bodies over the limit (413, before they are
read), bodies nested too deeply, numbers with thousands of digits in paths and queries."""

from __future__ import annotations

from builders import uniq


def _story_count(client, admin) -> int:
    return int(client.get("/v1/stories?limit=1", headers=admin.headers).headers["X-Total"])


def test_a_body_over_the_limit_is_refused_with_413(client, admin):
    before = _story_count(client, admin)
    big = b'{"title": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    r = client.post("/v1/stories", content=big, headers={**admin.headers, "Content-Type": "application/json"})
    assert r.status_code == 413
    body = r.json()
    assert body["field"] == "body" and str(10 * 1024 * 1024) in body["message"] and body["limit"] == 10 * 1024 * 1024
    assert _story_count(client, admin) == before


def test_without_credentials_only_a_small_body_is_read(client):
    r = client.post("/v1/stories", content=b"[" + b"1," * 40_000 + b"1]",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "65536" in r.json()["message"]
    # A small anonymous write still reaches the endpoint (and its own answer: 401).
    assert client.post("/v1/stories", json={"title": "anonymous"}).status_code == 401


def test_deeply_nested_json_is_a_400_naming_the_body(client, admin):
    for depth in (65, 990, 1020, 5000):
        body = "[" * depth + "]" * depth
        r = client.post("/v1/stories", content=body.encode(),
                        headers={**admin.headers, "Content-Type": "application/json"})
        assert r.status_code == 400, (depth, r.status_code, r.text[:200])
        assert r.json()["field"] == "body" and "nested" in r.json()["message"]
        inner = '{"title": ' + "[" * depth + "]" * depth + "}"
        r = client.put("/v1/stories/1", content=inner.encode(),
                       headers={**admin.headers, "Content-Type": "application/json"})
        assert r.status_code == 400, (depth, r.status_code, r.text[:200])
        # Past the JSON parser's own depth limit (1,024) the body as a whole is named.
        assert r.json()["field"] == ("title" if depth < 1024 else "body"), r.text[:200]
    ok = client.post("/v1/stories", json={"title": uniq("nested ok"), "description": "d"}, headers=admin.headers)
    assert ok.status_code == 200


def test_numbers_with_thousands_of_digits_are_refused_clearly(client, admin):
    huge = "9" * 5000
    assert client.get(f"/v1/stories/{huge}").status_code == 404
    r = client.get(f"/v1/stories?limit={huge}")
    assert r.status_code == 400 and r.json()["field"] == "limit"
    r = client.get(f"/v1/stories?project_id=-{huge}")
    assert r.status_code == 400 and r.json()["field"] == "project_id"
    r = client.post("/v1/stories", content=('{"title": "digits", "creator_id": ' + huge + "}").encode(),
                    headers={**admin.headers, "Content-Type": "application/json"})
    assert r.status_code == 400, r.text[:300]


def test_a_body_with_too_many_values_is_refused_before_any_write(client, admin):
    story = client.post("/v1/stories", json={"title": uniq("many tags"), "description": "d"},
                        headers=admin.headers).json()
    r = client.put(f"/v1/stories/{story['id']}/tags", json=[f"t{i}" for i in range(100_000)], headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "body" and "10000 values" in r.json()["message"]
    assert client.get(f"/v1/stories/{story['id']}", headers=admin.headers).json()["tags"] == []


def test_long_story_lists_are_streamed_with_the_same_rows(client, api, user, monkeypatch):
    """Finding 4: a list without `limit` still gets every row (StoryBoard's contract), but a long one
    is read and encoded a chunk at a time (api.common.stream_array), never held whole in memory."""
    import storyline.api.common as common
    import storyline.api.v1.stories as stories_api

    project = api.project()
    made = [api.story(user)["id"] for _ in range(5)]
    hidden = api.story(user, private=True)["id"]
    for sid in [*made, hidden]:
        api.task(sid, project["id"], user)
    monkeypatch.setattr(stories_api, "STREAM_ROWS", 2)
    monkeypatch.setattr(common, "STREAM_CHUNK", 2)
    for headers in ({}, user.headers):
        params = {"project_id": project["id"], "sort_dir": "desc"}
        streamed = client.get("/v1/stories", params=params, headers=headers)
        whole = client.get("/v1/stories", params={**params, "limit": 100}, headers=headers)
        assert streamed.status_code == whole.status_code == 200
        assert streamed.json() == whole.json()
        assert streamed.headers["X-Total"] == whole.headers["X-Total"]
        ids = [s["id"] for s in streamed.json()]
        assert ids == ([hidden] if headers else []) + made[::-1]


def test_ids_beyond_32_bits_in_the_path_are_not_found_whatever_their_sign(client, user):
    """Finding 8: such an id reached PostgreSQL (integer out of range) and was answered by a catch-all
    for every DataError; now the path rule answers 404 and a DataError would be a logged 500."""
    for path in ("/v1/stories/-2147483649", "/v1/stories/2147483648/comments", "/v1/tasks/-99999999999"):
        r = client.get(path, headers=user.headers)
        assert r.status_code == 404, path
    r = client.put("/v1/stories/-2147483649/comments/1", json={"content": "x"}, headers=user.headers)
    assert r.status_code == 404
