"""The account, partition and region a stack deploys into, as values for ARNs and policies."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from constructs import Construct


@dataclass(frozen=True)
class AwsContext:
    """Where the stack lands; account and partition are resolved by Terraform at plan time."""

    account_id: str
    partition: str
    region: str
    dns_suffix: str

    @classmethod
    def lookup(cls, scope: Construct, region: str) -> AwsContext:
        caller = DataAwsCallerIdentity(scope, "current_account")
        partition = DataAwsPartition(scope, "current_partition")
        return cls(
            account_id=caller.account_id,
            partition=partition.partition,
            region=region,
            dns_suffix=partition.dns_suffix,
        )

    def service_host(self, service: str) -> str:
        """Regional host of a service, as IAM conditions name it: ``dynamodb.us-east-1.amazonaws.com``."""
        return f"{service}.{self.region}.{self.dns_suffix}"

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def log_group_arn(self, name: str) -> str:
        """ARN of a log group by name, as the logs service puts it in a KMS encryption context."""
        return f"arn:{self.partition}:logs:{self.region}:{self.account_id}:log-group:{name}"
