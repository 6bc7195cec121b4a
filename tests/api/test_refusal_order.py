"""The permission checks the services make (docs/architecture.md, "The access layer") come before any
lookup: for an object that does not exist, anonymous callers get 401 and users who may not act get 403,
exactly as for one that exists; only a caller who may act learns that it is missing (404)."""

from builders import uniq

MISSING = 999999


def _cases(api, user, other):
    """(method, path, body, who may act) for each write or owner read whose object is missing."""
    team = api.ok("POST", "/v1/teams", json={"name": uniq("order-team-")})
    project = api.project()
    return [
        ("PUT", f"/v1/teams/{MISSING}", {"description": "x"}, "superuser"),
        ("DELETE", f"/v1/teams/{MISSING}", None, "superuser"),
        ("PUT", f"/v1/teams/{MISSING}/users/{user.id}", None, "superuser"),
        ("PUT", f"/v1/teams/{team['id']}/users/{MISSING}", None, "superuser"),
        ("DELETE", f"/v1/teams/{MISSING}/users/{user.id}", None, "superuser"),
        ("PUT", f"/v1/teams/{MISSING}/projects/{project['id']}", None, "superuser"),
        ("DELETE", f"/v1/teams/{MISSING}/projects/{project['id']}", None, "superuser"),
        ("PUT", f"/v1/projects/{MISSING}", {"description": "x"}, "superuser"),
        ("PUT", f"/v1/project_groups/{MISSING}", {"title": "Whatever"}, "superuser"),
        ("DELETE", f"/v1/project_groups/{MISSING}", None, "superuser"),
        ("PUT", f"/v1/branches/{MISSING}", {"restricted": True}, "superuser"),
        ("PUT", f"/v1/milestones/{MISSING}", {"expired": True}, "superuser"),
        ("DELETE", f"/v1/stories/{MISSING}", None, "superuser"),
        ("DELETE", f"/v1/stories/{MISSING}/comments/1", None, "superuser"),
        ("PUT", f"/v1/users/{MISSING}", {"full_name": "Nobody at all"}, "superuser"),
        ("GET", f"/v1/users/{MISSING}/tokens", None, "superuser"),
        ("GET", f"/v1/users/{MISSING}/tokens/1", None, "superuser"),
        ("DELETE", f"/v1/users/{MISSING}/tokens/delete_all", None, "superuser"),
        ("GET", f"/v1/users/{other.id}/tokens/{MISSING}", None, "other"),
        ("DELETE", f"/v1/users/{other.id}/tokens/{MISSING}", None, "other"),
    ]


def test_refusals_come_before_the_missing_object(client, api, admin, user, other):
    for method, path, body, who in _cases(api, user, other):
        r = client.request(method, path, json=body)
        assert r.status_code == 401, (method, path, r.text)
        refused = user if who != "user" else other
        r = client.request(method, path, json=body, headers=refused.headers)
        assert r.status_code == 403, (method, path, r.text)
        actor = admin if who == "superuser" else other
        r = client.request(method, path, json=body, headers=actor.headers)
        assert r.status_code == 404, (method, path, who, r.text)


def test_signed_in_checks_come_before_the_missing_story(client, user):
    for method, path, body in (("PUT", f"/v1/stories/{MISSING}", {"title": "Anything"}),
                               ("POST", f"/v1/stories/{MISSING}/comments", {"content": "hello"}),
                               ("PUT", f"/v1/stories/{MISSING}/users/{user.id}", None),
                               ("DELETE", f"/v1/stories/{MISSING}/teams/1", None),
                               ("GET", f"/v1/subscriptions/{MISSING}", None),
                               ("DELETE", f"/v1/subscriptions/{MISSING}", None),
                               ("GET", f"/v1/subscription_events/{MISSING}", None),
                               ("DELETE", f"/v1/subscription_events/{MISSING}", None)):
        r = client.request(method, path, json=body)
        assert r.status_code == 401, (method, path, r.text)
        r = client.request(method, path, json=body, headers=user.headers)
        assert r.status_code == 404, (method, path, r.text)


def test_preferences_are_their_users_own_even_missing_ones(client, admin, user):
    r = client.get(f"/v1/users/{MISSING}/preferences")
    assert r.status_code == 401
    for who in (admin, user):  # superusers included
        r = client.get(f"/v1/users/{MISSING}/preferences", headers=who.headers)
        assert r.status_code == 403, r.text
