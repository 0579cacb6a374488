"""The account, partition and region a stack deploys into, as values for ARNs and policies.

No CDKTF import: `make verify` builds the same policies with the values of a real account.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AwsContext:
    """Where the stack lands. In a stack, account and partition are Terraform references
    resolved at plan time; in `make verify`, the deployed account's real values."""

    account_id: str
    partition: str
    region: str
    dns_suffix: str

    def via_service(self, service: str) -> str:
        """A ``kms:ViaService`` value: ``<service>.<region>.amazonaws.com`` in every partition.
        https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service"""
        return f"{service}.{self.region}.amazonaws.com"

    def regional_service_principal(self, service: str) -> str:
        """A regional service principal, such as CloudWatch Logs' ``logs.<region>.amazonaws.com``."""
        return f"{service}.{self.region}.{self.dns_suffix}"

    def service_principal(self, service: str) -> str:
        """A global service principal, such as ``cloudwatch.amazonaws.com``."""
        return f"{service}.{self.dns_suffix}"

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def function_arn(self, function_name: str) -> str:
        return f"arn:{self.partition}:lambda:{self.region}:{self.account_id}:function:{function_name}"

    def lambda_invoke_arn(self, function_name: str) -> str:
        """The URI API Gateway invokes a function by, built from its name rather than from a
        reference to the function resource (see RestApi: no reference, no inherited lifecycle)."""
        return (
            f"arn:{self.partition}:apigateway:{self.region}:lambda:path/2015-03-31/functions/"
            f"{self.function_arn(function_name)}/invocations"
        )

    def policy_arn(self, name: str) -> str:
        """A customer-managed IAM policy of this account."""
        return f"arn:{self.partition}:iam::{self.account_id}:policy/{name}"

    def log_group_arn(self, name: str) -> str:
        """ARN of a log group by name, as the logs service puts it in a KMS encryption context."""
        return f"arn:{self.partition}:logs:{self.region}:{self.account_id}:log-group:{name}"
