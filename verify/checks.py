"""The checks behind `make verify`: what a deployed environment stack must be, compared with
what it is. Read-only AWS calls, plus a few HTTP requests to the API.

What "must be" comes from the same code the stack is synthesized with (settings, the pure
policies, the alarm definitions, the contract), never from a second description of the stack.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from client.http import Reply, request
from constructs_lib import naming
from constructs_lib.alarm_specs import MetricAlarmSpec, alarm_specs
from constructs_lib.aws_context import AwsContext
from constructs_lib.contract import (
    ACCESS_LOG_FORMAT,
    COGNITO_TOKEN_HEADER,
    DOMAIN_ALIAS_RECORD_TYPES,
    DOMAIN_SECURITY_POLICY,
    FUNCTION_POLICY_NAME,
    FUNCTION_RULES,
    GATEWAY_RESPONSE_TYPES,
    HANDLER,
    IDEMPOTENCY_EXPIRY_ATTRIBUTE,
    IDEMPOTENCY_KEY,
    INVALID_BODY_TEMPLATE,
    PARTITION_KEY,
    PAYLOAD_MODEL_CONTENT_TYPE,
    PAYLOAD_MODEL_NAME,
    RESOURCE_PATH,
    SORT_KEY,
    STAGE_DATA_TRACE_ENABLED,
    STAGE_LOGGING_LEVEL,
    STAGE_METRICS_ENABLED,
    execution_log_group_name,
    gateway_allowed_origin,
)
from constructs_lib.firewall_rules import REDACTED_HEADERS, web_acl_rules
from constructs_lib.outputs import (
    ACCESS_LOG_GROUP_NAME,
    COGNITO_CLIENT_ID,
    COGNITO_USER_POOL_ARN,
    FUNCTION_LOG_GROUP_NAME,
)
from constructs_lib.payload_schema import PayloadSchema
from constructs_lib.policies import data_key_statements, function_statements, service_trust_policy
from constructs_lib.settings import COGNITO_WRITE_SCOPE, Settings

WRITE_CAPACITY_DIMENSION = "dynamodb:table:WriteCapacityUnits"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Deployment:
    """One deployed environment stack: its outputs, the settings it was synthesized with, where
    it lives, and a way to make clients for it."""

    stack: str
    outputs: Mapping[str, str]
    settings: Settings
    aws: AwsContext
    client: Callable[[str], Any]
    api_key: str | None = None
    sign: Callable[[str, str, bytes, dict[str, str]], dict[str, str]] | None = None
    """Adds SigV4 headers to a request (api_auth=iam)."""
    token: Callable[[], str] | None = None
    """An access token for POST /data (api_auth=cognito), fetched when first asked."""
    sample_payload: str | None = None
    """A payload the payload schema accepts (--payload: JSON text), stored by the live check
    instead of the marker payload."""

    def output(self, name: str) -> str:
        value = self.outputs.get(name)
        if not value:
            raise MissingOutputError(name)
        return value

    @property
    def log_group_names(self) -> list[str]:
        firewall = self.settings.waf != "off"
        return [
            self.output(FUNCTION_LOG_GROUP_NAME),
            self.output(ACCESS_LOG_GROUP_NAME),
            execution_log_group_name(self.output("api_id"), self.output("stage_name")),
            *(
                [naming.waf_log_group(self.settings.name_prefix, self.settings.environment)]
                if firewall
                else []
            ),
        ]


class MissingOutputError(Exception):
    """The outputs file lacks an output a check needs."""


def passed(name: str, detail: str = "") -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str) -> Check:
    return Check(name, False, detail)


def compare(name: str, expected: Any, actual: Any) -> Check:
    if expected == actual:
        return passed(name)
    return failed(name, f"expected {_show(expected)}, found {_show(actual)}")


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def fields_differ(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """``name: expected X, found Y`` for each field whose value differs."""
    return [
        f"{key}: expected {_show(value)}, found {_show(actual.get(key))}"
        for key, value in expected.items()
        if actual.get(key) != value
    ]


def compare_fields(name: str, expected: Mapping[str, Any], actual: Mapping[str, Any]) -> Check:
    differences = fields_differ(expected, actual)
    return failed(name, "; ".join(differences)) if differences else passed(name)


# --- policies -----------------------------------------------------------------------------

_SCALAR_KEYS = frozenset({"Sid", "Effect", "Version"})


def _normalized(value: Any, key: str | None = None) -> Any:
    """A policy element in one canonical form: AWS and Terraform may turn a one-element list into
    a string and reorder lists; neither changes what the policy allows."""
    if isinstance(value, dict):
        return {k: _normalized(v, k) for k, v in value.items()}
    if key in _SCALAR_KEYS and not isinstance(value, list):
        return value
    items = value if isinstance(value, list) else [value]
    return sorted((_normalized(v) if isinstance(v, dict | list) else v for v in items), key=_show)


def policy_statements(document: str | Mapping[str, Any]) -> dict[str, Any]:
    """The statements of a policy document by Sid, normalized."""
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = parsed.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return {s.get("Sid", f"#{i}"): _normalized(s) for i, s in enumerate(statements)}


def compare_policy(name: str, expected: str | Mapping[str, Any], actual: str | Mapping[str, Any]) -> Check:
    """Whether a deployed policy allows exactly what the stack synthesizes, statement by statement."""
    want, have = policy_statements(expected), policy_statements(actual)
    problems = [f"statement {sid} is missing" for sid in want if sid not in have]
    problems += [f"statement {sid} is not in the stack" for sid in have if sid not in want]
    problems += [
        f"statement {sid} differs: expected {_show(want[sid])}, found {_show(have[sid])}"
        for sid in want
        if sid in have and want[sid] != have[sid]
    ]
    return failed(name, "; ".join(problems)) if problems else passed(name)


# --- the table ----------------------------------------------------------------------------


def table_checks(d: Deployment) -> Iterator[Check]:
    yield from _table_checks(
        d, "table", d.output("table_name"), {PARTITION_KEY: ["HASH", "S"], SORT_KEY: ["RANGE", "S"]}
    )


def idempotency_table_checks(d: Deployment) -> Iterator[Check]:
    name = d.output("idempotency_table_name")
    yield from _table_checks(d, "idempotency table", name, {IDEMPOTENCY_KEY: ["HASH", "S"]})
    ttl = d.client("dynamodb").describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
    yield compare(
        "idempotency table: time to live",
        {"TimeToLiveStatus": "ENABLED", "AttributeName": IDEMPOTENCY_EXPIRY_ATTRIBUTE},
        {"TimeToLiveStatus": ttl.get("TimeToLiveStatus"), "AttributeName": ttl.get("AttributeName")},
    )


def _table_checks(
    d: Deployment, label: str, name: str, key_schema: Mapping[str, list[str]]
) -> Iterator[Check]:
    s = d.settings
    dynamodb = d.client("dynamodb")
    table = dynamodb.describe_table(TableName=name)["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    yield compare(
        f"{label}: key schema",
        dict(key_schema),
        {k["AttributeName"]: [k["KeyType"], types.get(k["AttributeName"])] for k in table["KeySchema"]},
    )
    mode = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    on_demand = s.billing_mode == "on_demand"
    if on_demand:
        cap = table.get("OnDemandThroughput", {}).get("MaxWriteRequestUnits")
        yield compare(
            f"{label}: capacity",
            {
                "billing_mode": "PAY_PER_REQUEST",
                "max_write_request_units": s.effective_on_demand_max_write_units,
            },
            {"billing_mode": mode, "max_write_request_units": cap},
        )
    else:
        throughput = table.get("ProvisionedThroughput", {})
        write = throughput.get("WriteCapacityUnits", 0)
        capacity = {"billing_mode": mode, "read_capacity": throughput.get("ReadCapacityUnits")}
        problems = fields_differ({"billing_mode": "PROVISIONED", "read_capacity": s.read_capacity}, capacity)
        if not s.write_capacity <= write <= s.max_write_capacity:
            problems.append(f"write capacity {write} outside {s.write_capacity}..{s.max_write_capacity}")
        yield failed(f"{label}: capacity", "; ".join(problems)) if problems else passed(f"{label}: capacity")
    sse = table.get("SSEDescription", {})
    yield compare(
        f"{label}: encryption with this stack's key",
        {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": d.output("kms_key_arn")},
        {k: sse.get(k) for k in ("Status", "SSEType", "KMSMasterKeyArn")},
    )
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    pitr = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    yield compare(f"{label}: point-in-time recovery", "ENABLED", pitr)
    yield compare(
        f"{label}: deletion protection", s.deletion_protection, table.get("DeletionProtectionEnabled", False)
    )
    scaling = d.client("application-autoscaling")
    resource = {
        "ServiceNamespace": "dynamodb",
        "ResourceId": f"table/{name}",
        "ScalableDimension": WRITE_CAPACITY_DIMENSION,
    }
    targets = scaling.describe_scalable_targets(
        ServiceNamespace="dynamodb",
        ResourceIds=[resource["ResourceId"]],
        ScalableDimension=WRITE_CAPACITY_DIMENSION,
    )["ScalableTargets"]
    found = (
        {"MinCapacity": targets[0]["MinCapacity"], "MaxCapacity": targets[0]["MaxCapacity"]}
        if targets
        else {}
    )
    none = "none (on demand)"
    yield compare(
        f"{label}: write autoscaling target",
        none if on_demand else {"MinCapacity": s.write_capacity, "MaxCapacity": s.max_write_capacity},
        found or (none if on_demand else "no scalable target"),
    )
    policies = scaling.describe_scaling_policies(**resource)["ScalingPolicies"]
    shapes = [
        {
            "PolicyType": p.get("PolicyType"),
            "TargetValue": float(p.get("TargetTrackingScalingPolicyConfiguration", {}).get("TargetValue", 0)),
            "Metric": p.get("TargetTrackingScalingPolicyConfiguration", {})
            .get("PredefinedMetricSpecification", {})
            .get("PredefinedMetricType"),
        }
        for p in policies
    ]
    yield compare(
        f"{label}: write autoscaling policy",
        []
        if on_demand
        else [
            {
                "PolicyType": "TargetTrackingScaling",
                "TargetValue": float(s.write_target_utilization_percent),
                "Metric": "DynamoDBWriteCapacityUtilization",
            }
        ],
        shapes,
    )


# --- the key ------------------------------------------------------------------------------


def key_checks(d: Deployment) -> Iterator[Check]:
    kms = d.client("kms")
    key = d.output("kms_key_arn")
    state = kms.describe_key(KeyId=key)["KeyMetadata"].get("KeyState")
    yield compare("key: enabled", "Enabled", state)
    yield compare("key: rotation", True, kms.get_key_rotation_status(KeyId=key).get("KeyRotationEnabled"))
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    expected = {"Version": "2012-10-17", "Statement": data_key_statements(d.aws, d.log_group_names)}
    yield compare_policy("key: policy", expected, policy)


# --- the function -------------------------------------------------------------------------


def function_checks(d: Deployment) -> Iterator[Check]:
    s = d.settings
    name = d.output("function_name")
    functions = d.client("lambda")
    config = functions.get_function_configuration(FunctionName=name)
    yield compare_fields(
        "function: configuration",
        {"Runtime": s.lambda_runtime, "MemorySize": s.lambda_memory_mb, "Timeout": s.lambda_timeout_seconds,
         "Handler": HANDLER},
        config,
    )  # fmt: skip
    yield compare(
        "function: environment",
        s.function_variables(d.output("table_name"), d.output("idempotency_table_name")),
        config.get("Environment", {}).get("Variables", {}),
    )
    yield compare(
        "function: tracing",
        "Active" if s.tracing_enabled else "PassThrough",
        config.get("TracingConfig", {}).get("Mode"),
    )
    yield compare(
        "function: log group",
        d.output(FUNCTION_LOG_GROUP_NAME),
        config.get("LoggingConfig", {}).get("LogGroup"),
    )
    reserved = functions.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    yield compare("function: reserved concurrency", s.lambda_reserved_concurrency or None, reserved)
    role_name = config["Role"].rsplit("/", 1)[-1]
    iam = d.client("iam")
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    yield compare_policy("function: role trust policy", service_trust_policy("lambda.amazonaws.com"), trust)
    inline = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    attached = [
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    ]
    if inline != [FUNCTION_POLICY_NAME] or attached:
        yield failed(
            "function: role policy",
            f"expected the one inline policy 'ingest' and nothing attached, found inline {inline}, "
            f"attached {attached}",
        )
        return
    document = iam.get_role_policy(RoleName=role_name, PolicyName=FUNCTION_POLICY_NAME)["PolicyDocument"]
    expected = {
        "Version": "2012-10-17",
        "Statement": function_statements(
            d.aws,
            d.output("table_arn"),
            d.output("idempotency_table_arn"),
            d.output("kms_key_arn"),
            d.output(FUNCTION_LOG_GROUP_NAME),
            s.tracing_enabled,
        ),
    }
    yield compare_policy("function: role policy", expected, document)


# --- log groups ---------------------------------------------------------------------------


def log_group_checks(d: Deployment) -> Iterator[Check]:
    logs = d.client("logs")
    for name in d.log_group_names:
        found = [
            g
            for g in logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
            if g["logGroupName"] == name
        ]
        check = f"log group {name}"
        if not found:
            yield failed(check, "does not exist")
            continue
        yield compare_fields(
            check,
            {"retentionInDays": d.settings.log_retention_days, "kmsKeyId": d.output("kms_key_arn")},
            found[0],
        )


# --- the API ------------------------------------------------------------------------------


def gateway_cors_parameters(s: Settings) -> dict[str, str]:
    """The CORS headers every gateway response carries, as its response parameters."""
    return {
        f"gatewayresponse.header.{k}": f"'{v}'"
        for k, v in FUNCTION_RULES.cors_headers(gateway_allowed_origin(s.cors_origins)).items()
    }


def api_checks(d: Deployment) -> Iterator[Check]:
    s = d.settings
    gateway = d.client("apigateway")
    api_id, stage_name = d.output("api_id"), d.output("stage_name")
    stage = gateway.get_stage(restApiId=api_id, stageName=stage_name)
    yield compare("api: stage tracing", s.tracing_enabled, stage.get("tracingEnabled", False))
    yield compare(
        "api: access log",
        {
            "format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            "destinationArn": d.aws.log_group_arn(d.output(ACCESS_LOG_GROUP_NAME)),
        },
        stage.get("accessLogSettings", {}),
    )
    method = stage.get("methodSettings", {}).get("*/*", {})
    yield compare_fields(
        "api: throttle per method",
        {"throttlingRateLimit": float(s.throttle_rate_limit), "throttlingBurstLimit": s.throttle_burst_limit},
        {**method, "throttlingRateLimit": float(method.get("throttlingRateLimit", -1))},
    )
    yield compare_fields(
        "api: logging (INFO, metrics, no data trace)",
        {
            "loggingLevel": STAGE_LOGGING_LEVEL,
            "metricsEnabled": STAGE_METRICS_ENABLED,
            "dataTraceEnabled": STAGE_DATA_TRACE_ENABLED,
        },
        method,
    )
    cors = gateway_cors_parameters(s)
    for kind in GATEWAY_RESPONSE_TYPES:
        response = gateway.get_gateway_response(restApiId=api_id, responseType=kind)
        yield compare(
            f"api: {kind} gateway response carries CORS", cors, response.get("responseParameters", {})
        )
    resources = gateway.get_resources(restApiId=api_id, limit=500)["items"]
    data = [r for r in resources if r.get("path") == f"/{RESOURCE_PATH}"]
    if not data:
        yield failed("api: methods of /data", f"no /{RESOURCE_PATH} resource")
        return
    post = gateway.get_method(restApiId=api_id, resourceId=data[0]["id"], httpMethod="POST")
    options = gateway.get_method(restApiId=api_id, resourceId=data[0]["id"], httpMethod="OPTIONS")
    yield compare(
        f"api: authorization for api_auth={s.api_auth}",
        {
            "POST": [s.auth.method_authorization, s.auth.api_key_required],
            "OPTIONS": ["NONE", False],
        },
        {
            "POST": [post.get("authorizationType"), post.get("apiKeyRequired", False)],
            "OPTIONS": [options.get("authorizationType"), options.get("apiKeyRequired", False)],
        },
    )
    integration = post.get("methodIntegration", {})
    yield compare(
        "api: POST integration",
        {"type": "AWS_PROXY", "uri": d.aws.lambda_invoke_arn(d.output("function_name"))},
        {"type": integration.get("type"), "uri": integration.get("uri")},
    )


# --- the payload schema ------------------------------------------------------------------


def payload_checks(d: Deployment) -> Iterator[Check]:
    """With payload_schema: the file is the POST method's model, a body validator checks it, and
    the BAD_REQUEST_BODY answer is the function's shape with the CORS headers. Without: nothing."""
    s = d.settings
    schema = s.schema
    gateway = d.client("apigateway")
    api_id = d.output("api_id")
    post = _post_method(gateway, api_id)
    if post is None:
        yield failed("payload schema: could not check", f"no /{RESOURCE_PATH} resource")
        return
    if schema is None:
        yield compare(
            "payload schema: none, so POST checks no body",
            [None, {}],
            [post.get("requestValidatorId"), post.get("requestModels", {})],
        )
        return
    model = gateway.get_model(restApiId=api_id, modelName=PAYLOAD_MODEL_NAME)
    yield compare(
        "payload schema: the model is the file",
        {"schema": schema.text, "contentType": PAYLOAD_MODEL_CONTENT_TYPE},
        {"schema": model.get("schema"), "contentType": model.get("contentType")},
    )
    validator_id = post.get("requestValidatorId")
    validator = (
        gateway.get_request_validator(restApiId=api_id, requestValidatorId=validator_id)
        if validator_id
        else {}
    )
    yield compare(
        "payload schema: POST checks JSON bodies against it",
        {"requestModels": {PAYLOAD_MODEL_CONTENT_TYPE: PAYLOAD_MODEL_NAME}, "validateRequestBody": True},
        {
            "requestModels": post.get("requestModels", {}),
            "validateRequestBody": validator.get("validateRequestBody"),
        },
    )
    cors = gateway_cors_parameters(s)
    response = gateway.get_gateway_response(restApiId=api_id, responseType="BAD_REQUEST_BODY")
    yield compare(
        "payload schema: API Gateway's refusal (the function's shape, CORS)",
        {"template": INVALID_BODY_TEMPLATE, "headers": cors},
        {
            "template": response.get("responseTemplates", {}).get(PAYLOAD_MODEL_CONTENT_TYPE),
            "headers": response.get("responseParameters", {}),
        },
    )


