"""How POST /data is protected: one strategy per ``api_auth`` mode, saying what the method requires,
what the function scopes Idempotency-Keys by, what `make local` emulates and what `make verify`
expects. A new mode (Cognito, say) is one new entry here and its caller scope in the function.
Pure: no CDKTF import."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from constructs_lib.contract import FUNCTION_RULES


@dataclass(frozen=True)
class AuthStrategy:
    mode: str
    """The setting's value."""
    description: str
    method_authorization: str
    """API Gateway's ``authorization`` of POST /data (OPTIONS stays open: browsers send the
    preflight without credentials)."""
    api_key_required: bool
    """Whether POST /data needs an ``x-api-key`` (with a usage plan holding the key)."""
    accepted_findings: tuple[str, ...]
    """Scanner findings this mode accepts on POST /data (see accepted_findings.py)."""
    local_note: str | None
    """What `make local` says at start when it cannot emulate the mode."""

    @property
    def caller_scope(self) -> Callable[[Mapping[str, Any]], str]:
        """Whose Idempotency-Keys a request's are: the function's own rule for this mode."""
        scope: Callable[[Mapping[str, Any]], str] = FUNCTION_RULES.CALLER_SCOPES[self.mode]
        return scope


STRATEGIES: Mapping[str, AuthStrategy] = {
    "none": AuthStrategy(
        mode="none",
        description="anyone may POST (the seed's public ingestion endpoint)",
        method_authorization="NONE",
        api_key_required=False,
        accepted_findings=("CKV_AWS_59",),
        local_note=None,
    ),
    "api_key": AuthStrategy(
        mode="api_key",
        description="an x-api-key header, with a usage plan",
        method_authorization="NONE",
        api_key_required=True,
        accepted_findings=(),
        local_note=None,
    ),
    "iam": AuthStrategy(
        mode="iam",
        description="SigV4-signed requests of IAM principals",
        method_authorization="AWS_IAM",
        api_key_required=False,
        accepted_findings=(),
        local_note="note: api_auth=iam is not emulated here (no SigV4 check); every request is admitted",
    ),
    "cognito": AuthStrategy(
        mode="cognito",
        description="an OAuth access token of a Cognito user pool's app client, with the write scope",
        method_authorization="COGNITO_USER_POOLS",
        api_key_required=False,
        accepted_findings=(),
        local_note=None,
    ),
}

API_AUTH_MODES: tuple[str, ...] = tuple(STRATEGIES)


def auth_strategy(mode: str) -> AuthStrategy:
    return STRATEGIES[mode]
