"""POST /data: store the request's payload in the data table, exactly once, never overwriting.

Lambda's entry point (handler.handler), and nothing more: the rules live in the ``ingest``
package. The configuration and the DynamoDB client are built here once per container, at import
(Lambda's init phase), so a function missing its table name fails its first cold start.

Everything the init phase creates (boto3's modules, the client and its service model) lives as
long as the container, so the cyclic garbage collector is paused while it is built and then
stops looking at it (``gc.freeze``): a full collection in the middle of creating the client
cost about 30-40 ms of every cold start here (`make bench`, handler cold import).
"""

import gc
from typing import TYPE_CHECKING, Any, Optional

_collecting = gc.isenabled()
gc.disable()
try:
    import os

    from ingest.service import Service

    SERVICE = Service.from_environment(os.environ)
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

if TYPE_CHECKING:
    from ingest.context import LambdaContext


def handler(event: Any, context: "Optional[LambdaContext]") -> dict[str, Any]:
    return SERVICE.handle(event, context)
