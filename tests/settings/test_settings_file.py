"""settings.toml: parsing, precedence, refusals that name what the user wrote, override notices."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from constructs_lib.output_dir import clean, remove_stale_stacks
from constructs_lib.settings import (
    ENVIRONMENTS,
    SETTINGS_FILE,
    Settings,
    SettingsError,
    load,
    load_one,
    override_notices,
    read_settings_file,
)
from tests.conftest import SynthesizedStack, synthesize

load_environments = load
settings_from_env = load_one


def load_settings(env: dict[str, str]) -> list[Settings]:
    return [resolved.settings for resolved in load(env)]


def settings_file(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "settings.toml"
    path.write_text(text)
    return {"DATA_API_SETTINGS": str(path)}


def refused(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the shipped file ---------------------------------------------------------------------


def test_the_shipped_file_lists_the_three_environments_with_the_seeds_choices() -> None:
    document = tomllib.loads(SETTINGS_FILE.read_text())
    assert document["environments"] == list(ENVIRONMENTS)
    shipped = read_settings_file({})
    assert shipped.environments == ENVIRONMENTS
    assert shipped.shared == {
        "region": "us-east-1",
        "throttle_rate_limit": 100,
        "throttle_burst_limit": 50,
        "read_capacity": 5,
        "write_capacity": 5,
        "log_retention_days": 14,
    }
    assert [s.environment for s in load_settings({})] == list(ENVIRONMENTS)


# --- precedence ---------------------------------------------------------------------------

PRECEDENCE_FILE = """
environments = ["dev", "prod"]
log_level = "WARNING"
lambda_memory_mb = 512
read_capacity = 7

