"""Login writes: logins in flight (PendingLogin) and the account behind a provider's claims.

Linking at login, in order (oidc-testing.md §3): the (issuer, sub) identity already linked; the
legacy OpenID 2.0 identifier in the configured claim (`oidc_legacy_openid_claim`) equal to an
account's `openid`; an account whose e-mail equals the provider's *verified* e-mail; otherwise a
new account. Never by an unverified e-mail. Every new link is logged (logger `storyline.auth`).
Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storyline.auth import pkce
from storyline.auth.models import PendingLogin, UserIdentity
from storyline.auth.oauth import AuthorizeRequest
from storyline.db import utcnow
from storyline.search import index as search_index
from storyline.users import service as users_service
from storyline.users.models import User
from storyline.users.tokens import hash_token

log = logging.getLogger("storyline.auth")


class LoginRefused(Exception):
    """The provider vouched for someone Storyline will not log in; `error` is an RFC 6749 code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


# ---- logins in flight -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """What a login in flight remembers (a detached copy of its PendingLogin row)."""

    provider: str
    nonce: str
    code_verifier: str
    client_id: str
    client_redirect_uri: str
    client_state: str | None
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    expired: bool
    browser_hash: str | None = None


@dataclass(frozen=True)
class Started:
    state: str
    nonce: str
    code_verifier: str
    browser: str  # the value of the cookie that binds the login to the browser that started it


def do_start_login(session: Session, request: AuthorizeRequest, provider: str, ttl: int) -> Started:
    """Remember a login on its way to the provider. Only the state's hash is stored, so several
    processes can serve the return and a database dump does not let anyone finish the login."""
    now = utcnow()
    session.execute(delete(PendingLogin).where(PendingLogin.expires_at < now))
    started = Started(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                      code_verifier=pkce.new_code_verifier(), browser=secrets.token_urlsafe(32))
    session.add(PendingLogin(
        state_hash=hash_token(started.state), provider=provider, nonce=started.nonce,
        code_verifier=started.code_verifier, client_id=request.client_id,
        client_redirect_uri=request.redirect_uri, client_state=request.state, scope=request.scope,
        client_code_challenge=request.code_challenge,
        client_code_challenge_method=request.code_challenge_method, browser_hash=hash_token(started.browser),
        created_at=now, expires_at=now + dt.timedelta(seconds=ttl)))
    session.flush()
    return started


def do_take_pending(session: Session, state: str) -> Pending | None:
    """The login in flight for `state`, removed (a state answers once); None when unknown."""
    row = session.execute(
        select(PendingLogin).where(PendingLogin.state_hash == hash_token(state))
    ).scalar_one_or_none()
    if row is None:
        return None
    taken = session.execute(delete(PendingLogin).where(PendingLogin.id == row.id)).rowcount  # type: ignore[attr-defined]
    if not taken:
        return None
    return Pending(
        provider=row.provider, nonce=row.nonce, code_verifier=row.code_verifier, client_id=row.client_id,
        client_redirect_uri=row.client_redirect_uri, client_state=row.client_state, scope=row.scope,
        code_challenge=row.client_code_challenge, code_challenge_method=row.client_code_challenge_method,
        expired=row.expires_at <= utcnow(), browser_hash=row.browser_hash)


# ---- the account behind the claims ----------------------------------------------------------------


def display_name(claims: dict[str, Any]) -> str | None:
    """`name`, else given + family name, else the preferred user name or nickname."""
    def text(key: str) -> str:
        value = claims.get(key)
        return value.strip() if isinstance(value, str) else ""

    name = text("name") or " ".join(p for p in (text("given_name"), text("family_name")) if p)
    name = name or text("preferred_username") or text("nickname")
    return name[:255] or None


