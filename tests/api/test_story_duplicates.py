"""duplicate_of on PUT /v1/stories/{id} (additive): a story the caller can see, not itself, no cycle; an
event; shown only to readers who may see the other story."""

from __future__ import annotations

import json


def _put(client, who, story_id, body):
    return client.put(f"/v1/stories/{story_id}", json=body, headers=who.headers)


def test_mark_and_clear_a_duplicate_with_events(client, api, user):
    original, dup = api.story(user), api.story(user)
    r = _put(client, user, dup["id"], {"duplicate_of": original["id"]})
    assert r.status_code == 200 and r.json()["duplicate_of"] == original["id"]
    assert client.get(f"/v1/stories/{dup['id']}").json()["duplicate_of"] == original["id"]
    events = client.get(f"/v1/stories/{dup['id']}/events", params={"sort_field": "id"}).json()
    info = json.loads(events[-1]["event_info"])
    assert events[-1]["event_type"] == "story_details_changed"
    assert info["duplicate_of"] == original["id"] and info["old_duplicate_of"] is None
    assert info["duplicate_marked"] is True
    # Other fields leave it alone; the same value again writes no event.
    assert _put(client, user, dup["id"], {"title": "A new title here"}).json()["duplicate_of"] == original["id"]
    count = len(client.get(f"/v1/stories/{dup['id']}/events").json())
    assert _put(client, user, dup["id"], {"duplicate_of": original["id"]}).status_code == 200
    assert len(client.get(f"/v1/stories/{dup['id']}/events").json()) == count
    cleared = _put(client, user, dup["id"], {"duplicate_of": None})
    assert cleared.status_code == 200 and cleared.json()["duplicate_of"] is None
    last = json.loads(client.get(f"/v1/stories/{dup['id']}/events", params={"sort_field": "id"}).json()[-1]["event_info"])
    assert last["duplicate_of"] is None and last["old_duplicate_of"] == original["id"]
    assert last["duplicate_marked"] is False


def test_refusals_name_the_field_and_change_nothing(client, api, user, other):
    a, b, c = api.story(user), api.story(user), api.story(user)
    hidden = api.story(user, private=True)
    r = _put(client, user, a["id"], {"duplicate_of": a["id"]})
    assert r.status_code == 400 and r.json()["field"] == "duplicate_of"
    assert _put(client, user, a["id"], {"duplicate_of": b["id"]}).status_code == 200
    assert _put(client, user, b["id"], {"duplicate_of": c["id"]}).status_code == 200
    cycle = _put(client, user, c["id"], {"duplicate_of": a["id"]})  # c -> a -> b -> c
    assert cycle.status_code == 400 and cycle.json()["field"] == "duplicate_of"
    # A story the caller cannot see is refused exactly like a missing one.
    missing = 2_000_000_003
    r_hidden = _put(client, other, c["id"], {"duplicate_of": hidden["id"], "title": "Renamed by other"})
    r_missing = _put(client, other, c["id"], {"duplicate_of": missing, "title": "Renamed by other"})
    assert r_hidden.status_code == r_missing.status_code == 400
    assert r_hidden.json()["field"] == "duplicate_of"
    assert r_hidden.text.replace(str(hidden["id"]), "N") == r_missing.text.replace(str(missing), "N")
    after = client.get(f"/v1/stories/{c['id']}").json()
    assert after["duplicate_of"] is None and after["title"] == c["title"]


def test_the_mark_shows_only_to_those_who_see_the_other_story(client, api, user, other):
    hidden = api.story(user, private=True)
    public = api.story(user)
    assert _put(client, user, public["id"], {"duplicate_of": hidden["id"]}).status_code == 200
    assert client.get(f"/v1/stories/{public['id']}", headers=user.headers).json()["duplicate_of"] == hidden["id"]
    for who in ({}, other.headers):
        assert client.get(f"/v1/stories/{public['id']}", headers=who).json()["duplicate_of"] is None
        listed = client.get("/v1/stories", params={"title": public["title"]}, headers=who).json()
        assert [s["duplicate_of"] for s in listed] == [None]
        # Its timeline says a mark was set, not which story it names.
        events = client.get(f"/v1/stories/{public['id']}/events", headers=who).json()
        infos = [json.loads(e["event_info"] or "{}") for e in events]
        assert hidden["id"] not in [v for info in infos for v in info.values()]
        assert json.loads(events[-1]["event_info"])["duplicate_marked"] is True
