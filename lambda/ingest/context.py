"""The parts of Lambda's context object the function reads, typed."""

import math
from typing import Callable, Optional, Protocol


class LambdaContext(Protocol):
    """What the function reads of Lambda's context: the request id and the time left.
    https://docs.aws.amazon.com/lambda/latest/dg/python-context.html"""

    aws_request_id: str

    def get_remaining_time_in_millis(self) -> int: ...


def remaining_seconds(context: Optional[LambdaContext]) -> Callable[[], float]:
    """The function's time left, from its context (Lambda's own clock); unbounded without one."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: math.inf
    return lambda: float(remaining()) / 1000
