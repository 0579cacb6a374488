"""`make plan|deploy|destroy ENV=<env>` and `make bootstrap`: the CDKTF CLI, pinned in the
project's node_modules, run on the stacks of one environment with everything they need.

usage: python -m deploy.run plan|deploy|destroy|drift --env ENV | python -m deploy.run bootstrap

Variables: AUTO_APPROVE=1 skips the question (deploy, destroy, bootstrap); destroying prod asks
even then unless CONFIRM_PROD=1; MIGRATE_STATE=1 moves each stack's state to a new backend;
ENVIRONMENT_ONLY=1 deploys the environment's stack without the account stack (CI);
TF_VAR_alert_email overrides the alert_email setting. Outputs go to .build/outputs-<env>.json.

`make plan` and `make drift ENV=<env>` run Terraform itself (TERRAFORM_BINARY_NAME, as the CLI
does, else `terraform`) in each stack's synthesized folder, so the plan can be saved and
summarized: .build/plan-<env>.md (to add, change, destroy; what is replaced or destroyed) and
.build/plans/<env>/<stack>.txt. Drift is a refresh-only plan, which reports changes made outside
Terraform and proposes none; it exits 2 when any stack drifted, 1 on an error, and writes
.build/drift-<env>.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from client import outputs as outputs_location
from constructs_lib.node import NodeError, cli_command, node_environment
from constructs_lib.output_dir import synth_output_dir
from constructs_lib.settings import (
    Settings,
    SettingsError,
    is_alert_email,
    listed_environments,
    load,
    read_settings_file,
)
from deploy.plan_summary import StackPlan, drift_markdown, plan_markdown, summarize
from deploy.stacks import StackError, read_manifest, run_order

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = outputs_location.BUILD_DIR
ALERT_EMAIL_VARIABLE = "TF_VAR_alert_email"
WELCOME_HINT = (
    "data-api: hint: /aws/apigateway/welcome already exists in this account and region: set "
    "adopt_welcome_log_group = true in settings.toml and run the same command again"
)


class DeployError(Exception):
    """Bad input or a refused approval: one line that says what is wrong and what to do."""


@dataclass(frozen=True)
class Run:
    """What one target does: the CLI commands, in order, and the environment they run with."""

    commands: list[list[str]]
    env: dict[str, str]
    outputs_file: Path | None = None


Cli = Callable[[list[str], Mapping[str, str]], tuple[int, str]]
"""Runs the CDKTF CLI with these arguments; returns its exit status and what it printed."""
Ask = Callable[[str], "str | None"]
"""Asks a person; None when there is no terminal to ask."""


def cdktf(args: list[str], env: Mapping[str, str]) -> tuple[int, str]:
    """The pinned CDKTF CLI on the project's node, its output shown as it comes and kept."""
    with subprocess.Popen(
        cli_command(args),
        cwd=PROJECT_ROOT,
        env=node_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            sys.stdout.write(line)
            lines.append(line)
    return process.returncode, "".join(lines)


def ask_terminal(prompt: str) -> str | None:
    return input(prompt) if sys.stdin.isatty() else None


def environment_settings(environment: str, env: Mapping[str, str]) -> Settings:
    """The settings synth used for ENV, which must be an environment the settings file lists."""
    try:
        settings_file = read_settings_file(env)
        choices = ", ".join(settings_file.environments)
        if not environment:
            raise DeployError(f"ENV is not set: add ENV=<environment>, one of {choices}")
        if environment not in settings_file.environments:
            raise DeployError(
                f"ENV={environment} is not an environment of {settings_file.label}; choose one of {choices}"
            )
        return load(env, [environment])[0].settings
    except SettingsError as error:
        raise DeployError(str(error)) from None


def all_settings(env: Mapping[str, str]) -> list[Settings]:
    try:
        return [resolved.settings for resolved in load(env, listed_environments(env))]
    except SettingsError as error:
        raise DeployError(str(error)) from None


def alert_email(settings: Settings, env: Mapping[str, str]) -> str:
    """TF_VAR_alert_email, else the alert_email setting; checked as the Terraform variable is."""
    value = env.get(ALERT_EMAIL_VARIABLE) or settings.alert_email
    if not value:
        raise DeployError(
            f"no alert email for {settings.environment}: set alert_email in settings.toml "
            f"([{settings.environment}] or shared), or {ALERT_EMAIL_VARIABLE}"
        )
    if not is_alert_email(value):
        raise DeployError(f"{ALERT_EMAIL_VARIABLE}={value!r} is not an email address such as ops@example.com")
    return value


def out_dir(env: Mapping[str, str]) -> Path:
    return synth_output_dir(PROJECT_ROOT, env)


def _common(env: Mapping[str, str]) -> list[str]:
    """Synth already ran (make synth); every run reads that output."""
    return ["--skip-synth", "--output", str(out_dir(env))]


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "") not in ("", "0", "false", "no")


