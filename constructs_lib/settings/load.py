"""The one way to get settings: the file, the variables, validated, for the environments asked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from constructs_lib.settings.model import Settings, SettingsError
from constructs_lib.settings.rules import validate_app
from constructs_lib.settings.sources import (
    ENV_PREFIX,
    ResolvedSettings,
    check_variables,
    read_settings_file,
    resolve,
    selected_environments,
)


def load(env: Mapping[str, str], environments: Sequence[str] | None = None) -> list[ResolvedSettings]:
    """Every selected environment's settings (DATA_API_ENVIRONMENTS, else all the settings file
    lists), or the ``environments`` named, which the file must list. Raises SettingsError, in one
    line, on the first bad input."""
    settings_file = read_settings_file(env)
    check_variables(env, settings_file)
    if environments is None:
        environments = selected_environments(env, settings_file)
    for environment in environments:
        if environment not in settings_file.environments:
            raise SettingsError(
                f"{settings_file.label} does not list {environment} ({list(settings_file.environments)})"
            )
    resolved = [resolve(e, env, settings_file) for e in environments]
    validate_app([r.settings for r in resolved])
    return resolved


def load_one(environment: str, env: Mapping[str, str]) -> Settings:
    """One environment's settings, as synth makes them."""
    return load(env, [environment])[0].settings


def listed_environments(env: Mapping[str, str]) -> tuple[str, ...]:
    """The environments the settings file lists."""
    return read_settings_file(env).environments


def override_notices(resolved: Iterable[ResolvedSettings], env: Mapping[str, str]) -> list[str]:
    """One line for each variable that changes a setting, so nobody changes prod unseen."""
    seen: dict[str, str] = {}
    for environment in resolved:
        for source in environment.sources.values():
            if source.startswith(ENV_PREFIX):
                seen[source] = environment.file_label
    return [f"{variable}={env[variable]} overrides {label}" for variable, label in seen.items()]
