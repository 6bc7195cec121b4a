"""Login through OpenID Connect, against a real provider on loopback (oidc-provider-mock).

The browser is played by hand: Storyline is driven with its TestClient (no redirects followed), the
provider with httpx at its real URL, and the provider's redirect is carried back into Storyline.
One host name (`localhost`) is used for the provider everywhere: its issuer is built from the Host
of each request (docs/login.md, "issuer trap").
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
import urllib.parse as up
from collections.abc import Iterator
from typing import Any

import httpx
import oidc_provider_mock
import pytest
from builders import make_persona, uniq
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from storyline.app import create_app
from storyline.auth import oauth, pkce
from storyline.auth.models import AuthorizationCode, PendingLogin, RefreshToken, UserIdentity
from storyline.auth.oidc import LoginFailed, Provider
from storyline.config import OidcProvider, Settings
from storyline.db import session_scope, utcnow
from storyline.users.models import AccessToken
from storyline.users.tokens import hash_token

CLIENT = "localhost"
CLIENT_REDIRECT = "http://localhost:9000/#!/auth/token"
LEGACY_CLAIM = "legacy_openid"


# ---- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def issuer2() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def login_settings(database_url: str, *providers: dict[str, Any], **overrides: Any) -> Settings:
    return Settings(database_url=database_url, oidc_providers=list(providers), **overrides)


@pytest.fixture(scope="module")
def login_app(database_url: str, issuer: str, issuer2: str) -> Iterator[Any]:
    application = create_app(login_settings(
        database_url,
        {"name": "main", "issuer": issuer, "client_id": "storyline", "client_secret": "s3cret"},
        {"name": "second", "issuer": issuer2, "client_id": "storyline-two", "client_secret": "other"},
        oidc_legacy_openid_claim=LEGACY_CLAIM,
        valid_oauth_clients=[CLIENT, "storyboard.example.org", r"^[a-z0-9-]+\.review\.example\.org$"],
    ))
    yield application
    application.state.engine.dispose()


@pytest.fixture(scope="module")
def lc(login_app: Any) -> Iterator[TestClient]:
    with TestClient(login_app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def boss(login_app: Any) -> Any:
    return make_persona(login_app, superuser=True)


def temporary_client(app: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


# ---- the browser, by hand ---------------------------------------------------------------------------


def set_claims(issuer: str, sub: str, **claims: Any) -> None:
    r = httpx.put(f"{issuer}/users/{sub}", json=claims)
    assert r.status_code == 204, r.text


def person(issuer: str, **extra: Any) -> tuple[str, str]:
    """A subject at the provider with a name and a verified e-mail; returns (sub, email)."""
    sub = uniq("sub-")
    email = f"{sub}@example.org"
    claims = {"name": f"Person {sub}", "email": email, "email_verified": True, **extra}
    set_claims(issuer, sub, **{k: v for k, v in claims.items() if v is not None})
    return sub, email


def query(url: str) -> dict[str, str]:
    return dict(up.parse_qsl(up.urlsplit(url).query))


# The PKCE pair every login of these tests uses unless it says otherwise (PKCE is required).
VERIFIER = pkce.new_code_verifier()
PKCE = {"code_challenge": pkce.s256_challenge(VERIFIER), "code_challenge_method": "S256"}


def authorize(client: TestClient, **overrides: Any) -> httpx.Response:
    params = {"response_type": "code", "client_id": CLIENT, "redirect_uri": CLIENT_REDIRECT, "scope": "user",
              "state": uniq("client-state-"), **PKCE}
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    return client.get("/v1/openid/authorize", params=params, follow_redirects=False)


def at_provider(location: str, **form: str) -> str:
    """Submit the provider's login form (sub=..., or action=deny); returns its redirect."""
    r = httpx.post(location, data=form)
    assert r.status_code == 302, (r.status_code, r.text[:500])
    return r.headers["location"]


def come_back(client: TestClient, callback: str) -> httpx.Response:
    parts = up.urlsplit(callback)
    assert parts.path == "/v1/openid/authorize_return"
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def login_code(client: TestClient, sub: str, **authorize_params: Any) -> tuple[str, str]:
    """The whole dance up to Storyline's code: returns (code, client state)."""
    r = authorize(client, **authorize_params)
    assert r.status_code == 303, r.text
    r = come_back(client, at_provider(r.headers["location"], sub=sub))
    assert r.status_code == 302, (r.status_code, r.headers.get("location"), r.text)
    location = r.headers["location"]
    assert location.startswith("http://localhost:9000/?") and location.endswith("#!/auth/token")
    q = query(location)
    return q["code"], q["state"]


