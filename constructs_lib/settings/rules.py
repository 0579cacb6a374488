"""The rules that involve more than one setting, and the order settings are checked in: each
field against what it allows (model.py), then the ties between them."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from constructs_lib import naming
from constructs_lib.settings.model import SettingsError, refuse, warn_deprecated

if TYPE_CHECKING:
    from constructs_lib.settings.model import Settings


def validate(s: Settings) -> None:
    """Raise SettingsError for the first setting data-api cannot deploy."""
    for field in fields(s):
        field.metadata["allowed"].validate(field.name, getattr(s, field.name))
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
    if s.state_backend == "s3" and not s.state_bucket:
        raise refuse(
            "state_bucket", s.state_bucket, "an S3 bucket name (required when state_backend is 's3')"
        )
