from builders import uniq

from storyline.db import session_scope
from storyline.users.tokens import create_token

USER_KEYS = {"id", "created_at", "updated_at", "full_name", "openid", "email", "is_superuser", "last_login",
             "enable_login", "launchpad_name"}


def new_user(api, **fields):
    n = uniq("u")
    body = {"full_name": f"User {n}", "email": f"{n}@example.org", **fields}
    return api.ok("POST", "/v1/users", json=body)


def test_create_user_as_superuser(client, api, admin):
    n = uniq("create")
    u = api.ok("POST", "/v1/users", json={"full_name": f"Created {n}", "email": f"{n}@example.org",
                                          "openid": f"https://id.example.org/{n}", "ignored": 1})
    assert set(u) == USER_KEYS
    assert u["full_name"] == f"Created {n}" and u["email"] == f"{n}@example.org"
    assert u["openid"] == f"https://id.example.org/{n}"
    assert u["is_superuser"] is False and u["enable_login"] is True
    assert u["last_login"] is None and u["updated_at"] is None and u["created_at"].endswith("+00:00")
    r = client.get(f"/v1/users/{u['id']}", headers=admin.headers)
    assert r.status_code == 200 and r.json() == u


def test_create_user_needs_superuser(client, user):
    body = {"full_name": "Some Body", "email": f"{uniq('n')}@example.org"}
    r = client.post("/v1/users", json=body, headers=user.headers)
    assert r.status_code == 403
    assert r.json() == {"code": 403, "title": "Forbidden",
                        "description": "This action is limited to superusers only."}
    r = client.post("/v1/users", json=body)
    assert r.status_code == 401
    assert r.json() == {"code": 401, "title": "Unauthorized", "description": None}


