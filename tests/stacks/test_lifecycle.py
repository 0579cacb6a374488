"""create_before_destroy never reaches a resource whose name is fixed.

Terraform forces create_before_destroy onto every resource a create_before_destroy resource
depends on, transitively (hashicorp/terraform#35331). A fixed-name resource in that set (the
table, the function, a role) could then never be replaced: its replacement would be created
under the same name while the old one still exists. This test computes the set from the
synthesized references and depends_on, as Terraform does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import SynthesizedStack, Variant

REFERENCE = re.compile(r"\$\{(?:[^{}]*?\b)?((?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_]+)")

INHERITS_CREATE_BEFORE_DESTROY = {
    "aws_api_gateway_rest_api",
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_method_response",
    "aws_api_gateway_integration",
    "aws_api_gateway_integration_response",
    "aws_api_gateway_gateway_response",
    "aws_api_gateway_deployment",
    "aws_api_gateway_model",
    "aws_api_gateway_request_validator",
    "aws_api_gateway_authorizer",
    "aws_cognito_user_pool",
    "aws_acm_certificate",
    "data.aws_caller_identity",
    "data.aws_partition",
}
"""Every kind of block in the closure: the REST API's own parts (API Gateway requires no name
of them to be unique but the model's, which is replaced only with its REST API: its name and
content type are constants, its schema changes in place), the Cognito authorizer's user pool
(pool names need not be unique; its domain and client, which hold unique names, stay outside), the
custom domain's certificate (ACM holds any number for one name) and the data sources, which are
read, never replaced."""


def blocks(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    found = {}
    for kind, by_name in stack.config.get("resource", {}).items():
        for name, block in by_name.items():
            found[f"{kind}.{name}"] = block
    for kind, by_name in stack.config.get("data", {}).items():
        for name, block in by_name.items():
            found[f"data.{kind}.{name}"] = block
    return found


def dependencies(block: dict[str, Any]) -> set[str]:
    """What a block depends on: its references and its depends_on (not its comment field)."""
    body = {k: v for k, v in block.items() if k not in ("//", "lifecycle")}
    found = set(REFERENCE.findall(json.dumps(body)))
    found.update(block.get("depends_on", []))
    return found


def inherit_create_before_destroy(stack: SynthesizedStack) -> set[str]:
    everything = blocks(stack)
    pending = [a for a, b in everything.items() if b.get("lifecycle", {}).get("create_before_destroy")]
    closure: set[str] = set()
    while pending:
        address = pending.pop()
        if address in closure:
            continue
        closure.add(address)
        pending.extend(d for d in dependencies(everything[address]) if d in everything)
    return closure


def kind_of(address: str) -> str:
    return address.rsplit(".", 1)[0]


def test_the_reference_parser_sees_references_and_depends_on(dev: SynthesizedStack) -> None:
    stage = dev.resource("aws_api_gateway_stage")
    found = dependencies(stage)
    assert dev.ref("aws_api_gateway_deployment") in found
    assert dev.ref("aws_lambda_function") in found  # via depends_on


def test_create_before_destroy_reaches_only_the_apis_own_parts(
    synthesized: dict[str, SynthesizedStack], auth_modes: dict[str, SynthesizedStack], cognito_pool: Variant
) -> None:
    for stack in [*synthesized.values(), *auth_modes.values(), cognito_pool.stack]:
        kinds = {kind_of(address) for address in inherit_create_before_destroy(stack)}
        assert kinds <= INHERITS_CREATE_BEFORE_DESTROY, (stack.name, kinds - INHERITS_CREATE_BEFORE_DESTROY)


def test_the_fixed_name_resources_are_outside_the_closure(dev: SynthesizedStack) -> None:
    closure = inherit_create_before_destroy(dev)
    assert dev.ref("aws_api_gateway_deployment") in closure
    fixed = [dev.ref(kind) for kind in ("aws_lambda_function", "aws_iam_role", "aws_kms_key")]
    fixed += [dev.ref("aws_dynamodb_table", f"{t}/table") for t in ("data_table", "idempotency_table")]
    for address in fixed:
        assert address not in closure, address


def test_the_integration_names_the_function_without_referencing_it(dev: SynthesizedStack) -> None:
    integration = dev.resource("aws_api_gateway_integration", "rest_api/post_integration")
    assert integration["uri"] == (
        "arn:${data.aws_partition.current_partition.partition}:apigateway:us-east-1:lambda:path/"
        "2015-03-31/functions/arn:${data.aws_partition.current_partition.partition}:lambda:us-east-1:"
        "${data.aws_caller_identity.current_account.account_id}:function:data-api-dev-ingest/invocations"
    )
    # The stage, not the deployment, waits for the function and its permission.
    stage = dev.resource("aws_api_gateway_stage")
    assert {dev.ref("aws_lambda_function"), dev.ref("aws_lambda_permission")} <= set(stage["depends_on"])
