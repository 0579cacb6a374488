"""Names the stack, the function and the local tools must agree on. No CDKTF import here:
the local API and the tests read this without paying for the provider."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTION_SOURCE_DIR = PROJECT_ROOT / "lambda"
"""The function's code, deployed as-is; resolved from this file so synth works from any cwd."""
HANDLER = "handler.handler"

PARTITION_KEY = "id"
SORT_KEY = "timestamp"
"""The table's key schema: both strings."""


def table_definition(table_name: str, read_capacity: int, write_capacity: int) -> dict[str, object]:
    """CreateTable arguments for a table with the stack's key schema (local runs and tests)."""
    keys = ((PARTITION_KEY, "HASH"), (SORT_KEY, "RANGE"))
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name, _ in keys],
        "ProvisionedThroughput": {"ReadCapacityUnits": read_capacity, "WriteCapacityUnits": write_capacity},
    }


RESOURCE_PATH = "data"
"""The one resource of the API: POST /data (and its CORS preflight)."""

BINARY_MEDIA_TYPES: tuple[str, ...] = (
    "application/octet-stream",
    "application/zip",
    "application/gzip",
    "application/pdf",
    "image/*",
    "audio/*",
    "video/*",
)
"""Content types API Gateway hands the function base64-encoded (bytes stay bytes); every other
type arrives as text."""
