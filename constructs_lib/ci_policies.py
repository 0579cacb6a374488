"""The CI roles' policies: who may assume them (GitHub's OIDC tokens for this repository), what
the plan role may read and what the deploy role may change, and the table they are built from.

Pure (no CDKTF import), like policies.py: the CI stack synthesizes these documents with Terraform
references, and the tests evaluate them with an example account's values.

DEPLOY_ACTIONS is the one table of what deploying an environment stack takes: one row per
Terraform resource type, each citing the page its actions come from. A test fails for any
resource type of a synthesized environment stack that has no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from constructs_lib.aws_context import AwsContext
from constructs_lib.iam_policy import Statement, allow

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
# The audience GitHub's token carries for aws-actions/configure-aws-credentials.
# https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"
MAIN_BRANCH = "main"

# The serverless-application tags every environment resource carries (the provider's
# default_tags): the deploy role may act on a resource whose ARN holds no name (a KMS key, a
# REST API, a scalable target) only when its tags name this project and this environment.
TAG_PROJECT = "project"
TAG_ENVIRONMENT = "environment"

IAM_SERVICE_AUTHORIZATION = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html"


@dataclass(frozen=True)
class Grant:
    """Some actions on some resources, under one kind of condition.

    Resources are templates: ``{partition}``, ``{region}``, ``{account}``, ``{prefix}`` (the
    environment's ``<name_prefix>-<environment>``), ``{environment}``, ``{boundary}`` (its
    permissions boundary's ARN), ``{domain}`` and ``{zone}`` (its custom domain and hosted zone: a
    grant that names them applies only to an environment with a custom domain).
    """

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: str = ""
    """A key of ``conditions()``: how the grant is held to this environment when its ARN cannot be."""
    unscoped: str = ""
    """Why a grant on ``*`` with no condition is the narrowest AWS allows (required for one)."""
    shared: str = ""
    """Why the resource belongs to the account rather than to one environment (required for one)."""


@dataclass(frozen=True)
class ResourceActions:
    """What creating, updating, reading and deleting one Terraform resource type takes."""

    resource_type: str
    grants: tuple[Grant, ...]
    source: str
    """The page the actions and their resource types come from."""


_APIGATEWAY = "arn:{partition}:apigateway:{region}::"
_API_CHILD = Grant(
    ("apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"),
    (f"{_APIGATEWAY}/restapis/*",),
    "resource_tag",
)
# Child resources of a REST API inherit its tags for attribute-based access control.
_API_CHILD_SOURCE = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-supported-resources.html"
)
_API_TAGS = Grant(("apigateway:PUT", "apigateway:DELETE"), (f"{_APIGATEWAY}/tags/*",), "resource_tag")
_ROLE = "arn:{partition}:iam::{account}:role/{prefix}-*"
_TABLE = "arn:{partition}:dynamodb:{region}:{account}:table/{prefix}-*"
_FUNCTION = "arn:{partition}:lambda:{region}:{account}:function:{prefix}-*"
_KEYS = "arn:{partition}:kms:{region}:{account}:key/*"
_LOG_GROUPS = (
    "arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{prefix}-*",
    "arn:{partition}:logs:{region}:{account}:log-group:/aws/apigateway/{prefix}-*",
    "arn:{partition}:logs:{region}:{account}:log-group:aws-waf-logs-{prefix}",
)
_EXECUTION_LOG_GROUPS = ("arn:{partition}:logs:{region}:{account}:log-group:API-Gateway-Execution-Logs_*",)
_LOG_GROUP_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:AssociateKmsKey",
    "logs:DisassociateKmsKey",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:TagLogGroup",
    "logs:UntagLogGroup",
)
_WEB_ACL = "arn:{partition}:wafv2:{region}:{account}:regional/webacl/{prefix}-waf/*"
_USER_POOLS = "arn:{partition}:cognito-idp:{region}:{account}:userpool/*"
# A user pool's id is random: its tags hold it to the environment (a pool's resource servers,
# domain and clients are actions on the pool itself).
_COGNITO_SOURCE = "https://docs.aws.amazon.com/cognito/latest/developerguide/tagging.html"
_SCALABLE_TARGETS = "arn:{partition}:application-autoscaling:{region}:{account}:scalable-target/*"

DEPLOY_ACTIONS: tuple[ResourceActions, ...] = (
    ResourceActions(
        "aws_api_gateway_rest_api",
        (
            Grant(("apigateway:POST",), (f"{_APIGATEWAY}/restapis",), "request_tag"),
            _API_CHILD,
            _API_TAGS,
        ),
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-iam-policy.html",
    ),
    *(
        ResourceActions(resource_type, (_API_CHILD,), _API_CHILD_SOURCE)
        for resource_type in (
            "aws_api_gateway_resource",
            "aws_api_gateway_method",
            "aws_api_gateway_method_response",
            "aws_api_gateway_integration",
            "aws_api_gateway_integration_response",
            "aws_api_gateway_gateway_response",
            "aws_api_gateway_model",
            "aws_api_gateway_request_validator",
            "aws_api_gateway_authorizer",
            "aws_api_gateway_deployment",
            "aws_api_gateway_method_settings",
        )
    ),
    ResourceActions("aws_api_gateway_stage", (_API_CHILD, _API_TAGS), _API_CHILD_SOURCE),
    ResourceActions(
        "aws_api_gateway_api_key",
        (
            Grant(("apigateway:POST",), (f"{_APIGATEWAY}/apikeys",), "request_tag"),
            Grant(
                ("apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"),
                (f"{_APIGATEWAY}/apikeys/*",),
                "resource_tag",
            ),
            _API_TAGS,
        ),
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-iam-policy.html",
    ),
    ResourceActions(
        "aws_api_gateway_usage_plan",
        (
            Grant(("apigateway:POST",), (f"{_APIGATEWAY}/usageplans",), "request_tag"),
            Grant(
                ("apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"),
                (f"{_APIGATEWAY}/usageplans/*",),
                "resource_tag",
            ),
            _API_TAGS,
        ),
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-iam-policy.html",
    ),
    ResourceActions(
        "aws_api_gateway_usage_plan_key",
        (
            # Usage plan keys inherit the usage plan's tags.
            Grant(
                ("apigateway:GET", "apigateway:POST", "apigateway:DELETE"),
                (f"{_APIGATEWAY}/usageplans/*",),
                "resource_tag",
            ),
        ),
        _API_CHILD_SOURCE,
    ),
    ResourceActions(
        "aws_dynamodb_table",
        (
            Grant(
                (
                    "dynamodb:CreateTable",
                    "dynamodb:DeleteTable",
                    "dynamodb:UpdateTable",
                    "dynamodb:UpdateContinuousBackups",
                    "dynamodb:UpdateTimeToLive",
                    "dynamodb:TagResource",
                    "dynamodb:UntagResource",
                ),
                (_TABLE,),
            ),
            # A table encrypted with a customer-managed key: DynamoDB describes the key and creates
            # a grant on it with the caller's credentials.
            # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
            Grant(("kms:DescribeKey", "kms:CreateGrant"), (_KEYS,), "via_dynamodb"),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html",
    ),
    ResourceActions(
        "aws_appautoscaling_target",
        (
            Grant(
                (
                    "application-autoscaling:RegisterScalableTarget",
                    "application-autoscaling:DeregisterScalableTarget",
                    "application-autoscaling:TagResource",
                    "application-autoscaling:UntagResource",
                ),
                (_SCALABLE_TARGETS,),
                "resource_tag",
            ),
            # The first DynamoDB scalable target of an account creates Application Auto Scaling's
            # service-linked role for DynamoDB.
            # https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html
            Grant(
                ("iam:CreateServiceLinkedRole",),
                (
                    "arn:{partition}:iam::{account}:role/aws-service-role/"
                    "dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
                ),
                "autoscaling_service_role",
                shared="one service-linked role per account serves every environment's scaling",
            ),
        ),
        "https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_service-with-iam.html",
    ),
    ResourceActions(
        "aws_appautoscaling_policy",
        (
            Grant(
                ("application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy"),
                (_SCALABLE_TARGETS,),
                "resource_tag",
            ),
        ),
        "https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_service-with-iam.html",
    ),
    ResourceActions(
        "aws_kms_key",
        (
            Grant(
                ("kms:CreateKey",),
                ("*",),
                "request_tag",
                # CreateKey has no resource type; its request tags hold it to this environment.
            ),
            Grant(
                (
                    "kms:EnableKeyRotation",
                    "kms:PutKeyPolicy",
                    "kms:ScheduleKeyDeletion",
                    "kms:TagResource",
                    "kms:UntagResource",
                    "kms:UpdateKeyDescription",
                ),
                (_KEYS,),
                "resource_tag",
            ),
        ),
        "https://docs.aws.amazon.com/kms/latest/developerguide/abac.html",
    ),
    ResourceActions(
        "aws_kms_alias",
        (
            # An alias operation needs permission on the alias and on the key.
            Grant(
                ("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"),
                ("arn:{partition}:kms:{region}:{account}:alias/{prefix}-*",),
            ),
            Grant(("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"), (_KEYS,), "resource_tag"),
        ),
        "https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html",
    ),
    ResourceActions(
        "aws_iam_role",
        (
            # Every role a deploy creates carries the environment's permissions boundary, so no
            # policy the deploy role writes can grant more than the boundary does.
            Grant(("iam:CreateRole", "iam:PutRolePermissionsBoundary"), (_ROLE,), "boundary"),
            Grant(
                (
                    "iam:DeleteRole",
                    "iam:UpdateRole",
                    "iam:UpdateRoleDescription",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:ListInstanceProfilesForRole",
                ),
                (_ROLE,),
            ),
        ),
        IAM_SERVICE_AUTHORIZATION,
    ),
    ResourceActions(
        "aws_iam_role_policy",
        (Grant(("iam:PutRolePolicy", "iam:DeleteRolePolicy"), (_ROLE,), "boundary"),),
        IAM_SERVICE_AUTHORIZATION,
    ),
    ResourceActions(
        "aws_lambda_function",
        (
            Grant(
                (
                    "lambda:CreateFunction",
                    "lambda:DeleteFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:PutFunctionConcurrency",
                    "lambda:DeleteFunctionConcurrency",
                    "lambda:TagResource",
                    "lambda:UntagResource",
                ),
                (_FUNCTION,),
            ),
            # Creating a function passes it its role: only this environment's, only to Lambda.
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
            Grant(("iam:PassRole",), (_ROLE,), "passed_to_lambda"),
        ),
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html",
    ),
    ResourceActions(
        "aws_lambda_permission",
        (Grant(("lambda:AddPermission", "lambda:RemovePermission"), (_FUNCTION,)),),
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html",
    ),
    ResourceActions(
        "aws_cloudwatch_log_group",
        (
            Grant(_LOG_GROUP_ACTIONS, _LOG_GROUPS),
            # The stage's execution log group is named for the REST API's id, unknown before
            # creation: held to this environment by its tags instead.
            Grant(("logs:CreateLogGroup",), _EXECUTION_LOG_GROUPS, "request_tag"),
            Grant(_LOG_GROUP_ACTIONS[1:], _EXECUTION_LOG_GROUPS, "resource_tag"),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html",
    ),
    ResourceActions(
        "aws_cloudwatch_query_definition",
        (
            Grant(
                ("logs:PutQueryDefinition", "logs:DeleteQueryDefinition"),
                ("*",),
                unscoped="CloudWatch Logs query definitions have no resource type and no condition key",
            ),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html",
    ),
    ResourceActions(
        "aws_cloudwatch_metric_alarm",
        (
            Grant(
                (
                    "cloudwatch:PutMetricAlarm",
                    "cloudwatch:DeleteAlarms",
                    "cloudwatch:TagResource",
                    "cloudwatch:UntagResource",
                ),
                ("arn:{partition}:cloudwatch:{region}:{account}:alarm:{prefix}-*",),
            ),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html",
    ),
    ResourceActions(
        "aws_cloudwatch_dashboard",
        (
            Grant(
                ("cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"),
                ("arn:{partition}:cloudwatch::{account}:dashboard/{prefix}",),
            ),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html",
    ),
    ResourceActions(
        "aws_sns_topic",
        (
            Grant(
                (
                    "sns:CreateTopic",
                    "sns:DeleteTopic",
                    "sns:SetTopicAttributes",
                    "sns:TagResource",
                    "sns:UntagResource",
                ),
                ("arn:{partition}:sns:{region}:{account}:{prefix}-*",),
            ),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html",
    ),
    ResourceActions(
        "aws_sns_topic_subscription",
        (
            Grant(("sns:Subscribe",), ("arn:{partition}:sns:{region}:{account}:{prefix}-*",)),
            Grant(
                ("sns:Unsubscribe", "sns:SetSubscriptionAttributes"),
                ("*",),
                unscoped="SNS authorizes a subscription's own actions on no resource type",
            ),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html",
    ),
    ResourceActions(
        "aws_acm_certificate",
        (
            Grant(("acm:RequestCertificate",), ("*",), "request_tag"),
            Grant(
                (
                    "acm:DeleteCertificate",
                    "acm:AddTagsToCertificate",
                    "acm:RemoveTagsFromCertificate",
                    "acm:UpdateCertificateOptions",
                ),
                ("arn:{partition}:acm:{region}:{account}:certificate/*",),
                "resource_tag",
            ),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscertificatemanager.html",
    ),
    ResourceActions(
        "aws_acm_certificate_validation",
        # Only waits: it describes the certificate until ACM has issued it.
        (
            Grant(
                ("acm:DescribeCertificate",),
                ("arn:{partition}:acm:{region}:{account}:certificate/*",),
                "resource_tag",
            ),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscertificatemanager.html",
    ),
    ResourceActions(
        "aws_route53_record",
        (
            Grant(
                ("route53:ChangeResourceRecordSets",),
                ("arn:{partition}:route53:::hostedzone/{zone}",),
                "record_names",
            ),
        ),
        "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html",
    ),
    ResourceActions(
        "aws_cognito_user_pool",
        (
            Grant(("cognito-idp:CreateUserPool",), ("*",), "request_tag"),
            Grant(
                (
                    "cognito-idp:DeleteUserPool",
                    "cognito-idp:UpdateUserPool",
                    "cognito-idp:SetUserPoolMfaConfig",
                    "cognito-idp:TagResource",
                    "cognito-idp:UntagResource",
                ),
                (_USER_POOLS,),
                "resource_tag",
            ),
        ),
        _COGNITO_SOURCE,
    ),
    *(
        ResourceActions(resource_type, (Grant(actions, (_USER_POOLS,), "resource_tag"),), _COGNITO_SOURCE)
        for resource_type, actions in (
            (
                "aws_cognito_resource_server",
                (
                    "cognito-idp:CreateResourceServer",
                    "cognito-idp:UpdateResourceServer",
                    "cognito-idp:DeleteResourceServer",
                ),
            ),
            (
                "aws_cognito_user_pool_client",
                (
                    "cognito-idp:CreateUserPoolClient",
                    "cognito-idp:UpdateUserPoolClient",
                    "cognito-idp:DeleteUserPoolClient",
                ),
            ),
            (
                "aws_cognito_user_pool_domain",
                (
                    "cognito-idp:CreateUserPoolDomain",
                    "cognito-idp:UpdateUserPoolDomain",
                    "cognito-idp:DeleteUserPoolDomain",
                ),
            ),
        )
    ),
    ResourceActions(
        "aws_api_gateway_domain_name",
        (
            Grant(("apigateway:POST",), (f"{_APIGATEWAY}/domainnames",), "request_tag"),
            Grant(
                ("apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"),
                (f"{_APIGATEWAY}/domainnames/{{domain}}",),
            ),
            _API_TAGS,
        ),
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-iam-policy.html",
    ),
    ResourceActions(
        "aws_api_gateway_base_path_mapping",
        (
            Grant(
                ("apigateway:GET", "apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"),
                (f"{_APIGATEWAY}/domainnames/{{domain}}/basepathmappings*",),
            ),
        ),
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-custom-domain-base-path-mapping.html",
    ),
    ResourceActions(
        "aws_wafv2_web_acl",
        (
            Grant(
                (
                    "wafv2:CreateWebACL",
                    "wafv2:UpdateWebACL",
                    "wafv2:DeleteWebACL",
                    "wafv2:TagResource",
                    "wafv2:UntagResource",
                ),
                (_WEB_ACL,),
            ),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awswafv2.html",
    ),
    ResourceActions(
        "aws_wafv2_web_acl_association",
        (
            Grant(("wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"), (_WEB_ACL,)),
            # Associating a web ACL with a stage is API Gateway's SetWebACL on the stage.
            # https://docs.aws.amazon.com/waf/latest/developerguide/security_iam_service-with-iam.html
            Grant(("apigateway:SetWebACL",), (f"{_APIGATEWAY}/restapis/*/stages/*",), "resource_tag"),
        ),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awswafv2.html",
    ),
    ResourceActions(
        "aws_wafv2_web_acl_logging_configuration",
        (
            Grant(("wafv2:PutLoggingConfiguration", "wafv2:DeleteLoggingConfiguration"), (_WEB_ACL,)),
            # Logging to CloudWatch Logs sets up a log delivery and the log group's resource
            # policy for it, which CloudWatch Logs authorizes on no resource type.
            # https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
            Grant(
                (
                    "logs:CreateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                ),
                ("*",),
                unscoped="CloudWatch Logs' log deliveries and resource policies have no resource type",
            ),
        ),
        "https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html",
    ),
)

# What `make verify` does after a deploy beyond reading the stacks: it reads back the one item
# its POST stored (GetItem by the id and timestamp the API answered, never Scan or Query; the
# key through DynamoDB only) and, in api_auth = iam, signs that POST with the deploy role.
VERIFY_GRANTS: tuple[Grant, ...] = (
    Grant(("dynamodb:GetItem",), ("arn:{partition}:dynamodb:{region}:{account}:table/{prefix}-data",)),
    Grant(("kms:Decrypt",), (_KEYS,), "via_dynamodb"),
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
    Grant(
        ("execute-api:Invoke",),
        ("arn:{partition}:execute-api:{region}:{account}:*/{environment}/POST/data",),
    ),
)

# What a plan (and the refresh before every deploy) reads of the environment and account stacks:
# describe, get and list only; nothing that reads the stored data or the logs' events.
READ_ACTIONS: tuple[str, ...] = (
    "acm:DescribeCertificate",
    "acm:ListTagsForCertificate",
    "apigateway:GET",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:ListTagsForResource",
    "cloudwatch:DescribeAlarms",
    "cognito-idp:DescribeResourceServer",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:DescribeUserPoolDomain",
    "cognito-idp:GetUserPoolMfaConfig",
    "cognito-idp:ListTagsForResource",
    "cloudwatch:GetDashboard",
    "cloudwatch:ListTagsForResource",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeTable",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:ListTagsOfResource",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "lambda:GetFunction",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionConcurrency",
    "lambda:GetFunctionConfiguration",
    "lambda:GetPolicy",
    "lambda:ListTags",
    "lambda:ListVersionsByFunction",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:DescribeQueryDefinitions",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "route53:GetChange",
    "route53:GetHostedZone",
    "route53:ListResourceRecordSets",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "wafv2:GetLoggingConfiguration",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "wafv2:ListTagsForResource",
)
READ_SECRET = (
    "cognito-idp:DescribeUserPoolClient answers with the app client's secret: a plan refreshes the "
    "client (api_auth = cognito with the stack's own pool) with it, and the secret is already in the "
    "state the plan role reads"
)
READ_UNSCOPED = (
    "read-only: a plan refreshes every resource of the environment and account stacks, several of "
    "them named by ids unknown before creation; describe, get and list only, never the stored data "
    "or the logs' events"
)

# What the scanners report of these policies, accepted on the CI stack's resources with the
# reason (docs/security.md lists them): each is read without the conditions beside it.
TRUST_POLICY_FINDINGS = {
    "parliament:UNKNOWN_FEDERATION_SOURCE": "the federated principal is this account's OIDC provider for "
    "GitHub Actions, which parliament's list of identity providers does not name",
}
DEPLOY_POLICY_FINDINGS = {
    "parliament:PRIVILEGE_ESCALATION": "the deploy role creates and changes the environment's roles: "
    "only those named <prefix>-<environment>-*, only with the environment's permissions boundary, "
    "and passes them to Lambda only; the boundary caps any role it writes",
    "parliament:PERMISSIONS_MANAGEMENT_ACTIONS": "managing the environment's function role, its key's "
    "policy and its function's resource policy is deploying the stack; each is held to this "
    "environment by name, tags or the permissions boundary",
    "parliament:RESOURCE_MISMATCH": "KMS authorizes an alias operation on the alias and on the key "
    "(https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html): one statement holds "
    "the alias by name, the other the key by its tags",
}

# The S3 backend's permissions: s3:ListBucket on the bucket, s3:GetObject (and s3:PutObject to
# write) on the state, s3:GetObject, s3:PutObject and s3:DeleteObject on its .tflock file.
# https://developer.hashicorp.com/terraform/language/backend/s3#permissions-required
LOCK_SUFFIX = ".tflock"


@dataclass(frozen=True)
class CiScope:
    """The names one environment's CI roles act on."""

    environment: str
    project: str
    resource_prefix: str
    """``<name_prefix>-<environment>``: every name the environment stack creates starts with it."""
    boundary_arn: str
    state_bucket: str
    own_state_key: str
    """The environment stack's state object."""
    shared_state_keys: tuple[str, ...]
    """The states a plan or deploy of this environment also reads (the account stack's)."""
    domain_name: str = ""
    """The environment's custom domain, if it has one (settings domain_name, hosted_zone_id)."""
    hosted_zone_id: str = ""


