"""The comparisons behind make verify, and its input errors, without any AWS."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.aws_context import AwsContext
from constructs_lib.firewall_rules import web_acl_rules
from constructs_lib.iam_policy import policy_document
from constructs_lib.policies import data_key_statements
from constructs_lib.settings import Settings
from verify import run
from verify.checks import (
    Check,
    Deployment,
    compare_policy,
    domain_checks,
    function_checks,
    judge_alias_records,
    judge_delivery,
    judge_subscriptions,
    rules_from_api,
    rules_from_spec,
    table_checks,
)

AWS = AwsContext("123456789012", "aws", "us-east-1", "amazonaws.com")


# --- policies -----------------------------------------------------------------------------


def test_a_policy_equal_but_for_list_order_and_one_element_lists_passes() -> None:
    expected = policy_document(data_key_statements(AWS, ["/a", "/b"]))
    document = json.loads(expected)
    for statement in document["Statement"]:
        if isinstance(statement["Action"], list):
            statement["Action"] = list(reversed(statement["Action"]))
        statement["Resource"] = [statement["Resource"]]
    assert compare_policy("key: policy", expected, json.dumps(document)).ok


def test_a_widened_narrowed_missing_or_extra_statement_fails_naming_it() -> None:
    expected = policy_document(data_key_statements(AWS, ["/a"]))
    document = json.loads(expected)
    document["Statement"][1]["Condition"] = {}
    verdict = compare_policy("key: policy", expected, json.dumps(document))
    assert not verdict.ok
    assert "statement AccountUsesViaDynamoDB differs" in verdict.detail
    document = json.loads(expected)
    document["Statement"].pop()
    document["Statement"].append({"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:*"})
    verdict = compare_policy("key: policy", expected, json.dumps(document))
    assert "statement AccountDescribesKeyViaCloudWatchLogs is missing" in verdict.detail
    assert "statement Everyone is not in the stack" in verdict.detail


# --- what moto cannot show ----------------------------------------------------------------


class _Functions:
    def __init__(self, logging_config: dict[str, str] | None) -> None:
        self.logging_config = logging_config

    def get_function_configuration(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803
        config: dict[str, Any] = {"Role": "arn:aws:iam::123456789012:role/r"}
        if self.logging_config is not None:
            config["LoggingConfig"] = self.logging_config
        return config

    def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803
        return {}


class _NeedsIamError(Exception):
    pass


def _log_group_check(logging_config: dict[str, str] | None) -> Any:
    def client(service: str) -> Any:
        if service == "lambda":
            return _Functions(logging_config)
        raise _NeedsIamError

    outputs = {
        "function_name": "data-api-dev-ingest",
        "function_log_group_name": "/aws/lambda/data-api-dev-ingest",
        "table_name": "data-api-dev-data",
        "idempotency_table_name": "data-api-dev-idempotency",
    }
    deployment = Deployment("data-api-dev", outputs, Settings(environment="dev"), AWS, client)
    found: list[Check] = []
    checks = function_checks(deployment)
    with contextlib.suppress(_NeedsIamError):  # the checks stop at the role, which needs IAM
        found.extend(checks)
    (verdict,) = [c for c in found if c.name == "function: log group"]
    return verdict


class _Tables:
    """DynamoDB's answers for a table encrypted with ``key``."""

    def __init__(self, key: str) -> None:
        self.key = key

    def describe_table(self, TableName: str) -> dict[str, Any]:  # noqa: N803
        return {
            "Table": {
                "KeySchema": [],
                "SSEDescription": {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": self.key},
            }
        }

    def describe_continuous_backups(self, TableName: str) -> dict[str, Any]:  # noqa: N803
        raise _NeedsIamError


def test_a_table_encrypted_with_another_key_fails() -> None:
    """moto keeps the key a table was created with (UpdateTable's SSESpecification is not
    emulated), so this drift is shown with DynamoDB's answer stubbed."""
    ours = "arn:aws:kms:us-east-1:123456789012:key/ours"
    outputs = {"table_name": "data-api-dev-data", "kms_key_arn": ours}

    def verdict(key: str) -> Any:
        deployment = Deployment(
            "data-api-dev", outputs, Settings(environment="dev"), AWS, lambda _: _Tables(key)
        )
        found: list[Check] = []
        with contextlib.suppress(_NeedsIamError):
            found.extend(table_checks(deployment))
        return next(c for c in found if c.name == "table: encryption with this stack's key")

    assert verdict(ours).ok
    other = verdict("arn:aws:kms:us-east-1:123456789012:key/other")
    assert not other.ok
    assert "key/other" in other.detail


def test_the_function_must_log_to_its_own_group() -> None:
    assert _log_group_check({"LogFormat": "Text", "LogGroup": "/aws/lambda/data-api-dev-ingest"}).ok
    wrong = _log_group_check({"LogFormat": "Text", "LogGroup": "/aws/lambda/somewhere-else"})
    assert not wrong.ok
    assert "somewhere-else" in wrong.detail
    assert not _log_group_check(None).ok


def test_a_pending_subscription_fails_with_the_hint_to_confirm_it() -> None:
    pending = judge_subscriptions(
        [{"Protocol": "email", "Endpoint": "ops@example.com", "SubscriptionArn": "PendingConfirmation"}]
    )
    assert not pending.ok
    assert "ops@example.com" in pending.detail
    assert "Confirm subscription" in pending.detail
    assert not judge_subscriptions([]).ok
    confirmed = judge_subscriptions(
        [
            {
                "Protocol": "email",
                "Endpoint": "ops@example.com",
                "SubscriptionArn": "arn:aws:sns:us-east-1:1:t:x",
            }
        ]
    )
    assert confirmed.ok


def test_sns_delivery_verdicts() -> None:
    assert judge_delivery(1, 0).ok
    failed = judge_delivery(0, 2)
    assert not failed.ok
    assert "cloudwatch.amazonaws.com" in failed.detail
    assert not judge_delivery(0, 0).ok


# --- input errors: one line, exit 1, no traceback ----------------------------------------


def run_cli(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run.main([], env)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def outputs_env(tmp_path: Path, document: Any) -> dict[str, str]:
    path = tmp_path / "outputs.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return {run.OUTPUTS_VARIABLE: str(path)}


GOOD_OUTPUTS = {
    "api_url": "https://x.execute-api.us-east-1.amazonaws.com/dev/data",
    "api_id": "x",
    "stage_name": "dev",
    "table_name": "data-api-dev-data",
    "table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/data-api-dev-data",
    "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k",
}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (None, "verify: error: no deployment named: run make verify ENV=<environment> after make deploy"),
        ("{not json", "is not a JSON outputs file"),
        ([1, 2], "must hold the outputs of exactly one environment stack (found: none)"),
        ({"data-api-account-us-east-1": {"cloudwatch_role_arn": "arn"}}, "exactly one environment stack"),
        (
            {"data-api-dev": GOOD_OUTPUTS, "data-api-prod": GOOD_OUTPUTS},
            "(found: data-api-dev, data-api-prod)",
        ),
        (
            {"data-api-qa": GOOD_OUTPUTS},
            "stack 'data-api-qa' is not one of this project's environment stacks",
        ),
    ],
)
def test_bad_outputs_get_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: Any, message: str
) -> None:
    env = {} if document is None else outputs_env(tmp_path, document)
    code, err = run_cli(env, capsys)
    assert code == 1
    assert message in err
    assert err.count("\n") == 1


