"""The deployed stage's HTTP contract on this machine: API Gateway's part (routing, throttle,
payload limit, CORS preflight, proxy event) around the unchanged lambda/handler.py."""

from __future__ import annotations

import argparse
import base64
import errno
import importlib
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from constructs_lib.contract import (
    BAD_GATEWAY,
    BAD_REQUEST,
    COGNITO_TOKEN_HEADER,
    FORBIDDEN,
    FUNCTION_RULES,
    MISSING_ROUTE,
    OVER_API_GATEWAY_LIMIT,
    PAYLOAD_MODEL_CONTENT_TYPE,
    PROJECT_ROOT,
    RESOURCE_PATH,
    THROTTLED,
    TOO_LARGE,
    UNAUTHORIZED,
    gateway_allowed_origin,
    load_function_module,
    table_definition,
)
from constructs_lib.openapi import DOCUMENT_PATH, document
from constructs_lib.payload_schema import use_validator
from constructs_lib.settings import Settings, SettingsError, load_one
from local import tokens

if TYPE_CHECKING:  # imported at run time only when make local emulates DynamoDB itself
    from local.emulator import MotoServer

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
"""API Gateway's limit on a request payload."""
LAMBDA_INVOCATION_PAYLOAD_BYTES = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's payload: the whole proxy event (headers, context
and the body, base64-encoded for binary types, so 4.5 MB of bytes already fill it), not the body
alone. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"""
LOCAL_ENVIRONMENT = "dev"
"""Whose settings the local API follows (DATA_API_DEV_* and DATA_API_* overrides apply)."""

API_KEY_VARIABLE = "DATA_API_LOCAL_API_KEY"


class TokenBucket:
    """API Gateway's throttle: ``rate`` tokens per second into a bucket of ``burst``."""

    def __init__(self, rate: float, burst: int, clock: Any = time.monotonic) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one token if there is one; False means throttle this request."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False

    @contextmanager
    def held(self) -> Iterator[None]:
        """The bucket full, and no token added back while held: what a burst gets then depends
        on its size alone, never on how fast a (busy) machine sends it. For tests."""
        with self._lock:
            saved, stopped = self._clock, self._clock()
            self._clock = lambda: stopped
            self._tokens, self._last = float(self._burst), stopped
        try:
            yield
        finally:
            with self._lock:
                self._clock, self._last = saved, saved()


def is_binary(content_type: str | None) -> bool:
    """Whether API Gateway would hand this body to the function base64-encoded (the function's
    own rule over the types the stack declares)."""
    return bool(FUNCTION_RULES.is_binary_type(content_type))


def to_event(
    method: str,
    raw_path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    stage: str,
) -> dict[str, Any]:
    """The REST API proxy event (payload format 1.0) API Gateway would send the function."""
    parts = urlsplit(raw_path)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value  # API Gateway keeps the last of repeated headers here
        multi.setdefault(name, []).append(value)
    query = parse_qsl(parts.query, keep_blank_values=True)
    single_query = dict(query)
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        multi_query.setdefault(name, []).append(value)
    lowered = {k.lower(): v for k, v in single.items()}
    binary = is_binary(lowered.get("content-type"))
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    return {
        "resource": f"/{RESOURCE_PATH}",
        "path": parts.path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": f"/{RESOURCE_PATH}",
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{stage}{parts.path}",
            "accountId": "000000000000",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "localhost",
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {"sourceIp": source_ip, "userAgent": lowered.get("user-agent")},
            "domainName": "localhost",
            "apiId": "local",
        },
        "body": (base64.b64encode(body).decode() if binary else body.decode("utf-8", "replace"))
        if body
        else None,
        "isBase64Encoded": binary and bool(body),
    }


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def from_response(response: Any, cors: Mapping[str, str]) -> HttpAnswer:
    """The HTTP answer for the function's proxy response; API Gateway's 502 if it is malformed."""
    try:
        status = int(response["statusCode"])
        headers = [(str(k), str(v)) for k, v in (response.get("headers") or {}).items()]
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers.extend((str(name), str(v)) for v in values)
        body = response.get("body") or ""
        payload = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode()
        if not 100 <= status <= 599:
            raise ValueError(status)
        return HttpAnswer(status, headers, payload)
    except (KeyError, TypeError, ValueError, AttributeError):
        return gateway_answer(BAD_GATEWAY, cors)