def preview_run(environment: str, env: Mapping[str, str]) -> Run:
    """What `make deploy` shows before it asks: the CLI's diff of the environment's stack and of
    each stack it depends on, in order (the diff takes one stack at a time)."""
    settings = environment_settings(environment, env)
    stacks = run_order(read_manifest(out_dir(env)), [settings.stack_name])
    run_env = {**env, ALERT_EMAIL_VARIABLE: alert_email(settings, env)}
    return Run([["diff", stack, *_common(env)] for stack in stacks], run_env)


def deploy_run(environment: str, env: Mapping[str, str], build_dir: Path = BUILD_DIR) -> Run:
    """The environment's stack and its dependencies (the account stack) in one CLI run; with
    ENVIRONMENT_ONLY=1 (CI's deploy role, which may not change the account stack), the
    environment's stack alone, which the CLI allows with --ignore-missing-stack-dependencies."""
    settings = environment_settings(environment, env)
    stacks = run_order(read_manifest(out_dir(env)), [settings.stack_name])
    extra = []
    if _flag(env, "ENVIRONMENT_ONLY"):
        stacks, extra = [settings.stack_name], ["--ignore-missing-stack-dependencies"]
    outputs = outputs_location.outputs_file(environment, build_dir)
    # The alert email travels as TF_VAR_alert_email, never --var: the CLI passes every --var to
    # every stack of the run, and Terraform refuses a -var the account stack does not declare
    # (hashicorp/terraform, internal/backend/backendrun/unparsed_value.go), while it ignores an
    # environment variable for an undeclared one (same file).
    run_env = {**env, ALERT_EMAIL_VARIABLE: alert_email(settings, env)}
    command = ["deploy", *stacks, *_common(env), *extra, "--auto-approve", "--outputs-file", str(outputs)]
    if _flag(env, "MIGRATE_STATE"):
        command.append("--migrate-state")
    return Run([command], run_env, outputs)


def destroy_run(environment: str, env: Mapping[str, str]) -> Run:
    """The environment's stack only: the account and state stacks serve every environment."""
    settings = environment_settings(environment, env)
    run_order(read_manifest(out_dir(env)), [settings.stack_name])  # it must have been synthesized
    run_env = {**env, ALERT_EMAIL_VARIABLE: alert_email(settings, env)}
    return Run([["destroy", settings.stack_name, *_common(env), "--auto-approve"]], run_env)


def bootstrap_run(env: Mapping[str, str], build_dir: Path = BUILD_DIR) -> Run:
    """The state stack of every region the environments keep their state in; with
    github_repository set (its state then in that bucket), the CI stack too."""
    settings = all_settings(env)
    names = sorted({s.state_stack_name for s in settings})
    if settings and settings[0].github_repository:
        names.append(settings[0].ci_stack_name)
    stacks = run_order(read_manifest(out_dir(env)), names)
    outputs = outputs_location.outputs_file("state", build_dir)
    command = ["deploy", *stacks, *_common(env), "--auto-approve", "--outputs-file", str(outputs)]
    return Run([command], dict(env), outputs)


def ci_variables(outputs_file: Path) -> list[str]:
    """The GitHub variables the workflows read, from the CI stack's outputs: the plan roles as
    repository variables, each deploy role as its GitHub environment's variable."""
    lines = []
    for outputs in json.loads(outputs_file.read_text()).values():
        for name, value in sorted(outputs.items()):
            if name.startswith("plan_role_arn_"):
                environment = name.removeprefix("plan_role_arn_")
                lines.append(f"repository variable AWS_PLAN_ROLE_ARN_{environment.upper()} = {value}")
            elif name.startswith("deploy_role_arn_"):
                environment = name.removeprefix("deploy_role_arn_")
                lines.append(f"environment {environment}: variable AWS_DEPLOY_ROLE_ARN = {value}")
    return lines


PLAN = ["plan", "-input=false", "-lock-timeout=5m"]
DRIFT_PLAN = ["plan", "-refresh-only", "-detailed-exitcode", "-input=false", "-lock-timeout=5m"]
"""A refresh-only plan whose exit status says whether anything drifted. From `terraform plan
-help` (1.11): -detailed-exitcode makes 0 "succeeded, diff is empty", 1 "errored" and
2 "succeeded, there is a diff"; -refresh-only "checks whether remote objects still match the
outcome of the most recent Terraform apply but does not propose any actions"."""
NO_DRIFT, DRIFTED = 0, 2
PLAN_FILE = "data-api.tfplan"
"""Where a plan is saved in the stack's folder, read back by `terraform show`, then removed."""

