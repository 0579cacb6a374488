"""The data key: the customer-managed KMS key that encrypts the table, log groups and topic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from constructs_lib.accepted_findings import accept_findings
from constructs_lib.aws_context import AwsContext
from constructs_lib.iam_policy import Statement, allow, policy_document

# What a principal of the account needs to read and write an encrypted table through DynamoDB.
DYNAMODB_USER_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
    "kms:CreateGrant",
)
# What CloudWatch Logs needs to encrypt and read back a log group's events. (No kms:Describe*:
# those calls carry no encryption context, so the condition below could never admit them.)
LOGS_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*")
# What CloudWatch alarms need to publish to a topic encrypted with this key.
ALARM_PUBLISH_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")


@dataclass(frozen=True)
class DataKeyProps:
    """Settings of the data key."""

    alias_name: str
    """Alias without the ``alias/`` prefix, e.g. ``data-api-dev-data``."""
    deletion_window_days: int
    """Days a scheduled deletion can still be cancelled."""
    aws: AwsContext
    """Account, partition and region the key lives in."""


class DataKey(Construct):
    """A rotating KMS key whose policy admits exactly the services of this stack that use it.

    The log groups that may use the key are only known once the whole stack is built (one name
    holds the REST API's id), so the stack hands them over with ``admit_log_groups`` at the end.
    """

    def __init__(self, scope: Construct, id_: str, props: DataKeyProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self.key = KmsKey(
            self,
            "key",
            description=f"Encrypts the data, logs and alerts of {props.alias_name}",
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_days,
            policy=policy_document(self._statements([])),
        )
        # A key policy's Resource "*" means "this key": it is the only form a key policy takes.
        accept_findings(self.key, "parliament:RESOURCE_STAR", "parliament:PERMISSIONS_MANAGEMENT_ACTIONS")
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.alias_name}", target_key_id=self.key.key_id)

    @property
    def arn(self) -> str:
        return self.key.arn

    def admit_log_groups(self, log_group_names: Sequence[str]) -> None:
        """Let CloudWatch Logs use the key for exactly these log groups (by name, not reference:
        a reference would make the key depend on the log groups it encrypts)."""
        self.key.policy = policy_document(self._statements(log_group_names))

    def _statements(self, log_group_names: Sequence[str]) -> list[Statement]:
        aws = self._props.aws
        statements = [
            # Without this statement nobody, not even the account, could ever manage the key again.
            allow("AccountAdministers", ["kms:*"], ["*"], principal={"AWS": aws.root_arn}),
            allow(
                "AccountUsesViaDynamoDB",
                DYNAMODB_USER_ACTIONS,
                ["*"],
                principal={"AWS": aws.root_arn},
                conditions={
                    "StringEquals": {
                        "kms:ViaService": aws.service_host("dynamodb"),
                        "kms:CallerAccount": aws.account_id,
                    }
                },
            ),
            allow(
                "CloudWatchAlarmsPublishToTopic",
                ALARM_PUBLISH_ACTIONS,
                ["*"],
                principal={"Service": f"cloudwatch.{aws.dns_suffix}"},
                conditions={"StringEquals": {"kms:ViaService": aws.service_host("sns")}},
            ),
        ]
        if log_group_names:
            statements.append(
                allow(
                    "CloudWatchLogsEncryptsStackLogGroups",
                    LOGS_ACTIONS,
                    ["*"],
                    principal={"Service": aws.service_host("logs")},
                    # Encryption-context keys are strings: compare the exact ARNs as strings.
                    conditions={
                        "StringEquals": {
                            "kms:EncryptionContext:aws:logs:arn": [
                                aws.log_group_arn(name) for name in log_group_names
                            ]
                        }
                    },
                )
            )
        return statements
