"""Every policy data-api writes: the data key's, the function's and the trust policies.

Pure functions of plain values: the constructs synthesize them with Terraform references, and
`make verify` builds the same documents with a deployed account's values and compares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constructs_lib.aws_context import AwsContext
from constructs_lib.iam_policy import Statement, allow, policy_document

# Managing the key without using it: the administrator statement of KMS's default key policy
# (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators)
# spelled out, without kms:CreateGrant (a grant hands out encrypt/decrypt). PutKeyPolicy and the
# deletion pair stay with the account, so the key can never be locked out or lost for good.
KEY_ADMIN_ACTIONS = (
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:UpdateAlias",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
)
CRYPTOGRAPHIC_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:CreateGrant",
)
"""What uses a key (or hands its use to someone else): never granted to the root unconditioned."""

# What a principal of the account needs to read and write an encrypted table through DynamoDB.
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
DYNAMODB_USER_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
    "kms:CreateGrant",
)
# DynamoDB reads the key's metadata itself, as the service principal (same page's example).
DYNAMODB_SERVICE_READ_ACTIONS = ("kms:Describe*", "kms:Get*", "kms:List*")
# What CloudWatch Logs needs to encrypt and read back a log group's events. (No kms:Describe*:
# those calls carry no encryption context, so the condition below could never admit them.)
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
LOGS_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*")
# What a principal of the account needs of the key when CloudWatch Logs calls KMS on its behalf
# (writing to or reading an encrypted log group): "add kms:ViaService ... to your roles which call
# CloudWatch Logs in either your Key Policy or in IAM"
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html); the actions
# are those of AWS's managed policy CloudWatchLogsAPIKeyAccess (February 2026)
# (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudWatchLogsAPIKeyAccess.html).
LOGS_CALLER_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
# DescribeKey carries no encryption context: the managed policy conditions it on the service only.
LOGS_CALLER_DESCRIBE_ACTIONS = ("kms:DescribeKey",)
# What CloudWatch alarms need to publish to a topic encrypted with this key: SNS documents this
# statement for AWS services publishing to encrypted topics, with no condition.
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
ALARM_PUBLISH_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")

# What the function needs of the data key to write an encrypted item through DynamoDB.
TABLE_KEY_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")
XRAY_WRITE_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")

ROOT_ADMIN_SID = "AccountAdministersKey"


def service_trust_policy(service: str) -> str:
    """A trust policy letting one AWS service assume the role. No aws:SourceAccount condition:
    neither Lambda nor API Gateway documents sending it when assuming a role, and only someone
    allowed iam:PassRole in this account can hand the role to the service anyway.
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"""
    return policy_document(
        [
            {
                "Sid": "TrustService",
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def deny_insecure_transport_statement(bucket_arn: str) -> Statement:
    """Refuse every request to the bucket that is not over TLS.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit"""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _account_via(
    aws: AwsContext, sid: str, actions: Sequence[str], service: str, context: dict[str, Any] | None = None
) -> Statement:
    """Principals of this account may use the key only through ``service`` in this region
    (``kms:ViaService``), and only with ``context`` where given."""
    return allow(
        sid,
        actions,
        ["*"],
        principal={"AWS": aws.root_arn},
        conditions={
            "StringEquals": {
                "kms:ViaService": aws.via_service(service),
                "kms:CallerAccount": aws.account_id,
                **(context or {}),
            }
        },
    )


def data_key_statements(aws: AwsContext, log_group_names: Sequence[str]) -> list[Statement]:
    """The data key's policy: the account administers it; only services of this stack use it."""
    statements = [
        allow(ROOT_ADMIN_SID, KEY_ADMIN_ACTIONS, ["*"], principal={"AWS": aws.root_arn}),
        _account_via(aws, "AccountUsesViaDynamoDB", DYNAMODB_USER_ACTIONS, "dynamodb"),
        allow(
            "DynamoDBReadsKeyMetadata",
            DYNAMODB_SERVICE_READ_ACTIONS,
            ["*"],
            principal={"Service": aws.service_principal("dynamodb")},
        ),
        allow(
            "CloudWatchAlarmsPublishToTopic",
            ALARM_PUBLISH_ACTIONS,
            ["*"],
            principal={"Service": aws.service_principal("cloudwatch")},
        ),
    ]
    if log_group_names:
        log_group_arns = [aws.log_group_arn(n) for n in log_group_names]
        statements.append(
            allow(
                "CloudWatchLogsEncryptsStackLogGroups",
                LOGS_ACTIONS,
                ["*"],
                principal={"Service": aws.regional_service_principal("logs")},
                # Encryption-context keys are strings: compare the exact ARNs as strings.
                conditions={"StringEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}},
            )
        )
        # The roles that write and read these groups, when Logs calls KMS with their credentials:
        # only through Logs in this region, only for this stack's groups. Each role's own policy
        # must allow the same (function_statements; the account stack's logging role).
        statements.append(
            _account_via(
                aws,
                "AccountUsesViaCloudWatchLogs",
                LOGS_CALLER_ACTIONS,
                "logs",
                {"kms:EncryptionContext:aws:logs:arn": log_group_arns},
            )
        )
        statements.append(
            _account_via(aws, "AccountDescribesKeyViaCloudWatchLogs", LOGS_CALLER_DESCRIBE_ACTIONS, "logs")
        )
    return statements


def logs_caller_statements(
    aws: AwsContext, key_arns: Sequence[str], log_group_arns: Sequence[str], like: bool = False
) -> list[Statement]:
    """What a role that writes encrypted log groups needs of their key, through CloudWatch Logs
    only (see LOGS_CALLER_ACTIONS). ``like``: the log group ARNs are patterns (an account-wide role)."""
    via_logs: dict[str, Any] = {"kms:ViaService": aws.via_service("logs")}
    context: dict[str, Any] = {"kms:EncryptionContext:aws:logs:arn": list(log_group_arns)}
    conditions: dict[str, dict[str, Any]] = (
        {"StringEquals": via_logs, "StringLike": context} if like else {"StringEquals": via_logs | context}
    )
    return [
        allow("UseLogKeyViaCloudWatchLogs", LOGS_CALLER_ACTIONS, key_arns, conditions=conditions),
        allow(
            "DescribeLogKeyViaCloudWatchLogs",
            LOGS_CALLER_DESCRIBE_ACTIONS,
            key_arns,
            conditions={"StringEquals": via_logs},
        ),
    ]


def function_statements(
    aws: AwsContext,
    table_arn: str,
    idempotency_table_arn: str,
    kms_key_arn: str,
    log_group_name: str,
    tracing_enabled: bool,
) -> list[Statement]:
    """The ingest function's role policy: put items in its two tables, nothing more. A keyed
    write is a TransactWriteItems of two Puts, which IAM authorizes as dynamodb:PutItem on each
    table (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html)."""
    statements = [
        allow("PutItems", ["dynamodb:PutItem"], [table_arn, idempotency_table_arn]),
        allow(
            "UseDataKeyViaDynamoDB",
            TABLE_KEY_ACTIONS,
            [kms_key_arn],
            conditions={"StringEquals": {"kms:ViaService": aws.via_service("dynamodb")}},
        ),
        allow(
            "WriteOwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"{aws.log_group_arn(log_group_name)}:*"],
        ),
        *logs_caller_statements(aws, [kms_key_arn], [aws.log_group_arn(log_group_name)]),
    ]
    if tracing_enabled:
        # X-Ray has no resource-level permissions: "*" is the narrowest resource AWS allows.
        statements.append(allow("WriteTraces", XRAY_WRITE_ACTIONS, ["*"]))
    return statements
