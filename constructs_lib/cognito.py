"""Machine clients for ``api_auth = "cognito"``: a Cognito user pool that issues OAuth access
tokens through the client-credentials grant, with a resource server whose ``write`` scope POST
/data requires, a domain for the token endpoint, and one app client. With
``cognito_user_pool_arn`` the stack uses that pool instead and creates none of this."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.framework import (
    CognitoResourceServer,
    CognitoResourceServerScope,
    CognitoUserPool,
    CognitoUserPoolAdminCreateUserConfig,
    CognitoUserPoolClient,
    CognitoUserPoolClientTokenValidityUnits,
    CognitoUserPoolDomain,
)

ACCESS_TOKEN_MINUTES = 60
"""How long an access token is good for (Cognito's default, said explicitly)."""


def token_url(domain_prefix: str, region: str) -> str:
    """The pool's token endpoint, where a client trades its id and secret for an access token.
    https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html"""
    return f"https://{domain_prefix}.auth.{region}.amazoncognito.com/oauth2/token"


@dataclass(frozen=True)
class MachineClientsProps:
    """Settings of the machine clients' user pool."""

    pool_name: str
    client_name: str
    domain_prefix: str
    """The token endpoint's subdomain: unique in the region across every account, so the stack
    derives it with the account id (CreateUserPoolDomain: 1 to 63 of a-z, 0-9 and '-')."""
    region: str
    resource_server: str
    scope_name: str
    deletion_protection: bool


class MachineClients(Construct):
    """A user pool for machine clients only: nobody signs up or in; an app client's id and secret
    buy an access token with the write scope, which API Gateway's authorizer checks."""

    def __init__(self, scope: Construct, id_: str, props: MachineClientsProps) -> None:
        super().__init__(scope, id_)
        self.pool = CognitoUserPool(
            self,
            "pool",
            name=props.pool_name,
            deletion_protection="ACTIVE" if props.deletion_protection else "INACTIVE",
            # No users sign up: the pool only issues client-credentials tokens.
            admin_create_user_config=CognitoUserPoolAdminCreateUserConfig(allow_admin_create_user_only=True),
        )
        self.resource_server = CognitoResourceServer(
            self,
            "resource_server",
            user_pool_id=self.pool.id,
            identifier=props.resource_server,
            name=props.resource_server,
            scope=[
                CognitoResourceServerScope(
                    scope_name=props.scope_name, scope_description="POST /data: store payloads"
                )
            ],
        )
        self.domain = CognitoUserPoolDomain(
            self, "domain", user_pool_id=self.pool.id, domain=props.domain_prefix
        )
        self.write_scope = f"{props.resource_server}/{props.scope_name}"
        self.client = CognitoUserPoolClient(
            self,
            "client",
            name=props.client_name,
            user_pool_id=self.pool.id,
            generate_secret=True,
            allowed_oauth_flows=["client_credentials"],
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_scopes=[self.write_scope],
            supported_identity_providers=["COGNITO"],
            explicit_auth_flows=["ALLOW_REFRESH_TOKEN_AUTH"],
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            access_token_validity=ACCESS_TOKEN_MINUTES,
            token_validity_units=[CognitoUserPoolClientTokenValidityUnits(access_token="minutes")],
            # The scope exists only once the resource server does.
            depends_on=[self.resource_server],
        )
        self.token_url = token_url(props.domain_prefix, props.region)

    @property
    def pool_arn(self) -> str:
        return self.pool.arn
