"""The state stack: one S3 bucket per account and region for every stack's state."""

from __future__ import annotations

import json

import pytest

from constructs_lib.settings import Settings
from tests.conftest import SynthesizedStack


@pytest.fixture(scope="module")
def state(synthesized: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return synthesized["data-api-state-us-east-1"]


def test_the_state_stack_keeps_its_own_state_locally(state, s3_state) -> None:
    # A bucket cannot hold the state that creates it: local even where every other stack uses S3.
    assert state.config["terraform"]["backend"] == {
        "local": {"path": "../../../terraform.data-api-state-us-east-1.tfstate"}
    }
    assert "s3" in s3_state.stack.config["terraform"]["backend"]


def test_the_bucket_is_named_for_account_and_region_and_cannot_be_destroyed(state) -> None:
    bucket = state.resource("aws_s3_bucket")
    assert (
        bucket["bucket"]
        == "data-api-tfstate-${data.aws_caller_identity.current_account.account_id}-us-east-1"
    )
    assert bucket["lifecycle"] == {"prevent_destroy": True}
    assert "force_destroy" not in bucket
    assert state.config["output"]["state_bucket_name"]["value"] == f"${{{state.ref('aws_s3_bucket')}.bucket}}"


def test_versioning_encryption_and_every_public_access_block_are_on(state) -> None:
    bucket = f"${{{state.ref('aws_s3_bucket')}.id}}"
    versioning = state.resource("aws_s3_bucket_versioning")
    assert versioning["bucket"] == bucket
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    encryption = state.resource("aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["rule"] == [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]
    block = state.resource("aws_s3_bucket_public_access_block")
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert state.resource("aws_s3_bucket_ownership_controls")["rule"] == {
        "object_ownership": "BucketOwnerEnforced"
    }


def test_the_bucket_policy_denies_every_request_without_tls(state) -> None:
    policy = json.loads(state.resource("aws_s3_bucket_policy")["policy"])
    [statement] = policy["Statement"]
    arn = f"${{{state.ref('aws_s3_bucket')}.arn}}"
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert statement["Resource"] == [arn, f"{arn}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_replaced_state_versions_expire_after_the_setting(state) -> None:
    [rule] = state.resource("aws_s3_bucket_lifecycle_configuration")["rule"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == [{"prefix": ""}]
    assert rule["noncurrent_version_expiration"] == [
        {"noncurrent_days": Settings(environment="dev").state_noncurrent_version_days}
    ]


def test_one_state_stack_per_state_region(s3_state) -> None:
    # The variant keeps its state in eu-central-1 while its resources live in us-east-1.
    assert "data-api-state-eu-central-1" in s3_state.stacks
    state = s3_state.stacks["data-api-state-eu-central-1"]
    assert state.config["provider"]["aws"][0]["region"] == "eu-central-1"
    [rule] = state.resource("aws_s3_bucket_lifecycle_configuration")["rule"]
    assert rule["noncurrent_version_expiration"] == [
        {"noncurrent_days": s3_state.settings.state_noncurrent_version_days}
    ]
    assert (
        s3_state.settings.state_noncurrent_version_days
        != Settings(environment="dev").state_noncurrent_version_days
    )


def test_the_alert_email_setting_is_the_variables_default(dev, operations) -> None:
    # No default without the setting: a deploy must then name an email (TF_VAR_alert_email).
    assert "default" not in dev.config["variable"]["alert_email"]
    assert operations.stack.config["variable"]["alert_email"]["default"] == operations.settings.alert_email


def test_adopting_the_welcome_log_group_emits_an_import_block_only_when_asked(
    account, adopted_welcome
) -> None:
    assert "import" not in account.config
    adopted = adopted_welcome.stacks["data-api-account-us-east-1"]
    assert adopted.config["import"] == [
        {"id": "/aws/apigateway/welcome", "to": adopted.ref("aws_cloudwatch_log_group", "welcome_log_group")}
    ]
