#!/usr/bin/env python3
"""A stand-in `terraform` for the CDKTF CLI (named by TERRAFORM_BINARY_NAME): it records every
call (arguments, folder, TF_VAR_* variables) as one JSON line in $FAKE_TERRAFORM_LOG and answers
as Terraform would, without a provider or an AWS account.

What it cannot show: whether Terraform itself accepts the configuration, what a plan contains,
or anything AWS answers. It proves the orchestration only: which stacks, in which order, with
which arguments, variables and backend.
"""

import json
import os
import sys


def main() -> int:
    args = sys.argv[1:]
    with open(os.environ["FAKE_TERRAFORM_LOG"], "a") as log:
        variables = {k: v for k, v in os.environ.items() if k.startswith("TF_VAR_")}
        log.write(json.dumps({"cwd": os.getcwd(), "args": args, "variables": variables}) + "\n")
    verb = args[0] if args else ""
    if verb == "version":
        print(
            json.dumps({"terraform_version": "1.11.0", "platform": "linux_amd64", "provider_selections": {}})
        )
    elif verb == "-v":
        print("Terraform v1.11.0")
    elif verb == "output":
        with open("cdk.tf.json") as config:
            declared = json.load(config).get("output", {})
        answer = {
            name: {"sensitive": bool(o.get("sensitive")), "type": "string", "value": f"fake-{name}"}
            for name, o in declared.items()
        }
        print(json.dumps(answer))
    elif verb == "show":
        if "-json" in args:
            drifted = os.environ.get("FAKE_TERRAFORM_DRIFT", "")
            plan: dict[str, object] = {"format_version": "1.2", "resource_changes": []}
            if drifted and os.getcwd().endswith(drifted):
                plan["resource_drift"] = [{"address": "aws_fake.changed", "change": {"actions": ["update"]}}]
            print(json.dumps(plan))
        else:
            print("No changes. Your infrastructure matches the configuration.")
    elif verb in ("apply", "destroy", "plan"):
        failure = os.environ.get("FAKE_TERRAFORM_FAIL", "")
        if failure and failure in os.getcwd():
            print(os.environ.get("FAKE_TERRAFORM_ERROR", "Error: failed"), file=sys.stderr)
            return 1
        drifted = os.environ.get("FAKE_TERRAFORM_DRIFT", "")
        if "-refresh-only" in args and drifted and os.getcwd().endswith(drifted):
            print("Note: Objects have changed outside of Terraform")
            return 2 if "-detailed-exitcode" in args else 0
        for arg in args:
            if arg.startswith("-out="):
                with open(arg.removeprefix("-out="), "w") as plan_file:
                    plan_file.write("fake plan")
        print(f"{verb.capitalize()} complete! Resources: 0 added, 0 changed, 0 destroyed.")
    return 0


def installed(folder: str) -> str:
    """This stand-in as an executable ``terraform`` in ``folder``, on this Python with neither
    site packages nor the user's environment (``-IS``: it needs only the standard library).
    Through ``#!/usr/bin/env python3`` each call went through pyenv's shell shims here, about
    0.1 s of CPU per call, and the CLI calls terraform a dozen times per run."""
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, "terraform")
    with open(__file__) as source:
        code = source.read().split("\n", 1)[1]
    with open(target, "w") as script:
        script.write(f"#!{sys.executable} -IS\n{code}")
    os.chmod(target, 0o755)
    return target


if __name__ == "__main__":
    sys.exit(main())
