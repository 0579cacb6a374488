"""The plan summary (deploy/plan_summary.py): counts as Terraform's own, replaced and destroyed
resources by address, and drift; from JSON plans shaped as Terraform's JSON output format."""

from __future__ import annotations

from typing import Any

from deploy.plan_summary import StackPlan, drift_markdown, plan_markdown, summarize


def change(address: str, *actions: str, mode: str = "managed") -> dict[str, Any]:
    return {"address": address, "mode": mode, "change": {"actions": list(actions)}}


PLAN = {
    "resource_changes": [
        change("aws_dynamodb_table.data", "no-op"),
        change("aws_lambda_function.fn", "update"),
        change("aws_iam_role.role", "create"),
        change("aws_api_gateway_deployment.live", "create", "delete"),
        change("aws_kms_key.old", "delete", "create"),
        change("aws_sns_topic.gone", "delete"),
        change("data.aws_partition.current", "read", mode="data"),
    ]
}


def test_counts_match_terraforms_plan_line_and_name_what_is_replaced_or_destroyed() -> None:
    plan = summarize("data-api-dev", PLAN)
    # Terraform would say "Plan: 3 to add, 1 to change, 3 to destroy".
    assert (plan.add, plan.change, plan.destroy) == (3, 1, 3)
    assert plan.replaced == ("aws_api_gateway_deployment.live", "aws_kms_key.old")
    assert plan.destroyed == ("aws_sns_topic.gone",)
    assert plan.changes_anything


def test_an_empty_plan_changes_nothing_and_says_so() -> None:
    plan = summarize("data-api-dev", {"format_version": "1.2"})
    assert plan == StackPlan("data-api-dev")
    text = plan_markdown("dev", [plan])
    assert "| `data-api-dev` | 0 | 0 | 0 |" in text
    assert text.rstrip().endswith("No changes.")


def test_the_markdown_lists_each_stack_and_its_replacements() -> None:
    text = plan_markdown("dev", [StackPlan("data-api-account-us-east-1"), summarize("data-api-dev", PLAN)])
    assert text.startswith("### dev\n")
    assert "| `data-api-dev` | 3 | 1 | 3 |" in text
    assert "  - replaced: `aws_api_gateway_deployment.live`, `aws_kms_key.old`" in text
    assert "  - destroyed: `aws_sns_topic.gone`" in text
    assert "No changes." not in text


def test_drift_names_each_changed_resource_and_what_to_do() -> None:
    drifted = summarize("data-api-dev", {"resource_drift": [change("aws_dynamodb_table.data", "update")]})
    assert drifted.drifted == ("aws_dynamodb_table.data",)
    text = drift_markdown("dev", [StackPlan("data-api-account-us-east-1"), drifted])
    assert "- `data-api-dev`: `aws_dynamodb_table.data`" in text
    assert "make deploy ENV=dev" in text
    assert drift_markdown("dev", [StackPlan("data-api-dev")]).startswith("No drift in dev")
