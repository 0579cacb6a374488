"""AWS WAF in front of the stage (setting `waf`): a regional web ACL with the rules of
firewall_rules.py, associated with the stage, logging to its own encrypted log group with the
credentials redacted."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.accepted_findings import accept_findings
from constructs_lib.firewall_rules import LOG_GROUP_PREFIX, REDACTED_HEADERS, web_acl_rules
from constructs_lib.framework import (
    CloudwatchLogGroup,
    Wafv2WebAcl,
    Wafv2WebAclAssociation,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader,
    Wafv2WebAclRule,
    Wafv2WebAclVisibilityConfig,
)


@dataclass(frozen=True)
class FirewallProps:
    """Settings of the firewall."""

    acl_name: str
    mode: str
    """`count` or `block` (the setting `waf`; `off` builds no firewall)."""
    rate_limit: int
    stage_arn: str
    log_group_name: str
    log_retention_days: int
    kms_key_arn: str


class Firewall(Construct):
    """The web ACL, its association with the stage, and its log."""

    def __init__(self, scope: Construct, id_: str, props: FirewallProps) -> None:
        super().__init__(scope, id_)
        if not props.log_group_name.startswith(LOG_GROUP_PREFIX):
            raise ValueError(
                f"a WAF log group's name must start with {LOG_GROUP_PREFIX}: {props.log_group_name}"
            )
        self.acl_name = props.acl_name
        self.web_acl = Wafv2WebAcl(
            self,
            "web_acl",
            name=props.acl_name,
            description=f"In front of {props.acl_name.removesuffix('-waf')}: managed rules and a rate limit",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            # The statements are plain blocks: the provider's bindings stop above their nesting.
            rule=[
                Wafv2WebAclRule(**rule)
                for rule in web_acl_rules(props.acl_name, props.mode, props.rate_limit)
            ],
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True,
                metric_name=props.acl_name,
                sampled_requests_enabled=True,
            ),
        )
        if props.mode == "count":
            accept_findings(self.web_acl, "CKV_AWS_192")
        self.association = Wafv2WebAclAssociation(
            self, "association", resource_arn=props.stage_arn, web_acl_arn=self.web_acl.arn
        )
        self.log_group_name = props.log_group_name
        self.log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=props.log_group_name,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        accept_findings(self.log_group, "CKV_AWS_338")
        self.logging = Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header=Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(name=header)
                )
                for header in REDACTED_HEADERS
            ],
        )
