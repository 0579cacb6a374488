"""The payload schema: with the setting payload_schema, every payload must match a JSON Schema
(draft 4, what API Gateway's models use) before it is stored.

API Gateway checks ``application/json`` bodies against its model before the function runs; every
other content type reaches the function unchecked, so the function checks every body itself.
The check is code generated at synth from the schema by fastjsonschema (pinned in the Pipfile)
and shipped in the function's asset as the module ``payload_validator``; its only import is the
two exception classes below, so the function carries no validator library and compiles nothing
at cold start. ``PAYLOAD_SCHEMA_SHA256`` names the schema the stack deployed: the function
refuses to start with any other (or none).
"""

import json
import re
from importlib import import_module
from typing import Any, Callable, Optional, Union

from .errors import RequestError

VALIDATOR_MODULE = "payload_validator"
"""The generated module in the asset: ``validate(data)`` and ``SCHEMA_SHA256``."""
INVALID_BODY_MESSAGE = "Invalid request body"
"""What API Gateway's BAD_REQUEST_BODY answer says ($context.error.messageString); the function's
own refusal says the same, so a client reads one answer whichever of the two refused."""
MAX_PATH_CHARACTERS = 200
_DATA_PREFIX = re.compile(r"^data(?=$|[.\[])")


class SchemaMismatchError(ValueError):
    """What the generated validator raises for the first part of a payload that does not match:
    fastjsonschema's JsonSchemaValueException, reduced to what the generated code passes (synth
    rewrites the generated import to these two classes)."""

    def __init__(
        self,
        message: str,
        value: Any = None,
        name: Optional[str] = None,
        definition: Any = None,
        rule: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.definition = definition
        self.rule = rule


class SchemaMismatchesError(ValueError):
    """Raised by generated code only when fast failing is off, which synth never turns off."""


def failing_path(name: Optional[str]) -> str:
    """The validator's name of the failing part (``data.items[0]``) as a JSON path (``$.items[0]``),
    cut short when long: where the payload failed, never what the schema wanted there."""
    path = _DATA_PREFIX.sub("$", name or "data", count=1)
    if not path.startswith("$"):
        path = "$"
    return path if len(path) <= MAX_PATH_CHARACTERS else path[: MAX_PATH_CHARACTERS - 3] + "..."


def schema_refusal(error: SchemaMismatchError) -> RequestError:
    """The 400 for a payload the schema refuses: the path and the keyword that failed."""
    where = failing_path(error.name)
    keyword = f" ({error.rule})" if error.rule else ""
    return RequestError(400, INVALID_BODY_MESSAGE, f"payload does not match the schema at {where}{keyword}")


class PayloadSchema:
    """The deployed schema's check, around the generated ``validate``."""

    def __init__(self, validate: Callable[[Any], Any]) -> None:
        self._validate = validate

    @classmethod
    def load(cls, expected_sha256: str) -> "Optional[PayloadSchema]":
        """The asset's validator when the stack set a schema (``expected_sha256``), else None.
        Raises RuntimeError when the asset's validator is missing or for another schema: at import,
        so such a function fails its first cold start instead of storing what it should refuse."""
        if not expected_sha256:
            return None
        try:
            module = import_module(VALIDATOR_MODULE)
        except ImportError:
            raise RuntimeError(
                f"PAYLOAD_SCHEMA_SHA256 is set but the code has no {VALIDATOR_MODULE}"
            ) from None
        found = getattr(module, "SCHEMA_SHA256", "")
        if found != expected_sha256:
            raise RuntimeError(
                f"{VALIDATOR_MODULE} checks schema {found[:12]}, the stack deployed {expected_sha256[:12]}"
            )
        return cls(module.validate)

    def check(self, body: Union[str, bytes], payload: Any) -> None:
        """Raise the 400 unless the payload matches. JSON is checked as parsed with plain numbers
        (JSON Schema's integer is a number without a fraction); text that is not JSON is checked
        as a JSON string; bytes cannot match a schema and are refused."""
        if isinstance(body, bytes):
            raise RequestError(400, INVALID_BODY_MESSAGE, "a binary body cannot match the payload schema")
        self.check_value(payload if isinstance(payload, str) else json.loads(body))

    def check_value(self, value: Any) -> None:
        """Raise the 400 unless this JSON value (as json.loads reads it) matches."""
        try:
            self._validate(value)
        except SchemaMismatchError as error:
            raise schema_refusal(error) from None
        except RecursionError:
            raise RequestError(400, INVALID_BODY_MESSAGE, "payload is nested too deeply to check") from None
