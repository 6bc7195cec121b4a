"""Request bodies and documented response shapes of users, teams, tokens and preferences."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from storyline.schemas import DbId, In, Out, Resource, TeamName

# Ids as the database holds them (32-bit INTEGER on PostgreSQL): anything larger is refused with a
# 400 naming the parameter instead of reaching the database.

FullName = Annotated[str, StringConstraints(min_length=3, max_length=255)]
Email = Annotated[str, StringConstraints(min_length=5, max_length=255)]
OpenId = Annotated[str, StringConstraints(max_length=255)]


class UserIn(In):
    full_name: FullName
    email: Email
    openid: OpenId | None = None
    is_superuser: bool = False
    enable_login: bool = True


class UserUpdate(In):
    full_name: FullName | None = None
    email: Email | None = None
    openid: OpenId | None = None
    is_superuser: bool | None = None
    enable_login: bool | None = None


class UserOut(Resource):
    full_name: str
    openid: str | None
    email: str | None = Field(description="null unless the caller is this user or a superuser")
    is_superuser: bool
    last_login: str | None
    enable_login: bool
    launchpad_name: str | None = Field(None, description="The Launchpad account this user was imported "
                                       "from (its login name), or null (additive)")


class TeamIn(In):
    name: TeamName
    description: str | None = None
    security: bool = False


class TeamUpdate(In):
    name: TeamName | None = None
    description: str | None = None
    security: bool | None = None


class TeamOut(Resource):
    name: str
    description: str | None
    security: bool


# Seconds; bounded so that the expiry date and the INTEGER column stay representable.
ExpiresIn = Annotated[int, Field(gt=0, le=2**31 - 1)]


class TokenIn(In):
    user_id: DbId
    expires_in: ExpiresIn | None = Field(
        None, description="Lifetime in seconds; the configured default lifetime when omitted"
    )
    access_token: Annotated[str, StringConstraints(max_length=255)] | None = Field(
        None, description="The token value; a random one is generated when absent or empty"
    )
    name: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="A label, e.g. the bot or script that uses the token (additive)")
    kind: Literal["personal", "feed"] = Field(
        "personal", description='"personal": an API token (Authorization: Bearer). "feed": reads the Atom '
        "feeds of /v1/feeds as this user through `?token=` and nothing else of the API; lives "
        "`max_token_lifetime` when `expires_in` is omitted (additive)")


class TokenUpdate(In):
    user_id: DbId | None = None
    expires_in: ExpiresIn | None = None


class TokenOut(Resource):
    user_id: int
    access_token: str | None = Field(
        description="The clear value, shown only in the response that created the token: only a hash "
        "is stored, so every later read shows null"
    )
    expires_in: int
    refresh_token: None = None
    name: str | None = Field(description="A label (additive)")
    kind: str = Field(description='"personal" (bots, scripts), "session" (web login) or "feed" (reads the '
                      "Atom feeds only) (additive)")
    expires_at: str = Field(description="When the token stops working, UTC (additive)")
    last_used_at: str | None = Field(description="Last use, to the minute (additive)")


class Preferences(Out):
    """Flat object key -> bool, number or string, merged over the defaults."""
