"""Alerting: the encrypted topic and each alarm's metric, threshold and actions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SynthesizedStack


def alarms(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    return {a["alarm_name"]: a for a in stack.resources("aws_cloudwatch_metric_alarm").values()}


def test_topic_is_encrypted_with_the_data_key(dev: SynthesizedStack) -> None:
    topic = dev.resource("aws_sns_topic")
    assert topic["name"] == "data-api-dev-alerts"
    assert topic["kms_master_key_id"] == f"${{{dev.ref('aws_kms_key')}.arn}}"
    assert dev.resource("aws_sns_topic_subscription")["topic_arn"] == f"${{{dev.ref('aws_sns_topic')}.arn}}"


def test_function_errors_alarm_fires_on_one_error_in_five_minutes(dev: SynthesizedStack) -> None:
    alarm = alarms(dev)["data-api-dev-function-errors"]
    assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", "Errors")
    assert alarm["dimensions"] == {"FunctionName": f"${{{dev.ref('aws_lambda_function')}.function_name}}"}
    assert (alarm["statistic"], alarm["period"], alarm["evaluation_periods"]) == ("Sum", 300, 1)
    assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


@pytest.mark.parametrize(
    ("name", "namespace", "metric", "dimension_keys"),
    [
        ("function-errors", "AWS/Lambda", "Errors", {"FunctionName"}),
        ("function-throttles", "AWS/Lambda", "Throttles", {"FunctionName"}),
        ("api-5xx", "AWS/ApiGateway", "5XXError", {"ApiName", "Stage"}),
        ("table-write-throttles", "AWS/DynamoDB", "WriteThrottleEvents", {"TableName"}),
        ("idempotency-write-throttles", "AWS/DynamoDB", "WriteThrottleEvents", {"TableName"}),
        ("api-latency-p99", "AWS/ApiGateway", "Latency", {"ApiName", "Stage"}),
    ],
)
def test_each_alarm_watches_its_metric_and_notifies_on_alarm_and_ok(
    dev: SynthesizedStack, name: str, namespace: str, metric: str, dimension_keys: set[str]
) -> None:
    alarm = alarms(dev)[f"data-api-dev-{name}"]
    assert (alarm["namespace"], alarm["metric_name"]) == (namespace, metric)
    assert set(alarm["dimensions"]) == dimension_keys
    topic = f"${{{dev.ref('aws_sns_topic')}.arn}}"
    assert alarm["alarm_actions"] == [topic]
    assert alarm["ok_actions"] == [topic]
    # No traffic means nothing failed: missing data must not raise an alarm.
    assert alarm["treat_missing_data"] == "notBreaching"


def test_api_alarms_watch_this_stage(dev: SynthesizedStack) -> None:
    for name in ("data-api-dev-api-5xx", "data-api-dev-api-latency-p99"):
        assert alarms(dev)[name]["dimensions"] == {
            "ApiName": f"${{{dev.ref('aws_api_gateway_rest_api')}.name}}",
            "Stage": "dev",
        }


def test_latency_alarm_uses_p99_and_the_configured_threshold(dev: SynthesizedStack) -> None:
    alarm = alarms(dev)["data-api-dev-api-latency-p99"]
    assert alarm["extended_statistic"] == "p99"
    assert "statistic" not in alarm
    assert alarm["threshold"] == 2000
    assert alarm["comparison_operator"] == "GreaterThanThreshold"


def test_there_are_exactly_six_alarms(dev: SynthesizedStack) -> None:
    assert len(alarms(dev)) == 6


def test_an_on_demand_table_alarms_on_its_cap_not_on_provisioned_throttling(auth_modes) -> None:
    # staging in auth_modes has on-demand tables: WriteThrottleEvents never counts their cap.
    on_demand = alarms(auth_modes["iam"])
    for name in ("table-write-throttles", "idempotency-write-throttles"):
        assert (
            on_demand[f"data-api-staging-{name}"]["metric_name"] == "WriteMaxOnDemandThroughputThrottleEvents"
        )
