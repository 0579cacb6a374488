"""The REST API: /data resource, POST and CORS preflight, deployment, stage and its logging."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import jsii
from constructs import Construct

from constructs_lib.accepted_findings import accept_findings
from constructs_lib.auth import AuthStrategy
from constructs_lib.contract import (
    ACCESS_LOG_FORMAT,
    BINARY_MEDIA_TYPES,
    COGNITO_TOKEN_HEADER,
    FUNCTION_RULES,
    GATEWAY_RESPONSE_TYPES,
    INVALID_BODY_TEMPLATE,
    PAYLOAD_MODEL_CONTENT_TYPE,
    PAYLOAD_MODEL_NAME,
    RESOURCE_PATH,
    STAGE_DATA_TRACE_ENABLED,
    STAGE_LOGGING_LEVEL,
    STAGE_METRICS_ENABLED,
    execution_log_group_name,
    gateway_allowed_origin,
    preflight_template,
)
from constructs_lib.framework import (
    ApiGatewayApiKey,
    ApiGatewayAuthorizer,
    ApiGatewayDeployment,
    ApiGatewayGatewayResponse,
    ApiGatewayIntegration,
    ApiGatewayIntegrationResponse,
    ApiGatewayMethod,
    ApiGatewayMethodResponse,
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
    ApiGatewayModel,
    ApiGatewayRequestValidator,
    ApiGatewayResource,
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
    ApiGatewayStage,
    ApiGatewayStageAccessLogSettings,
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanApiStages,
    ApiGatewayUsagePlanKey,
    ApiGatewayUsagePlanQuotaSettings,
    ApiGatewayUsagePlanThrottleSettings,
    CloudwatchLogGroup,
    Fn,
    IResolveContext,
    IStringProducer,
    LambdaPermission,
    Lazy,
    TerraformResource,
    TerraformResourceLifecycle,
)

POST_STATUS_CODES = ("200", "400", "413", "500", "503")

_Part = TypeVar("_Part", bound=TerraformResource)


@jsii.implements(IStringProducer)
class _Trigger:
    """The hash of every registered part, produced when the stack is synthesized: a part
    registered after the deployment was created is still in its trigger."""

    def __init__(self, parts: list[TerraformResource]) -> None:
        self._parts = parts

    def produce(self, context: IResolveContext) -> str:
        return Fn.sha1(Fn.jsonencode([part.fqn for part in self._parts]))


"""The statuses the function answers with (documented on the method; a proxy passes any)."""


def cors_headers(allowed_origin: str | None) -> dict[str, str]:
    """The CORS headers of every response: the function's own definition, so the preflight and
    API Gateway's error responses always say what the function says."""
    headers: dict[str, str] = FUNCTION_RULES.cors_headers(allowed_origin)
    return headers


@dataclass(frozen=True)
class RestApiProps:
    """Settings of the REST API."""

    api_name: str
    stage_name: str
    function_name: str
    function_invoke_arn: str
    """Built from the function's name, never a reference to the function resource: the
    deployment is create_before_destroy, and Terraform forces that onto everything the deployment
    depends on, so a referenced function (fixed name) could then never be replaced."""
    live_after: Sequence[TerraformResource]
    """What the stage must wait for before it serves (the function and its permission): the
    stage may depend on them, the deployment must not."""
    throttle_rate_limit: int
    throttle_burst_limit: int
    cors_allowed_origins: tuple[str, ...]
    """``("*",)``, or the origins a browser may call from (each answer allows the asking one)."""
    tracing_enabled: bool
    access_log_group_name: str
    log_retention_days: int
    kms_key_arn: str
    auth: AuthStrategy
    """How POST /data is protected (OPTIONS stays open for CORS)."""
    api_key_daily_quota: int
    disable_default_endpoint: bool = False
    """With a custom domain: turn off the execute-api endpoint, so every request goes through the
    domain (and its firewall)."""
    firewall: bool = False
    """Whether a WAF web ACL protects the stage (else that finding stays accepted: waf = off)."""
    cognito_pool_arn: str = ""
    """api_auth=cognito: the user pool whose access tokens the method's authorizer accepts."""
    cognito_scope: str = ""
    """api_auth=cognito: the scope a token must carry (``<resource server>/write``)."""
    payload_schema: str = ""
    """The payload schema file's text: with it, POST checks application/json bodies against it
    (a model and a request validator) and API Gateway answers a mismatch itself (400)."""


