"""The dashboard, the saved Logs Insights queries, and the runbook the alarms link to."""

from __future__ import annotations

import json
import re
from typing import Any

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


def test_every_alarm_links_a_runbook_section_that_exists(dev: SynthesizedStack) -> None:
    alarms = dev.resources("aws_cloudwatch_metric_alarm").values()
    linked = set()
    for alarm in alarms:
        match = re.search(r"Runbook: docs/runbook\.md#([a-z0-9-]+)$", alarm["alarm_description"])
        assert match, alarm["alarm_description"]
        assert alarm["alarm_name"] == f"data-api-dev-{match.group(1)}"
        linked.add(match.group(1))
    assert linked == runbook_sections()  # a section for each alarm, and no orphan section


def test_saved_queries_target_this_stacks_log_groups(dev: SynthesizedStack) -> None:
    queries = {q["name"]: q for q in dev.resources("aws_cloudwatch_query_definition").values()}
    assert set(queries) == {f"data-api-dev/{q.name}" for q in SAVED_QUERIES}
    groups = {
        "function": f"${{{dev.ref('aws_cloudwatch_log_group', 'ingest/log_group')}.name}}",
        "access": f"${{{dev.ref('aws_cloudwatch_log_group', 'rest_api/access_log_group')}.name}}",
    }
    for saved in SAVED_QUERIES:
        query = queries[f"data-api-dev/{saved.name}"]
        assert query["log_group_names"] == [groups[saved.log_group]]
        assert query["query_string"] == saved.query


def test_the_runbook_names_only_queries_that_are_saved() -> None:
    named = set(re.findall(r"`<stack>/([a-z0-9-]+)`", RUNBOOK))
    assert named == {q.name for q in SAVED_QUERIES}
