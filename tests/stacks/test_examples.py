"""The settings files teams start from (examples/): each loads, synthesizes a stack per
environment it lists (tests/conftest.py synthesizes them with the session, and the security gate
scans them with the rest), and the README names it with one line on when to start from it."""

from __future__ import annotations

from constructs_lib.settings import load
from tests.conftest import EXAMPLES, REPO_ROOT, SynthesizedStack


def test_the_examples_are_the_two_the_readme_offers() -> None:
    assert [path.name for path in EXAMPLES] == ["minimal.toml", "production.toml"]
    readme = (REPO_ROOT / "README.md").read_text()
    for path in EXAMPLES:
        assert f"](examples/{path.name})" in readme, path.name


def test_each_example_synthesizes_a_stack_per_environment(
    examples: dict[str, dict[str, SynthesizedStack]],
) -> None:
    for path in EXAMPLES:
        listed = [r.settings.stack_name for r in load({"DATA_API_SETTINGS": str(path)})]
        stacks = examples[path.stem]
        assert set(listed) <= set(stacks), path.name
        assert any(name.startswith("data-api-state-") for name in stacks)


def test_production_has_the_edge_on_demand_tables_origins_cognito_clients_and_a_payload_schema(
    examples: dict[str, dict[str, SynthesizedStack]],
) -> None:
    production = examples["production"]
    prod = production["data-api-prod"]
    assert prod.resource("aws_api_gateway_domain_name")["domain_name"] == "api.example.com"
    rules = prod.resource("aws_wafv2_web_acl")["rule"]
    assert all(rule.get("override_action", {"none": {}}) == {"none": {}} for rule in rules)  # blocks
    for table in prod.resources("aws_dynamodb_table").values():
        assert table["billing_mode"] == "PAY_PER_REQUEST"
    variables = prod.resource("aws_lambda_function")["environment"]["variables"]
    assert variables["CORS_ALLOWED_ORIGINS"] == "https://app.example.com,https://admin.example.com"
    assert "aws_wafv2_web_acl" not in production["data-api-dev"].config["resource"]
    schema = (REPO_ROOT / "examples" / "schemas" / "event.json").read_text()
    for environment in ("dev", "staging", "prod"):
        stack = production[f"data-api-{environment}"]
        assert stack.resource("aws_api_gateway_model")["schema"] == schema
        assert stack.resource("aws_api_gateway_authorizer")["type"] == "COGNITO_USER_POOLS"
        assert stack.resource("aws_cognito_user_pool_client")["allowed_oauth_flows"] == ["client_credentials"]
