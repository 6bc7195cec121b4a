"""Atom feeds (/v1/feeds/...): valid Atom read with the standard library, the one visibility rule, and the
feed token (`?token=`), which reads feeds and nothing else."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from builders import Persona, uniq

A = "{http://www.w3.org/2005/Atom}"


def atom(r: Any) -> ET.Element:
    """The feed of an answer, after the checks every feed must pass (RFC 4287 §4.1.1, §4.1.2)."""
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    assert root.tag == f"{A}feed"
    for parent in [root, *root.findall(f"{A}entry")]:
        for child in ("id", "title", "updated"):
            assert len(parent.findall(f"{A}{child}")) == 1, (parent.tag, child)
        dt.datetime.fromisoformat(parent.findtext(f"{A}updated").replace("Z", "+00:00"))
    assert root.findall(f"{A}author"), "a feed-level author (entries of system events have none)"
    alternates = [link for link in root.findall(f"{A}link") if link.get("rel") == "alternate"]
    assert len(alternates) == 1
    selfs = [link.get("href") for link in root.findall(f"{A}link") if link.get("rel") == "self"]
    assert selfs in ([], [root.findtext(f"{A}id")])
    assert "token=" not in root.findtext(f"{A}id")
    return root


def entries(root: ET.Element) -> list[dict[str, Any]]:
    out = []
    for e in root.findall(f"{A}entry"):
        out.append({
            "id": e.findtext(f"{A}id"), "title": e.findtext(f"{A}title"), "updated": e.findtext(f"{A}updated"),
            "type": e.find(f"{A}category").get("term"), "content": e.findtext(f"{A}content"),
            "content_type": e.find(f"{A}content").get("type"),
            "author": e.findtext(f"{A}author/{A}name"),
            "link": next(x.get("href") for x in e.findall(f"{A}link") if x.get("rel") == "alternate"),
        })
    return out


def read(client: Any, path: str, token: str | None = None, **kw: Any) -> Any:
    """GET a feed, its query kept (httpx drops a URL's query when `params` is given) plus `?token=`."""
    params = dict(parse_qsl(urlsplit(path).query))
    if token is not None:
        params["token"] = token
    return client.get(urlsplit(path).path, params=params, **kw)


def feed_token(api: Any, who: Persona) -> dict[str, Any]:
    return api.ok("POST", f"/v1/users/{who.id}/tokens", who, json={"user_id": who.id, "kind": "feed",
                                                                   "name": "my feed reader"})


def test_story_feed_entries_links_and_markdown(client, api, user, other):
    proj = api.project()
    story = api.story(user, title=uniq("Feed story "), description="The *first* words")
    sid = story["id"]
    task = api.task(sid, proj["id"], user, title="Fix the feed")
    api.ok("PUT", f"/v1/tasks/{task['id']}", user, json={"status": "merged"})
    api.ok("PUT", f"/v1/tasks/{task['id']}", user, json={"assignee_id": other.id})
    api.ok("PUT", f"/v1/stories/{sid}/tags", user, params={"tags": ["feed-tag"]})
    comment = api.ok("POST", f"/v1/stories/{sid}/comments", other, json={
        "content": "Looks **good** <script>alert(1)</script> [x](javascript:alert(2)) [docs](https://docs.example.org)"})

    root = atom(client.get(f"/v1/feeds/stories/{sid}.atom"))
    assert root.findtext(f"{A}id") == f"http://testserver/v1/feeds/stories/{sid}.atom"
    assert story["title"] in root.findtext(f"{A}title")
    assert [x.get("href") for x in root.findall(f"{A}link") if x.get("rel") == "alternate"] == [
        f"http://testserver/story/{sid}"]
    got = entries(root)
    assert [e["type"] for e in got] == ["user_comment", "tags_added", "task_assignee_changed", "task_status_changed",
                                        "task_created", "story_created"]  # newest first
    events = {e["id"] for e in client.get(f"/v1/stories/{sid}/events").json()}
    assert {e["id"] for e in got} == {f"http://testserver/v1/events/{i}" for i in events}
    assert all(e["link"].startswith(f"http://testserver/story/{sid}") for e in got)
    assert all(story["title"] in e["title"] for e in got)

    said = got[0]
    assert said["author"] == other.name and said["content_type"] == "html"
    assert said["link"] == f"http://testserver/story/{sid}#comment-{comment['comment_id']}"
    assert "<strong>good</strong>" in said["content"]
    # Raw HTML is shown as text, a javascript: link is no link.
    assert "<script" not in said["content"] and "&lt;script&gt;" in said["content"]
    assert 'href="javascript' not in said["content"]
    assert '<a href="https://docs.example.org" rel="noopener noreferrer nofollow">docs</a>' in said["content"]
    assert "Merged" in got[3]["title"] and "Fix the feed" in got[3]["title"]
    assert other.name in got[2]["title"]
    assert "feed-tag" in got[1]["title"]
    assert "<em>first</em>" in got[5]["content"]

    # An edited comment shows its current text and when it changed; a deleted one says so, without text.
    api.ok("PUT", f"/v1/stories/{sid}/comments/{comment['comment_id']}", other, json={"content": "Edited words"})
    edited = entries(atom(client.get(f"/v1/feeds/stories/{sid}.atom")))[0]
    assert "Edited words" in edited["content"] and "good" not in edited["content"]
    api.ok("DELETE", f"/v1/stories/{sid}/comments/{comment['comment_id']}")  # a superuser
    gone = entries(atom(client.get(f"/v1/feeds/stories/{sid}.atom")))[0]
    assert "Edited words" not in gone["content"] and "deleted" in gone["content"]


def test_project_group_user_and_search_feeds(client, api, user, other):
    proj, elsewhere = api.project(), api.project()
    group = api.group()
    api.ok("PUT", f"/v1/project_groups/{group['id']}/projects/{proj['id']}")
    word = uniq("feedword")
    mine = api.story(user, title=f"Mine {word}")
    api.task(mine["id"], proj["id"], user)
    theirs = api.story(other, title=uniq("Theirs "))
    api.task(theirs["id"], elsewhere["id"], other)
    api.ok("POST", f"/v1/stories/{theirs['id']}/comments", user, json={"content": "A word from me"})

    def story_ids(root: ET.Element) -> set[int]:
        return {int(e["link"].split("/story/")[1].split("#")[0]) for e in entries(root)}

    project = atom(client.get(f"/v1/feeds/projects/{proj['id']}.atom"))
    assert story_ids(project) == {mine["id"]}
    assert proj["name"] in project.findtext(f"{A}title")
    group_feed = atom(client.get(f"/v1/feeds/project_groups/{group['id']}.atom"))
    assert story_ids(group_feed) == {mine["id"]}
    assert group_feed.find(f"{A}link[@rel='alternate']").get("href") == f"http://testserver/project-group/{group['id']}"
    activity = atom(client.get(f"/v1/feeds/users/{user.id}.atom"))
    assert story_ids(activity) == {mine["id"], theirs["id"]}
    assert {e["author"] for e in entries(activity)} == {user.name}

    # The filters of /v1/stories, and q of /v1/stories/search.
    ids = set()
    for params in ({"title": word}, {"q": word}, {"project_id": proj["id"]}, {"creator_id": user.id},
                   {"project_group_id": group["id"], "status": "active"}):
        r = client.get("/v1/feeds/stories.atom", params=params)
        root = atom(r)
        assert story_ids(root) == {mine["id"]}, params
        # Named by a digest of the search: the words searched for are not repeated back.
        head = [root.findtext(f"{A}{x}") for x in ("id", "title", "subtitle")]
        head += [link.get("href") for link in root.findall(f"{A}link")]
        assert head[0].startswith("urn:uuid:") and not any(word in x for x in head), head
        ids.add(head[0])
    assert len(ids) == 5
    # The same search in another order (and through another reader's token) is the same feed.
    token = feed_token(api, other)["access_token"]
    again = atom(client.get("/v1/feeds/stories.atom", params={"status": "active", "token": token,
                                                               "project_group_id": group["id"]}))
    assert again.findtext(f"{A}id") == root.findtext(f"{A}id")
    r = client.get("/v1/feeds/stories.atom", params={"status": "nonsense"})
    assert r.status_code == 400 and r.json()["field"] == "status"
    for path in ("/v1/feeds/projects/2000000001.atom", "/v1/feeds/project_groups/2000000001.atom",
                 "/v1/feeds/users/2000000001.atom", "/v1/feeds/stories/2000000001.atom"):
        assert client.get(path).status_code == 404


def test_feed_is_bounded(client, api, user):
    story = api.story(user)
    for i in range(53):
        api.ok("POST", f"/v1/stories/{story['id']}/comments", user, json={"content": f"comment {i}"})
    got = entries(atom(client.get(f"/v1/feeds/stories/{story['id']}.atom")))
    assert len(got) == 50
    assert "comment 52" in got[0]["content"]


def test_private_stories_and_the_feed_token(client, api, user, other, admin):
    """Anonymous: nothing of a private story. A feed token of someone on its list: all of it. A feed token
    of someone off the list (a superuser included): nothing. Revoked: refused. On the rest of the API:
    refused."""
    proj = api.project()
    group = api.group()
    api.ok("PUT", f"/v1/project_groups/{group['id']}/projects/{proj['id']}")
    word = uniq("hushfeed")
    secret = api.story(user, title=f"Private {word}", private=True)
    api.task(secret["id"], proj["id"], user, title=f"task {word}")
    api.ok("POST", f"/v1/stories/{secret['id']}/comments", user, json={"content": f"comment {word}"})
    public = api.story(user, title=uniq("Public "))
    api.task(public["id"], proj["id"], user)

    mine, theirs, admins = feed_token(api, user), feed_token(api, other), feed_token(api, admin)
    assert mine["kind"] == "feed" and mine["access_token"]
    # Listed with the user's tokens; lives the longest lifetime by default (a feed reader keeps its URL).
    listed = api.ok("GET", f"/v1/users/{user.id}/tokens", user)
    assert [t["kind"] for t in listed if t["id"] == mine["id"]] == ["feed"]
    assert mine["expires_in"] == client.app.state.settings.max_token_lifetime

    paths = [f"/v1/feeds/projects/{proj['id']}.atom", f"/v1/feeds/project_groups/{group['id']}.atom",
             f"/v1/feeds/users/{user.id}.atom", "/v1/feeds/stories.atom",
             f"/v1/feeds/stories.atom?project_id={proj['id']}", f"/v1/feeds/stories.atom?q={word}"]
    for token in (None, theirs["access_token"], admins["access_token"]):
        for path in paths:
            r = read(client, path, token)
            root = atom(r)
            assert word not in r.text, (path, token)
            assert all(f"/story/{secret['id']}" not in e["link"] for e in entries(root))
            assert any(f"/story/{public['id']}" in e["link"] for e in entries(root)) or "q=" in path, path
        r = read(client, f"/v1/feeds/stories/{secret['id']}.atom", token)
        missing = read(client, "/v1/feeds/stories/2000000001.atom", token)
        assert (r.status_code, missing.status_code) == (404, 404) and word not in r.text
    # Anonymous and someone else's feeds: no count, no date of the private story either. The project feed
    # read anonymously and with the outsider's token are the same document, up to the cache headers.
    anon = client.get(f"/v1/feeds/projects/{proj['id']}.atom")
    outsider = client.get(f"/v1/feeds/projects/{proj['id']}.atom", params={"token": theirs["access_token"]})
    assert anon.content == outsider.content and anon.headers["etag"] == outsider.headers["etag"]
    assert anon.headers["cache-control"].startswith("public")
    assert outsider.headers["cache-control"].startswith("private")

    for path in paths[:3] + [f"/v1/feeds/stories.atom?project_id={proj['id']}", f"/v1/feeds/stories.atom?q={word}"]:
        r = read(client, path, mine["access_token"])
        assert word in r.text, path
        assert any(f"/story/{secret['id']}" in e["link"] for e in entries(atom(r)))
    r = client.get(f"/v1/feeds/stories/{secret['id']}.atom", params={"token": mine["access_token"]})
    assert len(entries(atom(r))) == 3 and word in r.text
    # The API token in the Authorization header reads the same feed (the web client's own preview).
    assert word in client.get(f"/v1/feeds/stories/{secret['id']}.atom", headers=user.headers).text

    # The feed token is refused by the rest of the API, and an API token is no feed token.
    feed_auth = {"Authorization": f"Bearer {mine['access_token']}"}
    for path in (f"/v1/stories/{secret['id']}", "/v1/users/self", f"/v1/users/{user.id}/tokens"):
        assert client.get(path, headers=feed_auth).status_code == 401, path
    assert client.post("/v1/stories", json={"title": "By a feed token"}, headers=feed_auth).status_code == 401
    assert client.get(f"/v1/feeds/stories/{secret['id']}.atom", headers=feed_auth).status_code == 401
    assert client.get(f"/v1/feeds/users/{user.id}.atom", params={"token": user.token}).status_code == 401
    assert client.get(f"/v1/feeds/users/{user.id}.atom", params={"token": ""}).status_code == 401

    # Revoked: refused at once.
    api.ok("DELETE", f"/v1/users/{user.id}/tokens/{mine['id']}", user)
    r = client.get(f"/v1/feeds/stories/{secret['id']}.atom", params={"token": mine["access_token"]})
    assert r.status_code == 401 and word not in r.text
    assert client.get(f"/v1/feeds/projects/{proj['id']}.atom", params={"token": mine["access_token"]}).status_code == 401


def test_removed_from_the_list_means_out_of_the_feed(client, api, user, other):
    word = uniq("listed")
    story = api.story(user, title=f"Private {word}", private=True, users=[{"id": user.id}, {"id": other.id}])
    token = feed_token(api, other)["access_token"]
    assert word in client.get(f"/v1/feeds/users/{user.id}.atom", params={"token": token}).text
    api.ok("DELETE", f"/v1/stories/{story['id']}/users/{other.id}", user)
    r = client.get(f"/v1/feeds/users/{user.id}.atom", params={"token": token})
    assert r.status_code == 200 and word not in r.text


def test_cache_validators(client, api, user):
    story = api.story(user)
    path = f"/v1/feeds/stories/{story['id']}.atom"
    first = client.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
    api.ok("POST", f"/v1/stories/{story['id']}/comments", user, json={"content": "news"})
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag
    assert "news" in again.text


@pytest.mark.parametrize("kind", ["personal", "feed"])
def test_token_kinds_from_the_cli_and_the_api(client, api, user, kind):
    """A feed token's lifetime can be changed like a personal token's; an unknown kind names the field."""
    token = api.ok("POST", f"/v1/users/{user.id}/tokens", user, json={"user_id": user.id, "kind": kind,
                                                                      "expires_in": 3600})
    assert token["kind"] == kind and token["expires_in"] == 3600
    changed = api.ok("PUT", f"/v1/users/{user.id}/tokens/{token['id']}", user,
                     json={"user_id": user.id, "expires_in": 7200})
    assert changed["expires_in"] == 7200
    r = client.post(f"/v1/users/{user.id}/tokens", json={"user_id": user.id, "kind": "session"},
                    headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "kind"


def test_control_characters_stay_valid_xml(client, api, user):
    story = api.story(user, title="Bell \x07 and escape \x1b in a title")
    api.ok("POST", f"/v1/stories/{story['id']}/comments", user, json={"content": "form feed \x0c here"})
    root = atom(client.get(f"/v1/feeds/stories/{story['id']}.atom"))
    assert "Bell" in root.findtext(f"{A}title")


def test_wide_scopes_walk_the_newest_events(client, api, user, monkeypatch):
    """A project or search of many stories reads the newest events first (queries.FEW_STORIES): the
    same entries as through the story index, and the same rule."""
    from storyline.feeds import queries

    proj = api.project()
    word = uniq("walkword")
    stories = [api.story(user, title=f"{word} {i}", private=(i == 1)) for i in range(4)]
    for s in stories:
        api.task(s["id"], proj["id"], user)
        api.ok("POST", f"/v1/stories/{s['id']}/comments", user, json={"content": f"on {s['id']}"})
    token = feed_token(api, user)["access_token"]
    paths = [f"/v1/feeds/projects/{proj['id']}.atom", f"/v1/feeds/stories.atom?project_id={proj['id']}",
             f"/v1/feeds/stories.atom?title={word}"]
    before = {(p, t): read(client, p, t).text for p in paths for t in (None, token)}
    monkeypatch.setattr(queries, "FEW_STORIES", 2)
    for (path, t), text in before.items():
        r = read(client, path, t)
        assert r.text == text, path
        got = entries(atom(r))
        assert len(got) == (12 if t else 9), (path, t)  # story created, task, comment of each story
        assert (f"/story/{stories[1]['id']}" in r.text) == (t is not None)
