"""Shared fixtures: the app is synthesized once per test session (loading the provider costs seconds)."""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.settings import ENVIRONMENTS, Settings, load
from tests.synth_worker import SynthWorker
from tools.test import PYTEST_PLUGINS

pytest_plugins = PYTEST_PLUGINS

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SynthesizedStack:
    """One stack's cdk.tf.json, with helpers to find what the tests assert on."""

    name: str
    directory: Path
    config: Mapping[str, Any]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return dict(self.config.get("resource", {}).get(kind, {}))

    def resource(self, kind: str, path_suffix: str | None = None) -> dict[str, Any]:
        """The one resource of ``kind`` (whose construct path ends with ``path_suffix``, if given)."""
        found = [
            r
            for r in self.resources(kind).values()
            if path_suffix is None or r["//"]["metadata"]["path"].endswith("/" + path_suffix)
        ]
        assert len(found) == 1, f"expected one {kind} {path_suffix or ''}, found {len(found)}"
        return found[0]

    def ref(self, kind: str, path_suffix: str | None = None) -> str:
        """The Terraform address of a resource, as references to it start: ``aws_x.name``."""
        resource = self.resource(kind, path_suffix)
        return f"{kind}.{resource['//']['metadata']['uniqueId']}"

    def data(self, kind: str) -> dict[str, dict[str, Any]]:
        return dict(self.config.get("data", {}).get(kind, {}))


_worker: SynthWorker | None = None


def synth_worker() -> SynthWorker:
    """The session's one provider-loading process (tests/synth_worker.py), started on first use."""
    global _worker
    if _worker is None:
        _worker = SynthWorker()
    return _worker


def read_stacks(outdir: Path) -> dict[str, SynthesizedStack]:
    stacks = {}
    for directory in sorted((outdir / "cdktf.out" / "stacks").iterdir()):
        config = json.loads((directory / "cdk.tf.json").read_text())
        stacks[directory.name] = SynthesizedStack(directory.name, directory, config)
    return stacks


def synthesize(outdir: Path, all_settings: list[Settings]) -> dict[str, SynthesizedStack]:
    """Synthesize the app for these settings into ``outdir`` (in the synth worker) and load
    every stack."""
    synth_worker().call("tests.synth_worker:synth_app", str(outdir), all_settings)
    return read_stacks(outdir)


EDGE_SETTINGS: dict[str, Any] = {"domain_name": "api.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ"}
"""A custom domain in its Route 53 zone."""
EXISTING_POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab12Cd34E"
VARIANTS: dict[str, Settings] = {
    "eu_region": Settings(environment="staging", region="eu-west-1"),
    "s3_state": Settings(
        environment="staging",
        state_backend="s3",
        state_bucket="example-terraform-state",
        state_region="eu-central-1",
        state_noncurrent_version_days=30,
    ),
    "tuned_function": Settings(
        environment="staging", lambda_memory_mb=512, lambda_timeout_seconds=20, tracing_enabled=False
    ),
    "two_origins": Settings(
        environment="staging", cors_allowed_origins=("https://app.example.com", "https://admin.example.com")
    ),
    "operations": Settings(environment="staging", log_retention_days=30, alert_email="ops@example.com"),
    "adopted_welcome": Settings(environment="staging", adopt_welcome_log_group=True),
    "kept_endpoint": Settings(environment="staging", keep_default_endpoint=True, **EDGE_SETTINGS),
    "cognito_pool": Settings(environment="prod", api_auth="cognito"),
    "cognito_existing_pool": Settings(
        environment="staging", api_auth="cognito", cognito_user_pool_arn=EXISTING_POOL_ARN
    ),
}
"""The settings tests want to see away from their defaults, one concern per variant, each
synthesized on its own (a fixture of the same name)."""


@dataclass(frozen=True)
class Variant:
    settings: Settings
    stacks: dict[str, SynthesizedStack]
    """Every stack of the variant's app (its environment's, the account's, the state's)."""

    @property
    def stack(self) -> SynthesizedStack:
        """The environment's stack."""
        return self.stacks[self.settings.stack_name]


