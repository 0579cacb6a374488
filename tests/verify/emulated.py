"""An environment built with boto3 the way the synthesized stack describes it, on moto's server.

It follows the same sources the stack does (settings, policies, alarm definitions, contract), so
`make verify` must find nothing wrong with it; tests then change one property at a time.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from constructs_lib import naming
from constructs_lib.alarm_specs import alarm_specs
from constructs_lib.aws_context import AwsContext
from constructs_lib.contract import (
    ACCESS_LOG_FORMAT,
    DOMAIN_ALIAS_RECORD_TYPES,
    DOMAIN_SECURITY_POLICY,
    FUNCTION_POLICY_NAME,
    FUNCTION_RULES,
    HANDLER,
    IDEMPOTENCY_EXPIRY_ATTRIBUTE,
    INVALID_BODY_TEMPLATE,
    PAYLOAD_MODEL_CONTENT_TYPE,
    PAYLOAD_MODEL_NAME,
    RESOURCE_PATH,
    execution_log_group_name,
    gateway_allowed_origin,
    table_definition,
)
from constructs_lib.firewall_rules import REDACTED_HEADERS, web_acl_rules
from constructs_lib.iam_policy import policy_document
from constructs_lib.outputs import COGNITO_CLIENT_ID, COGNITO_SCOPE, COGNITO_USER_POOL_ARN
from constructs_lib.policies import data_key_statements, function_statements, service_trust_policy
from constructs_lib.settings import COGNITO_WRITE_SCOPE, Settings
from verify import run

ACCOUNT = "123456789012"  # moto's account


def answer_in_process(events: Any, moto_endpoint: str) -> None:
    """Have moto's application answer this session's requests to ``moto_endpoint`` in the calling
    thread, as botocore's ``before-send`` event allows: the same request (URL, headers, body) to
    an application made as the server's is (local.emulator.moto_application), with the same state,
    for less CPU. What this cannot show, the socket and the HTTP parsing between botocore
    and moto, test_verify_emulated.py's conformant deployment shows: it runs make verify as make
    verify runs, with its own connection, over the socket."""
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    application = _moto_application()

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        url = urlsplit(request.url)
        if f"{url.scheme}://{url.netloc}" != moto_endpoint:
            return None
        body = request.body.read() if hasattr(request.body, "read") else request.body
        environ = EnvironBuilder(
            path=url.path,
            query_string=url.query,
            method=request.method,
            headers={k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()},
            data=body or b"",
            base_url=moto_endpoint,
        ).get_environ()
        chunks, status, headers = run_wsgi_app(application, environ, buffered=True)
        raw = MockRawResponse(b"".join(chunks))
        return AWSResponse(request.url, int(status.split()[0]), dict(headers.items()), raw)

    events.register("before-send", answer)


@functools.cache
def _moto_application() -> Any:
    from local.emulator import moto_application

    return moto_application()


def moto_session() -> boto3.Session:
    """A session with moto's test credentials in moto's default region."""
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.Session(region_name="us-east-1", **credentials)


@functools.cache
def emulated_session(moto_endpoint: str) -> boto3.Session:
    """The session the tests build and change the environment with, answered in process."""
    session = moto_session()
    answer_in_process(session.events, moto_endpoint)
    return session


def in_process_connection(moto_endpoint: str) -> run.AwsConnection:
    """A connection for many make verify runs (one session, one client per service), answered
    in process (answer_in_process)."""
    connection = run.AwsConnection("us-east-1")
    answer_in_process(connection.session.events, moto_endpoint)
    return connection


@functools.cache
def emulated_client(moto_endpoint: str, service: str) -> Any:
    """One client per service for the session (creating one costs tens of milliseconds),
    answered in process."""
    return emulated_session(moto_endpoint).client(service, endpoint_url=moto_endpoint)


@contextmanager
def emulated_aws(
    moto_endpoint: str, settings_env: Mapping[str, str]
) -> Iterator[tuple[dict[str, str], Callable[[str], Any], pytest.MonkeyPatch]]:
    """moto's server as the AWS of this process (test credentials, its endpoint, no profile, no
    DynamoDB endpoint of the caller's shell) with these settings: the variables make verify is
    given, a client factory for building the environment, and the patch (undone on exit)."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_endpoint,
        **settings_env,
    }

    def client(service: str) -> Any:
        return emulated_client(moto_endpoint, service)

    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
        yield env, client, patch


