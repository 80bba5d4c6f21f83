"""Settings as the command line loads them: an invalid setting is one line, not a traceback.

pydantic says which field is wrong but not where its value came from; the line
names the source the way an operator finds it again: the flag, the
`SCORECARDS_*` variable, or the settings file and line, with what the setting
takes. Values of secrets and URLs (which may carry a password) are never shown.
"""

from __future__ import annotations

import json
import os
import re
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import SecretStr, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import SettingsError

from scorecards.errors import ConfigurationError
from scorecards.settings import PROJECT_ROOT, Settings, config_file, load_settings

ENV_PREFIX = "SCORECARDS_"
# Flags whose name is not the setting's, dashed.
FLAG_NAMES = {"store_url": "--store", "broker_url": "--broker", "prune_missing_entities": "--prune"}
SHOWN_VALUE_LENGTH = 60
YAML_KINDS = {
    list: "a list",
    str: "plain text",
    int: "a number",
    float: "a number",
    bool: "a boolean",
}
SETTINGS_ERROR = re.compile(r'field "(?P<field>\w+)" from source "(?P<source>\w+)"')


def load_cli_settings(**flags: Any) -> Settings:
    """`load_settings(**flags)`; ConfigurationError saying which setting is wrong, where, and
    what it takes."""
    try:
        return load_settings(**flags)
    except ValidationError as exc:
        raise ConfigurationError(_describe_invalid(exc, flags)) from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(_describe_yaml_error(exc)) from None
    except SettingsError as exc:
        raise ConfigurationError(_describe_settings_error(exc)) from None
    except RecursionError:
        raise ConfigurationError(
            f"{config_file()}: nested too deeply to be a settings file — "
            "settings are one level of `name: value` lines"
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"{config_file()}: cannot read the settings file ({exc.strerror or exc}) — "
            "check SCORECARDS_CONFIG and the file's permissions"
        ) from None
    except (ValueError, TypeError) as exc:  # the file is YAML, but not a mapping
        raise ConfigurationError(_describe_file_shape(exc)) from None


def _describe_invalid(exc: ValidationError, flags: dict[str, Any]) -> str:
    problems = [_describe_error(error, flags) for error in exc.errors()]
    return "; ".join(problems)


def _describe_error(error: ErrorDetails, flags: dict[str, Any]) -> str:
    loc = error["loc"]
    message = str(error["msg"]).replace("Input should", "should")
    if not loc or str(loc[0]) not in Settings.model_fields:
        return f"invalid settings: {message}"
    name = str(loc[0])
    where = _source(name, flags)
    if len(loc) == 1:
        value = _shown(name, error.get("input"))
        return f"{where}{value} is invalid: {name} {message} — {name} takes {_takes(name)}"
    inner = "".join(f"[{part!r}]" for part in loc[1:])
    shown = _shown(name, error.get("input"))
    got = f" (got {shown[1:]})" if shown.startswith("=") else ""
    return f"{where} is invalid: {name}{inner} {message}{got} — {name} takes {_takes(name)}"


def _source(name: str, flags: dict[str, Any]) -> str:
    """Where the value came from, in the order settings are read: flag, environment, file."""
    if flags.get(name) is not None:
        return FLAG_NAMES.get(name, "--" + name.replace("_", "-"))
    variable = _variable(name)
    if variable is not None:
        return variable
    return f"{_file_line(name)}: {name}"


def _variable(name: str) -> str | None:
    """The environment variable that sets `name`, as spelled (pydantic-settings ignores case)."""
    wanted = (ENV_PREFIX + name).upper()
    return next((key for key in os.environ if key.upper() == wanted), None)


def _file_line(name: str) -> str:
    """`scorecards.yaml:LINE` of the key `name`, or the file alone if it cannot be found."""
    path = config_file()
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return str(path)
    if isinstance(root, yaml.MappingNode):
        for key, _ in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value.lower() == name:
                return f"{path}:{key.start_mark.line + 1}"
    return str(path)


def _shown(name: str, value: Any) -> str:
    """`=VALUE` (or ` VALUE` for a file's key), short; nothing for secrets and URLs."""
    field = Settings.model_fields[name]
    if _is_secret(field.annotation) or name.endswith("_url") or value is None:
        return " (value hidden)" if value is not None else ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > SHOWN_VALUE_LENGTH:
        text = text[:SHOWN_VALUE_LENGTH] + "…"
    return f"={text}"


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in get_args(annotation)


