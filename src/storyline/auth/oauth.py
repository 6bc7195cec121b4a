"""Storyline as OAuth 2.0 authorization server for its own clients (StoryBoard's /v1/openid dance).

The client-facing half of reference §2.19: checks of the authorize request, Storyline's single-use
authorization codes (optionally bound to a PKCE S256 challenge), and the token endpoint's
`authorization_code` and `refresh_token` grants with rotation. Codes, access tokens and refresh
tokens are stored only as SHA-256 hashes. Services flush; the request commits.

Rotation and its race: a page that leaves (or a second tab that renews) while a renewal is in flight
still holds the refresh token the server has just rotated. Presenting it again would be a replay, which
revokes the login; within `refresh_token_grace` seconds of the rotation, while its successor is unused,
it answers the successor pair instead (the same access and refresh tokens the first renewal answered:
the login stays one chain). The pair is kept sealed with the rotated token's value (`seal`), so the
database alone (or a dump of it) does not reveal it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from typing import Any, TypedDict
from urllib.parse import urlsplit

from authlib.common.urls import add_params_to_uri
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storyline.auth import pkce
from storyline.auth.models import AuthorizationCode, RefreshToken
from storyline.config import Settings
from storyline.db import utcnow
from storyline.users.models import AccessToken, User
from storyline.users.tokens import create_token, hash_token, new_token_value

log = logging.getLogger("storyline.auth")

MAX_URI = 2000
MAX_STATE = 1000
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class ErrorTarget(TypedDict):
    """Where an OAuthError goes back to: its `redirect_uri` and `state` keyword arguments."""

    redirect_uri: str | None
    state: str | None


class OAuthError(Exception):
    """An RFC 6749 error. With `redirect_uri` it goes back to the client as a redirect, else as a 400
    JSON body `{"error", "error_description"}`."""

    def __init__(self, error: str, description: str, *, redirect_uri: str | None = None,
                 state: str | None = None, status_code: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state
        self.status_code = status_code

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}

    def location(self) -> str:
        assert self.redirect_uri is not None
        return redirect_to(self.redirect_uri, error=self.error, error_description=self.description,
                           state=self.state)


def redirect_to(uri: str, **params: str | None) -> str:
    """`uri` with `params` added to its query (before any fragment, as StoryBoard did)."""
    return str(add_params_to_uri(uri, [(k, v) for k, v in params.items() if v is not None]))


def client_allowed(client_id: str, valid_clients: list[str]) -> bool:
    """A configured client: exact entry, or a regular expression when the entry starts with ^."""
    for entry in valid_clients:
        if entry.startswith("^"):
            if re.fullmatch(entry, client_id):
                return True
        elif entry == client_id:
            return True
    return False


@dataclass(frozen=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    provider: str | None


def _usable_redirect_uri(uri: str) -> bool:
    if len(uri) > MAX_URI or _CONTROL.search(uri):
        return False
    try:
        parts = urlsplit(uri)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port_ok


def check_authorize(params: dict[str, str], settings: Settings) -> AuthorizeRequest:
    """The checks of `GET /v1/openid/authorize`, in StoryBoard's order.

    A missing or malformed redirect_uri, an unknown client_id, or a redirect_uri that is not on the
    client's host answers 400 JSON: Storyline never redirects to an address it cannot trust (that
    would hand login codes to anyone). The other errors go back to the client's redirect_uri.
    """
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri:
        raise OAuthError("invalid_request", "redirect_uri is required")
    if not _usable_redirect_uri(redirect_uri):
        raise OAuthError("invalid_request", "redirect_uri must be an absolute http(s) URL")
    client_id = params.get("client_id", "")
    if not client_id:
        raise OAuthError("invalid_client", "client_id is required")
    if len(client_id) > 255 or not client_allowed(client_id, settings.valid_oauth_clients):
        raise OAuthError("invalid_client", f"client_id '{client_id[:255]}' is not a known client")
    if (urlsplit(redirect_uri).hostname or "").lower() != client_id.lower():
        raise OAuthError("invalid_request", "redirect_uri must be on the host named by client_id")

    state = params.get("state") or None
    back: ErrorTarget = {"redirect_uri": redirect_uri, "state": state if state and len(state) <= MAX_STATE else None}
    if state is not None and len(state) > MAX_STATE:
        raise OAuthError("invalid_request", f"state is longer than {MAX_STATE} characters", **back)
    response_type = params.get("response_type", "")
    if not response_type:
        raise OAuthError("unsupported_response_type", "response_type is required", **back)
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "response_type must be 'code'", **back)
    scope = params.get("scope", "")
    if not scope:
        raise OAuthError("invalid_scope", "scope is required", **back)
    if scope != "user":
        raise OAuthError("invalid_scope", "scope must be 'user'", **back)
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or None
    if challenge is None and settings.oauth_require_pkce:
        raise OAuthError("invalid_request", "code_challenge is required (PKCE with S256, RFC 7636)", **back)
    if challenge is None and method is not None:
        raise OAuthError("invalid_request", "code_challenge_method without code_challenge", **back)
    if challenge is not None:
        if method != "S256":
            raise OAuthError("invalid_request", "code_challenge_method must be S256", **back)
        if not pkce.CHALLENGE_RE.match(challenge):
            raise OAuthError("invalid_request", "code_challenge must be 43 to 128 unreserved characters", **back)
    provider = params.get("provider") or None
    return AuthorizeRequest(client_id, redirect_uri, scope, state, challenge, method, provider)


# ---- codes ---------------------------------------------------------------------------------------


def do_issue_code(session: Session, user_id: int, *, client_id: str, redirect_uri: str, scope: str,
                  code_challenge: str | None, code_challenge_method: str | None, ttl: int) -> str:
    """A new single-use code for the client; expired codes are swept on the way."""
    now = utcnow()
    session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < now))
    value = new_token_value()
    session.add(AuthorizationCode(
        code_hash=hash_token(value), user_id=user_id, client_id=client_id, redirect_uri=redirect_uri,
        scope=scope, code_challenge=code_challenge, code_challenge_method=code_challenge_method,
        created_at=now, expires_at=now + dt.timedelta(seconds=ttl)))
    session.flush()
    return value


# ---- the token endpoint --------------------------------------------------------------------------


def _sweep(session: Session, user_id: int) -> None:
    """Drop the user's dead sessions: expired refresh tokens, then expired session tokens that no
    refresh token can renew any more."""
    now = utcnow()
    session.execute(delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at < now))
    renewable = select(RefreshToken.access_token_id).where(RefreshToken.access_token_id.is_not(None))
    session.execute(delete(AccessToken).where(
        AccessToken.user_id == user_id, AccessToken.kind == "session", AccessToken.expires_at < now,
        AccessToken.id.not_in(renewable)))


def _issue_session(session: Session, user_id: int, settings: Settings, client_id: str | None,
                   family: str) -> dict[str, Any]:
    _sweep(session, user_id)
    token, access = create_token(session, user_id, settings.access_token_ttl, kind="session",
                                 name=f"login: {client_id}"[:100] if client_id else "login")
    now = utcnow()
    refresh = new_token_value()
    session.add(RefreshToken(
        user_id=user_id, token_hash=hash_token(refresh), access_token_id=token.id, family=family,
        expires_in=settings.refresh_token_ttl, created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.refresh_token_ttl)))
    session.flush()
    return {"access_token": access, "token_type": "Bearer", "expires_in": settings.access_token_ttl,
            "refresh_token": refresh, "id_token": user_id}


def _login_allowed(session: Session, user_id: int) -> bool:
    return bool(session.execute(select(User.enable_login).where(User.id == user_id)).scalar_one_or_none())


def _use(session: Session, model: Any, row_id: int) -> bool:
    """Mark a code or refresh token used; False when it already was (a replay, or a concurrent use:
    on PostgreSQL the second UPDATE waits for the first to commit, then finds it used)."""
    result = session.execute(update(model).where(model.id == row_id, model.used_at.is_(None))
                             .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _replayed(session: Session, model: Any, row_id: int, what: str) -> OAuthError:
    """A second use of a single-use secret: whoever holds it may have stolen it, so the session its
    first use started (its family: the access token and every refresh token since) ends now."""
    family = session.execute(select(model.family).where(model.id == row_id)).scalar_one_or_none()
    if family is not None:
        current = select(RefreshToken.access_token_id).where(RefreshToken.family == family,
                                                             RefreshToken.access_token_id.is_not(None))
        session.execute(delete(AccessToken).where(AccessToken.id.in_(current)))
        session.execute(delete(RefreshToken).where(RefreshToken.family == family))
    return OAuthError("invalid_grant", f"The {what} was already used: the session it started is revoked")


def do_redeem_code(session: Session, params: dict[str, str], settings: Settings) -> dict[str, Any]:
    """grant_type=authorization_code. The code is used up whatever the outcome."""
    value = params.get("code", "")
    if not value:
        raise OAuthError("invalid_request", "code is required")
    code = session.execute(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == hash_token(value))
    ).scalar_one_or_none()
    if code is None:
        raise OAuthError("invalid_grant", "The authorization code is unknown or has expired")
    if not _use(session, AuthorizationCode, code.id):
        raise _replayed(session, AuthorizationCode, code.id, "authorization code")
    if code.expires_at <= utcnow():
        raise OAuthError("invalid_grant", "The authorization code has expired")
    client_id = params.get("client_id")
    if client_id and client_id != code.client_id:
        raise OAuthError("invalid_grant", "The authorization code was issued to another client")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri and redirect_uri != code.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the one of the authorization request")
    verifier = params.get("code_verifier") or None
    if code.code_challenge:
        if verifier is None:
            raise OAuthError("invalid_grant", "code_verifier is required: the authorization request had a "
                                              "code_challenge")
        if not pkce.verify(verifier, code.code_challenge, code.code_challenge_method or ""):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    elif verifier is not None:
        raise OAuthError("invalid_grant", "code_verifier sent, but the authorization request had no code_challenge")
    if not _login_allowed(session, code.user_id):
        raise OAuthError("invalid_grant", "This account may not log in")
    family = new_token_value()
    session.execute(update(AuthorizationCode).where(AuthorizationCode.id == code.id).values(family=family)
                    .execution_options(synchronize_session=False))
    return _issue_session(session, code.user_id, settings, code.client_id, family)


def seal(key: str, *values: str) -> str:
    """`values` (token values: no spaces) encrypted and authenticated with a key derived from `key` (a
    secret of 256 random bits, stored only as its SHA-256 hash): an HMAC-SHA256 keystream and tag.
    Each key seals once (a refresh token is rotated once), so the keystream is never reused."""
    plain = " ".join(values).encode()
    stream_key, tag_key = _seal_keys(key)
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(stream_key, len(plain)), strict=True))
    tag = hmac.new(tag_key, cipher, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(tag + cipher).decode()


def unseal(key: str, sealed: str) -> list[str] | None:
    """The values `seal(key, ...)` sealed; None when `sealed` was not sealed with `key` (or is damaged)."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError:
        return None
    tag, cipher = raw[:16], raw[16:]
    stream_key, tag_key = _seal_keys(key)
    if len(tag) != 16 or not hmac.compare_digest(tag, hmac.new(tag_key, cipher, hashlib.sha256).digest()[:16]):
        return None
    plain = bytes(a ^ b for a, b in zip(cipher, _keystream(stream_key, len(cipher)), strict=True))
    return plain.decode().split(" ")


