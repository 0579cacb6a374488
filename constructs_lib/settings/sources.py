"""Where settings come from: settings.toml (or DATA_API_SETTINGS) and DATA_API_* variables, each
value remembered with what the user wrote, so a refusal can name it."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

from constructs_lib.contract import PROJECT_ROOT
from constructs_lib.settings.model import ENVIRONMENTS, Settings, SettingsError, nearest, refuse

ENV_PREFIX = "DATA_API_"
"""Every setting can be overridden by an environment variable ``DATA_API_<NAME>``."""

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")

SETTINGS_FILE = PROJECT_ROOT / "settings.toml"
"""The team's reviewed choices per environment; defaults stay in Settings."""
SETTINGS_FILE_VARIABLE = ENV_PREFIX + "SETTINGS"
ENVIRONMENTS_VARIABLE = ENV_PREFIX + "ENVIRONMENTS"
TOOL_VARIABLES: tuple[str, ...] = (
    "DATA_API_URL",  # a deployed stage for the integration tests and make load
    "DATA_API_OUTPUTS",  # cdktf's outputs file of one stack (tests, make load, make verify)
    "DATA_API_TABLE",  # the table behind DATA_API_URL, without an outputs file
    "DATA_API_KEY",  # the x-api-key of an api_key stage
    "DATA_API_LOCAL_API_KEY",  # the key make local requires in api_key mode
    "DATA_API_LOCAL_DYNAMODB_TIMEOUT_SECONDS",  # how long make local waits for a DynamoDB endpoint
)
"""DATA_API_* variables the project's tools read that are not settings."""


def _setting_types() -> dict[str, Any]:
    hints = get_type_hints(Settings)
    return {f.name: hints[f.name] for f in fields(Settings) if f.name != "environment"}


def _convert(name: str, kind: Any, raw: str) -> Any:
    if kind is bool:
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise refuse(name, raw, "true or false")
    if kind == LIST:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind is int:
        try:
            return int(raw.strip())
        except ValueError:
            raise refuse(name, raw, "a whole number") from None
    if name in PATH_SETTINGS and raw.strip():
        return str(Path(raw.strip()).absolute())
    return raw.strip()


def env_var_name(setting: str, environment: str | None = None) -> str:
    return ENV_PREFIX + (f"{environment}_{setting}" if environment else setting).upper()


@dataclass(frozen=True)
class SettingsFile:
    """settings.toml, parsed and checked: which environments exist, and what the team chose."""

    label: str
    """How messages name the file (its path as the user would give it)."""
    environments: tuple[str, ...]
    shared: Mapping[str, Any]
    per_environment: Mapping[str, Mapping[str, Any]]


PATH_SETTINGS: tuple[str, ...] = ("payload_schema",)
"""Settings that name a file: relative to the settings file's folder in the file, to the current
folder in a variable; held as absolute paths, so synth reads the same file from any folder."""

LIST = tuple[str, ...]
"""A setting that is a list: an array of strings in the file, comma-separated in a variable."""


def _type_name(kind: Any) -> str:
    return {bool: "true or false", int: "a whole number", str: "a string", LIST: "a list of strings"}[kind]


def _checked_value(where: str, key: str, value: Any, types: Mapping[str, Any]) -> Any:
    if key not in types:
        raise SettingsError(f"{where}: unknown setting {key!r}{nearest(key, types)}")
    kind = types[key]
    if kind == LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{where}: {key} = {value!r} has the wrong type; expected {_type_name(kind)}")
        return tuple(value)
    if type(value) is not kind:  # TOML's true is not a whole number, nor 512 a string
        raise SettingsError(f"{where}: {key} = {value!r} has the wrong type; expected {_type_name(kind)}")
    return value


def _beside(settings_path: Path, name: str, value: Any) -> Any:
    """A file setting's value as an absolute path, read from the settings file's folder."""
    if name in PATH_SETTINGS and value:
        return str((settings_path.absolute().parent / value).absolute())
    return value


