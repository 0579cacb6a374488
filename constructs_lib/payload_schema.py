"""The payload schema file (the setting payload_schema): read and checked at synth, then given to
API Gateway as the POST method's model and to the function as generated validator code.

API Gateway's models are JSON Schema draft 4, so the file is read as draft 4 whatever it says
it is; a file that names another draft is refused rather than read differently.
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
No CDKTF import here: settings validation and make local read it without the provider.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DRAFT4 = "http://json-schema.org/draft-04/schema#"
DRAFT4_NAMES = frozenset({DRAFT4, DRAFT4.rstrip("#"), DRAFT4.replace("http://", "https://")})
GENERATED_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException"
"""The one import of fastjsonschema's generated code; synth points it at the function's classes."""
FUNCTION_IMPORT = (
    "from ingest.schema import SchemaMismatchError as JsonSchemaValueException, "
    "SchemaMismatchesError as JsonSchemaValuesException"
)


class PayloadSchemaError(ValueError):
    """The file cannot be the payload schema; the message says why, in one line."""


@dataclass(frozen=True)
class PayloadSchema:
    """A checked schema file: its exact text (API Gateway's model), what it says, its digest."""

    text: str
    document: dict[str, Any]
    sha256: str

    def mismatch(self, value: Any) -> str | None:
        """Why the schema refuses ``value`` (fastjsonschema's words), or None when it matches:
        make verify's own payloads are checked before they are sent (as json.loads reads them)."""
        import fastjsonschema

        try:
            fastjsonschema.compile({**self.document, "$schema": DRAFT4})(value)
        except fastjsonschema.JsonSchemaValueException as error:
            return str(error.message)
        return None

    def validator_code(self) -> str:
        """The function's ``payload_validator`` module: fastjsonschema's code for this schema
        (read as draft 4), importing only the function's own exception classes."""
        import fastjsonschema

        code: str = fastjsonschema.compile_to_code({**self.document, "$schema": DRAFT4})
        if GENERATED_IMPORT not in code:  # a new fastjsonschema: the function's classes must follow
            raise PayloadSchemaError(f"fastjsonschema {fastjsonschema.VERSION} generates an unknown import")
        return "\n".join(
            (
                f"# Generated at synth from the payload schema {self.sha256} by fastjsonschema "
                f"{fastjsonschema.VERSION}.",
                code.replace(GENERATED_IMPORT, FUNCTION_IMPORT),
                f'SCHEMA_SHA256 = "{self.sha256}"',
                "",
            )
        )


def _references(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def read(path: str | Path) -> PayloadSchema:
    """The schema in ``path``, or PayloadSchemaError saying what is wrong with the file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PayloadSchemaError("no such file") from None
    except OSError as error:
        raise PayloadSchemaError(f"cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8")
        document = json.loads(text)
    except UnicodeDecodeError:
        raise PayloadSchemaError("is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise PayloadSchemaError(
            f"is not JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    if not isinstance(document, dict):
        raise PayloadSchemaError("must hold a JSON object (a JSON Schema), not a " + type(document).__name__)
    named = document.get("$schema", DRAFT4)
    if named not in DRAFT4_NAMES:
        raise PayloadSchemaError(f"names {named!r}; API Gateway models are draft 4 ({DRAFT4})")
    for reference in _references(document):
        # API Gateway resolves a model's $ref only to the API's own models; the function has no
        # network: a reference must point inside the file.
        if not isinstance(reference, str) or not reference.startswith("#"):
            raise PayloadSchemaError(f"$ref {reference!r} points outside the file; only '#/...' is allowed")
    schema = PayloadSchema(text, document, hashlib.sha256(raw).hexdigest())
    try:
        schema.validator_code()
    except PayloadSchemaError:
        raise
    # fastjsonschema says most mistakes with its own error; a bad "pattern" fails in re, and a
    # keyword of the wrong shape can fail in its code generation.
    except (re.error, ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise PayloadSchemaError(f"is not a valid draft-4 schema ({error})") from None
    return schema


def use_validator(schema: PayloadSchema, build_dir: Path) -> None:
    """Make the schema's ``payload_validator`` importable in this process, as the asset makes it
    beside the handler (make local and the tests): written once per schema under ``build_dir``,
    first on sys.path, and any other schema's module forgotten."""
    import sys

    from constructs_lib.contract import FUNCTION_RULES, PAYLOAD_VALIDATOR_FILE

    folder = build_dir / f"payload-validator-{schema.sha256[:16]}"
    target = folder / PAYLOAD_VALIDATOR_FILE
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f".{PAYLOAD_VALIDATOR_FILE}.{os.getpid()}"
        staged.write_text(schema.validator_code())
        staged.replace(target)
    if str(folder) in sys.path:
        sys.path.remove(str(folder))
    sys.path.insert(0, str(folder))
    sys.modules.pop(FUNCTION_RULES.VALIDATOR_MODULE, None)


def problem(path: str) -> str:
    """Why ``path`` cannot be the payload schema, or "" when it can (the setting's check)."""
    try:
        read(path)
    except PayloadSchemaError as error:
        return str(error)
    return ""