def _takes(name: str) -> str:
    """What the setting accepts, from its type and bounds: `a whole number from 1 to 65535`."""
    field = Settings.model_fields[name]
    annotation = field.annotation
    optional = get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(
        annotation
    )
    if optional:
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if annotation is bool:
        return "true or false"
    if get_origin(annotation) is dict:
        return 'a mapping (in the environment: a JSON object, e.g. {"key": "value"})'
    if annotation in (int, float):
        noun = "a whole number" if annotation is int else "a number"
        return noun + _bounds(field.metadata)
    return "text"


def _bounds(metadata: list[Any]) -> str:
    low = next((f"{m.ge}" for m in metadata if isinstance(m, annotated_types.Ge)), None)
    above = next((f"{m.gt}" for m in metadata if isinstance(m, annotated_types.Gt)), None)
    high = next((f"{m.le}" for m in metadata if isinstance(m, annotated_types.Le)), None)
    if low is not None and high is not None:
        return f" from {low} to {high}"
    parts = []
    if low is not None:
        parts.append(f"of at least {low}")
    if above is not None:
        parts.append(f"greater than {above}")
    if high is not None:
        parts.append(f"of at most {high}")
    return (" " + " and ".join(parts)) if parts else ""


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    path = config_file()
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return (
        f"{where}: the settings file is not valid YAML ({problem}) — "
        "write one `name: value` per line, e.g. store_url: sqlite:///scores.db"
    )


def _describe_settings_error(exc: SettingsError) -> str:
    match = SETTINGS_ERROR.search(str(exc))
    if match is None:
        return f"invalid settings: {exc}"
    name = match.group("field")
    where = _variable(name) if match.group("source") == "EnvSettingsSource" else None
    if where is None:
        return f"invalid setting {name}: {exc} — {name} takes {_takes(name)}"
    return f"{where} is invalid: not valid JSON — {name} takes {_takes(name)}"


def _describe_file_shape(exc: Exception) -> str:
    path: Path = config_file()
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return f"{path}: cannot read the settings file ({type(exc).__name__}: {exc})"
    if isinstance(loaded, dict):  # not the file then: report what failed as it is
        return f"invalid settings: {type(exc).__name__}: {exc}"
    kind = YAML_KINDS.get(type(loaded), type(loaded).__name__)
    return (
        f"{path}:1: the settings file must be a mapping of `name: value` lines, not {kind} — "
        "e.g. store_url: sqlite:///scores.db"
    )


# Settings whose default is the bundled demo, with what a user sets instead, in the order shown.
DEMO_PARTS = {
    "catalog": "catalog",
    "facts": "fact files",
    "definitions": "definitions",
}


def setting_origin(name: str, flags: dict[str, Any]) -> str:
    """Where the value of setting `name` came from: its flag, its variable or the file:line."""
    return _source(name, flags)


def demo_notice(settings: Settings, names: tuple[str, ...], *, has_flags: bool) -> str | None:
    """One line saying which of `names` are the bundled demo's, and how to use your own;
    None when the user set them all.

    A setting counts as the demo's when nothing set it (flag, variable or file): its
    default then is the bundled example in a clone (scorecards/settings.py `bundled`).
    """
    demo = [name for name in names if _is_demo(settings, name)]
    if not demo:
        return None
    parts = ", ".join(f"{DEMO_PARTS[name]} {getattr(settings, name)}" for name in demo)
    keys = ", ".join(f"{name}:" for name in demo)
    if has_flags:
        how = ", ".join(f"--{name}" for name in demo) + f", or {keys} in {config_file()}"
    else:
        variables = ", ".join(f"{ENV_PREFIX}{name.upper()}" for name in demo)
        how = f"{variables}, or {keys} in {config_file()}"
    return f"note: using the bundled demo ({parts}) — for your own, set {how}"


def _is_demo(settings: Settings, name: str) -> bool:
    value = getattr(settings, name)
    if name in settings.model_fields_set or value is None:
        return False
    if name == "catalog" and settings.backstage_url:
        return False
    return Path(value).resolve().is_relative_to(PROJECT_ROOT)
