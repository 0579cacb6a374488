"""POST /data: store the request's payload in the data table, exactly once, never overwriting.

Lambda's entry point (handler.handler), and nothing more: the rules live in the ``ingest``
package. The configuration and the DynamoDB client are built here once per container, at import
(Lambda's init phase), so a function missing its table name fails its first cold start.
"""

import os
from typing import Any, Optional

from ingest.context import LambdaContext
from ingest.service import Service

SERVICE = Service.from_environment(os.environ)


def handler(event: Any, context: Optional[LambdaContext]) -> dict[str, Any]:
    return SERVICE.handle(event, context)