def gateway_answer(answer: tuple[int, dict[str, str]], cors: Mapping[str, str]) -> HttpAnswer:
    """One of API Gateway's own responses, with the CORS headers its gateway responses carry."""
    status, body = answer
    headers = [("Content-Type", "application/json"), *cors.items()]
    return HttpAnswer(status, headers, json.dumps(body).encode())


class _Context:
    """The parts of a Lambda context object a handler may read."""

    function_name = "data-api-local-ingest"
    memory_limit_in_mb = 256

    def __init__(self, request_id: str, timeout_seconds: int) -> None:
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_function(environment: Mapping[str, str]) -> ModuleType:
    """lambda/handler.py, unchanged, imported with the environment the stack gives it."""
    os.environ.update(environment)
    return load_function_module("handler", "handler")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 resets connections under a burst


class LocalApi:
    """The API on ``host:port`` in front of DynamoDB at ``dynamodb_endpoint`` (moto when None)."""

    def __init__(
        self,
        settings: Settings,
        host: str,
        port: int,
        dynamodb_endpoint: str | None,
        api_key: str | None = None,
    ) -> None:
        self.settings = settings
        # api_auth=api_key: the key POST /data requires (x-api-key), as the usage plan would.
        self.api_key = (api_key or secrets.token_urlsafe(24)) if settings.auth.api_key_required else None
        # api_auth=cognito: the key local tokens are signed with (make local-token mints them).
        try:
            self.token_key = tokens.signing_key() if settings.api_auth == "cognito" else None
        except tokens.KeyFileError as error:
            raise StartError(str(error)) from None
        self.table_name = settings.resource_name("data")
        self.idempotency_table_name = settings.resource_name("idempotency")
        self._moto: MotoServer | None = None
        # The port first: a port in use is said at once, before moto is imported and started.
        try:
            self._server = _Server((host, port), self._request_handler())
        except OSError as error:
            reason = (
                "the port is in use: set PORT to a free one"
                if error.errno == errno.EADDRINUSE
                else error.strerror
            )
            raise StartError(f"cannot listen on {host}:{port}: {reason}") from None
        try:
            self._connect(dynamodb_endpoint)
        except BaseException:
            self._server.server_close()
            self.stop_emulator()
            raise
        self._thread: threading.Thread | None = None

    def _connect(self, dynamodb_endpoint: str | None) -> None:
        """DynamoDB (moto in memory when ``dynamodb_endpoint`` is None), its two tables, and the
        function in front of them."""
        settings = self.settings
        if dynamodb_endpoint is None:
            from local.emulator import start_moto_server

            # moto needs credentials to sign with; they never leave this machine.
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                os.environ.setdefault(name, "local")
            self._moto = start_moto_server()
            moto_host, moto_port = self._moto.get_host_and_port()
            dynamodb_endpoint = f"http://{moto_host}:{moto_port}"
        self.dynamodb_endpoint = dynamodb_endpoint
        os.environ.setdefault("AWS_DEFAULT_REGION", settings.region)
        self.table_created = ensure_table(dynamodb_endpoint, self.table_name, settings)
        ensure_table(dynamodb_endpoint, self.idempotency_table_name, settings, idempotency=True)
        schema = settings.schema
        if schema is not None:  # the validator the asset ships beside the handler
            use_validator(schema, PROJECT_ROOT / ".build")
        self._function = load_function(
            {
                "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
                **settings.function_variables(self.table_name, self.idempotency_table_name),
            }
        )
        # The request error class of the function as loaded (its package, imported by bare name).
        self._request_error: type[Any] = importlib.import_module("ingest.errors").RequestError
        # The function's own CORS definition, which the stack also uses for the preflight.
        self.origins = settings.cors_origins
        # API Gateway's own answers carry what static gateway responses can (contract).
        self.cors: dict[str, str] = FUNCTION_RULES.cors_headers(gateway_allowed_origin(self.origins))
        # Per method, like the stage's method settings ("*/*"): POST and OPTIONS each get a bucket.
        self.buckets = {
            method: TokenBucket(settings.throttle_rate_limit, settings.throttle_burst_limit)
            for method in ("POST", "OPTIONS")
        }

    @property
    def uses_moto(self) -> bool:
        return self._moto is not None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(
        self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, ip: str
    ) -> HttpAnswer:
        """What the stage answers to one request (the HTTP server only moves bytes)."""
        path = urlsplit(raw_path).path
        if method == "GET" and path == DOCUMENT_PATH:  # make local only: the API's description
            body = json.dumps(document()).encode()
            return HttpAnswer(200, [("Content-Type", "application/json"), *self.cors.items()], body)
        if path.rstrip("/") != f"/{RESOURCE_PATH}" or method not in ("POST", "OPTIONS"):
            return gateway_answer(MISSING_ROUTE, self.cors)
        if not self.buckets[method].take():
            return gateway_answer(THROTTLED, self.cors)
        if method == "OPTIONS":  # the stage's MOCK integration: CORS headers, empty body
            # The allowed origin per request, as the preflight's template does it.
            origin = next((v for k, v in headers if k.lower() == "origin"), None)
            cors = FUNCTION_RULES.cors_headers(FUNCTION_RULES.allowed_origin(self.origins, origin))
            return HttpAnswer(200, [("Content-Type", "application/json"), *cors.items()], b"")
        if self.api_key is not None:
            sent = [v for k, v in headers if k.lower() == "x-api-key"]
            if sent[-1:] != [self.api_key]:
                return gateway_answer(FORBIDDEN, self.cors)
        claims = None
        if self.token_key is not None:  # api_auth=cognito: the authorizer's check
            token = next((v for k, v in headers if k.lower() == COGNITO_TOKEN_HEADER.lower()), None)
            try:
                claims = tokens.check(
                    token, self.token_key, self.settings.region, self.settings.cognito_write_scope
                )
            except tokens.TokenRefusedError as error:
                print(f"POST /{RESOURCE_PATH}: 401, the token is {error}", flush=True)
                return gateway_answer(UNAUTHORIZED, self.cors)
        event = to_event(method, raw_path, headers, body, ip, self.settings.environment)
        if claims is not None:
            event["requestContext"]["authorizer"] = {"claims": claims}
        refusal = self._model_refusal(headers, body, event["requestContext"]["requestId"])
        if refusal is not None:
            return refusal
        if len(json.dumps(event).encode()) > LAMBDA_INVOCATION_PAYLOAD_BYTES:
            return gateway_answer(TOO_LARGE, self.cors)
        context = _Context(event["requestContext"]["requestId"], self.settings.lambda_timeout_seconds)
        try:
            response = self._function.handler(event, context)
        except Exception:  # an escaped exception is API Gateway's 502, and harms no other request
            return gateway_answer(BAD_GATEWAY, self.cors)
        return from_response(response, self.cors)

    def _model_refusal(
        self, headers: list[tuple[str, str]], body: bytes, request_id: str
    ) -> HttpAnswer | None:
        """API Gateway's request validator, with a payload schema: an application/json body that
        is not JSON, or does not match the model, is refused before the function runs (400,
        BAD_REQUEST_BODY in the stage's template). The stage's own validator words its error its
        way; make local says what the function would say (the same schema, the same code)."""
        schema = self._function.SERVICE.schema
        content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
        if schema is None or FUNCTION_RULES.media_type(content_type) != PAYLOAD_MODEL_CONTENT_TYPE:
            return None
        try:
            schema.check_value(json.loads(body.decode("utf-8")))
            return None
        except self._request_error as error:  # the refusal the function's check raised
            detail = error.detail or error.message
        except ValueError:
            detail = "body is not JSON"
        answer = {"message": FUNCTION_RULES.INVALID_BODY_MESSAGE, "error": detail, "request_id": request_id}
        return HttpAnswer(
            400, [("Content-Type", "application/json"), *self.cors.items()], json.dumps(answer).encode()
        )

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def version_string(self) -> str:
                return "data-api-local"  # no Python or library version banner

            def _serve(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if length < 0:
                    self.close_connection = True
                    self._send(gateway_answer(BAD_REQUEST, api.cors))
                    return
                if length > MAX_PAYLOAD_BYTES:
                    # Read and drop it (never held in memory), so the client sees the answer
                    # rather than a reset connection mid-upload.
                    while length > 0:
                        length -= len(self.rfile.read(min(length, 1 << 16)) or b"x" * length)
                    self._send(HttpAnswer(413, [("Content-Type", "text/plain")], OVER_API_GATEWAY_LIMIT))
                    return
                body = self.rfile.read(length) if length else b""
                self._send(
                    api.answer(
                        self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                    )
                )

            def _send(self, answer: HttpAnswer) -> None:
                self.send_response(answer.status)
                for name, value in answer.headers:
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if self.command != "HEAD":  # a HEAD answer has the headers of a GET, no body
                    self.wfile.write(answer.body)

            def __getattr__(self, name: str) -> Any:
                # Every method, TRACE and ones no RFC names included, reaches the stage's routing
                # (API Gateway answers 403 Missing Authentication Token, in JSON), never
                # http.server's HTML "501 Unsupported method".
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                # A request http.server cannot parse (bad request line, oversized headers): JSON
                # with the CORS headers, like every answer of the stage, never an HTML page.
                self.close_connection = True
                status = code if code in (400, 414, 431) else 400
                body = json.dumps({"message": "Bad Request"}).encode()
                self._send(
                    HttpAnswer(status, [("Content-Type", "application/json"), *api.cors.items()], body)
                )

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the function logs each request; the stage's access log is not emulated

        return Handler

    @contextmanager
    def held_throttle(self) -> Iterator[None]:
        """Every method's bucket held full and still (TokenBucket.held), for a burst under test."""
        with ExitStack() as stack:
            for bucket in self.buckets.values():
                stack.enter_context(bucket.held())
            yield

    def start(self) -> None:
        # A short poll: stop() waits for the serving loop to notice, up to one interval.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="local-api", daemon=True
        )
        self._thread.start()

    def stop(self, emulator: bool = True) -> None:
        """Stop serving, and the in-memory emulator too unless the process is about to exit
        anyway."""
        self._server.shutdown()
        self._server.server_close()
        if emulator:
            self.stop_emulator()

    def stop_emulator(self) -> None:
        if self._moto is not None:
            self._moto.stop()
            self._moto = None


