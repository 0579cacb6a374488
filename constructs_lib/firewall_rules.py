"""The web ACL's rules (setting `waf`): three AWS managed rule groups and a rate-based rule, in
one place. Pure (no CDKTF import): the firewall construct synthesizes them, the capacity report
prices them, the tests read them, and the dashboard and alarm name their metrics.

The Common rule set's SizeRestrictions_BODY blocks any body over 8 KB, while this API stores
items up to DynamoDB's 400 KB: that one rule is overridden to count, in both modes. Bodies are
still bounded: API Gateway refuses payloads over 10 MB, Lambda over 6 MB, and the function answers
413 for an item over 400 KB (docs/http-contract.md). The rest of the Common rule set keeps
inspecting the body (cross-site scripting, local file inclusion and more), so a JSON payload that
carries, say, a `<script>` string is blocked in `block` mode: the README says so.
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BODY_SIZE_RULE = "SizeRestrictions_BODY"
# WAF sends logs only to a CloudWatch Logs group whose name starts with this.
# https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
LOG_GROUP_PREFIX = "aws-waf-logs-"
# The credentials a request may carry: never written to the firewall's log (WAF logs header names
# in lower case).
REDACTED_HEADERS: tuple[str, ...] = ("authorization", "x-api-key")
RATE_RULE = "rate-per-source-ip"
RATE_WINDOW_SECONDS = 300
"""A rate-based rule's default evaluation window: requests per source IP in the last 5 minutes.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html"""


@dataclass(frozen=True)
class ManagedRuleGroup:
    """An AWS managed rule group, with the WCUs AWS lists for it and the rules counted instead."""

    name: str
    priority: int
    capacity_units: int
    counted_rules: tuple[str, ...] = ()


# Capacity units from each group's page (the baseline and IP reputation groups):
# https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
# https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html
MANAGED_RULE_GROUPS: tuple[ManagedRuleGroup, ...] = (
    ManagedRuleGroup("AWSManagedRulesAmazonIpReputationList", 10, 25),
    ManagedRuleGroup("AWSManagedRulesKnownBadInputsRuleSet", 20, 200),
    ManagedRuleGroup("AWSManagedRulesCommonRuleSet", 30, 700, counted_rules=(BODY_SIZE_RULE,)),
)
RATE_RULE_PRIORITY = 40
RATE_RULE_CAPACITY_UNITS = 2
FREE_CAPACITY_UNITS = 1500
"""WCUs a web ACL may use at its base price (more costs extra): https://aws.amazon.com/waf/pricing/"""


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def metric_name(acl_name: str, rule: str) -> str:
    """The CloudWatch metric name of a rule (WAF's `Rule` dimension)."""
    return f"{acl_name}-{rule}"


def web_acl_rules(acl_name: str, mode: str, rate_limit: int) -> list[dict[str, Any]]:
    """The rules of the web ACL in ``mode`` (`count` or `block`), as the provider's `rule` blocks."""
    if mode not in ("count", "block"):
        raise ValueError(f"no rules for waf mode {mode!r}")
    counting = mode == "count"
    rules = [
        {
            "name": group.name,
            "priority": group.priority,
            # `none` keeps each rule's own action (block); `count` turns every one to count.
            "override_action": {"count": {}} if counting else {"none": {}},
            "statement": {
                "managed_rule_group_statement": {
                    "name": group.name,
                    "vendor_name": "AWS",
                    **(
                        {
                            "rule_action_override": [
                                {"name": rule, "action_to_use": {"count": {}}} for rule in group.counted_rules
                            ]
                        }
                        if group.counted_rules
                        else {}
                    ),
                }
            },
            "visibility_config": _visibility(metric_name(acl_name, group.name)),
        }
        for group in MANAGED_RULE_GROUPS
    ]
    rules.append(
        {
            "name": RATE_RULE,
            "priority": RATE_RULE_PRIORITY,
            "action": {"count": {}} if counting else {"block": {}},
            "statement": {
                "rate_based_statement": {
                    "limit": rate_limit,
                    "aggregate_key_type": "IP",
                    "evaluation_window_sec": RATE_WINDOW_SECONDS,
                }
            },
            "visibility_config": _visibility(metric_name(acl_name, RATE_RULE)),
        }
    )
    return rules


def rule_count() -> int:
    """How many rules the web ACL has (each billed monthly): the managed groups and the rate rule."""
    return len(MANAGED_RULE_GROUPS) + 1


def capacity_units() -> int:
    """The web ACL's WCUs: within FREE_CAPACITY_UNITS, so requests cost the base price."""
    return sum(group.capacity_units for group in MANAGED_RULE_GROUPS) + RATE_RULE_CAPACITY_UNITS