@contextmanager
def served(
    outputs: dict[str, str], stack: str, settings_env: Mapping[str, str], moto_endpoint: str, folder: Path
) -> Iterator[Path]:
    """The local API in front of the tables just built (the same settings, moto's DynamoDB) as the
    stage's ``api_url``, and the outputs file make verify reads (``folder``/outputs-dev.json)."""
    from local.process import local_api

    with local_api(settings_env={**settings_env, "AWS_ENDPOINT_URL_DYNAMODB": moto_endpoint}) as api:
        outputs["api_url"] = f"{api.base_url}/data"
        outputs_file = folder / "outputs-dev.json"
        outputs_file.write_text(json.dumps({stack: outputs}))
        yield outputs_file


def build_environment(settings: Settings, client: Any, api_url_base: str) -> dict[str, str]:
    """Create every resource of one environment stack; returns what `cdktf deploy` would output."""
    s = settings
    aws = AwsContext(ACCOUNT, "aws", s.region, "amazonaws.com")
    function_name = s.resource_name("ingest")
    lambda_log_group = naming.function_log_group(function_name)
    access_log_group = naming.access_log_group(s.name_prefix, s.environment)

    gateway = client("apigateway")
    api_id = gateway.create_rest_api(
        name=s.resource_name("api"),
        endpointConfiguration={"types": ["REGIONAL"]},
        disableExecuteApiEndpoint=bool(s.domain_name) and not s.keep_default_endpoint,
    )["id"]
    log_groups = [lambda_log_group, access_log_group, execution_log_group_name(api_id, s.environment)]
    if s.waf != "off":
        log_groups.append(naming.waf_log_group(s.name_prefix, s.environment))

    kms = client("kms")
    key_policy = policy_document(data_key_statements(aws, log_groups))
    key_arn = kms.create_key(Policy=key_policy, Description="data key")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key_arn)

    dynamodb = client("dynamodb")
    scaling = client("application-autoscaling")
    table_name, idempotency_table_name = s.resource_name("data"), s.resource_name("idempotency")
    arns = {}
    for name, idempotency in ((table_name, False), (idempotency_table_name, True)):
        arns[name] = dynamodb.create_table(
            **table_definition(name, s.read_capacity, s.write_capacity, idempotency=idempotency),
            SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn},
            DeletionProtectionEnabled=s.deletion_protection,
        )["TableDescription"]["TableArn"]
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
        target = {
            "ServiceNamespace": "dynamodb",
            "ResourceId": f"table/{name}",
            "ScalableDimension": "dynamodb:table:WriteCapacityUnits",
        }
        scaling.register_scalable_target(
            **target, MinCapacity=s.write_capacity, MaxCapacity=s.max_write_capacity
        )
        scaling.put_scaling_policy(
            **target,
            PolicyName=f"{name}-write-utilization",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": s.write_target_utilization_percent,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"},
            },
        )
    dynamodb.update_time_to_live(
        TableName=idempotency_table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": IDEMPOTENCY_EXPIRY_ATTRIBUTE},
    )
    table_arn, idempotency_table_arn = arns[table_name], arns[idempotency_table_name]

    logs = client("logs")
    for name in log_groups:
        logs.create_log_group(logGroupName=name, kmsKeyId=key_arn)
        logs.put_retention_policy(logGroupName=name, retentionInDays=s.log_retention_days)

    iam = client("iam")
    role = iam.create_role(
        RoleName=f"{function_name}-role",
        AssumeRolePolicyDocument=service_trust_policy("lambda.amazonaws.com"),
    )["Role"]
    iam.put_role_policy(
        RoleName=role["RoleName"],
        PolicyName=FUNCTION_POLICY_NAME,
        PolicyDocument=policy_document(
            function_statements(
                aws, table_arn, idempotency_table_arn, key_arn, lambda_log_group, s.tracing_enabled
            )
        ),
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    function_arn = client("lambda").create_function(
        FunctionName=function_name,
        Runtime=s.lambda_runtime,
        Role=role["Arn"],
        Handler=HANDLER,
        Code={"ZipFile": archive.getvalue()},
        MemorySize=s.lambda_memory_mb,
        Timeout=s.lambda_timeout_seconds,
        Environment={"Variables": s.function_variables(table_name, idempotency_table_name)},
        TracingConfig={"Mode": "Active" if s.tracing_enabled else "PassThrough"},
        LoggingConfig={"LogFormat": "Text", "LogGroup": lambda_log_group},
    )["FunctionArn"]

    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    data = gateway.create_resource(restApiId=api_id, parentId=root, pathPart=RESOURCE_PATH)["id"]
    schema = s.schema
    checked: dict[str, Any] = {}
    if schema is not None:
        gateway.create_model(
            restApiId=api_id,
            name=PAYLOAD_MODEL_NAME,
            schema=schema.text,
            contentType=PAYLOAD_MODEL_CONTENT_TYPE,
        )
        validator = gateway.create_request_validator(
            restApiId=api_id, name="payload", validateRequestBody=True, validateRequestParameters=False
        )
        checked = {
            "requestModels": {PAYLOAD_MODEL_CONTENT_TYPE: PAYLOAD_MODEL_NAME},
            "requestValidatorId": validator["id"],
        }
    cognito: dict[str, str] = {}
    if s.api_auth == "cognito":
        cognito = build_machine_clients(s, client)
        authorizer = gateway.create_authorizer(
            restApiId=api_id,
            name=f"{s.resource_name('api')}-cognito",
            type="COGNITO_USER_POOLS",
            providerARNs=[cognito[COGNITO_USER_POOL_ARN]],
            identitySource="method.request.header.Authorization",
        )
        checked |= {"authorizerId": authorizer["id"], "authorizationScopes": [s.cognito_write_scope]}
    gateway.put_method(
        restApiId=api_id,
        resourceId=data,
        httpMethod="POST",
        authorizationType={"iam": "AWS_IAM", "cognito": "COGNITO_USER_POOLS"}.get(s.api_auth, "NONE"),
        apiKeyRequired=s.api_auth == "api_key",
        **checked,
    )
    gateway.put_integration(
        restApiId=api_id,
        resourceId=data,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=aws.lambda_invoke_arn(function_name),
    )
    gateway.put_method(restApiId=api_id, resourceId=data, httpMethod="OPTIONS", authorizationType="NONE")
    cors = FUNCTION_RULES.cors_headers(gateway_allowed_origin(s.cors_origins))
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX", *(("BAD_REQUEST_BODY",) if schema else ())):
        gateway.put_gateway_response(
            restApiId=api_id,
            responseType=kind,
            responseParameters={f"gatewayresponse.header.{k}": f"'{v}'" for k, v in cors.items()},
            **(
                {"responseTemplates": {PAYLOAD_MODEL_CONTENT_TYPE: INVALID_BODY_TEMPLATE}}
                if kind == "BAD_REQUEST_BODY"
                else {}
            ),
        )
    deployment = gateway.create_deployment(restApiId=api_id)["id"]
    gateway.create_stage(
        restApiId=api_id, stageName=s.environment, deploymentId=deployment, tracingEnabled=s.tracing_enabled
    )
    gateway.update_stage(
        restApiId=api_id,
        stageName=s.environment,
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(s.throttle_rate_limit)},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(s.throttle_burst_limit)},
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "false"},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": aws.log_group_arn(access_log_group),
            },
            {
                "op": "replace",
                "path": "/accessLogSettings/format",
                "value": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            },
        ],
    )

    if s.domain_name:
        build_domain(s, client, api_id)
    if s.waf != "off":
        build_firewall(s, client, aws, api_id)

    sns = client("sns")
    topic_arn = sns.create_topic(Name=s.resource_name("alerts"), Attributes={"KmsMasterKeyId": key_arn})[
        "TopicArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint="ops@example.com")
    cloudwatch = client("cloudwatch")
    for spec in alarm_specs(s, s.resource_name("api"), function_name, table_name, idempotency_table_name):
        statistic = (
            {"ExtendedStatistic": spec.statistic} if spec.is_percentile else {"Statistic": spec.statistic}
        )
        cloudwatch.put_metric_alarm(
            AlarmName=spec.alarm_name(s.stack_name),
            AlarmDescription=spec.alarm_description,
            Namespace=spec.namespace,
            MetricName=spec.metric_name,
            Dimensions=[{"Name": k, "Value": v} for k, v in spec.dimensions.items()],
            Period=spec.period_seconds,
            EvaluationPeriods=spec.evaluation_periods,
            DatapointsToAlarm=spec.datapoints_to_alarm,
            Threshold=spec.threshold,
            ComparisonOperator=spec.comparison_operator,
            TreatMissingData=spec.treat_missing_data,
            AlarmActions=[topic_arn],
            OKActions=[topic_arn],
            **statistic,
        )

    return {
        **cognito,
        "api_url": f"{api_url_base}/{RESOURCE_PATH}",
        "api_id": api_id,
        "stage_name": s.environment,
        "table_name": table_name,
        "table_arn": table_arn,
        "idempotency_table_name": idempotency_table_name,
        "idempotency_table_arn": idempotency_table_arn,
        "function_name": function_name,
        "function_arn": function_arn,
        "kms_key_arn": key_arn,
        "alert_topic_arn": topic_arn,
        "function_log_group_name": lambda_log_group,
        "access_log_group_name": access_log_group,
    }


def build_machine_clients(s: Settings, client: Any) -> dict[str, str]:
    """The stack's own user pool, resource server, domain and app client (api_auth=cognito), or
    nothing but the given pool's ARN; returns their outputs (the token URL is the caller's)."""
    if s.cognito_user_pool_arn:
        return {COGNITO_USER_POOL_ARN: s.cognito_user_pool_arn, COGNITO_SCOPE: s.cognito_write_scope}
    idp = client("cognito-idp")
    pool = idp.create_user_pool(
        PoolName=s.resource_name("clients"),
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        DeletionProtection="ACTIVE" if s.deletion_protection else "INACTIVE",
    )["UserPool"]
    idp.create_resource_server(
        UserPoolId=pool["Id"],
        Identifier=s.cognito_resource_server,
        Name=s.cognito_resource_server,
        Scopes=[{"ScopeName": COGNITO_WRITE_SCOPE, "ScopeDescription": "POST /data: store payloads"}],
    )
    idp.create_user_pool_domain(UserPoolId=pool["Id"], Domain=f"{s.name_prefix}-{s.environment}-{ACCOUNT}")
    app = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=s.resource_name("client"),
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[s.cognito_write_scope],
        AllowedOAuthFlowsUserPoolClient=True,
    )["UserPoolClient"]
    return {
        COGNITO_USER_POOL_ARN: pool["Arn"],
        COGNITO_SCOPE: s.cognito_write_scope,
        COGNITO_CLIENT_ID: app["ClientId"],
    }


