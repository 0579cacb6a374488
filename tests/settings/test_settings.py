"""Settings: defaults, validation messages and environment-variable overrides (no synth needed)."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.settings import (
    ALERT_EMAIL_PATTERN,
    API_GATEWAY_TIMEOUT_SECONDS,
    ENVIRONMENTS,
    DeprecatedSettingWarning,
    Settings,
    SettingsError,
    load,
    load_one,
    selected_environments,
)
from tests.conftest import REPO_ROOT


def load_settings(env: dict[str, str]) -> list[Settings]:
    return [resolved.settings for resolved in load(env)]


settings_from_env = load_one


def test_defaults_match_the_product_card() -> None:
    s = Settings(environment="dev")
    assert s.region == "us-east-1"
    assert s.lambda_runtime == "python3.13"
    assert (s.read_capacity, s.write_capacity) == (5, 5)
    assert (s.throttle_rate_limit, s.throttle_burst_limit) == (100, 50)
    assert s.log_retention_days == 14
    assert s.lambda_timeout_seconds < API_GATEWAY_TIMEOUT_SECONDS
    assert s.state_backend == "local"
    assert s.cors_origins == ("*",)
    assert s.stack_name == "data-api-dev"


def test_settings_are_frozen() -> None:
    s = Settings(environment="dev")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.region = "eu-west-1"  # type: ignore[misc]


def test_default_autoscaling_ceiling_absorbs_the_api_rate() -> None:
    s = Settings(environment="dev")
    # One write of <= 1 KB per request: at the target utilization the table needs rate/target WCU.
    assert s.max_write_capacity * s.write_target_utilization_percent / 100 >= s.throttle_rate_limit


def test_only_prod_is_deletion_protected() -> None:
    assert [Settings(environment=e).deletion_protection for e in ENVIRONMENTS] == [False, False, True]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"environment": "qa"}, "setting environment='qa' is not allowed; allowed: dev, staging, prod"),
        (
            {"lambda_runtime": "python2.7"},
            "setting lambda_runtime='python2.7' is not allowed; allowed: python3.9",
        ),
        ({"lambda_runtime": "nodejs20.x"}, "lambda_runtime='nodejs20.x'"),
        (
            {"lambda_timeout_seconds": 29},
            "setting lambda_timeout_seconds=29 is not allowed; allowed: a whole number from 3 (room for "
            "one DynamoDB attempt and the answer) to 28 (below API Gateway's 29 s)",
        ),
        ({"lambda_timeout_seconds": 0}, "lambda_timeout_seconds=0"),
        # Shorter than one DynamoDB attempt (1 s connect + 1 s read) and the time to answer.
        (
            {"lambda_timeout_seconds": 2},
            "lambda_timeout_seconds=2 is not allowed; allowed: a whole number from 3",
        ),
        ({"read_capacity": 0}, "setting read_capacity=0 is not allowed"),
        ({"write_capacity": -5}, "setting write_capacity=-5 is not allowed"),
        (
            {"max_write_capacity": 100},
            "setting max_write_capacity=100 is not allowed; allowed: a whole number from 286 to 40000",
        ),
        ({"throttle_rate_limit": 0}, "throttle_rate_limit=0"),
        ({"throttle_burst_limit": 0}, "throttle_burst_limit=0"),
        ({"log_retention_days": 10}, "setting log_retention_days=10 is not allowed; allowed: 1, 3, 5, 7, 14"),
        ({"log_level": "verbose"}, "setting log_level='verbose' is not allowed; allowed: DEBUG, INFO"),
        ({"lambda_memory_mb": 64}, "lambda_memory_mb=64"),
        ({"region": "mars-1"}, "setting region='mars-1' is not allowed"),
        ({"name_prefix": "Data API"}, "setting name_prefix='Data API' is not allowed"),
        ({"cors_allowed_origin": "http://example.com"}, "setting cors_allowed_origin='http://example.com'"),
        ({"cors_allowed_origin": "https://a.com,https://b.com"}, "cors_allowed_origin="),
        (
            {"cors_allowed_origins": ("http://example.com",)},
            "setting cors_allowed_origins=('http://example.com',)",
        ),
        ({"cors_allowed_origins": ("https://a.com/app",)}, "no path"),
        ({"cors_allowed_origins": ("*", "https://a.com")}, "cors_allowed_origins="),
        ({"cors_allowed_origins": ("https://a.com", "https://a.com")}, "each once"),
        ({"cors_allowed_origins": ()}, "cors_allowed_origins=()"),
        (
            {"cors_allowed_origin": "https://a.com", "cors_allowed_origins": ("https://b.com",)},
            "cors_allowed_origin='https://a.com' and cors_allowed_origins are both set",
        ),
        ({"state_backend": "gcs"}, "setting state_backend='gcs' is not allowed; allowed: local, s3"),
        ({"state_backend": "s3"}, "setting state_bucket='' is not allowed"),
        ({"kms_deletion_window_days": 3}, "kms_deletion_window_days=3"),
        ({"latency_alarm_p99_ms": 30000}, "latency_alarm_p99_ms=30000"),
    ],
)
def test_bad_setting_names_the_setting_and_what_is_allowed(changes: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"environment": "dev", **changes}
    with pytest.raises(SettingsError) as caught:
        Settings(**arguments)  # type: ignore[arg-type]
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_python39_is_accepted_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecatedSettingWarning, match=r"python3\.9.*deprecated by AWS on 2025-12-15"):
        s = Settings(environment="dev", lambda_runtime="python3.9")
    assert s.lambda_runtime == "python3.9"


def test_current_runtime_gives_no_warning(recwarn: pytest.WarningsRecorder) -> None:
    Settings(environment="dev", lambda_runtime="python3.12")
    assert not [w for w in recwarn if issubclass(w.category, DeprecatedSettingWarning)]


def test_environment_variables_override_defaults() -> None:
    env = {
        "DATA_API_REGION": "eu-west-1",
        "DATA_API_TRACING_ENABLED": "false",
        "DATA_API_WRITE_CAPACITY": "10",
        "DATA_API_PROD_LOG_LEVEL": "WARNING",
    }
    dev = settings_from_env("dev", env)
    prod = settings_from_env("prod", env)
    assert (dev.region, dev.tracing_enabled, dev.write_capacity) == ("eu-west-1", False, 10)
    assert dev.log_level == "INFO"
    assert prod.log_level == "WARNING"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATA_API_WRITE_CAPACITY": "ten"},
            "DATA_API_WRITE_CAPACITY: setting write_capacity='ten' is not allowed; allowed: a whole number",
        ),
        (
            {"DATA_API_TRACING_ENABLED": "maybe"},
            "DATA_API_TRACING_ENABLED: setting tracing_enabled='maybe' is not allowed; "
            "allowed: true or false",
        ),
        (
            {"DATA_API_ENVIRONMENTS": "dev,qa"},
            "DATA_API_ENVIRONMENTS: setting environment='qa' is not allowed; allowed: dev, staging, prod",
        ),
        ({"DATA_API_ENVIRONMENTS": "dev,dev"}, "each environment at most once"),
    ],
)
def test_bad_environment_variable_is_a_settings_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(env)


def test_environments_default_to_all_and_can_be_narrowed() -> None:
    assert selected_environments({}) == ENVIRONMENTS
    assert selected_environments({"DATA_API_ENVIRONMENTS": " prod , dev "}) == ("prod", "dev")


@pytest.mark.parametrize(
    "email", ["ops@example.com", "first.last+alerts@mail.example.co.uk", "a_b-c%d@x-y.io"]
)
def test_alert_email_pattern_accepts_addresses(email: str) -> None:
    assert re.fullmatch(ALERT_EMAIL_PATTERN, email)


@pytest.mark.parametrize(
    "email",
    ["", "ops", "ops@", "@example.com", "ops@example", "ops@@example.com", "ops @example.com",
     "ops@example.c", "ops@exa mple.com", "ops@example.com\n", "ops@.com"],
)  # fmt: skip
def test_alert_email_pattern_rejects_non_addresses(email: str) -> None:
    assert not re.fullmatch(ALERT_EMAIL_PATTERN, email)


def _run_main(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATA_API_")}
    environment.update(env, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py")],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATA_API_ENVIRONMENTS": "qa"},
            "data-api: error: DATA_API_ENVIRONMENTS: setting environment='qa' is not allowed; "
            "allowed: dev, staging, prod",
        ),
        (
            {"DATA_API_LAMBDA_TIMEOUT_SECONDS": "30"},
            "data-api: error: DATA_API_LAMBDA_TIMEOUT_SECONDS: setting lambda_timeout_seconds=30 "
            "is not allowed; "
            "allowed: a whole number from 3 (room for one DynamoDB attempt and the answer) to 28 "
            "(below API Gateway's 29 s)",
        ),
        (
            {"DATA_API_LAMBDA_RUNTIME": "python3.8"},
            "data-api: error: DATA_API_LAMBDA_RUNTIME: setting lambda_runtime='python3.8' is not allowed",
        ),
    ],
)
def test_synth_with_a_bad_setting_exits_1_with_one_line_and_writes_nothing(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = _run_main(tmp_path, **env)
    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "cdktf.out").exists()


def test_an_unknown_cdk_framework_exits_1_with_one_line_before_loading_anything(tmp_path: Path) -> None:
    result = _run_main(tmp_path, CDK_FRAMEWORK="cdk8s", DATA_API_ENVIRONMENTS="dev")
    assert result.returncode == 1
    # After the settings' own notices and warnings, one line, and no traceback.
    assert (
        result.stderr.splitlines()[-1] == "data-api: error: CDK_FRAMEWORK='cdk8s' is not one of cdktf, cdktn"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cdktf.out").exists()


def test_the_autoscaling_ceiling_is_sized_for_the_assumed_item_size() -> None:
    # 100 transactional writes/s of 2 KB: 400 units/s, so at least 572 WCU at the 70 % target.
    assert (
        Settings(environment="dev", assumed_item_size_kb=2, max_write_capacity=572).required_write_capacity
        == 572
    )
    with pytest.raises(
        SettingsError, match=r"max_write_capacity=300 is not allowed; allowed: a whole number from 572"
    ):
        Settings(environment="dev", assumed_item_size_kb=2)


def test_every_auth_mode_has_one_strategy_and_a_caller_scope_in_the_function() -> None:
    from constructs_lib.auth import STRATEGIES
    from constructs_lib.contract import FUNCTION_RULES

    assert set(STRATEGIES) == set(FUNCTION_RULES.CALLER_SCOPES)
    event = {
        "requestContext": {
            "identity": {"apiKeyId": "k1", "userArn": "arn:aws:iam::1:user/a"},
            "authorizer": {"claims": {"client_id": "app-1"}},
        }
    }
    scopes = {mode: strategy.caller_scope(event) for mode, strategy in STRATEGIES.items()}
    assert scopes == {
        "none": "",
        "api_key": "api-key:k1",
        "iam": "iam:arn:aws:iam::1:user/a",
        "cognito": "cognito:app-1",
    }
    assert Settings(environment="dev", api_auth="iam").auth.method_authorization == "AWS_IAM"
    assert Settings(environment="dev", api_auth="cognito").auth.method_authorization == "COGNITO_USER_POOLS"


def test_cognito_settings_are_checked_in_one_line() -> None:
    with pytest.raises(SettingsError, match=r"^setting cognito_user_pool_arn=.* is only read with api_auth"):
        Settings(
            environment="dev",
            cognito_user_pool_arn="arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab12",
        )
    with pytest.raises(
        SettingsError, match=r"^setting cognito_user_pool_arn='arn:aws:iam::1:role/x' is not allowed"
    ):
        Settings(environment="dev", api_auth="cognito", cognito_user_pool_arn="arn:aws:iam::1:role/x")
    with pytest.raises(SettingsError, match=r"^setting cognito_resource_server='a/b' is not allowed"):
        Settings(environment="dev", api_auth="cognito", cognito_resource_server="a/b")
    assert Settings(environment="dev", cognito_resource_server="orders").cognito_write_scope == "orders/write"


def test_cors_origins_from_a_variable_a_file_and_the_old_setting(tmp_path) -> None:
    """A variable takes a comma-separated list, the file an array; http:// only for this
    machine; the old single-origin setting still works, with a notice naming the new one."""
    import warnings

    from constructs_lib.settings import DeprecatedSettingWarning, load

    variables = {"DATA_API_CORS_ALLOWED_ORIGINS": "https://a.example.com, http://localhost:3000"}
    [resolved] = load(variables, ["dev"])
    assert resolved.settings.cors_origins == ("https://a.example.com", "http://localhost:3000")
    file = tmp_path / "settings.toml"
    file.write_text('environments = ["dev"]\ncors_allowed_origins = ["https://b.example.com"]\n')
    [resolved] = load({"DATA_API_SETTINGS": str(file)}, ["dev"])
    assert resolved.settings.cors_origins == ("https://b.example.com",)
    file.write_text('environments = ["dev"]\ncors_allowed_origins = "https://b.example.com"\n')
    with pytest.raises(SettingsError, match="has the wrong type; expected a list of strings"):
        load({"DATA_API_SETTINGS": str(file)}, ["dev"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = Settings(environment="dev", cors_allowed_origin="https://c.example.com")
    assert old.cors_origins == ("https://c.example.com",)
    [notice] = [w for w in caught if issubclass(w.category, DeprecatedSettingWarning)]
    assert 'use cors_allowed_origins = ["https://c.example.com"]' in str(notice.message)
