"""Typed, validated settings for data-api: the single home of every default."""

from __future__ import annotations

import difflib
import functools
import math
import re
import tomllib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

from constructs_lib import naming
from constructs_lib.contract import FUNCTION_ENVIRONMENT, FUNCTION_RULES, PROJECT_ROOT

PROJECT = "data-api"

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
"""Each environment is synthesized as its own stack, ``data-api-<environment>``."""

ALLOWED_RUNTIMES: tuple[str, ...] = (
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
)
DEPRECATED_RUNTIMES: Mapping[str, str] = {"python3.9": "2025-12-15"}
"""Runtimes AWS has deprecated, with the date: still accepted, with a warning."""

LOG_LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
API_AUTH_MODES: tuple[str, ...] = ("none", "api_key", "iam")
"""How POST /data is protected: open (the seed's public ingestion endpoint), an API key with a
usage plan, or AWS IAM (SigV4-signed requests)."""
STATE_BACKENDS: tuple[str, ...] = ("local", "s3")
BILLING_MODES: tuple[str, ...] = ("provisioned", "on_demand")
"""How the tables pay for writes: provisioned capacity with autoscaling, or per request."""

TRANSACTION_WRITE_UNITS = 2
"""A transactional write costs two write units per KB, a plain one one."""
API_GATEWAY_TIMEOUT_SECONDS = 29
"""API Gateway's integration timeout: a slower function only ever produces a 504."""
MIN_FUNCTION_TIMEOUT_SECONDS: int = FUNCTION_RULES.MIN_FUNCTION_TIMEOUT_SECONDS
"""The function retries DynamoDB only while an attempt can end before its own deadline; below
this, not even one attempt fits (lambda/ingest.py holds the budget)."""

CLOUDWATCH_LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
"""The only values CloudWatch Logs accepts for a retention period."""

ALERT_EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}$"
"""What an alert email must look like (Terraform variable validation). RE2 and Python read it
alike; it has no backslash, which cdktf would copy unescaped into an HCL string."""

ENV_PREFIX = "DATA_API_"
"""Every setting can be overridden by an environment variable ``DATA_API_<NAME>``."""

