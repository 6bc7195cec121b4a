"""/v1/openid: StoryBoard's login dance (reference §2.19), with OpenID Connect behind it.

`GET /authorize` checks the client's request, remembers it (PendingLogin) and sends the browser to
the identity provider; `GET /authorize_return` is where the provider sends it back: Storyline
redeems the provider's code, checks the ID token, finds or creates the account and sends the browser
to the client with Storyline's own single-use code; `POST /token` trades that code (or a refresh
token) for Storyline's tokens.

The return leg talks to the provider over the network, so it does not hold a database transaction
meanwhile: one short transaction takes the pending login, a second one writes the account and code.
Errors before the client is known (bad redirect_uri or client_id, unknown state) answer 400
`{"error", "error_description"}`; later ones go back to the client's redirect_uri with `error`,
`error_description` and its `state`.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storyline.api.common import JSON
from storyline.api.deps import SessionDep
from storyline.api.routing import Router
from storyline.auth import oauth
from storyline.auth import service as login_service
from storyline.auth.oauth import ErrorTarget, OAuthError
from storyline.auth.oidc import LoginFailed, providers_for
from storyline.config import Settings
from storyline.db import session_scope
from storyline.errors import StorylineError
from storyline.users.tokens import hash_token

router = Router(prefix="/openid", tags=["login"])

AUTHORIZATION_ERRORS = {"invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
                        "invalid_scope", "server_error", "temporarily_unavailable", "login_required",
                        "consent_required", "interaction_required", "account_selection_required"}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Binds a login in flight to the browser that started it (its value's hash is in pending_logins).
LOGIN_COOKIE = "storyline_login"


class OAuthErrorOut(BaseModel):
    error: str
    error_description: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    id_token: int


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorOut, "description": "Bad request, when the client cannot be trusted with a redirect"},
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _fail(exc: OAuthError) -> Response:
    if exc.redirect_uri:
        return RedirectResponse(exc.location(), status_code=303)
    return JSON(exc.body(), status_code=exc.status_code, headers=NO_STORE)


def _callback_uri(request: Request) -> str:
    """Where the provider sends the browser back (the same at authorize and at the code exchange)."""
    configured = _settings(request).oidc_redirect_uri
    return configured or f"{request.base_url}v1/openid/authorize_return"


@router.get("/authorize", status_code=303, response_class=Response,
            responses={303: {"description": "To the identity provider, or back to the client with an error"},
                       **ERRORS})
def authorize(
    request: Request,
    response_type: str | None = Query(None, description="Must be `code`"),
    client_id: str | None = Query(None, description="The client: the web client's host name"),
    redirect_uri: str | None = Query(None, description="Where the client gets the code: on the client's host"),
    scope: str | None = Query(None, description="Must be `user`"),
    state: str | None = Query(None, description="Returned unchanged to the client"),
    code_challenge: str | None = Query(None, description="Optional PKCE challenge (RFC 7636)"),
    code_challenge_method: str | None = Query(None, description="`S256` when code_challenge is given"),
    provider: str | None = Query(None, description="Which configured identity provider (default: the first)"),
) -> Response:
    """Start a login: checks the client's request, then redirects (303) to the identity provider."""
    settings = _settings(request)
    params = dict(request.query_params.items())
    try:
        req = oauth.check_authorize(params, settings)
    except OAuthError as exc:
        return _fail(exc)
    back: ErrorTarget = {"redirect_uri": req.redirect_uri, "state": req.state}
    providers = providers_for(request.app.state)
    chosen = providers.get(req.provider)
    if chosen is None:
        if not providers.by_name:
            return _fail(OAuthError("server_error", "Login is not configured on this server", **back))
        assert req.provider is not None  # without a name, the default provider (the first) is chosen
        return _fail(OAuthError("invalid_request", f"Unknown identity provider '{req.provider[:100]}'", **back))
    try:
        chosen.metadata()  # reach the provider before writing anything
    except LoginFailed as exc:
        return _fail(OAuthError(exc.error, exc.description, **back))
    with session_scope(request.app.state.write_sessions) as session:
        started = login_service.do_start_login(session, req, chosen.name, settings.oidc_login_ttl)
    try:
        url = chosen.authorization_url(_callback_uri(request), started.state, started.nonce, started.code_verifier)
    except LoginFailed as exc:
        return _fail(OAuthError(exc.error, exc.description, **back))
    answer = RedirectResponse(url, status_code=303)
    # Only this browser may finish the login: a login link someone else started (login CSRF: being
    # logged in as the attacker) fails at the return for lack of this cookie.
    answer.set_cookie(LOGIN_COOKIE, started.browser, max_age=settings.oidc_login_ttl, path="/",
                      httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return answer


@router.get("/authorize_return", status_code=302, response_class=Response,
            responses={302: {"description": "Back to the client with `code` and `state`"},
                       303: {"description": "Back to the client with `error` and `error_description`"},
                       **ERRORS})
def authorize_return(
    request: Request,
    state: str | None = Query(None, description="Storyline's state, as sent to the provider"),
    code: str | None = Query(None, description="The provider's authorization code"),
    error: str | None = Query(None, description="The provider's error, e.g. access_denied"),
    error_description: str | None = Query(None),
    iss: str | None = Query(None, description="The provider's issuer (RFC 9207), checked when present"),
) -> Response:
    """The provider's return: redeem its code, check the ID token, log the user in, and redirect (302)
    to the client's redirect_uri with Storyline's own code."""
    settings = _settings(request)
    provider_error = None
    if error:
        kind = error if error in AUTHORIZATION_ERRORS else "access_denied"
        provider_error = OAuthError(kind, f"The identity provider did not log you in: {(error_description or error)[:300]}")
    if not state:
        # Some providers drop the state on a refusal: the client is unknown, so no redirect.
        return _fail(provider_error or OAuthError("invalid_request", "state is required"))
    with session_scope(request.app.state.write_sessions) as session:
        pending = login_service.do_take_pending(session, state)
    if pending is None:
        return _fail(OAuthError("invalid_request", "Unknown, expired or already used login state"))
    back: ErrorTarget = {"redirect_uri": pending.client_redirect_uri, "state": pending.client_state}
    browser = request.cookies.get(LOGIN_COOKIE, "")
    if pending.browser_hash is not None and not hmac.compare_digest(hash_token(browser), pending.browser_hash):
        return _fail(OAuthError("access_denied", "This login was started in another browser; please log in again",
                                **back))
    if pending.expired:
        return _fail(OAuthError("access_denied", "The login took too long; please log in again", **back))
    if provider_error is not None:
        return _fail(OAuthError(provider_error.error, provider_error.description, **back))
    if not code:
        return _fail(OAuthError("invalid_request", "The identity provider sent no code", **back))
    provider = providers_for(request.app.state).get(pending.provider)
    if provider is None:
        return _fail(OAuthError("server_error", f"Identity provider '{pending.provider}' is no longer configured",
                                **back))
    if iss is not None and iss != provider.issuer:
        return _fail(OAuthError("access_denied", "The response comes from another identity provider", **back))
    try:
        claims = provider.login_claims(code, _callback_uri(request), pending.code_verifier, pending.nonce)
    except LoginFailed as exc:
        return _fail(OAuthError(exc.error, exc.description, **back))
    try:
        with session_scope(request.app.state.write_sessions) as session:
            user = login_service.do_login(session, issuer=provider.issuer, claims=claims,
                                          legacy_claim=settings.oidc_legacy_openid_claim)
            our_code = oauth.do_issue_code(
                session, user.id, client_id=pending.client_id, redirect_uri=pending.client_redirect_uri,
                scope=pending.scope, code_challenge=pending.code_challenge,
                code_challenge_method=pending.code_challenge_method, ttl=settings.authorization_code_ttl)
    except login_service.LoginRefused as exc:
        return _fail(OAuthError(exc.error, exc.description, **back))
    except (IntegrityError, StorylineError):
        # A concurrent change took the e-mail address or identity this login needed.
        return _fail(OAuthError("temporarily_unavailable", "A concurrent login changed this account; "
                                                           "please log in again", **back))
    location = oauth.redirect_to(pending.client_redirect_uri, code=our_code, state=pending.client_state)
    answer = RedirectResponse(location, status_code=302)
    answer.delete_cookie(LOGIN_COOKIE, path="/")
    return answer


async def _token_params(request: Request) -> dict[str, str]:
    """Query string, overlaid by a form body (or a JSON object body)."""
    params = dict(request.query_params.items())
    body = await request.body()
    if not body.strip():
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            params.update({k: v for k, v in data.items() if isinstance(v, str)})
    else:
        params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return params


@router.post("/token", responses={200: {"model": TokenOut}, **ERRORS})
def token(
    request: Request,
    grant_type: str | None = Query(None, description="`authorization_code` or `refresh_token`"),
    code: str | None = Query(None, description="Storyline's code, from the login's return"),
    refresh_token: str | None = Query(None, description="For grant_type=refresh_token: used up (rotation)"),
    code_verifier: str | None = Query(None, description="PKCE verifier, when the login sent a code_challenge"),
    client_id: str | None = Query(None, description="Optional; must match the code's client"),
    redirect_uri: str | None = Query(None, description="Optional; must match the authorization request"),
    params: dict[str, str] = Depends(_token_params),
    session: Session = SessionDep,
) -> Response:
    """Tokens for a code or a refresh token. Parameters in the query string or a form body.
    `id_token` is the user's id (an integer), as in StoryBoard."""
    try:
        body = oauth.do_token(session, params, _settings(request))
    except OAuthError as exc:
        # Returned, not raised: what the grant used up (a code, a refresh token) stays used up.
        return JSON(exc.body(), status_code=exc.status_code, headers=NO_STORE)
    return JSON(body, headers=NO_STORE)


__all__ = ["router"]
