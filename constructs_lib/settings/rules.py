"""The rules that involve more than one setting, and the order settings are checked in: each
field against what it allows (model.py), then the ties between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import TYPE_CHECKING

from constructs_lib import naming
from constructs_lib.settings.model import SHARED_ONLY_SETTINGS, SettingsError, refuse, warn_deprecated

if TYPE_CHECKING:
    from constructs_lib.settings.model import Settings


def validate(s: Settings) -> None:
    """Raise SettingsError for the first setting data-api cannot deploy."""
    for field in fields(s):
        field.metadata["allowed"].validate(field.name, getattr(s, field.name))
    if s.cors_allowed_origin and s.cors_allowed_origins != ("*",):
        raise SettingsError(
            f"setting cors_allowed_origin={s.cors_allowed_origin!r} and cors_allowed_origins are both set: "
            "keep cors_allowed_origins alone",
            "cors_allowed_origin",
            ("cors_allowed_origins",),
        )
    warn_deprecated(s)
    if overlong := naming.too_long(s.name_prefix, s.environment, s.region):
        raise SettingsError(
            f"setting name_prefix={s.name_prefix!r} with region={s.region!r} makes names AWS refuses: "
            f"{overlong[0]}; choose a shorter name_prefix",
            "name_prefix",
            ("region",),
        )
    if s.billing_mode != "on_demand":  # on-demand tables have no provisioned capacity to scale
        low = max(s.write_capacity, s.required_write_capacity)
        if not low <= s.max_write_capacity <= 40000:
            raise refuse(
                "max_write_capacity",
                s.max_write_capacity,
                f"a whole number from {low} to 40000 (it must absorb throttle_rate_limit="
                f"{s.throttle_rate_limit} transactional writes/s at write_target_utilization_percent="
                f"{s.write_target_utilization_percent}, and be at least write_capacity={s.write_capacity}: "
                "raise it, or lower the rate)",
                ("throttle_rate_limit", "write_target_utilization_percent", "write_capacity"),
            )
    if s.on_demand_max_write_units and s.on_demand_max_write_units < s.peak_write_units:
        raise refuse(
            "on_demand_max_write_units",
            s.on_demand_max_write_units,
            f"a whole number from {s.peak_write_units} to 40000 (0 derives it; a cap below "
            f"throttle_rate_limit={s.throttle_rate_limit} plus throttle_burst_limit={s.throttle_burst_limit} "
            f"transactional writes of assumed_item_size_kb={s.assumed_item_size_kb} would throttle what "
            "the stage admits)",
            ("throttle_rate_limit", "throttle_burst_limit", "assumed_item_size_kb"),
        )
    if bool(s.domain_name) != bool(s.hosted_zone_id):
        given, missing = (
            ("domain_name", "hosted_zone_id") if s.domain_name else ("hosted_zone_id", "domain_name")
        )
        raise SettingsError(
            f"setting {given}={getattr(s, given)!r} needs {missing} too: set both (the zone that holds "
            "the name) or neither",
            given,
            (missing,),
        )
    if s.cognito_user_pool_arn and s.api_auth != "cognito":
        raise SettingsError(
            f"setting cognito_user_pool_arn={s.cognito_user_pool_arn!r} is only read with api_auth = "
            f"'cognito' ({s.environment} has {s.api_auth!r}): set api_auth or remove it",
            "cognito_user_pool_arn",
            ("api_auth",),
        )
    if s.github_repository and s.state_backend != "s3":
        raise SettingsError(
            f"setting github_repository={s.github_repository!r} needs state_backend = 's3' in "
            f"{s.environment} (a CI runner keeps no local state): run make bootstrap and add the lines "
            "it prints",
            "github_repository",
            ("state_backend",),
        )
    if s.state_backend == "s3" and not s.state_bucket:
        raise refuse(
            "state_bucket", s.state_bucket, "an S3 bucket name (required when state_backend is 's3')"
        )


def validate_app(all_settings: Sequence[Settings]) -> None:
    """Raise SettingsError when the environments disagree on a setting of the whole account."""
    for name in SHARED_ONLY_SETTINGS:
        values = {s.environment: getattr(s, name) for s in all_settings}
        if len(set(values.values())) > 1:
            shown = ", ".join(f"{environment}: {value!r}" for environment, value in values.items())
            raise SettingsError(
                f"setting {name} must be the same in every environment ({shown}): set it once, outside "
                "the [environment] tables",
                name,
            )