def build_domain(s: Settings, client: Any, api_id: str) -> None:
    """The custom domain as constructs_lib/domain.py describes it (the zone already exists)."""
    certificate = client("acm").request_certificate(DomainName=s.domain_name, ValidationMethod="DNS")
    gateway = client("apigateway")
    domain = gateway.create_domain_name(
        domainName=s.domain_name,
        regionalCertificateArn=certificate["CertificateArn"],
        endpointConfiguration={"types": ["REGIONAL"]},
        securityPolicy=DOMAIN_SECURITY_POLICY,
    )
    gateway.create_base_path_mapping(domainName=s.domain_name, restApiId=api_id, stage=s.environment)
    client("route53").change_resource_record_sets(
        HostedZoneId=s.hosted_zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": s.domain_name,
                        "Type": kind,
                        "AliasTarget": {
                            "HostedZoneId": domain["regionalHostedZoneId"],
                            "DNSName": domain["regionalDomainName"],
                            "EvaluateTargetHealth": False,
                        },
                    },
                }
                for kind in DOMAIN_ALIAS_RECORD_TYPES
            ]
        },
    )


IRREGULAR_KEYS = {
    "rule_action_override": "RuleActionOverrides",
    "cloudwatch_metrics_enabled": "CloudWatchMetricsEnabled",
}