_NAME_PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,29}$")
_S3_BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class SettingsError(ValueError):
    """A setting has a value data-api cannot deploy; the message names it and what is allowed,
    and, once the loader knows it, what the user wrote (a variable or a key of the file)."""

    def __init__(self, message: str, setting: str = "", related: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.setting = setting
        self.related = related

    def naming(self, source: str) -> SettingsError:
        """The same error, said as coming from ``source`` (what the user wrote)."""
        return SettingsError(f"{source}: {self.message}", self.setting, self.related)


class DeprecatedSettingWarning(UserWarning):
    """A setting is accepted but relies on something AWS has deprecated."""


@dataclass(frozen=True)
class Settings:
    """Everything a user decides about one environment's stack.

    Defaults live here and nowhere else; constructs read them from the object they are given.
    """

    environment: str
    """Which environment the stack is for: one of ENVIRONMENTS."""
    region: str = "us-east-1"
    """AWS region every resource of the stack lives in."""
    name_prefix: str = PROJECT
    """Prefix of every resource name: ``<prefix>-<environment>-<thing>``."""
    lambda_runtime: str = "python3.13"
    """Lambda runtime of the ingest function: one of ALLOWED_RUNTIMES."""
    lambda_memory_mb: int = 256
    """Memory of the ingest function (128 to 10240 MB); CPU scales with it."""
    lambda_timeout_seconds: int = 10
    """Timeout of the ingest function: from room for one DynamoDB attempt to below API Gateway's 29 s."""
    lambda_reserved_concurrency: int = 0
    """Concurrent executions reserved for (and capping) the function; 0 reserves none."""
    log_level: str = "INFO"
    """Level of the function's own log lines: one of LOG_LEVELS."""
    log_retention_days: int = 14
    """How long every log group of the stack keeps its events."""
    read_capacity: int = 5
    """Provisioned read capacity units of the table."""
    write_capacity: int = 5
    """Provisioned write capacity units of the table: the autoscaling floor."""
    max_write_capacity: int = 300
    """Autoscaling ceiling of each table's write capacity units."""
    write_target_utilization_percent: int = 70
    """Consumed/provisioned write capacity the autoscaler steers toward (20 to 90)."""
    billing_mode: str = "provisioned"
    """``provisioned`` (read_capacity / write_capacity with write autoscaling) or ``on_demand``
    (pay per request, capped at on_demand_max_write_units)."""
    assumed_item_size_kb: int = 1
    """The item size capacity is sized for (a write unit covers 1 KB): the on-demand cap and the
    capacity model use it."""
    on_demand_max_write_units: int = 0
    """on_demand's cost cap in write request units/s; 0 derives it from the throttle (rate plus
    burst, as transactional writes of assumed_item_size_kb), so it never throttles what the stage admits."""
    idempotency_retention_hours: int = 24
    """How long an Idempotency-Key is remembered: longer than any client's retry window."""
    throttle_rate_limit: int = 100
    """Steady-state requests per second the API stage admits."""
    throttle_burst_limit: int = 50
    """Requests the API stage admits in a burst above the rate."""
    api_auth: str = "none"
    """Who may POST /data: ``none`` (anyone), ``api_key`` (x-api-key header) or ``iam`` (SigV4)."""
    api_key_daily_quota: int = 100000
    """Requests a day the API key may make (``api_key`` mode)."""
    cors_allowed_origin: str = "*"
    """Origin browsers may call the API from: ``*`` or one ``https://`` origin."""
    tracing_enabled: bool = True
    """X-Ray tracing of the API stage and the function."""
    latency_alarm_p99_ms: int = 2000
    """The p99 API latency (ms) above which the latency alarm fires."""
    kms_deletion_window_days: int = 30
    """Days a scheduled deletion of the data key can still be cancelled (7 to 30)."""
    state_backend: str = "local"
    """Where Terraform state lives: ``local`` (a file per stack) or ``s3``."""
    state_bucket: str = ""
    """S3 bucket for state; required when state_backend is ``s3``."""
    state_key_prefix: str = PROJECT
    """Key prefix of the state objects in the bucket: ``<prefix>/<stack>.tfstate``."""
    state_region: str = ""
    """Region of the state bucket; empty means the stack's region."""
    state_noncurrent_version_days: int = 90
    """Days the state bucket keeps a replaced version of a state file before it expires."""
    alert_email: str = ""
    """Where this environment's alarms are emailed; ``TF_VAR_alert_email`` overrides it at deploy.
    Empty: every deploy must set ``TF_VAR_alert_email``."""
    adopt_welcome_log_group: bool = False
    """Import API Gateway's existing ``/aws/apigateway/welcome`` log group into the account stack
    (an account that ever enabled API Gateway logging has one; a fresh account has none)."""

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def stack_name(self) -> str:
        """Name of the Terraform stack (and of its state) for this environment."""
        return naming.environment_stack(self.name_prefix, self.environment)

    def resource_name(self, thing: str) -> str:
        """Name of one resource of the stack, e.g. ``data-api-dev-ingest``."""
        return naming.resource(self.name_prefix, self.environment, thing)

    @property
    def account_stack_name(self) -> str:
        """The account stack this environment's stack depends on."""
        return naming.account_stack(self.name_prefix, self.region)

    @property
    def state_stack_name(self) -> str:
        """The stack holding the S3 state bucket in this environment's state region."""
        return naming.state_stack(self.name_prefix, self.effective_state_region)

    @property
    def deletion_protection(self) -> bool:
        """Production data must not be destroyable by a stray ``cdktf destroy``."""
        return self.environment == "prod"

    @property
    def effective_state_region(self) -> str:
        return self.state_region or self.region

    @property
    def required_write_capacity(self) -> int:
        """WCU each table needs at the target utilization when the API runs at its rate limit:
        required_write_units (a write unit per KB of item, two in a transaction, which a request
        with an Idempotency-Key is, and every request may carry one).
        https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling
        """
        return math.ceil(self.required_write_units * 100 / self.write_target_utilization_percent)

    @property
    def required_write_units(self) -> int:
        """Write units per second the stage can send at its rate: every request a transaction
        (2 units per KB) of assumed_item_size_kb."""
        return self.throttle_rate_limit * TRANSACTION_WRITE_UNITS * self.assumed_item_size_kb

    @property
    def peak_write_units(self) -> int:
        """Write units per second at the most the stage admits in one second: its rate plus its
        burst, every request a transaction of assumed_item_size_kb."""
        return (
            (self.throttle_rate_limit + self.throttle_burst_limit)
            * TRANSACTION_WRITE_UNITS
            * self.assumed_item_size_kb
        )

    @property
    def effective_on_demand_max_write_units(self) -> int:
        return self.on_demand_max_write_units or self.peak_write_units

    def function_variables(self, table_name: str, idempotency_table_name: str) -> dict[str, str]:
        """The function's environment variables in this environment (lambda/environment.py), as
        the stack sets them: what make local runs with and make verify expects."""
        variables: dict[str, str] = FUNCTION_ENVIRONMENT.FunctionEnvironment(
            table_name=table_name,
            stage=self.environment,
            log_level=self.log_level,
            cors_allowed_origin=self.cors_allowed_origin,
            idempotency_table_name=idempotency_table_name,
            idempotency_retention_seconds=self.idempotency_retention_hours * 3600,
            api_auth=self.api_auth,
        ).variables()
        return variables

    @property
    def tags(self) -> dict[str, str]:
        """Tags every taggable resource of the stack carries (via the provider's default_tags)."""
        return {"project": PROJECT, "environment": self.environment, "managed-by": "cdktf"}


REQUIRED_TAG_KEYS: tuple[str, ...] = ("project", "environment", "managed-by")


def _allowed(name: str, value: object, allowed: str, related: tuple[str, ...] = ()) -> SettingsError:
    return SettingsError(f"setting {name}={value!r} is not allowed; allowed: {allowed}", name, related)


def _check_range(
    name: str, value: int, low: int, high: int, why: str = "", related: tuple[str, ...] = ()
) -> None:
    if not low <= value <= high:
        raise _allowed(name, value, f"a whole number from {low} to {high}{why}", related)


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition, from the endpoint data botocore ships (no network)."""
    from botocore.loaders import create_loader

    partitions = create_loader().load_data("endpoints")["partitions"]
    return frozenset(region for partition in partitions for region in partition["regions"])


def _check_region(name: str, region: str) -> None:
    if region not in known_regions():
        raise _allowed(name, region, "an AWS region such as us-east-1" + _nearest(region, known_regions()))


def _validate(s: Settings) -> None:
    """Raise SettingsError for the first setting data-api cannot deploy."""
    if s.environment not in ENVIRONMENTS:
        raise _allowed("environment", s.environment, ", ".join(ENVIRONMENTS))
    _check_region("region", s.region)
    if not _NAME_PREFIX_PATTERN.match(s.name_prefix):
        raise _allowed("name_prefix", s.name_prefix, "2 to 30 of a-z, 0-9 and '-', starting with a letter")
    if overlong := naming.too_long(s.name_prefix, s.environment, s.region):
        raise SettingsError(
            f"setting name_prefix={s.name_prefix!r} with region={s.region!r} makes names AWS refuses: "
            f"{overlong[0]}; choose a shorter name_prefix",
            "name_prefix",
            ("region",),
        )
    if s.lambda_runtime not in ALLOWED_RUNTIMES:
        raise _allowed("lambda_runtime", s.lambda_runtime, ", ".join(ALLOWED_RUNTIMES))
    if s.lambda_runtime in DEPRECATED_RUNTIMES:
        warnings.warn(
            f"setting lambda_runtime={s.lambda_runtime!r} was deprecated by AWS on "
            f"{DEPRECATED_RUNTIMES[s.lambda_runtime]}; use {ALLOWED_RUNTIMES[-1]!r}",
            DeprecatedSettingWarning,
            stacklevel=2,
        )
    _check_range("lambda_memory_mb", s.lambda_memory_mb, 128, 10240)
    if not MIN_FUNCTION_TIMEOUT_SECONDS <= s.lambda_timeout_seconds < API_GATEWAY_TIMEOUT_SECONDS:
        raise _allowed(
            "lambda_timeout_seconds",
            s.lambda_timeout_seconds,
            f"a whole number from {MIN_FUNCTION_TIMEOUT_SECONDS} (room for one DynamoDB attempt and the "
            f"answer) to {API_GATEWAY_TIMEOUT_SECONDS - 1} (below API Gateway's "
            f"{API_GATEWAY_TIMEOUT_SECONDS} s)",
        )
    _check_range("lambda_reserved_concurrency", s.lambda_reserved_concurrency, 0, 10000)
    if s.log_level not in LOG_LEVELS:
        raise _allowed("log_level", s.log_level, ", ".join(LOG_LEVELS))
    if s.log_retention_days not in CLOUDWATCH_LOG_RETENTION_DAYS:
        raise _allowed(
            "log_retention_days",
            s.log_retention_days,
            ", ".join(str(d) for d in CLOUDWATCH_LOG_RETENTION_DAYS),
        )
    _check_range("read_capacity", s.read_capacity, 1, 40000)
    _check_range("write_capacity", s.write_capacity, 1, 40000)
    _check_range("write_target_utilization_percent", s.write_target_utilization_percent, 20, 90)
    _check_range("assumed_item_size_kb", s.assumed_item_size_kb, 1, 400)
    _check_range("throttle_rate_limit", s.throttle_rate_limit, 1, 10000)
    _check_range("throttle_burst_limit", s.throttle_burst_limit, 1, 5000)
    if s.billing_mode != "on_demand":  # on-demand tables have no provisioned capacity to scale
        _check_range(
            "max_write_capacity",
            s.max_write_capacity,
            max(s.write_capacity, s.required_write_capacity),
            40000,
            f" (it must absorb throttle_rate_limit={s.throttle_rate_limit} transactional writes/s at "
            f"write_target_utilization_percent={s.write_target_utilization_percent}, and be at least "
            f"write_capacity={s.write_capacity}: raise it, or lower the rate)",
            ("throttle_rate_limit", "write_target_utilization_percent", "write_capacity"),
        )
    if s.api_auth not in API_AUTH_MODES:
        raise _allowed("api_auth", s.api_auth, ", ".join(API_AUTH_MODES))
    _check_range("api_key_daily_quota", s.api_key_daily_quota, 1, 1_000_000_000)
    _check_range("idempotency_retention_hours", s.idempotency_retention_hours, 1, 24 * 30)
    if s.billing_mode not in BILLING_MODES:
        raise _allowed("billing_mode", s.billing_mode, ", ".join(BILLING_MODES))
    if s.on_demand_max_write_units:
        _check_range(
            "on_demand_max_write_units",
            s.on_demand_max_write_units,
            s.peak_write_units,
            40000,
            f" (0 derives it; a cap below throttle_rate_limit={s.throttle_rate_limit} plus "
            f"throttle_burst_limit={s.throttle_burst_limit} transactional writes of "
            f"assumed_item_size_kb={s.assumed_item_size_kb} would throttle what the stage admits)",
            ("throttle_rate_limit", "throttle_burst_limit", "assumed_item_size_kb"),
        )
    if s.cors_allowed_origin != "*" and not re.fullmatch(
        r"https://[A-Za-z0-9.-]+(:\d{1,5})?", s.cors_allowed_origin
    ):
        raise _allowed(
            "cors_allowed_origin", s.cors_allowed_origin, "'*' or one origin like https://example.com"
        )
    _check_range("latency_alarm_p99_ms", s.latency_alarm_p99_ms, 1, API_GATEWAY_TIMEOUT_SECONDS * 1000)
    _check_range("kms_deletion_window_days", s.kms_deletion_window_days, 7, 30)
    if s.state_backend not in STATE_BACKENDS:
        raise _allowed("state_backend", s.state_backend, ", ".join(STATE_BACKENDS))
    if s.state_backend == "s3" and not _S3_BUCKET_PATTERN.match(s.state_bucket):
        raise _allowed(
            "state_bucket", s.state_bucket, "an S3 bucket name (required when state_backend is 's3')"
        )
    if s.state_region:
        _check_region("state_region", s.state_region)
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", s.state_key_prefix):
        raise _allowed("state_key_prefix", s.state_key_prefix, "letters, digits and . _ / -")
    _check_range("state_noncurrent_version_days", s.state_noncurrent_version_days, 1, 3650)
    if s.alert_email and not is_alert_email(s.alert_email):
        raise _allowed("alert_email", s.alert_email, "an email address such as ops@example.com")


def is_alert_email(value: str) -> bool:
    """Whether ``value`` looks like an email address (the Terraform variable's own check)."""
    return re.fullmatch(ALERT_EMAIL_PATTERN, value) is not None


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


def _nearest(word: str, candidates: Iterable[str]) -> str:
    """ "; did you mean X?" for the likeliest intended name: one the word begins (a unit left
    off), else the closest spelling; empty when nothing is close."""
    names = sorted(candidates)
    started = sorted((c for c in names if c.startswith(word)), key=len)
    close = started or difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _convert(name: str, kind: Any, raw: str) -> Any:
    if kind is bool:
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise _allowed(name, raw, "true or false")
    if kind is int:
        try:
            return int(raw.strip())
        except ValueError:
            raise _allowed(name, raw, "a whole number") from None
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


def _type_name(kind: Any) -> str:
    return {bool: "true or false", int: "a whole number", str: "a string"}[kind]


def _checked_value(where: str, key: str, value: Any, types: Mapping[str, Any]) -> Any:
    if key not in types:
        raise SettingsError(f"{where}: unknown setting {key!r}{_nearest(key, types)}")
    kind = types[key]
    if type(value) is not kind:  # TOML's true is not a whole number, nor 512 a string
        raise SettingsError(f"{where}: {key} = {value!r} has the wrong type; expected {_type_name(kind)}")
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
            raise _allowed("environment", name, ", ".join(ENVIRONMENTS)).naming(f"{label} environments")
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
                    + _nearest(key, listed)
                )
            for name, chosen_value in value.items():
                per_environment[key][name] = _checked_value(f"{label} [{key}]", name, chosen_value, types)
        else:
            shared[key] = _checked_value(label, key, value, types)
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
                f"unknown variable {variable}{_nearest(variable, [*known, *per_environment])}"
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
            raise _allowed("environment", name, ", ".join(ENVIRONMENTS)).naming(ENVIRONMENTS_VARIABLE)
        if name not in listed:
            raise SettingsError(
                f"{ENVIRONMENTS_VARIABLE}: {name} is not listed in the settings file ({list(listed)})"
            )
    if len(set(chosen)) != len(chosen):
        raise _allowed("environments", raw, "each environment at most once").naming(ENVIRONMENTS_VARIABLE)
    return chosen


def load_environments(env: Mapping[str, str]) -> list[ResolvedSettings]:
    """Every selected environment, validated; raises SettingsError on the first bad input."""
    settings_file = read_settings_file(env)
    check_variables(env, settings_file)
    return [resolve(e, env, settings_file) for e in selected_environments(env, settings_file)]


def load_settings(env: Mapping[str, str]) -> list[Settings]:
    """Validated settings of every selected environment."""
    return [resolved.settings for resolved in load_environments(env)]


def settings_from_env(environment: str, env: Mapping[str, str]) -> Settings:
    """One environment's settings (the settings file and the variables), as synth makes them."""
    settings_file = read_settings_file(env)
    check_variables(env, settings_file)
    if environment not in settings_file.environments:
        raise SettingsError(
            f"{settings_file.label} does not list {environment} ({list(settings_file.environments)})"
        )
    return resolve(environment, env, settings_file).settings


def override_notices(resolved: Iterable[ResolvedSettings], env: Mapping[str, str]) -> list[str]:
    """One line for each variable that changes a setting, so nobody changes prod unseen."""
    seen: dict[str, str] = {}
    for environment in resolved:
        for source in environment.sources.values():
            if source.startswith(ENV_PREFIX):
                seen[source] = environment.file_label
    return [f"{variable}={env[variable]} overrides {label}" for variable, label in seen.items()]
