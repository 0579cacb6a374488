"""The stacks: DataApiStack (one per environment), ApiGatewayAccountStack and StateStack (one per
account and region), CiStack (one per app, with github_repository)."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from constructs_lib import naming
from constructs_lib.accepted_findings import accept_findings
from constructs_lib.alarm_specs import alarm_specs, write_throttle_metric
from constructs_lib.alarms import Alarms, AlarmsProps
from constructs_lib.aws_context import AwsContext
from constructs_lib.ci_policies import CiScope
from constructs_lib.ci_roles import CiEnvironment, CiRoles, CiRolesProps
from constructs_lib.cognito import MachineClients, MachineClientsProps
from constructs_lib.contract import EXECUTION_LOG_GROUP_PREFIX, PAYLOAD_VALIDATOR_FILE, RESOURCE_PATH
from constructs_lib.domain import CustomDomain, CustomDomainProps
from constructs_lib.encryption import DataKey, DataKeyProps
from constructs_lib.firewall import Firewall, FirewallProps
from constructs_lib.framework import (
    ApiGatewayAccount,
    Aspects,
    AwsProvider,
    AwsProviderDefaultTags,
    CloudwatchLogGroup,
    DataAwsCallerIdentity,
    DataAwsPartition,
    Fn,
    IamRole,
    IamRolePolicy,
    IamRolePolicyAttachment,
    LocalBackend,
    S3Backend,
    TerraformOutput,
    TerraformStack,
    TerraformVariable,
)
from constructs_lib.iam_policy import policy_document
from constructs_lib.ingest_function import IngestFunction, IngestFunctionProps
from constructs_lib.operations import Operations, OperationsProps
from constructs_lib.outputs import (
    COGNITO_CLIENT_ID,
    COGNITO_SCOPE,
    COGNITO_TOKEN_URL,
    COGNITO_USER_POOL_ARN,
    STAGE_INVOKE_URL,
    WEB_ACL_ARN,
    outputs_for,
)
from constructs_lib.policies import logs_caller_statements, service_trust_policy
from constructs_lib.policy_checks import LogGroupCheck, PolicyChecks, RequiredTagsCheck
from constructs_lib.rest_api import RestApi, RestApiProps
from constructs_lib.settings import (
    ALERT_EMAIL_PATTERN,
    COGNITO_WRITE_SCOPE,
    PROJECT,
    REQUIRED_TAG_KEYS,
    Settings,
)
from constructs_lib.state_bucket import StateBucket, StateBucketProps
from constructs_lib.storage import DataTable, IdempotencyTable, TableProps

# API Gateway's own managed policy for its account-wide logging role: the role serves every
# API of the account and region (not just ours), whose log groups we cannot enumerate.
API_GATEWAY_LOGGING_POLICY = "policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
API_GATEWAY_WELCOME_LOG_GROUP = "/aws/apigateway/welcome"
"""The log group API Gateway writes one line to when the account's CloudWatch role is set."""
# The S3 backend's use_lockfile needs Terraform 1.10; older versions fail at init, unclearly.
# https://developer.hashicorp.com/terraform/language/backend/s3
REQUIRED_TERRAFORM_VERSION = ">= 1.10"


def _lookup_aws_context(scope: Construct, region: str) -> AwsContext:
    """Account and partition as Terraform data sources, resolved at plan time."""
    caller = DataAwsCallerIdentity(scope, "current_account")
    partition = DataAwsPartition(scope, "current_partition")
    return AwsContext(
        account_id=caller.account_id,
        partition=partition.partition,
        region=region,
        dns_suffix=partition.dns_suffix,
    )


SHARED_TAGS = {"project": PROJECT, "environment": "shared", "managed-by": "cdktf"}
"""Tags of the stacks every environment of an account and region shares."""


