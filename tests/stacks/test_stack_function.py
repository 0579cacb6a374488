"""The ingest function: code asset, settings, role, exact permissions and log group."""

from __future__ import annotations

import json
import zipfile
from typing import Any

from constructs_lib.contract import FUNCTION_SOURCE_DIR
from constructs_lib.function_package import package_function_code
from tests.conftest import SynthesizedStack, Variant

DNS = "${data.aws_partition.current_partition.dns_suffix}"
LOG_GROUP_ARN = (
    "arn:${data.aws_partition.current_partition.partition}:logs:us-east-1:"
    "${data.aws_caller_identity.current_account.account_id}:log-group:/aws/lambda/data-api-dev-ingest"
)


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def role_statements(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    policy = json.loads(stack.resource("aws_iam_role_policy")["policy"])
    return {s["Sid"]: s for s in policy["Statement"]}


def test_function_runs_the_handler_with_settings_from_config(dev: SynthesizedStack) -> None:
    function = dev.resource("aws_lambda_function")
    assert function["function_name"] == "data-api-dev-ingest"
    assert function["handler"] == "handler.handler"
    assert function["runtime"] == "python3.13"
    assert (function["memory_size"], function["timeout"]) == (256, 10)
    assert function["tracing_config"] == {"mode": "Active"}
    assert function["environment"]["variables"] == {
        "TABLE_NAME": f"${{{dev.ref('aws_dynamodb_table', 'data_table/table')}.name}}",
        "STAGE": "dev",
        "LOG_LEVEL": "INFO",
        "CORS_ALLOWED_ORIGINS": "*",
        "IDEMPOTENCY_TABLE_NAME": f"${{{dev.ref('aws_dynamodb_table', 'idempotency_table/table')}.name}}",
        "IDEMPOTENCY_RETENTION_SECONDS": "86400",
        "API_AUTH": "none",
    }


def test_memory_timeout_and_tracing_settings_reach_the_function(tuned_function: Variant) -> None:
    function = tuned_function.stack.resource("aws_lambda_function")
    assert (function["memory_size"], function["timeout"]) == (512, 20)
    assert function["tracing_config"] == {"mode": "PassThrough"}


def test_the_cors_origins_setting_reaches_the_function(two_origins: Variant) -> None:
    function = two_origins.stack.resource("aws_lambda_function")
    variables = function["environment"]["variables"]
    assert variables["CORS_ALLOWED_ORIGINS"] == "https://app.example.com,https://admin.example.com"
    assert "CORS_ALLOWED_ORIGIN" not in variables


def test_code_asset_is_the_lambda_directory_and_nothing_else(dev: SynthesizedStack) -> None:
    function = dev.resource("aws_lambda_function")
    archive = dev.directory / function["filename"]
    assert function["filename"].startswith("assets/")
    assert function["filename"].endswith("archive.zip")
    assert function["source_code_hash"]
    assert function["source_code_hash"] in function["filename"]
    with zipfile.ZipFile(archive) as zipped:
        names = sorted(n for n in zipped.namelist() if not n.endswith("/"))  # files, not folders
        from constructs_lib.contract import function_source_files

        expected = sorted(p.relative_to(FUNCTION_SOURCE_DIR).as_posix() for p in function_source_files())
        assert names == expected
        assert "handler.py" in names
        assert zipped.read("handler.py") == (FUNCTION_SOURCE_DIR / "handler.py").read_bytes()
    # The zip the project packs (tests/function/test_package.py), copied as it is; its hash names it.
    package = package_function_code()
    assert archive.read_bytes() == package.archive.read_bytes()
    assert function["source_code_hash"] == package.digest[:32]


def test_log_group_exists_first_with_retention_and_the_data_key(dev: SynthesizedStack) -> None:
    group = dev.resource("aws_cloudwatch_log_group", "ingest/log_group")
    assert group["name"] == "/aws/lambda/data-api-dev-ingest"
    assert group["retention_in_days"] == 14
    assert group["kms_key_id"] == f"${{{dev.ref('aws_kms_key')}.arn}}"
    function = dev.resource("aws_lambda_function")
    assert dev.ref("aws_cloudwatch_log_group", "ingest/log_group") in function["depends_on"]
    assert dev.ref("aws_iam_role_policy") in function["depends_on"]
    assert function["logging_config"]["log_group"] == group["name"]


def test_role_is_trusted_by_the_lambda_service_alone(dev: SynthesizedStack) -> None:
    role = dev.resource("aws_iam_role")
    assert dev.resource("aws_lambda_function")["role"] == f"${{{dev.ref('aws_iam_role')}.arn}}"
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    # No aws:SourceAccount: Lambda does not document sending it, and CreateFunction would fail.
    assert "Condition" not in statement
    assert "managed_policy_arns" not in role
    assert not dev.resources("aws_iam_role_policy_attachment")


def test_role_policy_grants_exactly_what_the_function_needs(dev: SynthesizedStack) -> None:
    statements = role_statements(dev)
    assert set(statements) == {
        "PutItems",
        "UseDataKeyViaDynamoDB",
        "WriteOwnLogs",
        "UseLogKeyViaCloudWatchLogs",
        "DescribeLogKeyViaCloudWatchLogs",
        "WriteTraces",
    }
    assert statements["PutItems"]["Action"] == ["dynamodb:PutItem"]
    # The data table, and the idempotency table (a keyed write's transaction puts in both).
    assert statements["PutItems"]["Resource"] == [
        f"${{{dev.ref('aws_dynamodb_table', 'data_table/table')}.arn}}",
        f"${{{dev.ref('aws_dynamodb_table', 'idempotency_table/table')}.arn}}",
    ]
    kms = statements["UseDataKeyViaDynamoDB"]
    assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == f"${{{dev.ref('aws_kms_key')}.arn}}"
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}}
    logs = statements["WriteOwnLogs"]
    assert sorted(logs["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == LOG_GROUP_ARN + ":*"


def test_only_xray_has_a_wildcard_resource_and_only_when_tracing(
    dev: SynthesizedStack, tuned_function: Variant
) -> None:
    # A bare "*" resource; the log-stream pattern ":*" inside its own log group is not one.
    wildcard = [sid for sid, s in role_statements(dev).items() if "*" in as_list(s["Resource"])]
    assert wildcard == ["WriteTraces"]
    assert sorted(role_statements(dev)["WriteTraces"]["Action"]) == [
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ]
    assert "WriteTraces" not in role_statements(tuned_function.stack)


def test_no_action_wildcards_in_the_role_policy(dev: SynthesizedStack) -> None:
    for statement in role_statements(dev).values():
        for action in statement["Action"]:
            assert "*" not in action, action