def email_verified(claims: dict[str, Any]) -> bool:
    """Only an explicit yes counts (some providers send the string "true")."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def stable_openid(issuer: str, subject: str) -> str | None:
    """The v1 `openid` of an account without a legacy identifier: `<issuer>#<sub>` (when it fits)."""
    value = f"{issuer}#{subject}"
    return value if len(value) <= 255 else None


_UBUNTU_ONE = re.compile(r"^https?://(login\.launchpad\.net|login\.ubuntu\.com)/\+id/([A-Za-z0-9]+)/?$")


def legacy_openid_variants(identifier: str) -> list[str]:
    """The spellings of one legacy OpenID 2.0 identity. Ubuntu One's accounts answer under
    login.launchpad.net (what Launchpad's pages declare, so what the importer stores) and
    login.ubuntu.com (what StoryBoard, Gerrit and identity brokers hand on), with either scheme and
    with or without a trailing slash; any other identifier only as written."""
    match = _UBUNTU_ONE.match(identifier)
    if match is None:
        return [identifier]
    opaque = match.group(2)
    return [f"{scheme}://{host}/+id/{opaque}{slash}" for scheme in ("https", "http")
            for host in ("login.launchpad.net", "login.ubuntu.com") for slash in ("", "/")]


def has_placeholder_email(user: User) -> bool:
    """An imported account's stand-in address (reserved `.invalid` domain), never a real one."""
    return user.email.lower().endswith(".invalid")


def _openid_free(session: Session, openid: str | None, user_id: int | None = None) -> bool:
    if not openid:
        return False
    stmt = select(User.id).where(User.openid == openid)
    if user_id is not None:
        stmt = stmt.where(User.id != user_id)
    return session.execute(stmt).first() is None


def _user_by_email(session: Session, email: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.email) == email.lower())
    ).scalars().first()


def do_login(session: Session, *, issuer: str, claims: dict[str, Any], legacy_claim: str = "") -> User:
    """Find or create the account for validated ID token claims, link the identity, note the login."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise LoginRefused("access_denied", "The identity provider sent no usable subject (sub).")
    name = display_name(claims)
    raw_email = claims.get("email")
    email = raw_email.strip() if isinstance(raw_email, str) else ""
    if not email:
        raise LoginRefused("invalid_request", "Your identity provider did not share an e-mail address. Storyline "
                                              "needs a name and an e-mail address: allow the e-mail scope and try again.")
    if "@" not in email or len(email) > 255:
        raise LoginRefused("invalid_request", "Your identity provider sent an unusable e-mail address.")
    if not name:
        raise LoginRefused("invalid_request", "Your identity provider did not share your name. Storyline needs "
                                              "a name and an e-mail address: allow the profile scope and try again.")
    verified = email_verified(claims)
    legacy = claims.get(legacy_claim) if legacy_claim else None
    legacy = legacy.strip() if isinstance(legacy, str) and legacy.strip() and len(legacy) <= 255 else None

    identity = session.execute(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    ).scalar_one_or_none()
    user: User | None = session.get(User, identity.user_id) if identity is not None else None
    how = "identity"
    if user is None and legacy:
        user = session.execute(select(User).where(User.openid.in_(legacy_openid_variants(legacy)))
                               .order_by(User.id)).scalars().first()
        how = "legacy openid"
    if user is None and verified:
        user = _user_by_email(session, email)
        how = "verified e-mail"
    if user is not None and not user.enable_login:
        raise LoginRefused("access_denied", "This account may not log in.")

    now = utcnow()
    if user is None:
        holder = _user_by_email(session, email)
        if holder is not None:
            raise LoginRefused(
                "access_denied",
                "An account with this e-mail address already exists, but your identity provider does not "
                "say that the address is verified, so the login cannot be linked to it. Verify the address "
                "at your identity provider, or ask an administrator.")
        openid = legacy if _openid_free(session, legacy) else stable_openid(issuer, subject)
        user = users_service.do_create_user(session, {
            "full_name": name, "email": email, "last_login": now,
            "openid": openid if _openid_free(session, openid) else None})
        how = "new account"
    else:
        changed = False
        if user.full_name != name:
            user.full_name, changed = name, True
        if (verified or has_placeholder_email(user)) and email != user.email:
            # An imported account (Launchpad people have no public address) takes the provider's
            # address at its first login, once the legacy identifier has proved who this is.
            holder = _user_by_email(session, email)
            if holder is None or holder.id == user.id:
                user.email, changed = email, True
        if user.openid is None:
            openid = stable_openid(issuer, subject)
            if _openid_free(session, openid, user.id):
                user.openid, changed = openid, True
        user.last_login = now
        if changed:
            user.updated_at = now
            search_index.index_user(session, user)

    if identity is None:
        session.add(UserIdentity(user_id=user.id, issuer=issuer, subject=subject, email=email,
                                 created_at=now, last_login=now))
        log.info("login: linked identity issuer=%s sub=%s to user %s (%s)", issuer, subject, user.id, how)
    else:
        identity.email = email
        identity.last_login = now
    session.flush()
    return user


__all__ = ["LoginRefused", "Pending", "Started", "display_name", "do_login", "do_start_login",
           "do_take_pending", "email_verified", "has_placeholder_email", "legacy_openid_variants",
           "stable_openid"]