PAYLOAD_SCHEMA_FILE = REPO_ROOT / "examples" / "schemas" / "event.json"
"""The example payload schema (examples/production.toml uses it too)."""
CI_SETTINGS: dict[str, Any] = {
    "state_backend": "s3",
    "state_bucket": "example-terraform-state",
    "github_repository": "example-org/data-api",
}
"""What a team that deploys from GitHub Actions sets: its state in S3, and its repository."""
AUTH_MODES = [
    Settings(environment="dev", api_auth="api_key", api_key_daily_quota=5000, waf="count", **CI_SETTINGS),
    Settings(
        environment="staging",
        api_auth="iam",
        billing_mode="on_demand",
        waf="block",
        payload_schema=str(PAYLOAD_SCHEMA_FILE),
        **EDGE_SETTINGS,
        **CI_SETTINGS,
    ),
]
"""Everything the defaults leave off, all scanned with the rest: the other auth modes, on-demand
billing, the firewall (dev counts, staging blocks), a custom domain and a payload schema
(staging), and deploying from CI (so the app has a CI stack too)."""

EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.toml"))
"""The settings files teams start from: each synthesized and scanned like the rest."""


def example_settings(path: Path) -> list[Settings]:
    return [resolved.settings for resolved in load({"DATA_API_SETTINGS": str(path)})]


SESSION_APPS: dict[str, list[Settings]] = {
    "default": [Settings(environment=e) for e in ENVIRONMENTS],
    "auth": AUTH_MODES,
    **{f"example_{path.stem}": example_settings(path) for path in EXAMPLES},
    **{name: [settings] for name, settings in VARIANTS.items()},
}
"""The apps the session synthesizes once, in this order, as soon as the tests are collected."""
SYNTH_FIXTURES = frozenset({"synthesized", "auth_modes", "ci_app", "examples", "security_gate", *VARIANTS})


SYNTH_CACHE = REPO_ROOT / ".build" / "test-synth"
"""Each session app's synthesized output, kept under a digest of everything its synth reads."""


def code_digest() -> str:
    """A digest of the code and lock `make synth`'s stamp covers (tools/synth.py) and of how
    the worker synthesizes (tests/synth_worker.py): what every session app's synth reads."""
    from tools import synth as stamp

    h = hashlib.sha256()
    stamp.hash_files(h, [*stamp.code_files(REPO_ROOT), REPO_ROOT / "tests" / "synth_worker.py"])
    return h.hexdigest()


def app_digest(settings: list[Settings], env: Mapping[str, str], code: str | None = None) -> str:
    """A digest of everything a session app's synth reads: the code (``code``, a code_digest()
    the caller read once for all its apps, else read now), the app's settings (their payload
    schema files' contents too) and the variables synth reads."""
    from tools import synth as stamp

    h = hashlib.sha256((code or code_digest()).encode())
    stamp.hash_files(h, [Path(s.payload_schema) for s in settings if s.payload_schema])
    h.update(repr(settings).encode() + b"\0")
    stamp.hash_variables(h, env)
    return h.hexdigest()


def _cached_synth(name: str, digest: str, folder: Path) -> Future[Any] | None:
    """The app's output from the cache, copied into ``folder`` (tests may write beside it), when
    nothing its synth reads has changed since it was kept; else None."""
    kept = SYNTH_CACHE / f"{name}-{digest[:24]}"
    if not (kept / "complete").is_file():
        return None
    shutil.copytree(kept / "cdktf.out", folder / "cdktf.out")
    done: Future[Any] = Future()
    done.set_result(None)
    return done


def _kept_synth(name: str, digest: str, folder: Path, synthesized: Future[Any]) -> Future[Any]:
    """``synthesized``, resolved only once its output is kept for the next session (replacing
    this app's older one), so no test writes beside the output while it is copied."""
    kept: Future[Any] = Future()

    def keep(done: Future[Any]) -> None:
        error = done.exception()
        if error is not None:
            kept.set_exception(error)
            return
        try:
            for old in SYNTH_CACHE.glob(f"{name}-*"):
                shutil.rmtree(old, ignore_errors=True)
            partial = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=SYNTH_CACHE))
            shutil.copytree(folder / "cdktf.out", partial / "cdktf.out")
            (partial / "complete").write_text("")
            partial.rename(SYNTH_CACHE / f"{name}-{digest[:24]}")
        except OSError:  # a cache that cannot be written costs the next session a synth, nothing else
            pass
        kept.set_result(done.result())

    synthesized.add_done_callback(keep)
    return kept


