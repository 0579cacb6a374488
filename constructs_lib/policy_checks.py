"""Policy checks run as CDKTF Aspects: a violation is an error annotation, and synth fails."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jsii
from constructs import IConstruct

from constructs_lib.framework import (
    Annotations,
    CloudwatchLogGroup,
    IAspect,
    TerraformProvider,
    TerraformResource,
)


def _resource_config(resource: TerraformResource) -> Mapping[str, Any]:
    """The resource's block as it will be synthesized (overrides included): the one block under
    its one type (read from the answer rather than asked of jsii: one round trip less)."""
    by_type = resource.to_terraform().get("resource", {})
    blocks: Mapping[str, Any] = next(iter(by_type.values()), {})
    return next(iter(blocks.values()), {})


def provider_default_tags(provider: TerraformProvider) -> dict[str, Any]:
    """The default_tags the provider block will carry."""
    merged: dict[str, Any] = {}
    for config in provider.to_terraform().get("provider", {}).values():
        for block in config if isinstance(config, list) else [config]:
            for default_tags in block.get("default_tags", []) or []:
                merged.update(default_tags.get("tags", {}) or {})
    return merged


def is_taggable(resource: TerraformResource) -> bool:
    """AWS resources that accept tags expose the computed ``tags_all``."""
    return hasattr(type(resource), "tags_all")


class _Resource:
    """One construct a check looks at, with its synthesized block read once for every check."""

    def __init__(self, node: IConstruct) -> None:
        self.node = node
        self._config: Mapping[str, Any] | None = None

    @property
    def config(self) -> Mapping[str, Any]:
        if self._config is None:
            self._config = _resource_config(self.node)  # type: ignore[arg-type]
        return self._config


class RequiredTagsCheck:
    """Every taggable resource must end up with the required tags (its own or the provider's)."""

    def __init__(self, provider: TerraformProvider, required_keys: Iterable[str]) -> None:
        self._provider = provider
        self._required = tuple(required_keys)
        self._default_tags: dict[str, Any] | None = None

    def check(self, resource: _Resource) -> str | None:
        node = resource.node
        if not isinstance(node, TerraformResource) or not is_taggable(node):
            return None
        if self._default_tags is None:
            self._default_tags = provider_default_tags(self._provider)
        tags = {**self._default_tags, **(resource.config.get("tags") or {})}
        missing = [key for key in self._required if not tags.get(key)]
        if missing:
            return f"{node.terraform_resource_type} lacks the required tags: {', '.join(missing)}"
        return None


UNENCRYPTED_LOG_GROUP = "CKV_AWS_158"


class LogGroupCheck:
    """Every log group must expire its events and be encrypted with our key, unless the group
    carries an accepted finding for the key (CKV_AWS_158), with its reason."""

    def check(self, resource: _Resource) -> str | None:
        if not isinstance(resource.node, CloudwatchLogGroup):
            return None
        config = resource.config
        key_accepted = any(
            entry.startswith(f"checkov:skip={UNENCRYPTED_LOG_GROUP}:")
            for entry in (config.get("//") or {}).get("checkov", [])
        )
        required = [("retention", "retention_in_days")] + (
            [] if key_accepted else [("encryption", "kms_key_id")]
        )
        problems = [what for what, attribute in required if not config.get(attribute)]
        return "log group has no " + " and no ".join(problems) if problems else None


Check = RequiredTagsCheck | LogGroupCheck


@jsii.implements(IAspect)
class PolicyChecks:
    """The checks as one aspect: jsii calls back into Python once per construct and serializes
    a resource once, however many checks read it (two aspects cost a second pass of callbacks,
    about a sixth of a synth's CPU here)."""

    def __init__(self, *checks: Check) -> None:
        self._checks = checks

    def visit(self, node: IConstruct) -> None:
        resource = _Resource(node)
        for check in self._checks:
            error = check.check(resource)
            if error:
                Annotations.of(node).add_error(error)
