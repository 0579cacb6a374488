"""The REST API: endpoint, integrations, CORS, permission, deployment, stage, logging, throttling."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from constructs_lib.contract import ACCESS_LOG_FORMAT
from tests.conftest import SynthesizedStack, Variant, synth_worker

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "'*'",
    "Access-Control-Allow-Methods": "'OPTIONS,POST'",
    "Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,"
    "Idempotency-Key'",
    "Access-Control-Expose-Headers": "'Idempotent-Replayed'",
}


def test_api_is_regional_with_a_data_resource(dev: SynthesizedStack) -> None:
    api = dev.resource("aws_api_gateway_rest_api")
    assert api["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert api["name"] == "data-api-dev-api"
    assert "application/octet-stream" in api["binary_media_types"]
    assert "*/*" not in api["binary_media_types"]  # would turn the CORS preflight's mock binary
    resource = dev.resource("aws_api_gateway_resource")
    assert resource["path_part"] == "data"
    assert resource["parent_id"] == f"${{{dev.ref('aws_api_gateway_rest_api')}.root_resource_id}}"


def test_post_proxies_to_the_function(dev: SynthesizedStack) -> None:
    post = dev.resource("aws_api_gateway_method", "rest_api/post")
    assert (post["http_method"], post["authorization"]) == ("POST", "NONE")
    integration = dev.resource("aws_api_gateway_integration", "rest_api/post_integration")
    assert integration["type"] == "AWS_PROXY"
    assert integration["integration_http_method"] == "POST"
    # Built from the function's name (test_lifecycle.py says why), and so the same function.
    function_name = dev.resource("aws_lambda_function")["function_name"]
    assert integration["uri"].endswith(f":function:{function_name}/invocations")
    assert integration["resource_id"] == f"${{{dev.ref('aws_api_gateway_resource')}.id}}"


def test_post_declares_its_responses(dev: SynthesizedStack) -> None:
    statuses = {
        r["status_code"]
        for r in dev.resources("aws_api_gateway_method_response").values()
        if r["http_method"] == f"${{{dev.ref('aws_api_gateway_method', 'rest_api/post')}.http_method}}"
    }
    assert {"200", "400", "500"} <= statuses


def test_options_answers_the_preflight_with_a_mock(dev: SynthesizedStack) -> None:
    options = dev.resource("aws_api_gateway_method", "rest_api/options")
    assert (options["http_method"], options["authorization"]) == ("OPTIONS", "NONE")
    mock = dev.resource("aws_api_gateway_integration", "rest_api/options_integration")
    assert mock["type"] == "MOCK"
    assert json.loads(mock["request_templates"]["application/json"]) == {"statusCode": 200}
    method_response = dev.resource("aws_api_gateway_method_response", "rest_api/options_response")
    assert method_response["status_code"] == "200"
    response = dev.resource("aws_api_gateway_integration_response")
    # By reference, so the integration response waits for the method response it answers for.
    ref = dev.ref("aws_api_gateway_method_response", "rest_api/options_response")
    assert response["status_code"] == f"${{{ref}.status_code}}"
    assert response["response_parameters"] == {
        f"method.response.header.{name}": value for name, value in CORS_HEADERS.items()
    }


def test_gateway_errors_carry_cors_headers(dev: SynthesizedStack) -> None:
    responses = {r["response_type"]: r for r in dev.resources("aws_api_gateway_gateway_response").values()}
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for response in responses.values():
        assert response["response_parameters"] == {
            f"gatewayresponse.header.{name}": value for name, value in CORS_HEADERS.items()
        }


def test_listed_origins_the_preflight_allows_the_asking_one_and_gateway_errors_none(
    two_origins: Variant,
) -> None:
    """The preflight's template allows exactly a listed Origin (a response override); API
    Gateway's own errors can only carry static values, so with several origins none (and Vary)."""
    stack = two_origins.stack
    integration_response = stack.resource("aws_api_gateway_integration_response")
    static = integration_response["response_parameters"]
    assert "method.response.header.Access-Control-Allow-Origin" not in static
    assert static["method.response.header.Vary"] == "'Origin'"
    template = integration_response["response_templates"]["application/json"]
    assert '#set($allowed = ["https://app.example.com", "https://admin.example.com"])' in template
    assert "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)" in template
    declared = stack.resource("aws_api_gateway_method_response", "rest_api/options_response")
    assert declared["response_parameters"]["method.response.header.Access-Control-Allow-Origin"] is True
    for response in stack.resources("aws_api_gateway_gateway_response").values():
        parameters = response["response_parameters"]
        assert "gatewayresponse.header.Access-Control-Allow-Origin" not in parameters
        assert parameters["gatewayresponse.header.Vary"] == "'Origin'"