def redeem(client: TestClient, code: str, **extra: str | None) -> httpx.Response:
    params = {"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER, **extra}
    return client.post("/v1/openid/token", params={k: v for k, v in params.items() if v is not None})


def login(client: TestClient, sub: str, **authorize_params: Any) -> dict[str, Any]:
    code, _ = login_code(client, sub, **authorize_params)
    r = redeem(client, code)
    assert r.status_code == 200, r.text
    return r.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(client: TestClient, token: str) -> httpx.Response:
    return client.get("/v1/users/self", headers=bearer(token))


def refused(r: httpx.Response, error: str, *, state: str | None = None) -> str:
    """A 303 back to the client's redirect_uri with `error`; returns the description."""
    assert r.status_code == 303, (r.status_code, r.text)
    location = r.headers["location"]
    assert location.startswith("http://localhost:9000/?") and location.endswith("#!/auth/token"), location
    q = query(location)
    assert q["error"] == error, q
    if state is not None:
        assert q["state"] == state
    assert "code" not in q
    return q["error_description"]


def bad_request(r: httpx.Response, error: str) -> str:
    assert r.status_code == 400, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error, body
    return str(body["error_description"])


def identities(app: Any, **where: Any) -> list[tuple[int, str, str]]:
    with session_scope(app.state.read_sessions) as session:
        stmt = select(UserIdentity.user_id, UserIdentity.issuer, UserIdentity.subject)
        for key, value in where.items():
            stmt = stmt.where(getattr(UserIdentity, key) == value)
        rows = [tuple(r) for r in session.execute(stmt)]
    return rows  # type: ignore[return-value]


# ---- the happy path -------------------------------------------------------------------------------


def test_first_login_creates_the_user(lc, login_app, issuer):
    sub, email = person(issuer, name="Ada Lovelace")
    r = authorize(lc, state="web-client-state")
    assert r.status_code == 303
    to_provider = r.headers["location"]
    assert to_provider.startswith(f"{issuer}/oauth2/authorize?")
    q = query(to_provider)
    assert q["client_id"] == "storyline" and q["response_type"] == "code"
    assert q["redirect_uri"] == "http://testserver/v1/openid/authorize_return"
    assert set(q["scope"].split()) == {"openid", "email", "profile"}
    assert q["code_challenge_method"] == "S256" and pkce.CHALLENGE_RE.match(q["code_challenge"])
    assert len(q["state"]) >= 32 and len(q["nonce"]) >= 32 and q["state"] != "web-client-state"
    with session_scope(login_app.state.read_sessions) as session:
        pending = session.execute(
            select(PendingLogin).where(PendingLogin.state_hash == hash_token(q["state"]))).scalar_one()
        # the state is stored hashed only; the verifier answers the challenge sent
        assert pending.client_state == "web-client-state" and pending.provider == "main"
        assert pkce.s256_challenge(pending.code_verifier) == q["code_challenge"]

    r = come_back(lc, at_provider(to_provider, sub=sub))
    assert r.status_code == 302
    back = query(r.headers["location"])
    assert back["state"] == "web-client-state" and set(back) == {"code", "state"}
    with session_scope(login_app.state.read_sessions) as session:
        assert session.execute(select(func.count()).select_from(PendingLogin)
                               .where(PendingLogin.state_hash == hash_token(q["state"]))).scalar_one() == 0
        stored = session.execute(select(AuthorizationCode).where(
            AuthorizationCode.code_hash == hash_token(back["code"]))).scalar_one()
        assert stored.client_id == CLIENT and stored.redirect_uri == CLIENT_REDIRECT and stored.scope == "user"
        assert dt.timedelta(seconds=290) < stored.expires_at - stored.created_at <= dt.timedelta(seconds=300)

    r = redeem(lc, back["code"])
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    tokens = r.json()
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "id_token"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert isinstance(tokens["id_token"], int)

    r = me(lc, tokens["access_token"])
    assert r.status_code == 200
    user = r.json()
    assert user["id"] == tokens["id_token"] and user["full_name"] == "Ada Lovelace" and user["email"] == email
    assert user["openid"] == f"{issuer}#{sub}" and user["last_login"] is not None and user["enable_login"]
    assert identities(login_app, subject=sub) == [(user["id"], issuer, sub)]

    # the session token is listed with the user's tokens, stored hashed, kind "session"
    listed = lc.get(f"/v1/users/{user['id']}/tokens", headers=bearer(tokens["access_token"])).json()
    assert [(t["kind"], t["name"], t["access_token"]) for t in listed] == [("session", f"login: {CLIENT}", None)]
    assert listed[0]["expires_at"] and listed[0]["last_used_at"]
    with session_scope(login_app.state.read_sessions) as session:
        hashes = set(session.execute(select(AccessToken.token_hash).where(AccessToken.user_id == user["id"])).scalars())
        refresh = set(session.execute(select(RefreshToken.token_hash).where(RefreshToken.user_id == user["id"])).scalars())
    assert hashes == {hash_token(tokens["access_token"])} and refresh == {hash_token(tokens["refresh_token"])}


def test_login_through_api_v1_paths(lc, issuer):
    sub, _ = person(issuer)
    r = lc.get("/api/v1/openid/authorize", params={"response_type": "code", "client_id": CLIENT,
               "redirect_uri": CLIENT_REDIRECT, "scope": "user", "state": "s", **PKCE}, follow_redirects=False)
    assert r.status_code == 303
    code = query(come_back(lc, at_provider(r.headers["location"], sub=sub)).headers["location"])["code"]
    r = lc.post("/api/v1/openid/token", params={"grant_type": "authorization_code", "code": code,
                                                "code_verifier": VERIFIER})
    assert r.status_code == 200 and me(lc, r.json()["access_token"]).status_code == 200


def test_returning_user_is_matched_by_issuer_and_subject(lc, login_app, issuer):
    sub, email = person(issuer)
    first = login(lc, sub)
    new_email = f"{uniq('renamed')}@example.org"
    set_claims(issuer, sub, name="New Name", email=new_email, email_verified=True)
    second = login(lc, sub)
    assert second["id_token"] == first["id_token"]
    user = me(lc, second["access_token"]).json()
    assert user["full_name"] == "New Name" and user["email"] == new_email  # updated from the claims
    assert len(identities(login_app, subject=sub)) == 1
    # an unverified new address does not replace the account's e-mail
    set_claims(issuer, sub, name="New Name", email=f"{uniq('unverified')}@example.org", email_verified=False)
    third = login(lc, sub)
    assert third["id_token"] == first["id_token"] and me(lc, third["access_token"]).json()["email"] == new_email


def test_imported_account_is_linked_by_verified_email(lc, login_app, issuer):
    imported = make_persona(login_app)  # an account that exists before its first login, no identity
    sub, _ = person(issuer, email=imported.email, email_verified=True)
    tokens = login(lc, sub)
    assert tokens["id_token"] == imported.id
    assert identities(login_app, subject=sub) == [(imported.id, issuer, sub)]
    user = me(lc, tokens["access_token"]).json()
    assert user["openid"] == f"{issuer}#{sub}" and user["full_name"] == f"Person {sub}"


def test_unverified_email_never_links(lc, login_app, issuer):
    imported = make_persona(login_app)
    sub, _ = person(issuer, email=imported.email, email_verified=False)
    state = uniq("st-")
    r = authorize(lc, state=state)
    description = refused(come_back(lc, at_provider(r.headers["location"], sub=sub)), "access_denied", state=state)
    assert "verified" in description
    assert identities(login_app, subject=sub) == []
    # without email_verified at all, the same
    sub2, _ = person(issuer, email=imported.email.upper(), email_verified=None)
    r = authorize(lc)
    refused(come_back(lc, at_provider(r.headers["location"], sub=sub2)), "access_denied")
    # an unverified address nobody has gives a new account
    sub3, email3 = person(issuer, email_verified=False)
    tokens = login(lc, sub3)
    assert tokens["id_token"] != imported.id and me(lc, tokens["access_token"]).json()["email"] == email3


def test_legacy_openid_claim_links_the_storyboard_account(lc, login_app, issuer, boss):
    legacy = f"https://login.launchpad.net/+id/{uniq('lp')}"
    r = lc.post("/v1/users", json={"full_name": "Old Timer", "email": f"{uniq('old')}@example.org",
                                   "openid": legacy}, headers=boss.headers)
    assert r.status_code == 200, r.text
    old = r.json()
    # another address, unverified: only the legacy identifier can link it
    sub, _ = person(issuer, email_verified=False, **{LEGACY_CLAIM: legacy})
    tokens = login(lc, sub)
    assert tokens["id_token"] == old["id"]
    assert me(lc, tokens["access_token"]).json()["openid"] == legacy  # the legacy identifier is kept
    assert identities(login_app, subject=sub) == [(old["id"], issuer, sub)]


def test_disabled_account_is_refused(lc, issuer, boss):
    sub, _ = person(issuer)
    tokens = login(lc, sub)
    uid = tokens["id_token"]
    r = lc.put(f"/v1/users/{uid}", json={"enable_login": False}, headers=boss.headers)
    assert r.status_code == 200 and r.json()["enable_login"] is False
    state = uniq("st-")
    r = authorize(lc, state=state)
    refused(come_back(lc, at_provider(r.headers["location"], sub=sub)), "access_denied", state=state)
    assert me(lc, tokens["access_token"]).status_code == 401
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert bad_request(r, "invalid_grant")


# ---- the provider's return: state, nonce, issuer, audience, claims --------------------------------


def test_state_mismatch_is_refused(lc, issuer):
    sub, _ = person(issuer)
    r = authorize(lc)
    callback = at_provider(r.headers["location"], sub=sub)
    parts = up.urlsplit(callback)
    params = query(callback)
    forged = {**params, "state": "not-the-state-storyline-sent"}
    r = lc.get(f"{parts.path}?{up.urlencode(forged)}", follow_redirects=False)
    assert "state" in bad_request(r, "invalid_request").lower()
    r = lc.get(f"{parts.path}?{up.urlencode({'code': params['code']})}", follow_redirects=False)
    bad_request(r, "invalid_request")
    # the real state still works once, and only once
    assert come_back(lc, callback).status_code == 302
    bad_request(come_back(lc, callback), "invalid_request")


def test_login_finishes_only_in_the_browser_that_started_it(lc, login_app, issuer):
    """Finding 9: a login someone else started (a link sent to the victim: login CSRF, the victim
    ends up logged in as the attacker) cannot be finished in another browser."""
    sub, _ = person(issuer)
    r = authorize(lc, state="mine")
    assert "storyline_login=" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    callback = at_provider(r.headers["location"], sub=sub)
    # Another browser on the same server: a second client without a lifespan of its own (entering one
    # would stop the shared app's database watcher when it ends).
    r = come_back(temporary_client(login_app), callback)
    assert "another browser" in refused(r, "access_denied", state="mine")
    # the state was used up by that attempt; a login from start to end in one browser works
    code, _ = login_code(lc, sub)
    assert redeem(lc, code).status_code == 200


def test_nonce_mismatch_is_refused(lc, login_app, issuer):
    sub, _ = person(issuer)
    r = authorize(lc, state="nonce-test")
    to_provider = r.headers["location"]
    with session_scope(login_app.state.write_sessions) as session:
        changed = session.execute(update(PendingLogin)
                                  .where(PendingLogin.state_hash == hash_token(query(to_provider)["state"]))
                                  .values(nonce="a-nonce-the-provider-never-saw"))
        assert changed.rowcount == 1
    description = refused(come_back(lc, at_provider(to_provider, sub=sub)), "access_denied", state="nonce-test")
    assert "nonce" in description
    assert identities(login_app, subject=sub) == []


def test_expired_pending_login_is_refused(lc, login_app, issuer):
    sub, _ = person(issuer)
    r = authorize(lc)
    to_provider = r.headers["location"]
    with session_scope(login_app.state.write_sessions) as session:
        session.execute(update(PendingLogin).where(PendingLogin.state_hash == hash_token(query(to_provider)["state"]))
                        .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert "too long" in refused(come_back(lc, at_provider(to_provider, sub=sub)), "access_denied")


def test_wrong_issuer_is_refused(database_url, issuer):
    # A trailing slash: discovery answers with the issuer without it, which is another issuer.
    app = create_app(login_settings(database_url, {"name": "main", "issuer": issuer + "/", "client_id": "storyline"}))
    with temporary_client(app) as client:
        r = authorize(client, state="iss")
        description = refused(r, "server_error", state="iss")
        assert "issuer" in description and issuer in description
    app.state.engine.dispose()


def mock_tokens(issuer: str, client_id: str, sub: str, nonce: str) -> dict[str, Any]:
    """Tokens straight from the provider, as any client gets them."""
    redirect = "http://rp.example.org/callback"
    r = httpx.post(f"{issuer}/oauth2/authorize", params={
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect,
        "scope": "openid email profile", "state": "s", "nonce": nonce}, data={"sub": sub})
    assert r.status_code == 302, r.text
    code = query(r.headers["location"])["code"]
    r = httpx.post(f"{issuer}/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                                  "redirect_uri": redirect, "client_id": client_id,
                                                  "client_secret": "x"})
    assert r.status_code == 200, r.text
    return r.json()


def test_id_token_checks(issuer, issuer2):
    sub, _ = person(issuer)
    ours = Provider(OidcProvider(name="p", issuer=issuer, client_id="storyline"), 5)
    good = mock_tokens(issuer, "storyline", sub, "n-1")
    claims = ours.validate_id_token(good["id_token"], "n-1", good["access_token"])
    assert claims["sub"] == sub and claims["iss"] == issuer and claims["aud"] == ["storyline"]  # aud is a list

    with pytest.raises(LoginFailed, match="nonce"):
        ours.validate_id_token(good["id_token"], "n-2")
    # another audience
    theirs = mock_tokens(issuer, "someone-else", sub, "n-3")
    with pytest.raises(LoginFailed, match="aud"):
        ours.validate_id_token(theirs["id_token"], "n-3")
    # another issuer: the same server reached as 127.0.0.1 calls itself so (the issuer trap)
    port = up.urlsplit(issuer).port
    other_host = Provider(OidcProvider(name="p", issuer=f"http://127.0.0.1:{port}", client_id="storyline"), 5)
    with pytest.raises(LoginFailed, match="iss"):
        other_host.validate_id_token(good["id_token"], "n-1")
    # signed by another provider's key
    foreign = mock_tokens(issuer2, "storyline", sub, "n-4")
    with pytest.raises(LoginFailed, match="signature"):
        ours.validate_id_token(foreign["id_token"], "n-4")
    # tampered payload
    head, body, sig = good["id_token"].split(".")
    with pytest.raises(LoginFailed):
        ours.validate_id_token(".".join((head, body[:-4] + "AAAA", sig)), "n-1")
    with pytest.raises(LoginFailed):
        ours.validate_id_token("not-a-jwt", "n-1")
    # expiry: the same token, two hours later
    later = int(dt.datetime.now(dt.UTC).timestamp()) + 7200
    with pytest.raises(LoginFailed, match="expired"):
        ours.validate_id_token(good["id_token"], "n-1", now=later)


def test_short_lived_provider_tokens(database_url):
    """A provider whose tokens live one second: the ID token is checked as soon as it arrives."""
    with oidc_provider_mock.run_server_in_thread(access_token_max_age=dt.timedelta(seconds=1)) as server:
        short = f"http://localhost:{server.server_port}"
        sub, _ = person(short)
        tokens = mock_tokens(short, "storyline", sub, "n")
        provider = Provider(OidcProvider(name="p", issuer=short, client_id="storyline"), 5)
        now = int(dt.datetime.now(dt.UTC).timestamp())
        assert provider.validate_id_token(tokens["id_token"], "n", now=now)["sub"] == sub
        with pytest.raises(LoginFailed, match="expired"):
            provider.validate_id_token(tokens["id_token"], "n", now=now + 120)


def test_missing_email_or_name_gives_a_clear_error(lc, login_app, issuer):
    sub = uniq("nomail-")
    set_claims(issuer, sub, name="No Mail")
    r = authorize(lc, state="m")
    description = refused(come_back(lc, at_provider(r.headers["location"], sub=sub)), "invalid_request", state="m")
    assert "e-mail" in description
    sub2 = uniq("noname-")
    set_claims(issuer, sub2, email=f"{sub2}@example.org", email_verified=True)
    r = authorize(lc)
    assert "name" in refused(come_back(lc, at_provider(r.headers["location"], sub=sub2)), "invalid_request")
    assert identities(login_app, subject=sub) == [] and identities(login_app, subject=sub2) == []


def test_provider_deny(lc, issuer):
    r = authorize(lc, state="denied")
    to_provider = r.headers["location"]
    callback = at_provider(to_provider, action="deny")
    assert query(callback)["error"] == "access_denied"
    # oidc-provider-mock 0.3.4 drops the state on a refusal: nobody to send it back to, a clean 400
    if "state" not in query(callback):
        assert "did not log you in" in bad_request(come_back(lc, callback), "access_denied")
    # a provider that keeps the state (RFC 6749 §4.1.2.1) sends the browser back to the client
    ours = query(to_provider)["state"]
    answer = f"/v1/openid/authorize_return?{up.urlencode({'error': 'access_denied', 'state': ours})}"
    description = refused(lc.get(answer, follow_redirects=False), "access_denied", state="denied")
    assert "identity provider" in description
    bad_request(lc.get(answer, follow_redirects=False), "invalid_request")  # that login is over


def test_two_providers(lc, login_app, issuer, issuer2):
    sub, _ = person(issuer2)
    r = authorize(lc, provider="second")
    assert r.headers["location"].startswith(f"{issuer2}/oauth2/authorize?")
    assert query(r.headers["location"])["client_id"] == "storyline-two"
    tokens = login(lc, sub, provider="second")
    assert me(lc, tokens["access_token"]).json()["openid"] == f"{issuer2}#{sub}"
    assert identities(login_app, subject=sub) == [(tokens["id_token"], issuer2, sub)]
    # the same subject at the first provider is somebody else (different e-mail, so no link)
    set_claims(issuer, sub, name="Namesake", email=f"{uniq('namesake')}@example.org", email_verified=True)
    assert login(lc, sub)["id_token"] != tokens["id_token"]
    # the default is the first provider; an unknown one is refused
    assert authorize(lc).headers["location"].startswith(f"{issuer}/oauth2/authorize?")
    assert "Unknown identity provider" in refused(authorize(lc, provider="nope", state="p"), "invalid_request",
                                                  state="p")


def test_provider_requiring_registration(database_url):
    """Production providers know their clients: register first, then log in with those credentials."""
    with oidc_provider_mock.run_server_in_thread(require_client_registration=True) as server:
        strict = f"http://localhost:{server.server_port}"
        r = httpx.post(f"{strict}/oauth2/clients",
                       json={"redirect_uris": ["http://testserver/v1/openid/authorize_return"]})
        assert r.status_code == 201
        registered = r.json()
        app = create_app(login_settings(database_url, {"name": "strict", "issuer": strict,
                                                       "client_id": registered["client_id"],
                                                       "client_secret": registered["client_secret"]}))
        with temporary_client(app) as client:
            sub, _ = person(strict)
            tokens = login(client, sub)
            assert me(client, tokens["access_token"]).status_code == 200
        app.state.engine.dispose()


def test_unreachable_provider(database_url):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        app = create_app(login_settings(database_url, {"name": "down", "issuer": f"http://localhost:{port}",
                                                       "client_id": "storyline"}, oidc_http_timeout=2))
        with temporary_client(app) as client:
            refused(authorize(client, state="d"), "temporarily_unavailable", state="d")
        app.state.engine.dispose()


def test_login_not_configured(client):
    """The default test app has no provider: a clean error back to the client."""
    assert "not configured" in refused(authorize(client, state="n"), "server_error", state="n")


# ---- the client's authorize request ------------------------------------------------------------------


def test_authorize_request_checks(lc):
    bad_request(authorize(lc, redirect_uri=None), "invalid_request")
    bad_request(authorize(lc, redirect_uri="not a url"), "invalid_request")
    bad_request(authorize(lc, redirect_uri="javascript:alert(1)"), "invalid_request")
    bad_request(authorize(lc, client_id=None), "invalid_client")
    bad_request(authorize(lc, client_id="evil.example.com", redirect_uri="https://evil.example.com/cb"),
                "invalid_client")
    # a known client, but the code would go to another host: never redirect there
    r = authorize(lc, redirect_uri="https://evil.example.com/#!/auth/token")
    assert "redirect_uri" in bad_request(r, "invalid_request")
    assert "location" not in r.headers
    # once client and redirect_uri are trusted, errors go back to the client
    assert "response_type" in refused(authorize(lc, response_type="token", state="a"), "unsupported_response_type",
                                      state="a")
    refused(authorize(lc, response_type=None), "unsupported_response_type")
    assert "scope" in refused(authorize(lc, scope="admin", state="b"), "invalid_scope", state="b")
    refused(authorize(lc, scope=None), "invalid_scope")
    refused(authorize(lc, code_challenge=pkce.s256_challenge(pkce.new_code_verifier()),
                      code_challenge_method="plain"), "invalid_request")
    refused(authorize(lc, code_challenge="too-short", code_challenge_method="S256"), "invalid_request")
    refused(authorize(lc, code_challenge=None), "invalid_request")


def test_client_ids_exact_or_regex(lc):
    r = authorize(lc, client_id="storyboard.example.org", redirect_uri="https://storyboard.example.org/#!/auth/token")
    assert r.status_code == 303
    r = authorize(lc, client_id="change-42.review.example.org",
                  redirect_uri="https://change-42.review.example.org/#!/auth/token")
    assert r.status_code == 303
    r = authorize(lc, client_id="x.review.example.org.evil.com",
                  redirect_uri="https://x.review.example.org.evil.com/#!/auth/token")
    bad_request(r, "invalid_client")


# ---- the token endpoint -----------------------------------------------------------------------------


def test_refresh_rotates_both_tokens(lc, issuer):
    sub, _ = person(issuer)
    first = login(lc, sub)
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["id_token"] == first["id_token"] and second["token_type"] == "Bearer"
    assert second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    assert me(lc, first["access_token"]).status_code == 401  # the old access token is gone
    assert me(lc, second["access_token"]).json()["id"] == first["id_token"]
    # a form body works as well as the query string
    r = lc.post("/v1/openid/token", data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    assert r.status_code == 200 and me(lc, r.json()["access_token"]).status_code == 200
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    bad_request(r, "invalid_grant")  # the old refresh token was used up (and its replay ends the session)


def test_replayed_refresh_token_revokes_the_session(lc, issuer):
    """Finding 9: a refresh token used twice was stolen by one of the two users: the whole session it
    belongs to ends (RFC 6819 5.2.2.3), not just the replay."""
    sub, _ = person(issuer)
    first = login(lc, sub)
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    second = r.json()
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    third = r.json()
    assert me(lc, third["access_token"]).status_code == 200
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert "revoked" in bad_request(r, "invalid_grant")
    assert me(lc, third["access_token"]).status_code == 401
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": third["refresh_token"]})
    bad_request(r, "invalid_grant")
    # another login of the same person is not touched
    other = login(lc, sub)
    assert me(lc, other["access_token"]).status_code == 200


def renew(client: TestClient, refresh_token: str) -> httpx.Response:
    return client.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": refresh_token})


def rotated_ago(app: Any, refresh_token: str, seconds: int) -> None:
    """Move a used refresh token's rotation `seconds` into the past (the clock, as the other tests move it)."""
    with session_scope(app.state.write_sessions) as session:
        session.execute(update(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))
                        .values(used_at=utcnow() - dt.timedelta(seconds=seconds)))


def test_renewal_race_within_the_grace_window_keeps_the_login(lc, login_app, issuer):
    """A page that leaves while its renewal is in flight keeps the refresh token the server has just
    rotated; the next page presents it again. Within `refresh_token_grace` (30 s) it gets the pair the
    first renewal answered, and the login stays one chain: no revocation."""
    sub, _ = person(issuer)
    first = login(lc, sub)
    r = renew(lc, first["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()  # the answer the page that left never read
    r = renew(lc, first["refresh_token"])
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["access_token"] == second["access_token"] and again["refresh_token"] == second["refresh_token"]
    assert again["id_token"] == first["id_token"] and 0 < again["expires_in"] <= second["expires_in"]
    assert me(lc, second["access_token"]).json()["id"] == first["id_token"]
    assert me(lc, first["access_token"]).status_code == 401
    with session_scope(login_app.state.read_sessions) as session:
        sessions = session.execute(select(func.count()).select_from(AccessToken).where(
            AccessToken.user_id == first["id_token"], AccessToken.kind == "session")).scalar_one()
        sealed = session.execute(select(RefreshToken.successor).where(
            RefreshToken.token_hash == hash_token(first["refresh_token"]))).scalar_one()
    assert sessions == 1  # no second session was made
    # the pair is stored sealed with the rotated token's value: the database alone does not give it
    assert sealed and second["access_token"] not in sealed and second["refresh_token"] not in sealed
    assert oauth.unseal(first["refresh_token"], sealed) == [second["access_token"], second["refresh_token"]]
    assert oauth.unseal(second["refresh_token"], sealed) is None
    # The chain goes on from the successor; the token rotated before it is now a replay.
    r = renew(lc, second["refresh_token"])
    assert r.status_code == 200, r.text
    third = r.json()
    assert me(lc, third["access_token"]).status_code == 200
    assert "revoked" in bad_request(renew(lc, first["refresh_token"]), "invalid_grant")
    assert me(lc, third["access_token"]).status_code == 401
    bad_request(renew(lc, third["refresh_token"]), "invalid_grant")


def test_concurrent_renewals_with_one_refresh_token_both_succeed(lc, login_app, issuer):
    """Two tabs renew with the same refresh token at the same moment: both get the same pair."""
    sub, _ = person(issuer)
    first = login(lc, sub)
    start = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def tab() -> None:
        client = TestClient(login_app, raise_server_exceptions=False)  # no `with`: the app's lifespan is lc's
        start.wait(5)
        answers.append(renew(client, first["refresh_token"]))

    tabs = [threading.Thread(target=tab) for _ in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(30)
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    one, two = (r.json() for r in answers)
    assert (one["access_token"], one["refresh_token"]) == (two["access_token"], two["refresh_token"])
    assert me(lc, one["access_token"]).status_code == 200
    r = renew(lc, one["refresh_token"])
    assert r.status_code == 200 and me(lc, r.json()["access_token"]).status_code == 200


def test_replay_after_the_grace_window_still_revokes(lc, login_app, issuer):
    sub, _ = person(issuer)
    first = login(lc, sub)
    second = renew(lc, first["refresh_token"]).json()
    rotated_ago(login_app, first["refresh_token"], 29)
    assert renew(lc, first["refresh_token"]).json()["refresh_token"] == second["refresh_token"]  # still within
    rotated_ago(login_app, first["refresh_token"], 31)
    assert "revoked" in bad_request(renew(lc, first["refresh_token"]), "invalid_grant")
    assert me(lc, second["access_token"]).status_code == 401
    bad_request(renew(lc, second["refresh_token"]), "invalid_grant")


def test_grace_window_ends_with_the_session(lc, issuer):
    """Logging the successor's session out ends it for the rotated token too (no pair, no new session)."""
    sub, _ = person(issuer)
    first = login(lc, sub)
    second = renew(lc, first["refresh_token"]).json()
    uid = second["id_token"]
    listed = lc.get(f"/v1/users/{uid}/tokens", headers=bearer(second["access_token"])).json()
    [current] = [t for t in listed if t["kind"] == "session"]
    assert lc.delete(f"/v1/users/{uid}/tokens/{current['id']}", headers=bearer(second["access_token"])).status_code == 204
    assert "revoked" in bad_request(renew(lc, first["refresh_token"]), "invalid_grant")
    bad_request(renew(lc, second["refresh_token"]), "invalid_grant")


def test_grace_window_may_be_turned_off(database_url, issuer):
    app = create_app(login_settings(
        database_url, {"name": "main", "issuer": issuer, "client_id": "storyline", "client_secret": "s3cret"},
        valid_oauth_clients=[CLIENT], refresh_token_grace=0))
    try:
        with temporary_client(app) as client:
            first = login(client, person(issuer)[0])
            second = renew(client, first["refresh_token"]).json()
            assert "revoked" in bad_request(renew(client, first["refresh_token"]), "invalid_grant")
            assert me(client, second["access_token"]).status_code == 401
    finally:
        app.state.engine.dispose()


def test_replayed_code_revokes_what_it_issued(lc, issuer):
    """Finding 9: an authorization code redeemed twice revokes the tokens of its first redemption."""
    sub, _ = person(issuer)
    code, _ = login_code(lc, sub)
    tokens = redeem(lc, code).json()
    assert me(lc, tokens["access_token"]).status_code == 200
    assert "revoked" in bad_request(redeem(lc, code), "invalid_grant")
    assert me(lc, tokens["access_token"]).status_code == 401
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    bad_request(r, "invalid_grant")


def test_expired_refresh_token_and_revoked_session(lc, login_app, issuer):
    sub, _ = person(issuer)
    tokens = login(lc, sub)
    with session_scope(login_app.state.write_sessions) as session:
        session.execute(update(RefreshToken).where(RefreshToken.token_hash == hash_token(tokens["refresh_token"]))
                        .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert "expired" in bad_request(r, "invalid_grant")
    # logging out a session (deleting its token) ends its refresh token too
    tokens = login(lc, sub)
    uid = tokens["id_token"]
    listed = lc.get(f"/v1/users/{uid}/tokens", headers=bearer(tokens["access_token"])).json()
    [current] = [t for t in listed if t["kind"] == "session"]  # the expired session was cleared
    assert lc.delete(f"/v1/users/{uid}/tokens/{current['id']}", headers=bearer(tokens["access_token"])).status_code == 204
    r = lc.post("/v1/openid/token", params={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    bad_request(r, "invalid_grant")


def test_expired_access_token_is_401(lc, login_app, issuer):
    sub, _ = person(issuer)
    tokens = login(lc, sub)
    assert me(lc, tokens["access_token"]).status_code == 200
    with session_scope(login_app.state.write_sessions) as session:
        session.execute(update(AccessToken).where(AccessToken.token_hash == hash_token(tokens["access_token"]))
                        .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    r = me(lc, tokens["access_token"])
    assert r.status_code == 401 and r.json()["code"] == 401


def test_code_is_single_use(lc, issuer):
    sub, _ = person(issuer)
    code, _ = login_code(lc, sub)
    assert redeem(lc, code).status_code == 200
    bad_request(redeem(lc, code), "invalid_grant")
    bad_request(redeem(lc, "a-code-that-never-was"), "invalid_grant")
    bad_request(lc.post("/v1/openid/token", params={"grant_type": "authorization_code"}), "invalid_request")


def test_expired_code_is_refused(lc, login_app, issuer):
    sub, _ = person(issuer)
    code, _ = login_code(lc, sub)
    with session_scope(login_app.state.write_sessions) as session:
        session.execute(update(AuthorizationCode).where(AuthorizationCode.code_hash == hash_token(code))
                        .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert "expired" in bad_request(redeem(lc, code), "invalid_grant")
    bad_request(redeem(lc, code), "invalid_grant")  # and it is gone


def test_code_bound_to_client_and_redirect_uri(lc, issuer):
    sub, _ = person(issuer)
    code, _ = login_code(lc, sub)
    bad_request(redeem(lc, code, client_id="storyboard.example.org"), "invalid_grant")
    code, _ = login_code(lc, sub)
    bad_request(redeem(lc, code, redirect_uri="http://localhost:9000/elsewhere"), "invalid_grant")
    code, _ = login_code(lc, sub)
    assert redeem(lc, code, client_id=CLIENT, redirect_uri=CLIENT_REDIRECT).status_code == 200


def test_pkce_from_storyline_clients_is_enforced(lc, issuer):
    sub, _ = person(issuer)
    verifier = pkce.new_code_verifier()
    challenge = {"code_challenge": pkce.s256_challenge(verifier), "code_challenge_method": "S256"}
    code, _ = login_code(lc, sub, **challenge)
    assert "code_verifier" in bad_request(redeem(lc, code, code_verifier=None), "invalid_grant")
    code, _ = login_code(lc, sub, **challenge)
    bad_request(redeem(lc, code, code_verifier=pkce.new_code_verifier()), "invalid_grant")
    code, _ = login_code(lc, sub, **challenge)
    r = redeem(lc, code, code_verifier=verifier)
    assert r.status_code == 200 and me(lc, r.json()["access_token"]).status_code == 200
    # Finding 9: PKCE is required; a login without a challenge does not start
    r = authorize(lc, code_challenge=None, code_challenge_method=None, state="no-pkce")
    assert "code_challenge" in refused(r, "invalid_request", state="no-pkce")


def test_pkce_may_be_turned_off_for_an_old_client(database_url, issuer, issuer2):
    app = create_app(login_settings(
        database_url, {"name": "main", "issuer": issuer, "client_id": "storyline", "client_secret": "s3cret"},
        valid_oauth_clients=[CLIENT], oauth_require_pkce=False))
    with temporary_client(app) as client:
        sub, _ = person(issuer)
        code, _ = login_code(client, sub, code_challenge=None, code_challenge_method=None)
        assert redeem(client, code, code_verifier=None).status_code == 200
        # a verifier for a code issued without a challenge is refused
        code, _ = login_code(client, sub, code_challenge=None, code_challenge_method=None)
        bad_request(redeem(client, code), "invalid_grant")


def test_grant_types(lc):
    r = lc.post("/v1/openid/token", params={"grant_type": "password", "username": "a", "password": "b"})
    assert bad_request(r, "unsupported_grant_type")
    bad_request(lc.post("/v1/openid/token", data={"grant_type": "client_credentials"}), "unsupported_grant_type")
    bad_request(lc.post("/v1/openid/token"), "invalid_request")
    bad_request(lc.post("/v1/openid/token", params={"grant_type": "refresh_token"}), "invalid_request")
    bad_request(lc.post("/v1/openid/token", json={"grant_type": "refresh_token", "refresh_token": "nope"}),
                "invalid_grant")


# ---- personal tokens ----------------------------------------------------------------------------------


def test_personal_token_last_used_at(lc, login_app):
    who = make_persona(login_app)
    r = lc.post(f"/v1/users/{who.id}/tokens", json={"user_id": who.id, "expires_in": 600}, headers=who.headers)
    assert r.status_code == 200
    created = r.json()
    assert created["kind"] == "personal" and created["last_used_at"] is None and created["expires_at"]
    value, tid = created["access_token"], created["id"]

    def last_used() -> Any:
        with session_scope(login_app.state.read_sessions) as session:
            return session.execute(select(AccessToken.last_used_at).where(AccessToken.id == tid)).scalar_one()

    assert me(lc, value).status_code == 200  # a read request: written through a separate short write
    first = last_used()
    assert first is not None and utcnow() - first < dt.timedelta(seconds=5)
    shown = lc.get(f"/v1/users/{who.id}/tokens/{tid}", headers=who.headers).json()
    assert shown["last_used_at"] == first.isoformat() + "+00:00"
    # at most once a minute
    with session_scope(login_app.state.write_sessions) as session:
        session.execute(update(AccessToken).where(AccessToken.id == tid)
                        .values(last_used_at=utcnow() - dt.timedelta(seconds=30)))
    assert me(lc, value).status_code == 200
    assert utcnow() - last_used() >= dt.timedelta(seconds=29)
    # older than a minute: written again, by a write request in its own transaction
    with session_scope(login_app.state.write_sessions) as session:
        session.execute(update(AccessToken).where(AccessToken.id == tid)
                        .values(last_used_at=utcnow() - dt.timedelta(minutes=5)))
    r = lc.post(f"/v1/users/{who.id}/preferences", json={"page_size": 20}, headers=bearer(value))
    assert r.status_code == 200
    assert utcnow() - last_used() < dt.timedelta(seconds=5)


def test_last_used_at_never_holds_up_a_read(lc, login_app):
    """While another transaction holds the lock the write needs (SQLite: the database's write lock;
    PostgreSQL: the token's row), a read goes on without recording the use."""
    who = make_persona(login_app)
    holder = login_app.state.write_sessions()
    # SQLite: BEGIN IMMEDIATE takes the write lock. PostgreSQL: FOR UPDATE locks the token's row.
    holder.execute(select(AccessToken.id).where(AccessToken.token_hash == hash_token(who.token)).with_for_update())
    try:
        started = time.monotonic()
        r = me(lc, who.token)
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert r.status_code == 200 and elapsed < 5
    with session_scope(login_app.state.read_sessions) as session:
        assert session.execute(select(AccessToken.last_used_at)
                               .where(AccessToken.token_hash == hash_token(who.token))).scalar_one() is None
    assert me(lc, who.token).status_code == 200  # the lock is free again: recorded now
    with session_scope(login_app.state.read_sessions) as session:
        assert session.execute(select(AccessToken.last_used_at)
                               .where(AccessToken.token_hash == hash_token(who.token))).scalar_one() is not None


def test_userinfo_and_revoked_provider_tokens(issuer):
    """Userinfo completes missing claims (same `sub` only); once the provider revokes the person's
    tokens it gives nothing, and Storyline carries on with the ID token's claims alone."""
    sub, email = person(issuer)
    provider = Provider(OidcProvider(name="p", issuer=issuer, client_id="storyline"), 5)
    tokens = mock_tokens(issuer, "storyline", sub, "n")
    info = provider.userinfo(tokens["access_token"], sub)
    assert info["sub"] == sub and info["email"] == email
    assert provider.userinfo(tokens["access_token"], "somebody-else") == {}
    assert httpx.post(f"{issuer}/users/{sub}/revoke-tokens").status_code == 204
    assert provider.userinfo(tokens["access_token"], sub) == {}
