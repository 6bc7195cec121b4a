import pytest

from storyline.db import session_scope
from storyline.users.queries import preference_enabled

EVENT_TYPES = ("story_created", "story_details_changed", "user_comment", "tags_added", "tags_deleted",
               "task_created", "task_details_changed", "task_status_changed", "task_priority_changed",
               "task_assignee_changed", "task_deleted")


def path(who):
    return f"/v1/users/{who.id}/preferences"


def test_defaults(client, user):
    r = client.get(path(user), headers=user.headers)
    assert r.status_code == 200
    prefs = r.json()
    assert prefs["page_size"] == 10 and prefs["story_detail_page_size"] == 10
    assert prefs["plugin_email_enable"] is False and prefs["plugin_email_digest"] is False
    assert prefs["plugin_email_digest_time"] == 28800
    assert prefs["receive_notifications_worklists"] is False
    for t in EVENT_TYPES:
        assert prefs[f"display_events_{t}"] is True, t


def test_self_only_even_for_superusers(client, user, other, admin):
    for method, body in (("GET", None), ("POST", {"page_size": 50})):
        r = client.request(method, path(user), json=body, headers=other.headers)
        assert r.status_code == 403, method
        r = client.request(method, path(user), json=body, headers=admin.headers)
        assert r.status_code == 403, method
        r = client.request(method, path(user), json=body)
        assert r.status_code == 401, method
    assert client.get(path(user), headers=user.headers).json()["page_size"] == 10


def test_upsert_returns_whole_object_and_null_deletes(client, user):
    r = client.post(path(user), headers=user.headers,
                    json={"page_size": 25, "plugin_email_enable": True, "theme_name": "dark",
                          "ratio": 0.5})
    assert r.status_code == 200
    prefs = r.json()
    assert prefs["page_size"] == 25 and prefs["plugin_email_enable"] is True
    assert prefs["theme_name"] == "dark" and prefs["ratio"] == 0.5
    assert prefs["story_detail_page_size"] == 10  # defaults are still merged in
    assert client.get(path(user), headers=user.headers).json() == prefs
    r = client.post(path(user), headers=user.headers, json={"page_size": 30, "theme_name": None})
    prefs = r.json()
    assert prefs["page_size"] == 30 and "theme_name" not in prefs and prefs["plugin_email_enable"] is True
    # deleting a known key brings its default back
    prefs = client.post(path(user), headers=user.headers, json={"page_size": None}).json()
    assert prefs["page_size"] == 10
    assert client.post(path(user), headers=user.headers, json={}).json() == prefs


def test_preferences_are_per_user(client, user, other):
    client.post(path(user), headers=user.headers, json={"page_size": 99})
    assert client.get(path(other), headers=other.headers).json()["page_size"] == 10


@pytest.mark.parametrize("body, field", [
    ({"ab": 1}, "ab"),
    ({"k" * 101: 1}, "k" * 101),
    ({"long_value": "v" * 256}, "long_value"),
    ({"empty_value": ""}, "empty_value"),
    ({"a_list": [1, 2]}, "a_list"),
    ({"an_object": {"x": 1}}, "an_object"),
])
def test_validation_names_the_key_and_writes_nothing(client, user, body, field):
    r = client.post(path(user), headers=user.headers, json={"page_size": 77, **body})
    assert r.status_code == 400
    assert r.json()["field"] == field
    assert client.get(path(user), headers=user.headers).json()["page_size"] == 10


def test_body_must_be_an_object(client, user):
    r = client.post(path(user), headers=user.headers, json=[1, 2])
    assert r.status_code == 400
    for raw in (b"nope", b'{"not_finite": NaN}'):
        r = client.post(path(user), headers={**user.headers, "Content-Type": "application/json"}, content=raw)
        assert r.status_code == 400, raw


def test_limits_are_inclusive(client, user):
    body = {"abc": "v", "k" * 100: "v" * 255}
    r = client.post(path(user), headers=user.headers, json=body)
    assert r.status_code == 200
    assert r.json()["abc"] == "v" and r.json()["k" * 100] == "v" * 255


def enabled(app, user_id, key):
    with session_scope(app.state.read_sessions) as session:
        result = preference_enabled(session, user_id, key)
    return result


def test_boolean_true_and_string_true_alike(client, app, user, other):
    assert enabled(app, user.id, "plugin_email_enable") is False
    assert enabled(app, user.id, "display_events_task_created") is True  # a default
    client.post(path(user), headers=user.headers, json={"plugin_email_enable": True})
    assert enabled(app, user.id, "plugin_email_enable") is True
    client.post(path(user), headers=user.headers, json={"plugin_email_enable": "true"})
    assert client.get(path(user), headers=user.headers).json()["plugin_email_enable"] == "true"
    assert enabled(app, user.id, "plugin_email_enable") is True
    client.post(path(user), headers=user.headers, json={"plugin_email_enable": "false"})
    assert enabled(app, user.id, "plugin_email_enable") is False
    client.post(path(user), headers=user.headers, json={"plugin_email_enable": False})
    assert enabled(app, user.id, "plugin_email_enable") is False
    client.post(path(user), headers=user.headers, json={"receive_notifications_worklists": "true"})
    assert enabled(app, user.id, "receive_notifications_worklists") is True
    assert enabled(app, other.id, "receive_notifications_worklists") is False
    assert enabled(app, user.id, "no_such_key") is False
