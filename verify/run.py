"""`make verify`: check a deployed environment stack against what data-api promises.

usage: python -m verify.run --env dev [--alarm-test] [--payload FILE] [--token-file FILE]
       (make verify ENV=dev VERIFY_ARGS=...)

Reads the outputs file `make deploy ENV=<env>` writes (.build/outputs-<env>.json; DATA_API_OUTPUTS
names another), and the deployment
itself with boto3's standard credential, region and endpoint resolution (so AWS_ENDPOINT_URL
points it at an emulator). Prints one line per check and a summary; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from client import outputs
from client.http import request
from client.outputs import OutputsError, read_outputs_file
from constructs_lib.aws_context import AwsContext
from constructs_lib.outputs import COGNITO_CLIENT_ID, COGNITO_TOKEN_URL, COGNITO_USER_POOL_ARN, VERIFY_NEEDS
from constructs_lib.settings import Settings, SettingsError, listed_environments, load
from verify.checks import Check, Deployment, alarm_test, run_checks

OUTPUTS_VARIABLE = "DATA_API_OUTPUTS"
BUILD_DIR = outputs.BUILD_DIR
REPORT_VARIABLE = "VERIFY_REPORT"
REQUIRED_OUTPUTS = VERIFY_NEEDS


class VerifyError(Exception):
    """Bad input: one line that says what is wrong and what to do."""


def outputs_path(env: Mapping[str, str], environment: str = "") -> str:
    """DATA_API_OUTPUTS, else the file `make deploy ENV=<environment>` wrote."""
    if path := env.get(OUTPUTS_VARIABLE, ""):
        return path
    if not environment:
        raise VerifyError(
            f"no deployment named: run make verify ENV=<environment> after make deploy, "
            f"or set {OUTPUTS_VARIABLE} to an outputs file"
        )
    written = outputs.outputs_file(environment, BUILD_DIR)
    if not written.exists():
        raise VerifyError(f".build/{written.name} does not exist: run make deploy ENV={environment} first")
    return str(written)


def read_outputs(env: Mapping[str, str], environment: str = "") -> tuple[str, dict[str, str]]:
    """(stack name, outputs) of the one environment stack in the outputs file."""
    path = outputs_path(env, environment)
    try:
        stacks = read_outputs_file(path)
    except OutputsError as error:
        raise VerifyError(str(error)) from None
    environment_stacks = {n: v for n, v in stacks.items() if all(k in v for k in REQUIRED_OUTPUTS)}
    if len(environment_stacks) != 1:
        found = ", ".join(sorted(environment_stacks)) or "none"
        raise VerifyError(
            f"{OUTPUTS_VARIABLE}={path} must hold the outputs of exactly one environment stack "
            f"(found: {found}); make deploy ENV=<env> writes one file per environment"
        )
    ((stack, outputs),) = environment_stacks.items()
    return stack, {k: str(v) for k, v in outputs.items()}


def settings_for(stack: str, env: Mapping[str, str]) -> Settings:
    """The settings this project synthesizes the named stack with."""
    try:
        candidates = [resolved.settings for resolved in load(env, listed_environments(env))]
    except SettingsError as error:
        raise VerifyError(str(error)) from None
    for settings in candidates:
        if settings.stack_name == stack:
            return settings
    names = ", ".join(s.stack_name for s in candidates)
    raise VerifyError(f"stack {stack!r} is not one of this project's environment stacks ({names})")


@functools.cache  # endpoints.json is 1.2 MB; a caller that verifies many times reads it once
def partition_dns_suffix(partition: str) -> str:
    """The partition's DNS suffix, from botocore's own partition data (no network)."""
    from botocore.loaders import create_loader

    for entry in create_loader().load_data("endpoints")["partitions"]:
        if entry["partition"] == partition:
            return str(entry["dnsSuffix"])
    raise VerifyError(f"unknown AWS partition {partition!r}")


class AwsConnection:
    """A boto3 session and its clients, one per service. make verify makes one per run; a
    caller that verifies the same account many times (the tests) may pass one to every run."""

    def __init__(self, region: str | None) -> None:
        import boto3

        self.session = boto3.Session(region_name=region)
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service)
        return self._clients[service]


def connect(
    stack: str, outputs: Mapping[str, str], env: Mapping[str, str], connection: AwsConnection | None = None
) -> Deployment:
    from botocore.exceptions import BotoCoreError, ClientError

    settings = settings_for(stack, env)
    arn_parts = outputs["table_arn"].split(":")
    region = arn_parts[3] if len(arn_parts) > 3 and arn_parts[3] else ""
    connection = connection or AwsConnection(region or None)
    session = connection.session
    region = region or session.region_name or ""
    if not region:
        raise VerifyError("no AWS region: the outputs name none; set AWS_REGION")
    if session.get_credentials() is None:
        raise VerifyError(
            "no AWS credentials: configure them as for the AWS CLI (AWS_PROFILE, aws sso login, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    try:
        identity = connection.client("sts").get_caller_identity()
    except (ClientError, BotoCoreError) as error:
        raise VerifyError(f"AWS did not accept the credentials: {error}") from None
    partition = identity["Arn"].split(":")[1]
    aws = AwsContext(
        account_id=identity["Account"],
        partition=partition,
        region=region,
        dns_suffix=partition_dns_suffix(partition),
    )
    api_key = env.get("DATA_API_KEY") or outputs.get("api_key_value")
    return Deployment(
        stack,
        outputs,
        settings,
        aws,
        connection.client,
        api_key,
        sign=_signer(session) if settings.api_auth == "iam" else None,
        token=_token_source(settings, outputs, connection) if settings.api_auth == "cognito" else None,
    )


def client_credentials_token(token_url: str, client_id: str, secret: str, scope: str) -> str:
    """An access token from the pool's token endpoint: the client-credentials grant, the client
    authenticated with HTTP Basic (its id and secret).
    https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html"""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    body = urlencode({"grant_type": "client_credentials", "client_id": client_id, "scope": scope})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"}
    reply = request(token_url, "POST", body, headers)
    try:
        token = reply.json().get("access_token") if reply.status == 200 else None
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise ValueError(f"the token endpoint answered {reply.status}: {reply.body[:200]!r}")
    return token


def _token_source(
    settings: Settings, outputs: Mapping[str, str], connection: AwsConnection
) -> Callable[[], str]:
    """The access token for the live checks: from --token-file (set later), else, with the
    stack's own pool, fetched once with its app client's id and secret (read from Cognito, never
    written anywhere)."""
    fetched: list[str] = []

    def token() -> str:
        if not fetched:
            client_id, token_url = outputs.get(COGNITO_CLIENT_ID), outputs.get(COGNITO_TOKEN_URL)
            if not client_id or not token_url:
                raise ValueError(
                    "api_auth=cognito with another team's pool: give a token with "
                    "VERIFY_ARGS='--token-file FILE'"
                )
            pool_id = outputs[COGNITO_USER_POOL_ARN].rsplit("/", 1)[-1]
            described = connection.client("cognito-idp").describe_user_pool_client(
                UserPoolId=pool_id, ClientId=client_id
            )
            secret = described["UserPoolClient"]["ClientSecret"]
            fetched.append(
                client_credentials_token(token_url, client_id, secret, settings.cognito_write_scope)
            )
        return fetched[0]

    return token


def _signer(session: Any) -> Any:
    """SigV4 signing of API requests for api_auth=iam, with the caller's credentials."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    def sign(method: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(session.get_credentials(), "execute-api", session.region_name).add_auth(request)
        return dict(request.headers.items())

    return sign


