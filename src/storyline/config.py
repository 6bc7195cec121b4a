"""One typed Settings object: environment variables STORYLINE_*, optional TOML file."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


def default_database_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'storyline.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STORYLINE_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = 8000
    # CORS: exact origins, or regular expressions when an entry starts with "^".
    cors_allowed_origins: list[str] = []
    cors_max_age: int = 3600
    # Safety cap on v1 lists; 0 keeps StoryBoard's "no limit means every row".
    max_page_size: int = 0
    enable_editable_comments: bool = True
    enable_notifications: bool = True
    enable_attachments: bool = False
    # Lifetime of tokens created without an explicit expiry.
    default_token_lifetime: int = 3600
    sql_echo: bool = False

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
