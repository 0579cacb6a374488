"""The settings model: every setting data-api has, each declared once with its type, default,
allowed values or range, and what it decides. The settings reference (docs/settings.md) is
generated from these declarations; the rules that tie two settings together are in rules.py."""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from constructs_lib import auth, naming
from constructs_lib import payload_schema as schema_file
from constructs_lib.contract import FUNCTION_ENVIRONMENT, FUNCTION_RULES

PROJECT = "data-api"

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
"""Each environment is synthesized as its own stack, ``data-api-<environment>``."""

ALLOWED_RUNTIMES: tuple[str, ...] = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")
DEPRECATED_RUNTIMES: Mapping[str, str] = {"python3.9": "2025-12-15"}
"""Runtimes AWS has deprecated, with the date: still accepted, with a warning."""
LOG_LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
API_AUTH_MODES: tuple[str, ...] = auth.API_AUTH_MODES
"""How POST /data is protected: one strategy per mode (constructs_lib/auth.py)."""
STATE_BACKENDS: tuple[str, ...] = ("local", "s3")
BILLING_MODES: tuple[str, ...] = ("provisioned", "on_demand")
"""How the tables pay for writes: provisioned capacity with autoscaling, or per request."""

TRANSACTION_WRITE_UNITS = 2
"""A transactional write costs two write units per KB, a plain one one."""
API_GATEWAY_TIMEOUT_SECONDS = 29
"""API Gateway's integration timeout: a slower function only ever produces a 504."""
MIN_FUNCTION_TIMEOUT_SECONDS: int = FUNCTION_RULES.MIN_FUNCTION_TIMEOUT_SECONDS
"""The function retries DynamoDB only while an attempt can end before its own deadline; below
this, not even one attempt fits (lambda/ingest/budget.py holds the budget)."""

CLOUDWATCH_LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
"""The only values CloudWatch Logs accepts for a retention period."""

ALERT_EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}$"
"""What an alert email must look like (Terraform variable validation). RE2 and Python read it
alike; it has no backslash, which cdktf would copy unescaped into an HCL string."""

REQUIRED_TAG_KEYS: tuple[str, ...] = ("project", "environment", "managed-by")

ORIGIN_PATTERN = re.compile(
    r"(?:https://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|http://(?:localhost|127\.0\.0\.1|\[::1\]))(?::\d{1,5})?"
)
"""A browser origin: scheme, host, optional port, nothing after (http:// only for this machine)."""


def valid_origins(value: Any) -> bool:
    """``("*",)``, or distinct origins of ORIGIN_PATTERN."""
    if not isinstance(value, tuple) or not value or len(set(value)) != len(value):
        return False
    if "*" in value:
        return value == ("*",)
    return all(isinstance(o, str) and ORIGIN_PATTERN.fullmatch(o) is not None for o in value)


DOMAIN_NAME_PATTERN = r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
"""A fully qualified DNS name in lower case (ACM and Route 53 compare names case-insensitively)."""
WAF_MODES: tuple[str, ...] = ("off", "count", "block")
# A rate-based rule's limit: from 10 to 2,000,000,000 requests in its evaluation window.
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
WAF_RATE_LIMIT_MIN = 10
WAF_RATE_LIMIT_MAX = 2_000_000_000
GITHUB_REPOSITORY_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}"
"""A GitHub repository as its OIDC tokens name it: ``owner/repo``."""
COGNITO_WRITE_SCOPE = "write"
"""The resource server's one scope, which POST /data requires (``<identifier>/write``)."""
SHARED_ONLY_SETTINGS: tuple[str, ...] = ("github_repository", "github_oidc_provider_arn")
"""Settings of the account, not of an environment: every environment must agree on them."""


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


def refuse(name: str, value: object, allowed: str, related: tuple[str, ...] = ()) -> SettingsError:
    return SettingsError(f"setting {name}={value!r} is not allowed; allowed: {allowed}", name, related)