def _seal_keys(key: str) -> tuple[bytes, bytes]:
    return (hmac.new(key.encode(), b"storyline successor stream", hashlib.sha256).digest(),
            hmac.new(key.encode(), b"storyline successor tag", hashlib.sha256).digest())


def _keystream(key: bytes, length: int) -> bytes:
    blocks = (hmac.new(key, i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range((length + 31) // 32))
    return b"".join(blocks)[:length]


def _again_within_grace(session: Session, row_id: int, value: str, settings: Settings) -> dict[str, Any] | None:
    """A rotated refresh token presented again: its successor pair when it was rotated less than
    `refresh_token_grace` seconds ago and that successor is still unused; None (a replay) otherwise."""
    if settings.refresh_token_grace <= 0:
        return None
    # Read after _use's UPDATE: on PostgreSQL a concurrent first use has committed by then (READ
    # COMMITTED: this statement sees it); SQLite runs one write transaction at a time.
    found = session.execute(select(RefreshToken.used_at, RefreshToken.successor, RefreshToken.family,
                                   RefreshToken.user_id).where(RefreshToken.id == row_id)).one_or_none()
    if found is None:
        return None
    used_at, sealed, family, user_id = found
    now = utcnow()
    if sealed is None or used_at is None or now - used_at > dt.timedelta(seconds=settings.refresh_token_grace):
        return None
    pair = unseal(value, sealed)
    if pair is None or len(pair) != 2:
        return None
    access, refresh = pair
    successor = session.execute(
        select(RefreshToken.id, RefreshToken.used_at, RefreshToken.family, RefreshToken.access_token_id)
        .where(RefreshToken.token_hash == hash_token(refresh))).one_or_none()
    if successor is None or successor.used_at is not None or successor.family != family:
        return None  # rotated again since (or gone with its family): a replay after all
    token = session.execute(select(AccessToken.id, AccessToken.expires_at).where(
        AccessToken.token_hash == hash_token(access))).one_or_none()
    if successor.access_token_id is None or token is None or token.id != successor.access_token_id:
        raise OAuthError("invalid_grant", "The session of this refresh token was revoked")
    if not _login_allowed(session, user_id):
        raise OAuthError("invalid_grant", "This account may not log in")
    log.info("refresh: a token rotated %s s ago presented again within the grace window; same pair answered "
             "(user %s)", int((now - used_at).total_seconds()), user_id)
    return {"access_token": access, "token_type": "Bearer",
            "expires_in": max(0, int((token.expires_at - now).total_seconds())),
            "refresh_token": refresh, "id_token": user_id}


def do_refresh(session: Session, params: dict[str, str], settings: Settings) -> dict[str, Any]:
    """grant_type=refresh_token: a new pair; the old access and refresh tokens are deleted. The rotated
    token presented again within the grace window answers that same pair (see the module's docstring)."""
    value = params.get("refresh_token", "")
    if not value:
        raise OAuthError("invalid_request", "refresh_token is required")
    row = session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(value))
    ).scalar_one_or_none()
    if row is None:
        raise OAuthError("invalid_grant", "The refresh token is unknown, expired or revoked")
    if not _use(session, RefreshToken, row.id):
        again = _again_within_grace(session, row.id, value, settings)
        if again is not None:
            return again
        raise _replayed(session, RefreshToken, row.id, "refresh token")
    client_id = None
    if row.access_token_id is not None:
        client_id = session.execute(
            select(AccessToken.name).where(AccessToken.id == row.access_token_id)
        ).scalar_one_or_none()
        session.execute(delete(AccessToken).where(AccessToken.id == row.access_token_id))
    if row.expires_at <= utcnow():
        raise OAuthError("invalid_grant", "The refresh token has expired")
    if row.access_token_id is None:
        # Its access token was revoked (DELETE /v1/users/{id}/tokens/...): the session is over.
        raise OAuthError("invalid_grant", "The session of this refresh token was revoked")
    if not _login_allowed(session, row.user_id):
        raise OAuthError("invalid_grant", "This account may not log in")
    client = client_id[len("login: "):] if client_id and client_id.startswith("login: ") else None
    family = row.family or new_token_value()
    # The previous rotation's grace ends: its successor (this token) is used now. Only the newest
    # rotated token of a family may ever be presented again.
    session.execute(update(RefreshToken).where(RefreshToken.family == family, RefreshToken.successor.is_not(None))
                    .values(successor=None).execution_options(synchronize_session=False))
    issued = _issue_session(session, row.user_id, settings, client, family)
    if settings.refresh_token_grace > 0:
        session.execute(update(RefreshToken).where(RefreshToken.id == row.id)
                        .values(successor=seal(value, issued["access_token"], issued["refresh_token"]))
                        .execution_options(synchronize_session=False))
    return issued


def do_token(session: Session, params: dict[str, str], settings: Settings) -> dict[str, Any]:
    grant_type = params.get("grant_type", "")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant_type == "authorization_code":
        return do_redeem_code(session, params, settings)
    if grant_type == "refresh_token":
        return do_refresh(session, params, settings)
    raise OAuthError("unsupported_grant_type", f"grant_type '{grant_type[:100]}' is not supported")


__all__ = ["AuthorizeRequest", "OAuthError", "check_authorize", "client_allowed", "do_issue_code",
           "do_redeem_code", "do_refresh", "do_token", "redirect_to", "seal", "unseal"]
