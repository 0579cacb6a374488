"""make verify against an emulated deployment: moto for AWS, the local API for HTTP.

The environment is built with boto3 exactly as the synthesized dev stack describes it (see
emulated.py), so every check must pass; then one property at a time drifts, and exactly the
check that watches it must fail. The conformant deployment is verified as make verify runs,
over moto's HTTP server; the other runs share one connection answered by moto in process
(emulated.answer_in_process).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.settings import Settings
from tests.conftest import PAYLOAD_SCHEMA_FILE, REPO_ROOT
from tests.verify.emulated import (
    build_environment,
    emulated_aws,
    emulated_client,
    in_process_connection,
    served,
)
from verify import run

DOMAIN = "api.verify.example"
ORIGINS = ("https://app.example.com", "https://admin.example.com")
SETTINGS_ENV = {
    "DATA_API_NAME_PREFIX": "verify-env",
    "DATA_API_WAF": "block",
    "DATA_API_DOMAIN_NAME": DOMAIN,
    "DATA_API_CORS_ALLOWED_ORIGINS": ",".join(ORIGINS),
    "DATA_API_PAYLOAD_SCHEMA": str(PAYLOAD_SCHEMA_FILE),
}
"""dev with the edge on (a custom domain, its zone's id known once the zone exists, and the
firewall blocking), two CORS origins and the example payload schema."""
SAMPLE_PAYLOAD = REPO_ROOT / "examples" / "payloads" / "event.json"
"""A payload the example schema accepts: the live check stores it (the schema refuses the marker)."""
STACK = "verify-env-dev"

# A table encrypted with another key is not among the drifts: moto ignores UpdateTable's
# SSESpecification; test_verify_logic.py shows that check failing on a stubbed answer.
NOT_EMULATED: dict[str, str] = {
    "function: log group": "moto does not keep a function's LoggingConfig (test_verify_logic.py "
    "covers the check with a stubbed Lambda answer)",
}
"""Checks moto cannot pass, with the reason; their comparison logic has unit tests instead."""


@dataclass
class Emulated:
    outputs: dict[str, str]
    outputs_file: Path
    env: dict[str, str]
    connection: run.AwsConnection
    """One session and one client per service for every run, answered in process (make verify
    makes them per run, and talks to moto over its socket: over_socket)."""

    def client(self, service: str) -> Any:
        return emulated_client(self.env["AWS_ENDPOINT_URL"], service)

    def verify(self, tmp_path: Path, *args: str, over_socket: bool = False) -> tuple[int, dict[str, Any]]:
        payload = ("--payload", str(SAMPLE_PAYLOAD))
        return self.verify_with(tmp_path, {}, *payload, *args, over_socket=over_socket)

    def verify_with(
        self, tmp_path: Path, env: dict[str, str], *args: str, over_socket: bool = False
    ) -> tuple[int, dict[str, Any]]:
        """make verify's run; ``over_socket``: with its own connection, as make verify runs."""
        report = tmp_path / "report.json"
        connection = None if over_socket else self.connection
        code = run.main(list(args), {**self.env, **env, run.REPORT_VARIABLE: str(report)}, connection)
        return code, json.loads(report.read_text())


def failed_checks(report: dict[str, Any]) -> set[str]:
    return {c["name"] for c in report["checks"] if not c["ok"]}


@pytest.fixture(scope="module")
def emulated(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulated]:
    import moto.settings

    with emulated_aws(moto_endpoint, SETTINGS_ENV) as (env, client, patch):
        # moto issues a requested certificate after this many seconds (ACM: once DNS validates).
        patch.setattr(moto.settings, "ACM_VALIDATION_WAIT", 0)
        zone = client("route53").create_hosted_zone(Name="verify.example", CallerReference="verify")
        env["DATA_API_HOSTED_ZONE_ID"] = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
        settings = Settings(
            environment="dev",
            name_prefix="verify-env",
            waf="block",
            domain_name=DOMAIN,
            hosted_zone_id=env["DATA_API_HOSTED_ZONE_ID"],
            cors_allowed_origins=ORIGINS,
            payload_schema=str(PAYLOAD_SCHEMA_FILE),
        )
        patch.setenv("DATA_API_HOSTED_ZONE_ID", env["DATA_API_HOSTED_ZONE_ID"])
        outputs = build_environment(settings, client, "http://unused")
        local_env = {**SETTINGS_ENV, "DATA_API_HOSTED_ZONE_ID": env["DATA_API_HOSTED_ZONE_ID"]}
        with served(
            outputs, STACK, local_env, moto_endpoint, tmp_path_factory.mktemp("verify")
        ) as outputs_file:
            yield Emulated(
                outputs,
                outputs_file,
                {**env, run.OUTPUTS_VARIABLE: str(outputs_file)},
                in_process_connection(moto_endpoint),
            )


