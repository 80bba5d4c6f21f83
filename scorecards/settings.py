"""Configuration: flags, then `SCORECARDS_*` variables, then a config file, then defaults.

The config file is `scorecards.yaml` in the working folder, or the file named by
`SCORECARDS_CONFIG`. Secrets are `SecretStr`: they never print.
"""

from __future__ import annotations

import difflib
import os
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from scorecards.errors import ConfigurationError
from scorecards.formats.yamlfile import LocatedDict, line_of, load_located

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORE_URL = "sqlite:///.scorecards/scorecards.db"


def bundled(relative: str) -> str:
    """`relative` in the working folder when it exists there, else the bundled copy."""
    local = Path(relative)
    if local.exists() or not (PROJECT_ROOT / relative).exists():
        return relative
    return str(PROJECT_ROOT / relative)


def bundled_if_present(relative: str) -> str | None:
    """`bundled(relative)`, or None when there is neither a local nor a bundled copy."""
    found = bundled(relative)
    return found if Path(found).exists() else None


def config_file() -> Path:
    """The settings file: `SCORECARDS_CONFIG`, else scorecards.yaml in the working folder."""
    return Path(os.environ.get("SCORECARDS_CONFIG", "scorecards.yaml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCORECARDS_", extra="ignore")

    catalog: str = Field(default_factory=lambda: bundled("examples/catalog"))
    definitions: str = Field(default_factory=lambda: bundled("checks"))
    # None when absent: no fact files is a valid setup, while a folder asked for must exist.
    facts: str | None = Field(default_factory=lambda: bundled_if_present("examples/facts"))
    store_url: str = DEFAULT_STORE_URL
    broker_url: str | None = None
    batch_size: int = Field(default=500, ge=1, le=100_000)
    # Remove stored entities a run's catalog no longer has (only when the catalog is whole).
    prune_missing_entities: bool = False
    # Distributed execution (worker/). Seconds unless said otherwise.
    batch_time_limit: float = Field(default=600, gt=0)  # a slower batch is stopped, recorded failed
    visibility_timeout: float | None = Field(default=None, gt=0)  # redeliver unacked; default 2x+60
    batch_retries: int = Field(default=3, ge=0, le=20)  # retries of a failing batch, with backoff
    retry_backoff: int = Field(default=2, ge=1, le=3600)  # first retry within this, then doubling
    retry_backoff_max: int = Field(default=300, ge=1)
    score_schedule: str | None = "0 * * * *"  # cron of Celery beat's scoring runs; "" for none
    schedule_lock_ttl: float = Field(default=3600, gt=0)  # a dead scheduled job frees its lock
    backstage_url: str | None = None  # used when `catalog` is not set
    backstage_token: SecretStr | None = None
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    # Not a setting here: SCORECARDS_SOURCE_SECRETS, which secrets http sources may send and to which
    # hosts, is read from the collecting environment only (scorecards/definitions/source_secrets.py).
    # Catalog completeness (scorecards/reports/completeness.py): organisations whose repositories
    # a run lists, and how a repository's team is derived.
    github_orgs: str | None = None  # comma-separated, e.g. "acme,acme-labs"
    github_team_from: str = "github-team,topic,catalog-owner"  # first that gives a team wins
    github_team_groups: dict[str, str] = Field(default_factory=dict)  # team slug -> group ref
    github_topic_teams: dict[str, str] = Field(default_factory=dict)  # topic -> group ref
    github_team_topic_prefix: str | None = None  # e.g. "team-": topic team-x -> group x
    completeness_include_archived: bool = False
    completeness_include_forks: bool = False
    api_tokens: SecretStr | None = None  # comma-separated
    token: SecretStr | None = None
    api_read_requires_token: bool = False  # read routes also need a bearer token
    # Backstage's auth backend (e.g. https://backstage.example.com/api/auth): read routes that need
    # a token also take the signed-in user's Backstage token, checked against its keys
    api_backstage_auth_url: str | None = None
    api_push_unknown_entities: bool = False  # accept pushed facts for refs not in the store
    api_cors_origins: str | None = None  # comma-separated browser origins, e.g. the Backstage app
    # API hardening (README "Security model"): larger request bodies get 413; expensive requests
    # (what-if, run start, definitions reload) beyond this many at once get 503 + Retry-After;
    # token scopes: name -> {token_sha256, actions, sources, owners, entities}.
    api_max_body_bytes: int = Field(default=1_048_576, ge=1024, le=1_073_741_824)
    api_expensive_requests: int = Field(default=2, ge=1, le=64)
    api_token_scopes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = Field(default=8321, ge=1, le=65535)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            _ConfigFileSource(settings_cls, yaml_file=config_file()),
        )


class _ConfigFileSource(YamlConfigSettingsSource):
    """The config file, read like every YAML of ours (scorecards.formats.yamlfile): safe, bounded,
    and a key given twice is refused with its line instead of silently keeping the last."""

    def _read_file(self, file_path: Path | Traversable) -> dict[str, Any]:
        document: dict[str, Any] = load_located(file_path.read_text(encoding="utf-8")) or {}
        if isinstance(document, LocatedDict):
            _refuse_unknown_keys(document, file_path)
        return document


def _refuse_unknown_keys(document: LocatedDict, path: Path | Traversable) -> None:
    """A typo'd key would otherwise be ignored and its setting silently left at its default."""
    names = list(Settings.model_fields)
    for key in document:
        if str(key).lower() in Settings.model_fields:
            continue
        close = difflib.get_close_matches(str(key).lower(), names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see the README's settings table"
        raise ConfigurationError(
            f"{path}:{line_of(document, (key,))}: unknown setting '{key}' — {hint}"
        )


def load_settings(**flags: Any) -> Settings:
    """Settings with the given flags (those not None) taking precedence."""
    return Settings(**{key: value for key, value in flags.items() if value is not None})
