"""The CI stack (github_repository set): who may assume its roles, and what each role may do.

The policies are read from the synthesized JSON and evaluated here the way IAM evaluates an
identity policy's Allow statements (action, resource and the condition operators these policies
use), with an example account's values for the Terraform references. What this cannot show is
whether AWS authorizes each API call with exactly these actions: the table in
constructs_lib/ci_policies.py cites the page each row comes from.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from constructs_lib.accepted_findings import REASONS
from constructs_lib.aws_context import AwsContext
from constructs_lib.ci_policies import (
    DEPLOY_ACTIONS,
    DEPLOY_POLICY_FINDINGS,
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_HOST,
    READ_ACTIONS,
    READ_SECRET,
    READ_UNSCOPED,
    TRUST_POLICY_FINDINGS,
    VERIFY_GRANTS,
    CiScope,
    applies,
    conditions,
    deploy_row,
)
from constructs_lib.settings import Settings, SettingsError, load
from tests.conftest import CI_SETTINGS, EDGE_SETTINGS, REPO_ROOT, SynthesizedStack

ACCOUNT = "123456789012"
REGION = "us-east-1"
EXAMPLE_AWS = AwsContext(account_id=ACCOUNT, partition="aws", region=REGION, dns_suffix="amazonaws.com")
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_OIDC_HOST}"
REFERENCES = {
    r"\$\{data\.aws_partition\.[^}]+\.partition\}": "aws",
    r"\$\{data\.aws_caller_identity\.[^}]+\.account_id\}": ACCOUNT,
    r"\$\{aws_iam_openid_connect_provider\.[^}]+\.arn\}": PROVIDER_ARN,
}
ENVIRONMENTS = ("dev", "staging")
REPOSITORY = CI_SETTINGS["github_repository"]
CI_STACK = "data-api-ci-us-east-1"
# A role's inline policies may hold 10,240 characters in all, a managed policy 6,144, white space
# not counted.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
ROLE_POLICY_MAX_CHARACTERS = 10240
MANAGED_POLICY_MAX_CHARACTERS = 6144


def resolved(text: str) -> str:
    for pattern, value in REFERENCES.items():
        text = re.sub(pattern, value, text)
    return text


def document(block: Mapping[str, Any], attribute: str = "policy") -> dict[str, Any]:
    return dict(json.loads(resolved(block[attribute])))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    if operator.startswith("ForAllValues:"):
        # Every value the request carries must match (these tests send one value per key).
        operator = operator.removeprefix("ForAllValues:")
        if key not in context:
            return True  # IAM: no value at all satisfies ForAllValues
    if key not in context:
        return False
    actual = context[key]
    values = as_list(expected)
    if operator in ("StringEquals", "ArnEquals"):
        return actual in values
    if operator in ("StringLike", "ArnLike"):
        return any(fnmatch.fnmatchcase(actual, v) for v in values)
    raise AssertionError(f"the evaluator does not know the condition operator {operator}")


def allows(policy: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]) -> bool:
    """Whether an Allow statement of ``policy`` admits ``action`` on ``resource`` in ``context``."""
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow", statement
        if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in as_list(statement["Resource"])):
            continue
        blocks = statement.get("Condition", {})
        if all(
            _condition_holds(operator, key, expected, context)
            for operator, pairs in blocks.items()
            for key, expected in pairs.items()
        ):
            return True
    return False


def scope_of(environment: str) -> CiScope:
    """The names of one environment of the CI app: staging has the custom domain."""
    prefix = f"data-api-{environment}"
    domain = EDGE_SETTINGS if environment == "staging" else {}
    return CiScope(
        environment=environment,
        project="data-api",
        resource_prefix=prefix,
        boundary_arn=f"arn:aws:iam::{ACCOUNT}:policy/{prefix}-boundary",
        state_bucket=CI_SETTINGS["state_bucket"],
        own_state_key=f"data-api/{prefix}.tfstate",
        shared_state_keys=("data-api/data-api-account-us-east-1.tfstate",),
        domain_name=domain.get("domain_name", ""),
        hosted_zone_id=domain.get("hosted_zone_id", ""),
    )


def request_context(scope: CiScope, kind: str) -> dict[str, str]:
    """What a request for this environment's resource carries, for a grant of condition ``kind``:
    exactly the condition's keys with this environment's values."""
    return {
        key: as_list(value)[0]
        for pairs in conditions(kind, scope, EXAMPLE_AWS).values()
        for key, value in pairs.items()
    }


def example_resource(template: str, scope: CiScope) -> str:
    """The template for this environment, each wildcard standing for a name it would create."""
    arn = template.format(
        partition="aws",
        region=REGION,
        account=ACCOUNT,
        prefix=scope.resource_prefix,
        environment=scope.environment,
        boundary=scope.boundary_arn,
        domain=scope.domain_name,
        zone=scope.hosted_zone_id,
    )
    return arn.replace("*", "example")


@pytest.fixture(scope="module")
def ci_stack(ci_app: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return ci_app[CI_STACK]


def role_block(stack: SynthesizedStack, environment: str, purpose: str) -> dict[str, Any]:
    return stack.resource("aws_iam_role", f"{environment}_{purpose}")


def role_policy(stack: SynthesizedStack, environment: str, purpose: str) -> dict[str, Any]:
    """What the role may do: its own policy and the shared read policy attached to it."""
    own = document(stack.resource("aws_iam_role_policy", f"{environment}_{purpose}_policy"))
    attachment = stack.resource("aws_iam_role_policy_attachment", f"{environment}_{purpose}_read")
    read_policy = stack.resource("aws_iam_policy", "read_policy")
    assert attachment["policy_arn"] == f"${{{stack.ref('aws_iam_policy', 'read_policy')}.arn}}"
    assert attachment["role"] == f"${{{stack.ref('aws_iam_role', f'{environment}_{purpose}')}.name}}"
    statements = [*own["Statement"], *document(read_policy)["Statement"]]
    if purpose == "deploy":
        api = stack.resource("aws_iam_policy", f"{environment}_deploy_api")
        attached = stack.resource("aws_iam_role_policy_attachment", f"{environment}_deploy_api_attachment")
        assert (
            attached["policy_arn"] == f"${{{stack.ref('aws_iam_policy', f'{environment}_deploy_api')}.arn}}"
        )
        statements += document(api)["Statement"]
    return {**own, "Statement": statements}


def every_grant() -> Iterable[tuple[str, Any, str]]:
    """Each action of the table (and of make verify), with its grant."""
    rows = [(row.resource_type, row.grants) for row in DEPLOY_ACTIONS] + [("make verify", VERIFY_GRANTS)]
    for resource_type, grants in rows:
        for grant in grants:
            for action in grant.actions:
                yield resource_type, grant, action


# --- when there is a CI stack --------------------------------------------------------------------


def test_without_github_repository_there_is_no_ci_stack(synthesized: dict[str, SynthesizedStack]) -> None:
    assert not [name for name in synthesized if "-ci-" in name]


def test_the_ci_stack_keeps_its_state_in_the_bucket_and_outputs_each_roles_arn(ci_stack) -> None:
    backend = ci_stack.config["terraform"]["backend"]["s3"]
    assert backend["bucket"] == CI_SETTINGS["state_bucket"]
    assert backend["key"] == f"data-api/{CI_STACK}.tfstate"
    outputs = set(ci_stack.config["output"])
    assert outputs == {
        "oidc_provider_arn",
        *(f"{purpose}_role_arn_{e}" for e in ENVIRONMENTS for purpose in ("plan", "deploy")),
    }


def test_the_stack_creates_githubs_oidc_provider_for_the_aws_audience(ci_stack) -> None:
    provider = ci_stack.resource("aws_iam_openid_connect_provider")
    assert provider["url"] == f"https://{GITHUB_OIDC_HOST}"
    assert provider["client_id_list"] == [GITHUB_OIDC_AUDIENCE]


def test_a_synth_of_some_environments_leaves_the_ci_stack_out() -> None:
    """Applied, a CI stack of dev alone would delete staging's and prod's roles."""
    from main import ci_stack_included

    every = [Settings(environment=e, **CI_SETTINGS) for e in ("dev", "staging", "prod")]
    assert ci_stack_included(every, ("dev", "staging", "prod"))
    assert not ci_stack_included(every[:1], ("dev", "staging", "prod"))
    assert ci_stack_included(every[:1], ("dev",))


def test_settings_need_s3_state_and_agree_across_environments() -> None:
    with pytest.raises(SettingsError, match="github_repository='o/r' needs state_backend = 's3' in dev"):
        Settings(environment="dev", github_repository="o/r")
    with pytest.raises(
        SettingsError, match="setting github_repository='not a repo' is not allowed; allowed: owner/repo"
    ):
        Settings(environment="dev", github_repository="not a repo", state_backend="s3", state_bucket="b-1")
    variables = {
        "DATA_API_STATE_BACKEND": "s3",
        "DATA_API_STATE_BUCKET": "example-terraform-state",
        "DATA_API_DEV_GITHUB_REPOSITORY": "example-org/data-api",
        "DATA_API_PROD_GITHUB_REPOSITORY": "example-org/other",
    }
    with pytest.raises(
        SettingsError, match="github_repository must be the same in every environment"
    ) as caught:
        load(variables)
    assert "dev: 'example-org/data-api'" in str(caught.value)
    assert "\n" not in str(caught.value)


# --- who may assume the roles --------------------------------------------------------------------


def test_every_trust_policy_conditions_both_the_audience_and_the_subject(ci_stack) -> None:
    roles = ci_stack.resources("aws_iam_role")
    assert len(roles) == 2 * len(ENVIRONMENTS)
    for block in roles.values():
        for statement in document(block, "assume_role_policy")["Statement"]:
            assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
            assert statement["Principal"] == {"Federated": PROVIDER_ARN}
            equals = statement["Condition"]["StringEquals"]
            assert equals[f"{GITHUB_OIDC_HOST}:aud"] == GITHUB_OIDC_AUDIENCE, block["name"]
            subjects = as_list(equals[f"{GITHUB_OIDC_HOST}:sub"])
            assert subjects, block["name"]
            assert all(s.startswith(f"repo:{REPOSITORY}:") for s in subjects), block["name"]
            assert set(statement["Condition"]) == {"StringEquals"}  # no wildcard match on the subject


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_deploy_role_trusts_only_its_github_environment_and_a_plan_role_pull_requests_and_main(
    ci_stack, environment
) -> None:
    def subjects(purpose: str) -> set[str]:
        trust = document(role_block(ci_stack, environment, purpose), "assume_role_policy")
        return set(as_list(trust["Statement"][0]["Condition"]["StringEquals"][f"{GITHUB_OIDC_HOST}:sub"]))

    assert subjects("deploy") == {f"repo:{REPOSITORY}:environment:{environment}"}
    assert subjects("plan") == {f"repo:{REPOSITORY}:pull_request", f"repo:{REPOSITORY}:ref:refs/heads/main"}
    assert role_block(ci_stack, environment, "deploy")["name"] == f"data-api-ci-{environment}-deploy"


# --- what the deploy role may do -----------------------------------------------------------------


def test_every_resource_type_of_every_environment_stack_has_a_row(
    synthesized, auth_modes, cognito_pool
) -> None:
    """All auth and billing modes: the default app (auth none, provisioned), the auth app and
    Cognito machine clients."""
    types = {
        kind
        for stack in [*synthesized.values(), *auth_modes.values(), cognito_pool.stack]
        if stack.name.removeprefix("data-api-") in ("dev", "staging", "prod")
        for kind in stack.config["resource"]
    }
    missing = sorted(t for t in types if deploy_row(t) is None)
    assert not missing, f"resource types with no row in DEPLOY_ACTIONS: {', '.join(missing)}"
    assert {"aws_api_gateway_api_key", "aws_appautoscaling_target", "aws_cognito_user_pool"} <= types


def test_every_row_cites_a_page_and_every_unscoped_grant_says_why() -> None:
    for row in DEPLOY_ACTIONS:
        assert row.source.startswith("https://"), row.resource_type
        for grant in row.grants:
            if grant.resources == ("*",) and not grant.condition:
                assert grant.unscoped.strip(), row.resource_type
            if grant.condition == "autoscaling_service_role":
                assert grant.shared.strip(), row.resource_type


def grants_allowed(
    policy: Mapping[str, Any], scope: CiScope, skip_unheld: bool = False
) -> tuple[list[str], list[str]]:
    """Each action of the table on ``scope``'s names and tags: (allowed, refused) by ``policy``.
    ``skip_unheld``: leave out what no environment holds (unscoped, account-wide, read-only)."""
    allowed: list[str] = []
    refused: list[str] = []
    for resource_type, grant, action in every_grant():
        if not applies(grant, scope):
            continue
        if skip_unheld and (grant.unscoped or grant.shared or action in READ_ACTIONS):
            continue
        for template in grant.resources:
            resource = example_resource(template, scope)
            verdict = allows(policy, action, resource, request_context(scope, grant.condition))
            (allowed if verdict else refused).append(f"{resource_type}: {action} on {resource}")
    return allowed, refused


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_deploy_role_allows_every_action_of_the_table_on_its_environments_names(
    ci_stack, environment
) -> None:
    _, refused = grants_allowed(role_policy(ci_stack, environment, "deploy"), scope_of(environment))
    assert not refused, "\n".join(refused)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_deploy_role_can_act_on_another_environments_names(ci_stack, environment) -> None:
    policy = role_policy(ci_stack, environment, "deploy")
    for other in ENVIRONMENTS:
        if other != environment:
            allowed, _ = grants_allowed(policy, scope_of(other), skip_unheld=True)
            assert not allowed, "\n".join(allowed)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_deploy_role_never_touches_the_ci_roles_or_roles_without_the_boundary(
    ci_stack, environment
) -> None:
    policy = role_policy(ci_stack, environment, "deploy")
    scope = scope_of(environment)
    with_boundary = request_context(scope, "boundary")
    for purpose in ("plan", "deploy"):
        ci_role = f"arn:aws:iam::{ACCOUNT}:role/data-api-ci-{environment}-{purpose}"
        for action in ("iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:PassRole"):
            assert not allows(policy, action, ci_role, with_boundary), (action, ci_role)
    own_role = f"arn:aws:iam::{ACCOUNT}:role/data-api-{environment}-ingest-role"
    other_boundary = {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/admin"}
    assert allows(policy, "iam:PutRolePolicy", own_role, with_boundary)
    assert not allows(policy, "iam:PutRolePolicy", own_role, other_boundary)
    assert not allows(policy, "iam:CreateRole", own_role, {})
    # PassRole: only to Lambda.
    assert allows(policy, "iam:PassRole", own_role, {"iam:PassedToService": "lambda.amazonaws.com"})
    assert not allows(policy, "iam:PassRole", own_role, {"iam:PassedToService": "ec2.amazonaws.com"})


@pytest.mark.parametrize("purpose", ["plan", "deploy"])
def test_no_wildcard_action_no_user_or_access_key_action_and_the_policy_fits_iam(ci_stack, purpose) -> None:
    for environment in ENVIRONMENTS:
        block = ci_stack.resource("aws_iam_role_policy", f"{environment}_{purpose}_policy")
        policy = document(block)
        actions = [a for s in policy["Statement"] for a in as_list(s["Action"])]
        assert not [a for a in actions if "*" in a], actions
        assert not [a for a in actions if re.match(r"iam:\w*(User|AccessKey|LoginProfile|Group)", a)]
        compact = json.dumps(policy, separators=(",", ":"))
        assert len(compact) <= ROLE_POLICY_MAX_CHARACTERS, (environment, len(compact))
    for managed in ("read_policy", *(f"{e}_deploy_api" for e in ENVIRONMENTS)):
        text = json.dumps(document(ci_stack.resource("aws_iam_policy", managed)), separators=(",", ":"))
        assert len(text) <= MANAGED_POLICY_MAX_CHARACTERS, (managed, len(text))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_state_access_a_plan_reads_and_locks_a_deploy_writes_only_its_own(ci_stack, environment) -> None:
    bucket = f"arn:aws:s3:::{CI_SETTINGS['state_bucket']}"
    own = f"{bucket}/data-api/data-api-{environment}.tfstate"
    account = f"{bucket}/data-api/data-api-account-us-east-1.tfstate"
    plan = role_policy(ci_stack, environment, "plan")
    deploy = role_policy(ci_stack, environment, "deploy")
    for policy in (plan, deploy):
        assert allows(policy, "s3:ListBucket", bucket, {})
        assert allows(policy, "s3:GetObject", own, {})
        assert allows(policy, "s3:PutObject", f"{own}.tflock", {})
        assert allows(policy, "s3:DeleteObject", f"{own}.tflock", {})
        assert not allows(policy, "s3:DeleteObject", own, {})
    # A plan shows the account stack too; a deploy from CI leaves it alone (ENVIRONMENT_ONLY).
    assert allows(plan, "s3:GetObject", account, {})
    assert allows(plan, "s3:PutObject", f"{account}.tflock", {})
    assert not allows(plan, "s3:PutObject", own, {})
    assert allows(deploy, "s3:PutObject", own, {})
    assert not allows(deploy, "s3:GetObject", account, {})
    assert not allows(deploy, "s3:PutObject", account, {})
    for other in ENVIRONMENTS:
        if other != environment:
            other_state = f"{bucket}/data-api/data-api-{other}.tfstate"
            for policy in (plan, deploy):
                assert not allows(policy, "s3:PutObject", other_state, {})
                assert not allows(policy, "s3:GetObject", other_state, {})


def test_the_plan_role_reads_no_data_and_writes_nothing(ci_stack) -> None:
    plan = role_policy(ci_stack, "dev", "plan")
    for action in (
        "dynamodb:GetItem",
        "dynamodb:Scan",
        "dynamodb:Query",
        "logs:GetLogEvents",
        "logs:StartQuery",
    ):
        assert not allows(plan, action, "*", {}), action
    actions = {a for s in plan["Statement"] for a in as_list(s["Action"])}
    writes = {a for a in actions if not re.match(r"[\w-]+:(Describe|Get|List)", a) and a != "apigateway:GET"}
    assert writes == {"s3:PutObject", "s3:DeleteObject"}  # the lock file, as the previous test shows
    read_policy = document(ci_stack.resource("aws_iam_policy", "read_policy"))
    [read] = read_policy["Statement"]
    assert all(re.match(r"[\w-]+:(Describe|Get|List)", a) or a == "apigateway:GET" for a in read["Action"])


# --- the permissions boundary --------------------------------------------------------------------


def test_the_function_role_carries_the_boundary_only_when_ci_deploys(ci_app, synthesized) -> None:
    role = ci_app["data-api-dev"].resource("aws_iam_role")
    assert resolved(role["permissions_boundary"]) == f"arn:aws:iam::{ACCOUNT}:policy/data-api-dev-boundary"
    assert "permissions_boundary" not in synthesized["data-api-dev"].resource("aws_iam_role")
    boundary = ci_app[CI_STACK].resource("aws_iam_policy", "dev_boundary")
    assert boundary["name"] == "data-api-dev-boundary"


def test_the_boundary_admits_everything_the_function_role_is_given(ci_app) -> None:
    """Otherwise a deploy from CI would cut the function off from its own table, key or logs."""
    stack = ci_app["data-api-dev"]
    boundary = document(ci_app[CI_STACK].resource("aws_iam_policy", "dev_boundary"))
    examples = {
        r"\$\{aws_dynamodb_table\.[^}]+\.arn\}": (
            f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/data-api-dev-data"
        ),
        r"\$\{aws_kms_key\.[^}]+\.arn\}": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd",
    }
    text = stack.resource("aws_iam_role_policy")["policy"]
    for pattern, value in examples.items():
        text = re.sub(pattern, value, text)
    function_policy = json.loads(resolved(text))
    for statement in function_policy["Statement"]:
        context = {
            key: as_list(value)[0]
            for pairs in statement.get("Condition", {}).values()
            for key, value in pairs.items()
        }
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                assert allows(boundary, action, resource, context), (statement["Sid"], action, resource)


def test_the_evaluator_refuses_what_it_should(ci_stack) -> None:
    """The evaluator itself: a wrong tag, a missing key or another resource is refused."""
    policy = role_policy(ci_stack, "dev", "deploy")
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd"
    dev_tags = request_context(scope_of("dev"), "resource_tag")
    assert allows(policy, "kms:PutKeyPolicy", key, dev_tags)
    assert not allows(policy, "kms:PutKeyPolicy", key, {**dev_tags, "aws:ResourceTag/environment": "prod"})
    assert not allows(policy, "kms:PutKeyPolicy", key, {})
    assert not allows(policy, "kms:Decrypt", key, dev_tags)


def test_every_finding_accepted_on_the_ci_stack_has_its_reason_and_a_row_on_the_security_page(
    ci_stack,
) -> None:
    known = {**REASONS, **TRUST_POLICY_FINDINGS, **DEPLOY_POLICY_FINDINGS}
    page = (REPO_ROOT / "docs" / "security.md").read_text()
    accepted = set()
    for blocks in ci_stack.config["resource"].values():
        for block in blocks.values():
            for entry in block.get("//", {}).get("parliament", []):
                check, _, reason = entry.partition(":")
                assert reason in (known.get(f"parliament:{check}"), READ_UNSCOPED, READ_SECRET), entry
                accepted.add(check)
    assert accepted
    for check in accepted:
        assert f"`{check}`" in page, check