def test_a_conformant_deployment_passes_every_check(
    emulated: Emulated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = emulated.verify(tmp_path, over_socket=True)
    assert report["stack"] == STACK
    names = [c["name"] for c in report["checks"]]
    assert len(names) == len(set(names)) >= 35
    assert failed_checks(report) == set(NOT_EMULATED), report
    assert code == (1 if NOT_EMULATED else 0)
    out = capsys.readouterr().out
    assert f"verify {STACK}: {len(names) - len(NOT_EMULATED)} passed, {len(NOT_EMULATED)} failed" in out
    for name in (
        "live: POST stores the item",
        "key: policy",
        "function: role policy",
        "api: access log",
        "domain: certificate issued for the name",
        "domain: A/AAAA alias records",
        "firewall: rules (block)",
        "firewall: log (its group, credentials redacted)",
        "live: CORS preflight",
        "live: CORS preflight refuses an unlisted origin",
        "payload schema: the model is the file",
        "payload schema: POST checks JSON bodies against it",
        "payload schema: API Gateway's refusal (the function's shape, CORS)",
        "live: a payload the schema refuses answers 400",
    ):
        assert name in names


@dataclass(frozen=True)
class Drift:
    apply: Callable[[Emulated], None]
    revert: Callable[[Emulated], None]
    fails: Callable[[Emulated], str]


def _pitr(enabled: bool) -> Callable[[Emulated], None]:
    return lambda e: e.client("dynamodb").update_continuous_backups(
        TableName=e.outputs["table_name"],
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled},
    )


def _retention(days: int) -> Callable[[Emulated], None]:
    return lambda e: e.client("logs").put_retention_policy(
        logGroupName=e.outputs["function_log_group_name"], retentionInDays=days
    )