def nearest(word: str, candidates: Iterable[str]) -> str:
    """ "; did you mean X?" for the likeliest intended name: one the word begins (a unit left
    off), else the closest spelling; empty when nothing is close."""
    import difflib

    names = sorted(candidates)
    started = sorted((c for c in names if c.startswith(word)), key=len)
    close = started or difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition, from the endpoint data botocore ships (no network)."""
    from botocore.loaders import create_loader

    partitions = create_loader().load_data("endpoints")["partitions"]
    return frozenset(region for partition in partitions for region in partition["regions"])


@dataclass(frozen=True)
class Allowed:
    """What one setting accepts, said once: the check and the words that describe it (used in
    every refusal and in the settings reference)."""

    text: str
    check: Callable[[Any], bool]
    skip_when_empty: bool = False
    """An empty string means "not set" (derived from another setting, or not needed)."""
    hint: Callable[[Any], str] = lambda value: ""
    """Said after the allowed values for this value: "; did you mean X?"."""

    def validate(self, name: str, value: Any) -> None:
        if self.skip_when_empty and value == "":
            return
        if not self.check(value):
            raise refuse(name, value, self.text + self.hint(value))


def one_of(choices: Iterable[Any]) -> Allowed:
    values = tuple(choices)
    return Allowed(", ".join(str(c) for c in values), lambda v: v in values)


def whole_number(low: int, high: int, text: str = "") -> Allowed:
    return Allowed(text or f"a whole number from {low} to {high}", lambda v: low <= v <= high)


def matching(pattern: str, text: str, skip_when_empty: bool = False) -> Allowed:
    compiled = re.compile(pattern)
    return Allowed(text, lambda v: compiled.fullmatch(v) is not None, skip_when_empty)


REGION = Allowed(
    "an AWS region such as us-east-1",
    lambda v: v in known_regions(),
    hint=lambda v: nearest(str(v), known_regions()),
)
NO_CHECK = Allowed("true or false", lambda v: True)


def setting(default: Any, doc: str, allowed: Allowed = NO_CHECK) -> Any:
    """One setting's declaration: its default, its meaning, and what it accepts."""
    return field(default=default, metadata={"doc": doc, "allowed": allowed})