class _BaseStack(TerraformStack):
    """Provider with default tags, state backend and the tag and log-group policy checks."""

    def __init__(
        self,
        scope: Construct,
        name: str,
        settings: Settings,
        tags: dict[str, str],
        region: str | None = None,
        local_state: bool = False,
    ) -> None:
        super().__init__(scope, name)
        self.settings = settings
        self.provider = AwsProvider(
            self, "aws", region=region or settings.region, default_tags=[AwsProviderDefaultTags(tags=tags)]
        )
        if settings.state_backend == "s3" and not local_state:
            S3Backend(
                self,
                bucket=settings.state_bucket,
                key=f"{settings.state_key_prefix}/{name}.tfstate",
                region=settings.effective_state_region,
                encrypt=True,
            )
            # S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3Backend lacks the field.
            self.add_override("terraform.backend.s3.use_lockfile", True)
        else:
            # Kept beside the project, outside cdktf.out, so a clean synth never loses state.
            LocalBackend(self, path=f"../../../terraform.{name}.tfstate")
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM_VERSION)
        self.aws = _lookup_aws_context(self, region or settings.region)
        Aspects.of(self).add(
            PolicyChecks(RequiredTagsCheck(self.provider, REQUIRED_TAG_KEYS), LogGroupCheck())
        )

    def output(self, name: str, value: str, description: str) -> TerraformOutput:
        return TerraformOutput(self, name, value=value, description=description)


class ApiGatewayAccountStack(_BaseStack):
    """API Gateway's account-wide CloudWatch role: one per account and region.

    Stage logging cannot be deployed without it, and the provider resets the setting when the
    resource is destroyed; so it lives in its own long-lived stack rather than in an environment
    stack, where destroying dev would break logging for staging and prod.
    """

    def __init__(self, scope: Construct, settings: Settings) -> None:
        super().__init__(scope, settings.account_stack_name, settings, SHARED_TAGS)
        self.role = IamRole(
            self,
            "cloudwatch_role",
            name=naming.api_gateway_logging_role(settings.name_prefix, settings.region),
            description="Lets API Gateway write execution and access logs in this region",
            assume_role_policy=service_trust_policy("apigateway.amazonaws.com"),
        )
        accept_findings(self.role, "parliament:MALFORMED")
        logging_policy = IamRolePolicyAttachment(
            self,
            "cloudwatch_role_policy",
            role=self.role.name,
            policy_arn=f"arn:{self.aws.partition}:iam::aws:{API_GATEWAY_LOGGING_POLICY}",
        )
        # The environments' access and execution log groups are encrypted with their data keys;
        # where CloudWatch Logs calls KMS with this role's credentials, the role needs the keys
        # too, through Logs only. The keys live in the environment stacks (unknown here): any key
        # of this account and region, for these log groups alone, as AWS's managed policy
        # CloudWatchLogsAPIKeyAccess does for every group.
        logs_key_policy = IamRolePolicy(
            self,
            "cloudwatch_role_logs_key",
            name="logs-key",
            role=self.role.id,
            policy=policy_document(
                logs_caller_statements(
                    self.aws,
                    [f"arn:{self.aws.partition}:kms:{settings.region}:{self.aws.account_id}:key/*"],
                    [
                        self.aws.log_group_arn(f"/aws/apigateway/{settings.name_prefix}-*"),
                        self.aws.log_group_arn(f"{EXECUTION_LOG_GROUP_PREFIX}*"),
                    ],
                    like=True,
                )
            ),
        )
        # API Gateway creates this group when the setting is made, with no retention: create it
        # first, so it expires like every other group of ours. It keeps CloudWatch's default
        # encryption: a key of its own would cost a monthly fee for one "welcome" line.
        self.welcome_log_group = CloudwatchLogGroup(
            self,
            "welcome_log_group",
            name=API_GATEWAY_WELCOME_LOG_GROUP,
            retention_in_days=settings.log_retention_days,
        )
        accept_findings(self.welcome_log_group, "CKV_AWS_158", "CKV_AWS_338")
        if settings.adopt_welcome_log_group:
            # The group exists where API Gateway logging was ever set up, and a plain create fails
            # with ResourceAlreadyExistsException: adopt it (a Terraform import block, >= 1.5).
            # Off by default: importing a group that does not exist fails on a fresh account.
            # https://developer.hashicorp.com/terraform/language/import
            self.welcome_log_group.import_from(API_GATEWAY_WELCOME_LOG_GROUP)
        # API Gateway checks the role's permissions when the setting is made: attach them first.
        self.account = ApiGatewayAccount(
            self,
            "account",
            cloudwatch_role_arn=self.role.arn,
            depends_on=[logging_policy, logs_key_policy, self.welcome_log_group],
        )
        self.output("cloudwatch_role_arn", self.role.arn, "Role API Gateway logs to CloudWatch with")


