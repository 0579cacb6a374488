"""What an operator needs when an alarm fires: a CloudWatch dashboard of the environment, and
the runbook's Logs Insights queries saved for its log groups."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from constructs_lib.firewall_rules import MANAGED_RULE_GROUPS, RATE_RULE, metric_name

MINUTE = 60
WAF_ACTION_METRICS = ("AllowedRequests", "BlockedRequests", "CountedRequests")
WAF_RULE_NAMES = (*(group.name for group in MANAGED_RULE_GROUPS), RATE_RULE)


@dataclass(frozen=True)
class SavedQuery:
    """A Logs Insights query the runbook refers to by name."""

    name: str
    log_group: str
    """``function``, ``access`` or ``waf``: which of the stack's log groups it reads (a stack
    without a firewall saves no ``waf`` query)."""
    query: str


# Everything the Errors metric (and so the function-errors alarm) counts, as the runtime logs it in
# the Text format: our own ERROR lines and unhandled exceptions ("[ERROR] ..."), init and runtime
# failures ("Runtime.ImportModuleError", "Runtime.ExitError", ...), and timeouts ("Task timed out
# after ..."); and our JSON line where no runtime wraps it (make local).
# https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
FUNCTION_ERROR_PATTERN = r'\[ERROR\]|Task timed out after|Runtime\.[A-Za-z]+|"level": "ERROR"'
# The access log writes every value as a JSON string (ACCESS_LOG_FORMAT quotes them all), and the
# Logs Insights docs promise no conversion of a string to a number: statuses and latencies are
# matched as text, never compared or averaged as numbers. Latency percentiles come from API
# Gateway's Latency metric (dashboard and alarm).
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html
SERVER_ERROR_STATUS_PATTERN = r"^5\d\d$"
THROTTLED_STATUS_PATTERN = r"^429$"
SLOW_LATENCY_PATTERN = r"^\d{4,}$"
"""A latency of four digits or more: a request that took a second or longer."""

# The function's lines are "[LEVEL] time request-id {json}" (Lambda's text format around our JSON),
# so their fields are parsed out; the access log lines are JSON, whose fields Insights discovers.
SAVED_QUERIES: tuple[SavedQuery, ...] = (
    SavedQuery(
        "function-errors",
        "function",
        f"fields @timestamp, @requestId, @message\n| filter @message like /{FUNCTION_ERROR_PATTERN}/\n"
        "| sort @timestamp desc\n| limit 50",
    ),
    SavedQuery(
        "function-statuses",
        "function",
        'parse @message /"status": (?<status>\\d+)/\n| filter ispresent(status)\n'
        "| stats count(*) as requests by status, bin(5m)",
    ),
    SavedQuery(
        "function-dynamodb-codes",
        "function",
        'parse @message /"code": "(?<code>[^"]+)"/\n| filter ispresent(code)\n'
        "| stats count(*) as requests by code, bin(5m)",
    ),
    SavedQuery(
        "function-durations",
        "function",
        'filter @type = "REPORT"\n| stats pct(@duration, 50) as p50, pct(@duration, 99) as p99, '
        "max(@maxMemoryUsed) as max_memory by bin(5m)",
    ),
    SavedQuery(
        "api-5xx",
        "access",
        "fields @timestamp, requestId, status, errorType, errorMessage, integrationStatus\n"
        f"| filter status like /{SERVER_ERROR_STATUS_PATTERN}/\n| sort @timestamp desc\n| limit 50",
    ),
    SavedQuery(
        "api-throttled-callers",
        "access",
        f"filter status like /{THROTTLED_STATUS_PATTERN}/\n| stats count(*) as throttled by ip, bin(1m)\n"
        "| sort throttled desc",
    ),
    SavedQuery(
        "api-slow-requests",
        "access",
        "fields @timestamp, requestId, status, responseLatency, integrationLatency\n"
        f"| filter responseLatency like /{SLOW_LATENCY_PATTERN}/\n| sort @timestamp desc\n| limit 50",
    ),
    # WAF's log lines are JSON: action, terminatingRuleId, httpRequest.clientIp and .uri among them.
    # https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html
    SavedQuery(
        "waf-blocked-requests",
        "waf",
        'filter action = "BLOCK"\n| stats count(*) as blocked by terminatingRuleId, httpRequest.clientIp\n'
        "| sort blocked desc\n| limit 50",
    ),
)


@dataclass(frozen=True)
class OperationsProps:
    """What the dashboard and the queries watch; names may be Terraform references."""

    name: str
    """The dashboard's name and the queries' folder: the stack's name."""
    region: str
    api_name: str
    stage_name: str
    function_name: str
    table_names: Sequence[str]
    write_throttle_metric: str
    """The metric counting the tables' throttled writes (it depends on the billing mode)."""
    provisioned: bool
    """Whether the tables have provisioned capacity to draw beside what they consume."""
    function_log_group: str
    access_log_group: str
    alarm_arns: Sequence[str]
    web_acl_name: str = ""
    """The firewall's web ACL, if the stage has one (its metrics get a row of their own)."""
    waf_log_group: str = ""


def dashboard_url(region: str, name: str) -> str:
    """The dashboard in the console of the region's partition."""
    host = "console.amazonaws.cn" if region.startswith("cn-") else "console.aws.amazon.com"
    if region.startswith("us-gov-"):
        host = "console.amazonaws-us-gov.com"
    return f"https://{host}/cloudwatch/home?region={region}#dashboards/dashboard/{name}"