def conditions(kind: str, scope: CiScope, aws: AwsContext) -> dict[str, dict[str, Any]]:
    """The condition block of one kind of grant (an empty block for none)."""
    tags = {TAG_PROJECT: scope.project, TAG_ENVIRONMENT: scope.environment}
    blocks: dict[str, dict[str, dict[str, Any]]] = {
        "": {},
        "resource_tag": {"StringEquals": {f"aws:ResourceTag/{k}": v for k, v in tags.items()}},
        "request_tag": {"StringEquals": {f"aws:RequestTag/{k}": v for k, v in tags.items()}},
        "via_dynamodb": {
            "StringEquals": {
                "kms:ViaService": aws.via_service("dynamodb"),
                **{f"aws:ResourceTag/{k}": v for k, v in tags.items()},
            }
        },
        "passed_to_lambda": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
        "boundary": {"ArnEquals": {"iam:PermissionsBoundary": scope.boundary_arn}},
        # Only the domain's own records: its name and the certificate's validation record below it.
        # https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html
        "record_names": {
            "ForAllValues:StringLike": {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                    scope.domain_name,
                    f"*.{scope.domain_name}",
                ]
            }
        },
        "autoscaling_service_role": {
            "StringEquals": {"iam:AWSServiceName": "dynamodb.application-autoscaling.amazonaws.com"}
        },
    }
    return blocks[kind]


