"""The HTTP contract of POST /data as an OpenAPI 3.0 description (the version API Gateway imports
and exports), built from the contract module and the function's own constants. Pure: `make docs`
writes it to docs/openapi.yaml (tools/openapi.py) and `make local` serves it at GET /openapi.json."""

from __future__ import annotations

from typing import Any

from constructs_lib.contract import (
    BAD_GATEWAY,
    BINARY_MEDIA_TYPES,
    FORBIDDEN,
    FUNCTION_RULES,
    MISSING_ROUTE,
    RESOURCE_PATH,
    THROTTLED,
    TOO_LARGE,
    UNAUTHORIZED,
)
from constructs_lib.settings import Settings

DOCUMENT_PATH = "/openapi.json"
"""Where `make local` serves the description (the deployed stage does not)."""
OPENAPI_VERSION = "3.0.3"
COGNITO_SCOPE_EXAMPLE = Settings(environment="dev").cognito_write_scope
"""The write scope with the default cognito_resource_server."""

_CORS = {
    name: {"description": f"CORS: `{name}`", "schema": {"type": "string"}}
    for name in FUNCTION_RULES.cors_headers("https://app.example.com")
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying (the same Idempotency-Key is safe to reuse)",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
_REPLAYED = {
    FUNCTION_RULES.REPLAYED_HEADER: {
        "description": "`true` when this answer replays an earlier request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def _json(schema_ref: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**_CORS, **(headers or {})},
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _gateway(answer: tuple[int, dict[str, str]]) -> str:
    return f"API Gateway's own answer: `{answer[1]['message']}`"


def document() -> dict[str, Any]:
    """The OpenAPI description, as a plain mapping."""
    # Any JSON value, spelled as the alternatives so that client generators type it (a bare {}
    # becomes an untyped body many of them cannot send).
    any_json: dict[str, Any] = {
        "description": "Any JSON value",
        "nullable": True,
        "oneOf": [
            {"type": "object", "additionalProperties": True},
            {"type": "array", "items": {}},
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
        ],
    }
    responses: dict[str, Any] = {
        "200": _json("Stored", "Stored, once it is durably written", _REPLAYED),
        "400": _json(
            "Error",
            "A missing or empty body, a body declared JSON that is not, a value DynamoDB cannot store, or "
            "(with the setting payload_schema) a payload the schema refuses: `Invalid request body`, and "
            "`error` says where",
        ),
        "401": _json(
            "Error",
            f"{_gateway(UNAUTHORIZED)} (`api_auth = cognito`): no token, or one that is expired, not the "
            "pool's, or without the write scope",
        ),
        "403": _json(
            "Error",
            f"{_gateway(FORBIDDEN)} (no valid API key, `api_auth = api_key`) or a request IAM refuses "
            f"(`api_auth = iam`); {_gateway(MISSING_ROUTE)} for any other method or path",
        ),
        "409": _json(
            "Error", "A request with the same Idempotency-Key is still being processed", _RETRY_AFTER
        ),
        "413": {
            **_json("Error", f"The item would exceed DynamoDB's 400 KB, or {_gateway(TOO_LARGE)}"),
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                "text/plain": {"schema": {"type": "string"}, "example": "a body over API Gateway's 10 MB"},
            },
        },
        "422": _json("Error", "An Idempotency-Key reused with another payload"),
        "429": _json("Error", f"{_gateway(THROTTLED)}: over the stage's throttle"),
        "500": _json("Error", "Anything else; nothing was stored"),
        "502": _json("Error", f"{_gateway(BAD_GATEWAY)}: the function failed"),
        "503": _json("Error", "DynamoDB kept throttling; nothing was stored", _RETRY_AFTER),
    }
    binary = {media: {"schema": {"type": "string", "format": "binary"}} for media in BINARY_MEDIA_TYPES}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "data-api",
            "version": "1",
            "description": (
                "Stores any payload POSTed to /data with a fresh id and timestamp. The server URL is the "
                "stack's `api_url` output without `/data`; `make local` serves it on http://127.0.0.1:8080."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8080", "description": "make local"}],
        "paths": {
            f"/{RESOURCE_PATH}": {
                "post": {
                    "operationId": "storeData",
                    "summary": "Store a payload",
                    "parameters": [
                        {
                            "name": FUNCTION_RULES.IDEMPOTENCY_HEADER,
                            "in": "header",
                            "required": False,
                            "description": "Makes a retry safe: the same key and payload get the same answer",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": any_json},
                            "text/plain": {"schema": {"type": "string", "minLength": 1}},
                            **binary,
                        },
                    },
                    "responses": responses,
                    "security": [{}, {"apiKey": []}, {"sigv4": []}, {"cognito": [COGNITO_SCOPE_EXAMPLE]}],
                },
                "options": {
                    "operationId": "preflight",
                    "summary": "The CORS preflight",
                    "security": [],
                    "responses": {"200": {"description": "The CORS headers, no body", "headers": _CORS}},
                },
            }
        },
        "components": {
            "schemas": {
                "Stored": {
                    "type": "object",
                    "required": ["id", "timestamp", "message"],
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "timestamp": {"type": "string", "format": "date-time"},
                        "message": {"type": "string"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "message": {"type": "string"},
                        "error": {
                            "type": "string",
                            "description": "What exactly (a payload the payload schema refuses: where)",
                        },
                        "request_id": {"type": "string", "nullable": True},
                    },
                },
            },
            "securitySchemes": {
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "x-api-key",
                    "description": "`api_auth = api_key`: the stack's `api_key_value` output",
                },
                "sigv4": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`api_auth = iam`: an AWS Signature Version 4 signature (execute-api)",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                },
                "cognito": {
                    "type": "oauth2",
                    "description": (
                        "`api_auth = cognito`: an access token of the client-credentials grant, sent in the "
                        "Authorization header as it is (the stack's `cognito_token_url` and "
                        "`cognito_client_id` outputs; `make local-token` mints one for make local)"
                    ),
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://<prefix>-<environment>-<account>.auth.<region>.amazoncognito.com/oauth2/token",
                            "scopes": {
                                COGNITO_SCOPE_EXAMPLE: "Store payloads (`<cognito_resource_server>/write`)"
                            },
                        }
                    },
                },
            },
        },
    }