def waf_api_shape(value: Any) -> Any:
    """The provider's rule blocks as WAF's API spells them (``managed_rule_group_statement`` is
    ``ManagedRuleGroupStatement``)."""
    if isinstance(value, dict):
        return {
            IRREGULAR_KEYS.get(k, "".join(part.capitalize() for part in k.split("_"))): waf_api_shape(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [waf_api_shape(v) for v in value]
    return value


def build_firewall(s: Settings, client: Any, aws: AwsContext, api_id: str) -> None:
    """The web ACL as constructs_lib/firewall.py describes it, on the stage, with its log."""
    waf = client("wafv2")
    name = naming.web_acl(s.name_prefix, s.environment)
    acl = waf.create_web_acl(
        Name=name,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        Rules=waf_api_shape(web_acl_rules(name, s.waf, s.waf_rate_limit)),
        VisibilityConfig={
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": name,
        },
    )["Summary"]
    stage_arn = f"arn:{aws.partition}:apigateway:{aws.region}::/restapis/{api_id}/stages/{s.environment}"
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn)
    waf.put_logging_configuration(
        LoggingConfiguration={
            "ResourceArn": acl["ARN"],
            "LogDestinationConfigs": [aws.log_group_arn(naming.waf_log_group(s.name_prefix, s.environment))],
            "RedactedFields": [{"SingleHeader": {"Name": header}} for header in REDACTED_HEADERS],
        }
    )