def _metrics(
    title: str, region: str, metrics: list[list[Any]], y: int, x: int, stat: str = "Sum"
) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 8,
        "height": 6,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stat": stat,
            "period": MINUTE,
            "metrics": metrics,
        },
    }


def dashboard_body(props: OperationsProps) -> dict[str, Any]:
    """The dashboard: API, function and table metrics, and the state of every alarm."""
    api = ["ApiName", props.api_name, "Stage", props.stage_name]
    function = ["FunctionName", props.function_name]
    r = props.region
    widgets = [
        _metrics(
            "API requests, 4XX and 5XX",
            r,
            [
                ["AWS/ApiGateway", "Count", *api],
                ["AWS/ApiGateway", "4XXError", *api],
                ["AWS/ApiGateway", "5XXError", *api],
            ],
            0,
            0,
        ),
        _metrics(
            "API latency (ms)",
            r,
            [
                ["AWS/ApiGateway", "Latency", *api, {"stat": "p50"}],
                ["AWS/ApiGateway", "Latency", *api, {"stat": "p99"}],
                ["AWS/ApiGateway", "IntegrationLatency", *api, {"stat": "p50"}],
                ["AWS/ApiGateway", "IntegrationLatency", *api, {"stat": "p99"}],
            ],
            0,
            8,
        ),
        {
            "type": "alarm",
            "x": 16,
            "y": 0,
            "width": 8,
            "height": 6,
            "properties": {"title": "Alarms", "alarms": list(props.alarm_arns)},
        },
        _metrics(
            "Function invocations, errors, throttles",
            r,
            [
                ["AWS/Lambda", "Invocations", *function],
                ["AWS/Lambda", "Errors", *function],
                ["AWS/Lambda", "Throttles", *function],
            ],
            6,
            0,
        ),
        _metrics(
            "Function duration p99 (ms) and concurrency",
            r,
            [
                ["AWS/Lambda", "Duration", *function, {"stat": "p99"}],
                ["AWS/Lambda", "ConcurrentExecutions", *function, {"stat": "Maximum", "yAxis": "right"}],
            ],
            6,
            8,
        ),
    ]
    for index, table in enumerate(props.table_names):
        dimensions = ["TableName", table]
        provisioned = (
            [["AWS/DynamoDB", "ProvisionedWriteCapacityUnits", *dimensions, {"stat": "Average"}]]
            if props.provisioned
            else []
        )
        widgets.append(
            _metrics(
                f"Table {table}: write units/s, consumed vs provisioned, and throttled writes",
                r,
                [
                    # A sum per period divided by that period: right whatever period the
                    # dashboard picks for a longer time range (a fixed "/ 60" is not).
                    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
                    [
                        {
                            "expression": "consumed / PERIOD(consumed)",
                            "label": "consumed write units/s",
                            "id": "perSecond",
                        }
                    ],
                    [
                        "AWS/DynamoDB",
                        "ConsumedWriteCapacityUnits",
                        *dimensions,
                        {"id": "consumed", "visible": False},
                    ],
                    *provisioned,
                    ["AWS/DynamoDB", props.write_throttle_metric, *dimensions, {"yAxis": "right"}],
                ],
                12 + 6 * (index // 3),
                8 * (index % 3),
            )
        )
    if props.web_acl_name:
        widgets.extend(_firewall_row(props, 12 + 6 * ((len(props.table_names) + 2) // 3)))
    return {"widgets": widgets}


def _firewall_row(props: OperationsProps, y: int) -> list[dict[str, Any]]:
    """Requests the firewall allowed, blocked and counted, then blocked and counted by rule."""
    acl = ["WebACL", props.web_acl_name, "Region", props.region]
    totals = [["AWS/WAFV2", metric, *acl, "Rule", "ALL"] for metric in WAF_ACTION_METRICS]
    by_rule = [
        ["AWS/WAFV2", metric, *acl, "Rule", metric_name(props.web_acl_name, rule)]
        for rule in WAF_RULE_NAMES
        for metric in ("BlockedRequests", "CountedRequests")
    ]
    return [
        _metrics("Firewall: allowed, blocked, counted", props.region, totals, y, 0),
        {**_metrics("Firewall: blocked and counted, by rule", props.region, by_rule, y, 8), "width": 16},
    ]


class Operations(Construct):
    """The environment's dashboard and its saved Logs Insights queries."""

    def __init__(self, scope: Construct, id_: str, props: OperationsProps) -> None:
        from constructs_lib.framework import CloudwatchDashboard, CloudwatchQueryDefinition

        super().__init__(scope, id_)
        self.dashboard = CloudwatchDashboard(
            self, "dashboard", dashboard_name=props.name, dashboard_body=json.dumps(dashboard_body(props))
        )
        self.url = dashboard_url(props.region, props.name)
        groups = {"function": props.function_log_group, "access": props.access_log_group}
        if props.waf_log_group:
            groups["waf"] = props.waf_log_group
        self.queries = [
            CloudwatchQueryDefinition(
                self,
                f"query_{query.name.replace('-', '_')}",
                name=f"{props.name}/{query.name}",
                log_group_names=[groups[query.log_group]],
                query_string=query.query,
            )
            for query in SAVED_QUERIES
            if query.log_group in groups
        ]
