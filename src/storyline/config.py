"""One typed Settings object: environment variables STORYLINE_*, optional TOML file."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


def default_database_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'storyline.db'}"


class OidcProvider(BaseModel):
    """One OpenID Connect provider, found through discovery at `<issuer>/.well-known/openid-configuration`."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    issuer: str
    client_id: str = Field(min_length=1)
    client_secret: str = ""
    scopes: list[str] = ["openid", "email", "profile"]

    @field_validator("issuer")
    @classmethod
    def _check_issuer(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or len(value) > 255:
            raise ValueError(f"issuer must be an http(s) URL of at most 255 characters, got {value!r}")
        return value

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: list[str]) -> list[str]:
        return value if "openid" in value else ["openid", *value]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STORYLINE_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = 8000
    # API processes started by `storyline serve` (uvicorn workers sharing the port). One per CPU core
    # gives the most throughput; SQLite (WAL) and PostgreSQL both serve several processes.
    workers: int = Field(default=1, ge=1, le=64)
    # Requests of one API process using the database at once (PostgreSQL; SQLite writes go one at a
    # time); the others wait their turn without holding a thread or connection.
    db_pool_size: int = Field(default=20, ge=1, le=500)
    # Seconds a request waits for its turn, or for a new database connection, before it is answered
    # 503 with Retry-After (a database that is down, frozen or saturated).
    db_wait_timeout: float = Field(default=10.0, gt=0)
    db_connect_timeout: int = Field(default=3, ge=1)
    # Largest request body accepted (413 beyond, refused before it is read); requests without an
    # Authorization header (login forms) get the smaller limit.
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_anonymous_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Seconds an idle keep-alive connection stays open (a client reusing it later need not reconnect,
    # nor meet a connection the server is closing at that very moment).
    keep_alive_seconds: int = Field(default=30, ge=1)
    # One line per request on the server's output (uvicorn's access log).
    access_log: bool = True
    # CORS: exact origins, or regular expressions when an entry starts with "^".
    cors_allowed_origins: list[str] = []
    cors_max_age: int = 3600
    # Safety cap on v1 lists; 0 keeps StoryBoard's "no limit means every row".
    max_page_size: int = 0
    # What one read of worklists and boards may cost: the items an automatic list computes, the
    # cards one board read resolves across its lanes (answers cut there say `X-Truncated: true`),
    # and the lanes a board may have.
    max_automatic_items: int = Field(default=1000, ge=1)
    max_board_cards: int = Field(default=5000, ge=1)
    max_board_lanes: int = Field(default=50, ge=1, le=200)
    # Items (stories and tasks, those a story selection reaches included) one POST /preview/bulk may change.
    bulk_max_items: int = Field(default=500, ge=1, le=5000)
    enable_editable_comments: bool = True
    enable_notifications: bool = True
    # The public address of this Storyline (web client and API), e.g. https://storyline.example.org,
    # for links that leave a request (feeds, e-mail). Empty: the address the request came to.
    base_url: str = ""
    # Attachments (files on stories, stored in the database): uploads allowed, and the largest file
    # accepted (413 beyond; the request body limit of an upload is this plus 64 KiB of form overhead).
    enable_attachments: bool = True
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    # Lifetime of tokens created without an explicit expiry.
    default_token_lifetime: int = 3600
    # The longest lifetime a personal token may be given or extended to (seconds; 366 days).
    max_token_lifetime: int = Field(31622400, gt=0, le=2**31 - 1)
    # Login through OpenID Connect (docs/login.md). Providers by issuer URL; the first is the default,
    # `provider=<name>` on /v1/openid/authorize picks another.
    oidc_providers: list[OidcProvider] = []
    # The provider returns the browser here; empty: <scheme://host of the request>/v1/openid/authorize_return.
    oidc_redirect_uri: str = ""
    # A claim carrying a legacy OpenID 2.0 identifier (matched against users.openid); empty: none.
    oidc_legacy_openid_claim: str = ""
    oidc_http_timeout: float = 10.0
    # Seconds a login may take between /v1/openid/authorize and the provider's return.
    oidc_login_ttl: int = 600
    # Storyline as OAuth server for its clients: client ids (the web client's host name), exact or a
    # regular expression when an entry starts with "^"; lifetimes in seconds.
    valid_oauth_clients: list[str] = ["storyboard.openstack.org", "localhost", "127.0.0.1"]
    authorization_code_ttl: int = 300
    # Clients must use PKCE (S256) at /v1/openid/authorize: a stolen code is useless without the
    # verifier. Storyline's web client does; turn off only for an old client that cannot.
    oauth_require_pkce: bool = True
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 604800
    # Seconds during which the refresh token just rotated may be presented again (a page that left while
    # its renewal was in flight) and gets the same new pair instead of revoking the login; 0: never.
    refresh_token_grace: int = Field(30, ge=0, le=300)
    # Security handling: the vulnerability management team (a team name) that sees every new
    # security report, and the longest embargo allowed after a report.
    vmt_team: str | None = None
    embargo_max_days: int = 90
    # The worker (scheduled disclosures, embargo expiry): run inside `storyline serve` (embedded
    # mode) and how often, in seconds. With several API processes, run `storyline worker` instead.
    worker_in_process: bool = True
    worker_interval: int = 60
    # The outbox's background lane (code review events' work, outbox/background.py): "process", a
    # process of its own at a low CPU priority, started by every API process with worker_in_process
    # (`storyline serve`), else by `storyline worker`; "thread", a thread of every API process;
    # "auto": a process on PostgreSQL, threads on SQLite (whose one write lock, held by a process at a
    # low priority waiting for the CPU, held up every write: a write of 1.1 s in a burst).
    background_lane: Literal["auto", "process", "thread"] = "auto"

    @property
    def background_process(self) -> bool:
        """Whether the background lane runs in a process of its own (`background_lane`)."""
        if self.background_lane == "auto":
            from storyline.db import is_sqlite

            return not is_sqlite(self.database_url)
        return self.background_lane == "process"
    # Notifications by e-mail (docs/notifications.md). No SMTP host: no e-mail (the inbox still fills).
    # A plain relay on loopback needs only the host (and port); `smtp_security` "auto" uses STARTTLS
    # when the server offers it, except on loopback.
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["auto", "none", "starttls", "tls"] = "auto"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = Field(default=10.0, gt=0)
    # From: and Reply-To: of notification e-mail; empty From: storyline@<base_url's host>.
    mail_from: str = ""
    mail_reply_to: str = ""
    # Reply by e-mail: replies go to reply+<signed token>@<this domain>, which the MTA hands to
    # `storyline mail-in`; empty: off. A reply address works for this many days.
    mail_reply_domain: str = ""
    mail_reply_days: int = Field(default=90, ge=1, le=3650)
    # Digests: daily ones at this hour (UTC), weekly ones on Mondays at this hour.
    digest_hour: int = Field(default=7, ge=0, le=23)
    # The outbox (e-mail, webhooks): attempts before a failing delivery is parked, and the first
    # retry's delay in seconds (doubled at each attempt, at most an hour).
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    outbox_retry_base: float = Field(default=15.0, gt=0)
    # Seconds a sender holds the rows it claimed (a batch of 20): a sender killed meanwhile leaves them
    # to another after this. Longer than sending 20 messages takes.
    outbox_lease: float = Field(default=60.0, gt=0)
    # Outbound webhooks (docs/notifications.md): seconds a receiver has to answer, and the failed
    # requests in a row after which a hook is disabled (its owner is told).
    webhook_timeout: float = Field(default=5.0, gt=0, le=60)
    webhook_max_failures: int = Field(default=40, ge=1, le=10000)
    # Live updates (/preview/live, docs/architecture.md "Live updates"): SQLite's poll of the newest
    # event (seconds; one query per process), the heartbeat of open streams (seconds; tokens are
    # checked again at that pace too), the open streams one process serves and one user (or one
    # anonymous address) may hold, and the lifetime of a stream ticket (seconds).
    live_poll_interval: float = Field(default=0.25, ge=0.05, le=5)
    live_heartbeat: float = Field(default=15.0, ge=1, le=300)
    live_max_streams: int = Field(default=1000, ge=1, le=100000)
    live_max_streams_per_user: int = Field(default=20, ge=1, le=1000)
    # Distinct list queries (`query=`; per reader when they name @me) one process matches: each costs a
    # condition tested per batch of events; more streams of a query already matched cost next to nothing.
    live_max_queries: int = Field(default=200, ge=0, le=100000)
    live_ticket_ttl: int = Field(default=60, ge=5, le=600)
    sql_echo: bool = False

    @property
    def public_url(self) -> str:
        """base_url, or http://<host>:<port> where there is no request to take it from (e-mail)."""
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "STORYLINE_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL, "
                f"got {value!r}"
            )
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if value and (not value.startswith(("https://", "http://")) or "?" in value or "#" in value):
            raise ValueError(f"base_url must be an http(s) URL without query or fragment, got {value!r}")
        return value.rstrip("/")

    @field_validator("oidc_providers")
    @classmethod
    def _unique_providers(cls, value: list[OidcProvider]) -> list[OidcProvider]:
        names = [p.name for p in value]
        if len(set(names)) != len(names):
            raise ValueError(f"oidc_providers: provider names must be unique, got {names}")
        return value

    @field_validator("valid_oauth_clients")
    @classmethod
    def _check_clients(cls, value: list[str]) -> list[str]:
        for entry in value:
            if entry.startswith("^"):
                try:
                    re.compile(entry)
                except re.error as exc:
                    raise ValueError(f"valid_oauth_clients: {entry!r} is not a regular expression: {exc}") from exc
        return value


def load_settings(**overrides: object) -> Settings:
    """Settings from STORYLINE_CONFIG (a TOML file) overlaid by STORYLINE_* variables."""
    data: dict[str, object] = {}
    path = os.environ.get("STORYLINE_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise SystemExit(f"cannot read STORYLINE_CONFIG={path}: {exc}") from exc
        env_keys = {k[len("STORYLINE_"):].lower() for k in os.environ if k.startswith("STORYLINE_")}
        data = {k: v for k, v in data.items() if k not in env_keys}
    data.update(overrides)
    return Settings(**data)  # type: ignore[arg-type]
