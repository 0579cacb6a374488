"""The retry budget: how long one DynamoDB attempt may take, how many there are, how long to
wait between them, and when no attempt fits before the function's deadline any more."""

import math

CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
ATTEMPT_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
"""The longest one DynamoDB attempt can take before the SDK gives up on it."""
MAX_ATTEMPTS = 3
ANSWER_MARGIN_SECONDS = 0.5
"""Time kept back from the function's deadline to log and answer: a function that runs out
reaches the client as API Gateway's 502, never as our 503."""
MIN_FUNCTION_TIMEOUT_SECONDS = math.ceil(ATTEMPT_SECONDS + ANSWER_MARGIN_SECONDS)
"""The shortest function timeout that leaves room for one whole attempt (synth refuses less)."""
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0
RETRY_AFTER_SECONDS = 1
"""What a 409 or 503 answer tells the client to wait (Retry-After)."""


def backoff_seconds(retry: int, jitter: float) -> float:
    """How long to wait before retry number ``retry`` (1, 2, ...): full jitter, ``jitter`` in [0, 1)."""
    return jitter * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * float(2**retry))


def may_attempt(remaining_seconds: float, wait_seconds: float = 0.0) -> bool:
    """Whether one more DynamoDB attempt, after waiting ``wait_seconds``, still ends with time
    to answer before the function's deadline."""
    return remaining_seconds - wait_seconds >= ATTEMPT_SECONDS + ANSWER_MARGIN_SECONDS
