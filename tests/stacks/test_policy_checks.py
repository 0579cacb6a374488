"""The policy aspects fail synth for an untagged resource or an unsafe log group."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from constructs_lib.settings import REQUIRED_TAG_KEYS


def aws() -> Any:
    """The provider's classes, imported when a test runs: collecting this module (in every test
    worker) must not load the provider."""
    from constructs_lib.accepted_findings import accept_findings
    from constructs_lib.framework import CloudwatchLogGroup, SnsTopic

    return SimpleNamespace(
        CloudwatchLogGroup=CloudwatchLogGroup, SnsTopic=SnsTopic, accept_findings=accept_findings
    )


ALL_TAGS = {"project": "data-api", "environment": "dev", "managed-by": "cdktf"}


def synth_checked(tmp_path: Path, default_tags: dict[str, str], build: object) -> None:
    from constructs_lib.framework import App, Aspects, AwsProvider, AwsProviderDefaultTags, TerraformStack
    from constructs_lib.policy_checks import LogGroupCheck, RequiredTagsCheck

    app = App(outdir=str(tmp_path / "out"))
    stack = TerraformStack(app, "checked")
    provider = AwsProvider(
        stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=default_tags)]
    )
    build(stack)  # type: ignore[operator]
    Aspects.of(stack).add(RequiredTagsCheck(provider, REQUIRED_TAG_KEYS))
    Aspects.of(stack).add(LogGroupCheck())
    app.synth()


def safe_log_group(stack: Any) -> None:
    aws().CloudwatchLogGroup(stack, "logs", name="logs", retention_in_days=14, kms_key_id="arn:aws:kms:k")


def test_compliant_stack_synthesizes(tmp_path: Path) -> None:
    synth_checked(tmp_path, ALL_TAGS, safe_log_group)
    assert (tmp_path / "out" / "stacks" / "checked" / "cdk.tf.json").is_file()


def test_missing_tag_fails_synth_naming_the_tag(tmp_path: Path) -> None:
    partial = {"project": "data-api", "environment": "dev"}
    with pytest.raises(RuntimeError, match=r"aws_sns_topic lacks the required tags: managed-by"):
        synth_checked(tmp_path, partial, lambda s: aws().SnsTopic(s, "topic", name="topic"))


def test_resource_tags_complete_the_provider_defaults(tmp_path: Path) -> None:
    partial = {"project": "data-api", "environment": "dev"}
    synth_checked(
        tmp_path, partial, lambda s: aws().SnsTopic(s, "topic", name="t", tags={"managed-by": "cdktf"})
    )


def test_log_group_without_retention_fails_synth(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"log group has no retention"):
        synth_checked(
            tmp_path, ALL_TAGS, lambda s: aws().CloudwatchLogGroup(s, "logs", name="l", kms_key_id="k")
        )


def test_log_group_without_encryption_fails_synth(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"log group has no encryption"):
        synth_checked(
            tmp_path, ALL_TAGS, lambda s: aws().CloudwatchLogGroup(s, "logs", name="l", retention_in_days=14)
        )


def accepted_unencrypted_group(stack: Any, retention: int | None = 14) -> None:
    group = aws().CloudwatchLogGroup(stack, "logs", name="l", retention_in_days=retention)
    aws().accept_findings(group, "CKV_AWS_158")


def test_log_group_with_an_accepted_key_finding_may_use_default_encryption(tmp_path: Path) -> None:
    synth_checked(tmp_path, ALL_TAGS, accepted_unencrypted_group)
    assert (tmp_path / "out" / "stacks" / "checked" / "cdk.tf.json").is_file()


def test_an_accepted_key_finding_does_not_excuse_missing_retention(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"log group has no retention"):
        synth_checked(tmp_path, ALL_TAGS, lambda s: accepted_unencrypted_group(s, retention=None))
