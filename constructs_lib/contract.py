"""Names the stack, the function and the local tools must agree on. No CDKTF import here:
the local API and the tests read this without paying for the provider."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTION_SOURCE_DIR = PROJECT_ROOT / "lambda"
"""The function's code, deployed as-is; resolved from this file so synth works from any cwd."""
HANDLER = "handler.handler"

PARTITION_KEY = "id"
SORT_KEY = "timestamp"
"""The table's key schema: both strings."""


def table_definition(
    table_name: str, read_capacity: int, write_capacity: int, idempotency: bool = False
) -> dict[str, object]:
    """CreateTable arguments for the data table (or the idempotency table) with the stack's key
    schema (local runs and tests)."""
    keys = ((IDEMPOTENCY_KEY, "HASH"),) if idempotency else ((PARTITION_KEY, "HASH"), (SORT_KEY, "RANGE"))
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name, _ in keys],
        "ProvisionedThroughput": {"ReadCapacityUnits": read_capacity, "WriteCapacityUnits": write_capacity},
    }


RESOURCE_PATH = "data"
"""The one resource of the API: POST /data (and its CORS preflight)."""


ACCESS_LOG_FORMAT: dict[str, str] = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "errorMessage": "$context.error.message",
    "errorType": "$context.error.responseType",
}
"""One JSON object per request; never the payload."""


STAGE_LOGGING_LEVEL = "INFO"
STAGE_METRICS_ENABLED = True
STAGE_DATA_TRACE_ENABLED = False
"""The stage's method settings: execution logs at INFO, metrics on, and never full request and
response logging (it would copy every payload into CloudWatch)."""
GATEWAY_RESPONSE_TYPES: tuple[str, ...] = ("DEFAULT_4XX", "DEFAULT_5XX")
"""API Gateway's own answers that carry the CORS headers (throttling, auth, timeouts)."""
FUNCTION_POLICY_NAME = "ingest"
"""The function role's one inline policy."""

SNAPSHOT_PART_TYPES: tuple[str, ...] = (
    "aws_api_gateway_rest_api",
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_integration",
    "aws_api_gateway_method_response",
    "aws_api_gateway_integration_response",
    "aws_api_gateway_gateway_response",
    "aws_api_gateway_model",
    "aws_api_gateway_request_validator",
    "aws_api_gateway_authorizer",
)
"""What a deployment snapshots: every resource of these types must be a registered part."""
STAGE_LEVEL_TYPES: tuple[str, ...] = (
    "aws_api_gateway_deployment",
    "aws_api_gateway_stage",
    "aws_api_gateway_method_settings",
    "aws_api_gateway_api_key",
    "aws_api_gateway_usage_plan",
    "aws_api_gateway_usage_plan_key",
    "aws_api_gateway_account",
    "aws_api_gateway_domain_name",
    "aws_api_gateway_base_path_mapping",
)
"""API Gateway resources that are not in a deployment's snapshot (they take effect on their own)."""

EXECUTION_LOG_GROUP_PREFIX = "API-Gateway-Execution-Logs_"


def execution_log_group_name(rest_api_id: str, stage_name: str) -> str:
    """The log group API Gateway writes execution logs to; we create it so it has retention and a key."""
    return f"{EXECUTION_LOG_GROUP_PREFIX}{rest_api_id}/{stage_name}"


def function_source_files(source_dir: Path = FUNCTION_SOURCE_DIR) -> list[Path]:
    """The files that make up the function: its Python sources, not caches or editor litter."""
    return sorted(
        p for p in source_dir.rglob("*.py") if "__pycache__" not in p.parts and not p.name.startswith(".")
    )


