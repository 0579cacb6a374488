"""What each alarm of a stack watches, in one list (``alarm_specs``): the stack deploys them
(constructs_lib/alarms.py), `make verify` checks them, `make capacity` prices them.

Plain data: no CDK framework and no jsii here, so `make verify` and `make capacity` read the
alarms without starting a Node process. Adding an alarm is one entry in ``alarm_specs`` and its
test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from constructs_lib import naming
from constructs_lib.settings import Settings

FIVE_MINUTES = 300
WAF_BLOCKED_THRESHOLD = 100
"""Blocked requests in 5 minutes that page someone: an attack, or a rule refusing real clients."""
RUNBOOK = "docs/runbook.md"
"""The runbook: one section per alarm, headed by the alarm's name without the stack prefix."""


@dataclass(frozen=True)
class MetricAlarmSpec:
    """One alarm: a metric, a statistic over a period, and the threshold that trips it."""

    id: str
    """Construct id and suffix of the alarm's name."""
    description: str
    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    threshold: float
    statistic: str = "Sum"
    """A basic statistic, or a percentile such as ``p99`` (an extended statistic)."""
    comparison_operator: str = "GreaterThanOrEqualToThreshold"
    period_seconds: int = FIVE_MINUTES
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    treat_missing_data: str = "notBreaching"
    """No data means no requests, so nothing failed: missing data is not a breach."""

    @property
    def runbook_section(self) -> str:
        """The runbook section for this alarm (its heading, and so its anchor)."""
        return self.id.replace("_", "-")

    def alarm_name(self, prefix: str) -> str:
        return f"{prefix}-{self.runbook_section}"

    @property
    def alarm_description(self) -> str:
        return f"{self.description}. Runbook: {RUNBOOK}#{self.runbook_section}"

    @property
    def is_percentile(self) -> bool:
        return self.statistic.startswith("p")


# Which metric counts a table's throttled writes depends on how it pays: WriteThrottleEvents counts
# writes over provisioned capacity; an on-demand table's cap counts in its own metric.
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TroubleshootingThrottling-cloudwatch.html
WRITE_THROTTLE_METRICS = {
    "provisioned": "WriteThrottleEvents",
    "on_demand": "WriteMaxOnDemandThroughputThrottleEvents",
}


def write_throttle_metric(billing_mode: str) -> str:
    """The DynamoDB metric that counts a table's throttled writes in this billing mode."""
    return WRITE_THROTTLE_METRICS[billing_mode]


def alarm_specs(
    settings: Settings, api_name: str, function_name: str, table_name: str, idempotency_table_name: str
) -> list[MetricAlarmSpec]:
    """Every alarm of one environment. The names may be Terraform references (in the stack) or
    the deployed names (in `make verify`)."""
    api_dimensions = {"ApiName": api_name, "Stage": settings.environment}
    throttled_writes = write_throttle_metric(settings.billing_mode)
    specs = [
        MetricAlarmSpec(
            id="function_errors",
            description="The ingest function failed at least once in 5 minutes",
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions={"FunctionName": function_name},
            threshold=1,
        ),
        MetricAlarmSpec(
            id="function_throttles",
            description="Invocations of the ingest function were throttled",
            namespace="AWS/Lambda",
            metric_name="Throttles",
            dimensions={"FunctionName": function_name},
            threshold=1,
        ),
        MetricAlarmSpec(
            id="api_5xx",
            description="The API answered with a 5XX status",
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            dimensions=api_dimensions,
            threshold=1,
        ),
        MetricAlarmSpec(
            id="table_write_throttles",
            description="Writes to the data table were throttled",
            namespace="AWS/DynamoDB",
            metric_name=throttled_writes,
            dimensions={"TableName": table_name},
            threshold=1,
        ),
        MetricAlarmSpec(
            id="idempotency_write_throttles",
            description="Writes to the idempotency table were throttled",
            namespace="AWS/DynamoDB",
            metric_name=throttled_writes,
            dimensions={"TableName": idempotency_table_name},
            threshold=1,
        ),
        MetricAlarmSpec(
            id="api_latency_p99",
            description=f"p99 latency of the API above {settings.latency_alarm_p99_ms} ms for 15 minutes",
            namespace="AWS/ApiGateway",
            metric_name="Latency",
            dimensions=api_dimensions,
            statistic="p99",
            comparison_operator="GreaterThanThreshold",
            threshold=settings.latency_alarm_p99_ms,
            evaluation_periods=3,
            datapoints_to_alarm=3,
        ),
    ]
    if settings.waf != "off":
        # WAF's metrics: per web ACL, region and rule ("ALL": every rule together).
        # https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html
        specs.append(
            MetricAlarmSpec(
                id="waf_blocked_requests",
                description=f"The firewall blocked {WAF_BLOCKED_THRESHOLD} requests or more in 5 minutes",
                namespace="AWS/WAFV2",
                metric_name="BlockedRequests",
                dimensions={
                    "WebACL": naming.web_acl(settings.name_prefix, settings.environment),
                    "Region": settings.region,
                    "Rule": "ALL",
                },
                threshold=WAF_BLOCKED_THRESHOLD,
            )
        )
    return specs