def test_a_missing_outputs_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli({run.OUTPUTS_VARIABLE: str(tmp_path / "nope.json")}, capsys)
    assert (code, err.strip()) == (
        1,
        f"verify: error: DATA_API_OUTPUTS={tmp_path / 'nope.json'}: no such file",
    )


def test_no_credentials_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, err = run_cli(outputs_env(tmp_path, {"data-api-dev": GOOD_OUTPUTS}), capsys)
    assert code == 1
    assert err.startswith("verify: error: no AWS credentials")


def test_no_region_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    outputs = {**GOOD_OUTPUTS, "table_arn": "not-an-arn"}
    code, err = run_cli(outputs_env(tmp_path, {"data-api-dev": outputs}), capsys)
    assert (code, err.strip()) == (1, "verify: error: no AWS region: the outputs name none; set AWS_REGION")


def test_a_bad_setting_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {**outputs_env(tmp_path, {"data-api-dev": GOOD_OUTPUTS}), "DATA_API_LOG_LEVEL": "LOUD"}
    code, err = run_cli(env, capsys)
    assert code == 1
    assert "log_level='LOUD' is not allowed" in err


def test_make_verify_reads_the_file_make_deploy_wrote_for_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(run, "BUILD_DIR", tmp_path)
    # What make deploy ENV=dev writes: the account stack's outputs beside the environment's.
    deployed = {"data-api-account-us-east-1": {"cloudwatch_role_arn": "arn"}, "data-api-dev": GOOD_OUTPUTS}
    (tmp_path / "outputs-dev.json").write_text(json.dumps(deployed))
    assert run.read_outputs({}, "dev") == ("data-api-dev", GOOD_OUTPUTS)
    # DATA_API_OUTPUTS still wins.
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"data-api-prod": {**GOOD_OUTPUTS, "stage_name": "prod"}}))
    assert run.read_outputs({run.OUTPUTS_VARIABLE: str(other)}, "dev")[0] == "data-api-prod"