Terraform = Callable[[list[str], Path, Mapping[str, str], bool], tuple[int, str]]
"""Runs Terraform with these arguments in a stack's folder; returns its exit status and, when
asked to capture, what it printed (else its output is shown as it comes)."""


def terraform(
    args: list[str], folder: Path, env: Mapping[str, str], capture: bool = False
) -> tuple[int, str]:
    """Terraform itself in a synthesized stack's folder."""
    binary = env.get("TERRAFORM_BINARY_NAME") or "terraform"
    try:
        done = subprocess.run(
            [binary, *args], cwd=folder, env=dict(env), check=False, capture_output=capture, text=True
        )
    except FileNotFoundError:
        raise DeployError(
            f"{binary} is not installed: install Terraform 1.10+ or set TERRAFORM_BINARY_NAME"
        ) from None
    return done.returncode, done.stdout if capture else ""


@dataclass(frozen=True)
class PlannedStack:
    plan: StackPlan
    code: int
    text: str
    """The plan as Terraform shows it (sensitive values hidden), for the artifact."""


def plan_stack(
    stack: str, folder: Path, args: list[str], env: Mapping[str, str], run: Terraform
) -> PlannedStack:
    """``terraform init``, then the plan saved to a file, read back as JSON (for the summary,
    in memory only: it holds sensitive values in the clear) and as text; the file is removed."""
    if run(["init", "-input=false"], folder, env, False)[0] != 0:
        raise DeployError(f"terraform init failed in {_shown(folder)} (its output is above)")
    plan_file = folder / PLAN_FILE
    try:
        code = run([*args, f"-out={PLAN_FILE}"], folder, env, False)[0]
        if code not in (0, DRIFTED):
            raise DeployError(f"the plan of {stack} failed (exit {code}; its output is above)")
        shown, document = run(["show", "-json", PLAN_FILE], folder, env, True)
        text_code, text = run(["show", "-no-color", PLAN_FILE], folder, env, True)
        try:
            summary = summarize(stack, json.loads(document)) if shown == 0 else None
        except ValueError:
            summary = None
        if summary is None or text_code != 0:
            raise DeployError(f"terraform show could not read the plan of {stack}")
        return PlannedStack(summary, code, text)
    finally:
        plan_file.unlink(missing_ok=True)


def _stack_plans(
    environment: str, env: Mapping[str, str], args: list[str], run: Terraform
) -> list[PlannedStack]:
    settings = environment_settings(environment, env)
    stacks = run_order(read_manifest(out_dir(env)), [settings.stack_name])
    run_env = {**env, ALERT_EMAIL_VARIABLE: alert_email(settings, env)}
    return [plan_stack(stack, out_dir(env) / "stacks" / stack, args, run_env, run) for stack in stacks]


def plan(
    environment: str, env: Mapping[str, str], run: Terraform = terraform, build_dir: Path = BUILD_DIR
) -> int:
    """A plan of the environment's stack and each stack it depends on, in order: each shown as it
    runs and kept as text in .build/plans/<env>/, and a summary in .build/plan-<env>.md (what
    plan.yml posts on the pull request)."""
    planned = _stack_plans(environment, env, PLAN, run)
    folder = build_dir / "plans" / environment
    folder.mkdir(parents=True, exist_ok=True)
    for stack in planned:
        (folder / f"{stack.plan.stack}.txt").write_text(stack.text)
    summary = build_dir / f"plan-{environment}.md"
    summary.write_text(plan_markdown(environment, [s.plan for s in planned]))
    for stack in planned:
        p = stack.plan
        print(f"data-api: plan: {p.stack}: {p.add} to add, {p.change} to change, {p.destroy} to destroy")
    print(f"data-api: summary in {_shown(summary)}, plans in {_shown(folder)}/")
    return 0


def drift(
    environment: str, env: Mapping[str, str], run: Terraform = terraform, build_dir: Path = BUILD_DIR
) -> int:
    """A refresh-only plan of the environment's stack and each stack it depends on: 0 when
    nothing changed outside Terraform, 2 when a stack drifted, 1 when a plan failed. What
    drifted is written to .build/drift-<env>.md (what drift.yml puts in the issue)."""
    planned = _stack_plans(environment, env, DRIFT_PLAN, run)
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / f"drift-{environment}.md").write_text(drift_markdown(environment, [s.plan for s in planned]))
    drifted = [s.plan.stack for s in planned if s.code == DRIFTED]
    for stack in planned:
        state = "changed outside Terraform" if stack.code == DRIFTED else "no drift"
        print(f"data-api: drift: {stack.plan.stack}: {state}")
    if drifted:
        print(f"data-api: drift found in {', '.join(drifted)}: see the plans above", file=sys.stderr)
        return DRIFTED
    return NO_DRIFT