# --- Cognito machine clients ---------------------------------------------------------------


def cognito_checks(d: Deployment) -> Iterator[Check]:
    """api_auth=cognito: POST's authorizer takes the pool's tokens with the write scope; with the
    stack's own pool, the pool admits no sign-up, and its client has the client-credentials grant,
    the write scope and a secret."""
    s = d.settings
    if s.api_auth != "cognito":
        return
    gateway = d.client("apigateway")
    api_id = d.output("api_id")
    pool_arn = d.output(COGNITO_USER_POOL_ARN)
    post = _post_method(gateway, api_id)
    if post is None:
        yield failed("cognito: could not check", f"no /{RESOURCE_PATH} resource")
        return
    authorizer = (
        gateway.get_authorizer(restApiId=api_id, authorizerId=post["authorizerId"])
        if post.get("authorizerId")
        else {}
    )
    yield compare(
        "cognito: POST's authorizer takes the pool's tokens",
        {
            "authorizationType": "COGNITO_USER_POOLS",
            "type": "COGNITO_USER_POOLS",
            "providerARNs": [pool_arn],
            "identitySource": f"method.request.header.{COGNITO_TOKEN_HEADER}",
        },
        {
            "authorizationType": post.get("authorizationType"),
            **{k: authorizer.get(k) for k in ("type", "providerARNs", "identitySource")},
        },
    )
    yield compare(
        "cognito: POST requires the write scope", [s.cognito_write_scope], post.get("authorizationScopes")
    )
    if s.cognito_user_pool_arn:  # another team's pool: its clients are theirs to check
        return
    idp = d.client("cognito-idp")
    pool_id = pool_arn.rsplit("/", 1)[-1]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    yield compare(
        "cognito: the pool (no sign-up; deletion protection in prod)",
        {
            "AllowAdminCreateUserOnly": True,
            "DeletionProtection": "ACTIVE" if s.deletion_protection else "INACTIVE",
        },
        {
            "AllowAdminCreateUserOnly": pool.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly"),
            "DeletionProtection": pool.get("DeletionProtection"),
        },
    )
    server = idp.describe_resource_server(UserPoolId=pool_id, Identifier=s.cognito_resource_server)
    yield compare(
        "cognito: the resource server's write scope",
        [COGNITO_WRITE_SCOPE],
        [scope.get("ScopeName") for scope in server["ResourceServer"].get("Scopes", [])],
    )
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=d.output(COGNITO_CLIENT_ID))
    found = client["UserPoolClient"]
    yield compare(
        "cognito: the app client (client credentials, the write scope, a secret)",
        {"flows": ["client_credentials"], "scopes": [s.cognito_write_scope], "oauth": True, "secret": True},
        {
            "flows": found.get("AllowedOAuthFlows"),
            "scopes": found.get("AllowedOAuthScopes"),
            "oauth": found.get("AllowedOAuthFlowsUserPoolClient"),
            "secret": bool(found.get("ClientSecret")),
        },
    )


