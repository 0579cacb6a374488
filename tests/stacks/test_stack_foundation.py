"""Stacks, provider, backends, variables, outputs and the account-wide API Gateway setting."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from constructs_lib.settings import ALERT_EMAIL_PATTERN, ENVIRONMENTS, REQUIRED_TAG_KEYS
from tests.conftest import SynthesizedStack, Variant, synth_worker
from tests.tools.test_imports import FRAMEWORK_MODULE, PROVIDER_PACKAGES, framework_imports
from tools.parity import FRAMEWORK_FIELDS


def test_one_stack_per_environment_plus_one_account_and_one_state_stack(
    synthesized: dict[str, SynthesizedStack],
) -> None:
    assert sorted(synthesized) == sorted(
        [f"data-api-{e}" for e in ENVIRONMENTS] + ["data-api-account-us-east-1", "data-api-state-us-east-1"]
    )


def test_provider_region_and_default_tags(synthesized: dict[str, SynthesizedStack]) -> None:
    for environment in ENVIRONMENTS:
        (provider,) = synthesized[f"data-api-{environment}"].config["provider"]["aws"]
        assert provider["region"] == "us-east-1"
        assert provider["default_tags"] == [
            {"tags": {"project": "data-api", "environment": environment, "managed-by": "cdktf"}}
        ]
        assert set(provider["default_tags"][0]["tags"]) == set(REQUIRED_TAG_KEYS)


def test_the_aws_provider_is_pinned_to_the_frameworks_release(dev: SynthesizedStack) -> None:
    # 6.25.0 with CDKTF (cdktf-cdktf-provider-aws 21.22.1), 6.58.0 with CDK Terrain (25.0.0).
    framework = os.environ.get("CDK_FRAMEWORK") or "cdktf"
    expected = FRAMEWORK_FIELDS[framework]
    aws = dev.config["terraform"]["required_providers"]["aws"]
    assert aws["version"] == expected["terraform.required_providers.aws.version"]
    assert aws["source"] == expected["terraform.required_providers.aws.source"]
    assert dev.config["//"]["metadata"]["version"] == expected["//.metadata.version"]


def test_every_stack_requires_terraform_1_10(
    synthesized: dict[str, SynthesizedStack], s3_state: Variant
) -> None:
    # The S3 backend's use_lockfile needs 1.10; older versions would fail at init, unclearly.
    for stack in [*synthesized.values(), *s3_state.stacks.values()]:
        assert stack.config["terraform"]["required_version"] == ">= 1.10", stack.name


def test_the_region_setting_reaches_the_provider(eu_region: Variant) -> None:
    assert eu_region.stack.config["provider"]["aws"][0]["region"] == "eu-west-1"


def test_local_backend_keeps_one_state_file_per_stack_outside_cdktf_out(
    synthesized: dict[str, SynthesizedStack],
) -> None:
    paths = {name: s.config["terraform"]["backend"]["local"]["path"] for name, s in synthesized.items()}
    assert paths["data-api-dev"] == "../../../terraform.data-api-dev.tfstate"
    assert len(set(paths.values())) == len(paths)


def test_s3_backend_encrypts_locks_and_keys_state_per_stack(s3_state: Variant) -> None:
    backend = s3_state.stack.config["terraform"]["backend"]
    assert list(backend) == ["s3"]
    assert backend["s3"] == {
        "bucket": "example-terraform-state",
        "key": f"data-api/{s3_state.settings.stack_name}.tfstate",
        "region": "eu-central-1",
        "encrypt": True,
        "use_lockfile": True,
    }


def test_alert_email_variable_is_validated_with_the_tested_pattern(dev: SynthesizedStack) -> None:
    variable = dev.config["variable"]["alert_email"]
    assert variable["type"] == "string"
    assert variable["nullable"] is False
    (validation,) = variable["validation"]
    assert "alert_email" in validation["error_message"]
    match = re.fullmatch(
        r'\$\{can\(regex\("((?:[^"\\]|\\.)*)", var\.alert_email\)\)\}', validation["condition"]
    )
    assert match, validation["condition"]
    # Read the regex back as Terraform will: an HCL string literal, where only \" and \\ are
    # escapes a pattern may use; anything else (like \.) is an HCL syntax error.
    literal = match.group(1)
    assert not re.search(r'\\[^"\\]', literal), f"invalid HCL escape in {literal}"
    pattern = json.loads(f'"{literal}"')
    assert pattern == ALERT_EMAIL_PATTERN
    assert re.fullmatch(pattern, "ops@example.com")
    assert not re.fullmatch(pattern, "not-an-email")


def test_alarm_subscription_uses_the_alert_email_variable(dev: SynthesizedStack) -> None:
    subscription = dev.resource("aws_sns_topic_subscription")
    assert subscription["protocol"] == "email"
    assert subscription["endpoint"] == "${var.alert_email}"


EXPECTED_OUTPUTS = {
    "api_url": "${aws_api_gateway_stage.%s.invoke_url}/data",
    "api_id": "${aws_api_gateway_rest_api.%s.id}",
    "stage_name": "${aws_api_gateway_stage.%s.stage_name}",
    "table_name": "${aws_dynamodb_table.%s.name}",
    "table_arn": "${aws_dynamodb_table.%s.arn}",
    "idempotency_table_name": "${aws_dynamodb_table.%s.name}",
    "idempotency_table_arn": "${aws_dynamodb_table.%s.arn}",
    "function_name": "${aws_lambda_function.%s.function_name}",
    "function_arn": "${aws_lambda_function.%s.arn}",
    "kms_key_arn": "${aws_kms_key.%s.arn}",
    "alert_topic_arn": "${aws_sns_topic.%s.arn}",
    "function_log_group_name": "${aws_cloudwatch_log_group.%s.name}",
    "access_log_group_name": "${aws_cloudwatch_log_group.%s.name}",
}


def test_outputs_reference_the_right_resources_and_are_described(dev: SynthesizedStack) -> None:
    outputs = dev.config["output"]
    # dashboard_url is a plain URL (tests/stacks/test_operations.py checks it).
    assert set(outputs) == {*EXPECTED_OUTPUTS, "dashboard_url"}
    ids = {
        "api_url": dev.ref("aws_api_gateway_stage"),
        "api_id": dev.ref("aws_api_gateway_rest_api"),
        "stage_name": dev.ref("aws_api_gateway_stage"),
        "table_name": dev.ref("aws_dynamodb_table", "data_table/table"),
        "table_arn": dev.ref("aws_dynamodb_table", "data_table/table"),
        "idempotency_table_name": dev.ref("aws_dynamodb_table", "idempotency_table/table"),
        "idempotency_table_arn": dev.ref("aws_dynamodb_table", "idempotency_table/table"),
        "function_name": dev.ref("aws_lambda_function"),
        "function_arn": dev.ref("aws_lambda_function"),
        "kms_key_arn": dev.ref("aws_kms_key"),
        "alert_topic_arn": dev.ref("aws_sns_topic"),
        "function_log_group_name": dev.ref("aws_cloudwatch_log_group", "ingest/log_group"),
        "access_log_group_name": dev.ref("aws_cloudwatch_log_group", "rest_api/access_log_group"),
    }
    for name, template in EXPECTED_OUTPUTS.items():
        assert outputs[name]["value"] == template % ids[name].split(".", 1)[1], name
        assert outputs[name]["description"], name


def test_account_stack_owns_the_api_gateway_cloudwatch_role(
    account: SynthesizedStack, synthesized: dict[str, SynthesizedStack]
) -> None:
    setting = account.resource("aws_api_gateway_account")
    assert setting["cloudwatch_role_arn"] == f"${{{account.ref('aws_iam_role')}.arn}}"
    assert f"{account.ref('aws_iam_role_policy_attachment')}" in setting["depends_on"]
    trust = json.loads(account.resource("aws_iam_role")["assume_role_policy"])
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "apigateway.amazonaws.com"}]
    assert [s.get("Condition") for s in trust["Statement"]] == [None]
    attachment = account.resource("aws_iam_role_policy_attachment")
    assert attachment["policy_arn"].endswith(
        ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    )
    # Exactly one place manages the account setting: no environment stack touches it.
    for environment in ENVIRONMENTS:
        assert not synthesized[f"data-api-{environment}"].resources("aws_api_gateway_account")


def test_environment_stacks_depend_on_the_account_stack(dev: SynthesizedStack) -> None:
    manifest = json.loads((dev.directory.parent.parent / "manifest.json").read_text())
    assert manifest["stacks"]["data-api-dev"]["dependencies"] == ["data-api-account-us-east-1"]


def test_account_stack_owns_the_welcome_log_group_with_retention(account: SynthesizedStack) -> None:
    group = account.resource("aws_cloudwatch_log_group")
    assert group["name"] == "/aws/apigateway/welcome"
    assert group["retention_in_days"] == 14
    # CloudWatch's default encryption, accepted on the resource with its reason (README says so).
    assert "kms_key_id" not in group
    assert any(e.startswith("checkov:skip=CKV_AWS_158:") for e in group["//"]["checkov"])
    # It exists before API Gateway would create it without retention.
    setting = account.resource("aws_api_gateway_account")
    assert account.ref("aws_cloudwatch_log_group") in setting["depends_on"]


def test_every_output_is_in_the_one_list_and_named_resource_attribute(
    dev, auth_modes, cognito_pool, cognito_existing_pool
) -> None:
    from constructs_lib.outputs import ENVIRONMENT_OUTPUTS, RENAMED, outputs_for

    # cdktf writes outputs sorted by name.
    assert set(dev.config["output"]) == {o.name for o in outputs_for(api_key=False)}
    assert set(auth_modes["api_key"].config["output"]) == {
        o.name for o in outputs_for(api_key=True, waf=True)
    }
    assert set(auth_modes["iam"].config["output"]) == {
        o.name for o in outputs_for(api_key=False, domain=True, waf=True)
    }
    assert set(cognito_pool.stack.config["output"]) == {
        o.name for o in outputs_for(api_key=False, cognito=True, cognito_pool=True)
    }
    assert set(cognito_existing_pool.stack.config["output"]) == {
        o.name for o in outputs_for(api_key=False, cognito=True)
    }
    assert {
        o.name for o in outputs_for(api_key=True, domain=True, waf=True, cognito=True, cognito_pool=True)
    } == {o.name for o in ENVIRONMENT_OUTPUTS}
    for output in ENVIRONMENT_OUTPUTS:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*_(url|id|name|arn|value)", output.name), output.name
    assert not set(RENAMED) & {o.name for o in ENVIRONMENT_OUTPUTS}


def test_the_provider_loads_with_the_collector_paused_then_out_of_its_sight(
    synthesized: dict[str, SynthesizedStack],
) -> None:
    # Asked of the synth worker, the process that loaded the provider (framework.py) to synthesize.
    collecting, frozen = synth_worker().call("tests.synth_worker:collector_state")
    assert collecting, "the collector runs again after the load"
    # What the load created is frozen, so no later collection walks it: about 0.1 million objects
    # (the provider submodules framework.py names, cdktf and constructs).
    assert frozen > 50_000


def named_provider_submodules() -> set[str]:
    """The provider submodules framework.py imports (both frameworks' branches)."""
    return {
        name.split(".")[1]
        for name in framework_imports(FRAMEWORK_MODULE)
        if name.startswith(tuple(f"{package}." for package in PROVIDER_PACKAGES))
    }


def test_the_provider_loads_only_the_submodules_framework_py_names(
    synthesized: dict[str, SynthesizedStack],
) -> None:
    # Asked of the synth worker after its synths: CDKTF's provider package __init__ would import
    # all 2,212 (framework.py registers the package without running it). The package's own
    # helpers (_jsii, and CDK Terrain's _private) load too.
    loaded = set(synth_worker().call("tests.synth_worker:provider_submodules"))
    named = named_provider_submodules()
    assert len(named) > 40, "framework.py names the submodules the constructs use"
    assert {name for name in loaded if not name.startswith("_")} == named


def main_into(outdir: str) -> int:
    """In the synth worker: main.py's main() with CDKTF_OUTDIR set to ``outdir``, for dev alone
    (its three stacks, not the settings file's five: the folders are what this is about)."""
    import main

    with pytest.MonkeyPatch.context() as patch:  # the worker's own values come back after
        patch.setenv("CDKTF_OUTDIR", outdir)
        patch.setenv("DATA_API_ENVIRONMENTS", "dev")
        return main.main()


def test_synth_creates_the_output_folders_missing_parents(tmp_path: Path) -> None:
    # CDKTF makes only the last folder of CDKTF_OUTDIR; main.py makes the rest first.
    outdir = tmp_path / "not" / "there" / "yet"
    assert synth_worker().call(f"{__name__}:main_into", str(outdir)) == 0
    assert sorted(path.name for path in (outdir / "stacks").iterdir()) == [
        "data-api-account-us-east-1",
        "data-api-dev",
        "data-api-state-us-east-1",
    ]
