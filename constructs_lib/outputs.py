"""Every output an environment stack writes, in one list: its name (``<resource>_<attribute>``, as
terraform-aws-modules names them), what it is, and whether it is secret. Pure: the stack writes
these, `make verify`, `make load` and the tests read them, and docs/outputs.md is generated here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Output:
    name: str
    description: str
    sensitive: bool = False
    only_with: str = ""
    """Written only with this feature on (a key of FEATURES); empty: always."""


FEATURES: Mapping[str, str] = {
    "api_key": 'with `api_auth = "api_key"`',
    "domain": "with `domain_name`",
    "waf": "with `waf` on",
    "cognito": 'with `api_auth = "cognito"`',
    "cognito_pool": 'with `api_auth = "cognito"` and no `cognito_user_pool_arn` (the stack\'s own pool)',
}
"""The settings that add outputs, as docs/outputs.md says when each is written."""


API_URL = "api_url"
API_ID = "api_id"
STAGE_NAME = "stage_name"
TABLE_NAME = "table_name"
TABLE_ARN = "table_arn"
FUNCTION_NAME = "function_name"
FUNCTION_LOG_GROUP_NAME = "function_log_group_name"
ACCESS_LOG_GROUP_NAME = "access_log_group_name"
KMS_KEY_ARN = "kms_key_arn"
ALERT_TOPIC_ARN = "alert_topic_arn"
API_KEY_VALUE = "api_key_value"
STAGE_INVOKE_URL = "stage_invoke_url"
WEB_ACL_ARN = "web_acl_arn"
COGNITO_USER_POOL_ARN = "cognito_user_pool_arn"
COGNITO_SCOPE = "cognito_scope_name"
COGNITO_CLIENT_ID = "cognito_client_id"
COGNITO_TOKEN_URL = "cognito_token_url"

ENVIRONMENT_OUTPUTS: tuple[Output, ...] = (
    Output(API_URL, "URL clients POST their data to"),
    Output(API_ID, "Id of the REST API"),
    Output(STAGE_NAME, "Stage of the REST API (the environment)"),
    Output(TABLE_NAME, "DynamoDB table the data is stored in"),
    Output(TABLE_ARN, "ARN of the DynamoDB table"),
    Output("idempotency_table_name", "DynamoDB table of the Idempotency-Key records"),
    Output("idempotency_table_arn", "ARN of the idempotency table"),
    Output(FUNCTION_NAME, "Name of the ingest function"),
    Output("function_arn", "ARN of the ingest function"),
    Output(FUNCTION_LOG_GROUP_NAME, "Log group of the ingest function"),
    Output(ACCESS_LOG_GROUP_NAME, "Log group of the API's access log"),
    Output(KMS_KEY_ARN, "ARN of the KMS key encrypting tables, logs and topic"),
    Output(ALERT_TOPIC_ARN, "SNS topic the alarms notify"),
    Output("dashboard_url", "CloudWatch dashboard of this environment"),
    Output("api_key_id", "Id of the API key clients send as x-api-key", only_with="api_key"),
    Output(
        API_KEY_VALUE,
        'The API key itself: `make cdktf ARGS="output <stack>"` or `terraform output -raw api_key_value`',
        sensitive=True,
        only_with="api_key",
    ),
    Output(
        STAGE_INVOKE_URL,
        "The stage's own execute-api URL of POST /data (disabled unless keep_default_endpoint)",
        only_with="domain",
    ),
    Output(WEB_ACL_ARN, "ARN of the WAF web ACL in front of the stage", only_with="waf"),
    Output(
        COGNITO_USER_POOL_ARN, "The user pool whose access tokens POST /data accepts", only_with="cognito"
    ),
    Output(COGNITO_SCOPE, "The scope a token must carry (`<resource server>/write`)", only_with="cognito"),
    Output(
        COGNITO_CLIENT_ID, "The app client's id (its secret: docs/http-contract.md)", only_with="cognito_pool"
    ),
    Output(COGNITO_TOKEN_URL, "The token endpoint of the client-credentials grant", only_with="cognito_pool"),
)

RENAMED: Mapping[str, str] = {
    "lambda_log_group": FUNCTION_LOG_GROUP_NAME,
    "access_log_group": ACCESS_LOG_GROUP_NAME,
}
"""Outputs renamed to the ``<resource>_<attribute>`` form (2026-12-01): old name -> new name."""

VERIFY_NEEDS: tuple[str, ...] = (API_URL, API_ID, STAGE_NAME, TABLE_NAME, TABLE_ARN, KMS_KEY_ARN)
"""What tells an environment stack's outputs apart from the account's (and what verify reads)."""


def outputs_for(
    api_key: bool, domain: bool = False, waf: bool = False, cognito: bool = False, cognito_pool: bool = False
) -> tuple[Output, ...]:
    """The outputs a stack writes with these features on or off."""
    on = {
        "api_key": api_key,
        "domain": domain,
        "waf": waf,
        "cognito": cognito,
        "cognito_pool": cognito_pool,
        "": True,
    }
    return tuple(o for o in ENVIRONMENT_OUTPUTS if on[o.only_with])


def render_table() -> str:
    """docs/outputs.md: one row per output."""
    rows = ["| output | what it is | written |", "|---|---|---|"]
    for output in ENVIRONMENT_OUTPUTS:
        when = FEATURES[output.only_with] if output.only_with else "always"
        secret = "; sensitive: left out of `.build/outputs-<env>.json`" if output.sensitive else ""
        description = output.description.replace("|", "\\|")
        rows.append(f"| `{output.name}` | {description} | {when}{secret} |")
    renamed = "\n".join(f"- `{old}` is now `{new}`" for old, new in RENAMED.items())
    return "\n".join(rows) + f"\n\nRenamed on 2026-12-01 (update scripts that read them):\n\n{renamed}\n"
