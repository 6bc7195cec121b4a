"""Old Launchpad links on Storyline's host redirect to the story page, telling nothing of private stories."""

from __future__ import annotations

from builders import uniq

from storyline.db import session_scope
from storyline.importers.models import ImportRef


def location(client, path, headers=None):
    r = client.get(path, headers=headers or {}, follow_redirects=False)
    assert r.status_code == 302, (path, r.status_code, r.text[:200])
    assert r.headers["cache-control"] == "no-store"
    return r.headers["location"]


def renumber(app, bug: int, story_id: int) -> None:
    """As the Launchpad importer records a bug whose number was taken by another story."""
    with session_scope(app.state.write_sessions) as session:
        session.add(ImportRef(source="launchpad", kind="bug", key=str(bug), local_id=story_id))


def test_launchpad_paths_redirect_to_the_story_page(client):
    for path in ("/bugs/1234567", "/+bug/1234567", "/nova/+bug/1234567", "/openstack/nova/+bug/1234567",
                 "/nova/+bug/1234567/comments/4", "/bugs/1234567/"):
        assert location(client, path) == "/story/1234567", path


def test_renumbered_bugs_follow_the_import_when_public(client, api, user, app):
    bug = 1_900_000_000 + int(uniq(""))
    public = api.story(user)
    renumber(app, bug, public["id"])
    assert location(client, f"/bugs/{bug}") == f"/story/{public['id']}"
    assert location(client, f"/project/+bug/{bug}") == f"/story/{public['id']}"


def test_a_private_story_is_not_told(client, api, user, app):
    bug = 1_950_000_000 + int(uniq(""))
    private = api.story(user, private=True, title="Private renumbered bug")
    renumber(app, bug, private["id"])
    # The answer for a bug never imported, for every caller, the people on the list included.
    for headers in ({}, user.headers):
        assert location(client, f"/bugs/{bug}", headers) == f"/story/{bug}"
        assert location(client, f"/nova/+bug/{bug}", headers) == f"/story/{bug}"
        # (exactly the bug's own number: the private story's id must not be told, even as part of it)
        assert location(client, f"/+bug/{bug}", headers) == f"/story/{bug}"


def test_other_paths_are_not_redirected(client):
    for path in ("/bugs/abc", "/bugs", "/nova/+bugs/12", "/bugs/0"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 200 and "text/html" in r.headers["content-type"], path  # the web client
    # API paths keep the API's JSON 404; other methods are not redirected.
    r = client.get("/v1/+bug/12", follow_redirects=False)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    assert client.post("/bugs/12", follow_redirects=False).status_code in (404, 405)
