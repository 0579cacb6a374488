"""The one module that imports the CDK framework (CDKTF) and its AWS provider; every construct
imports them from here.

Loading the provider is most of what a synth costs: its package imports 2,212 submodules and
creates about 1.2 million Python objects. Python's cyclic garbage collector would walk all of
them again and again while they load, and once more when the process exits, though none of them
is ever garbage. So the collector is paused while they load, and what they created is then
frozen out of its sight (``gc.freeze``): measured here, the load went from about 9.3 s to 6.5 s
and the exit after a synth from about 4 s to nothing (`make bench` shows both floors). Objects
created later (the app's constructs) are collected as usual.
"""

from __future__ import annotations

import gc

_collecting = gc.isenabled()
gc.disable()
try:
    from cdktf import (
        Annotations,
        App,
        Aspects,
        AssetType,
        Fn,
        IAspect,
        IResolveContext,
        IStringProducer,
        Lazy,
        LocalBackend,
        S3Backend,
        TerraformAsset,
        TerraformOutput,
        TerraformProvider,
        TerraformResource,
        TerraformResourceLifecycle,
        TerraformStack,
        TerraformVariable,
        Testing,
    )
    from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
    from cdktf_cdktf_provider_aws.api_gateway_api_key import ApiGatewayApiKey
    from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
    from cdktf_cdktf_provider_aws.api_gateway_gateway_response import ApiGatewayGatewayResponse
    from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
    from cdktf_cdktf_provider_aws.api_gateway_integration_response import ApiGatewayIntegrationResponse
    from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
    from cdktf_cdktf_provider_aws.api_gateway_method_response import ApiGatewayMethodResponse
    from cdktf_cdktf_provider_aws.api_gateway_method_settings import (
        ApiGatewayMethodSettings,
        ApiGatewayMethodSettingsSettings,
    )
    from cdktf_cdktf_provider_aws.api_gateway_model import ApiGatewayModel
    from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
    from cdktf_cdktf_provider_aws.api_gateway_rest_api import (
        ApiGatewayRestApi,
        ApiGatewayRestApiEndpointConfiguration,
    )
    from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage, ApiGatewayStageAccessLogSettings
    from cdktf_cdktf_provider_aws.api_gateway_usage_plan import (
        ApiGatewayUsagePlan,
        ApiGatewayUsagePlanApiStages,
        ApiGatewayUsagePlanQuotaSettings,
        ApiGatewayUsagePlanThrottleSettings,
    )
    from cdktf_cdktf_provider_aws.api_gateway_usage_plan_key import ApiGatewayUsagePlanKey
    from cdktf_cdktf_provider_aws.appautoscaling_policy import (
        AppautoscalingPolicy,
        AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
        AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
    )
    from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
    from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
    from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
    from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
    from cdktf_cdktf_provider_aws.cloudwatch_query_definition import CloudwatchQueryDefinition
    from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
    from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
    from cdktf_cdktf_provider_aws.dynamodb_table import (
        DynamodbTable,
        DynamodbTableAttribute,
        DynamodbTableOnDemandThroughput,
        DynamodbTablePointInTimeRecovery,
        DynamodbTableServerSideEncryption,
        DynamodbTableTtl,
    )
    from cdktf_cdktf_provider_aws.iam_role import IamRole
    from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
    from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
    from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
    from cdktf_cdktf_provider_aws.kms_key import KmsKey
    from cdktf_cdktf_provider_aws.lambda_function import (
        LambdaFunction,
        LambdaFunctionEnvironment,
        LambdaFunctionLoggingConfig,
        LambdaFunctionTracingConfig,
    )
    from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
    from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
    from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
        S3BucketLifecycleConfiguration,
        S3BucketLifecycleConfigurationRule,
        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
        S3BucketLifecycleConfigurationRuleFilter,
        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    )
    from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
        S3BucketOwnershipControls,
        S3BucketOwnershipControlsRule,
    )
    from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
    from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
    from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
        S3BucketServerSideEncryptionConfigurationA,
        S3BucketServerSideEncryptionConfigurationRuleA,
        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
    )
    from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
        S3BucketVersioningA,
        S3BucketVersioningVersioningConfiguration,
    )
    from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
    from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

FRAMEWORK = "cdktf"
"""Which CDK framework synthesizes: its name, as `make bench` and the stack's metadata report it."""

__all__ = [
    "FRAMEWORK",
    "Annotations",
    "ApiGatewayAccount",
    "ApiGatewayApiKey",
    "ApiGatewayDeployment",
    "ApiGatewayGatewayResponse",
    "ApiGatewayIntegration",
    "ApiGatewayIntegrationResponse",
    "ApiGatewayMethod",
    "ApiGatewayMethodResponse",
    "ApiGatewayMethodSettings",
    "ApiGatewayMethodSettingsSettings",
    "ApiGatewayModel",
    "ApiGatewayResource",
    "ApiGatewayRestApi",
    "ApiGatewayRestApiEndpointConfiguration",
    "ApiGatewayStage",
    "ApiGatewayStageAccessLogSettings",
    "ApiGatewayUsagePlan",
    "ApiGatewayUsagePlanApiStages",
    "ApiGatewayUsagePlanKey",
    "ApiGatewayUsagePlanQuotaSettings",
    "ApiGatewayUsagePlanThrottleSettings",
    "App",
    "AppautoscalingPolicy",
    "AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration",
    "AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification",
    "AppautoscalingTarget",
    "Aspects",
    "AssetType",
    "AwsProvider",
    "AwsProviderDefaultTags",
    "CloudwatchDashboard",
    "CloudwatchLogGroup",
    "CloudwatchMetricAlarm",
    "CloudwatchQueryDefinition",
    "DataAwsCallerIdentity",
    "DataAwsPartition",
    "DynamodbTable",
    "DynamodbTableAttribute",
    "DynamodbTableOnDemandThroughput",
    "DynamodbTablePointInTimeRecovery",
    "DynamodbTableServerSideEncryption",
    "DynamodbTableTtl",
    "Fn",
    "IAspect",
    "IResolveContext",
    "IStringProducer",
    "IamRole",
    "IamRolePolicy",
    "IamRolePolicyAttachment",
    "KmsAlias",
    "KmsKey",
    "LambdaFunction",
    "LambdaFunctionEnvironment",
    "LambdaFunctionLoggingConfig",
    "LambdaFunctionTracingConfig",
    "LambdaPermission",
    "Lazy",
    "LocalBackend",
    "S3Backend",
    "S3Bucket",
    "S3BucketLifecycleConfiguration",
    "S3BucketLifecycleConfigurationRule",
    "S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload",
    "S3BucketLifecycleConfigurationRuleFilter",
    "S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration",
    "S3BucketOwnershipControls",
    "S3BucketOwnershipControlsRule",
    "S3BucketPolicy",
    "S3BucketPublicAccessBlock",
    "S3BucketServerSideEncryptionConfigurationA",
    "S3BucketServerSideEncryptionConfigurationRuleA",
    "S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA",
    "S3BucketVersioningA",
    "S3BucketVersioningVersioningConfiguration",
    "SnsTopic",
    "SnsTopicSubscription",
    "TerraformAsset",
    "TerraformOutput",
    "TerraformProvider",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "TerraformVariable",
    "Testing",
]