class SessionApps:
    """The session's apps, each synthesized in the worker into a folder of its own; the first
    ``stacks()`` of an app waits for its synth.

    An app whose inputs (app_digest) are those of an output kept from an earlier session is
    copied from .build/test-synth instead: a second `make test` with nothing changed synthesizes
    nothing, as `make synth` does (docs/testing.md). Anything the synth reads changes the digest.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._futures = {}
        SYNTH_CACHE.mkdir(parents=True, exist_ok=True)
        code = code_digest()
        for name, settings in SESSION_APPS.items():
            self.folder(name).mkdir(parents=True)
            digest = app_digest(settings, os.environ, code)
            cached = _cached_synth(name, digest, self.folder(name))
            if cached is not None:
                self._futures[name] = cached
                continue
            synthesized = synth_worker().submit(
                "tests.synth_worker:synth_app", str(self.folder(name)), settings
            )
            self._futures[name] = _kept_synth(name, digest, self.folder(name), synthesized)
        self._stacks: dict[str, dict[str, SynthesizedStack]] = {}

    def folder(self, name: str) -> Path:
        return self.root / f"synth-{name}"

    def after(self, name: str, target: str) -> Future[Any]:
        """Call ``target`` ("module:function", given the app's cdktf.out and a scratch folder) in
        a thread of its own as soon as the app ``name`` is synthesized; its result, later."""
        result: Future[Any] = Future()

        def call() -> None:
            try:
                self.stacks(name)
                module_name, _, function_name = target.partition(":")
                function = getattr(importlib.import_module(module_name), function_name)
                scratch = Path(tempfile.mkdtemp(prefix="early-", dir=self.root))
                result.set_result(function(self.folder(name) / "cdktf.out", scratch))
            except BaseException as error:  # the test that asks for the result reports it
                result.set_exception(error)

        self._futures[name].add_done_callback(lambda _: threading.Thread(target=call, daemon=True).start())
        return result

    def stacks(self, name: str) -> dict[str, SynthesizedStack]:
        if name not in self._stacks:
            self._futures[name].result(timeout=900)
            self._stacks[name] = read_stacks(self.folder(name))
        return self._stacks[name]


_apps: SessionApps | None = None
EARLY_JOBS: dict[str, str] = {"tests/deploy/test_cli.py": "tests.deploy.test_cli:cli_runs"}
"""Slow set-up that needs only the default app: it starts in the background as soon as that app
is synthesized, while the tests that need no synth run (the real CLI's two runs, ~4 s)."""
_early: dict[str, Future[Any]] = {}


def early_job(module_path: str) -> Future[Any] | None:
    """The background job a test module's fixture started early, if this run started it."""
    return _early.get(module_path)


def session_apps() -> SessionApps:
    global _apps
    if _apps is None:
        _apps = SessionApps(Path(tempfile.mkdtemp(prefix="data-api-tests-")))
    return _apps


@pytest.fixture(scope="session")
def synthesized() -> dict[str, SynthesizedStack]:
    """Every stack of the app with default settings."""
    return session_apps().stacks("default")


@pytest.fixture(scope="session")
def dev(synthesized: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return synthesized["data-api-dev"]


@pytest.fixture(scope="session")
def prod(synthesized: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return synthesized["data-api-prod"]


@pytest.fixture(scope="session")
def account(synthesized: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return synthesized["data-api-account-us-east-1"]


def variant(name: str) -> Variant:
    return Variant(VARIANTS[name], session_apps().stacks(name))


@pytest.fixture(scope="session")
def eu_region() -> Variant:
    """staging in eu-west-1."""
    return variant("eu_region")


@pytest.fixture(scope="session")
def s3_state() -> Variant:
    """staging keeping its state in S3 (a bucket in eu-central-1)."""
    return variant("s3_state")


@pytest.fixture(scope="session")
def tuned_function() -> Variant:
    """staging with 512 MB, 20 s and no tracing."""
    return variant("tuned_function")


@pytest.fixture(scope="session")
def two_origins() -> Variant:
    """staging answering two CORS origins."""
    return variant("two_origins")


@pytest.fixture(scope="session")
def operations() -> Variant:
    """staging keeping logs 30 days, with an alert email setting."""
    return variant("operations")


@pytest.fixture(scope="session")
def adopted_welcome() -> Variant:
    """staging whose account stack adopts API Gateway's welcome log group."""
    return variant("adopted_welcome")


@pytest.fixture(scope="session")
def cognito_pool() -> Variant:
    """prod with Cognito machine clients: its own user pool, resource server, domain and client."""
    return variant("cognito_pool")


@pytest.fixture(scope="session")
def cognito_existing_pool() -> Variant:
    """staging accepting the tokens of a user pool it does not create."""
    return variant("cognito_existing_pool")


@pytest.fixture(scope="session")
def kept_endpoint() -> Variant:
    """staging on a custom domain that keeps its execute-api endpoint on."""
    return variant("kept_endpoint")


@pytest.fixture(scope="session")
def auth_modes() -> dict[str, SynthesizedStack]:
    """dev with an API key and the firewall counting; staging with IAM auth, on-demand tables, a
    custom domain and the firewall blocking."""
    stacks = session_apps().stacks("auth")
    return {"api_key": stacks["data-api-dev"], "iam": stacks["data-api-staging"]}


@pytest.fixture(scope="session")
def examples() -> dict[str, dict[str, SynthesizedStack]]:
    """Every examples/*.toml, synthesized: file stem -> its stacks."""
    return {path.stem: session_apps().stacks(f"example_{path.stem}") for path in EXAMPLES}


@pytest.fixture(scope="session")
def ci_app() -> dict[str, SynthesizedStack]:
    """Every stack of the app with github_repository set (the auth modes' app): dev and staging,
    their account and state stacks, and the CI stack."""
    return session_apps().stacks("auth")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's DynamoDB as a real HTTP server on loopback, for the whole session."""
    from local.emulator import start_moto_server

    server = start_moto_server()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


SCAN_PYTHON = REPO_ROOT / ".scan" / "bin" / "python"
GATE = REPO_ROOT / "security" / "scan.py"
GATE_TESTS = "tests/scan/test_scan.py::"


SCAN_CACHE = REPO_ROOT / ".build" / "test-scan"
"""The gate's last report, kept under a digest of everything the scanners read."""
SCANNERS = REPO_ROOT / "security" / "requirements.txt"


def scan_digest(jobs: dict[str, list[Path]]) -> str:
    """A digest of what the gate's verdict depends on: the gate (security/scan.py), the pinned
    scanners, and every stack file it scans, by group, folder and relative path (not the
    session's temporary folder)."""
    h = hashlib.sha256()
    for path in (GATE, SCANNERS):
        h.update(path.read_bytes() + b"\0")
    for name, out_dirs in jobs.items():
        for index, out_dir in enumerate(out_dirs):
            for path in sorted(out_dir.rglob("cdk.tf.json")):
                h.update(f"{name}/{index}/{path.relative_to(out_dir).as_posix()}\0".encode())
                h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def complete_verdict(returncode: int | None, groups: Iterable[str], reported: Iterable[str]) -> bool:
    """Whether a gate run ended in a verdict on every group, clean (0) or not (1), and so may be
    kept: never a scanner that failed to run (security/scan.py then exits 1 before any report)."""
    return returncode in (0, 1) and set(groups) <= set(reported)


class GateRuns:
    """Runs of security/scan.py (checkov and parliament, in their own venv) over the session's
    stacks ("clean") and over broken copies of the dev stack ("broken"), one after another in a
    background thread that starts as soon as the default and auth-mode synths are done, so the
    scanners use the second core while the suite goes on.

    When the scanners, the gate and every stack file are those of the last run, its report is
    read back instead of scanning again (the same verdict, byte for byte): a second `make test`
    with nothing changed scans nothing. Any change to them scans again."""

    def __init__(self, apps: SessionApps) -> None:
        self._apps = apps
        self._results: dict[str, subprocess.CompletedProcess[str]] = {}
        self._error: BaseException | None = None
        self._process: subprocess.Popen[str] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _jobs(self) -> dict[str, list[Path]]:
        from tests.scan.gate_cases import write_broken_copies

        default, auth = self._apps.stacks("default"), self._apps.stacks("auth")
        broken = write_broken_copies(default["data-api-dev"].directory, self._apps.root / "broken")
        return {
            "clean": [
                default["data-api-dev"].directory.parent.parent,
                auth["data-api-staging"].directory.parent.parent,
                *(
                    next(iter(self._apps.stacks(f"example_{path.stem}").values())).directory.parent.parent
                    for path in EXAMPLES
                ),
            ],
            "broken": [broken],
        }

    def _run(self) -> None:
        try:
            jobs = self._jobs()
        except BaseException as error:  # a failed synth: the gate's tests report it
            self._error = error
            return
        # One run for both groups, each reported on its own: checkov starts once (seconds of CPU).
        command = [
            str(SCAN_PYTHON),
            str(GATE),
            *(f"{name}={','.join(map(str, out_dirs))}" for name, out_dirs in jobs.items()),
        ]
        kept = SCAN_CACHE / f"{scan_digest(jobs)}.txt"
        try:
            output = kept.read_text()
        except OSError:
            self._process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            output, _ = self._process.communicate()
        reports = re.split(r"^== (\w+): exit (\d+)\n", output, flags=re.MULTILINE)
        for name, code, text in zip(reports[1::3], reports[2::3], reports[3::3], strict=True):
            self._results[name] = subprocess.CompletedProcess(command, int(code), text)
        if self._process is not None and complete_verdict(self._process.returncode, jobs, self._results):
            self._keep(kept, output)
        failed = (self._process.returncode if self._process is not None else None) or 1
        for name in jobs:  # the run failed before a group's report: the whole output says why
            self._results.setdefault(name, subprocess.CompletedProcess(command, failed, output))

    @staticmethod
    def _keep(kept: Path, output: str) -> None:
        """Keep this report as the only one (a cache that cannot be written costs a scan)."""
        try:
            SCAN_CACHE.mkdir(parents=True, exist_ok=True)
            for old in SCAN_CACHE.glob("*.txt"):
                old.unlink()
            partial = kept.with_suffix(".partial")
            partial.write_text(output)
            partial.rename(kept)
        except OSError:
            pass

    def result(self, name: str) -> subprocess.CompletedProcess[str]:
        self._thread.join(timeout=900)
        if self._error is not None:
            raise RuntimeError(f"the session's synth failed: {self._error}")
        return self._results[name]

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()


_gate: GateRuns | None = None


@pytest.fixture(scope="session")
def security_gate() -> GateRuns:
    """The gate's runs, started when the tests were collected (see pytest_collection_modifyitems)."""
    if not SCAN_PYTHON.exists():
        pytest.fail("the scanners are not installed in .scan/: run `make test`, which installs them")
    global _gate
    if _gate is None:
        _gate = GateRuns(session_apps())
    return _gate


def share_sdk_data() -> None:
    """Every botocore session this process creates reads the SDK's data files (endpoints.json,
    each service's model) through one loader, so each file is parsed once per process instead of
    once per session. The data is read-only: botocore already shares it between the clients of
    one session. Measured: the second pytest process (tests/verify, tests/local,
    tests/integration) made 550 loads (1.3 s of CPU) of about 60 files, one set per session:
    each `make verify` run the tests start makes one, moto one per backend (docs/performance.md)."""
    import botocore.loaders
    import botocore.session

    # A loader per search path (AWS_DATA_PATH), as botocore creates one for each session.
    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)


def pytest_configure(config: pytest.Config) -> None:
    """A run of the whole suite (`make test`, `make unit`: the test paths, no -k or -m) starts
    the synth worker's provider load now, before collection (a few seconds, the first run's
    bytecode and assertion rewriting included), rather than when the tests are known. The local
    APIs the tests start are forked from a server that has imported local.api (local/process.py).
    The collector looks less often (local.process.GC_THRESHOLD), and never again at what collection
    built. Every botocore session shares one data loader (share_sdk_data)."""
    from local.process import collect_less_often, use_fork_server

    collect_less_often()
    share_sdk_data()

    use_fork_server()
    option = config.option
    whole_suite = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    if whole_suite and not (option.keyword or option.markexpr or option.collectonly):
        synth_worker().load_framework()


def _needs_synth(item: pytest.Item) -> bool:
    """Whether a test waits for the synth worker: it reads a session app, lives with the stack
    tests, or is marked ``synth`` (it asks the worker itself)."""
    return (
        bool(SYNTH_FIXTURES & set(getattr(item, "fixturenames", ())))
        or item.nodeid.startswith("tests/stacks/")
        or item.get_closest_marker("synth") is not None
    )


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the session's synths (and, with the gate's tests selected, the gate) in the
    background as soon as the tests are known, and run the tests that need them last: the
    rest of the suite runs on the first core meanwhile."""
    if config.option.collectonly or not any(_needs_synth(item) for item in items):
        return
    # The worker loads the provider now, beside the first tests, even when every app comes from
    # the synth cache: the tests that build constructs in it would otherwise wait for the load.
    synth_worker().load_framework()
    session_apps()
    for module_path, target in EARLY_JOBS.items():
        if any(item.nodeid.startswith(module_path) for item in items):
            _early[module_path] = session_apps().after("default", target)
    if SCAN_PYTHON.exists() and any(item.nodeid.startswith(GATE_TESTS) for item in items):
        global _gate
        _gate = GateRuns(session_apps())

    def order(item: pytest.Item) -> int:
        if item.nodeid.startswith(GATE_TESTS):
            return 2
        return 1 if _needs_synth(item) else 0

    items.sort(key=order)


def pytest_collection_finish() -> None:
    gc.freeze()  # the collected modules, tests and fixtures live as long as the session


def pytest_sessionfinish() -> None:
    if _gate is not None:
        _gate.stop()
    if _worker is not None:
        _worker.close()
    if _apps is not None:
        shutil.rmtree(_apps.root, ignore_errors=True)
