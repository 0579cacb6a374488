"""data-api's settings: the model (model.py), the rules that tie settings together (rules.py),
where values come from (sources.py), and the one way to load them (load.py)."""

from constructs_lib.settings.load import listed_environments, load, load_one, override_notices
from constructs_lib.settings.model import (
    ALERT_EMAIL_PATTERN,
    API_GATEWAY_TIMEOUT_SECONDS,
    BILLING_MODES,
    COGNITO_WRITE_SCOPE,
    ENVIRONMENTS,
    PROJECT,
    REQUIRED_TAG_KEYS,
    TRANSACTION_WRITE_UNITS,
    DeprecatedSettingWarning,
    Settings,
    SettingsError,
    is_alert_email,
)
from constructs_lib.settings.sources import (
    SETTINGS_FILE,
    ResolvedSettings,
    env_var_name,
    read_settings_file,
    selected_environments,
)

__all__ = [
    "ALERT_EMAIL_PATTERN",
    "API_GATEWAY_TIMEOUT_SECONDS",
    "BILLING_MODES",
    "COGNITO_WRITE_SCOPE",
    "ENVIRONMENTS",
    "PROJECT",
    "REQUIRED_TAG_KEYS",
    "SETTINGS_FILE",
    "TRANSACTION_WRITE_UNITS",
    "DeprecatedSettingWarning",
    "ResolvedSettings",
    "Settings",
    "SettingsError",
    "env_var_name",
    "is_alert_email",
    "listed_environments",
    "load",
    "load_one",
    "override_notices",
    "read_settings_file",
    "selected_environments",
]
