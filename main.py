"""The data-api CDKTF app: validates the settings, then synthesizes one stack per environment."""

from __future__ import annotations

import os
import sys
import warnings

from constructs_lib.config import DeprecatedSettingWarning, SettingsError, load_settings


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    print(f"data-api: warning: {message}", file=sys.stderr)


def main() -> int:
    warnings.showwarning = _show_warning
    warnings.simplefilter("always", DeprecatedSettingWarning)
    try:
        all_settings = load_settings(os.environ)
    except SettingsError as error:
        # Before anything is synthesized: a bad setting leaves no partial output behind.
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1

    # Imported only now: loading the provider's jsii assembly takes seconds.
    from cdktf import App

    from constructs_lib.stack import build_app

    app = App()
    build_app(app, all_settings)
    try:
        app.synth()
    except RuntimeError as error:  # a policy check failed: its annotations say which and why
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
