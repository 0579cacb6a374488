"""The one module that imports the CDK framework and its AWS provider; every construct imports
them from here.

Two frameworks synthesize the same JSON: CDKTF (``cdktf`` and ``cdktf-cdktf-provider-aws``, the
default) and CDK Terrain, its maintained fork (``cdktn`` and ``cdktn-provider-aws``), chosen with
``CDK_FRAMEWORK=cdktn`` (the Makefile then uses the CDK Terrain venv; docs/cdk-terrain.md).
mypy checks the branch of the installed one (``CDK_TERRAIN``: always false in pyproject.toml,
``--always-true CDK_TERRAIN`` for CDK Terrain).

Loading the provider is most of what a synth costs. CDKTF's provider package has 2,212 submodules,
one per resource or data source, and its ``__init__`` imports every one of them (about 1.2
million Python objects, 4.5 s of CPU here) though each submodule imports what it needs itself
(the assembly's ``_jsii``, cdktf, constructs). So the package is registered without running that
``__init__`` (``_package_without_its_init``), and only the submodules named below load, as
CDK Terrain's provider package does on its own: the load went from about 7.8 s to 3.3 s here,
and all 13 apps of the test session synthesized byte for byte the same JSON both ways
(docs/performance.md).

Python's cyclic garbage collector would walk what the load creates again and again while it
loads, and once more when the process exits, though none of it is ever garbage. So the collector
is paused while the framework loads, and what it created is then frozen out of its sight
(``gc.freeze``). Objects created later (the app's constructs) are collected as usual.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys

FRAMEWORKS = ("cdktf", "cdktn")
FRAMEWORK = os.environ.get("CDK_FRAMEWORK") or "cdktf"
"""Which CDK framework synthesizes (CDK_FRAMEWORK): cdktf (CDKTF) or cdktn (CDK Terrain)."""
if FRAMEWORK not in FRAMEWORKS:
    raise SystemExit(f"data-api: error: CDK_FRAMEWORK={FRAMEWORK!r} is not one of {', '.join(FRAMEWORKS)}")
CDK_TERRAIN = FRAMEWORK == "cdktn"
PROVIDER_PACKAGE = "cdktn_provider_aws" if CDK_TERRAIN else "cdktf_cdktf_provider_aws"


def _package_without_its_init(name: str) -> None:
    """Register the package ``name`` (its folder, for its submodules) without running its
    ``__init__``, unless something imported it already. An import of one of its submodules then
    loads that submodule alone. A package that is not installed is left to the import to report."""
    spec = importlib.util.find_spec(name) if name not in sys.modules else None
    if spec is not None and spec.submodule_search_locations is not None:
        sys.modules[name] = importlib.util.module_from_spec(spec)


_collecting = gc.isenabled()
gc.disable()
try:
    if CDK_TERRAIN:
        import cdktn as cdk
        import cdktn_provider_aws.acm_certificate as acm_certificate
        import cdktn_provider_aws.acm_certificate_validation as acm_certificate_validation
        import cdktn_provider_aws.api_gateway_account as api_gateway_account
        import cdktn_provider_aws.api_gateway_api_key as api_gateway_api_key
        import cdktn_provider_aws.api_gateway_authorizer as api_gateway_authorizer
        import cdktn_provider_aws.api_gateway_base_path_mapping as api_gateway_base_path_mapping
        import cdktn_provider_aws.api_gateway_deployment as api_gateway_deployment
        import cdktn_provider_aws.api_gateway_domain_name as api_gateway_domain_name
        import cdktn_provider_aws.api_gateway_gateway_response as api_gateway_gateway_response
        import cdktn_provider_aws.api_gateway_integration as api_gateway_integration
        import cdktn_provider_aws.api_gateway_integration_response as api_gateway_integration_response
        import cdktn_provider_aws.api_gateway_method as api_gateway_method
        import cdktn_provider_aws.api_gateway_method_response as api_gateway_method_response
        import cdktn_provider_aws.api_gateway_method_settings as api_gateway_method_settings
        import cdktn_provider_aws.api_gateway_model as api_gateway_model
        import cdktn_provider_aws.api_gateway_request_validator as api_gateway_request_validator
        import cdktn_provider_aws.api_gateway_resource as api_gateway_resource
        import cdktn_provider_aws.api_gateway_rest_api as api_gateway_rest_api
        import cdktn_provider_aws.api_gateway_stage as api_gateway_stage
        import cdktn_provider_aws.api_gateway_usage_plan as api_gateway_usage_plan
        import cdktn_provider_aws.api_gateway_usage_plan_key as api_gateway_usage_plan_key
        import cdktn_provider_aws.appautoscaling_policy as appautoscaling_policy
        import cdktn_provider_aws.appautoscaling_target as appautoscaling_target
        import cdktn_provider_aws.cloudwatch_dashboard as cloudwatch_dashboard
        import cdktn_provider_aws.cloudwatch_log_group as cloudwatch_log_group
        import cdktn_provider_aws.cloudwatch_metric_alarm as cloudwatch_metric_alarm
        import cdktn_provider_aws.cloudwatch_query_definition as cloudwatch_query_definition
        import cdktn_provider_aws.cognito_resource_server as cognito_resource_server
        import cdktn_provider_aws.cognito_user_pool as cognito_user_pool
        import cdktn_provider_aws.cognito_user_pool_client as cognito_user_pool_client
        import cdktn_provider_aws.cognito_user_pool_domain as cognito_user_pool_domain
        import cdktn_provider_aws.data_aws_caller_identity as data_aws_caller_identity
        import cdktn_provider_aws.data_aws_partition as data_aws_partition
        import cdktn_provider_aws.dynamodb_table as dynamodb_table
        import cdktn_provider_aws.iam_openid_connect_provider as iam_openid_connect_provider
        import cdktn_provider_aws.iam_policy as iam_policy
        import cdktn_provider_aws.iam_role as iam_role
        import cdktn_provider_aws.iam_role_policy as iam_role_policy
        import cdktn_provider_aws.iam_role_policy_attachment as iam_role_policy_attachment
        import cdktn_provider_aws.kms_alias as kms_alias
        import cdktn_provider_aws.kms_key as kms_key
        import cdktn_provider_aws.lambda_function as lambda_function
        import cdktn_provider_aws.lambda_permission as lambda_permission
        import cdktn_provider_aws.provider as provider
        import cdktn_provider_aws.route53_record as route53_record
        import cdktn_provider_aws.s3_bucket as s3_bucket
        import cdktn_provider_aws.s3_bucket_lifecycle_configuration as s3_bucket_lifecycle_configuration
        import cdktn_provider_aws.s3_bucket_ownership_controls as s3_bucket_ownership_controls
        import cdktn_provider_aws.s3_bucket_policy as s3_bucket_policy
        import cdktn_provider_aws.s3_bucket_public_access_block as s3_bucket_public_access_block
        import cdktn_provider_aws.s3_bucket_server_side_encryption_configuration as s3_bucket_sse
        import cdktn_provider_aws.s3_bucket_versioning as s3_bucket_versioning
        import cdktn_provider_aws.sns_topic as sns_topic
        import cdktn_provider_aws.sns_topic_subscription as sns_topic_subscription
        import cdktn_provider_aws.wafv2_web_acl as wafv2_web_acl
        import cdktn_provider_aws.wafv2_web_acl_association as wafv2_web_acl_association
        import cdktn_provider_aws.wafv2_web_acl_logging_configuration as waf_logging
    else:
        _package_without_its_init(PROVIDER_PACKAGE)  # its __init__ imports all 2,212 submodules
        import cdktf as cdk
        import cdktf_cdktf_provider_aws.acm_certificate as acm_certificate
        import cdktf_cdktf_provider_aws.acm_certificate_validation as acm_certificate_validation
        import cdktf_cdktf_provider_aws.api_gateway_account as api_gateway_account
        import cdktf_cdktf_provider_aws.api_gateway_api_key as api_gateway_api_key
        import cdktf_cdktf_provider_aws.api_gateway_authorizer as api_gateway_authorizer
        import cdktf_cdktf_provider_aws.api_gateway_base_path_mapping as api_gateway_base_path_mapping
        import cdktf_cdktf_provider_aws.api_gateway_deployment as api_gateway_deployment
        import cdktf_cdktf_provider_aws.api_gateway_domain_name as api_gateway_domain_name
        import cdktf_cdktf_provider_aws.api_gateway_gateway_response as api_gateway_gateway_response
        import cdktf_cdktf_provider_aws.api_gateway_integration as api_gateway_integration
        import cdktf_cdktf_provider_aws.api_gateway_integration_response as api_gateway_integration_response
        import cdktf_cdktf_provider_aws.api_gateway_method as api_gateway_method
        import cdktf_cdktf_provider_aws.api_gateway_method_response as api_gateway_method_response
        import cdktf_cdktf_provider_aws.api_gateway_method_settings as api_gateway_method_settings
        import cdktf_cdktf_provider_aws.api_gateway_model as api_gateway_model
        import cdktf_cdktf_provider_aws.api_gateway_request_validator as api_gateway_request_validator
        import cdktf_cdktf_provider_aws.api_gateway_resource as api_gateway_resource
        import cdktf_cdktf_provider_aws.api_gateway_rest_api as api_gateway_rest_api
        import cdktf_cdktf_provider_aws.api_gateway_stage as api_gateway_stage
        import cdktf_cdktf_provider_aws.api_gateway_usage_plan as api_gateway_usage_plan
        import cdktf_cdktf_provider_aws.api_gateway_usage_plan_key as api_gateway_usage_plan_key
        import cdktf_cdktf_provider_aws.appautoscaling_policy as appautoscaling_policy
        import cdktf_cdktf_provider_aws.appautoscaling_target as appautoscaling_target
        import cdktf_cdktf_provider_aws.cloudwatch_dashboard as cloudwatch_dashboard
        import cdktf_cdktf_provider_aws.cloudwatch_log_group as cloudwatch_log_group
        import cdktf_cdktf_provider_aws.cloudwatch_metric_alarm as cloudwatch_metric_alarm
        import cdktf_cdktf_provider_aws.cloudwatch_query_definition as cloudwatch_query_definition
        import cdktf_cdktf_provider_aws.cognito_resource_server as cognito_resource_server
        import cdktf_cdktf_provider_aws.cognito_user_pool as cognito_user_pool
        import cdktf_cdktf_provider_aws.cognito_user_pool_client as cognito_user_pool_client
        import cdktf_cdktf_provider_aws.cognito_user_pool_domain as cognito_user_pool_domain
        import cdktf_cdktf_provider_aws.data_aws_caller_identity as data_aws_caller_identity
        import cdktf_cdktf_provider_aws.data_aws_partition as data_aws_partition
        import cdktf_cdktf_provider_aws.dynamodb_table as dynamodb_table
        import cdktf_cdktf_provider_aws.iam_openid_connect_provider as iam_openid_connect_provider
        import cdktf_cdktf_provider_aws.iam_policy as iam_policy
        import cdktf_cdktf_provider_aws.iam_role as iam_role
        import cdktf_cdktf_provider_aws.iam_role_policy as iam_role_policy
        import cdktf_cdktf_provider_aws.iam_role_policy_attachment as iam_role_policy_attachment
        import cdktf_cdktf_provider_aws.kms_alias as kms_alias
        import cdktf_cdktf_provider_aws.kms_key as kms_key
        import cdktf_cdktf_provider_aws.lambda_function as lambda_function
        import cdktf_cdktf_provider_aws.lambda_permission as lambda_permission
        import cdktf_cdktf_provider_aws.provider as provider
        import cdktf_cdktf_provider_aws.route53_record as route53_record
        import cdktf_cdktf_provider_aws.s3_bucket as s3_bucket
        import cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration as s3_bucket_lifecycle_configuration
        import cdktf_cdktf_provider_aws.s3_bucket_ownership_controls as s3_bucket_ownership_controls
        import cdktf_cdktf_provider_aws.s3_bucket_policy as s3_bucket_policy
        import cdktf_cdktf_provider_aws.s3_bucket_public_access_block as s3_bucket_public_access_block
        import cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration as s3_bucket_sse
        import cdktf_cdktf_provider_aws.s3_bucket_versioning as s3_bucket_versioning
        import cdktf_cdktf_provider_aws.sns_topic as sns_topic
        import cdktf_cdktf_provider_aws.sns_topic_subscription as sns_topic_subscription
        import cdktf_cdktf_provider_aws.wafv2_web_acl as wafv2_web_acl
        import cdktf_cdktf_provider_aws.wafv2_web_acl_association as wafv2_web_acl_association
        import cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration as waf_logging
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

Annotations = cdk.Annotations
App = cdk.App
Aspects = cdk.Aspects
AssetType = cdk.AssetType
Fn = cdk.Fn
IAspect = cdk.IAspect
IResolveContext = cdk.IResolveContext
IStringProducer = cdk.IStringProducer
Lazy = cdk.Lazy
LocalBackend = cdk.LocalBackend
S3Backend = cdk.S3Backend
TerraformAsset = cdk.TerraformAsset
TerraformOutput = cdk.TerraformOutput
TerraformProvider = cdk.TerraformProvider
TerraformResource = cdk.TerraformResource
TerraformResourceLifecycle = cdk.TerraformResourceLifecycle
TerraformStack = cdk.TerraformStack
TerraformVariable = cdk.TerraformVariable
Testing = cdk.Testing
ApiGatewayAccount = api_gateway_account.ApiGatewayAccount
ApiGatewayApiKey = api_gateway_api_key.ApiGatewayApiKey
ApiGatewayAuthorizer = api_gateway_authorizer.ApiGatewayAuthorizer
CognitoResourceServer = cognito_resource_server.CognitoResourceServer
CognitoResourceServerScope = cognito_resource_server.CognitoResourceServerScope
CognitoUserPool = cognito_user_pool.CognitoUserPool
CognitoUserPoolAdminCreateUserConfig = cognito_user_pool.CognitoUserPoolAdminCreateUserConfig
CognitoUserPoolClient = cognito_user_pool_client.CognitoUserPoolClient
CognitoUserPoolClientTokenValidityUnits = cognito_user_pool_client.CognitoUserPoolClientTokenValidityUnits
CognitoUserPoolDomain = cognito_user_pool_domain.CognitoUserPoolDomain
ApiGatewayDeployment = api_gateway_deployment.ApiGatewayDeployment
ApiGatewayGatewayResponse = api_gateway_gateway_response.ApiGatewayGatewayResponse
ApiGatewayIntegration = api_gateway_integration.ApiGatewayIntegration
ApiGatewayIntegrationResponse = api_gateway_integration_response.ApiGatewayIntegrationResponse
ApiGatewayMethod = api_gateway_method.ApiGatewayMethod
ApiGatewayMethodResponse = api_gateway_method_response.ApiGatewayMethodResponse
ApiGatewayMethodSettings = api_gateway_method_settings.ApiGatewayMethodSettings
ApiGatewayMethodSettingsSettings = api_gateway_method_settings.ApiGatewayMethodSettingsSettings
ApiGatewayModel = api_gateway_model.ApiGatewayModel
ApiGatewayRequestValidator = api_gateway_request_validator.ApiGatewayRequestValidator
ApiGatewayResource = api_gateway_resource.ApiGatewayResource
ApiGatewayRestApi = api_gateway_rest_api.ApiGatewayRestApi
ApiGatewayRestApiEndpointConfiguration = api_gateway_rest_api.ApiGatewayRestApiEndpointConfiguration
ApiGatewayStage = api_gateway_stage.ApiGatewayStage
ApiGatewayStageAccessLogSettings = api_gateway_stage.ApiGatewayStageAccessLogSettings
ApiGatewayUsagePlan = api_gateway_usage_plan.ApiGatewayUsagePlan
ApiGatewayUsagePlanApiStages = api_gateway_usage_plan.ApiGatewayUsagePlanApiStages
ApiGatewayUsagePlanQuotaSettings = api_gateway_usage_plan.ApiGatewayUsagePlanQuotaSettings
ApiGatewayUsagePlanThrottleSettings = api_gateway_usage_plan.ApiGatewayUsagePlanThrottleSettings
ApiGatewayUsagePlanKey = api_gateway_usage_plan_key.ApiGatewayUsagePlanKey
AppautoscalingPolicy = appautoscaling_policy.AppautoscalingPolicy
AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration = (
    appautoscaling_policy.AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration
)
AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification = appautoscaling_policy.AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification  # noqa: E501
AppautoscalingTarget = appautoscaling_target.AppautoscalingTarget
CloudwatchDashboard = cloudwatch_dashboard.CloudwatchDashboard
CloudwatchLogGroup = cloudwatch_log_group.CloudwatchLogGroup
CloudwatchMetricAlarm = cloudwatch_metric_alarm.CloudwatchMetricAlarm
CloudwatchQueryDefinition = cloudwatch_query_definition.CloudwatchQueryDefinition
DataAwsCallerIdentity = data_aws_caller_identity.DataAwsCallerIdentity
DataAwsPartition = data_aws_partition.DataAwsPartition
DynamodbTable = dynamodb_table.DynamodbTable
DynamodbTableAttribute = dynamodb_table.DynamodbTableAttribute
DynamodbTableOnDemandThroughput = dynamodb_table.DynamodbTableOnDemandThroughput
DynamodbTablePointInTimeRecovery = dynamodb_table.DynamodbTablePointInTimeRecovery
DynamodbTableServerSideEncryption = dynamodb_table.DynamodbTableServerSideEncryption
DynamodbTableTtl = dynamodb_table.DynamodbTableTtl
AcmCertificate = acm_certificate.AcmCertificate
AcmCertificateValidation = acm_certificate_validation.AcmCertificateValidation
ApiGatewayBasePathMapping = api_gateway_base_path_mapping.ApiGatewayBasePathMapping
ApiGatewayDomainName = api_gateway_domain_name.ApiGatewayDomainName
ApiGatewayDomainNameEndpointConfiguration = api_gateway_domain_name.ApiGatewayDomainNameEndpointConfiguration
Route53Record = route53_record.Route53Record
Route53RecordAlias = route53_record.Route53RecordAlias
Wafv2WebAcl = wafv2_web_acl.Wafv2WebAcl
Wafv2WebAclDefaultAction = wafv2_web_acl.Wafv2WebAclDefaultAction
Wafv2WebAclDefaultActionAllow = wafv2_web_acl.Wafv2WebAclDefaultActionAllow
Wafv2WebAclRule = wafv2_web_acl.Wafv2WebAclRule
Wafv2WebAclVisibilityConfig = wafv2_web_acl.Wafv2WebAclVisibilityConfig
Wafv2WebAclAssociation = wafv2_web_acl_association.Wafv2WebAclAssociation
Wafv2WebAclLoggingConfiguration = waf_logging.Wafv2WebAclLoggingConfiguration
Wafv2WebAclLoggingConfigurationRedactedFields = waf_logging.Wafv2WebAclLoggingConfigurationRedactedFields
Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader = (
    waf_logging.Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader
)
IamOpenidConnectProvider = iam_openid_connect_provider.IamOpenidConnectProvider
IamPolicy = iam_policy.IamPolicy
IamRole = iam_role.IamRole
IamRolePolicy = iam_role_policy.IamRolePolicy
IamRolePolicyAttachment = iam_role_policy_attachment.IamRolePolicyAttachment
KmsAlias = kms_alias.KmsAlias
KmsKey = kms_key.KmsKey
LambdaFunction = lambda_function.LambdaFunction
LambdaFunctionEnvironment = lambda_function.LambdaFunctionEnvironment
LambdaFunctionLoggingConfig = lambda_function.LambdaFunctionLoggingConfig
LambdaFunctionTracingConfig = lambda_function.LambdaFunctionTracingConfig
LambdaPermission = lambda_permission.LambdaPermission
AwsProvider = provider.AwsProvider
AwsProviderDefaultTags = provider.AwsProviderDefaultTags
S3Bucket = s3_bucket.S3Bucket
S3BucketLifecycleConfiguration = s3_bucket_lifecycle_configuration.S3BucketLifecycleConfiguration
S3BucketLifecycleConfigurationRule = s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRule
S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload = (
    s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload
)
S3BucketLifecycleConfigurationRuleFilter = (
    s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleFilter
)
S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration = (
    s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration
)
S3BucketOwnershipControls = s3_bucket_ownership_controls.S3BucketOwnershipControls
S3BucketOwnershipControlsRule = s3_bucket_ownership_controls.S3BucketOwnershipControlsRule
S3BucketPolicy = s3_bucket_policy.S3BucketPolicy
S3BucketPublicAccessBlock = s3_bucket_public_access_block.S3BucketPublicAccessBlock
S3BucketServerSideEncryptionConfigurationA = s3_bucket_sse.S3BucketServerSideEncryptionConfigurationA
S3BucketServerSideEncryptionConfigurationRuleA = s3_bucket_sse.S3BucketServerSideEncryptionConfigurationRuleA
S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA = (
    s3_bucket_sse.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA
)
S3BucketVersioningA = s3_bucket_versioning.S3BucketVersioningA
S3BucketVersioningVersioningConfiguration = s3_bucket_versioning.S3BucketVersioningVersioningConfiguration
SnsTopic = sns_topic.SnsTopic
SnsTopicSubscription = sns_topic_subscription.SnsTopicSubscription

__all__ = [
    "CDK_TERRAIN",
    "FRAMEWORK",
    "AcmCertificate",
    "AcmCertificateValidation",
    "Annotations",
    "ApiGatewayAccount",
    "ApiGatewayApiKey",
    "ApiGatewayAuthorizer",
    "ApiGatewayBasePathMapping",
    "ApiGatewayDeployment",
    "ApiGatewayDomainName",
    "ApiGatewayDomainNameEndpointConfiguration",
    "ApiGatewayGatewayResponse",
    "ApiGatewayIntegration",
    "ApiGatewayIntegrationResponse",
    "ApiGatewayMethod",
    "ApiGatewayMethodResponse",
    "ApiGatewayMethodSettings",
    "ApiGatewayMethodSettingsSettings",
    "ApiGatewayModel",
    "ApiGatewayRequestValidator",
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
    "CognitoResourceServer",
    "CognitoResourceServerScope",
    "CognitoUserPool",
    "CognitoUserPoolAdminCreateUserConfig",
    "CognitoUserPoolClient",
    "CognitoUserPoolClientTokenValidityUnits",
    "CognitoUserPoolDomain",
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
    "IamOpenidConnectProvider",
    "IamPolicy",
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
    "Route53Record",
    "Route53RecordAlias",
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
    "Wafv2WebAcl",
    "Wafv2WebAclAssociation",
    "Wafv2WebAclDefaultAction",
    "Wafv2WebAclDefaultActionAllow",
    "Wafv2WebAclLoggingConfiguration",
    "Wafv2WebAclLoggingConfigurationRedactedFields",
    "Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader",
    "Wafv2WebAclRule",
    "Wafv2WebAclVisibilityConfig",
]