def test_make_verify_before_make_deploy_says_to_deploy(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(run, "BUILD_DIR", tmp_path)
    assert run.main(["--env", "staging"], {}) == 1
    assert capsys.readouterr().err == (
        "verify: error: .build/outputs-staging.json does not exist: run make deploy ENV=staging first\n"
    )


# --- the edge -----------------------------------------------------------------------------


def test_alias_records_pass_with_route53s_final_dots_and_fail_without_aaaa() -> None:
    target = ("d-abc.execute-api.us-east-1.amazonaws.com", "Z1UJRXOUMOOFQ8")

    def record(kind: str) -> dict[str, Any]:
        return {
            "Name": "API.example.com.",
            "Type": kind,
            "AliasTarget": {"DNSName": f"{target[0]}.", "HostedZoneId": target[1]},
        }

    both = [record("A"), record("AAAA"), {"Name": "api.example.com.", "Type": "TXT"}]
    assert judge_alias_records(both, "api.example.com", *target).ok
    verdict = judge_alias_records([record("A")], "api.example.com", *target)
    assert not verdict.ok
    assert '"AAAA": null' in verdict.detail


@pytest.mark.parametrize("mode", ["count", "block"])
def test_waf_rules_as_waf_answers_them_match_what_synth_writes(mode: str) -> None:
    """The API's spelling (what get_web_acl answers) against the provider's blocks, each mode;
    and a changed action or limit is told apart."""
    from tests.verify.emulated import waf_api_shape

    spec = web_acl_rules("acl", mode, 6000)
    answered = [{"Action": None, "OverrideAction": None, **rule} for rule in waf_api_shape(spec)]
    assert rules_from_api(answered) == rules_from_spec(spec)
    other = rules_from_spec(web_acl_rules("acl", "block" if mode == "count" else "count", 6000))
    assert rules_from_api(answered) != other
    assert rules_from_spec(web_acl_rules("acl", mode, 100)) != rules_from_spec(spec)


class _Gateway:
    def __init__(self, disabled: bool) -> None:
        self.disabled = disabled

    def get_rest_api(self, restApiId: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        return {"id": restApiId, "disableExecuteApiEndpoint": self.disabled}


@pytest.mark.parametrize(
    ("settings", "disabled", "ok"),
    [
        ({}, False, True),
        ({}, True, False),
        (
            {"domain_name": "api.example.com", "hosted_zone_id": "Z1", "keep_default_endpoint": True},
            False,
            True,
        ),
    ],
)
def test_the_default_endpoint_is_expected_on_without_a_domain_or_when_kept(
    settings: dict[str, Any], disabled: bool, ok: bool
) -> None:
    d = Deployment(
        stack="data-api-dev",
        outputs={"api_id": "a1", "stage_name": "dev"},
        settings=Settings(environment="dev", **settings),
        aws=AWS,
        client=lambda service: _Gateway(disabled),
    )
    first = next(iter(domain_checks(d)))
    assert first.name == "domain: default execute-api endpoint disabled"
    assert first.ok is ok