def _expand(template: str, scope: CiScope, aws: AwsContext) -> str:
    return template.format(
        partition=aws.partition,
        region=aws.region,
        account=aws.account_id,
        prefix=scope.resource_prefix,
        environment=scope.environment,
        boundary=scope.boundary_arn,
        domain=scope.domain_name,
        zone=scope.hosted_zone_id,
    )


def applies(grant: Grant, scope: CiScope) -> bool:
    """Whether the environment has what the grant is for (a grant on the custom domain's names
    only where there is a custom domain)."""
    needs_domain = (
        any("{domain}" in r or "{zone}" in r for r in grant.resources) or grant.condition == "record_names"
    )
    return scope.domain_name != "" or not needs_domain


def _sid(text: str) -> str:
    return "".join(part.capitalize() for part in text.replace("-", "_").split("_") if part)


def github_trust_policy_statement(provider_arn: str, repository: str, subjects: Sequence[str]) -> Statement:
    """GitHub's tokens for these subjects of this repository, with GitHub's audience for AWS.
    IAM recommends conditioning both ``aud`` and ``sub`` on every role GitHub's provider may assume:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
    Subject forms (pull_request, ref:refs/heads/<branch>, environment:<name>):
    https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims"""
    return {
        "Sid": "GitHubActions",
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                f"{GITHUB_OIDC_HOST}:aud": GITHUB_OIDC_AUDIENCE,
                f"{GITHUB_OIDC_HOST}:sub": [f"repo:{repository}:{subject}" for subject in subjects],
            }
        },
    }


