"""The one error a request can cause by itself: what it did wrong, safe to show the client."""


class RequestError(Exception):
    """The request cannot be stored; ``status`` and ``message`` are safe to show the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> RequestError:
    return RequestError(400, message)