class DataApiStack(_BaseStack):
    """Everything one environment of data-api needs, in one self-contained stack."""

    def __init__(self, scope: Construct, settings: Settings) -> None:
        super().__init__(scope, settings.stack_name, settings, settings.tags)
        s = settings
        # The setting is the default; TF_VAR_alert_email overrides it at deploy (an environment
        # variable, never --var: Terraform refuses a -var the account stack does not declare).
        alert_email = TerraformVariable(
            self,
            "alert_email",
            type="string",
            nullable=False,
            default=s.alert_email or None,
            description="Email address that receives the alarms of this environment",
        )
        alert_email.add_validation(
            condition=Fn.can(Fn.regex(ALERT_EMAIL_PATTERN, alert_email.string_value)),
            error_message="alert_email must be an email address such as ops@example.com.",
        )
        data_key = DataKey(
            self,
            "data_key",
            DataKeyProps(
                alias_name=s.resource_name("data"),
                deletion_window_days=s.kms_deletion_window_days,
                aws=self.aws,
            ),
        )
        table = DataTable(self, "data_table", self._table_props(s.resource_name("data"), data_key.arn))
        idempotency_table = IdempotencyTable(
            self, "idempotency_table", self._table_props(s.resource_name("idempotency"), data_key.arn)
        )
        schema = s.schema
        function = IngestFunction(
            self,
            "ingest",
            IngestFunctionProps(
                function_name=s.resource_name("ingest"),
                runtime=s.lambda_runtime,
                memory_mb=s.lambda_memory_mb,
                timeout_seconds=s.lambda_timeout_seconds,
                log_retention_days=s.log_retention_days,
                environment_variables=s.function_variables(table.name, idempotency_table.name),
                tracing_enabled=s.tracing_enabled,
                reserved_concurrency=s.lambda_reserved_concurrency,
                table_arn=table.arn,
                idempotency_table_arn=idempotency_table.arn,
                kms_key_arn=data_key.arn,
                aws=self.aws,
                # CI's deploy role may only create roles that carry this boundary (ci_policies.py).
                permissions_boundary_arn=self.aws.policy_arn(
                    naming.permissions_boundary(s.name_prefix, s.environment)
                )
                if s.github_repository
                else "",
                extra_files={PAYLOAD_VALIDATOR_FILE: schema.validator_code()} if schema else {},
            ),
        )
        clients = (
            MachineClients(
                self,
                "machine_clients",
                MachineClientsProps(
                    pool_name=s.resource_name("clients"),
                    client_name=s.resource_name("client"),
                    domain_prefix=f"{s.name_prefix}-{s.environment}-{self.aws.account_id}",
                    region=s.region,
                    resource_server=s.cognito_resource_server,
                    scope_name=COGNITO_WRITE_SCOPE,
                    deletion_protection=s.deletion_protection,
                ),
            )
            if s.api_auth == "cognito" and not s.cognito_user_pool_arn
            else None
        )
        cognito_pool_arn = s.cognito_user_pool_arn or (clients.pool_arn if clients else "")
        api = RestApi(
            self,
            "rest_api",
            RestApiProps(
                api_name=s.resource_name("api"),
                stage_name=s.environment,
                function_name=function.name,
                function_invoke_arn=self.aws.lambda_invoke_arn(s.resource_name("ingest")),
                live_after=[function.function],
                throttle_rate_limit=s.throttle_rate_limit,
                throttle_burst_limit=s.throttle_burst_limit,
                cors_allowed_origins=s.cors_origins,
                tracing_enabled=s.tracing_enabled,
                access_log_group_name=naming.access_log_group(s.name_prefix, s.environment),
                log_retention_days=s.log_retention_days,
                kms_key_arn=data_key.arn,
                auth=s.auth,
                api_key_daily_quota=s.api_key_daily_quota,
                disable_default_endpoint=bool(s.domain_name) and not s.keep_default_endpoint,
                firewall=s.waf != "off",
                payload_schema=schema.text if schema else "",
                cognito_pool_arn=cognito_pool_arn,
                cognito_scope=s.cognito_write_scope if cognito_pool_arn else "",
            ),
        )
        domain = (
            CustomDomain(
                self,
                "domain",
                CustomDomainProps(
                    domain_name=s.domain_name,
                    hosted_zone_id=s.hosted_zone_id,
                    rest_api_id=api.api.id,
                    stage_name=api.stage.stage_name,
                ),
            )
            if s.domain_name
            else None
        )
        firewall = (
            Firewall(
                self,
                "firewall",
                FirewallProps(
                    acl_name=naming.web_acl(s.name_prefix, s.environment),
                    mode=s.waf,
                    rate_limit=s.waf_rate_limit,
                    stage_arn=api.stage.arn,
                    log_group_name=naming.waf_log_group(s.name_prefix, s.environment),
                    log_retention_days=s.log_retention_days,
                    kms_key_arn=data_key.arn,
                ),
            )
            if s.waf != "off"
            else None
        )
        alarms = Alarms(
            self,
            "alarms",
            AlarmsProps(
                topic_name=s.resource_name("alerts"),
                alarm_name_prefix=s.stack_name,
                alert_email=alert_email.string_value,
                kms_key_arn=data_key.arn,
                alarms=alarm_specs(s, api.api.name, function.name, table.name, idempotency_table.name),
            ),
        )
        operations = Operations(
            self,
            "operations",
            OperationsProps(
                name=s.stack_name,
                region=s.region,
                api_name=api.api.name,
                stage_name=s.environment,
                function_name=function.name,
                table_names=[table.name, idempotency_table.name],
                write_throttle_metric=write_throttle_metric(s.billing_mode),
                provisioned=s.billing_mode == "provisioned",
                function_log_group=function.log_group.name,
                access_log_group=api.access_log_group.name,
                alarm_arns=[alarm.arn for alarm in alarms.alarms],
                web_acl_name=firewall.acl_name if firewall else "",
                waf_log_group=firewall.log_group.name if firewall else "",
            ),
        )
        data_key.admit_log_groups(
            [
                function.log_group_name,
                api.access_log_group_name,
                api.execution_log_group_name,
                *([firewall.log_group_name] if firewall else []),
            ]
        )

        values = {
            "api_url": f"https://{s.domain_name}/{RESOURCE_PATH}" if domain else api.invoke_url,
            "api_id": api.api.id,
            "stage_name": api.stage.stage_name,
            "table_name": table.name,
            "table_arn": table.arn,
            "idempotency_table_name": idempotency_table.name,
            "idempotency_table_arn": idempotency_table.arn,
            "function_name": function.name,
            "function_arn": function.arn,
            "function_log_group_name": function.log_group.name,
            "access_log_group_name": api.access_log_group.name,
            "kms_key_arn": data_key.arn,
            "alert_topic_arn": alarms.topic.arn,
            "dashboard_url": operations.url,
        }
        if api.api_key is not None:
            values |= {"api_key_id": api.api_key.id, "api_key_value": api.api_key.value}
        if domain is not None:
            values[STAGE_INVOKE_URL] = api.invoke_url
        if firewall is not None:
            values[WEB_ACL_ARN] = firewall.web_acl.arn
        if cognito_pool_arn:
            values |= {COGNITO_USER_POOL_ARN: cognito_pool_arn, COGNITO_SCOPE: s.cognito_write_scope}
        if clients is not None:
            values |= {COGNITO_CLIENT_ID: clients.client.id, COGNITO_TOKEN_URL: clients.token_url}
        for spec in outputs_for(
            api_key=api.api_key is not None,
            domain=domain is not None,
            waf=firewall is not None,
            cognito=bool(cognito_pool_arn),
            cognito_pool=clients is not None,
        ):
            TerraformOutput(
                self,
                spec.name,
                value=values[spec.name],
                description=spec.description,
                sensitive=spec.sensitive or None,
            )

    def _table_props(self, table_name: str, kms_key_arn: str) -> TableProps:
        """Both tables follow the capacity settings (a keyed write is a transaction on both)."""
        s = self.settings
        return TableProps(
            table_name=table_name,
            read_capacity=s.read_capacity,
            write_capacity=s.write_capacity,
            max_write_capacity=s.max_write_capacity,
            write_target_utilization_percent=s.write_target_utilization_percent,
            kms_key_arn=kms_key_arn,
            deletion_protection=s.deletion_protection,
            on_demand_max_write_units=s.effective_on_demand_max_write_units
            if s.billing_mode == "on_demand"
            else None,
        )