PLAN_SUBJECTS = ("pull_request", f"ref:refs/heads/{MAIN_BRANCH}")
"""Who may assume a plan role: pull requests (plan.yml) and the main branch (drift.yml)."""


def deploy_subjects(environment: str) -> tuple[str, ...]:
    """Only jobs bound to the GitHub environment of the same name (deploy.yml)."""
    return (f"environment:{environment}",)


def _state_statements(scope: CiScope, aws: AwsContext, write: bool) -> list[Statement]:
    """A plan reads its environment's state and the account stack's and takes their locks; a
    deploy (of the environment's stack alone: ENVIRONMENT_ONLY in deploy.yml) reads and writes its
    own state only."""
    bucket = f"arn:{aws.partition}:s3:::{scope.state_bucket}"
    keys = (scope.own_state_key,) if write else (scope.own_state_key, *scope.shared_state_keys)
    statements = [
        allow("ListStateBucket", ["s3:ListBucket"], [bucket]),
        allow("ReadStates", ["s3:GetObject"], [f"{bucket}/{key}" for key in keys]),
        allow(
            "LockStates",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            [f"{bucket}/{key}{LOCK_SUFFIX}" for key in keys],
        ),
    ]
    if write:
        statements.append(allow("WriteOwnState", ["s3:PutObject"], [f"{bucket}/{scope.own_state_key}"]))
    return statements