class StartError(Exception):
    """The local API cannot start; the message says why and what to do, in one line."""


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal")


def is_local_endpoint(endpoint: str) -> bool:
    host = (urlsplit(endpoint).hostname or "").lower()
    return host in LOCAL_HOSTS or host.startswith("127.") or host.endswith(".localhost")


def use_local_credentials(endpoint: str, env: MutableMapping[str, str]) -> None:
    """A local DynamoDB (DynamoDB Local, moto, dynalite) takes any credentials: with none
    configured, use dummy ones rather than let the SDK look for instance metadata."""
    import boto3

    if not is_local_endpoint(endpoint):
        return
    env.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    if boto3.Session().get_credentials() is None:
        env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = "local"


DYNAMODB_TIMEOUT_VARIABLE = "DATA_API_LOCAL_DYNAMODB_TIMEOUT_SECONDS"
DEFAULT_DYNAMODB_READ_TIMEOUT_SECONDS = 5.0


def dynamodb_read_timeout(env: Mapping[str, str]) -> float:
    """How long start-up waits for a DynamoDB endpoint's answer: 5 s, or the variable's seconds."""
    raw = env.get(DYNAMODB_TIMEOUT_VARIABLE, "")
    try:
        seconds = float(raw) if raw else DEFAULT_DYNAMODB_READ_TIMEOUT_SECONDS
    except ValueError:
        raise StartError(f"{DYNAMODB_TIMEOUT_VARIABLE}={raw!r} is not a number of seconds") from None
    if not 0 < seconds <= 300:
        raise StartError(f"{DYNAMODB_TIMEOUT_VARIABLE}={raw!r} must be more than 0 and at most 300 seconds")
    return seconds