class StateStack(_BaseStack):
    """The S3 state bucket of one account and region. Its own state stays local (a bucket cannot
    hold the state that creates it): `make bootstrap` applies it once, and keeps that file."""

    def __init__(self, scope: Construct, settings: Settings) -> None:
        region = settings.effective_state_region
        super().__init__(
            scope, settings.state_stack_name, settings, SHARED_TAGS, region=region, local_state=True
        )
        self.state_bucket = StateBucket(
            self,
            "state_bucket",
            StateBucketProps(
                bucket_name=naming.state_bucket(settings.name_prefix, region, self.aws.account_id),
                noncurrent_version_days=settings.state_noncurrent_version_days,
            ),
        )
        self.output(
            "state_bucket_name", self.state_bucket.bucket.bucket, "S3 bucket every stack's state lives in"
        )
        self.output("state_bucket_region", region, "Region of the state bucket")


class CiStack(_BaseStack):
    """GitHub Actions' roles for every environment of the app (IAM is global: one stack, named for
    the first environment's region). An administrator applies it once, and again when an
    environment is added; its state lives where the first environment's does."""

    def __init__(self, scope: Construct, all_settings: Sequence[Settings]) -> None:
        first = all_settings[0]
        super().__init__(scope, first.ci_stack_name, first, SHARED_TAGS)
        environments = [self._environment(s) for s in all_settings]
        self.roles = CiRoles(
            self,
            "ci_roles",
            CiRolesProps(
                repository=first.github_repository,
                existing_provider_arn=first.github_oidc_provider_arn,
                read_policy_name=naming.ci_read_policy(first.name_prefix),
                environments=environments,
                aws=self.aws,
            ),
        )
        self.output("oidc_provider_arn", self.roles.provider_arn, "GitHub's OIDC provider in this account")
        for name, roles in self.roles.roles.items():
            self.output(
                f"plan_role_arn_{name}",
                roles.plan_role.arn,
                f"AWS_PLAN_ROLE_ARN of {name} (plan.yml, drift.yml)",
            )
            self.output(
                f"deploy_role_arn_{name}",
                roles.deploy_role.arn,
                f"AWS_DEPLOY_ROLE_ARN of {name} (deploy.yml)",
            )

    def _environment(self, s: Settings) -> CiEnvironment:
        def state_key(stack: str) -> str:
            return f"{s.state_key_prefix}/{stack}.tfstate"

        boundary_name = naming.permissions_boundary(s.name_prefix, s.environment)
        return CiEnvironment(
            scope=CiScope(
                environment=s.environment,
                project=PROJECT,
                resource_prefix=s.stack_name,
                boundary_arn=self.aws.policy_arn(boundary_name),
                state_bucket=s.state_bucket,
                own_state_key=state_key(s.stack_name),
                shared_state_keys=(state_key(s.account_stack_name),),
                domain_name=s.domain_name,
                hosted_zone_id=s.hosted_zone_id,
            ),
            plan_role_name=naming.ci_role(s.name_prefix, s.environment, "plan"),
            deploy_role_name=naming.ci_role(s.name_prefix, s.environment, "deploy"),
            boundary_name=boundary_name,
        )


def build_app(app: Construct, all_settings: list[Settings], with_ci: bool = True) -> list[TerraformStack]:
    """One stack per environment, plus one API Gateway account stack per region they use and one
    state stack per region their state lives in; with github_repository set (and ``with_ci``:
    every environment in this run), the CI stack."""
    stacks: list[TerraformStack] = []
    state_stacks: dict[str, StateStack] = {}
    account_stacks: dict[str, ApiGatewayAccountStack] = {}
    for settings in all_settings:
        if settings.effective_state_region not in state_stacks:
            state_stacks[settings.effective_state_region] = StateStack(app, settings)
            stacks.append(state_stacks[settings.effective_state_region])
        account = account_stacks.get(settings.region)
        if account is None:
            account = account_stacks[settings.region] = ApiGatewayAccountStack(app, settings)
            stacks.append(account)
        stack = DataApiStack(app, settings)
        # Stage logging needs the account's CloudWatch role: deploy the account stack first.
        stack.add_dependency(account)
        stacks.append(stack)
    if with_ci and all_settings and all_settings[0].github_repository:
        stacks.append(CiStack(app, all_settings))
    return stacks