def read_statements() -> list[Statement]:
    """What every CI role reads (a managed policy of its own, shared: IAM counts a role's inline
    policies against one 10,240-character quota, and the deploy grants need most of it)."""
    return [allow("ReadStacks", READ_ACTIONS, ["*"])]


def plan_statements(scope: CiScope, aws: AwsContext) -> list[Statement]:
    """The plan role (beside read_statements): the states, and their locks."""
    return _state_statements(scope, aws, write=False)


def deploy_statements(scope: CiScope, aws: AwsContext) -> list[Statement]:
    """The deploy role (beside read_statements): every grant of DEPLOY_ACTIONS and VERIFY_GRANTS
    for this environment's names, merged by resources and condition; its own state."""
    merged: dict[tuple[tuple[str, ...], str], list[str]] = {}
    for grants in (*(row.grants for row in DEPLOY_ACTIONS), VERIFY_GRANTS):
        for grant in (g for g in grants if applies(g, scope)):
            resources = tuple(_expand(r, scope, aws) for r in grant.resources)
            actions = merged.setdefault((resources, grant.condition), [])
            actions.extend(a for a in grant.actions if a not in actions)
    statements = []
    for index, ((resources, condition), actions) in enumerate(merged.items(), 1):
        statements.append(
            allow(
                f"Deploy{index}{_sid(condition)}",
                sorted(actions),
                list(resources),
                conditions=conditions(condition, scope, aws) or None,
            )
        )
    return [*statements, *_state_statements(scope, aws, write=True)]


