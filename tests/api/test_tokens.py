import datetime as dt

from builders import uniq
from sqlalchemy import select, update

from storyline.db import session_scope, utcnow
from storyline.users.models import AccessToken
from storyline.users.tokens import hash_token

TOKEN_KEYS = {"id", "created_at", "updated_at", "user_id", "access_token", "expires_in", "refresh_token",
              # additive
              "name", "kind", "expires_at", "last_used_at"}


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


def make_token(client, who, **fields):
    body = {"user_id": who.id, "expires_in": 3600, **fields}
    r = client.post(f"/v1/users/{who.id}/tokens", json=body, headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_create_token_shows_value_once(client, app, user):
    t = make_token(client, user)
    assert set(t) == TOKEN_KEYS
    assert t["user_id"] == user.id and t["expires_in"] == 3600 and t["refresh_token"] is None
    assert isinstance(t["access_token"], str) and len(t["access_token"]) >= 32
    assert t["created_at"].endswith("+00:00") and t["updated_at"] is None
    # the new token identifies the user
    assert client.get("/v1/users/self", headers=bearer(t["access_token"])).json()["id"] == user.id
    # only a hash is stored, so later reads cannot show the value
    r = client.get(f"/v1/users/{user.id}/tokens/{t['id']}", headers=user.headers)
    assert r.status_code == 200
    # Using the token records its last use; everything else is as created, without the value.
    assert r.json() == {**t, "access_token": None, "last_used_at": r.json()["last_used_at"]}
    with session_scope(app.state.read_sessions) as session:
        stored = session.execute(select(AccessToken.token_hash).where(AccessToken.id == t["id"])).scalar_one()
    assert stored == hash_token(t["access_token"]) and stored != t["access_token"]


def test_create_token_with_chosen_value_and_default_lifetime(client, app, user):
    value = uniq("my-bot-token-").ljust(40, "x")
    r = client.post(f"/v1/users/{user.id}/tokens", json={"user_id": user.id, "access_token": value},
                    headers=user.headers)
    assert r.status_code == 200
    assert r.json()["access_token"] == value
    assert r.json()["expires_in"] == app.state.settings.default_token_lifetime
    assert client.get("/v1/users/self", headers=bearer(value)).json()["id"] == user.id
    # a duplicate value is a conflict, for anyone
    r = client.post(f"/v1/users/{user.id}/tokens", json={"user_id": user.id, "access_token": value},
                    headers=user.headers)
    assert r.status_code == 409 and r.json()["faultstring"]


def test_create_token_validation(client, user, other):
    path = f"/v1/users/{user.id}/tokens"
    r = client.post(path, json={"user_id": other.id, "expires_in": 60}, headers=user.headers)
    assert r.status_code == 403
    r = client.post(path, json={"expires_in": 60}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "user_id"
    for bad in (-5, 0, 2**40, "soon"):
        r = client.post(path, json={"user_id": user.id, "expires_in": bad}, headers=user.headers)
        assert r.status_code == 400, bad
        assert r.json()["field"] == "expires_in"
    r = client.post(path, json={"user_id": user.id, "access_token": "x" * 256}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "access_token"
    # numeric strings are accepted like numbers
    r = client.post(path, json={"user_id": str(user.id), "expires_in": "120"}, headers=user.headers)
    assert r.status_code == 200 and r.json()["expires_in"] == 120


def test_token_permissions(client, user, other, admin):
    t = make_token(client, user)
    base = f"/v1/users/{user.id}/tokens"
    for method, path, body in (("GET", base, None), ("GET", f"{base}/{t['id']}", None),
                               ("POST", base, {"user_id": user.id}),
                               ("PUT", f"{base}/{t['id']}", {"user_id": user.id, "expires_in": 5}),
                               ("DELETE", f"{base}/{t['id']}", None)):
        r = client.request(method, path, json=body, headers=other.headers)
        assert r.status_code == 403, (method, path)
        r = client.request(method, path, json=body)
        assert r.status_code == 401, (method, path)
    # a token of someone else is not found under your own path
    r = client.get(f"/v1/users/{other.id}/tokens/{t['id']}", headers=other.headers)
    assert r.status_code == 404 and r.json()["faultstring"] == f"Token {t['id']} not found"
    # superusers manage other users' tokens
    r = client.get(f"{base}/{t['id']}", headers=admin.headers)
    assert r.status_code == 200 and r.json()["user_id"] == user.id
    r = client.post(base, json={"user_id": user.id, "expires_in": 60}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["user_id"] == user.id
    assert client.get("/v1/users/987654321/tokens", headers=admin.headers).status_code == 404


def test_list_tokens_paging(client, user):
    made = [make_token(client, user)["id"] for _ in range(3)]
    r = client.get(f"/v1/users/{user.id}/tokens", headers=user.headers)
    assert r.status_code == 200
    rows = r.json()
    # the persona's own token plus the three made here
    assert r.headers["X-Total"] == "4" and len(rows) == 4
    assert [t["id"] for t in rows][1:] == made
    assert all(t["access_token"] is None and t["user_id"] == user.id for t in rows)
    r = client.get(f"/v1/users/{user.id}/tokens", params={"marker": made[0], "limit": 1},
                   headers=user.headers)
    assert [t["id"] for t in r.json()] == [made[1]]
    assert r.headers["X-Marker"] == str(made[0]) and r.headers["X-Limit"] == "1"
    r = client.get(f"/v1/users/{user.id}/tokens", params={"sort_field": "token_hash"}, headers=user.headers)
    assert r.status_code == 400


def test_update_token_changes_only_expires_in(client, user):
    t = make_token(client, user)
    path = f"/v1/users/{user.id}/tokens/{t['id']}"
    r = client.put(path, json={"user_id": user.id, "expires_in": 7200, "access_token": "ignored-value"},
                   headers=user.headers)
    assert r.status_code == 200
    assert r.json()["expires_in"] == 7200 and r.json()["updated_at"] is not None
    assert client.get("/v1/users/self", headers=bearer(t["access_token"])).status_code == 200
    assert client.get("/v1/users/self", headers=bearer("ignored-value")).status_code == 401
    # the body must carry the user of the path
    r = client.put(path, json={"expires_in": 10}, headers=user.headers)
    assert r.status_code == 403
    r = client.put(path, json={"user_id": user.id + 1, "expires_in": 10}, headers=user.headers)
    assert r.status_code == 403
    assert client.get(path, headers=user.headers).json()["expires_in"] == 7200
    r = client.put(f"/v1/users/{user.id}/tokens/987654321", json={"user_id": user.id, "expires_in": 10},
                   headers=user.headers)
    assert r.status_code == 404


def test_expired_token_is_refused(client, app, user, admin):
    t = make_token(client, user, expires_in=120)
    headers = bearer(t["access_token"])
    assert client.get("/v1/users/self", headers=headers).status_code == 200
    with session_scope(app.state.write_sessions) as session:
        session.execute(update(AccessToken).where(AccessToken.id == t["id"])
                        .values(expires_at=utcnow() - dt.timedelta(seconds=5)))
    for path in ("/v1/users/self", "/v1/systeminfo", "/v1/users"):
        r = client.get(path, headers=headers)
        assert r.status_code == 401, path
        assert r.json() == {"code": 401, "title": "Unauthorized", "description": None}
    # an expired token stays expired: extending it is refused, for its owner and for a superuser
    for who in (user, admin):
        r = client.put(f"/v1/users/{user.id}/tokens/{t['id']}", json={"user_id": user.id, "expires_in": 3600},
                       headers=who.headers)
        assert r.status_code == 400 and r.json()["field"] == "expires_in"
    assert client.get("/v1/users/self", headers=headers).status_code == 401


def test_token_lifetime_and_value_limits(client, app, user):
    path = f"/v1/users/{user.id}/tokens"
    longest = app.state.settings.max_token_lifetime
    r = client.post(path, json={"user_id": user.id, "expires_in": longest + 1}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "expires_in" and str(longest) in r.json()["message"]
    t = make_token(client, user, expires_in=longest)
    # no extension past the limit either (2090 was possible once)
    r = client.put(f"{path}/{t['id']}", json={"user_id": user.id, "expires_in": 2**31 - 1}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "expires_in"
    # a chosen value must be as hard to guess as a generated one
    for short in ("a", "x" * 31):
        r = client.post(path, json={"user_id": user.id, "access_token": short}, headers=user.headers)
        assert r.status_code == 400 and r.json()["field"] == "access_token"
        assert client.get("/v1/users/self", headers=bearer(short)).status_code == 401


def test_login_token_lifetime_cannot_be_extended(client, app, user):
    from storyline.users.tokens import create_token

    with session_scope(app.state.write_sessions) as session:
        token, value = create_token(session, user.id, 3600, kind="session")
        token_id = token.id
    r = client.put(f"/v1/users/{user.id}/tokens/{token_id}", json={"user_id": user.id, "expires_in": 86400},
                   headers=bearer(value))
    assert r.status_code == 400 and r.json()["field"] == "expires_in"
    assert client.get(f"/v1/users/{user.id}/tokens/{token_id}", headers=user.headers).json()["expires_in"] == 3600


def test_delete_token(client, user):
    t = make_token(client, user)
    path = f"/v1/users/{user.id}/tokens/{t['id']}"
    r = client.delete(path, headers=user.headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get("/v1/users/self", headers=bearer(t["access_token"])).status_code == 401
    assert client.get(path, headers=user.headers).status_code == 404
    assert client.delete(path, headers=user.headers).status_code == 404


def test_delete_all_by_a_stranger_is_refused(client, user, other):
    r = client.delete(f"/v1/users/{user.id}/tokens/delete_all", headers=other.headers)
    assert r.status_code == 403
    assert client.delete(f"/v1/users/{user.id}/tokens/delete_all").status_code == 401
    assert client.get("/v1/users/self", headers=user.headers).status_code == 200


def test_delete_all_by_self_and_by_superuser(client, user, other, admin):
    extra = make_token(client, user)
    r = client.delete(f"/v1/users/{user.id}/tokens/delete_all", headers=user.headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get("/v1/users/self", headers=user.headers).status_code == 401
    assert client.get("/v1/users/self", headers=bearer(extra["access_token"])).status_code == 401
    r = client.get(f"/v1/users/{user.id}/tokens", headers=admin.headers)
    assert r.json() == [] and r.headers["X-Total"] == "0"
    # a superuser logs someone else out; other users keep their tokens
    assert client.delete(f"/v1/users/{other.id}/tokens/delete_all", headers=admin.headers).status_code == 204
    assert client.get("/v1/users/self", headers=other.headers).status_code == 401
    assert client.get("/v1/users/self", headers=admin.headers).status_code == 200


def test_token_name_kind_and_expiry_are_shown(client, user):
    t = make_token(client, user, name="gerrit-bot", expires_in=7200)
    assert t["name"] == "gerrit-bot" and t["kind"] == "personal" and t["last_used_at"] is None
    created = dt.datetime.fromisoformat(t["created_at"])
    assert dt.datetime.fromisoformat(t["expires_at"]) - created == dt.timedelta(seconds=7200)
    r = client.post(f"/v1/users/{user.id}/tokens", json={"user_id": user.id, "name": "x" * 101},
                    headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
