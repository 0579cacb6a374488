"""Security rules over every synthesized stack: least privilege, auth modes, accepted findings.

Each rule is checked on the real synthesized JSON, so a change that weakens a policy fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from constructs_lib.accepted_findings import REASONS
from constructs_lib.policies import ROOT_ADMIN_SID
from tests.conftest import REPO_ROOT, SynthesizedStack


@pytest.fixture(scope="module")
def every_stack(
    synthesized: dict[str, SynthesizedStack], auth_modes: dict[str, SynthesizedStack]
) -> list[SynthesizedStack]:
    return [*synthesized.values(), *auth_modes.values()]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_documents(stack: SynthesizedStack) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(resource type, attribute, document) for every policy the stack synthesizes."""
    for kind, blocks in stack.config.get("resource", {}).items():
        for block in blocks.values():
            for attribute in ("policy", "assume_role_policy"):
                if isinstance(block.get(attribute), str):
                    yield kind, attribute, json.loads(block[attribute])


def statements(stack: SynthesizedStack, kinds: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    for kind, _, document in policy_documents(stack):
        if kind in kinds:
            for statement in document["Statement"]:
                yield kind, statement


IDENTITY = ("aws_iam_role_policy", "aws_iam_policy")
KEY = ("aws_kms_key",)


def test_policies_are_found(every_stack: list[SynthesizedStack]) -> None:
    kinds = {kind for stack in every_stack for kind, _, _ in policy_documents(stack)}
    assert kinds == {"aws_iam_role_policy", "aws_iam_role", "aws_kms_key", "aws_s3_bucket_policy"}


def test_no_service_wide_action_anywhere(every_stack: list[SynthesizedStack]) -> None:
    for stack in every_stack:
        for _, statement in statements(stack, IDENTITY + KEY + ("aws_iam_role",)):
            for action in as_list(statement["Action"]):
                assert action != "*", statement
                assert not re.fullmatch(r"[a-z0-9-]+:\*", action), f"service-wide {action} in {statement}"


def test_only_the_root_admin_statement_is_unconditioned_for_account_principals(
    every_stack: list[SynthesizedStack],
) -> None:
    for stack in every_stack:
        for _, statement in statements(stack, KEY):
            if "AWS" in statement["Principal"] and not statement.get("Condition"):
                assert statement["Sid"] == ROOT_ADMIN_SID, statement
                assert statement["Principal"]["AWS"].endswith(":root")


def test_no_wildcard_resource_in_identity_policies_but_xray(every_stack: list[SynthesizedStack]) -> None:
    for stack in every_stack:
        for _, statement in statements(stack, IDENTITY):
            if "*" in as_list(statement["Resource"]):
                # X-Ray has no resource-level permissions (commented in ingest_function.py).
                assert statement["Sid"] == "WriteTraces", statement
                assert all(a.startswith("xray:") for a in statement["Action"]), statement


def test_kms_use_by_account_principals_is_conditioned(every_stack: list[SynthesizedStack]) -> None:
    for stack in every_stack:
        for kind, statement in statements(stack, IDENTITY + KEY):
            if statement.get("Sid") == ROOT_ADMIN_SID:
                continue  # administration only: tests/stacks/test_stack_data.py checks it uses nothing
            kms_actions = [a for a in as_list(statement["Action"]) if a.startswith("kms:")]
            principal = statement.get("Principal", {"AWS": "the role"})
            if not kms_actions or "AWS" not in principal:
                continue
            conditions = json.dumps(statement.get("Condition", {}))
            assert "kms:ViaService" in conditions or "kms:EncryptionContext" in conditions, (kind, statement)


# Service principals AWS documents without a condition: DynamoDB reading the key's metadata,
# and CloudWatch alarms publishing to the encrypted topic (see constructs_lib/policies.py).
UNCONDITIONED_SERVICE_STATEMENTS = {"DynamoDBReadsKeyMetadata", "CloudWatchAlarmsPublishToTopic"}


def test_service_principals_of_the_key_are_conditioned_unless_documented_otherwise(
    every_stack: list[SynthesizedStack],
) -> None:
    for stack in every_stack:
        for _, statement in statements(stack, KEY):
            if (
                "Service" in statement["Principal"]
                and statement["Sid"] not in UNCONDITIONED_SERVICE_STATEMENTS
            ):
                assert statement.get("Condition"), statement


def test_no_anonymous_principal_without_a_condition(every_stack: list[SynthesizedStack]) -> None:
    for stack in every_stack:
        for _, statement in statements(stack, (*KEY, "aws_iam_role")):
            principals = json.dumps(statement.get("Principal"))
            if statement.get("Principal") == "*" or '"*"' in principals:
                assert statement.get("Condition"), statement


def test_trust_policies_admit_one_service_and_no_undocumented_condition(
    every_stack: list[SynthesizedStack],
) -> None:
    for stack in every_stack:
        for _, statement in statements(stack, ("aws_iam_role",)):
            assert set(statement["Principal"]) == {"Service"}
            assert isinstance(statement["Principal"]["Service"], str)
            # Neither Lambda nor API Gateway documents sending aws:SourceAccount when it assumes
            # a role; with the condition, CreateFunction and the account setting would fail.
            assert "Condition" not in statement, statement


# --- auth modes ---------------------------------------------------------------------------


def post_method(stack: SynthesizedStack) -> dict[str, Any]:
    return stack.resource("aws_api_gateway_method", "rest_api/post")


def accepted_checks(resource: dict[str, Any]) -> set[str]:
    return {entry.split(":", 2)[1].split("=")[1] for entry in resource.get("//", {}).get("checkov", [])}


def test_auth_none_is_open_and_says_so(dev: SynthesizedStack) -> None:
    post = post_method(dev)
    assert (post["authorization"], post["api_key_required"]) == ("NONE", False)
    assert "CKV_AWS_59" in accepted_checks(post)
    assert not dev.resources("aws_api_gateway_api_key")
    assert "api_key_value" not in dev.config["output"]


def test_auth_api_key_requires_a_key_held_to_a_usage_plan(auth_modes: dict[str, SynthesizedStack]) -> None:
    stack = auth_modes["api_key"]
    post = post_method(stack)
    assert (post["authorization"], post["api_key_required"]) == ("NONE", True)
    assert "CKV_AWS_59" not in accepted_checks(post)
    key = stack.resource("aws_api_gateway_api_key")
    assert key["enabled"] is True
    plan = stack.resource("aws_api_gateway_usage_plan")
    assert plan["api_stages"] == [
        {
            "api_id": f"${{{stack.ref('aws_api_gateway_rest_api')}.id}}",
            "stage": f"${{{stack.ref('aws_api_gateway_stage')}.stage_name}}",
        }
    ]
    assert plan["throttle_settings"] == {"rate_limit": 100, "burst_limit": 50}
    assert plan["quota_settings"] == {"limit": 5000, "period": "DAY"}
    binding = stack.resource("aws_api_gateway_usage_plan_key")
    assert binding["key_id"] == f"${{{stack.ref('aws_api_gateway_api_key')}.id}}"
    assert binding["usage_plan_id"] == f"${{{stack.ref('aws_api_gateway_usage_plan')}.id}}"
    assert binding["key_type"] == "API_KEY"


def test_api_key_value_is_only_a_sensitive_output(auth_modes: dict[str, SynthesizedStack]) -> None:
    outputs = auth_modes["api_key"].config["output"]
    assert outputs["api_key_value"]["sensitive"] is True
    assert outputs["api_key_id"]["value"].endswith(".id}")
    for name, output in outputs.items():
        if name != "api_key_value":
            assert ".value}" not in output["value"], name


def test_auth_iam_signs_post_and_leaves_the_preflight_open(auth_modes: dict[str, SynthesizedStack]) -> None:
    stack = auth_modes["iam"]
    post = post_method(stack)
    assert (post["authorization"], post["api_key_required"]) == ("AWS_IAM", False)
    assert "CKV_AWS_59" not in accepted_checks(post)
    assert stack.resource("aws_api_gateway_method", "rest_api/options")["authorization"] == "NONE"
    assert not stack.resources("aws_api_gateway_api_key")


# --- accepted findings --------------------------------------------------------------------


def test_every_accepted_finding_has_a_recorded_reason(every_stack: list[SynthesizedStack]) -> None:
    seen = set()
    for stack in every_stack:
        for blocks in stack.config.get("resource", {}).values():
            for block in blocks.values():
                for entry in block.get("//", {}).get("checkov", []):
                    match = re.fullmatch(r"checkov:skip=([A-Z0-9_]+):(.+)", entry)
                    assert match, entry
                    assert match.group(2) == REASONS[match.group(1)]
                    seen.add(match.group(1))
                for entry in block.get("//", {}).get("parliament", []):
                    check, _, reason = entry.partition(":")
                    assert reason == REASONS[f"parliament:{check}"]
                    seen.add(f"parliament:{check}")
    assert seen == set(REASONS), "a reason is recorded for a finding no resource accepts"


def test_the_security_page_lists_every_accepted_finding() -> None:
    readme = (REPO_ROOT / "docs" / "security.md").read_text()
    for check in REASONS:
        assert f"`{check.removeprefix('parliament:')}`" in readme, check


def key_statement(stack: SynthesizedStack, sid: str) -> dict[str, Any]:
    [statement] = [s for _, s in statements(stack, KEY) if s["Sid"] == sid]
    return statement


def test_account_principals_use_the_key_through_cloudwatch_logs_only_for_this_stacks_groups(dev) -> None:
    statement = key_statement(dev, "AccountUsesViaCloudWatchLogs")
    account = "${data.aws_caller_identity.current_account.account_id}"
    partition = "${data.aws_partition.current_partition.partition}"
    assert statement["Principal"] == {"AWS": f"arn:{partition}:iam::{account}:root"}
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    condition = statement["Condition"]["StringEquals"]
    assert condition["kms:ViaService"] == "logs.us-east-1.amazonaws.com"
    assert condition["kms:CallerAccount"] == "${data.aws_caller_identity.current_account.account_id}"
    service = key_statement(dev, "CloudWatchLogsEncryptsStackLogGroups")
    # The same three log groups the service may encrypt, and no other.
    assert (
        condition["kms:EncryptionContext:aws:logs:arn"]
        == service["Condition"]["StringEquals"]["kms:EncryptionContext:aws:logs:arn"]
    )
    assert len(condition["kms:EncryptionContext:aws:logs:arn"]) == 3
    describe = key_statement(dev, "AccountDescribesKeyViaCloudWatchLogs")
    assert describe["Action"] == ["kms:DescribeKey"]
    assert describe["Condition"]["StringEquals"]["kms:ViaService"] == "logs.us-east-1.amazonaws.com"


def test_the_function_role_uses_the_key_through_logs_for_its_own_group_only(dev) -> None:
    [statement] = [s for _, s in statements(dev, IDENTITY) if s["Sid"] == "UseLogKeyViaCloudWatchLogs"]
    assert statement["Resource"] == f"${{{dev.ref('aws_kms_key')}.arn}}"
    assert statement["Condition"]["StringEquals"]["kms:ViaService"] == "logs.us-east-1.amazonaws.com"
    [group] = statement["Condition"]["StringEquals"]["kms:EncryptionContext:aws:logs:arn"]
    assert group.endswith(":log-group:/aws/lambda/data-api-dev-ingest")


def test_api_gateways_logging_role_uses_keys_through_logs_for_api_gateway_groups_only(account) -> None:
    document = json.loads(account.resource("aws_iam_role_policy")["policy"])
    use = next(s for s in document["Statement"] if s["Sid"] == "UseLogKeyViaCloudWatchLogs")
    assert use["Resource"].endswith(
        ":kms:us-east-1:${data.aws_caller_identity.current_account.account_id}:key/*"
    )
    assert use["Condition"]["StringEquals"] == {"kms:ViaService": "logs.us-east-1.amazonaws.com"}
    groups = use["Condition"]["StringLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert [g.split(":log-group:")[1] for g in groups] == [
        "/aws/apigateway/data-api-*",
        "API-Gateway-Execution-Logs_*",
    ]