def test_invoke_permission_is_scoped_to_post_data_on_this_stage(dev: SynthesizedStack) -> None:
    permission = dev.resource("aws_lambda_permission")
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["function_name"] == f"${{{dev.ref('aws_lambda_function')}.function_name}}"
    assert (
        permission["source_arn"] == f"${{{dev.ref('aws_api_gateway_rest_api')}.execution_arn}}/dev/POST/data"
    )


def test_deployment_redeploys_when_anything_that_shapes_the_api_changes(dev: SynthesizedStack) -> None:
    deployment = dev.resource("aws_api_gateway_deployment")
    assert deployment["lifecycle"] == {"create_before_destroy": True}
    trigger = deployment["triggers"]["redeployment"]
    assert trigger.startswith("${sha1(jsonencode([")
    assert trigger.endswith("]))}")
    shaping = [
        # The API itself (its binary media types, say): a change to it ships only with a redeployment.
        dev.ref("aws_api_gateway_rest_api"),
        *(dev.ref("aws_api_gateway_method", p) for p in ("rest_api/post", "rest_api/options")),
        *(
            dev.ref("aws_api_gateway_integration", p)
            for p in ("rest_api/post_integration", "rest_api/options_integration")
        ),
        dev.ref("aws_api_gateway_resource"),
        dev.ref("aws_api_gateway_integration_response"),
        *(f"aws_api_gateway_gateway_response.{k}" for k in dev.resources("aws_api_gateway_gateway_response")),
        *(f"aws_api_gateway_method_response.{k}" for k in dev.resources("aws_api_gateway_method_response")),
    ]
    for address in shaping:
        # Each whole resource (every attribute of it), not one attribute such as its id.
        assert re.search(rf"[\[ ]{re.escape(address)}[,\]]", trigger), address
        if address not in (dev.ref("aws_api_gateway_resource"), dev.ref("aws_api_gateway_rest_api")):
            assert address in deployment["depends_on"], address


def test_stage_is_named_for_the_environment_and_traced(
    dev: SynthesizedStack, tuned_function: Variant
) -> None:
    stage = dev.resource("aws_api_gateway_stage")
    assert stage["stage_name"] == "dev"
    assert stage["deployment_id"] == f"${{{dev.ref('aws_api_gateway_deployment')}.id}}"
    assert stage["xray_tracing_enabled"] is True
    assert tuned_function.stack.resource("aws_api_gateway_stage")["xray_tracing_enabled"] is False


def test_access_log_is_json_with_the_fields_that_matter(dev: SynthesizedStack) -> None:
    settings = dev.resource("aws_api_gateway_stage")["access_log_settings"]
    assert (
        settings["destination_arn"]
        == f"${{{dev.ref('aws_cloudwatch_log_group', 'rest_api/access_log_group')}.arn}}"
    )
    fields = json.loads(settings["format"])
    assert fields == ACCESS_LOG_FORMAT
    values = set(fields.values())
    for variable in (
        "$context.requestId",
        "$context.identity.sourceIp",
        "$context.httpMethod",
        "$context.resourcePath",
        "$context.status",
        "$context.responseLatency",
        "$context.error.message",
    ):
        assert variable in values, variable
    assert not any("body" in v.lower() for v in values)


