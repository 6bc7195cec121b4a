"""Logging in: a pasted token, the server's login flow through a real OpenID provider, logging out."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Page, expect
from webworld import World, screenshot


def test_paste_a_token_then_log_out(page: Page, world: World) -> None:
    page.goto("/login")
    page.get_by_label("API token").fill("not-a-real-token")
    page.get_by_role("button", name="Use this token").click()
    expect(page.locator("#token-error")).to_have_text("This token was refused.")
    expect(page.get_by_label("API token")).to_have_value("not-a-real-token")  # nothing typed is lost
    page.get_by_label("API token").fill(world.bob_token)
    page.get_by_role("button", name="Use this token").click()
    expect(page.get_by_label("Logged in as")).to_have_text("Bob Builder")
    assert page.evaluate("localStorage.getItem('storyline.token')") == world.bob_token
    page.reload()
    expect(page.get_by_label("Logged in as")).to_have_text("Bob Builder")
    page.get_by_label("Logged in as").click()  # the account menu
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert page.evaluate("localStorage.getItem('storyline.token')") is None


def test_log_in_through_the_server(page: Page, world: World, oidc_issuer: str) -> None:
    sub = f"carol-{uuid.uuid4().hex[:8]}"
    r = httpx.put(f"{oidc_issuer}/users/{sub}",
                  json={"name": "Carol Login", "email": f"{sub}@example.org", "email_verified": True})
    assert r.status_code == 204
    page.goto("/project/nova")
    with page.expect_request(re.compile(r"/api/v1/openid/authorize\?")) as started:
        page.get_by_role("button", name="Log in").click()
    query = parse_qs(urlsplit(started.value.url).query)
    assert query["response_type"] == ["code"] and query["scope"] == ["user"]
    assert query["client_id"] == ["127.0.0.1"]
    assert query["redirect_uri"] == [f"{world.base}/auth/callback"]
    assert len(query["state"][0]) >= 32
    # At the identity provider: say who we are.
    page.locator("input[name=sub]").first.fill(sub)
    page.get_by_role("button", name="Authorize").click()
    # Back through the server and /auth/callback, which exchanged the code: logged in where we started.
    expect(page.get_by_label("Logged in as")).to_have_text("Carol Login")
    expect(page).to_have_url(re.compile(r"/project/nova$"))
    token = page.evaluate("localStorage.getItem('storyline.token')")
    assert world.api(token).get("/users/self")["full_name"] == "Carol Login"
    # The refresh token came along: spend it the way the client does when the access token expires.
    assert page.evaluate("localStorage.getItem('storyline.refresh_token')")
    # The token is swapped from a page of the origin that runs no client (/healthz): a page that is live
    # may renew it itself meanwhile, and navigating away from a renewal in flight would leave the browser
    # a refresh token the server has already rotated (a replay, which revokes the login).
    page.goto("/healthz")
    page.evaluate("localStorage.setItem('storyline.token', 'expired-token')")
    page.goto("/")
    # (a 401, the renewal, the requests again: allowed more than the default 5 s on a loaded machine)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carol Login", timeout=15000)
    renewed = page.evaluate("localStorage.getItem('storyline.token')")
    assert renewed not in (token, "expired-token")
    assert world.api(renewed).get("/users/self")["full_name"] == "Carol Login"
    page.get_by_label("Logged in as").click()  # the account menu
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert page.evaluate("[localStorage.getItem('storyline.token'), localStorage.getItem('storyline.refresh_token')]") \
        == [None, None]


def test_callback_refuses_a_forged_state(page: Page, world: World) -> None:
    page.goto("/auth/callback?code=abc&state=forged")
    expect(page.get_by_role("alert")).to_contain_text("state does not match")
    assert page.evaluate("localStorage.getItem('storyline.token')") is None


def test_callback_shows_the_server_refusal(page: Page, world: World) -> None:
    # A state this browser saved, but a code the server never issued: the exchange fails, visibly.
    page.goto("/login")
    page.evaluate("sessionStorage.setItem('storyline.login_state', JSON.stringify({state: 's1', returnTo: '/'}))")
    page.goto("/auth/callback?code=never-issued&state=s1")
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.evaluate("localStorage.getItem('storyline.token')") is None
    screenshot(page, "login-refused")