def _post_method(gateway: Any, api_id: str) -> dict[str, Any] | None:
    """POST /data as API Gateway describes it, or None when the API has no /data."""
    resources = gateway.get_resources(restApiId=api_id, limit=500)["items"]
    data = next((r for r in resources if r.get("path") == f"/{RESOURCE_PATH}"), None)
    if data is None:
        return None
    method: dict[str, Any] = gateway.get_method(restApiId=api_id, resourceId=data["id"], httpMethod="POST")
    return method


# --- the edge: custom domain and firewall -------------------------------------------------


def judge_alias_records(
    records: Sequence[Mapping[str, Any]], name: str, target_name: str, target_zone: str
) -> Check:
    """A and AAAA alias records of ``name`` pointing at the custom domain's regional endpoint
    (Route 53 answers names with a final dot, and may lower-case them)."""

    def plain(value: str) -> str:
        return value.rstrip(".").lower()

    found = {
        record.get("Type"): (
            plain(record.get("AliasTarget", {}).get("DNSName", "")),
            record.get("AliasTarget", {}).get("HostedZoneId"),
        )
        for record in records
        if plain(record.get("Name", "")) == plain(name)
    }
    expected = {kind: (plain(target_name), target_zone) for kind in DOMAIN_ALIAS_RECORD_TYPES}
    actual = {kind: found.get(kind) for kind in DOMAIN_ALIAS_RECORD_TYPES}
    return compare(f"domain: {'/'.join(DOMAIN_ALIAS_RECORD_TYPES)} alias records", expected, actual)


