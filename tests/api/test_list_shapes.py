"""Lists built once per shape (api/common.py Prepared): each request's own values, viewer and totals."""

from builders import uniq


def test_same_shape_different_viewers_and_values(client, api, user, other):
    proj_a, proj_b = api.project(), api.project()
    word = uniq("shapeword")
    hidden = api.story(user, title=f"Private {word}", private=True)
    api.task(hidden["id"], proj_a["id"], user, title=f"hidden {word}")
    public = api.story(user, title=f"Public {word}")
    api.task(public["id"], proj_b["id"], user, title=f"open {word}")

    def ids(path, who, **params):
        r = client.get(path, params=params, headers=who.headers)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()], r.headers["X-Total"]

    # Alternate viewers and values on one shape: a statement kept from the previous request must
    # never carry its viewer or its values into the next one.
    for _ in range(2):
        assert ids("/v1/stories", user, project_id=proj_a["id"], title=word) == ([hidden["id"]], "1")
        assert ids("/v1/stories", other, project_id=proj_a["id"], title=word) == ([], "0")
        assert ids("/v1/stories", other, project_id=proj_b["id"], title=word) == ([public["id"]], "1")
        assert ids("/v1/stories", user, project_id=proj_b["id"], title=word) == ([public["id"]], "1")
        assert ids("/v1/tasks", other, project_id=proj_a["id"], title=word) == ([], "0")
        assert ids("/v1/tasks", user, project_id=proj_a["id"], title=word)[1] == "1"
        assert ids("/v1/stories/search", other, q=word) == ([public["id"]], "1")
        assert ids("/v1/stories/search", user, q=word) == ([hidden["id"], public["id"]], "2")
        r = client.get("/v1/stories", params={"project_id": proj_a["id"], "title": word})
        assert r.json() == [] and r.headers["X-Total"] == "0"


def test_total_with_full_short_and_past_the_end_pages(client, api, user):
    proj = api.project()
    story = api.story(user)
    made = [api.task(story["id"], proj["id"], user, title=f"task {i}")["id"] for i in range(5)]

    def page(**params):
        r = client.get("/v1/tasks", params={"project_id": proj["id"], **params})
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()], r.headers["X-Total"]

    assert page(limit=2) == (made[:2], "5")                      # full page: counted
    assert page(limit=2, offset=4) == (made[4:], "5")            # short page: told by the page
    assert page(limit=10) == (made, "5")
    assert page() == (made, "5")
    assert page(limit=2, offset=9) == ([], "5")                   # past the end: counted
    assert page(limit=2, marker=made[2]) == (made[3:5], "5")      # after a marker: counted
    assert page(limit=2, marker=made[3]) == (made[4:], "5")
    assert page(limit=2, sort_dir="desc", offset=3) == (made[1::-1], "5")