def ensure_table(endpoint: str, table_name: str, settings: Settings, idempotency: bool = False) -> bool:
    """Create the table (the stack's key schema) at the endpoint unless it exists; True if created."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=os.environ["AWS_DEFAULT_REGION"],
        config=Config(
            connect_timeout=2,
            read_timeout=dynamodb_read_timeout(os.environ),
            retries={"total_max_attempts": 1},
        ),
    )
    try:
        if table_name in client.list_tables().get("TableNames", []):
            return False
        client.create_table(
            **table_definition(
                table_name, settings.read_capacity, settings.write_capacity, idempotency=idempotency
            )
        )
        client.get_waiter("table_exists").wait(TableName=table_name)
    except NoCredentialsError:
        raise StartError(f"no AWS credentials for the DynamoDB endpoint {endpoint}: configure them") from None
    except (BotoCoreError, ClientError) as error:
        raise StartError(f"the DynamoDB endpoint {endpoint} did not answer as DynamoDB: {error}") from None
    return True


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C, or a supervisor's stop (local/process.py's stop() sends SIGTERM)."""


def _ignore(signal_number: int, frame: object) -> None:
    """The stop signals' Python-level handler: nothing to do (StopSignals reads their byte)."""


class StopSignals:
    """From its creation on, a stop signal no longer ends this process at once: Python's own
    C-level handler writes its number to a socket the moment it arrives, wherever the main
    thread is (signal.set_wakeup_fd: https://docs.python.org/3/library/signal.html#signal.set_wakeup_fd),
    and wait() reads it; the Python-level handlers do nothing. A handler that set a
    threading.Event instead could hang the process for good: handlers run in the main thread,
    which may then hold that Event's own lock inside Event.wait()
    (https://github.com/python/cpython/issues/126434, the same with multiprocessing's Event).
    Create it in the main thread, before anything that a stop should interrupt."""

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        signal.set_wakeup_fd(self._writer.fileno())
        for signal_number in STOP_SIGNALS:
            signal.signal(signal_number, _ignore)

    def wait(self) -> int:
        """Block until a stop signal arrives (or has arrived since the creation); its number."""
        while (signal_number := self._reader.recv(1)[0]) not in STOP_SIGNALS:
            pass  # another signal with a Python handler: not a stop
        return signal_number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    arguments = parser.parse_args(argv)
    try:
        settings = load_one(LOCAL_ENVIRONMENT, os.environ)
    except SettingsError as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or None
    try:
        if endpoint is not None:
            use_local_credentials(endpoint, os.environ)
        api = LocalApi(
            settings, arguments.host, arguments.port, endpoint, os.environ.get(API_KEY_VARIABLE) or None
        )
    except StartError as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    stop = StopSignals()
    api.start()
    where = "moto, in memory" if api.uses_moto else ("created" if api.table_created else "existing")
    print(f"data-api local API: {api.url}/{RESOURCE_PATH}", flush=True)
    print(f"DynamoDB: {api.dynamodb_endpoint} table {api.table_name} ({where})", flush=True)
    if api.api_key is not None:
        print(
            f"API key (send it as x-api-key; set {API_KEY_VARIABLE} to choose it): {api.api_key}", flush=True
        )
    if api.token_key is not None:
        print(
            f"api_auth=cognito: send an access token with the scope {settings.cognito_write_scope} in the "
            f"{COGNITO_TOKEN_HEADER} header; mint one with: make local-token",
            flush=True,
        )
    if settings.auth.local_note:
        print(settings.auth.local_note, flush=True)
    print("Ctrl-C stops it.", flush=True)
    stop.wait()
    api.stop(emulator=False)  # its in-memory table ends with this process
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
