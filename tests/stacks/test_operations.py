"""The dashboard, the saved Logs Insights queries, and the runbook the alarms link to."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from constructs_lib.contract import ACCESS_LOG_FORMAT
from constructs_lib.operations import SAVED_QUERIES
from tests.conftest import REPO_ROOT, SynthesizedStack

RUNBOOK = (REPO_ROOT / "docs" / "runbook.md").read_text()


def dashboard(stack: SynthesizedStack) -> dict[str, Any]:
    resource = stack.resource("aws_cloudwatch_dashboard")
    assert resource["dashboard_name"] == stack.name
    body: dict[str, Any] = json.loads(resource["dashboard_body"])
    return body


def metric_rows(body: dict[str, Any]) -> list[list[Any]]:
    return [row for w in body["widgets"] if w["type"] == "metric" for row in w["properties"]["metrics"]]


def test_the_dashboard_watches_this_stacks_api_function_and_tables(dev: SynthesizedStack) -> None:
    rows = metric_rows(dashboard(dev))
    api = f"${{{dev.ref('aws_api_gateway_rest_api')}.name}}"
    function = f"${{{dev.ref('aws_lambda_function')}.function_name}}"
    tables = {
        f"${{{dev.ref('aws_dynamodb_table', f'{t}/table')}.name}}"
        for t in ("data_table", "idempotency_table")
    }
    by_namespace: dict[str, set[str]] = {}
    for row in rows:
        if isinstance(row[0], str):
            by_namespace.setdefault(row[0], set()).add(row[1])
            dimensions = dict(zip(row[2::2], row[3::2], strict=False))
            if row[0] == "AWS/ApiGateway":
                assert (dimensions["ApiName"], dimensions["Stage"]) == (api, "dev")
            if row[0] == "AWS/Lambda":
                assert dimensions["FunctionName"] == function
            if row[0] == "AWS/DynamoDB":
                assert dimensions["TableName"] in tables
    assert by_namespace["AWS/ApiGateway"] == {
        "Count",
        "4XXError",
        "5XXError",
        "Latency",
        "IntegrationLatency",
    }
    assert by_namespace["AWS/Lambda"] == {
        "Invocations",
        "Errors",
        "Throttles",
        "Duration",
        "ConcurrentExecutions",
    }
    assert by_namespace["AWS/DynamoDB"] == {
        "ConsumedWriteCapacityUnits",
        "ProvisionedWriteCapacityUnits",
        "WriteThrottleEvents",
    }
    watched_tables = {row[row.index("TableName") + 1] for row in rows if "TableName" in row}
    assert watched_tables == tables


def test_the_dashboard_shows_the_state_of_every_alarm(dev: SynthesizedStack) -> None:
    (widget,) = [w for w in dashboard(dev)["widgets"] if w["type"] == "alarm"]
    arns = {
        f"${{aws_cloudwatch_metric_alarm.{name}.arn}}"
        for name in dev.resources("aws_cloudwatch_metric_alarm")
    }
    assert set(widget["properties"]["alarms"]) == arns


def test_the_dashboard_url_is_an_output(dev: SynthesizedStack) -> None:
    output = dev.config["output"]["dashboard_url"]
    assert output["value"] == (
        "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/data-api-dev"
    )


def runbook_sections() -> set[str]:
    return set(re.findall(r"^## ([a-z0-9-]+)$", RUNBOOK, re.M))


def test_every_alarm_links_a_runbook_section_that_exists(dev: SynthesizedStack, auth_modes) -> None:
    """The default dev, and a stack with the firewall (its alarm too)."""
    linked = set()
    for stack in (dev, auth_modes["iam"]):
        for alarm in stack.resources("aws_cloudwatch_metric_alarm").values():
            match = re.search(r"Runbook: docs/runbook\.md#([a-z0-9-]+)$", alarm["alarm_description"])
            assert match, alarm["alarm_description"]
            assert alarm["alarm_name"] == f"{stack.name}-{match.group(1)}"
            linked.add(match.group(1))
    assert linked == runbook_sections()  # a section for each alarm, and no orphan section


@pytest.mark.parametrize("firewall", [False, True])
def test_saved_queries_target_this_stacks_log_groups(
    dev: SynthesizedStack, auth_modes, firewall: bool
) -> None:
    """Without a firewall no query of its log; with one, that query too."""
    stack = auth_modes["iam"] if firewall else dev
    queries = {q["name"]: q for q in stack.resources("aws_cloudwatch_query_definition").values()}
    groups = {
        "function": f"${{{stack.ref('aws_cloudwatch_log_group', 'ingest/log_group')}.name}}",
        "access": f"${{{stack.ref('aws_cloudwatch_log_group', 'rest_api/access_log_group')}.name}}",
    }
    if firewall:
        groups["waf"] = f"${{{stack.ref('aws_cloudwatch_log_group', 'firewall/log_group')}.name}}"
    expected = [saved for saved in SAVED_QUERIES if saved.log_group in groups]
    assert set(queries) == {f"{stack.name}/{q.name}" for q in expected}
    assert ("waf" in groups) == any(q.log_group == "waf" for q in expected)
    for saved in expected:
        query = queries[f"{stack.name}/{saved.name}"]
        assert query["log_group_names"] == [groups[saved.log_group]]
        assert query["query_string"] == saved.query


def test_the_runbook_names_only_queries_that_are_saved() -> None:
    named = set(re.findall(r"`<stack>/([a-z0-9-]+)`", RUNBOOK))
    assert named == {q.name for q in SAVED_QUERIES}


def saved(name: str) -> str:
    return next(q.query for q in SAVED_QUERIES if q.name == name)


def like(query: str) -> tuple[str, re.Pattern[str]]:
    """The field and the regular expression of the query's one ``filter <field> like /.../``."""
    match = re.search(r"filter (\S+) like /(.+)/\n", query)
    assert match, query
    return match.group(1), re.compile(match.group(2))