class RestApi(Construct):
    """A regional REST API whose POST /data proxies to the ingest function."""

    def __init__(self, scope: Construct, id_: str, props: RestApiProps) -> None:
        super().__init__(scope, id_)
        self.api = ApiGatewayRestApi(
            self,
            "api",
            name=props.api_name,
            description="data-api ingestion endpoint",
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            # Binary bodies reach the function base64-encoded, byte for byte, never mangled.
            binary_media_types=list(BINARY_MEDIA_TYPES),
            # https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html
            disable_execute_api_endpoint=props.disable_default_endpoint or None,
            # A replaced API exists before the old one goes, so the stage is never left dangling.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        # A deployment is a snapshot: without a trigger, changes to the API never ship. Its
        # trigger is every part registered with this API (self.part), so a part cannot be added
        # without redeploying; tests/stacks/test_stack_api.py fails on any API Gateway resource of
        # the stack that is neither a part nor stage-level. The API itself is a part: a change to
        # it (binary media types, say) is served only once a new deployment carries it.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/updating-api.html
        # create_before_destroy: the stage moves to the new deployment before the old one goes.
        # Terraform forces it onto every dependency of the deployment, transitively
        # (https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle,
        # hashicorp/terraform#35331): these are only the API's own name-free parts
        # (tests/stacks/test_lifecycle.py holds the list).
        self._parts: list[TerraformResource] = [self.api]
        self._waited_for: list[str] = []
        """The addresses of the parts the deployment depends on (part), in order."""
        self.deployment = ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=self.api.id,
            description=f"{props.api_name} {props.stage_name}",
            triggers={"redeployment": Lazy.string_value(_Trigger(self._parts))},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.resource = self.part(
            ApiGatewayResource(
                self,
                "data",
                rest_api_id=self.api.id,
                parent_id=self.api.root_resource_id,
                path_part=RESOURCE_PATH,
            ),
            # The resource is referenced by every method: ordering comes with it.
            wait_for=False,
        )
        self._post_method(props)
        self._preflight(props)
        self._gateway_responses(props)
        self.permission = LambdaPermission(
            self,
            "invoke_permission",
            statement_id="AllowApiGatewayPostData",
            action="lambda:InvokeFunction",
            function_name=props.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.api.execution_arn}/{props.stage_name}/POST/{RESOURCE_PATH}",
        )
        self.access_log_group_name = props.access_log_group_name
        self.access_log_group = CloudwatchLogGroup(
            self,
            "access_log_group",
            name=self.access_log_group_name,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        self.execution_log_group_name = execution_log_group_name(self.api.id, props.stage_name)
        self.execution_log_group = CloudwatchLogGroup(
            self,
            "execution_log_group",
            name=self.execution_log_group_name,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        self.stage = ApiGatewayStage(
            self,
            "stage",
            rest_api_id=self.api.id,
            deployment_id=self.deployment.id,
            stage_name=props.stage_name,
            xray_tracing_enabled=props.tracing_enabled,
            access_log_settings=ApiGatewayStageAccessLogSettings(
                destination_arn=self.access_log_group.arn,
                format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            ),
            # The execution log group must exist first, or API Gateway creates it unencrypted
            # and without retention; the function and its permission, or the first requests fail.
            depends_on=[self.execution_log_group, self.permission, *props.live_after],
        )
        self.method_settings = ApiGatewayMethodSettings(
            self,
            "method_settings",
            rest_api_id=self.api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=ApiGatewayMethodSettingsSettings(
                throttling_rate_limit=props.throttle_rate_limit,
                throttling_burst_limit=props.throttle_burst_limit,
                metrics_enabled=STAGE_METRICS_ENABLED,
                logging_level=STAGE_LOGGING_LEVEL,
                # Full request/response logging would copy every payload into CloudWatch.
                data_trace_enabled=STAGE_DATA_TRACE_ENABLED,
            ),
        )
        accept_findings(
            self.stage,
            "CKV_AWS_120",
            "CKV2_AWS_51",
            # A stage without a firewall passes the Log4j check; with one, that check wants more.
            *(("CKV2_AWS_77",) if props.firewall else ("CKV2_AWS_29",)),
        )
        accept_findings(self.method_settings, "CKV_AWS_225")
        for group in (self.access_log_group, self.execution_log_group):
            accept_findings(group, "CKV_AWS_338")
        self.api_key: ApiGatewayApiKey | None = None
        if props.auth.api_key_required:
            self._api_key_access(props)

    def _api_key_access(self, props: RestApiProps) -> None:
        """An API key, and a usage plan that holds it to the stage's throttle and a daily quota."""
        self.api_key = ApiGatewayApiKey(self, "api_key", name=f"{props.api_name}-key", enabled=True)
        self.usage_plan = ApiGatewayUsagePlan(
            self,
            "usage_plan",
            name=f"{props.api_name}-plan",
            api_stages=[ApiGatewayUsagePlanApiStages(api_id=self.api.id, stage=self.stage.stage_name)],
            throttle_settings=ApiGatewayUsagePlanThrottleSettings(
                rate_limit=props.throttle_rate_limit, burst_limit=props.throttle_burst_limit
            ),
            quota_settings=ApiGatewayUsagePlanQuotaSettings(limit=props.api_key_daily_quota, period="DAY"),
        )
        ApiGatewayUsagePlanKey(
            self,
            "usage_plan_key",
            key_id=self.api_key.id,
            key_type="API_KEY",
            usage_plan_id=self.usage_plan.id,
        )

    def part(self, resource: _Part, wait_for: bool = True) -> _Part:
        """Register a part of the API's shape (a resource, method, integration, response, model,
        validator, authorizer): it joins the deployment's trigger, and the deployment waits for it."""
        self._parts.append(resource)
        if wait_for:
            # Kept here and set whole: reading the list back through jsii for each part cost a
            # round trip each.
            self._waited_for.append(f"{resource.terraform_resource_type}.{resource.friendly_unique_id}")
            self.deployment.depends_on = list(self._waited_for)
        return resource

    @property
    def parts(self) -> tuple[TerraformResource, ...]:
        return tuple(self._parts)

    def _post_method(self, props: RestApiProps) -> None:
        model, validator = self._payload_check(props) if props.payload_schema else (None, None)
        self.authorizer = self._cognito_authorizer(props) if props.cognito_pool_arn else None
        post = ApiGatewayMethod(
            self,
            "post",
            rest_api_id=self.api.id,
            resource_id=self.resource.id,
            http_method="POST",
            authorization=props.auth.method_authorization,
            api_key_required=props.auth.api_key_required,
            # With scopes, the authorizer wants an access token carrying one of them (an ID token
            # is refused): https://repost.aws/knowledge-center/api-gateway-cognito-401-unauthorized
            authorizer_id=self.authorizer.id if self.authorizer else None,
            authorization_scopes=[props.cognito_scope] if self.authorizer else None,
            request_models={PAYLOAD_MODEL_CONTENT_TYPE: model.name} if model else None,
            request_validator_id=validator.id if validator else None,
        )
        # Without a payload schema there is nothing to validate a request against: any payload is
        # stored (with one, the method has its validator and the check passes).
        accept_findings(post, *(() if model else ("CKV2_AWS_53",)), *props.auth.accepted_findings)
        integration = ApiGatewayIntegration(
            self,
            "post_integration",
            rest_api_id=self.api.id,
            resource_id=self.resource.id,
            http_method=post.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",
            uri=props.function_invoke_arn,
        )
        responses: list[TerraformResource] = [
            ApiGatewayMethodResponse(
                self,
                f"post_response_{status}",
                rest_api_id=self.api.id,
                resource_id=self.resource.id,
                http_method=post.http_method,
                status_code=status,
                response_parameters={f"method.response.header.{name}": True for name in cors_headers("*")},
            )
            for status in POST_STATUS_CODES
        ]
        for shaped in (post, integration, *responses):
            self.part(shaped)

    def _cognito_authorizer(self, props: RestApiProps) -> ApiGatewayAuthorizer:
        """The user pool's tokens, read from the Authorization header, checked by API Gateway."""
        return self.part(
            ApiGatewayAuthorizer(
                self,
                "cognito_authorizer",
                rest_api_id=self.api.id,
                name=f"{props.api_name}-cognito",
                type="COGNITO_USER_POOLS",
                provider_arns=[props.cognito_pool_arn],
                identity_source=f"method.request.header.{COGNITO_TOKEN_HEADER}",
            )
        )

    def _payload_check(self, props: RestApiProps) -> tuple[ApiGatewayModel, ApiGatewayRequestValidator]:
        """The payload schema as the method's model, and a validator that checks bodies only."""
        model = self.part(
            ApiGatewayModel(
                self,
                "payload_model",
                rest_api_id=self.api.id,
                name=PAYLOAD_MODEL_NAME,
                description="The payload schema (settings: payload_schema)",
                content_type=PAYLOAD_MODEL_CONTENT_TYPE,
                schema=props.payload_schema,
            )
        )
        validator = self.part(
            ApiGatewayRequestValidator(
                self,
                "payload_validator",
                rest_api_id=self.api.id,
                name=f"{props.api_name}-payload",
                validate_request_body=True,
                validate_request_parameters=False,
            )
        )
        return model, validator

    def _preflight(self, props: RestApiProps) -> None:
        # Every header is declared; the allowed origin is static for "*" and otherwise set per
        # request by the template (the asking origin, only when listed).
        template = preflight_template(props.cors_allowed_origins)
        declared = cors_headers("*") if template is None else cors_headers("https://example.com")
        static = cors_headers("*" if template is None else None)
        options = ApiGatewayMethod(
            self,
            "options",
            rest_api_id=self.api.id,
            resource_id=self.resource.id,
            http_method="OPTIONS",
            authorization="NONE",  # browsers send the preflight without credentials
        )
        accept_findings(options, "CKV2_AWS_53", "CKV2_AWS_70")
        integration = ApiGatewayIntegration(
            self,
            "options_integration",
            rest_api_id=self.api.id,
            resource_id=self.resource.id,
            http_method=options.http_method,
            type="MOCK",
            request_templates={"application/json": json.dumps({"statusCode": 200})},
        )
        response = ApiGatewayMethodResponse(
            self,
            "options_response",
            rest_api_id=self.api.id,
            resource_id=self.resource.id,
            http_method=options.http_method,
            status_code="200",
            response_parameters={f"method.response.header.{name}": True for name in declared},
        )
        integration_response = ApiGatewayIntegrationResponse(
            self,
            "options_integration_response",
            rest_api_id=self.api.id,
            resource_id=self.resource.id,
            http_method=options.http_method,
            status_code=response.status_code,
            response_parameters={
                f"method.response.header.{name}": f"'{value}'" for name, value in static.items()
            },
            response_templates={"application/json": template} if template else None,
            depends_on=[integration],
        )
        for shaped in (options, integration, response, integration_response):
            self.part(shaped)

    def _gateway_responses(self, props: RestApiProps) -> None:
        """API Gateway's own errors (throttling, auth, timeouts) carry the CORS headers too, as far
        as static values can (contract.gateway_allowed_origin)."""
        headers = cors_headers(gateway_allowed_origin(props.cors_allowed_origins))
        templates: dict[str, dict[str, str] | None] = {kind: None for kind in GATEWAY_RESPONSE_TYPES}
        if props.payload_schema:  # a refused payload: what the validator said, as the function says it
            templates["BAD_REQUEST_BODY"] = {PAYLOAD_MODEL_CONTENT_TYPE: INVALID_BODY_TEMPLATE}
        for kind, template in templates.items():
            self.part(
                ApiGatewayGatewayResponse(
                    self,
                    f"gateway_response_{kind.lower()}",
                    rest_api_id=self.api.id,
                    response_type=kind,
                    response_parameters={
                        f"gatewayresponse.header.{name}": f"'{value}'" for name, value in headers.items()
                    },
                    response_templates=template,
                )
            )

    @property
    def invoke_url(self) -> str:
        """URL clients POST to."""
        return f"{self.stage.invoke_url}/{RESOURCE_PATH}"