def read_token(path: str) -> str:
    """The --token-file's token (one line)."""
    try:
        token = Path(path).read_text().strip()
    except FileNotFoundError:
        raise VerifyError(f"--token-file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise VerifyError(f"--token-file {path}: cannot be read ({error})") from None
    if not token or any(c.isspace() for c in token):
        raise VerifyError(f"--token-file {path}: expected one access token")
    return token


def read_payload(path: str) -> str:
    """The --payload file's text, which must be JSON (sent as it is)."""
    try:
        text = Path(path).read_text()
        json.loads(text)
        return text
    except FileNotFoundError:
        raise VerifyError(f"--payload {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise VerifyError(f"--payload {path}: cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise VerifyError(f"--payload {path}: not JSON ({error.msg} at line {error.lineno})") from None


def report(stack: str, checks: list[Check], path: str | None) -> int:
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        print(f"  {mark}  {check.name}" + (f": {check.detail}" if check.detail else ""))
    failures = sum(not c.ok for c in checks)
    print(f"verify {stack}: {len(checks) - failures} passed, {failures} failed")
    if path:
        document = {
            "stack": stack,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
        }
        Path(path).write_text(json.dumps(document, indent=2) + "\n")
    return 1 if failures else 0


def main(
    argv: list[str] | None = None,
    env: Mapping[str, str] = os.environ,
    connection: AwsConnection | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog="make verify", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--alarm-test",
        action="store_true",
        help="also set one alarm to ALARM and back, and check that SNS delivered the notification",
    )
    parser.add_argument("--alarm-test-wait-seconds", type=float, default=600, help=argparse.SUPPRESS)
    parser.add_argument("--env", default="", help="the environment make deploy deployed (make's ENV)")
    parser.add_argument(
        "--token-file",
        default="",
        help="a file holding an access token for POST /data (api_auth=cognito with cognito_user_pool_arn)",
    )
    parser.add_argument(
        "--payload",
        default="",
        help="a JSON file with a payload the payload schema accepts: the live check stores it (with a "
        "schema that refuses make verify's own marker payload)",
    )
    arguments = parser.parse_args(argv)
    try:
        stack, outputs = read_outputs(env, arguments.env)
        deployment = connect(stack, outputs, env, connection)
        deployment.sample_payload = read_payload(arguments.payload) if arguments.payload else None
        if arguments.token_file:
            given = read_token(arguments.token_file)
            deployment.token = lambda: given
    except VerifyError as error:
        print(f"verify: error: {error}", file=sys.stderr)
        return 1
    print(f"verify {stack} in account {deployment.aws.account_id}, {deployment.aws.region}:")
    checks = list(run_checks(deployment))
    if arguments.alarm_test:
        checks.append(alarm_test(deployment, arguments.alarm_test_wait_seconds))
    return report(stack, checks, env.get(REPORT_VARIABLE))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
