"""GitHub Actions' way into the account: GitHub's OIDC provider, and per environment a plan role,
a deploy role and the permissions boundary every role a deploy creates must carry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from constructs import Construct

from constructs_lib.accepted_findings import accept_findings
from constructs_lib.aws_context import AwsContext
from constructs_lib.ci_policies import (
    DEPLOY_POLICY_FINDINGS,
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_URL,
    PLAN_SUBJECTS,
    READ_SECRET,
    READ_UNSCOPED,
    TRUST_POLICY_FINDINGS,
    CiScope,
    boundary_statements,
    deploy_statements,
    deploy_subjects,
    github_trust_policy_statement,
    plan_statements,
    read_statements,
    split_by_service,
)
from constructs_lib.framework import (
    IamOpenidConnectProvider,
    IamPolicy,
    IamRole,
    IamRolePolicy,
    IamRolePolicyAttachment,
)
from constructs_lib.iam_policy import Statement, policy_document


@dataclass(frozen=True)
class CiEnvironment:
    """One environment's CI roles: their names and the names they act on."""

    scope: CiScope
    plan_role_name: str
    deploy_role_name: str
    boundary_name: str


@dataclass(frozen=True)
class CiRolesProps:
    """Settings of the CI roles."""

    repository: str
    """``owner/repo``: the only repository whose workflows may assume the roles."""
    existing_provider_arn: str
    """The account's OIDC provider for GitHub, if it has one (an account holds one per URL)."""
    read_policy_name: str
    """The managed policy of what every CI role reads."""
    environments: Sequence[CiEnvironment]
    aws: AwsContext


@dataclass(frozen=True)
class EnvironmentRoles:
    plan_role: IamRole
    deploy_role: IamRole
    boundary: IamPolicy


class CiRoles(Construct):
    """The OIDC provider (unless the account has one) and each environment's roles."""

    def __init__(self, scope: Construct, id_: str, props: CiRolesProps) -> None:
        super().__init__(scope, id_)
        if props.existing_provider_arn:
            self.provider_arn = props.existing_provider_arn
        else:
            # No thumbprint: IAM trusts GitHub's certificate authority itself for this URL.
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
            provider = IamOpenidConnectProvider(
                self, "github", url=GITHUB_OIDC_URL, client_id_list=[GITHUB_OIDC_AUDIENCE]
            )
            self.provider_arn = provider.arn
        self.read_policy = IamPolicy(
            self,
            "read_policy",
            name=props.read_policy_name,
            description="What every data-api CI role reads: describe, get and list, never data",
            policy=policy_document(read_statements()),
        )
        accept_findings(
            self.read_policy,
            because={
                "parliament:RESOURCE_STAR": READ_UNSCOPED,
                "parliament:CREDENTIALS_EXPOSURE": READ_SECRET,
            },
        )
        self.roles: dict[str, EnvironmentRoles] = {}
        for environment in props.environments:
            self.roles[environment.scope.environment] = self._environment(props, environment)

    def _environment(self, props: CiRolesProps, environment: CiEnvironment) -> EnvironmentRoles:
        name = environment.scope.environment
        boundary = IamPolicy(
            self,
            f"{name}_boundary",
            name=environment.boundary_name,
            description=f"The most any role that CI deploys in {name} may do",
            policy=policy_document(boundary_statements(environment.scope, props.aws)),
        )
        plan_role = self._role(
            props,
            f"{name}_plan",
            environment.plan_role_name,
            f"GitHub Actions plans {name}: read-only, and the state locks",
            PLAN_SUBJECTS,
            plan_statements(environment.scope, props.aws),
            {},
        )
        inline, api = split_by_service(deploy_statements(environment.scope, props.aws))
        deploy_role = self._role(
            props,
            f"{name}_deploy",
            environment.deploy_role_name,
            f"GitHub Actions deploys {name} (jobs of the GitHub environment {name} only)",
            deploy_subjects(name),
            inline,
            DEPLOY_POLICY_FINDINGS,
        )
        api_policy = IamPolicy(
            self,
            f"{name}_deploy_api",
            name=f"{environment.deploy_role_name}-api",
            description=f"GitHub Actions deploys {name}: the API, its domain and its firewall",
            policy=policy_document(api),
        )
        permissions = "parliament:PERMISSIONS_MANAGEMENT_ACTIONS"
        accept_findings(api_policy, because={permissions: DEPLOY_POLICY_FINDINGS[permissions]})
        IamRolePolicyAttachment(
            self, f"{name}_deploy_api_attachment", role=deploy_role.name, policy_arn=api_policy.arn
        )
        return EnvironmentRoles(plan_role, deploy_role, boundary)

    def _role(
        self,
        props: CiRolesProps,
        construct_id: str,
        role_name: str,
        description: str,
        subjects: Sequence[str],
        statements: Sequence[Statement],
        findings: Mapping[str, str],
    ) -> IamRole:
        """A role GitHub's tokens for ``subjects`` of the repository may assume, with one policy."""
        role = IamRole(
            self,
            construct_id,
            name=role_name,
            description=description,
            assume_role_policy=policy_document(
                [github_trust_policy_statement(self.provider_arn, props.repository, subjects)]
            ),
            max_session_duration=3600,
        )
        accept_findings(role, "parliament:MALFORMED", because=TRUST_POLICY_FINDINGS)
        IamRolePolicyAttachment(self, f"{construct_id}_read", role=role.name, policy_arn=self.read_policy.arn)
        policy = IamRolePolicy(
            self,
            f"{construct_id}_policy",
            name=role_name.rsplit("-", 1)[-1],
            role=role.id,
            policy=policy_document(statements),
        )
        if findings:
            accept_findings(policy, because=findings)
        return role