def _throttle(rate: int) -> Callable[[Emulated], None]:
    return lambda e: e.client("apigateway").update_stage(
        restApiId=e.outputs["api_id"],
        stageName="dev",
        patchOperations=[{"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(rate)}],
    )


def _rotation(enabled: bool) -> Callable[[Emulated], None]:
    def change(e: Emulated) -> None:
        kms = e.client("kms")
        (kms.enable_key_rotation if enabled else kms.disable_key_rotation)(KeyId=e.outputs["kms_key_arn"])

    return change


_saved: dict[str, Any] = {}


def _widen_policy(e: Emulated) -> None:
    iam = e.client("iam")
    role = e.outputs["function_name"] + "-role"
    document = iam.get_role_policy(RoleName=role, PolicyName="ingest")["PolicyDocument"]
    _saved["policy"] = json.dumps(document)
    document["Statement"].append(
        {"Sid": "Extra", "Effect": "Allow", "Action": "dynamodb:Scan", "Resource": "*"}
    )
    iam.put_role_policy(RoleName=role, PolicyName="ingest", PolicyDocument=json.dumps(document))


def _restore_policy(e: Emulated) -> None:
    role = e.outputs["function_name"] + "-role"
    e.client("iam").put_role_policy(RoleName=role, PolicyName="ingest", PolicyDocument=_saved.pop("policy"))


def _alarm_actions(with_actions: bool) -> Callable[[Emulated], None]:
    def change(e: Emulated) -> None:
        cloudwatch = e.client("cloudwatch")
        (alarm,) = cloudwatch.describe_alarms(AlarmNames=[f"{STACK}-function-errors"])["MetricAlarms"]
        topic = [e.outputs["alert_topic_arn"]] if with_actions else []
        cloudwatch.put_metric_alarm(
            AlarmName=alarm["AlarmName"],
            Namespace=alarm["Namespace"],
            MetricName=alarm["MetricName"],
            Dimensions=alarm["Dimensions"],
            Statistic=alarm["Statistic"],
            Period=alarm["Period"],
            EvaluationPeriods=alarm["EvaluationPeriods"],
            DatapointsToAlarm=alarm["DatapointsToAlarm"],
            Threshold=alarm["Threshold"],
            ComparisonOperator=alarm["ComparisonOperator"],
            TreatMissingData=alarm["TreatMissingData"],
            AlarmActions=topic,
            OKActions=topic,
        )

    return change


def _endpoint(disabled: bool) -> Callable[[Emulated], None]:
    # moto reads any non-empty value as true (bool("false")), so an empty one turns it off there;
    # API Gateway itself takes "true" or "false".
    value = "true" if disabled else ""
    return lambda e: e.client("apigateway").update_rest_api(
        restApiId=e.outputs["api_id"],
        patchOperations=[{"op": "replace", "path": "/disableExecuteApiEndpoint", "value": value}],
    )


def _mapping(present: bool) -> Callable[[Emulated], None]:
    def change(e: Emulated) -> None:
        gateway = e.client("apigateway")
        if present:
            gateway.create_base_path_mapping(domainName=DOMAIN, restApiId=e.outputs["api_id"], stage="dev")
        else:
            gateway.delete_base_path_mapping(domainName=DOMAIN, basePath="(none)")

    return change


def _rate_limit(limit: int) -> Callable[[Emulated], None]:
    def change(e: Emulated) -> None:
        waf = e.client("wafv2")
        [summary] = [a for a in waf.list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"] == f"{STACK}-waf"]
        acl = waf.get_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])
        rules = acl["WebACL"]["Rules"]
        for rule in rules:
            if "RateBasedStatement" in rule["Statement"]:
                rule["Statement"]["RateBasedStatement"]["Limit"] = limit
        waf.update_web_acl(
            Name=summary["Name"],
            Scope="REGIONAL",
            Id=summary["Id"],
            DefaultAction={"Allow": {}},
            Rules=[{k: v for k, v in r.items() if v is not None} for r in rules],
            VisibilityConfig=acl["WebACL"]["VisibilityConfig"],
            LockToken=acl["LockToken"],
        )

    return change


def _body_validation(enabled: bool) -> Callable[[Emulated], None]:
    def change(e: Emulated) -> None:
        gateway = e.client("apigateway")
        (validator,) = gateway.get_request_validators(restApiId=e.outputs["api_id"])["items"]
        gateway.update_request_validator(
            restApiId=e.outputs["api_id"],
            requestValidatorId=validator["id"],
            patchOperations=[
                {"op": "replace", "path": "/validateRequestBody", "value": str(enabled).lower()}
            ],
        )

    return change


DRIFTS = {
    "body validation off": Drift(
        _body_validation(False),
        _body_validation(True),
        lambda e: "payload schema: POST checks JSON bodies against it",
    ),
    "default endpoint on": Drift(
        _endpoint(False), _endpoint(True), lambda e: "domain: default execute-api endpoint disabled"
    ),
    "domain unmapped": Drift(_mapping(False), _mapping(True), lambda e: "domain: mapped to the stage"),
    "rate limit changed": Drift(_rate_limit(100), _rate_limit(6000), lambda e: "firewall: rules (block)"),
    "point-in-time recovery off": Drift(_pitr(False), _pitr(True), lambda e: "table: point-in-time recovery"),
    "wrong retention": Drift(
        _retention(30), _retention(14), lambda e: f"log group {e.outputs['function_log_group_name']}"
    ),
    "throttle changed": Drift(_throttle(200), _throttle(100), lambda e: "api: throttle per method"),
    "role policy widened": Drift(_widen_policy, _restore_policy, lambda e: "function: role policy"),
    "alarm without actions": Drift(
        _alarm_actions(False), _alarm_actions(True), lambda e: f"alarm {STACK}-function-errors"
    ),
    "key rotation off": Drift(_rotation(False), _rotation(True), lambda e: "key: rotation"),
}


@pytest.mark.parametrize("drift", list(DRIFTS))
def test_each_drift_fails_exactly_its_check(emulated: Emulated, tmp_path: Path, drift: str) -> None:
    change = DRIFTS[drift]
    change.apply(emulated)
    try:
        code, report = emulated.verify(tmp_path)
    finally:
        change.revert(emulated)
    assert code == 1
    assert failed_checks(report) == {change.fails(emulated), *NOT_EMULATED}, report


def test_an_on_demand_deployment_is_checked_as_on_demand(emulated: Emulated, tmp_path: Path) -> None:
    """The same emulated tables, verified as if the stack were on demand: every table check that
    depends on the billing mode fails, and says what it expected."""
    code, report = emulated.verify_with(tmp_path, {"DATA_API_DEV_BILLING_MODE": "on_demand"})
    assert code == 1
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    for table in ("table", "idempotency table"):
        assert "PAY_PER_REQUEST" in failed[f"{table}: capacity"]
        assert "none (on demand)" in failed[f"{table}: write autoscaling target"]
        assert f"{table}: write autoscaling policy" in failed


def test_nothing_deployed_fails_each_check_saying_what_is_missing(emulated: Emulated, tmp_path: Path) -> None:
    outputs = {k: v.replace("verify-env", "never-deployed") for k, v in emulated.outputs.items()}
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps({"data-api-dev": outputs}))
    env = {**emulated.env, run.OUTPUTS_VARIABLE: str(outputs_file), "DATA_API_NAME_PREFIX": "data-api"}
    report_path = tmp_path / "report.json"
    assert run.main([], {**env, run.REPORT_VARIABLE: str(report_path)}) == 1
    report = json.loads(report_path.read_text())
    table = [c for c in report["checks"] if c["name"] == "table: could not check"]
    assert table
    assert "ResourceNotFoundException" in table[0]["detail"]


