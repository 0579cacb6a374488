"""The edge: a custom domain (domain_name, hosted_zone_id, keep_default_endpoint) and the firewall
(waf, waf_rate_limit), on the synthesized JSON. The auth app's staging has both (the firewall
blocking), its dev the firewall counting; the default stacks have neither.

What the JSON cannot show: that ACM issues the certificate once the record is in a zone that
really serves the name, or what the managed rule groups block; `make verify` checks a deployment.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from constructs_lib.firewall_rules import (
    BODY_SIZE_RULE,
    MANAGED_RULE_GROUPS,
    RATE_RULE,
    RATE_WINDOW_SECONDS,
    web_acl_rules,
)
from constructs_lib.settings import Settings, SettingsError
from tests.conftest import EDGE_SETTINGS, SynthesizedStack, Variant

DOMAIN = EDGE_SETTINGS["domain_name"]
ZONE = EDGE_SETTINGS["hosted_zone_id"]


def ref(stack: SynthesizedStack, kind: str, path: str | None = None, attribute: str = "id") -> str:
    return f"${{{stack.ref(kind, path)}.{attribute}}}"


@pytest.fixture(scope="module")
def edge(auth_modes: dict[str, SynthesizedStack]) -> SynthesizedStack:
    """staging: a custom domain and the firewall blocking."""
    return auth_modes["iam"]


@pytest.fixture(scope="module")
def counting(auth_modes: dict[str, SynthesizedStack]) -> SynthesizedStack:
    """dev: the firewall counting, no custom domain."""
    return auth_modes["api_key"]


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"domain_name": DOMAIN}, "setting domain_name='api.example.com' needs hosted_zone_id too"),
        ({"hosted_zone_id": ZONE}, f"setting hosted_zone_id='{ZONE}' needs domain_name too"),
        (
            {"domain_name": "https://api.example.com", "hosted_zone_id": ZONE},
            "is not allowed; allowed: a lower-case DNS",
        ),
        (
            {"domain_name": DOMAIN, "hosted_zone_id": "zone-1"},
            "is not allowed; allowed: a Route 53 hosted zone id",
        ),
        ({"waf": "on"}, "setting waf='on' is not allowed; allowed: off, count, block"),
        ({"waf_rate_limit": 9}, "setting waf_rate_limit=9 is not allowed"),
    ],
)
def test_bad_edge_settings_are_refused_in_one_line(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(environment="staging", **settings)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_default_stacks_have_neither(dev: SynthesizedStack) -> None:
    kinds = set(dev.config["resource"])
    assert not {k for k in kinds if k.startswith(("aws_wafv2", "aws_acm", "aws_route53"))}
    assert "aws_api_gateway_domain_name" not in kinds
    assert "disable_execute_api_endpoint" not in dev.resource("aws_api_gateway_rest_api")
    assert "CKV2_AWS_29" in json.dumps(dev.resource("aws_api_gateway_stage")["//"])  # accepted: waf = off


# --- the custom domain ---------------------------------------------------------------------------


def test_the_certificate_is_validated_through_a_record_in_the_zone(edge: SynthesizedStack) -> None:
    certificate = edge.resource("aws_acm_certificate")
    assert certificate["domain_name"] == DOMAIN
    assert certificate["validation_method"] == "DNS"
    assert certificate["lifecycle"] == {"create_before_destroy": True}
    record = edge.resource("aws_route53_record", "domain/validation_record")
    options = f"tolist({edge.ref('aws_acm_certificate')}.domain_validation_options).0"
    assert record["zone_id"] == ZONE
    assert record["name"] == f"${{{options}.resource_record_name}}"
    assert record["type"] == f"${{{options}.resource_record_type}}"
    assert record["records"] == [f"${{{options}.resource_record_value}}"]
    validation = edge.resource("aws_acm_certificate_validation")
    assert validation["certificate_arn"] == ref(edge, "aws_acm_certificate", attribute="arn")
    assert validation["validation_record_fqdns"] == [
        ref(edge, "aws_route53_record", "domain/validation_record", "fqdn")
    ]


def test_the_domain_is_regional_strict_tls_and_waits_for_the_certificate(edge: SynthesizedStack) -> None:
    domain = edge.resource("aws_api_gateway_domain_name")
    assert domain["domain_name"] == DOMAIN
    assert domain["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert domain["security_policy"] == "TLS_1_2"
    # The validated ARN: the domain is created only once the certificate is issued.
    assert domain["regional_certificate_arn"] == ref(
        edge, "aws_acm_certificate_validation", attribute="certificate_arn"
    )
    mapping = edge.resource("aws_api_gateway_base_path_mapping")
    assert mapping["api_id"] == ref(edge, "aws_api_gateway_rest_api")
    assert mapping["stage_name"] == ref(edge, "aws_api_gateway_stage", attribute="stage_name")
    assert mapping["domain_name"] == ref(edge, "aws_api_gateway_domain_name", attribute="domain_name")
    assert "base_path" not in mapping  # the stage at the root: https://<domain>/data


def test_a_and_aaaa_alias_records_point_the_name_at_the_domain(edge: SynthesizedStack) -> None:
    for record_type in ("A", "AAAA"):
        record = edge.resource("aws_route53_record", f"domain/alias_{record_type.lower()}")
        assert (record["zone_id"], record["name"], record["type"]) == (ZONE, DOMAIN, record_type)
        assert record["alias"] == {
            "name": ref(edge, "aws_api_gateway_domain_name", attribute="regional_domain_name"),
            "zone_id": ref(edge, "aws_api_gateway_domain_name", attribute="regional_zone_id"),
            "evaluate_target_health": False,
        }


def test_the_default_endpoint_is_off_unless_kept_and_api_url_is_the_domain(
    edge: SynthesizedStack, kept_endpoint: Variant
) -> None:
    assert edge.resource("aws_api_gateway_rest_api")["disable_execute_api_endpoint"] is True
    assert "disable_execute_api_endpoint" not in kept_endpoint.stack.resource("aws_api_gateway_rest_api")
    for stack in (edge, kept_endpoint.stack):
        outputs = stack.config["output"]
        assert outputs["api_url"]["value"] == f"https://{DOMAIN}/data"
        assert outputs["stage_invoke_url"]["value"] == (
            f"{ref(stack, 'aws_api_gateway_stage', attribute='invoke_url')}/data"
        )


# --- the firewall --------------------------------------------------------------------------------


def rules_of(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    return {rule["name"]: rule for rule in stack.resource("aws_wafv2_web_acl")["rule"]}


def test_the_web_acl_is_regional_allows_by_default_and_guards_the_stage(edge: SynthesizedStack) -> None:
    acl = edge.resource("aws_wafv2_web_acl")
    assert acl["name"] == "data-api-staging-waf"
    assert acl["scope"] == "REGIONAL"
    assert acl["default_action"] == {"allow": {}}
    assert acl["visibility_config"]["cloudwatch_metrics_enabled"] is True
    association = edge.resource("aws_wafv2_web_acl_association")
    assert association["resource_arn"] == ref(edge, "aws_api_gateway_stage", attribute="arn")
    assert association["web_acl_arn"] == ref(edge, "aws_wafv2_web_acl", attribute="arn")
    assert edge.config["output"]["web_acl_arn"]["value"] == ref(edge, "aws_wafv2_web_acl", attribute="arn")
    # The finding "no WAF" is no longer accepted: the scan sees the association.
    assert "CKV2_AWS_29" not in json.dumps(edge.resource("aws_api_gateway_stage")["//"])


def test_block_mode_blocks_with_every_rule_but_the_body_size_rule(edge: SynthesizedStack) -> None:
    rules = rules_of(edge)
    assert set(rules) == {group.name for group in MANAGED_RULE_GROUPS} | {RATE_RULE}
    for group in MANAGED_RULE_GROUPS:
        rule = rules[group.name]
        assert rule["override_action"] == {"none": {}}  # each rule's own action: block
        statement = rule["statement"]["managed_rule_group_statement"]
        assert (statement["name"], statement["vendor_name"]) == (group.name, "AWS")
    common = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managed_rule_group_statement"]
    # Bodies over 8 KB are this API's normal traffic (items up to 400 KB): that one rule counts.
    assert common["rule_action_override"] == [{"name": BODY_SIZE_RULE, "action_to_use": {"count": {}}}]
    rate = rules[RATE_RULE]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rate_based_statement"] == {
        "limit": 6000,
        "aggregate_key_type": "IP",
        "evaluation_window_sec": RATE_WINDOW_SECONDS,
    }


def test_count_mode_counts_with_every_rule(counting: SynthesizedStack) -> None:
    rules = rules_of(counting)
    for group in MANAGED_RULE_GROUPS:
        assert rules[group.name]["override_action"] == {"count": {}}
    assert rules[RATE_RULE]["action"] == {"count": {}}


def test_the_firewall_logs_to_its_own_encrypted_group_without_credentials(edge: SynthesizedStack) -> None:
    group = edge.resource("aws_cloudwatch_log_group", "firewall/log_group")
    assert group["name"] == "aws-waf-logs-data-api-staging"  # WAF logs only to aws-waf-logs-*
    assert group["kms_key_id"] == ref(edge, "aws_kms_key", attribute="arn")
    assert group["retention_in_days"] == 14
    logging = edge.resource("aws_wafv2_web_acl_logging_configuration")
    assert logging["resource_arn"] == ref(edge, "aws_wafv2_web_acl", attribute="arn")
    assert logging["log_destination_configs"] == [
        ref(edge, "aws_cloudwatch_log_group", "firewall/log_group", "arn")
    ]
    assert logging["redacted_fields"] == [
        {"single_header": {"name": "authorization"}},
        {"single_header": {"name": "x-api-key"}},
    ]
    # The data key lets CloudWatch Logs encrypt this group too.
    key_policy = json.loads(edge.resource("aws_kms_key")["policy"])
    [logs] = [s for s in key_policy["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsStackLogGroups"]
    arns = logs["Condition"]["StringEquals"]["kms:EncryptionContext:aws:logs:arn"]
    assert any(arn.endswith(":log-group:aws-waf-logs-data-api-staging") for arn in arns)


def test_the_blocked_requests_alarm_and_the_dashboard_row_come_with_the_firewall(
    edge: SynthesizedStack, dev: SynthesizedStack
) -> None:
    alarms = {a["alarm_name"]: a for a in edge.resources("aws_cloudwatch_metric_alarm").values()}
    alarm = alarms["data-api-staging-waf-blocked-requests"]
    assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/WAFV2", "BlockedRequests")
    assert alarm["dimensions"] == {"WebACL": "data-api-staging-waf", "Region": "us-east-1", "Rule": "ALL"}
    assert not [a for a in dev.resources("aws_cloudwatch_metric_alarm").values() if "waf" in a["alarm_name"]]
    widgets = json.loads(edge.resource("aws_cloudwatch_dashboard")["dashboard_body"])["widgets"]
    firewall = [w for w in widgets if w["properties"].get("title", "").startswith("Firewall")]
    assert len(firewall) == 2
    metrics = [m for w in firewall for m in w["properties"]["metrics"]]
    assert {m[1] for m in metrics} == {"AllowedRequests", "BlockedRequests", "CountedRequests"}
    by_rule = {m[-1] for m in firewall[1]["properties"]["metrics"]}
    assert by_rule == {
        f"data-api-staging-waf-{name}" for name in (*(g.name for g in MANAGED_RULE_GROUPS), RATE_RULE)
    }
    dev_widgets = json.loads(dev.resource("aws_cloudwatch_dashboard")["dashboard_body"])["widgets"]
    assert not [w for w in dev_widgets if w["properties"].get("title", "").startswith("Firewall")]


def test_the_rules_exist_only_for_count_and_block() -> None:
    with pytest.raises(ValueError, match="no rules for waf mode 'off'"):
        web_acl_rules("acl", "off", 100)
    names = [rule["visibility_config"]["metric_name"] for rule in web_acl_rules("acl", "block", 100)]
    assert len(set(names)) == len(names)  # one metric per rule
