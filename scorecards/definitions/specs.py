"""The YAML definitions format (docs/architecture.md §3) as pydantic models.

These validate what users write: unknown keys are errors, ids are kebab-case,
severities, weights, scores and dates are checked. CEL is compiled later, by
the loader, so every problem in a folder is reported at once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from cronsim import CronSim, CronSimError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from scorecards.definitions.hosts import parse_host_pattern
from scorecards.definitions.variables import VARIABLE_NAME
from scorecards.formats.timeutil import parse_duration
from scorecards.records.fact_schemas import FactSchemaSpec
from scorecards.records.results import Status

Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]
Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_WEIGHTS: dict[str, float] = {"critical": 10.0, "high": 7.5, "medium": 5.0, "low": 2.5}
TOP_LEVEL_KEYS = ("checks", "scorecards", "campaigns", "exemptions", "sources", "notifications")


def check_cron(expression: str) -> None:
    """ValueError saying what is wrong when `expression` is not a 5-field cron schedule.

    Checked with cronsim, not Celery's crontab (which beat schedules with): reading
    definitions must not import Celery. cronsim is also stricter, refusing a
    schedule that never fires (`0 0 31 2 *`).
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"schedule '{expression}' has {len(fields)} fields; cron needs 5: "
            "minute hour day-of-month month day-of-week, e.g. '0 */6 * * *'"
        )
    try:
        CronSim(expression, datetime(2000, 1, 1))
    except CronSimError as exc:
        raise ValueError(f"schedule '{expression}' is not valid cron: {exc}") from None


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _duration(value: Any) -> Any:
    if value is None or isinstance(value, timedelta):
        return value
    return parse_duration(str(value))


class Link(Spec):
    title: str
    url: str


class CheckTestSpec(Spec):
    name: str | None = None
    entity: dict[str, Any]
    facts: dict[str, dict[str, Any]] = {}
    now: datetime | None = None
    expect: Status


class CheckSpec(Spec):
    id: Id
    name: str
    description: str = ""
    category: str = "general"
    severity: Severity = "medium"
    weight: float | None = Field(default=None, gt=0, le=1000)
    applies: str = "true"
    requires: list[Id] = []
    max_age: timedelta | None = Field(default=None, alias="maxAge")
    rule: str
    message: str | None = None
    remediation: str = ""
    links: list[Link] = []
    tests: list[CheckTestSpec] = []

    _parse_max_age = field_validator("max_age", mode="before")(_duration)

    @property
    def effective_weight(self) -> float:
        return self.weight if self.weight is not None else SEVERITY_WEIGHTS[self.severity]


class ScorecardCheckSpec(Spec):
    id: Id
    weight: float | None = Field(default=None, gt=0, le=1000)


class LevelSpec(Spec):
    name: Annotated[str, Field(min_length=1, max_length=50)]
    checks: list[Id] = []
    min_score: float | None = Field(default=None, ge=0, le=100, alias="minScore")


class ScorecardSpec(Spec):
    id: Id
    name: str
    description: str = ""
    applies: str = "true"
    checks: Annotated[list[ScorecardCheckSpec], Field(min_length=1)]
    levels: list[LevelSpec] = []
    # Display only: also show the 0-100 score on a 0-scale range (10 gives OpenSSF's 0-10).
    scale: float | None = Field(default=None, gt=0, le=100)

    @field_validator("checks", mode="before")
    @classmethod
    def _plain_ids_are_refs(cls, value: Any) -> Any:
        # A plain id is shorthand for {id: ...}; one shape (rather than a union)
        # keeps an error's path and line on the entry that is wrong.
        if isinstance(value, list):
            return [{"id": item} if isinstance(item, str) else item for item in value]
        return value

    @property
    def check_refs(self) -> list[ScorecardCheckSpec]:
        return list(self.checks)

    @model_validator(mode="after")
    def _levels_are_consistent(self) -> ScorecardSpec:
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"level names repeat: {names}")
        scores = [level.min_score for level in self.levels if level.min_score is not None]
        if scores != sorted(scores):
            raise ValueError(
                f"levels are ordered lowest first, so their minScore must not decrease: {scores}"
            )
        return self


class CampaignSpec(Spec):
    id: Id
    name: str
    description: str = ""
    checks: Annotated[list[Id], Field(min_length=1)]
    applies: str = "true"
    deadline: date
    starts: date | None = None


class ExemptionSpec(Spec):
    check: Id
    entity: str
    reason: Annotated[str, Field(min_length=3)]
    expires: date


def _variable_name(value: str) -> str:
    if not VARIABLE_NAME.match(value):
        raise ValueError("a secret is an environment variable name: letters, digits and '_'")
    return value


def _host_text(value: str) -> str:
    return str(parse_host_pattern(value))


VariableName = Annotated[str, AfterValidator(_variable_name)]
HostText = Annotated[str, AfterValidator(_host_text)]


class SourceSpec(Spec):
    id: Id
    type: Literal["http", "github", "catalog", "push"]
    description: str = ""
    schedule: str | None = None
    applies: str = "true"
    url: str | None = None
    headers: dict[str, str] = {}
    # The environment variables `headers` use, and the hosts requests may reach; the
    # operator grants each variable for some hosts (definitions/source_secrets.py).
    secrets: list[VariableName] = []
    hosts: list[HostText] = []
    facts: dict[str, str] = {}
    fact_schema: dict[str, FactSchemaSpec] = Field(default={}, alias="schema")
    max_age: timedelta | None = Field(default=None, alias="maxAge")
    timeout: float = Field(default=10.0, gt=0, le=300)
    retries: int = Field(default=3, ge=0, le=10)
    concurrency: int = Field(default=8, ge=1, le=64)

    _parse_max_age = field_validator("max_age", mode="before")(_duration)

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str | None) -> str | None:
        if value is not None:
            check_cron(value)
        return value

    @model_validator(mode="after")
    def _http_needs_url_and_facts(self) -> SourceSpec:
        if self.type == "http" and (not self.url or not self.facts):
            raise ValueError(
                "an http source needs `url` and `facts` (fact name -> CEL over response)"
            )
        return self


