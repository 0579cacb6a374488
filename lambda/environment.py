"""The function's environment: the variables the stack sets and the function reads, in one place.

Stdlib only, deployed with the function. The stack, `make local`, `make verify` and the tests build
the same variables through FunctionEnvironment.variables(); the handler reads them back with
FunctionEnvironment.read().
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TABLE_NAME = "TABLE_NAME"
STAGE = "STAGE"
LOG_LEVEL = "LOG_LEVEL"
CORS_ALLOWED_ORIGINS = "CORS_ALLOWED_ORIGINS"
"""The origins a browser may call from, comma-separated (``*``: any)."""
CORS_ALLOWED_ORIGIN = "CORS_ALLOWED_ORIGIN"
"""The one origin of functions deployed before CORS_ALLOWED_ORIGINS: still read."""
IDEMPOTENCY_TABLE_NAME = "IDEMPOTENCY_TABLE_NAME"
IDEMPOTENCY_RETENTION_SECONDS = "IDEMPOTENCY_RETENTION_SECONDS"
API_AUTH = "API_AUTH"
PAYLOAD_SCHEMA_SHA256 = "PAYLOAD_SCHEMA_SHA256"
"""The SHA-256 of the payload schema file the stack deployed; unset without one."""


@dataclass(frozen=True)
class FunctionEnvironment:
    """Everything the function is told about where it runs."""

    table_name: str
    stage: str = ""
    log_level: str = "INFO"
    cors_allowed_origins: tuple[str, ...] = ("*",)
    idempotency_table_name: str = ""
    idempotency_retention_seconds: int = 86400
    api_auth: str = "none"
    payload_schema_sha256: str = ""

    def variables(self) -> dict[str, str]:
        """The Lambda environment variables that say this."""
        return {
            TABLE_NAME: self.table_name,
            STAGE: self.stage,
            LOG_LEVEL: self.log_level,
            CORS_ALLOWED_ORIGINS: ",".join(self.cors_allowed_origins),
            IDEMPOTENCY_TABLE_NAME: self.idempotency_table_name,
            IDEMPOTENCY_RETENTION_SECONDS: str(self.idempotency_retention_seconds),
            API_AUTH: self.api_auth,
            **({PAYLOAD_SCHEMA_SHA256: self.payload_schema_sha256} if self.payload_schema_sha256 else {}),
        }

    @classmethod
    def read(cls, env: Mapping[str, str]) -> FunctionEnvironment:
        """The function's environment, from its variables. Raises RuntimeError when the table is
        not named: at import, so a misconfigured function fails its first cold start, not each
        request."""
        table_name = env.get(TABLE_NAME, "")
        if not table_name:
            raise RuntimeError(f"environment variable {TABLE_NAME} must be set")
        return cls(
            table_name=table_name,
            stage=env.get(STAGE, ""),
            log_level=env.get(LOG_LEVEL, "INFO").upper(),
            cors_allowed_origins=tuple(
                origin.strip()
                for origin in (env.get(CORS_ALLOWED_ORIGINS) or env.get(CORS_ALLOWED_ORIGIN) or "*").split(
                    ","
                )
                if origin.strip()
            ),
            idempotency_table_name=env.get(IDEMPOTENCY_TABLE_NAME, ""),
            idempotency_retention_seconds=int(env.get(IDEMPOTENCY_RETENTION_SECONDS, "86400")),
            api_auth=env.get(API_AUTH, "none"),
            payload_schema_sha256=env.get(PAYLOAD_SCHEMA_SHA256, ""),
        )