[prod]
log_level = "ERROR"
lambda_memory_mb = 1024
"""


def test_precedence_default_file_environment_table_variable_environment_variable(tmp_path: Path) -> None:
    env = settings_file(tmp_path, PRECEDENCE_FILE)
    dev = settings_from_env("dev", env)
    prod = settings_from_env("prod", env)
    assert dev.lambda_timeout_seconds == Settings(environment="dev").lambda_timeout_seconds  # default
    assert (dev.log_level, dev.lambda_memory_mb, dev.read_capacity) == ("WARNING", 512, 7)  # file, shared
    assert (prod.log_level, prod.lambda_memory_mb, prod.read_capacity) == ("ERROR", 1024, 7)  # file [prod]
    env |= {"DATA_API_LAMBDA_MEMORY_MB": "2048", "DATA_API_LOG_LEVEL": "DEBUG"}
    assert settings_from_env("prod", env).lambda_memory_mb == 2048  # a variable beats the file
    assert settings_from_env("prod", env).log_level == "DEBUG"
    env |= {"DATA_API_PROD_LAMBDA_MEMORY_MB": "4096"}
    assert settings_from_env("prod", env).lambda_memory_mb == 4096  # the environment's variable wins
    assert settings_from_env("dev", env).lambda_memory_mb == 2048


def test_the_file_lists_which_environments_exist(tmp_path: Path) -> None:
    env = settings_file(tmp_path, PRECEDENCE_FILE)
    assert [s.environment for s in load_settings(env)] == ["dev", "prod"]
    assert [s.environment for s in load_settings(env | {"DATA_API_ENVIRONMENTS": "prod"})] == ["prod"]


def test_every_variable_in_effect_is_announced(tmp_path: Path) -> None:
    env = settings_file(tmp_path, PRECEDENCE_FILE) | {
        "DATA_API_PROD_LOG_LEVEL": "INFO",
        "DATA_API_READ_CAPACITY": "9",
    }
    notices = override_notices(load_environments(env), env)
    assert sorted(notices) == [
        f"DATA_API_PROD_LOG_LEVEL=INFO overrides {env['DATA_API_SETTINGS']}",
        f"DATA_API_READ_CAPACITY=9 overrides {env['DATA_API_SETTINGS']}",
    ]
    assert override_notices(load_environments({}), {}) == []


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lambda_timeout = 30\n", "unknown setting 'lambda_timeout'; did you mean lambda_timeout_seconds?"),
        ('[prod]\nlog_levl = "INFO"\n', "[prod]: unknown setting 'log_levl'; did you mean log_level?"),
        ('[qa]\nlog_level = "INFO"\n', "[qa] is not a listed environment"),
        ('environments = ["dev"]\n[prod]\nlog_level = "INFO"\n', "[prod] is not a listed environment"),
        ('environments = ["dev", "qa"]\n', "environments: setting environment='qa' is not allowed"),
        ('environments = "dev"\n', "environments must be a list"),
        (
            'lambda_memory_mb = "512"\n',
            "lambda_memory_mb = '512' has the wrong type; expected a whole number",
        ),
        ("tracing_enabled = 1\n", "tracing_enabled = 1 has the wrong type; expected true or false"),
        ("read_capacity = true\n", "read_capacity = True has the wrong type; expected a whole number"),
        ('log_level = "LOUD"\n', "settings.toml log_level: setting log_level='LOUD' is not allowed"),
        ("[prod]\nlambda_timeout_seconds = 40\n", "settings.toml [prod] lambda_timeout_seconds: setting"),
        ("environment = 'dev'\n", "unknown setting 'environment'"),
        ("region = \n", "is not valid TOML"),
    ],
)
def test_bad_files_are_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    assert message in refused(settings_file(tmp_path, text))


def test_a_missing_chosen_file_is_refused(tmp_path: Path) -> None:
    message = refused({"DATA_API_SETTINGS": str(tmp_path / "nope.toml")})
    assert message == f"DATA_API_SETTINGS={tmp_path / 'nope.toml'}: no such file"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATA_API_LAMBDA_TIMEOUT": "30"}, "unknown variable DATA_API_LAMBDA_TIMEOUT; did you mean"),
        ({"DATA_API_QA_LOG_LEVEL": "DEBUG"}, "unknown variable DATA_API_QA_LOG_LEVEL"),
        ({"DATA_API_PRD_LOG_LEVEL": "DEBUG"}, "did you mean DATA_API_PROD_LOG_LEVEL?"),
        ({"DATA_API_ENVIRONMENTS": "staging"}, "DATA_API_ENVIRONMENTS: staging is not listed"),
    ],
)
def test_unknown_or_unlisted_variables_are_refused(tmp_path: Path, env: dict[str, str], message: str) -> None:
    listed = settings_file(tmp_path, 'environments = ["dev", "prod"]\n')
    assert message in refused(listed | env)


def test_a_variable_for_an_unlisted_environment_is_refused(tmp_path: Path) -> None:
    env = settings_file(tmp_path, 'environments = ["dev", "prod"]\n') | {
        "DATA_API_STAGING_LOG_LEVEL": "DEBUG"
    }
    assert "DATA_API_STAGING_LOG_LEVEL sets staging, which" in refused(env)


def test_the_project_tools_variables_are_known() -> None:
    env = {name: "x" for name in ("DATA_API_URL", "DATA_API_OUTPUTS", "DATA_API_TABLE", "DATA_API_KEY")}
    assert len(load_settings(env)) == len(ENVIRONMENTS)


@pytest.mark.parametrize("region", ["us-east-7", "eu-wast-1", "mars-north-1"])
def test_a_region_must_be_a_real_region(region: str) -> None:
    message = refused({"DATA_API_REGION": region})
    assert message.startswith(f"DATA_API_REGION: setting region={region!r} is not allowed")


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-2", "cn-north-1", "us-gov-west-1"])
def test_real_regions_of_every_partition_are_accepted(region: str) -> None:
    assert Settings(environment="dev", region=region).region == region


def test_a_check_that_ties_settings_names_both_and_says_why(tmp_path: Path) -> None:
    env = settings_file(tmp_path, "[prod]\nthrottle_rate_limit = 300\n")
    message = refused(env)
    assert message.startswith(
        f"{env['DATA_API_SETTINGS']} [prod] throttle_rate_limit: setting max_write_capacity=300"
    )
    assert (
        "it must absorb throttle_rate_limit=300 transactional writes/s at write_target_utilization_percent=70"
        in message
    )


# --- the synthesized stacks follow the file -----------------------------------------------


@pytest.mark.synth
def test_synthesized_stacks_follow_the_file(tmp_path: Path) -> None:
    env = settings_file(
        tmp_path,
        'environments = ["dev", "prod"]\nlog_retention_days = 30\n[prod]\nlambda_memory_mb = 1024\n',
    )
    stacks = synthesize(tmp_path, load_settings(env))
    assert sorted(stacks) == [
        "data-api-account-us-east-1",
        "data-api-dev",
        "data-api-prod",
        "data-api-state-us-east-1",
    ]
    prod: SynthesizedStack = stacks["data-api-prod"]
    assert prod.resource("aws_lambda_function")["memory_size"] == 1024
    assert stacks["data-api-dev"].resource("aws_lambda_function")["memory_size"] == 256
    assert {g["retention_in_days"] for g in prod.resources("aws_cloudwatch_log_group").values()} == {30}


# --- what synth and clean remove ----------------------------------------------------------


def _stack(out: Path, name: str, *extra: str) -> Path:
    folder = out / "stacks" / name
    (folder / "assets").mkdir(parents=True)
    (folder / "cdk.tf.json").write_text("{}")
    for file_name in extra:
        (folder / file_name).write_text("mine")
    return folder


def test_synth_removes_stacks_it_did_not_write_but_keeps_user_files(tmp_path: Path) -> None:
    out = tmp_path / "cdktf.out"
    _stack(out, "data-api-dev")
    _stack(out, "data-api-qa")
    stale_with_notes = _stack(out, "data-api-old", "prod.tfvars")
    kept = remove_stale_stacks(out, ["data-api-dev"])
    assert sorted(p.name for p in (out / "stacks").iterdir()) == ["data-api-dev", "data-api-old"]
    assert kept == [stale_with_notes / "prod.tfvars"]
    assert not (stale_with_notes / "cdk.tf.json").exists()  # nothing stale left to apply


def test_clean_never_removes_what_a_user_wrote(tmp_path: Path) -> None:
    out = tmp_path / "cdktf.out"
    (out).mkdir()
    (out / "manifest.json").write_text("{}")
    _stack(out, "data-api-dev", "terraform.tfvars", ".terraform.lock.hcl")
    _stack(out, "data-api-prod")
    kept = clean(out)
    assert sorted(p.name for p in kept) == [".terraform.lock.hcl", "terraform.tfvars"]
    assert sorted(p.name for p in out.rglob("*")) == [
        ".terraform.lock.hcl",
        "data-api-dev",
        "stacks",
        "terraform.tfvars",
    ]
    _stack(out, "data-api-dev")  # once the user's files are gone, clean removes everything
    for path in kept:
        path.unlink()
    assert clean(out) == []
    assert not out.exists()