# Lines as the Lambda runtime writes them in the Text log format, one of each kind the Errors
# metric counts, and lines it does not count.
ERROR_LINES = [
    '[ERROR]\t2026-12-01T10:00:00.000Z\treq-1\t{"level": "ERROR", "status": 500, "error": "ClientError"}',
    "[ERROR] KeyError: 'TABLE_NAME'\nTraceback (most recent call last):",
    "[ERROR] Runtime.ImportModuleError: Unable to import module 'handler': No module named 'ingest'",
    "INIT_REPORT Init Duration: 1200.00 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError",
    "2026-12-01T10:00:10.010Z req-2 Task timed out after 10.01 seconds",
    '{"level": "ERROR", "request_id": "req-3", "status": 500}',
]
OTHER_LINES = [
    "START RequestId: req-4 Version: $LATEST",
    '[INFO]\t2026-12-01T10:00:00.000Z\treq-4\t{"level": "INFO", "status": 200}',
    '[WARNING]\t2026-12-01T10:00:00.000Z\treq-5\t{"level": "WARNING", "status": 503}',
    "REPORT RequestId: req-4\tDuration: 20.00 ms\tBilled Duration: 21 ms",
]


def test_the_function_errors_query_finds_every_kind_of_error_the_alarm_counts() -> None:
    field, pattern = like(saved("function-errors"))
    assert field == "@message"
    for line in ERROR_LINES:
        assert pattern.search(line), line
    for line in OTHER_LINES:
        assert not pattern.search(line), line


def access_line(status: str, latency: str) -> dict[str, str]:
    """One access-log object as API Gateway writes it: every value a JSON string."""
    line = json.loads(json.dumps({k: "x" for k in ACCESS_LOG_FORMAT}))
    line.update(status=status, responseLatency=latency)
    assert all(isinstance(v, str) for v in line.values())
    return dict(line)


def test_the_access_log_writes_every_value_as_a_string() -> None:
    # Why the access-log queries match text: the format quotes every variable.
    assert all(v.startswith("$context.") for v in ACCESS_LOG_FORMAT.values())
    assert '"status":"$context.status"' in json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":"))


@pytest.mark.parametrize(
    ("query", "matching", "other"),
    [
        (
            "api-5xx",
            [("500", "12"), ("502", "29000"), ("504", "29001")],
            [("200", "12"), ("429", "1"), ("5", "1")],
        ),
        ("api-throttled-callers", [("429", "1")], [("200", "1"), ("4290", "1"), ("503", "1")]),
        (
            "api-slow-requests",
            [("200", "1000"), ("503", "29000")],
            [("200", "999"), ("200", "12"), ("200", "-")],
        ),
    ],
)
def test_the_access_log_queries_match_their_lines_as_text(query, matching, other) -> None:
    field, pattern = like(saved(query))
    for status, latency in matching:
        assert pattern.search(access_line(status, latency)[field]), (status, latency)
    for status, latency in other:
        assert not pattern.search(access_line(status, latency)[field]), (status, latency)
    assert not re.search(r"(>=|<=|[<>]|pct\(|avg\()", saved(query)), "no numeric operation on a string field"


def test_table_throughput_is_per_second_whatever_period_the_dashboard_picks(dev: SynthesizedStack) -> None:
    expressions = [
        row[0]["expression"]
        for row in metric_rows(dashboard(dev))
        if isinstance(row[0], dict) and "expression" in row[0]
    ]
    assert expressions
    assert all(e == "consumed / PERIOD(consumed)" for e in expressions)


def test_an_on_demand_dashboard_draws_its_cap_metric_and_no_provisioned_capacity(auth_modes) -> None:
    rows = metric_rows(dashboard(auth_modes["iam"]))
    names = {row[1] for row in rows if isinstance(row[0], str) and row[0] == "AWS/DynamoDB"}
    assert "WriteMaxOnDemandThroughputThrottleEvents" in names
    assert not {"ProvisionedWriteCapacityUnits", "WriteThrottleEvents"} & names
