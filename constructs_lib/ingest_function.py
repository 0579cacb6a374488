"""The ingest function: its code asset, role, least-privilege policy and log group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Construct

from constructs_lib import naming
from constructs_lib.accepted_findings import accept_findings
from constructs_lib.aws_context import AwsContext
from constructs_lib.contract import FUNCTION_POLICY_NAME, HANDLER
from constructs_lib.framework import (
    AssetType,
    CloudwatchLogGroup,
    IamRole,
    IamRolePolicy,
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
    TerraformAsset,
)
from constructs_lib.function_package import package_function_code
from constructs_lib.iam_policy import policy_document
from constructs_lib.policies import function_statements, service_trust_policy


@dataclass(frozen=True)
class IngestFunctionProps:
    """Settings of the ingest function."""

    function_name: str
    runtime: str
    memory_mb: int
    timeout_seconds: int
    log_retention_days: int
    environment_variables: Mapping[str, str]
    """The function's environment (Settings.function_variables, as make local and make verify
    build it too)."""
    tracing_enabled: bool
    reserved_concurrency: int
    """Concurrent executions reserved (and so capped) for the function; 0 for none."""
    table_arn: str
    idempotency_table_arn: str
    """Whose Idempotency-Keys are whose: the function scopes keys by the caller this mode knows."""
    kms_key_arn: str
    aws: AwsContext
    permissions_boundary_arn: str = ""
    """The role's permissions boundary (set when CI deploys: the CI stack creates the policy)."""
    extra_files: Mapping[str, str] = field(default_factory=dict)
    """Generated modules shipped beside the handler (the payload schema's validator)."""


class IngestFunction(Construct):
    """The Lambda function behind POST /data, allowed to put items in one table and nothing more."""

    def __init__(self, scope: Construct, id_: str, props: IngestFunctionProps) -> None:
        super().__init__(scope, id_)
        self.log_group_name = naming.function_log_group(props.function_name)
        self.log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=self.log_group_name,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        self.role = IamRole(
            self,
            "role",
            name=f"{props.function_name}-role",
            description=f"Execution role of {props.function_name}",
            assume_role_policy=service_trust_policy("lambda.amazonaws.com"),
            permissions_boundary=props.permissions_boundary_arn or None,
        )
        self.role_policy = IamRolePolicy(
            self,
            "role_policy",
            name=FUNCTION_POLICY_NAME,
            role=self.role.id,
            policy=policy_document(
                function_statements(
                    props.aws,
                    props.table_arn,
                    props.idempotency_table_arn,
                    props.kms_key_arn,
                    self.log_group_name,
                    props.tracing_enabled,
                )
            ),
        )
        package = package_function_code(extra_files=props.extra_files)
        code = TerraformAsset(
            self, "code", path=str(package.archive), type=AssetType.FILE, asset_hash=package.digest[:32]
        )
        self.function = LambdaFunction(
            self,
            "function",
            function_name=props.function_name,
            description="Stores each POST /data payload in the data table",
            role=self.role.arn,
            runtime=props.runtime,
            handler=HANDLER,
            filename=code.path,
            source_code_hash=code.asset_hash,
            memory_size=props.memory_mb,
            timeout=props.timeout_seconds,
            environment=LambdaFunctionEnvironment(variables=dict(props.environment_variables)),
            tracing_config=LambdaFunctionTracingConfig(
                mode="Active" if props.tracing_enabled else "PassThrough"
            ),
            logging_config=LambdaFunctionLoggingConfig(log_format="Text", log_group=self.log_group_name),
            reserved_concurrent_executions=props.reserved_concurrency or None,
            # Created after its log group (else Lambda creates one with no retention or key) and
            # after its policy (else the first invocations fail for want of permissions).
            depends_on=[self.log_group, self.role_policy],
        )
        self._accept_findings(props)

    def _accept_findings(self, props: IngestFunctionProps) -> None:
        accepted = ["CKV_AWS_117", "CKV_AWS_116", "CKV_AWS_272", "CKV_AWS_173"]
        if not props.reserved_concurrency:
            accepted.append("CKV_AWS_115")
        accept_findings(self.function, *accepted)
        accept_findings(self.log_group, "CKV_AWS_338")
        accept_findings(self.role, "parliament:MALFORMED")

    @property
    def name(self) -> str:
        return self.function.function_name

    @property
    def arn(self) -> str:
        return self.function.arn