@dataclass(frozen=True)
class Settings:
    """Everything a user decides about one environment's stack.

    Defaults live here and nowhere else; constructs read them from the object they are given.
    """

    environment: str = field(
        metadata={"doc": "Which environment the stack is for.", "allowed": one_of(ENVIRONMENTS)}
    )
    region: str = setting("us-east-1", "AWS region every resource of the stack lives in.", REGION)
    name_prefix: str = setting(
        PROJECT,
        "Prefix of every resource name: `<prefix>-<environment>-<thing>`.",
        matching(r"[a-z][a-z0-9-]{1,29}", "2 to 30 of a-z, 0-9 and '-', starting with a letter"),
    )
    lambda_runtime: str = setting(
        "python3.13", "Lambda runtime of the ingest function.", one_of(ALLOWED_RUNTIMES)
    )
    lambda_memory_mb: int = setting(
        256, "Memory of the ingest function (MB); CPU scales with it.", whole_number(128, 10240)
    )
    lambda_timeout_seconds: int = setting(
        10,
        "Timeout of the ingest function: from room for one DynamoDB attempt to below API Gateway's 29 s.",
        whole_number(
            MIN_FUNCTION_TIMEOUT_SECONDS,
            API_GATEWAY_TIMEOUT_SECONDS - 1,
            f"a whole number from {MIN_FUNCTION_TIMEOUT_SECONDS} (room for one DynamoDB attempt and the "
            f"answer) to {API_GATEWAY_TIMEOUT_SECONDS - 1} (below API Gateway's "
            f"{API_GATEWAY_TIMEOUT_SECONDS} s)",
        ),
    )
    lambda_reserved_concurrency: int = setting(
        0,
        "Concurrent executions reserved for (and capping) the function; 0 reserves none.",
        whole_number(0, 10000),
    )
    log_level: str = setting("INFO", "Level of the function's own log lines.", one_of(LOG_LEVELS))
    log_retention_days: int = setting(
        14, "How long every log group of the stack keeps its events.", one_of(CLOUDWATCH_LOG_RETENTION_DAYS)
    )
    read_capacity: int = setting(5, "Provisioned read capacity units of the table.", whole_number(1, 40000))
    write_capacity: int = setting(
        5, "Provisioned write capacity units of the table: the autoscaling floor.", whole_number(1, 40000)
    )
    max_write_capacity: int = setting(
        300,
        "Autoscaling ceiling of each table's write capacity units: at least write_capacity, and enough "
        "to absorb throttle_rate_limit transactional writes/s at write_target_utilization_percent "
        "(rules.py checks it).",
        whole_number(1, 40000),
    )
    write_target_utilization_percent: int = setting(
        70, "Consumed/provisioned write capacity the autoscaler steers toward.", whole_number(20, 90)
    )
    billing_mode: str = setting(
        "provisioned",
        "`provisioned` (read_capacity / write_capacity with write autoscaling) or `on_demand` (pay per "
        "request, capped at on_demand_max_write_units).",
        one_of(BILLING_MODES),
    )
    assumed_item_size_kb: int = setting(
        1,
        "The item size capacity is sized for (a write unit covers 1 KB): the on-demand cap and the "
        "capacity model use it.",
        whole_number(1, 400),
    )
    on_demand_max_write_units: int = setting(
        0,
        "on_demand's cost cap in write request units/s; 0 derives it from the throttle (rate plus burst, as "
        "transactional writes of assumed_item_size_kb), and a lower cap is refused, "
        "since it would throttle what the stage admits (rules.py).",
        whole_number(0, 40000),
    )
    idempotency_retention_hours: int = setting(
        24,
        "How long an Idempotency-Key is remembered: longer than any client's retry window.",
        whole_number(1, 24 * 30),
    )
    throttle_rate_limit: int = setting(
        100, "Steady-state requests per second the API stage admits.", whole_number(1, 10000)
    )
    throttle_burst_limit: int = setting(
        50, "Requests the API stage admits in a burst above the rate.", whole_number(1, 5000)
    )
    api_auth: str = setting(
        "none",
        "Who may POST /data: `none` (anyone), `api_key` (x-api-key header), `iam` (SigV4) or `cognito` (an "
        "access token of a Cognito app client with the write scope, in the Authorization header).",
        one_of(API_AUTH_MODES),
    )
    cognito_user_pool_arn: str = setting(
        "",
        "`cognito` mode: an existing user pool whose tokens POST /data accepts (it must have the resource "
        "server and its write scope). Empty: the stack creates a pool, its resource server, a domain for the "
        "token endpoint and one app client for the client-credentials grant.",
        matching(
            r"arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[a-z0-9-]+_[A-Za-z0-9]+",
            "the ARN of a Cognito user pool (arn:aws:cognito-idp:<region>:<account>:userpool/<pool id>)",
            skip_when_empty=True,
        ),
    )
    cognito_resource_server: str = setting(
        "data-api",
        "`cognito` mode: the resource server's identifier; POST /data requires the scope "
        "`<identifier>/write`.",
        matching(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,255}", "1 to 256 of letters, digits and . _ : - (no '/')"),
    )
    api_key_daily_quota: int = setting(
        100000, "Requests a day the API key may make (`api_key` mode).", whole_number(1, 1_000_000_000)
    )
    cors_allowed_origins: tuple[str, ...] = setting(
        ("*",),
        'Origins browsers may call the API from: `["*"]` (any), or a list of origins; a variable '
        "takes them comma-separated. With a list, an answer allows only the origin that asked, if listed.",
        Allowed(
            "['*'], or origins such as https://app.example.com (scheme, host, optional port, no path; "
            "http:// only for localhost), each once",
            lambda v: valid_origins(v),
        ),
    )
    cors_allowed_origin: str = setting(
        "",
        "Deprecated: one origin; use cors_allowed_origins (still read, with a notice).",
        Allowed(
            "'*' or one origin like https://example.com",
            lambda v: v == "*" or ORIGIN_PATTERN.fullmatch(v) is not None,
            skip_when_empty=True,
        ),
    )
    payload_schema: str = setting(
        "",
        "A JSON Schema file (draft 4, as API Gateway models are) every payload must match: API Gateway "
        "checks application/json bodies, the function every body; a refused one gets 400. A relative path "
        "is read from the settings file's folder (from a variable: the current folder). Empty: any payload.",
        Allowed(
            "a readable JSON Schema file (draft 4) whose $refs stay inside it",
            lambda v: not schema_file.problem(v),
            skip_when_empty=True,
            hint=lambda v: f"; the file {schema_file.problem(v)}",
        ),
    )
    tracing_enabled: bool = setting(True, "X-Ray tracing of the API stage and the function.")
    latency_alarm_p99_ms: int = setting(
        2000,
        "The p99 API latency (ms) above which the latency alarm fires.",
        whole_number(1, API_GATEWAY_TIMEOUT_SECONDS * 1000),
    )
    kms_deletion_window_days: int = setting(
        30, "Days a scheduled deletion of the data key can still be cancelled.", whole_number(7, 30)
    )
    state_backend: str = setting(
        "local", "Where Terraform state lives: `local` (a file per stack) or `s3`.", one_of(STATE_BACKENDS)
    )
    state_bucket: str = setting(
        "",
        "S3 bucket for state; required when state_backend is `s3`.",
        matching(
            r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
            "an S3 bucket name (required when state_backend is 's3')",
            skip_when_empty=True,
        ),
    )
    state_key_prefix: str = setting(
        PROJECT,
        "Key prefix of the state objects in the bucket: `<prefix>/<stack>.tfstate`.",
        matching(r"[A-Za-z0-9._/-]+", "letters, digits and . _ / -"),
    )
    state_region: str = setting(
        "",
        "Region of the state bucket; empty means the stack's region.",
        Allowed(REGION.text, REGION.check, skip_when_empty=True, hint=REGION.hint),
    )
    state_noncurrent_version_days: int = setting(
        90,
        "Days the state bucket keeps a replaced version of a state file before it expires.",
        whole_number(1, 3650),
    )
    alert_email: str = setting(
        "",
        "Where this environment's alarms are emailed; `TF_VAR_alert_email` overrides it at deploy. "
        "Empty: every deploy must set `TF_VAR_alert_email`.",
        matching(ALERT_EMAIL_PATTERN, "an email address such as ops@example.com", skip_when_empty=True),
    )
    domain_name: str = setting(
        "",
        "The API's own DNS name (`api.example.com`): a certificate, a regional custom domain and A/AAAA "
        "records in hosted_zone_id; api_url becomes `https://<domain_name>/data`. Both or neither.",
        matching(
            DOMAIN_NAME_PATTERN,
            "a lower-case DNS name such as api.example.com (labels of a-z, 0-9 and '-')",
            skip_when_empty=True,
        ),
    )
    hosted_zone_id: str = setting(
        "",
        "The Route 53 public hosted zone that holds domain_name (its id). Both or neither.",
        # https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html (at most 32)
        matching(
            r"[A-Z0-9]{1,32}",
            "a Route 53 hosted zone id (up to 32 of A-Z and 0-9, such as Z0123456789ABCDEFGHIJ)",
            skip_when_empty=True,
        ),
    )
    keep_default_endpoint: bool = setting(
        False,
        "With domain_name: keep the REST API's own execute-api endpoint on (by default it is disabled, so "
        "nobody bypasses the domain and its firewall).",
    )
    waf: str = setting(
        "off",
        "AWS WAF in front of the stage: `off`, `count` (every rule only counts) or `block`.",
        one_of(WAF_MODES),
    )
    waf_rate_limit: int = setting(
        6000,
        "Requests one source IP may send in 5 minutes before the firewall's rate rule acts (WAF allows "
        f"{WAF_RATE_LIMIT_MIN} to {WAF_RATE_LIMIT_MAX}).",
        whole_number(WAF_RATE_LIMIT_MIN, WAF_RATE_LIMIT_MAX),
    )
    github_repository: str = setting(
        "",
        "The GitHub repository (`owner/repo`) whose workflows may plan and deploy: with it, synth adds the "
        "`data-api-ci-<region>` stack (GitHub's OIDC provider, a plan and a deploy role per environment). "
        "Needs state_backend `s3`; the same in every environment.",
        matching(
            GITHUB_REPOSITORY_PATTERN,
            "owner/repo, as in github.com/owner/repo (letters, digits, '-', '_' and '.')",
            skip_when_empty=True,
        ),
    )
    github_oidc_provider_arn: str = setting(
        "",
        "The account's existing OIDC provider for token.actions.githubusercontent.com (an account holds one "
        "per URL); empty: the CI stack creates it. The same in every environment.",
        matching(
            r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com",
            "the ARN of an IAM OIDC provider for token.actions.githubusercontent.com",
            skip_when_empty=True,
        ),
    )
    adopt_welcome_log_group: bool = setting(
        False,
        "Import API Gateway's existing `/aws/apigateway/welcome` log group into the account stack (an "
        "account that ever enabled API Gateway logging has one; a fresh account has none).",
    )

    def __post_init__(self) -> None:
        from constructs_lib.settings.rules import validate

        validate(self)

    @property
    def stack_name(self) -> str:
        """Name of the Terraform stack (and of its state) for this environment."""
        return naming.environment_stack(self.name_prefix, self.environment)

    def resource_name(self, thing: str) -> str:
        """Name of one resource of the stack, e.g. ``data-api-dev-ingest``."""
        return naming.resource(self.name_prefix, self.environment, thing)

    @property
    def auth(self) -> auth.AuthStrategy:
        """What api_auth means for the method, the function, make local and make verify."""
        return auth.auth_strategy(self.api_auth)

    @property
    def account_stack_name(self) -> str:
        """The account stack this environment's stack depends on."""
        return naming.account_stack(self.name_prefix, self.region)

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """The origins in effect: cors_allowed_origins, or the deprecated single origin."""
        return (self.cors_allowed_origin,) if self.cors_allowed_origin else self.cors_allowed_origins

    @property
    def schema(self) -> schema_file.PayloadSchema | None:
        """The payload schema file, read and checked (None without one)."""
        return schema_file.read(self.payload_schema) if self.payload_schema else None

    @property
    def cognito_write_scope(self) -> str:
        """The scope POST /data requires in cognito mode."""
        return f"{self.cognito_resource_server}/{COGNITO_WRITE_SCOPE}"

    @property
    def ci_stack_name(self) -> str:
        """The CI roles' stack, one per app (IAM is global; named for the first environment's region)."""
        return naming.ci_stack(self.name_prefix, self.region)

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
            cors_allowed_origins=self.cors_origins,
            idempotency_table_name=idempotency_table_name,
            idempotency_retention_seconds=self.idempotency_retention_hours * 3600,
            api_auth=self.api_auth,
            payload_schema_sha256=schema.sha256 if (schema := self.schema) else "",
        ).variables()
        return variables

    @property
    def tags(self) -> dict[str, str]:
        """Tags every taggable resource of the stack carries (via the provider's default_tags)."""
        return {"project": PROJECT, "environment": self.environment, "managed-by": "cdktf"}


def is_alert_email(value: str) -> bool:
    """Whether ``value`` looks like an email address (the Terraform variable's own check)."""
    return re.fullmatch(ALERT_EMAIL_PATTERN, value) is not None


def warn_deprecated(settings: Settings) -> None:
    if settings.cors_allowed_origin:
        warnings.warn(
            f"setting cors_allowed_origin={settings.cors_allowed_origin!r} is deprecated: use "
            f'cors_allowed_origins = ["{settings.cors_allowed_origin}"]',
            DeprecatedSettingWarning,
            stacklevel=4,
        )
    if settings.lambda_runtime in DEPRECATED_RUNTIMES:
        warnings.warn(
            f"setting lambda_runtime={settings.lambda_runtime!r} was deprecated by AWS on "
            f"{DEPRECATED_RUNTIMES[settings.lambda_runtime]}; use {ALLOWED_RUNTIMES[-1]!r}",
            DeprecatedSettingWarning,
            stacklevel=4,
        )
