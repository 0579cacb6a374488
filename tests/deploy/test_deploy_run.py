"""make plan|deploy|destroy|bootstrap: which stacks each target runs, in which order, with which
inputs, and when it refuses. The CLI is replaced by a recorder here; test_cli.py runs the real one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from deploy import run as deploy
from deploy.stacks import StackError, read_manifest, run_order
from tests.conftest import SynthesizedStack

EMAIL = "ops@example.com"


class Recorder:
    """Stands in for the CDKTF CLI: records each command with its environment."""

    def __init__(self, code: int = 0, output: str = "") -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.code, self.output = code, output

    def __call__(self, args: list[str], env: Mapping[str, str]) -> tuple[int, str]:
        self.calls.append((args, dict(env)))
        return self.code, self.output


def no_terminal(prompt: str) -> None:
    return None


@pytest.fixture(scope="module")
def out_dir(synthesized: dict[str, SynthesizedStack]) -> Path:
    return synthesized["data-api-dev"].directory.parent.parent


@pytest.fixture
def env(out_dir: Path) -> dict[str, str]:
    return {"CDKTF_OUTDIR": str(out_dir), "TF_VAR_alert_email": EMAIL}


def test_a_deploy_runs_the_account_stack_before_the_environment_in_one_cli_run(env) -> None:
    cli = Recorder()
    assert deploy.main(["deploy", "--env", "dev"], {**env, "AUTO_APPROVE": "1"}, cli, no_terminal) == 0
    [(args, run_env)] = cli.calls
    assert args[:3] == ["deploy", "data-api-account-us-east-1", "data-api-dev"]
    assert "--skip-synth" in args
    assert "--auto-approve" in args
    assert args[args.index("--outputs-file") + 1] == str(deploy.BUILD_DIR / "outputs-dev.json")
    # The email travels as an environment variable, never as --var (the account stack has none).
    assert not any(a.startswith("--var") for a in args)
    assert run_env["TF_VAR_alert_email"] == EMAIL


def test_environment_only_deploys_the_environments_stack_alone(env) -> None:
    """CI's deploy role may not change the account stack (an administrator's): it deploys dev
    alone, which the CLI allows only with --ignore-missing-stack-dependencies."""
    cli = Recorder()
    variables = {**env, "AUTO_APPROVE": "1", "ENVIRONMENT_ONLY": "1"}
    assert deploy.main(["deploy", "--env", "dev"], variables, cli, no_terminal) == 0
    [(args, _)] = cli.calls
    assert deploy.stacks_of(args) == ["data-api-dev"]
    assert "--ignore-missing-stack-dependencies" in args


def test_the_alert_email_setting_is_used_when_no_variable_is_set(env, tmp_path) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text('environments = ["dev"]\n[dev]\nalert_email = "dev-alerts@example.com"\n')
    cli = Recorder()
    variables = {"CDKTF_OUTDIR": env["CDKTF_OUTDIR"], "DATA_API_SETTINGS": str(settings), "AUTO_APPROVE": "1"}
    assert deploy.main(["deploy", "--env", "dev"], variables, cli, no_terminal) == 0
    assert cli.calls[0][1]["TF_VAR_alert_email"] == "dev-alerts@example.com"


def test_a_deploy_without_auto_approve_plans_then_asks(env) -> None:
    cli, asked = Recorder(), []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "yes"

    assert deploy.main(["deploy", "--env", "dev"], env, cli, answer) == 0
    assert [c[0][0] for c in cli.calls] == ["diff", "diff", "deploy"]
    assert asked == ["Deploy data-api-account-us-east-1, data-api-dev? Type yes to go on: "]


def test_a_deploy_not_approved_changes_nothing(env, capsys) -> None:
    cli = Recorder()
    assert deploy.main(["deploy", "--env", "dev"], env, cli, lambda _: "no") == 1
    assert [c[0][0] for c in cli.calls] == ["diff", "diff"]
    assert "not approved: nothing was changed" in capsys.readouterr().err


def test_a_deploy_without_a_terminal_or_auto_approve_says_what_to_set(env, capsys) -> None:
    assert deploy.main(["deploy", "--env", "dev"], env, Recorder(), no_terminal) == 1
    assert "set AUTO_APPROVE=1" in capsys.readouterr().err


def test_destroy_runs_the_environment_stack_only(env) -> None:
    cli = Recorder()
    assert deploy.main(["destroy", "--env", "dev"], {**env, "AUTO_APPROVE": "1"}, cli, no_terminal) == 0
    [(args, _)] = cli.calls
    assert args[:2] == ["destroy", "data-api-dev"]
    assert "data-api-account-us-east-1" not in args


@pytest.mark.parametrize("answer", [None, "yes", "data-api-dev"])
def test_destroying_prod_asks_for_its_name_even_with_auto_approve(env, capsys, answer) -> None:
    cli = Recorder()
    code = deploy.main(["destroy", "--env", "prod"], {**env, "AUTO_APPROVE": "1"}, cli, lambda _: answer)
    assert code == 1
    assert cli.calls == []
    assert "CONFIRM_PROD=1" in capsys.readouterr().err


def test_destroying_prod_goes_on_when_its_name_is_typed_or_confirmed(env) -> None:
    typed = Recorder()
    assert (
        deploy.main(
            ["destroy", "--env", "prod"], {**env, "AUTO_APPROVE": "1"}, typed, lambda _: "data-api-prod"
        )
        == 0
    )
    confirmed = Recorder()
    variables = {**env, "AUTO_APPROVE": "1", "CONFIRM_PROD": "1"}
    assert deploy.main(["destroy", "--env", "prod"], variables, confirmed, no_terminal) == 0
    assert typed.calls[0][0][:2] == confirmed.calls[0][0][:2] == ["destroy", "data-api-prod"]


def test_migrate_state_is_passed_to_the_cli(env) -> None:
    cli = Recorder()
    variables = {**env, "AUTO_APPROVE": "1", "MIGRATE_STATE": "1"}
    assert deploy.main(["deploy", "--env", "dev"], variables, cli, no_terminal) == 0
    assert "--migrate-state" in cli.calls[0][0]


def test_bootstrap_applies_the_state_stack_and_prints_the_settings_to_add(env, tmp_path, capsys) -> None:
    outputs = {"data-api-state-us-east-1": {"state_bucket_name": "data-api-tfstate-123456789012-us-east-1"}}

    def cli(args: list[str], run_env: Mapping[str, str]) -> tuple[int, str]:
        assert args[:2] == ["deploy", "data-api-state-us-east-1"]
        assert "data-api-dev" not in args
        assert "TF_VAR_alert_email" not in run_env or run_env["TF_VAR_alert_email"] == EMAIL
        Path(args[args.index("--outputs-file") + 1]).write_text(json.dumps(outputs))
        return 0, ""

    run = deploy.bootstrap_run({**env, "AUTO_APPROVE": "1"}, build_dir=tmp_path)
    assert deploy.execute(run, cli) == 0
    assert deploy.state_lines(tmp_path / "outputs-state.json") == [
        'state_backend = "s3"',
        'state_bucket = "data-api-tfstate-123456789012-us-east-1"',
    ]


def test_with_a_github_repository_bootstrap_applies_the_ci_stack_and_names_the_variables(
    ci_app, tmp_path, capsys
) -> None:
    ci_out = ci_app["data-api-ci-us-east-1"].directory.parent.parent
    settings = tmp_path / "settings.toml"
    settings.write_text(
        'environments = ["dev", "staging"]\nstate_backend = "s3"\nstate_bucket = "example-terraform-state"\n'
        'github_repository = "example-org/data-api"\n'
    )
    role = "arn:aws:iam::123456789012:role/data-api-ci-{}-{}"
    outputs = {
        "data-api-state-us-east-1": {"state_bucket_name": "example-terraform-state"},
        "data-api-ci-us-east-1": {
            **{f"plan_role_arn_{e}": role.format(e, "plan") for e in ("dev", "staging")},
            **{f"deploy_role_arn_{e}": role.format(e, "deploy") for e in ("dev", "staging")},
            "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/example",
        },
    }

    def cli(args: list[str], run_env: Mapping[str, str]) -> tuple[int, str]:
        assert args[:3] == ["deploy", "data-api-state-us-east-1", "data-api-ci-us-east-1"]
        Path(args[args.index("--outputs-file") + 1]).write_text(json.dumps(outputs))
        return 0, ""

    variables = {"CDKTF_OUTDIR": str(ci_out), "DATA_API_SETTINGS": str(settings), "AUTO_APPROVE": "1"}
    argv = ["bootstrap", "--build-dir", str(tmp_path)]
    assert deploy.main(argv, variables, cli, no_terminal) == 0
    out = capsys.readouterr().out
    assert f"repository variable AWS_PLAN_ROLE_ARN_STAGING = {role.format('staging', 'plan')}" in out
    assert f"environment dev: variable AWS_DEPLOY_ROLE_ARN = {role.format('dev', 'deploy')}" in out


@pytest.mark.parametrize(
    ("argv", "variables", "message"),
    [
        (["deploy"], {}, "ENV is not set: add ENV=<environment>, one of dev, staging, prod"),
        (
            ["deploy", "--env", "qa"],
            {},
            "ENV=qa is not an environment of settings.toml; choose one of dev, staging, prod",
        ),
        (["plan", "--env", "dev"], {"TF_VAR_alert_email": ""}, "no alert email for dev: set alert_email"),
        (
            ["plan", "--env", "dev"],
            {"TF_VAR_alert_email": "ops"},
            "TF_VAR_alert_email='ops' is not an email address",
        ),
        (["plan", "--env", "dev"], {"DATA_API_LOG_LEVL": "DEBUG"}, "unknown variable DATA_API_LOG_LEVL"),
    ],
)
def test_bad_input_is_refused_in_one_line_before_the_cli_runs(env, capsys, argv, variables, message) -> None:
    cli = Recorder()
    assert deploy.main(argv, {**env, **variables}, cli, no_terminal) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"data-api: error: {message}")
    assert err.count("\n") == 1
    assert cli.calls == []


def test_a_stack_that_was_not_synthesized_is_named(tmp_path, capsys) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"stacks": {"data-api-account-us-east-1": {}}}))
    variables = {"CDKTF_OUTDIR": str(tmp_path), "TF_VAR_alert_email": EMAIL}
    assert deploy.main(["plan", "--env", "dev"], variables, Recorder(), no_terminal) == 1
    assert "stack data-api-dev was not synthesized" in capsys.readouterr().err


def test_no_synth_output_says_to_synthesize(tmp_path, capsys) -> None:
    variables = {"CDKTF_OUTDIR": str(tmp_path), "TF_VAR_alert_email": EMAIL}
    assert deploy.main(["plan", "--env", "dev"], variables, Recorder(), no_terminal) == 1
    assert "manifest.json does not exist: run `make synth`" in capsys.readouterr().err


def test_the_welcome_log_group_failure_names_the_setting(env, capsys) -> None:
    output = (
        "Error: creating CloudWatch Logs Log Group (/aws/apigateway/welcome): operation error "
        "CloudWatch Logs: CreateLogGroup, ResourceAlreadyExistsException: "
        "The specified log group already exists"
    )
    code = deploy.main(
        ["deploy", "--env", "dev"], {**env, "AUTO_APPROVE": "1"}, Recorder(1, output), no_terminal
    )
    assert code == 1
    assert "adopt_welcome_log_group = true" in capsys.readouterr().err


def test_another_failure_gets_no_welcome_hint(env, capsys) -> None:
    code = deploy.main(
        ["deploy", "--env", "dev"], {**env, "AUTO_APPROVE": "1"}, Recorder(1, "Error: x"), no_terminal
    )
    assert code == 1
    assert "adopt_welcome_log_group" not in capsys.readouterr().err


def test_run_order_puts_dependencies_first_and_refuses_cycles() -> None:
    manifest = {"a": ("b",), "b": ("c",), "c": (), "d": ("c",)}
    assert run_order(manifest, ["a", "d"]) == ["c", "b", "a", "d"]
    with pytest.raises(StackError, match="depends on itself"):
        run_order({"a": ("b",), "b": ("a",)}, ["a"])


def test_the_manifest_of_a_synth_holds_each_environments_dependency(out_dir) -> None:
    manifest = read_manifest(out_dir)
    for environment in ("dev", "staging", "prod"):
        assert manifest[f"data-api-{environment}"] == ("data-api-account-us-east-1",)
    assert manifest["data-api-state-us-east-1"] == ()


class TerraformRecorder:
    """Stands in for Terraform in a stack's folder: records each call; the plan of a stack named
    in ``drifted`` exits 2 ("there is a diff"), of one in ``failing`` 1; ``show -json`` answers
    the JSON plan in ``plans`` for the stack (else an empty plan)."""

    def __init__(
        self,
        drifted: tuple[str, ...] = (),
        failing: tuple[str, ...] = (),
        plans: Mapping[str, dict[str, object]] | None = None,
    ) -> None:
        self.calls: list[tuple[str, list[str], dict[str, str]]] = []
        self.drifted, self.failing, self.plans = drifted, failing, plans or {}

    def __call__(
        self, args: list[str], folder: Path, env: Mapping[str, str], capture: bool
    ) -> tuple[int, str]:
        self.calls.append((folder.name, args, dict(env)))
        if args[0] == "show":
            if "-json" in args:
                return 0, json.dumps(self.plans.get(folder.name, {"format_version": "1.2"}))
            return 0, f"the plan of {folder.name}, as text"
        if args[0] != "plan":
            return 0, ""
        return (1 if folder.name in self.failing else 2 if folder.name in self.drifted else 0), ""


def verbs(terraform: TerraformRecorder) -> list[tuple[str, str]]:
    return [
        (stack, args[0] if args[0] != "show" else f"show {args[1]}") for stack, args, _ in terraform.calls
    ]


STACK_VERBS = ["init", "plan", "show -json", "show -no-color"]


def test_a_plan_runs_terraform_in_each_stack_folder_in_order_and_writes_its_summary(
    env, tmp_path, capsys
) -> None:
    replaced = {
        "address": "aws_lambda_function.fn",
        "mode": "managed",
        "change": {"actions": ["delete", "create"]},
    }
    terraform = TerraformRecorder(plans={"data-api-staging": {"resource_changes": [replaced]}})
    argv = ["plan", "--env", "staging", "--build-dir", str(tmp_path)]
    assert deploy.main(argv, env, Recorder(), no_terminal, terraform) == 0
    assert verbs(terraform) == [
        *(("data-api-account-us-east-1", verb) for verb in STACK_VERBS),
        *(("data-api-staging", verb) for verb in STACK_VERBS),
    ]
    plan_args = terraform.calls[1][1]
    assert "-out=data-api.tfplan" in plan_args
    assert "-refresh-only" not in plan_args
    summary = (tmp_path / "plan-staging.md").read_text()
    assert "| `data-api-staging` | 1 | 0 | 1 |" in summary
    assert "replaced: `aws_lambda_function.fn`" in summary
    assert (tmp_path / "plans" / "staging" / "data-api-staging.txt").read_text() == (
        "the plan of data-api-staging, as text"
    )
    assert not list(tmp_path.rglob("*.json"))  # the JSON plan (sensitive values in the clear) is never kept
    assert "data-api: plan: data-api-staging: 1 to add, 0 to change, 1 to destroy" in capsys.readouterr().out


def test_drift_runs_a_refresh_only_plan_in_each_stack_folder_in_order(env, out_dir, capsys) -> None:
    terraform = TerraformRecorder()
    assert deploy.main(["drift", "--env", "dev"], env, Recorder(), no_terminal, terraform) == 0
    assert verbs(terraform) == [
        *(("data-api-account-us-east-1", verb) for verb in STACK_VERBS),
        *(("data-api-dev", verb) for verb in STACK_VERBS),
    ]
    plan = terraform.calls[-3][1]
    assert "-refresh-only" in plan
    assert "-detailed-exitcode" in plan
    assert {call[2]["TF_VAR_alert_email"] for call in terraform.calls} == {EMAIL}
    assert "data-api: drift: data-api-dev: no drift" in capsys.readouterr().out


def test_drift_in_any_stack_exits_2_naming_it_and_its_resources(env, tmp_path, capsys) -> None:
    changed = {"address": "aws_dynamodb_table.data", "mode": "managed", "change": {"actions": ["update"]}}
    terraform = TerraformRecorder(
        drifted=("data-api-dev",), plans={"data-api-dev": {"resource_drift": [changed]}}
    )
    argv = ["drift", "--env", "dev", "--build-dir", str(tmp_path)]
    assert deploy.main(argv, env, Recorder(), no_terminal, terraform) == 2
    captured = capsys.readouterr()
    assert "data-api: drift: data-api-dev: changed outside Terraform" in captured.out
    assert captured.err == "data-api: drift found in data-api-dev: see the plans above\n"
    assert "- `data-api-dev`: `aws_dynamodb_table.data`" in (tmp_path / "drift-dev.md").read_text()


def test_a_failed_refresh_is_an_error_not_drift(env, capsys) -> None:
    terraform = TerraformRecorder(failing=("data-api-account-us-east-1",))
    assert deploy.main(["drift", "--env", "dev"], env, Recorder(), no_terminal, terraform) == 1
    assert capsys.readouterr().err == (
        "data-api: error: the plan of data-api-account-us-east-1 failed (exit 1; its output is above)\n"
    )
    assert [c[0] for c in terraform.calls] == ["data-api-account-us-east-1"] * 2  # it stops there


def test_drift_without_terraform_is_one_line(env, capsys) -> None:
    missing = {**env, "TERRAFORM_BINARY_NAME": "/nonexistent/terraform"}
    assert deploy.main(["drift", "--env", "dev"], missing, Recorder(), no_terminal) == 1
    assert capsys.readouterr().err == (
        "data-api: error: /nonexistent/terraform is not installed: install Terraform 1.10+ "
        "or set TERRAFORM_BINARY_NAME\n"
    )


def test_drift_runs_terraform_itself_in_each_stack_folder(env, out_dir, tmp_path, capsys) -> None:
    """The real subprocess path, with the stand-in terraform (tests/deploy/fake_terraform.py)
    answering 2 for the dev stack's refresh-only plan, as Terraform does for a diff. It shows
    the calls and their folders, never what Terraform would find."""
    import os

    from tests.deploy import fake_terraform

    log = tmp_path / "calls.jsonl"
    variables = {
        **env,
        "PATH": os.environ["PATH"],
        "TERRAFORM_BINARY_NAME": fake_terraform.installed(str(tmp_path / "bin")),
        "FAKE_TERRAFORM_LOG": str(log),
        "FAKE_TERRAFORM_DRIFT": "data-api-dev",
    }
    assert deploy.main(["drift", "--env", "dev"], variables, Recorder(), no_terminal) == 2
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(Path(c["cwd"]).name, c["args"][0]) for c in calls] == [
        *(("data-api-account-us-east-1", verb) for verb in ("init", "plan", "show", "show")),
        *(("data-api-dev", verb) for verb in ("init", "plan", "show", "show")),
    ]
    assert all(Path(c["cwd"]).parent == out_dir / "stacks" for c in calls)
    assert "data-api: drift: data-api-account-us-east-1: no drift" in capsys.readouterr().out