def test_api_log_groups_have_retention_and_the_data_key(dev: SynthesizedStack, operations: Variant) -> None:
    key = f"${{{dev.ref('aws_kms_key')}.arn}}"
    access = dev.resource("aws_cloudwatch_log_group", "rest_api/access_log_group")
    execution = dev.resource("aws_cloudwatch_log_group", "rest_api/execution_log_group")
    assert access["name"] == "/aws/apigateway/data-api-dev-access"
    assert (
        execution["name"] == f"API-Gateway-Execution-Logs_${{{dev.ref('aws_api_gateway_rest_api')}.id}}/dev"
    )
    for group in (access, execution):
        assert (group["retention_in_days"], group["kms_key_id"]) == (14, key)
    # The stage must not create the execution log group itself (unencrypted, kept forever).
    assert (
        dev.ref("aws_cloudwatch_log_group", "rest_api/execution_log_group")
        in dev.resource("aws_api_gateway_stage")["depends_on"]
    )
    groups = operations.stack.resources("aws_cloudwatch_log_group").values()
    assert {g["retention_in_days"] for g in groups} == {30}


def test_method_settings_throttle_log_and_never_trace_data(dev: SynthesizedStack) -> None:
    method_settings = dev.resource("aws_api_gateway_method_settings")
    assert method_settings["method_path"] == "*/*"
    assert method_settings["stage_name"] == f"${{{dev.ref('aws_api_gateway_stage')}.stage_name}}"
    assert method_settings["settings"] == {
        "throttling_rate_limit": 100,
        "throttling_burst_limit": 50,
        "metrics_enabled": True,
        "logging_level": "INFO",
        "data_trace_enabled": False,
    }


def test_every_api_gateway_resource_is_a_registered_part_or_stage_level(synthesized, auth_modes) -> None:
    from constructs_lib.contract import SNAPSHOT_PART_TYPES, STAGE_LEVEL_TYPES

    for stack in [*synthesized.values(), *auth_modes.values()]:
        for kind, blocks in stack.config.get("resource", {}).items():
            if not kind.startswith("aws_api_gateway_"):
                continue
            # A new kind of API Gateway resource must be classified here before it can ship.
            assert kind in SNAPSHOT_PART_TYPES + STAGE_LEVEL_TYPES, f"{stack.name}: unclassified {kind}"
            if kind not in SNAPSHOT_PART_TYPES:
                continue
            [deployment] = stack.resources("aws_api_gateway_deployment").values()
            trigger = deployment["triggers"]["redeployment"]
            for name in blocks:
                assert re.search(rf"[\[ ]{kind}\.{name}[,\]]", trigger), (
                    f"{stack.name}: {kind}.{name} never redeploys"
                )


def late_part_app(outdir: str) -> tuple[dict[str, Any], str]:
    """In the synth worker: a REST API whose model registers after the deployment exists; the
    stack's JSON and the model's address."""
    from constructs_lib.auth import auth_strategy
    from constructs_lib.framework import ApiGatewayModel, App, AwsProvider, TerraformStack
    from constructs_lib.rest_api import RestApi, RestApiProps

    app = App(outdir=outdir)
    stack = TerraformStack(app, "late")
    AwsProvider(stack, "aws", region="us-east-1")
    props = RestApiProps(
        api_name="late-api",
        stage_name="dev",
        function_name="late-ingest",
        function_invoke_arn="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/x/invocations",
        live_after=[],
        throttle_rate_limit=100,
        throttle_burst_limit=50,
        cors_allowed_origins=("*",),
        tracing_enabled=False,
        access_log_group_name="/aws/apigateway/late",
        log_retention_days=14,
        kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k",
        auth=auth_strategy("none"),
        api_key_daily_quota=1,
    )
    api = RestApi(stack, "rest_api", props)
    model = api.part(
        ApiGatewayModel(
            stack, "model", rest_api_id=api.api.id, name="Late", content_type="application/json", schema="{}"
        )
    )
    app.synth()
    config = json.loads((Path(app.outdir) / "stacks" / "late" / "cdk.tf.json").read_text())
    return config, f"aws_api_gateway_model.{model.friendly_unique_id}"


def test_a_part_registered_after_the_deployment_still_joins_its_trigger(tmp_path: Path) -> None:
    config, address = synth_worker().call(f"{__name__}:late_part_app", str(tmp_path / "late-part"))
    [deployment] = config["resource"]["aws_api_gateway_deployment"].values()
    assert address in deployment["triggers"]["redeployment"]
    assert address in deployment["depends_on"]