API_SERVICES = ("apigateway", "wafv2", "acm", "route53", "execute-api", "cognito-idp")
"""The services whose deploy grants go to the deploy role's managed policy: IAM counts all of a
role's inline policies against one 10,240-character quota, too few for every grant."""


def split_by_service(statements: Sequence[Statement]) -> tuple[list[Statement], list[Statement]]:
    """(the statements of other services, those whose every action is of API_SERVICES)."""
    own: list[Statement] = []
    api: list[Statement] = []
    for statement in statements:
        services = {str(action).split(":", 1)[0] for action in statement["Action"]}
        (api if services <= set(API_SERVICES) else own).append(statement)
    return own, api


def boundary_statements(scope: CiScope, aws: AwsContext) -> list[Statement]:
    """The permissions boundary of every role a deploy creates: the most the ingest function's
    role could ever be given (its tables, its key through DynamoDB and Logs, its logs, traces)."""
    tables = _expand(_TABLE, scope, aws)
    return [
        allow("WriteOwnTables", ["dynamodb:PutItem"], [tables]),
        allow(
            "UseKeysViaServices",
            ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            [_expand(_KEYS, scope, aws)],
            conditions={
                "StringEquals": {"kms:ViaService": [aws.via_service("dynamodb"), aws.via_service("logs")]}
            },
        ),
        allow(
            "WriteOwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"{_expand(group, scope, aws)}:*" for group in _LOG_GROUPS[:1]],
        ),
        # X-Ray has no resource-level permissions: "*" is the narrowest resource AWS allows.
        allow("WriteTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
    ]


def deploy_row(resource_type: str) -> ResourceActions | None:
    """The table's row for a Terraform resource type, if it has one."""
    return next((row for row in DEPLOY_ACTIONS if row.resource_type == resource_type), None)
