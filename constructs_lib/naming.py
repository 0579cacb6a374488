"""Every name data-api gives an AWS resource or a stack, and the length limits AWS sets on them.

Pure (no CDKTF import): synth builds its names here, settings refuse a prefix or region that
would break one, and `make deploy` finds the stacks of an environment by the same names.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCOUNT_ID_LENGTH = 12
"""An AWS account id is 12 digits: names holding one are checked at this length."""


@dataclass(frozen=True)
class NameLimit:
    """The longest name AWS accepts for one kind of resource, and the page that says so."""

    kind: str
    max_length: int
    source: str


IAM_ROLE = NameLimit(
    "IAM role", 64, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
)
LAMBDA_FUNCTION = NameLimit(
    "Lambda function", 64, "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
)
S3_BUCKET = NameLimit(
    "S3 bucket", 63, "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
)
DYNAMODB_TABLE = NameLimit(
    "DynamoDB table",
    255,
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html",
)
WEB_ACL = NameLimit(
    "WAF web ACL", 128, "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html"
)
LOG_GROUP = NameLimit(
    "log group",
    512,
    "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
)
ALARM = NameLimit(
    "CloudWatch alarm",
    255,
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
)
DASHBOARD = NameLimit(
    "CloudWatch dashboard",
    255,
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
)
SNS_TOPIC = NameLimit("SNS topic", 256, "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html")
KMS_ALIAS = NameLimit(
    "KMS alias", 256, "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html"
)


def environment_stack(name_prefix: str, environment: str) -> str:
    """One environment's stack (and state): ``data-api-dev``."""
    return f"{name_prefix}-{environment}"


def account_stack(name_prefix: str, region: str) -> str:
    """API Gateway's account-wide CloudWatch role, one per account and region."""
    return f"{name_prefix}-account-{region}"


def state_stack(name_prefix: str, region: str) -> str:
    """The S3 state bucket, one per account and region (applied once, with local state)."""
    return f"{name_prefix}-state-{region}"


def ci_stack(name_prefix: str, region: str) -> str:
    """GitHub's OIDC provider and the CI roles of every environment (applied by an administrator)."""
    return f"{name_prefix}-ci-{region}"


def ci_role(name_prefix: str, environment: str, purpose: str) -> str:
    """A CI role of one environment, ``data-api-ci-dev-plan`` or ``data-api-ci-dev-deploy``: named
    outside the environment's ``data-api-dev-*``, the names its deploy role may manage."""
    return f"{name_prefix}-ci-{environment}-{purpose}"


def ci_read_policy(name_prefix: str) -> str:
    """What every CI role reads, one managed policy for all environments."""
    return f"{name_prefix}-ci-read"


def permissions_boundary(name_prefix: str, environment: str) -> str:
    """The managed policy every role a deploy creates must carry as its permissions boundary."""
    return resource(name_prefix, environment, "boundary")


def resource(name_prefix: str, environment: str, thing: str) -> str:
    """One resource of an environment stack: ``data-api-dev-ingest``."""
    return f"{environment_stack(name_prefix, environment)}-{thing}"


def web_acl(name_prefix: str, environment: str) -> str:
    """The environment's WAF web ACL (setting `waf`)."""
    return resource(name_prefix, environment, "waf")


def waf_log_group(name_prefix: str, environment: str) -> str:
    """The web ACL's log: WAF logs only to groups named ``aws-waf-logs-*``."""
    return f"aws-waf-logs-{environment_stack(name_prefix, environment)}"


def function_log_group(function_name: str) -> str:
    """Where Lambda writes a function's logs (the stack creates it first, with retention and key)."""
    return f"/aws/lambda/{function_name}"


def access_log_group(name_prefix: str, environment: str) -> str:
    """The stage's access log."""
    return f"/aws/apigateway/{resource(name_prefix, environment, 'access')}"


def function_role(function_name: str) -> str:
    return f"{function_name}-role"


def api_gateway_logging_role(name_prefix: str, region: str) -> str:
    return f"{name_prefix}-apigateway-cloudwatch-{region}"


def state_bucket(name_prefix: str, region: str, account_id: str) -> str:
    """Bucket names are global: the account id and region make this one unique."""
    return f"{name_prefix}-tfstate-{account_id}-{region}"


def generated_names(name_prefix: str, environment: str, region: str) -> list[tuple[str, NameLimit]]:
    """Every fixed-form name one environment (and its region's account and state stacks) creates,
    with its limit; an account id stands in as 12 characters."""
    function = resource(name_prefix, environment, "ingest")
    stack = environment_stack(name_prefix, environment)
    return [
        (function, LAMBDA_FUNCTION),
        (function_role(function), IAM_ROLE),
        (api_gateway_logging_role(name_prefix, region), IAM_ROLE),
        (ci_role(name_prefix, environment, "deploy"), IAM_ROLE),
        (state_bucket(name_prefix, region, "0" * ACCOUNT_ID_LENGTH), S3_BUCKET),
        (resource(name_prefix, environment, "data"), DYNAMODB_TABLE),
        (resource(name_prefix, environment, "idempotency"), DYNAMODB_TABLE),
        (function_log_group(function), LOG_GROUP),
        (access_log_group(name_prefix, environment), LOG_GROUP),
        (waf_log_group(name_prefix, environment), LOG_GROUP),
        (web_acl(name_prefix, environment), WEB_ACL),
        (f"{stack}-idempotency-write-throttles", ALARM),
        (stack, DASHBOARD),
        (resource(name_prefix, environment, "alerts"), SNS_TOPIC),
        (f"alias/{resource(name_prefix, environment, 'data')}", KMS_ALIAS),
    ]


def too_long(name_prefix: str, environment: str, region: str) -> list[str]:
    """One phrase per generated name over its service's limit (empty when all fit)."""
    return [
        f"{limit.kind} name {name!r} is {len(name)} characters, over AWS's {limit.max_length}"
        for name, limit in generated_names(name_prefix, environment, region)
        if len(name) > limit.max_length
    ]