def domain_checks(d: Deployment) -> Iterator[Check]:
    s = d.settings
    gateway = d.client("apigateway")
    api_id, stage_name = d.output("api_id"), d.output("stage_name")
    api = gateway.get_rest_api(restApiId=api_id)
    disabled = bool(s.domain_name) and not s.keep_default_endpoint
    yield compare(
        "domain: default execute-api endpoint disabled", disabled, api.get("disableExecuteApiEndpoint", False)
    )
    if not s.domain_name:
        return
    domain = gateway.get_domain_name(domainName=s.domain_name)
    yield compare(
        "domain: regional, TLS policy",
        {"types": ["REGIONAL"], "securityPolicy": DOMAIN_SECURITY_POLICY},
        {
            "types": domain.get("endpointConfiguration", {}).get("types"),
            "securityPolicy": domain.get("securityPolicy"),
        },
    )
    certificate = d.client("acm").describe_certificate(
        CertificateArn=domain.get("regionalCertificateArn", "")
    )
    yield compare(
        "domain: certificate issued for the name",
        {"Status": "ISSUED", "DomainName": s.domain_name},
        {k: certificate["Certificate"].get(k) for k in ("Status", "DomainName")},
    )
    mappings = gateway.get_base_path_mappings(domainName=s.domain_name).get("items", [])
    yield compare(
        "domain: mapped to the stage",
        [{"basePath": "(none)", "restApiId": api_id, "stage": stage_name}],
        [{k: m.get(k) for k in ("basePath", "restApiId", "stage")} for m in mappings],
    )
    records = d.client("route53").list_resource_record_sets(
        HostedZoneId=s.hosted_zone_id, StartRecordName=s.domain_name, MaxItems="10"
    )["ResourceRecordSets"]
    yield judge_alias_records(
        records, s.domain_name, domain.get("regionalDomainName", ""), domain.get("regionalHostedZoneId", "")
    )


