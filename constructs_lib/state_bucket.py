"""The S3 bucket that holds every stack's Terraform state: versioned, encrypted, private, TLS only."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.accepted_findings import accept_findings
from constructs_lib.framework import (
    S3Bucket,
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
    TerraformResourceLifecycle,
)
from constructs_lib.iam_policy import policy_document
from constructs_lib.policies import deny_insecure_transport_statement


@dataclass(frozen=True)
class StateBucketProps:
    """Settings of the state bucket."""

    bucket_name: str
    noncurrent_version_days: int
    """Days a replaced state version is kept (every apply writes a new one)."""


class StateBucket(Construct):
    """One bucket per account and region for every stack's state, with S3-native locking (the
    backend's ``use_lockfile``: a ``.tflock`` object beside each state, no DynamoDB table)."""

    def __init__(self, scope: Construct, id_: str, props: StateBucketProps) -> None:
        super().__init__(scope, id_)
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=props.bucket_name,
            # Losing the bucket loses every environment's state: Terraform refuses to plan its deletion.
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        accept_findings(self.bucket, "CKV_AWS_145", "CKV_AWS_18", "CKV_AWS_144", "CKV2_AWS_62")
        bucket_id = self.bucket.id
        self.versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        self.encryption = S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=bucket_id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="AES256"
                    )
                )
            ],
        )
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public_access_block",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=bucket_id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        self.policy = S3BucketPolicy(
            self,
            "policy",
            bucket=bucket_id,
            policy=policy_document([deny_insecure_transport_statement(self.bucket.arn)]),
            # S3 refuses a policy while the public-access block is being changed.
            depends_on=[self.public_access_block],
        )
        self.lifecycle_rules = S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket_id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-replaced-state",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=props.noncurrent_version_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=7
                        )
                    ],
                )
            ],
            # Lifecycle rules on noncurrent versions need versioning first.
            depends_on=[self.versioning],
        )
