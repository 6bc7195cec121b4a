"""Login state: identities at OpenID Connect providers, pending logins, our own OAuth codes and
refresh tokens. Every secret is stored only as a SHA-256 hash."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, utcnow


class UserIdentity(Base):
    """An account's login at one provider, identified by (issuer, subject), never by e-mail alone."""

    __tablename__ = "user_identities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    issuer: Mapped[str] = mapped_column(String(255), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    last_login: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (UniqueConstraint("issuer", "subject"), Index("ix_user_identities_user", "user_id"))


class PendingLogin(Base):
    """A login in flight between /v1/openid/authorize and the provider's return (state, nonce, PKCE)."""

    __tablename__ = "pending_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    provider: Mapped[str] = mapped_column(String(100), nullable=False)
    nonce: Mapped[str] = mapped_column(String(128), nullable=False)
    code_verifier: Mapped[str] = mapped_column(String(128), nullable=False)
    client_id: Mapped[str] = mapped_column(String(255), nullable=False)
    client_redirect_uri: Mapped[str] = mapped_column(Text, nullable=False)
    client_state: Mapped[str | None] = mapped_column(Text, nullable=True)
    scope: Mapped[str] = mapped_column(String(100), nullable=False)
    client_code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    client_code_challenge_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # SHA-256 of the cookie set on the browser that started the login: only that browser may finish it.
    browser_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)


class AuthorizationCode(Base):
    """Storyline's own single-use authorization code, handed to its clients (TTL 300 s)."""

    __tablename__ = "authorization_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    client_id: Mapped[str] = mapped_column(String(255), nullable=False)
    redirect_uri: Mapped[str] = mapped_column(Text, nullable=False)
    scope: Mapped[str] = mapped_column(String(100), nullable=False)
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    # Set when redeemed (kept until it expires): a second use is a replay, and revokes `family`, the
    # session the first use started.
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    family: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RefreshToken(Base):
    """A refresh token paired with one access token; rotated on use. A used one is kept (used_at) until
    it expires, so that its replay is recognised and revokes its whole `family` (one login's chain),
    except within the grace window after its rotation (see `successor`)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    access_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_tokens.id", ondelete="SET NULL"), nullable=True)
    expires_in: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    family: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The pair this token was rotated into, sealed with this token's own value (which only its holder
    # knows: the row keeps a hash): presented again within `refresh_token_grace` seconds, while that
    # successor is unused, it answers the same pair instead of revoking the family (oauth.do_refresh).
    # Cleared when the successor is rotated in turn.
    successor: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_refresh_tokens_user", "user_id"), Index("ix_refresh_tokens_family", "family"))
