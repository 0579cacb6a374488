"""make verify with api_auth = "cognito": the authorizer, the pool, its resource server and app
client (moto), and the live checks through make local's emulated authorizer.

moto keeps Cognito's pools and clients but serves no token endpoint, so a small one stands in
here: it checks the client's id and secret against moto's client (HTTP Basic, the
client-credentials grant) and answers a token make local accepts (signed with its local key, not
the pool's; tests/integration/test_cognito.py covers what the authorizer refuses)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from constructs_lib.settings import Settings
from local import tokens
from tests.verify.emulated import (
    build_environment,
    emulated_aws,
    emulated_client,
    in_process_connection,
    served,
)
from tests.verify.test_verify_emulated import NOT_EMULATED, failed_checks
from verify import run

PREFIX = "verify-cog"
STACK = f"{PREFIX}-dev"


@dataclass
class Emulated:
    outputs: dict[str, str]
    env: dict[str, str]
    connection: run.AwsConnection
    endpoint: str
    token_requests: list[dict[str, str]]

    def client(self, service: str) -> Any:
        return emulated_client(self.endpoint, service)

    def verify(self, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
        report = tmp_path / "report.json"
        code = run.main(list(args), {**self.env, run.REPORT_VARIABLE: str(report)}, self.connection)
        return code, json.loads(report.read_text())


def token_endpoint(client: Any, pool_id: str, requests: list[dict[str, str]]) -> ThreadingHTTPServer:
    """The pool's /oauth2/token for the client-credentials grant, as far as this test needs."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            form = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
            requests.append(form)
            client_id, _, secret = (
                base64.b64decode(self.headers["Authorization"].split()[1]).decode().partition(":")
            )
            known = client.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
            if form.get("grant_type") != "client_credentials" or secret != known["ClientSecret"]:
                self._answer(400, {"error": "invalid_client"})
                return
            token = tokens.mint(tokens.signing_key(), "us-east-1", form["scope"], client_id)
            self._answer(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll: shutdown() waits for the loop to notice, up to one interval (0.5 s by default).
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def emulated(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulated]:
    settings_env = {"DATA_API_NAME_PREFIX": PREFIX, "DATA_API_API_AUTH": "cognito"}
    with emulated_aws(moto_endpoint, settings_env) as (env, client, _):
        outputs = build_environment(
            Settings(environment="dev", name_prefix=PREFIX, api_auth="cognito"), client, "http://unused"
        )
        requests: list[dict[str, str]] = []
        pool_id = outputs["cognito_user_pool_arn"].rsplit("/", 1)[-1]
        server = token_endpoint(client("cognito-idp"), pool_id, requests)
        outputs["cognito_token_url"] = f"http://127.0.0.1:{server.server_address[1]}/oauth2/token"
        try:
            folder = tmp_path_factory.mktemp("verify-cognito")
            with served(outputs, STACK, settings_env, moto_endpoint, folder) as outputs_file:
                yield Emulated(
                    outputs,
                    {**env, run.OUTPUTS_VARIABLE: str(outputs_file)},
                    in_process_connection(moto_endpoint),
                    moto_endpoint,
                    requests,
                )
        finally:
            server.shutdown()


def test_a_conformant_cognito_deployment_passes_every_check(emulated: Emulated, tmp_path: Path) -> None:
    _code, report = emulated.verify(tmp_path)
    assert failed_checks(report) == set(NOT_EMULATED), report
    names = {c["name"] for c in report["checks"]}
    assert {
        "cognito: POST's authorizer takes the pool's tokens",
        "cognito: POST requires the write scope",
        "cognito: the pool (no sign-up; deletion protection in prod)",
        "cognito: the resource server's write scope",
        "cognito: the app client (client credentials, the write scope, a secret)",
        "live: POST without a token answers 401",
        "live: POST stores the item",
    } <= names
    # verify asked the token endpoint for the write scope with the client-credentials grant.
    assert emulated.token_requests[-1]["grant_type"] == "client_credentials"
    assert emulated.token_requests[-1]["scope"] == "data-api/write"


def test_a_method_without_the_scope_fails_exactly_that_check(emulated: Emulated, tmp_path: Path) -> None:
    gateway = emulated.client("apigateway")
    api_id = emulated.outputs["api_id"]
    data = next(r for r in gateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/data")
    post = gateway.get_method(restApiId=api_id, resourceId=data["id"], httpMethod="POST")

    def put(scopes: list[str]) -> None:
        gateway.put_method(
            restApiId=api_id,
            resourceId=data["id"],
            httpMethod="POST",
            authorizationType="COGNITO_USER_POOLS",
            authorizerId=post["authorizerId"],
            authorizationScopes=scopes,
        )
        integration = post["methodIntegration"]  # moto's PutMethod drops the method's integration
        gateway.put_integration(
            restApiId=api_id,
            resourceId=data["id"],
            httpMethod="POST",
            type=integration["type"],
            integrationHttpMethod=integration["httpMethod"],
            uri=integration["uri"],
        )

    put([])
    try:
        code, report = emulated.verify(tmp_path)
    finally:
        put(["data-api/write"])
    assert code == 1
    assert failed_checks(report) == {"cognito: POST requires the write scope", *NOT_EMULATED}


def test_a_token_file_is_sent_as_it_is(emulated: Emulated, tmp_path: Path) -> None:
    """--token-file (a pool the stack does not own): its token is what POST sends; a wrong one
    fails the store check with the stage's 401."""
    wrong = tmp_path / "token"
    wrong.write_text("not-a-token\n")
    _, report = emulated.verify(tmp_path, "--token-file", str(wrong))
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert "POST answered 401" in failed["live: POST stores the item"]
    good = tmp_path / "good"
    good.write_text(tokens.mint(tokens.signing_key(), "us-east-1", "data-api/write") + "\n")
    _code, report = emulated.verify(tmp_path, "--token-file", str(good))
    assert failed_checks(report) == set(NOT_EMULATED)
