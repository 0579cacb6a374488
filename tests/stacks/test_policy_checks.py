"""The policy aspects fail synth for an untagged resource or an unsafe log group."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from constructs_lib.settings import REQUIRED_TAG_KEYS
from tests.conftest import synth_worker


def aws() -> Any:
    """The provider's classes, imported where the builders run: the synth worker."""
    from constructs_lib.accepted_findings import accept_findings
    from constructs_lib.framework import CloudwatchLogGroup, SnsTopic

    return SimpleNamespace(
        CloudwatchLogGroup=CloudwatchLogGroup, SnsTopic=SnsTopic, accept_findings=accept_findings
    )


ALL_TAGS = {"project": "data-api", "environment": "dev", "managed-by": "cdktf"}
PARTIAL_TAGS = {"project": "data-api", "environment": "dev"}


def safe_log_group(stack: Any) -> None:
    aws().CloudwatchLogGroup(stack, "logs", name="logs", retention_in_days=14, kms_key_id="arn:aws:kms:k")


def untagged_topic(stack: Any) -> None:
    aws().SnsTopic(stack, "topic", name="topic")


def topic_tagged_with_the_rest(stack: Any) -> None:
    aws().SnsTopic(stack, "topic", name="t", tags={"managed-by": "cdktf"})


def log_group_without_retention(stack: Any) -> None:
    aws().CloudwatchLogGroup(stack, "logs", name="l", kms_key_id="k")


def log_group_without_key(stack: Any) -> None:
    aws().CloudwatchLogGroup(stack, "logs", name="l", retention_in_days=14)


def accepted_unencrypted_group(stack: Any, retention: int | None = 14) -> None:
    group = aws().CloudwatchLogGroup(stack, "logs", name="l", retention_in_days=retention)
    aws().accept_findings(group, "CKV_AWS_158")


def accepted_unencrypted_group_without_retention(stack: Any) -> None:
    accepted_unencrypted_group(stack, retention=None)


def synth_checked_here(outdir: str, default_tags: dict[str, str], builder: str) -> None:
    """In the synth worker: a stack with the policy aspects around what ``builder`` adds."""
    from constructs_lib.framework import App, Aspects, AwsProvider, AwsProviderDefaultTags, TerraformStack
    from constructs_lib.policy_checks import LogGroupCheck, PolicyChecks, RequiredTagsCheck

    app = App(outdir=str(Path(outdir) / "out"))
    stack = TerraformStack(app, "checked")
    provider = AwsProvider(
        stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=default_tags)]
    )
    globals()[builder](stack)
    Aspects.of(stack).add(PolicyChecks(RequiredTagsCheck(provider, REQUIRED_TAG_KEYS), LogGroupCheck()))
    app.synth()


def synth_checked(tmp_path: Path, default_tags: dict[str, str], builder: str) -> None:
    """Synth in the worker; a failed check raises here as it did there (RuntimeError)."""
    synth_worker().call(f"{__name__}:synth_checked_here", str(tmp_path), default_tags, builder)


def test_compliant_stack_synthesizes(tmp_path: Path) -> None:
    synth_checked(tmp_path, ALL_TAGS, "safe_log_group")
    assert (tmp_path / "out" / "stacks" / "checked" / "cdk.tf.json").is_file()


def test_missing_tag_fails_synth_naming_the_tag(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"aws_sns_topic lacks the required tags: managed-by"):
        synth_checked(tmp_path, PARTIAL_TAGS, "untagged_topic")


def test_resource_tags_complete_the_provider_defaults(tmp_path: Path) -> None:
    synth_checked(tmp_path, PARTIAL_TAGS, "topic_tagged_with_the_rest")
    assert (tmp_path / "out" / "stacks" / "checked" / "cdk.tf.json").is_file()


def test_log_group_without_retention_fails_synth(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"log group has no retention"):
        synth_checked(tmp_path, ALL_TAGS, "log_group_without_retention")


def test_log_group_without_encryption_fails_synth(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"log group has no encryption"):
        synth_checked(tmp_path, ALL_TAGS, "log_group_without_key")


def test_log_group_with_an_accepted_key_finding_may_use_default_encryption(tmp_path: Path) -> None:
    synth_checked(tmp_path, ALL_TAGS, "accepted_unencrypted_group")
    assert (tmp_path / "out" / "stacks" / "checked" / "cdk.tf.json").is_file()


def test_an_accepted_key_finding_does_not_excuse_missing_retention(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"log group has no retention"):
        synth_checked(tmp_path, ALL_TAGS, "accepted_unencrypted_group_without_retention")