NotificationEvent = Literal[
    "level-dropped",
    "level-rose",
    "check-failing",
    "check-recovered",
    "campaign-due",
    "campaign-overdue",
    "exemption-expiring",
]
# The Group annotation that names a team's channel, per kind of chat destination.
CHANNEL_ANNOTATIONS = {"slack": "slack.com/channel", "teams": "microsoft.com/teams-channel"}


class SmtpSpec(Spec):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    sender: str = Field(alias="from", min_length=3)
    username: VariableName | None = None  # environment variables, never the values
    password: VariableName | None = None
    starttls: bool = True
    timeout: float = Field(default=10.0, gt=0, le=120)


class DestinationSpec(Spec):
    """Where a rule's messages go: per team, from its catalog Group, else `default`.

    slack, teams, webhook: the Group annotation `annotation` (default per type) names
    the team's channel; `channels` maps it to the environment variable holding that
    channel's webhook URL; `default` is the variable for teams without one. email: the
    Group's `spec.profile.email`, else `default`, an address. github-issue: an issue
    in the entity's repository (`github.com/project-slug`) per failing check of the
    rule's `checks`, with `token` the variable holding a GitHub token.
    """

    type: Literal["slack", "teams", "webhook", "email", "github-issue"]
    annotation: str | None = None
    channels: dict[str, VariableName] = {}
    default: str | None = None
    secret: VariableName | None = None  # webhook: the variable holding the HMAC key
    smtp: SmtpSpec | None = None
    token: VariableName | None = None  # github-issue
    api: str = "https://api.github.com"  # github-issue: GitHub's REST API (Enterprise: its /api/v3)
    labels: list[str] = []  # github-issue

    @property
    def channel_annotation(self) -> str:
        return self.annotation or CHANNEL_ANNOTATIONS.get(
            self.type, "scorecards.io/webhook-channel"
        )

    @model_validator(mode="after")
    def _fits_its_type(self) -> DestinationSpec:
        if self.type != "github-issue" and (self.token or self.labels):
            raise ValueError("only a github-issue destination takes `token` and `labels`")
        if self.type == "github-issue":
            if self.token is None:
                raise ValueError(
                    "a github-issue destination needs `token`: the variable holding a GitHub "
                    "token that may write issues"
                )
            if self.channels or self.default or self.secret or self.smtp or self.annotation:
                raise ValueError(
                    "a github-issue destination takes only token, api and labels: the issue "
                    "goes to the entity's repository (github.com/project-slug)"
                )
            if self.token.upper().startswith("SCORECARDS_"):
                raise ValueError(
                    f"{self.token} is one of scorecards' own settings — name a variable of its "
                    "own for the token that writes issues, e.g. GITHUB_ISSUES_TOKEN"
                )
            api = urlsplit(self.api)
            if api.scheme not in ("http", "https") or not api.hostname:
                raise ValueError(
                    f"api '{self.api[:200]}' is not an http(s) URL — GitHub's is "
                    "https://api.github.com, an Enterprise server's https://HOST/api/v3"
                )
            return self
        if self.type == "email":
            if self.smtp is None:
                raise ValueError("an email destination needs `smtp` (host, from)")
            if self.channels or self.secret or self.annotation:
                raise ValueError(
                    "an email destination takes no channels, annotation or secret: "
                    "teams are reached at their Group's spec.profile.email"
                )
            return self
        if self.smtp is not None:
            raise ValueError(f"a {self.type} destination takes no `smtp`")
        if self.default is not None:
            _variable_name(self.default)
        for name in [*self.channels.values(), self.default, self.secret]:
            if name is not None and name.upper().startswith("SCORECARDS_"):
                raise ValueError(
                    f"{name} is one of scorecards' own settings, not a webhook URL or key — "
                    "name a variable of its own, e.g. SLACK_WEBHOOK_PAYMENTS"
                )
        if self.secret is not None and self.type != "webhook":
            raise ValueError("only a webhook destination signs its messages (`secret`)")
        if not self.channels and self.default is None:
            raise ValueError(
                "name the webhook URLs' environment variables: `channels` "
                "(channel -> variable) and/or `default`"
            )
        return self


class NotificationSpec(Spec):
    id: Id
    description: str = ""
    events: Annotated[list[NotificationEvent], Field(min_length=1)]
    applies: str = "true"
    severities: list[Severity] = ["critical", "high"]
    scorecards: list[Id] = []  # level events of these scorecards; empty: all
    campaigns: list[Id] = []  # campaign events of these campaigns; empty: all
    checks: list[Id] = []  # check events (and issues) of these checks; empty: all
    days: int = Field(default=7, ge=0, le=365)  # campaign-due and exemption-expiring
    digest: str | None = None  # cron (UTC): collect events, send one message per team
    destinations: Annotated[list[DestinationSpec], Field(min_length=1)]

    @field_validator("digest")
    @classmethod
    def _digest_is_cron(cls, value: str | None) -> str | None:
        if value is not None:
            check_cron(value)
        return value

    @model_validator(mode="after")
    def _issues_are_opted_in_per_check(self) -> NotificationSpec:
        if any(d.type == "github-issue" for d in self.destinations) and not self.checks:
            raise ValueError(
                "a rule opening GitHub issues names its `checks` (issues are opt-in per check)"
            )
        return self
