"""The one error a request can cause by itself: what it did wrong, safe to show the client."""

from typing import Optional


class RequestError(Exception):
    """The request cannot be stored; ``status``, ``message`` and ``detail`` (what exactly, when
    there is more to say) are safe to show the client."""

    def __init__(self, status: int, message: str, detail: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail


def bad_request(message: str) -> RequestError:
    return RequestError(400, message)
