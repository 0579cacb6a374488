"""Scanner findings data-api accepts on purpose, each with its reason, written on the resource.

Each accepted finding is written into the resource's ``//`` (comment) field, which Terraform
ignores: ``"//": {"checkov": ["checkov:skip=<ID>:<reason>"], "parliament": [...]}``. The gate
(security/scan.py) accepts a finding only on the resource that carries it; anything else fails,
and so does an acceptance nothing needs any more. There is no global skip list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the provider loads only where resources are made
    from constructs_lib.framework import TerraformResource

REASONS: dict[str, str] = {
    "CKV_AWS_117": "no VPC: the function only calls DynamoDB's public endpoint, which IAM already "
    "narrows to one table; a VPC would add NAT or endpoint cost and cold-start latency, and reach "
    "nothing more",
    "CKV_AWS_116": "no dead-letter queue: API Gateway invokes the function synchronously and a DLQ only "
    "receives failed asynchronous invocations; failures reach the client and the error alarm",
    "CKV_AWS_272": "no code signing: it needs a signing profile and pipeline; the code is deployed by "
    "Terraform from this reviewed repository",
    "CKV_AWS_173": "environment encrypted with the AWS managed key: it holds no secrets (table name, stage, "
    "log level, CORS origin), and the data key would add a decrypt to every cold start",
    "CKV_AWS_115": "no reserved concurrency by default: new accounts have 10 concurrent executions in all "
    "and reserving any fails the deploy; set lambda_reserved_concurrency to cap the function",
    "CKV_AWS_338": "logs are kept for log_retention_days (14 by default), not a year: request metadata is "
    "personal data and is not kept longer than operations need",
    "CKV_AWS_158": "API Gateway's account-wide welcome log group keeps CloudWatch's default encryption: "
    "it holds one line API Gateway writes when logging is set up, never request data, and a key of "
    "its own would cost a monthly fee",
    "CKV2_AWS_53": "no API Gateway request validation: the contract accepts any body, which the function "
    "validates itself and refuses with a 400 or 413 that says why",
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
    "CKV2_AWS_70": "the CORS preflight (OPTIONS) takes no credentials: browsers send it without any, and "
    "its mock integration answers with CORS headers only, never reaching the function (checkov 3.3.30 "
    "also fails to run this check on terraform JSON: it reads a graph that runner does not build)",
    "CKV_AWS_59": "POST /data is open by design in api_auth=none mode (the public ingestion endpoint); "
    "choose api_auth=api_key or iam to require credentials",
    "CKV_AWS_120": "no stage cache: every request is a distinct write, so a cache would serve nothing "
    "(and could replay an answer)",
    "CKV_AWS_225": "no method cache, for the same reason as the stage: every POST is a distinct write",
    "CKV2_AWS_51": "no client certificate: it authenticates API Gateway to an HTTP back end, and this "
    "back end is a Lambda function reached through IAM",
    "CKV2_AWS_29": "waf = off: no web ACL in front of this stage (it costs a monthly fee per environment, "
    "and its rules want tuning to real traffic; the stage throttle bounds abuse). Set waf = count, then "
    "block (settings.toml does for prod)",
    "CKV2_AWS_77": "the web ACL has the Log4j rules (AWSManagedRulesKnownBadInputsRuleSet); this check also "
    "wants AWSManagedRulesAnonymousIpList, whose HostingProviderIPList rule blocks requests from cloud "
    "hosting providers, where this API's machine clients run",
    "CKV_AWS_192": "waf = count: every rule counts and none blocks while the team reads what the rules would "
    "block; waf = block turns the Log4j rules on",
    "CKV_AWS_145": "the state bucket encrypts with SSE-S3 (the S3 backend's encrypt = true sets it on "
    "every state object): a customer key would have to be granted to every person and CI role that "
    "plans, and state never leaves this bucket",
    "CKV_AWS_18": "no server access log for the state bucket: it would need a second bucket per region; "
    "CloudTrail records who read or wrote state objects",
    "CKV_AWS_144": "no cross-region replication of state: versioning keeps every earlier state, and a "
    "replica would need a second bucket and role; a team that needs it adds it",
    "CKV2_AWS_62": "no event notifications: nothing consumes state changes; CloudTrail records them",
    "parliament:RESOURCE_STAR": 'a key policy\'s Resource is always "*", meaning this key; parliament '
    "reads every policy as an identity policy",
    "parliament:PERMISSIONS_MANAGEMENT_ACTIONS": "the account root administers the key (policy "
    "changes, grants revoked, deletion scheduled or cancelled) without using it: without that the key "
    "could never be managed again",
    "parliament:MALFORMED": "a trust policy has no Resource by definition; parliament reads every policy "
    "as an identity policy",
}
PARLIAMENT = "parliament:"


def accept_findings(
    resource: TerraformResource, *check_ids: str, because: Mapping[str, str] | None = None
) -> None:
    """Record on ``resource`` that these findings are accepted, with their reasons: REASONS', or
    ``because``'s where a finding means something else on this resource."""
    reasons = {**REASONS, **(because or {})}
    unknown = [c for c in (*check_ids, *(because or {})) if c not in reasons or not reasons[c].strip()]
    if unknown:
        raise ValueError(f"no reason is recorded for {', '.join(unknown)}")
    accepted = list(dict.fromkeys([*check_ids, *(because or {})]))
    checkov = [f"checkov:skip={c}:{reasons[c]}" for c in accepted if not c.startswith(PARLIAMENT)]
    parliament = [f"{c.removeprefix(PARLIAMENT)}:{reasons[c]}" for c in accepted if c.startswith(PARLIAMENT)]
    if checkov:
        resource.add_override("//.checkov", checkov)
    if parliament:
        resource.add_override("//.parliament", parliament)