def test_create_user_validation_names_the_field(client, admin, api):
    good = {"full_name": "Valid Name", "email": f"{uniq('v')}@example.org"}
    cases = [
        ({**good, "full_name": "ab"}, "full_name"),
        ({**good, "full_name": "x" * 256}, "full_name"),
        ({"email": good["email"]}, "full_name"),
        ({**good, "email": "a@b"}, "email"),
        ({**good, "email": "x" * 250 + "@example.org"}, "email"),
        ({"full_name": "Valid Name"}, "email"),
        ({**good, "openid": "o" * 256}, "openid"),
        ({**good, "is_superuser": "maybe"}, "is_superuser"),
    ]
    for body, field in cases:
        r = client.post("/v1/users", json=body, headers=admin.headers)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["field"] == field
        assert r.json()["message"]
    existing = new_user(api)
    r = client.post("/v1/users", json={**good, "email": existing["email"].upper()}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "email"
    r = client.post("/v1/users", content=b"{not json", headers={**admin.headers,
                                                                "Content-Type": "application/json"})
    assert r.status_code == 400


def test_get_user_missing_is_404(client, user):
    r = client.get("/v1/users/987654321")
    assert r.status_code == 404
    assert r.json()["faultstring"] == "User 987654321 not found"
    # an id no database can hold is refused cleanly (never a 500)
    assert client.get("/v1/users/99999999999999999999999").status_code in (400, 404)
    r = client.get("/v1/users/abc")
    assert r.status_code == 400 and r.json()["field"] == "user_id"


def test_self(client, user, admin):
    r = client.get("/v1/users/self")
    assert r.status_code == 401
    assert r.json() == {"code": 401, "title": "Unauthorized", "description": None}
    r = client.get("/v1/users/self", headers=user.headers)
    assert r.status_code == 200
    me = r.json()
    assert set(me) == USER_KEYS
    assert me["id"] == user.id and me["email"] == user.email and me["full_name"] == user.name
    assert client.get("/api/v1/users/self/", headers=admin.headers).json()["is_superuser"] is True


def test_email_hidden_from_everyone_but_self_and_superusers(client, user, other, admin):
    path = f"/v1/users/{user.id}"
    anonymous = client.get(path).json()
    assert "email" in anonymous and anonymous["email"] is None
    assert client.get(path, headers=other.headers).json()["email"] is None
    assert client.get(path, headers=user.headers).json()["email"] == user.email
    assert client.get(path, headers=admin.headers).json()["email"] == user.email
    # the same rule in lists and search
    params = {"full_name": user.name}
    assert [u["email"] for u in client.get("/v1/users", params=params).json()] == [None]
    r = client.get("/v1/users", params=params, headers=other.headers)
    assert [u["email"] for u in r.json()] == [None]
    assert [u["email"] for u in client.get("/v1/users", params=params, headers=user.headers).json()] == [
        user.email]
    assert [u["email"] for u in client.get("/v1/users", params=params, headers=admin.headers).json()] == [
        user.email]
    found = client.get("/v1/users/search", params={"q": user.name}, headers=other.headers).json()
    assert [(u["id"], u["email"]) for u in found] == [(user.id, None)]


def test_email_filter_matches_only_visible_addresses(client, user, other, admin):
    for who, expected in ((None, []), (other, []), (user, [user.id]), (admin, [user.id])):
        headers = who.headers if who else {}
        r = client.get("/v1/users", params={"email": user.email}, headers=headers)
        assert r.status_code == 200
        assert [u["id"] for u in r.json()] == expected, who
        assert r.headers["X-Total"] == str(len(expected))
    # exact, not substring; case-insensitive like the uniqueness rule
    r = client.get("/v1/users", params={"email": user.email[:-3]}, headers=admin.headers)
    assert r.json() == [] and r.headers["X-Total"] == "0"
    r = client.get("/v1/users", params={"email": user.email.upper()}, headers=user.headers)
    assert [u["id"] for u in r.json()] == [user.id]


def test_sorting_on_email_is_for_superusers_only(client, user, admin):
    r = client.get("/v1/users", params={"sort_field": "email"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "sort_field"
    assert client.get("/v1/users", params={"sort_field": "email"}).status_code == 400
    r = client.get("/v1/users", params={"sort_field": "email", "limit": 3}, headers=admin.headers)
    assert r.status_code == 200 and len(r.json()) == 3


def test_list_filters_and_paging(client, api):
    tag = uniq("Wombat")
    made = [new_user(api, full_name=f"{tag} Number {i}", openid=f"https://id.example.org/{tag}/{i}")
            for i in range(4)]
    r = client.get("/v1/users", params={"full_name": tag.lower()})
    assert [u["id"] for u in r.json()] == [u["id"] for u in made]
    assert r.headers["X-Total"] == "4"
    r = client.get("/v1/users", params={"full_name": tag, "limit": 2, "sort_dir": "desc"})
    assert [u["id"] for u in r.json()] == [made[3]["id"], made[2]["id"]]
    assert r.headers["X-Total"] == "4" and r.headers["X-Limit"] == "2"
    r = client.get("/v1/users", params={"full_name": tag, "marker": made[0]["id"], "limit": 2})
    assert [u["id"] for u in r.json()] == [made[1]["id"], made[2]["id"]]
    assert r.headers["X-Marker"] == str(made[0]["id"])
    r = client.get("/v1/users", params={"full_name": tag, "offset": 3})
    assert [u["id"] for u in r.json()] == [made[3]["id"]] and r.headers["X-Offset"] == "3"
    r = client.get("/v1/users", params={"openid": made[1]["openid"]})
    assert [u["id"] for u in r.json()] == [made[1]["id"]] and r.headers["X-Total"] == "1"
    # openid is exact, and X-Total uses the same semantics as the list
    r = client.get("/v1/users", params={"openid": made[1]["openid"][:-1]})
    assert r.json() == [] and r.headers["X-Total"] == "0"
    r = client.get("/v1/users", params={"full_name": tag, "sort_field": "full_name", "sort_dir": "desc"})
    assert [u["id"] for u in r.json()] == [u["id"] for u in reversed(made)]
    assert client.get("/v1/users", params={"full_name": "%"}).headers["X-Total"] == "0"


def test_search_over_full_names_only(client, api, admin):
    word = uniq("Platypus")
    a = new_user(api, full_name=f"Alice {word}")
    b = new_user(api, full_name=f"Bob {word}")
    new_user(api, full_name="Carol Other", email=f"{word.lower()}@example.org")
    r = client.get("/v1/users/search", params={"q": word.lower()})
    assert r.status_code == 200
    assert [u["id"] for u in r.json()] == [a["id"], b["id"]]
    r = client.get("/v1/users/search", params={"q": f"alice {word[:-2]}"})
    assert [u["id"] for u in r.json()] == [a["id"]]
    r = client.get("/v1/users/search", params={"q": word, "limit": 1, "offset": 1})
    assert [u["id"] for u in r.json()] == [b["id"]]
    assert client.get("/v1/users/search", params={"q": ""}).json() == []
    assert client.get("/v1/users/search", params={"q": word}, headers=admin.headers).json()[0]["email"]


def test_update_self(client, user):
    r = client.put(f"/v1/users/{user.id}", headers=user.headers,
                   json={"full_name": "Renamed Person", "is_superuser": True, "enable_login": False,
                         "openid": "https://evil.example.org/me", "email": user.email})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["full_name"] == "Renamed Person"
    assert body["is_superuser"] is False and body["enable_login"] is True and body["openid"] is None
    assert body["email"] == user.email and body["updated_at"] is not None
    # the token still works: enable_login was not changed
    me = client.get("/v1/users/self", headers=user.headers)
    assert me.status_code == 200 and me.json()["full_name"] == "Renamed Person"


def test_user_cannot_change_own_email(client, user):
    r = client.put(f"/v1/users/{user.id}", headers=user.headers, json={"email": f"{uniq('new')}@example.org"})
    assert r.status_code == 400
    assert r.json()["field"] == "email"
    assert client.get("/v1/users/self", headers=user.headers).json()["email"] == user.email


def test_update_permissions(client, user, other, admin):
    r = client.put(f"/v1/users/{user.id}", headers=other.headers, json={"full_name": "Hijacked"})
    assert r.status_code == 403
    assert r.json()["faultstring"]
    assert client.put(f"/v1/users/{user.id}", json={"full_name": "Hijacked"}).status_code == 401
    assert client.get(f"/v1/users/{user.id}").json()["full_name"] == user.name
    r = client.put("/v1/users/987654321", headers=admin.headers, json={"full_name": "Nobody Here"})
    assert r.status_code == 404
    r = client.put(f"/v1/users/{user.id}", headers=user.headers, json={"full_name": "no"})
    assert r.status_code == 400 and r.json()["field"] == "full_name"


def test_superuser_updates_anything(client, user, other, admin):
    new_email = f"{uniq('changed')}@example.org"
    r = client.put(f"/v1/users/{user.id}", headers=admin.headers,
                   json={"email": new_email, "openid": f"https://id.example.org/{user.id}",
                         "is_superuser": True})
    assert r.status_code == 200
    assert r.json()["email"] == new_email and r.json()["is_superuser"] is True
    r = client.put(f"/v1/users/{other.id}", headers=admin.headers, json={"email": new_email})
    assert r.status_code == 400 and r.json()["field"] == "email"
    r = client.put(f"/v1/users/{user.id}", headers=admin.headers, json={"is_superuser": False,
                                                                       "enable_login": False})
    assert r.status_code == 200 and r.json()["enable_login"] is False
    # a user whose login is disabled is refused with their token
    assert client.get("/v1/users/self", headers=user.headers).status_code == 401


def test_superuser_changes_own_email(client, api, admin):
    u = new_user(api, is_superuser=True)
    with session_scope(client.app.state.write_sessions) as session:
        _, value = create_token(session, u["id"], 600)
    headers = {"Authorization": f"Bearer {value}"}
    new_email = f"{uniq('root')}@example.org"
    r = client.put(f"/v1/users/{u['id']}", headers=headers, json={"email": new_email})
    assert r.status_code == 200 and r.json()["email"] == new_email
