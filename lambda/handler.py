"""POST /data: store the request body in the data table (minimal; the full contract follows)."""

import json
import os
import uuid
from datetime import datetime, timezone
from typing import Any

import boto3

TABLE_NAME = os.environ["TABLE_NAME"]
STAGE = os.environ.get("STAGE", "dev")
_table = boto3.resource("dynamodb").Table(TABLE_NAME)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    item = {
        "id": str(uuid.uuid4()),
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "stage": STAGE,
        "data": event.get("body") or "",
    }
    _table.put_item(Item=item)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
        "body": json.dumps({"id": item["id"], "timestamp": item["timestamp"], "message": "stored"}),
    }