def approve(action: str, stacks: Sequence[str], env: Mapping[str, str], ask: Ask) -> None:
    """Ask before changing anything unless AUTO_APPROVE=1; destroying prod asks even then,
    unless CONFIRM_PROD=1, and wants the stack's name typed."""
    prod = action == "destroy" and any(s.endswith("-prod") for s in stacks)
    if prod and not _flag(env, "CONFIRM_PROD"):
        answer = ask(f"Destroy {', '.join(stacks)}? Type the stack's name to confirm: ")
        if answer is None:
            raise DeployError("destroying prod needs CONFIRM_PROD=1 (and AUTO_APPROVE=1) without a terminal")
        if answer.strip() != stacks[-1]:
            raise DeployError(
                f"not confirmed: nothing was destroyed (type {stacks[-1]}, or set CONFIRM_PROD=1)"
            )
        return
    if _flag(env, "AUTO_APPROVE"):
        return
    answer = ask(f"{action.capitalize()} {', '.join(stacks)}? Type yes to go on: ")
    if answer is None:
        raise DeployError(f"{action} needs approval and there is no terminal to ask: set AUTO_APPROVE=1")
    if answer.strip().lower() != "yes":
        raise DeployError(f"not approved: nothing was changed ({action} stopped)")


def stacks_of(command: list[str]) -> list[str]:
    """The stack names of a CLI command (its positional arguments after the verb)."""
    names = []
    for arg in command[1:]:
        if arg.startswith("-"):
            break
        names.append(arg)
    return names


def hints(output: str) -> list[str]:
    """What to do about a failure the project knows, from the CLI's output."""
    found = []
    if "ResourceAlreadyExistsException" in output and "/aws/apigateway/welcome" in output:
        found.append(WELCOME_HINT)
    return found


def execute(run: Run, cli: Cli) -> int:
    for command in run.commands:
        code, output = cli(command, run.env)
        if code != 0:
            for hint in hints(output):
                print(hint, file=sys.stderr)
            print(
                f"data-api: error: cdktf {command[0]} {' '.join(stacks_of(command))} failed (exit {code})",
                file=sys.stderr,
            )
            return code
    return 0


def state_lines(outputs_file: Path) -> list[str]:
    """The settings.toml lines that move every stack's state into the new bucket."""
    stacks = json.loads(outputs_file.read_text())
    lines = ['state_backend = "s3"']
    for outputs in stacks.values():
        if "state_bucket_name" in outputs:
            lines.append(f'state_bucket = "{outputs["state_bucket_name"]}"')
    return lines


def _shown(path: Path) -> str:
    """A path as the user would type it from the project's folder."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def main(
    argv: Sequence[str],
    env: Mapping[str, str],
    cli: Cli = cdktf,
    ask: Ask = ask_terminal,
    run_terraform: Terraform = terraform,
) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.run")
    parser.add_argument("action", choices=("plan", "deploy", "destroy", "drift", "bootstrap"))
    parser.add_argument("--env", default="", help="the environment (make's ENV)")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.action == "plan":
            return plan(args.env, env, run_terraform, args.build_dir)
        if args.action == "drift":
            return drift(args.env, env, run_terraform, args.build_dir)
        run = {
            "deploy": lambda: deploy_run(args.env, env, args.build_dir),
            "destroy": lambda: destroy_run(args.env, env),
            "bootstrap": lambda: bootstrap_run(env, args.build_dir),
        }[args.action]()
        # Show what a deploy would change before asking (the CLI's own prompt needs a terminal it owns).
        if (
            args.action == "deploy"
            and not _flag(env, "AUTO_APPROVE")
            and (code := execute(preview_run(args.env, env), cli))
        ):
            return code
        approve(args.action, stacks_of(run.commands[-1]), env, ask)
        if code := execute(run, cli):
            return code
        if run.outputs_file is not None:
            print(f"data-api: outputs written to {_shown(run.outputs_file)}")
        if args.action == "bootstrap" and run.outputs_file is not None:
            print(
                "data-api: add these lines to settings.toml, then run "
                "make deploy ENV=<env> MIGRATE_STATE=1 once per environment:"
            )
            for line in state_lines(run.outputs_file):
                print(f"  {line}")
            if variables := ci_variables(run.outputs_file):
                print("data-api: and set these in GitHub (README: Deploying from CI):")
                for line in variables:
                    print(f"  {line}")
        if args.action == "deploy":
            print(f"data-api: next: make verify ENV={args.env}")
        return 0
    except (DeployError, StackError, NodeError) as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("data-api: error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
