"""The security gate (security/scan.py: checkov and parliament) on the stacks this session
synthesized: every auth mode must scan clean, and the gate must catch what it is there for.

Both runs start in the background right after the session's synth (tests/conftest.py); these
tests, ordered last, read their verdicts."""

from __future__ import annotations

from tests.conftest import GateRuns
from tests.scan.gate_cases import BREAKAGES


def test_every_stack_and_auth_mode_scans_clean(security_gate: GateRuns) -> None:
    result = security_gate.result("clean")
    assert result.returncode == 0, result.stdout
    assert "scan clean: 0 unaccepted findings, 0 stale acceptances" in result.stdout
    # 5 default (state stack included); 5 with the auth modes, deployed from CI (its stack
    # included); the examples: 3 minimal, 5 production (Cognito machine clients among them)
    assert "scanned 18 stacks" in result.stdout


def test_the_gate_catches_what_it_is_there_for(security_gate: GateRuns) -> None:
    """Scratch copies of the dev stack, each broken one way (tests/scan/gate_cases.py)."""
    result = security_gate.result("broken")
    assert result.returncode == 1, result.stdout
    for name, (_, expected) in BREAKAGES.items():
        assert expected in result.stdout, name
    assert "weakened/" in result.stdout.split("FAILED    parliament", 1)[1].splitlines()[0]