def rules_from_api(rules: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A web ACL's rules as WAF answers them, in the shape ``rules_from_spec`` gives."""

    def action(rule: Mapping[str, Any]) -> str:
        chosen = rule.get("OverrideAction") or rule.get("Action") or {}
        return next(iter(chosen), "").lower()

    shaped = {}
    for rule in rules:
        statement = rule.get("Statement", {})
        managed = statement.get("ManagedRuleGroupStatement")
        rate = statement.get("RateBasedStatement")
        shaped[rule["Name"]] = {
            "priority": rule.get("Priority"),
            "action": action(rule),
            "managed": [managed.get("VendorName"), managed.get("Name")] if managed else None,
            "counted": sorted(o["Name"] for o in (managed or {}).get("RuleActionOverrides", [])),
            "rate": [rate.get("Limit"), rate.get("AggregateKeyType"), rate.get("EvaluationWindowSec")]
            if rate
            else None,
        }
    return shaped


def rules_from_spec(rules: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The rules firewall_rules.py synthesizes, in the shape ``rules_from_api`` gives."""
    shaped = {}
    for rule in rules:
        statement = rule["statement"]
        managed = statement.get("managed_rule_group_statement")
        rate = statement.get("rate_based_statement")
        shaped[rule["name"]] = {
            "priority": rule["priority"],
            "action": next(iter(rule.get("override_action") or rule.get("action") or {}), ""),
            "managed": [managed["vendor_name"], managed["name"]] if managed else None,
            "counted": sorted(o["name"] for o in (managed or {}).get("rule_action_override", [])),
            "rate": [rate["limit"], rate["aggregate_key_type"], rate["evaluation_window_sec"]]
            if rate
            else None,
        }
    return shaped


def firewall_checks(d: Deployment) -> Iterator[Check]:
    s = d.settings
    waf = d.client("wafv2")
    stage_arn = (
        f"arn:{d.aws.partition}:apigateway:{d.aws.region}::/restapis/{d.output('api_id')}"
        f"/stages/{d.output('stage_name')}"
    )
    acl = waf.get_web_acl_for_resource(ResourceArn=stage_arn).get("WebACL")
    name = naming.web_acl(s.name_prefix, s.environment)
    yield compare("firewall: web ACL on the stage", name if s.waf != "off" else None, acl and acl.get("Name"))
    if s.waf == "off" or not acl:
        return
    expected = rules_from_spec(web_acl_rules(name, s.waf, s.waf_rate_limit))
    yield compare(f"firewall: rules ({s.waf})", expected, rules_from_api(acl.get("Rules", [])))
    logging = waf.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"]
    group = d.aws.log_group_arn(naming.waf_log_group(s.name_prefix, s.environment))
    yield compare(
        "firewall: log (its group, credentials redacted)",
        {"destinations": [group], "redacted": list(REDACTED_HEADERS)},
        {
            "destinations": [arn.removesuffix(":*") for arn in logging.get("LogDestinationConfigs", [])],
            "redacted": [f.get("SingleHeader", {}).get("Name") for f in logging.get("RedactedFields", [])],
        },
    )


# --- alarms and topic ---------------------------------------------------------------------


def expected_alarms(d: Deployment) -> list[MetricAlarmSpec]:
    return alarm_specs(
        d.settings,
        d.settings.resource_name("api"),
        d.output("function_name"),
        d.output("table_name"),
        d.output("idempotency_table_name"),
    )


def alarm_shape(spec: MetricAlarmSpec, topic_arn: str) -> dict[str, Any]:
    """The fields of DescribeAlarms that one alarm definition decides."""
    return {
        "Namespace": spec.namespace,
        "MetricName": spec.metric_name,
        "Dimensions": dict(sorted(spec.dimensions.items())),
        "Statistic": None if spec.is_percentile else spec.statistic,
        "ExtendedStatistic": spec.statistic if spec.is_percentile else None,
        "Period": spec.period_seconds,
        "EvaluationPeriods": spec.evaluation_periods,
        "DatapointsToAlarm": spec.datapoints_to_alarm,
        "Threshold": float(spec.threshold),
        "ComparisonOperator": spec.comparison_operator,
        "TreatMissingData": spec.treat_missing_data,
        "AlarmActions": [topic_arn],
        "OKActions": [topic_arn],
    }


def deployed_alarm_shape(alarm: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **alarm,
        "Dimensions": dict(sorted((x["Name"], x["Value"]) for x in alarm.get("Dimensions", []))),
        "Statistic": alarm.get("Statistic"),
        "ExtendedStatistic": alarm.get("ExtendedStatistic"),
        "Threshold": float(alarm.get("Threshold", 0)),
        "AlarmActions": sorted(alarm.get("AlarmActions", [])),
        "OKActions": sorted(alarm.get("OKActions", [])),
    }


def alarm_checks(d: Deployment) -> Iterator[Check]:
    cloudwatch = d.client("cloudwatch")
    topic = d.output("alert_topic_arn")
    deployed: dict[str, Mapping[str, Any]] = {}
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{d.stack}-"):
        deployed.update({a["AlarmName"]: a for a in page.get("MetricAlarms", [])})
    for spec in expected_alarms(d):
        name = spec.alarm_name(d.stack)
        if name not in deployed:
            yield failed(f"alarm {name}", "does not exist")
            continue
        yield compare_fields(f"alarm {name}", alarm_shape(spec, topic), deployed_alarm_shape(deployed[name]))


def judge_subscriptions(subscriptions: list[Mapping[str, Any]]) -> Check:
    """The topic must have an email subscription, confirmed: SNS delivers nothing to a pending one."""
    name = "topic: email subscription confirmed"
    emails = [x for x in subscriptions if x.get("Protocol") == "email"]
    if not emails:
        return failed(name, "the topic has no email subscription")
    pending = [x.get("Endpoint", "?") for x in emails if x.get("SubscriptionArn") == "PendingConfirmation"]
    if pending:
        return failed(
            name,
            f"pending confirmation for {', '.join(pending)}: open the email from AWS Notifications "
            "and click 'Confirm subscription'; until then no alarm reaches anyone",
        )
    return passed(name, ", ".join(x.get("Endpoint", "?") for x in emails))


def topic_checks(d: Deployment) -> Iterator[Check]:
    sns = d.client("sns")
    topic = d.output("alert_topic_arn")
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    yield compare(
        "topic: encryption with this stack's key", d.output("kms_key_arn"), attributes.get("KmsMasterKeyId")
    )
    subscriptions: list[Mapping[str, Any]] = []
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic):
        subscriptions.extend(page.get("Subscriptions", []))
    yield judge_subscriptions(subscriptions)


# --- live requests ------------------------------------------------------------------------


def _call(d: Deployment, method: str, url: str, body: bytes, headers: dict[str, str]) -> Reply:
    headers = dict(headers)
    if d.api_key and method == "POST":
        headers["x-api-key"] = d.api_key
    if d.sign is not None and method == "POST":
        headers = d.sign(method, url, body, headers)
    if d.token is not None and method == "POST":
        headers[COGNITO_TOKEN_HEADER] = d.token()
    return request(url, method, body, headers)


def live_checks(d: Deployment) -> Iterator[Check]:
    s = d.settings
    url = d.output("api_url")
    marker = {"data_api_verify": f"make-verify-{uuid.uuid4()}"}
    json_type = {"Content-Type": "application/json"}
    if s.api_auth == "cognito":  # the authorizer at work: no token, no entry
        anonymous = request(url, "POST", b"{}", json_type)
        yield compare("live: POST without a token answers 401", 401, anonymous.status)
    schema = s.schema
    if schema is not None:
        yield _refusal_check(d, url, schema, [marker, [], None, ""])
    text = json.dumps(marker) if d.sample_payload is None else d.sample_payload
    mismatch = schema.mismatch(json.loads(text)) if schema is not None else None
    if mismatch is not None:
        which = "marker" if d.sample_payload is None else "--payload"
        yield failed(
            "live: POST stores the item",
            f"not tried: the payload schema refuses the {which} payload ({mismatch}); give one it "
            "accepts: VERIFY_ARGS='--payload FILE'",
        )
    else:
        reply = _call(d, "POST", url, text.encode(), json_type)
        yield _stored_check(d, reply, json.loads(text, parse_float=Decimal, parse_int=Decimal))
    # From an allowed origin (the first listed, or any), then from one that is not.
    listed = s.cors_origins[0] if s.cors_origins != ("*",) else "https://example.com"
    preflight = request(url, "OPTIONS", None, {"Origin": listed})
    yield compare(
        "live: CORS preflight",
        [200, FUNCTION_RULES.allowed_origin(s.cors_origins, listed)],
        [preflight.status, preflight.headers.get("access-control-allow-origin")],
    )
    if s.cors_origins != ("*",):
        refused = request(url, "OPTIONS", None, {"Origin": "https://not-listed.example"})
        yield compare(
            "live: CORS preflight refuses an unlisted origin",
            None,
            refused.headers.get("access-control-allow-origin"),
        )
    bad = _call(d, "POST", url, b"", json_type)
    yield compare("live: empty body answers 400", 400, bad.status)
    parts = urlsplit(url)
    wrong = parts._replace(path=parts.path.rsplit("/", 1)[0] + "/not-a-path").geturl()
    yield compare("live: wrong path answers 403", 403, request(wrong, "POST", b"{}", json_type).status)


def _refusal_check(d: Deployment, url: str, schema: PayloadSchema, probes: list[Any]) -> Check:
    """The stage's validator at work: the first probe the schema refuses, sent as JSON, is
    answered 400 as the stage's BAD_REQUEST_BODY template words it (never stored)."""
    name = "live: a payload the schema refuses answers 400"
    refused = next((p for p in probes if schema.mismatch(p) is not None), _ACCEPTED)
    if refused is _ACCEPTED:
        return passed(name, f"not tried: the schema accepts every probe ({probes!r})")
    reply = _call(d, "POST", url, json.dumps(refused).encode(), {"Content-Type": "application/json"})
    try:
        message = reply.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return compare(name, [400, FUNCTION_RULES.INVALID_BODY_MESSAGE], [reply.status, message])


_ACCEPTED = object()


def _stored_check(d: Deployment, reply: Reply, payload: Any) -> Check:
    name = "live: POST stores the item"
    if reply.status != 200:
        return failed(name, f"POST answered {reply.status}: {reply.body[:200]!r}")
    answer = reply.json()
    item = (
        d.client("dynamodb")
        .get_item(
            TableName=d.output("table_name"),
            Key={PARTITION_KEY: {"S": answer["id"]}, SORT_KEY: {"S": answer["timestamp"]}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    if item is None:
        return failed(name, f"200 with id {answer['id']}, but no such item in the table")
    stored = FUNCTION_RULES.from_attribute(item.get("data", {"NULL": True}))
    return compare(name, payload, stored)


# --- the alarm test (optional: it changes an alarm's state) -------------------------------


def judge_delivery(delivered: float, failed_count: float) -> Check:
    """What SNS's delivery metrics say about the notifications of the alarm test."""
    name = "alarm test: SNS delivered the notification"
    if failed_count:
        return failed(
            name,
            f"SNS failed {failed_count:g} deliveries: the key policy may not admit cloudwatch.amazonaws.com, "
            "or the subscription is not confirmed",
        )
    if delivered:
        return passed(name, f"{delivered:g} delivered")
    return failed(
        name, "no delivery recorded: is the subscription confirmed? (metrics can lag a few minutes)"
    )


def alarm_test(d: Deployment, wait_seconds: float, poll_seconds: float = 30) -> Check:
    cloudwatch = d.client("cloudwatch")
    alarm = expected_alarms(d)[0].alarm_name(d.stack)
    started = time.time()
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="make verify --alarm-test")
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="make verify --alarm-test done")
    topic_name = d.output("alert_topic_arn").rsplit(":", 1)[-1]
    while True:
        totals = {}
        for metric in ("NumberOfNotificationsDelivered", "NumberOfNotificationsFailed"):
            points = cloudwatch.get_metric_statistics(
                Namespace="AWS/SNS",
                MetricName=metric,
                Dimensions=[{"Name": "TopicName", "Value": topic_name}],
                StartTime=started - 120,
                EndTime=time.time() + 60,
                Period=60,
                Statistics=["Sum"],
            )["Datapoints"]
            totals[metric] = sum(p["Sum"] for p in points)
        verdict = judge_delivery(
            totals["NumberOfNotificationsDelivered"], totals["NumberOfNotificationsFailed"]
        )
        if verdict.ok or totals["NumberOfNotificationsFailed"] or time.time() - started >= wait_seconds:
            return verdict
        time.sleep(poll_seconds)


# --- running them -------------------------------------------------------------------------

GROUPS: dict[str, Callable[[Deployment], Iterator[Check]]] = {
    "table": table_checks,
    "idempotency table": idempotency_table_checks,
    "key": key_checks,
    "function": function_checks,
    "log groups": log_group_checks,
    "api": api_checks,
    "payload schema": payload_checks,
    "cognito": cognito_checks,
    "domain": domain_checks,
    "firewall": firewall_checks,
    "alarms": alarm_checks,
    "topic": topic_checks,
    "live": live_checks,
}


def _error(error: Exception) -> str:
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"{info.get('Code', 'error')}: {info.get('Message', '')}".strip()
    if isinstance(error, MissingOutputError):
        return f"the outputs file has no {error.args[0]!r}"
    return f"{type(error).__name__}: {error}"


def run_checks(d: Deployment) -> Iterator[Check]:
    """Every check, in order; a group that cannot go on (nothing deployed, access denied, an
    output missing) ends with one failed check saying why."""
    for group, checks in GROUPS.items():
        try:
            yield from checks(d)
        except (ClientError, BotoCoreError, MissingOutputError, OSError, KeyError, ValueError) as error:
            yield failed(f"{group}: could not check", _error(error))