def load_function_module(name: str, module_name: str | None = None) -> ModuleType:
    """A fresh copy of ``lambda/<name>.py`` (under ``module_name``, so copies never collide),
    imported as the Lambda runtime would: its sibling modules importable by bare name."""
    if str(FUNCTION_SOURCE_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTION_SOURCE_DIR))
    package = FUNCTION_SOURCE_DIR / name
    if package.is_dir():  # a package of the function (lambda/ingest/): its modules come with it
        path = package / "__init__.py"
        spec = importlib.util.spec_from_file_location(
            module_name or f"data_api_function_{name}", path, submodule_search_locations=[str(package)]
        )
    else:
        path = FUNCTION_SOURCE_DIR / f"{name}.py"
        spec = importlib.util.spec_from_file_location(module_name or f"data_api_function_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs, as an import would: a dataclass looks its module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


FUNCTION_RULES: ModuleType = load_function_module("ingest", "data_api_function_rules")
"""The function's pure rules (lambda/ingest/: no AWS, no environment), loaded once for every
part of the project that must agree with the function: CORS, binary types, the time budget."""

IDEMPOTENCY_KEY: str = FUNCTION_RULES.RECORD_KEY
IDEMPOTENCY_EXPIRY_ATTRIBUTE: str = FUNCTION_RULES.RECORD_EXPIRY
"""The idempotency table: one string key; the expiry (epoch seconds) is its TTL attribute. The
function's own names (lambda/ingest/idempotency.py), so the table and the records never disagree."""

FUNCTION_ENVIRONMENT: ModuleType = load_function_module("environment", "data_api_function_environment")
"""The function's environment variables (lambda/environment.py): the stack, make local, make verify
and the tests set them through FUNCTION_ENVIRONMENT.FunctionEnvironment(...).variables()."""

BINARY_MEDIA_TYPES: tuple[str, ...] = FUNCTION_RULES.BINARY_MEDIA_TYPES
"""Content types API Gateway hands the function base64-encoded (bytes stay bytes); the
function's own list, so the API and the function never disagree."""


# The custom domain (constructs_lib/domain.py builds it, `make verify` expects it). The strictest
# security policy this provider can set on a regional REST custom domain: API Gateway's enhanced
# policies (SecurityPolicy_TLS13_1_3_2025_09 and the rest) must come with an endpoint access mode,
# which aws_api_gateway_domain_name in provider 6.25 has no argument for; of the legacy policies,
# TLS_1_2 refuses TLS 1.0 and 1.1.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html
DOMAIN_SECURITY_POLICY = "TLS_1_2"
DOMAIN_ALIAS_RECORD_TYPES: tuple[str, ...] = ("A", "AAAA")


# API Gateway's own answers (its gateway responses), in the stage's words: make local gives them,
# docs/openapi.yaml documents them.
MISSING_ROUTE = (403, {"message": "Missing Authentication Token"})
"""What a REST API answers for a path or method it does not define (not 404/405), any method:
https://repost.aws/knowledge-center/api-gateway-authentication-token-errors"""
THROTTLED = (429, {"message": "Too Many Requests"})
TOO_LARGE = (413, {"message": "Request Too Long"})
"""What a client gets when the event exceeds Lambda's invocation limit: API Gateway's answer,
before the function ever runs (a known behaviour: koki-develop/lgtm-generator#10)."""
OVER_API_GATEWAY_LIMIT = b"HTTP content length exceeded 10485760 bytes."
"""API Gateway's plain-text answer (413) to a body over its 10 MB, same source."""
BAD_GATEWAY = (502, {"message": "Internal server error"})
BAD_REQUEST = (400, {"message": "Bad Request"})
UNAUTHORIZED = (401, {"message": "Unauthorized"})
"""What the stage answers (api_auth=cognito) a request whose token is missing, expired, not the
pool's, or without the write scope: https://repost.aws/knowledge-center/api-gateway-cognito-401-unauthorized"""
COGNITO_TOKEN_HEADER = "Authorization"
"""Where a client sends its access token (the authorizer's identity source), the token alone."""
PAYLOAD_VALIDATOR_FILE = f"{FUNCTION_RULES.VALIDATOR_MODULE}.py"
"""The payload schema's generated validator, beside the handler in the function's code."""
PAYLOAD_MODEL_NAME = "Payload"
"""The POST method's model for application/json (the payload schema); alphanumeric, as API
Gateway requires of a model's name."""
PAYLOAD_MODEL_CONTENT_TYPE = "application/json"
"""The only content type API Gateway checks against the model; the function checks the rest."""
INVALID_BODY_TEMPLATE = (
    '{"message":$context.error.messageString,"error":"$context.error.validationErrorString",'
    '"request_id":"$context.requestId"}'
)
"""API Gateway's BAD_REQUEST_BODY answer with a payload schema: its message ("Invalid request
body", already quoted), what its validator said, and the request id, in the function's own shape
(message, error, request_id). A gateway response template substitutes variables only (no VTL).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-validation-set-up.html"""
FORBIDDEN = (403, {"message": "Forbidden"})
"""What the stage answers a request without a valid API key (api_auth=api_key)."""


def gateway_allowed_origin(origins: tuple[str, ...]) -> str | None:
    """The Access-Control-Allow-Origin of API Gateway's own answers (its gateway responses: 403,
    429, 413, 5XX). They take only static values or a request header's value, which would allow
    any origin; so: ``*``, the one listed origin, or none when several are listed (a browser
    app then cannot read those answers, only the function's and the preflight's).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html"""
    if origins == ("*",):
        return "*"
    return origins[0] if len(origins) == 1 else None


def preflight_template(origins: tuple[str, ...]) -> str | None:
    """The preflight's (MOCK integration response's) mapping template when not every origin is
    allowed: Access-Control-Allow-Origin set, as a response override, to the request's Origin
    when it is listed, and left out otherwise. None for ``*`` (a static header does).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html"""
    if origins == ("*",):
        return None
    listed = ", ".join(f'"{origin}"' for origin in origins)
    return (
        "#set($origin = $input.params().header.get('Origin'))\n"
        "#if(!$origin)#set($origin = $input.params().header.get('origin'))#end\n"
        f"#set($allowed = [{listed}])\n"
        "#if($allowed.contains($origin))\n"
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n"
        "#end\n"
    )
