"""Generated names against AWS's length limits: refused at synth, before AWS would refuse them."""

from __future__ import annotations

import re

import pytest

from constructs_lib import naming
from constructs_lib.settings import Settings, SettingsError
from tests.conftest import SynthesizedStack

NAMED = {
    "aws_iam_role": "name",
    "aws_lambda_function": "function_name",
    "aws_dynamodb_table": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_cloudwatch_metric_alarm": "alarm_name",
    "aws_cloudwatch_dashboard": "dashboard_name",
    "aws_sns_topic": "name",
    "aws_kms_alias": "name",
    "aws_s3_bucket": "bucket",
}
ACCOUNT = "${data.aws_caller_identity.current_account.account_id}"


def synthesized_names(stacks: dict[str, SynthesizedStack]) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {kind: set() for kind in NAMED}
    for stack in stacks.values():
        for kind, attribute in NAMED.items():
            for block in stack.resources(kind).values():
                names[kind].add(block[attribute].replace(ACCOUNT, "0" * naming.ACCOUNT_ID_LENGTH))
    return names


def test_every_fixed_name_synth_writes_is_one_naming_checks(synthesized) -> None:
    checked = {
        name
        for e in ("dev", "staging", "prod")
        for name, _ in naming.generated_names("data-api", e, "us-east-1")
    }
    names = synthesized_names(synthesized)
    for kind, found in names.items():
        # Not ours to name: the execution log group holds the API's id, the welcome group is AWS's.
        fixed = {n for n in found if "${" not in n} - {"/aws/apigateway/welcome"}
        if kind == "aws_cloudwatch_metric_alarm":
            # One alarm name stands for all: the longest of them.
            assert max(map(len, fixed)) == max(len(n) for n in checked if n.endswith("-write-throttles"))
            continue
        assert fixed <= checked, (kind, fixed - checked)


def test_the_longest_prefix_in_the_longest_region_is_refused_naming_the_role() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings(environment="staging", name_prefix="a" * 30, region="ap-southeast-1")
    message = str(refused.value)
    assert message.startswith(
        "setting name_prefix='" + "a" * 30 + "' with region='ap-southeast-1' makes names AWS refuses"
    )
    assert (
        f"IAM role name '{'a' * 30}-apigateway-cloudwatch-ap-southeast-1' is 67 characters, over AWS's 64"
        in message
    )
    assert refused.value.setting == "name_prefix"
    assert refused.value.related == ("region",)


def test_a_prefix_that_fits_every_limit_is_accepted() -> None:
    settings = Settings(environment="staging", name_prefix="a" * 20, region="ap-southeast-1")
    for name, limit in naming.generated_names(settings.name_prefix, "staging", "ap-southeast-1"):
        assert len(name) <= limit.max_length


def test_each_limit_cites_the_page_it_comes_from() -> None:
    limits = {limit for _, limit in naming.generated_names("p", "dev", "us-east-1")}
    for limit in limits:
        assert re.fullmatch(r"https://docs\.aws\.amazon\.com/\S+", limit.source), limit
