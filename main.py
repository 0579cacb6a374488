"""The data-api CDKTF app: validates the settings, then synthesizes one stack per environment."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from constructs_lib.capacity_model import capacity_warning
from constructs_lib.output_dir import remove_stale_stacks, synth_output_dir
from constructs_lib.settings import (
    DeprecatedSettingWarning,
    Settings,
    SettingsError,
    listed_environments,
    load,
    override_notices,
)


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    print(f"data-api: warning: {message}", file=sys.stderr)


def ci_stack_included(selected: Sequence[Settings], listed: Sequence[str]) -> bool:
    """The CI stack holds the roles of every environment: synthesized from a run with fewer, it
    would drop the others' roles when applied. So only a run of every listed environment has it."""
    return {s.environment for s in selected} == set(listed)


def main() -> int:
    warnings.showwarning = _show_warning
    warnings.simplefilter("always", DeprecatedSettingWarning)
    try:
        environments = load(os.environ)
    except SettingsError as error:
        # Before anything is synthesized: a bad setting leaves no partial output behind.
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    for notice in override_notices(environments, os.environ):
        print(f"data-api: {notice}", file=sys.stderr)
    for resolved in environments:
        if warning := capacity_warning(resolved.settings):
            print(f"data-api: warning: {warning}", file=sys.stderr)

    # Imported only now: loading the provider's jsii assembly takes seconds.
    from constructs_lib.framework import App
    from constructs_lib.stack import build_app

    # Where CDKTF_OUTDIR (or cdktf.out) says, its parents created first: CDKTF makes only the
    # last folder, and a missing parent would end the synth in a traceback.
    outdir = synth_output_dir(Path.cwd(), os.environ).resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    app = App(outdir=str(outdir))
    selected = [e.settings for e in environments]
    with_ci = ci_stack_included(selected, listed_environments(os.environ))
    if selected and selected[0].github_repository and not with_ci:
        print(
            "data-api: no CI stack in this synth: it holds every environment's roles, and "
            "DATA_API_ENVIRONMENTS selects only some",
            file=sys.stderr,
        )
    stacks = build_app(app, selected, with_ci)
    try:
        app.synth()
    except RuntimeError as error:  # a policy check failed: its annotations say which and why
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    for path in remove_stale_stacks(Path(app.outdir), (stack.node.id for stack in stacks)):
        print(f"data-api: kept {path} in a stale stack folder (synth did not write it)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