def read_settings_file(env: Mapping[str, str]) -> SettingsFile:
    """The settings file DATA_API_SETTINGS names, else settings.toml at the top of the project."""
    chosen = env.get(SETTINGS_FILE_VARIABLE, "")
    path = Path(chosen) if chosen else SETTINGS_FILE
    label = chosen or SETTINGS_FILE.name
    try:
        document = tomllib.loads(path.read_text())
    except FileNotFoundError:
        if chosen:
            raise SettingsError(f"{SETTINGS_FILE_VARIABLE}={chosen}: no such file") from None
        document = {}
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{label}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{label} is not valid TOML: {error}") from None
    listed = document.pop("environments", list(ENVIRONMENTS))
    if not isinstance(listed, list) or not listed or not all(isinstance(e, str) for e in listed):
        raise SettingsError(f'{label}: environments must be a list of names such as ["dev", "prod"]')
    for name in listed:
        if name not in ENVIRONMENTS:
            raise refuse("environment", name, ", ".join(ENVIRONMENTS)).naming(f"{label} environments")
    if len(set(listed)) != len(listed):
        raise SettingsError(f"{label}: environments lists an environment twice: {listed}")
    types = _setting_types()
    shared: dict[str, Any] = {}
    per_environment: dict[str, dict[str, Any]] = {name: {} for name in listed}
    for key, value in document.items():
        if isinstance(value, dict):
            if key not in listed:
                raise SettingsError(
                    f"{label}: [{key}] is not a listed environment (environments = {listed})"
                    + nearest(key, listed)
                )
            for name, chosen_value in value.items():
                checked = _checked_value(f"{label} [{key}]", name, chosen_value, types)
                per_environment[key][name] = _beside(path, name, checked)
        else:
            shared[key] = _beside(path, key, _checked_value(label, key, value, types))
    return SettingsFile(label, tuple(listed), shared, per_environment)


def check_variables(env: Mapping[str, str], settings_file: SettingsFile) -> None:
    """Refuse any DATA_API_* variable that is not one this project reads: a typo must not be
    ignored with exit 0."""
    settings = list(_setting_types())
    known = {env_var_name(s) for s in settings} | {
        ENVIRONMENTS_VARIABLE,
        SETTINGS_FILE_VARIABLE,
        *TOOL_VARIABLES,
    }
    per_environment = {env_var_name(s, e): e for e in ENVIRONMENTS for s in settings}
    for variable in sorted(v for v in env if v.startswith(ENV_PREFIX)):
        if variable in known:
            continue
        environment = per_environment.get(variable)
        if environment is None:
            raise SettingsError(
                f"unknown variable {variable}{nearest(variable, [*known, *per_environment])}"
                " (see docs/settings.md)"
            )
        if environment not in settings_file.environments:
            raise SettingsError(
                f"{variable} sets {environment}, which {settings_file.label} does not list "
                f"(environments = {list(settings_file.environments)})"
            )


@dataclass(frozen=True)
class ResolvedSettings:
    """One environment's settings and where each value that is not a default came from."""

    settings: Settings
    sources: Mapping[str, str]
    """setting -> what the user wrote: ``settings.toml [prod] log_level``, ``DATA_API_LOG_LEVEL``."""
    file_label: str
    """The settings file, as messages name it."""


def resolve(environment: str, env: Mapping[str, str], settings_file: SettingsFile) -> ResolvedSettings:
    """Settings for one environment: default < file (shared) < file [environment] <
    DATA_API_<NAME> < DATA_API_<ENVIRONMENT>_<NAME>."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, value in settings_file.shared.items():
        values[name], sources[name] = value, f"{settings_file.label} {name}"
    for name, value in settings_file.per_environment.get(environment, {}).items():
        values[name], sources[name] = value, f"{settings_file.label} [{environment}] {name}"
    for name, kind in _setting_types().items():
        for variable in (env_var_name(name), env_var_name(name, environment)):
            if variable in env:
                try:
                    values[name] = _convert(name, kind, env[variable])
                except SettingsError as error:
                    raise error.naming(variable) from None
                sources[name] = variable
    try:
        settings = Settings(environment=environment, **values)
    except SettingsError as error:
        blamed = [sources[s] for s in (error.setting, *error.related) if s in sources]
        raise error.naming(", ".join(blamed)) if blamed else error from None
    return ResolvedSettings(settings, sources, settings_file.label)


def selected_environments(
    env: Mapping[str, str], settings_file: SettingsFile | None = None
) -> tuple[str, ...]:
    """The environments to synthesize: DATA_API_ENVIRONMENTS (comma separated), else every
    environment the settings file lists."""
    listed = (settings_file or read_settings_file(env)).environments
    raw = env.get(ENVIRONMENTS_VARIABLE, "")
    chosen = tuple(e.strip() for e in raw.split(",") if e.strip()) or listed
    for name in chosen:
        if name not in ENVIRONMENTS:
            raise refuse("environment", name, ", ".join(ENVIRONMENTS)).naming(ENVIRONMENTS_VARIABLE)
        if name not in listed:
            raise SettingsError(
                f"{ENVIRONMENTS_VARIABLE}: {name} is not listed in the settings file ({list(listed)})"
            )
    if len(set(chosen)) != len(chosen):
        raise refuse("environments", raw, "each environment at most once").naming(ENVIRONMENTS_VARIABLE)
    return chosen
