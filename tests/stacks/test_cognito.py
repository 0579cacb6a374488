"""api_auth = "cognito": machine clients with OAuth access tokens. The stack's own pool (prod of
the cognito_pool variant) issues client-credentials tokens with the write scope POST /data
requires; with cognito_user_pool_arn the stack only points its authorizer at that pool."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import EXISTING_POOL_ARN, Variant


def post_method(variant: Variant) -> dict[str, Any]:
    methods = variant.stack.resources("aws_api_gateway_method").values()
    return next(m for m in methods if m["http_method"] == "POST")


def test_post_requires_an_access_token_with_the_write_scope(cognito_pool: Variant) -> None:
    stack = cognito_pool.stack
    authorizer = stack.resource("aws_api_gateway_authorizer")
    assert authorizer["type"] == "COGNITO_USER_POOLS"
    assert authorizer["identity_source"] == "method.request.header.Authorization"
    assert authorizer["provider_arns"] == [f"${{{stack.ref('aws_cognito_user_pool')}.arn}}"]
    post = post_method(cognito_pool)
    assert post["authorization"] == "COGNITO_USER_POOLS"
    assert post["authorizer_id"] == f"${{{stack.ref('aws_api_gateway_authorizer')}.id}}"
    assert post["authorization_scopes"] == ["data-api/write"]
    options = next(
        m for m in stack.resources("aws_api_gateway_method").values() if m["http_method"] == "OPTIONS"
    )
    assert options["authorization"] == "NONE"  # browsers send the preflight without credentials


def test_the_pool_issues_client_credentials_tokens_only(cognito_pool: Variant) -> None:
    stack = cognito_pool.stack
    pool = stack.resource("aws_cognito_user_pool")
    assert pool["admin_create_user_config"] == {"allow_admin_create_user_only": True}
    assert pool["deletion_protection"] == "ACTIVE"  # prod
    server = stack.resource("aws_cognito_resource_server")
    assert (server["identifier"], server["scope"]) == (
        "data-api",
        [{"scope_name": "write", "scope_description": "POST /data: store payloads"}],
    )
    client = stack.resource("aws_cognito_user_pool_client")
    assert client["allowed_oauth_flows"] == ["client_credentials"]
    assert client["allowed_oauth_scopes"] == ["data-api/write"]
    assert client["generate_secret"] is True
    assert stack.ref("aws_cognito_resource_server") in client["depends_on"]
    domain = stack.resource("aws_cognito_user_pool_domain")["domain"]
    assert domain.startswith("data-api-prod-${data.aws_caller_identity.")  # unique per account


def test_the_clients_secret_is_never_an_output(cognito_pool: Variant) -> None:
    outputs = cognito_pool.stack.config["output"]
    assert "client_secret" not in json.dumps(outputs)
    assert (
        outputs["cognito_client_id"]["value"]
        == f"${{{cognito_pool.stack.ref('aws_cognito_user_pool_client')}.id}}"
    )
    assert outputs["cognito_token_url"]["value"].endswith(".auth.us-east-1.amazoncognito.com/oauth2/token")
    assert outputs["cognito_scope_name"]["value"] == "data-api/write"


def test_an_existing_pool_gets_an_authorizer_and_nothing_else(cognito_existing_pool: Variant) -> None:
    stack = cognito_existing_pool.stack
    assert not any(kind.startswith("aws_cognito_") for kind in stack.config["resource"])
    assert stack.resource("aws_api_gateway_authorizer")["provider_arns"] == [EXISTING_POOL_ARN]
    assert post_method(cognito_existing_pool)["authorization_scopes"] == ["data-api/write"]
    assert stack.config["output"]["cognito_user_pool_arn"]["value"] == EXISTING_POOL_ARN
    assert "cognito_client_id" not in stack.config["output"]


def test_the_function_scopes_idempotency_keys_by_app_client(cognito_pool: Variant) -> None:
    variables = cognito_pool.stack.resource("aws_lambda_function")["environment"]["variables"]
    assert variables["API_AUTH"] == "cognito"
