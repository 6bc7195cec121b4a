"""Security handling: information types, VMT and project security teams, embargo, audit, disclosure."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from builders import make_persona, uniq

from storyline.db import utcnow
from storyline.worker import run_pass


@pytest.fixture(scope="session")
def vmt(app, admin, client):
    """The configured VMT team (settings.vmt_team = "vmt") with one member."""
    member = make_persona(app, name="Vera VMT")
    r = client.get("/v1/teams/vmt")
    team = r.json() if r.status_code == 200 else client.post(
        "/v1/teams", json={"name": "vmt"}, headers=admin.headers).json()
    assert client.put(f"/v1/teams/{team['id']}/users/{member.id}", headers=admin.headers).status_code == 200
    return team, member


@pytest.fixture()
def secured_project(api, app):
    """A project with a security team of one member."""
    member = make_persona(app)
    team = api.ok("POST", "/v1/teams", json={"name": uniq("nova-coresec-")})
    api.ok("PUT", f"/v1/teams/{team['id']}/users/{member.id}")
    project = api.ok("PUT", f"/v1/projects/{api.project()['id']}", json={"security_team_id": team["id"]})
    assert project["security_team_id"] == team["id"]
    return project, team, member


def see(client, who, story_id) -> bool:
    return client.get(f"/v1/stories/{story_id}", headers=who.headers).status_code == 200


def test_new_security_report_is_private_to_reporter_and_vmt(client, api, user, other, vmt, secured_project):
    team, vmt_member = vmt
    project, sec_team, sec_member = secured_project
    s = api.story(user, title="Heap overflow in the parser", security=True)
    assert s["private"] is True and s["security"] is True and s["information_type"] == "private_security"
    assert 89 <= s["embargo_days_left"] <= 90 and s["embargo_expired"] is False
    story = client.get(f"/v1/stories/{s['id']}", headers=user.headers).json()
    assert [u["id"] for u in story["users"]] == [user.id] and [t["id"] for t in story["teams"]] == [team["id"]]
    assert see(client, vmt_member, s["id"]) and not see(client, other, s["id"])
    # The reporter choosing a project does not show the report to that project's security team ...
    api.task(s["id"], project["id"], user)
    assert not see(client, sec_member, s["id"])
    # ... a responder (VMT) adding a task on the project does, and it is audited.
    api.task(s["id"], project["id"], vmt_member)
    assert see(client, sec_member, s["id"])
    audit = client.get(f"/preview/stories/{s['id']}/audit", headers=sec_member.headers).json()
    assert {"action": "security_team_added", "field": "teams", "new_value": sec_team["id"]}.items() <= audit[-1].items()
    assert client.get(f"/preview/stories/{s['id']}/audit", headers=other.headers).status_code == 404


def test_private_non_security_story_does_not_reach_security_teams(client, api, user, vmt, secured_project):
    project, _, sec_member = secured_project
    _, vmt_member = vmt
    s = api.story(user, private=True)
    assert s["information_type"] == "private" and s["embargo_until"] is None
    api.task(s["id"], project["id"], user)
    assert not see(client, sec_member, s["id"]) and not see(client, vmt_member, s["id"])
    # Turning it into a security report brings in the VMT and the security teams of its projects.
    out = api.ok("PUT", f"/v1/stories/{s['id']}", user, json={"security": True})
    assert out["information_type"] == "private_security" and out["embargo_until"] is not None
    assert see(client, sec_member, s["id"]) and see(client, vmt_member, s["id"])


def test_information_type_and_flags_agree(client, api, user):
    s = api.story(user, information_type="public_security")
    assert (s["private"], s["security"]) == (False, True)
    r = client.put(f"/v1/stories/{s['id']}", json={"information_type": "private", "security": True},
                   headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "information_type"
    r = client.put(f"/v1/stories/{s['id']}", json={"information_type": "bogus"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "information_type"
    out = api.ok("PUT", f"/v1/stories/{s['id']}", user, json={"private": True})
    assert out["information_type"] == "private_security"
    out = api.ok("PUT", f"/v1/stories/{s['id']}", user, json={"information_type": "public"})
    assert (out["private"], out["security"], out["users"]) == (False, False, [])


def test_embargo_limits(client, api, user):
    s = api.story(user, security=True)
    created = dt.datetime.fromisoformat(s["created_at"])
    too_late = (created + dt.timedelta(days=91)).isoformat()
    r = client.put(f"/v1/stories/{s['id']}", json={"embargo_until": too_late}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "embargo_until"
    ok = (created + dt.timedelta(days=30)).isoformat()
    out = api.ok("PUT", f"/v1/stories/{s['id']}", user, json={"embargo_until": ok})
    assert 29 <= out["embargo_days_left"] <= 30
    public = api.story(user)
    r = client.put(f"/v1/stories/{public['id']}", json={"embargo_until": ok}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "embargo_until"
    r = client.post("/v1/stories", json={"title": "Too long embargo", "security": True,
                                         "embargo_until": (utcnow() + dt.timedelta(days=120)).isoformat() + "Z"},
                    headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "embargo_until"


def test_disclosure_now_notifies_only_after(client, api, user, other, vmt):
    proj = api.project()
    api.ok("POST", "/v1/subscriptions", other, json={"target_type": "project", "target_id": proj["id"]})
    s = api.story(user, title=f"Embargoed {uniq('flaw')}", security=True)
    _, vmt_member = vmt
    api.task(s["id"], proj["id"], vmt_member)
    inbox = lambda: client.get("/v1/subscription_events", headers=other.headers).text  # noqa: E731
    assert s["title"] not in inbox()
    assert client.post(f"/preview/stories/{s['id']}/disclose", headers=other.headers).status_code == 404
    out = api.ok("POST", f"/preview/stories/{s['id']}/disclose", vmt_member)
    assert (out["information_type"], out["private"], out["embargo_until"], out["users"]) == (
        "public_security", False, None, [])
    assert see(client, other, s["id"]) and s["title"] in inbox()
    events = client.get(f"/v1/stories/{s['id']}/events", params={"event_type": "story_disclosed"}).json()
    assert len(events) == 1
    audit = client.get(f"/preview/stories/{s['id']}/audit").json()
    assert any(a["action"] == "disclosed" for a in audit)
    r = client.post(f"/preview/stories/{s['id']}/disclose", headers=vmt_member.headers)
    assert r.status_code == 400


def test_bulk_disclosure_is_all_or_nothing(client, api, user):
    a, b = api.story(user, security=True), api.story(user, security=True)
    public = api.story(user)
    r = client.post("/preview/stories/disclose", json={"story_ids": [a["id"], public["id"]]}, headers=user.headers)
    assert r.status_code == 400
    assert client.get(f"/v1/stories/{a['id']}").status_code == 404
    out = api.ok("POST", "/preview/stories/disclose", user, json={"story_ids": [a["id"], b["id"]]})
    assert [x["information_type"] for x in out] == ["public_security", "public_security"]


def test_worker_runs_scheduled_disclosure_and_flags_expired_embargo(client, api, user, app, vmt):
    _, vmt_member = vmt
    past = (utcnow() - dt.timedelta(minutes=5)).isoformat() + "+00:00"
    scheduled = api.story(user, security=True)
    api.ok("PUT", f"/v1/stories/{scheduled['id']}", user, json={"disclosure_at": past})
    expiring = api.story(user, security=True, title=f"Expiring {uniq('embargo')}")
    api.ok("PUT", f"/v1/stories/{expiring['id']}", user, json={"embargo_until": past})
    result = run_pass(app.state.write_sessions, app.state.settings)
    assert result["disclosed"] >= 1 and result["embargo_expired"] >= 1
    assert client.get(f"/v1/stories/{scheduled['id']}").json()["information_type"] == "public_security"
    audit = client.get(f"/preview/stories/{scheduled['id']}/audit").json()
    disclosed = [a for a in audit if a["action"] == "disclosed"][0]
    assert disclosed["actor_id"] is None and disclosed["new_value"]["delay_seconds"] >= 300
    flagged = client.get(f"/v1/stories/{expiring['id']}", headers=user.headers).json()
    assert flagged["embargo_expired"] is True and flagged["private"] is True
    inbox = client.get("/v1/subscription_events", params={"event_type": "embargo_expired"},
                       headers=vmt_member.headers).json()
    assert any(str(expiring["id"]) in e["event_info"] for e in inbox)
    # A second pass has nothing left to do: each story is disclosed or flagged once.
    assert run_pass(app.state.write_sessions, app.state.settings) == {"disclosed": 0, "embargo_expired": 0}
    audit = client.get(f"/preview/stories/{expiring['id']}/audit", headers=user.headers).json()
    assert [a["action"] for a in audit].count("embargo_expired") == 1


def test_project_security_team_is_superuser_only(client, api, user):
    proj = api.project()
    r = client.put(f"/v1/projects/{proj['id']}", json={"security_team_id": 1}, headers=user.headers)
    assert r.status_code == 403
    r = client.put(f"/v1/projects/{proj['id']}", json={"security_team_id": 987654321}, headers=api.admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "security_team_id"


def test_without_a_vmt_a_security_report_reaches_the_superusers(database_url, admin, user):
    """Audit finding 7: with no VMT configured (a fresh install) a report was visible to its reporter
    only, although the form promises the vulnerability team. The superusers now handle it, visibly."""
    from builders import make_settings
    from fastapi.testclient import TestClient

    from storyline.app import create_app

    fresh = create_app(make_settings(database_url, vmt_team=None))
    try:
        with TestClient(fresh) as c:
            r = c.post("/v1/stories", json={"title": uniq("Heap overflow"), "security": True}, headers=user.headers)
            assert r.status_code == 200
            story = c.get(f"/v1/stories/{r.json()['id']}", headers=user.headers).json()
            listed = {u["id"] for u in story["users"]}
            assert {user.id, admin.id} <= listed
            assert c.get(f"/v1/stories/{story['id']}", headers=admin.headers).status_code == 200
    finally:
        fresh.state.engine.dispose()


def inbox(client, who, event_type):
    r = client.get("/v1/subscription_events", params={"event_type": event_type}, headers=who.headers)
    assert r.status_code == 200, r.text
    return [json.loads(e["event_info"]) for e in r.json()]


def audit_actions(client, who, story_id):
    return [(a["action"], a["actor_id"], a["new_value"])
            for a in client.get(f"/preview/stories/{story_id}/audit", headers=who.headers).json()]


def test_superuser_minting_a_token_for_the_reporter_is_recorded_and_told(client, app, api, user, admin, vmt):
    """Finding 2: a superuser not on the list can still act as the reporter, but never silently."""
    _, vmt_member = vmt
    s = api.story(user, title="Embargoed heap overflow", security=True)
    assert not see(client, admin, s["id"])
    r = client.post(f"/v1/users/{user.id}/tokens", json={"user_id": user.id, "expires_in": 600, "name": "x"},
                    headers=admin.headers)
    assert r.status_code == 200
    token = r.json()
    assert client.get(f"/v1/stories/{s['id']}", headers={"Authorization": f"Bearer {token['access_token']}"}
                      ).status_code == 200
    # in the story's audit log, read by everyone on the list (the VMT too) ...
    entry = {"token_id": token["id"], "user_id": user.id, "name": "x", "created_by": admin.id,
             "expires_at": token["expires_at"]}
    for who in (user, vmt_member):
        assert ("token_created_for_user", admin.id, entry) in audit_actions(client, who, s["id"])
    # ... and in the reporter's inbox, with how many private stories it opens
    told = inbox(client, user, "user_token_created")
    assert told and told[-1] == {**entry, "private_stories": 1}
    # a token the user makes for themself is their own business
    assert client.post(f"/v1/users/{user.id}/tokens", json={"user_id": user.id},
                       headers=user.headers).status_code == 200
    assert len(inbox(client, user, "user_token_created")) == len(told)


def test_joining_a_listed_team_is_recorded_in_its_private_stories_and_told(client, api, user, admin, other, vmt):
    """Finding 2: a superuser adding themself (or anyone) to the VMT is audited on every report."""
    vmt_team, vmt_member = vmt
    s = api.story(user, title="Another embargoed report", security=True)
    public = api.story(user, title="A public story")
    assert not see(client, admin, s["id"])
    assert client.put(f"/v1/teams/{vmt_team['id']}/users/{admin.id}", headers=admin.headers).status_code == 200
    try:
        assert see(client, admin, s["id"])
        entry = {"team_id": vmt_team["id"], "team_name": "vmt", "user_id": admin.id, "changed_by": admin.id}
        assert ("team_member_added", admin.id, entry) in audit_actions(client, vmt_member, s["id"])
        assert ("team_member_added", admin.id, entry) in audit_actions(client, user, s["id"])
        assert all(a[0] != "team_member_added" for a in audit_actions(client, user, public["id"]))
    finally:
        assert client.delete(f"/v1/teams/{vmt_team['id']}/users/{admin.id}",
                             headers=admin.headers).status_code == 204
    assert not see(client, admin, s["id"])
    assert ("team_member_removed", admin.id, {**entry}) in audit_actions(client, user, s["id"])
    # a member added by someone else is told, with the number of private stories it opens
    assert client.put(f"/v1/teams/{vmt_team['id']}/users/{other.id}", headers=admin.headers).status_code == 200
    told = inbox(client, other, "team_member_added")
    assert told[-1]["team_id"] == vmt_team["id"] and told[-1]["changed_by"] == admin.id
    assert told[-1]["private_stories"] >= 1
    assert client.delete(f"/v1/teams/{vmt_team['id']}/users/{other.id}", headers=admin.headers).status_code == 204
    assert inbox(client, other, "team_member_removed")[-1]["team_id"] == vmt_team["id"]


def test_superuser_recovery_is_audited_and_told(client, api, user, other, admin):
    """Finding 3: a story hidden from everyone who should see it has an audited way back."""
    s = api.story(user, title="Hidden by its creator")
    api.ok("PUT", f"/v1/stories/{s['id']}", user, json={"private": True})
    assert not see(client, admin, s["id"])
    for who, status in ((None, 401), (other, 403), (user, 403)):
        r = client.post(f"/preview/stories/{s['id']}/recover", headers=who.headers if who else {})
        assert r.status_code == status, (who, r.text)
    public = api.story(user)
    r = client.post(f"/preview/stories/{public['id']}/recover", headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "story_id"
    assert client.post("/preview/stories/2000000001/recover", headers=admin.headers).status_code == 404
    r = client.post(f"/preview/stories/{s['id']}/recover", headers=admin.headers)
    assert r.status_code == 200 and r.json()["id"] == s["id"]
    assert see(client, admin, s["id"])
    assert ("superuser_recovery", admin.id, {"user_id": admin.id}) in audit_actions(client, user, s["id"])
    told = inbox(client, user, "story_access_recovered")
    assert told[-1] == {"story_id": s["id"], "user_id": admin.id}
    # once on the list, the ordinary API fixes the rest
    assert api.ok("PUT", f"/v1/stories/{s['id']}", admin, json={"private": False})["private"] is False
    assert client.post(f"/preview/stories/{s['id']}/recover", headers=admin.headers).status_code == 400
