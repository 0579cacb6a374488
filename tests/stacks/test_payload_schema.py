"""The payload schema in the stack (staging of the auth-mode app): the file as the POST method's
model, checked by a body validator; API Gateway's refusal in the function's own shape with the
CORS headers; the function told which schema it must check, its validator in its code."""

from __future__ import annotations

import json
import zipfile
from typing import Any

from constructs_lib import payload_schema
from constructs_lib.contract import INVALID_BODY_TEMPLATE, PAYLOAD_VALIDATOR_FILE
from tests.conftest import AUTH_MODES, PAYLOAD_SCHEMA_FILE, SynthesizedStack

STAGING = next(s for s in AUTH_MODES if s.environment == "staging")


def post_method(stack: SynthesizedStack) -> dict[str, Any]:
    return next(m for m in stack.resources("aws_api_gateway_method").values() if m["http_method"] == "POST")


def test_the_model_is_the_file_and_post_checks_json_bodies_against_it(
    auth_modes: dict[str, SynthesizedStack],
) -> None:
    staging = auth_modes["iam"]
    model = staging.resource("aws_api_gateway_model")
    assert model["schema"] == PAYLOAD_SCHEMA_FILE.read_text()
    assert model["content_type"] == "application/json"
    validator = staging.resource("aws_api_gateway_request_validator")
    assert validator["validate_request_body"] is True
    assert validator["validate_request_parameters"] is False
    post = post_method(staging)
    assert post["request_models"] == {"application/json": f"${{{staging.ref('aws_api_gateway_model')}.name}}"}
    assert post["request_validator_id"] == f"${{{staging.ref('aws_api_gateway_request_validator')}.id}}"
    # With a validator the request-validation finding is checked, not accepted.
    assert not any("CKV2_AWS_53" in skip for skip in post["//"].get("checkov", []))


def test_api_gateways_refusal_says_what_the_function_says_with_the_cors_headers(
    auth_modes: dict[str, SynthesizedStack],
) -> None:
    responses = auth_modes["iam"].resources("aws_api_gateway_gateway_response").values()
    refusal = next(r for r in responses if r["response_type"] == "BAD_REQUEST_BODY")
    assert refusal["response_templates"] == {"application/json": INVALID_BODY_TEMPLATE}
    default = next(r for r in responses if r["response_type"] == "DEFAULT_4XX")
    assert refusal["response_parameters"] == default["response_parameters"]
    assert "gatewayresponse.header.Access-Control-Allow-Methods" in refusal["response_parameters"]
    # The template is JSON once API Gateway substitutes its variables.
    filled = (
        INVALID_BODY_TEMPLATE.replace("$context.error.messageString", '"Invalid request body"')
        .replace("$context.error.validationErrorString", "object has missing required properties")
        .replace("$context.requestId", "r-1")
    )
    assert list(json.loads(filled)) == ["message", "error", "request_id"]


def test_the_function_checks_the_same_schema_with_code_in_its_asset(
    auth_modes: dict[str, SynthesizedStack],
) -> None:
    staging = auth_modes["iam"]
    schema = payload_schema.read(PAYLOAD_SCHEMA_FILE)
    function = staging.resource("aws_lambda_function")
    assert function["environment"]["variables"]["PAYLOAD_SCHEMA_SHA256"] == schema.sha256
    with zipfile.ZipFile(staging.directory / function["filename"]) as archive:
        code = archive.read(PAYLOAD_VALIDATOR_FILE).decode()
    assert f'SCHEMA_SHA256 = "{schema.sha256}"' in code
    assert code == schema.validator_code()


def test_without_a_schema_nothing_is_checked_and_the_finding_stays_accepted(
    auth_modes: dict[str, SynthesizedStack], dev: SynthesizedStack
) -> None:
    for stack in (dev, auth_modes["api_key"]):
        assert not stack.resources("aws_api_gateway_model")
        assert not stack.resources("aws_api_gateway_request_validator")
        assert "request_validator_id" not in post_method(stack)
        assert (
            "PAYLOAD_SCHEMA_SHA256" not in stack.resource("aws_lambda_function")["environment"]["variables"]
        )
        kinds = {r["response_type"] for r in stack.resources("aws_api_gateway_gateway_response").values()}
        assert kinds == {"DEFAULT_4XX", "DEFAULT_5XX"}
        assert any("CKV2_AWS_53" in skip for skip in post_method(stack)["//"]["checkov"])
    assert STAGING.payload_schema