def test_the_alarm_test_reports_what_sns_delivered(emulated: Emulated, tmp_path: Path) -> None:
    """moto keeps no SNS delivery metrics, so here the alarm test can only report that it saw no
    delivery (judge_delivery's verdicts have unit tests); the alarm is set back to OK."""
    code, report = emulated.verify(tmp_path, "--alarm-test", "--alarm-test-wait-seconds", "0")
    (alarm_test,) = [c for c in report["checks"] if c["name"].startswith("alarm test")]
    assert not alarm_test["ok"]
    assert "no delivery recorded" in alarm_test["detail"]
    (alarm,) = emulated.client("cloudwatch").describe_alarms(AlarmNames=[f"{STACK}-function-errors"])[
        "MetricAlarms"
    ]
    assert alarm["StateValue"] == "OK"
    assert code == 1


def test_a_schema_that_refuses_the_marker_needs_a_payload_it_accepts(
    emulated: Emulated, tmp_path: Path
) -> None:
    code, report = emulated.verify_with(tmp_path, {})
    assert code == 1
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert set(failed) == {"live: POST stores the item", *NOT_EMULATED}
    assert "refuses the marker payload" in failed["live: POST stores the item"]
    assert "--payload FILE" in failed["live: POST stores the item"]
    refused = tmp_path / "refused.json"
    refused.write_text('{"type": "click"}')
    code, report = emulated.verify_with(tmp_path, {}, "--payload", str(refused))
    assert (
        "refuses the --payload payload"
        in {c["name"]: c["detail"] for c in report["checks"]}["live: POST stores the item"]
    )


@pytest.mark.parametrize(("text", "error"), [(None, "no such file"), ("{not json", "not JSON")])
def test_a_bad_payload_file_is_one_line(
    emulated: Emulated, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, error: str
) -> None:
    path = tmp_path / "payload.json"
    if text is not None:
        path.write_text(text)
    assert run.main(["--payload", str(path)], emulated.env, emulated.connection) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"verify: error: --payload {path}: {error}")
    assert "\n" not in err
