"""A real browser against make local with two CORS origins listed: headless Chromium (Debian's
package) loads a page from each of two allowed origins and from one that is not listed, and each
page POSTs to /data with fetch(). The allowed pages read the answer; the browser withholds it
from the refused one. `make browser-check` runs this; `make test` runs it where Chromium is
installed and says why it skips otherwise.

It shows what a browser does with make local's headers; the deployed stage answers with the same
headers (tests/stacks, make verify), but its own mapping template is not exercised here.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from local.process import local_api

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"
    ),
]
# The probe's flags for this machine's closed network, and a profile of its own each run.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=10000",
    "--dump-dom",
)
PAGE = """<!doctype html><html><body><p id="result">pending</p><script>
fetch("{api}/data", {{method: "POST", headers: {{"Content-Type": "application/json"}},
  body: JSON.stringify({{from: location.origin}})}})
  .then(r => r.json().then(b => {{ document.getElementById("result").textContent =
    "status " + r.status + " " + (b.message || ""); }}))
  .catch(e => {{ document.getElementById("result").textContent = "refused " + e.name; }});
</script></body></html>"""


class Page(ThreadingHTTPServer):
    """One origin: a loopback server that serves ``html`` (set once the API's URL is known)."""

    def __init__(self) -> None:
        self.html = ""
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = page.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture(scope="module")
def origins() -> Iterator[dict[str, str]]:
    """Three origins serving the page: two listed (localhost, two ports), one not (127.0.0.1)."""
    servers = {name: Page() for name in ("allowed-1", "allowed-2", "refused")}
    urls = {
        "allowed-1": f"http://localhost:{servers['allowed-1'].port}",
        "allowed-2": f"http://localhost:{servers['allowed-2'].port}",
        "refused": f"http://127.0.0.1:{servers['refused'].port}",
    }
    listed = f"{urls['allowed-1']},{urls['allowed-2']}"
    try:
        with local_api(settings_env={"DATA_API_CORS_ALLOWED_ORIGINS": listed}) as api:
            for server in servers.values():
                server.html = PAGE.format(api=api.base_url)
            yield urls
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()


def visit(url: str) -> str:
    """The page's DOM once its script has run."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", url],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    return done.stdout


@pytest.mark.parametrize("origin", ["allowed-1", "allowed-2"])
def test_a_page_on_a_listed_origin_reads_the_answer(origins: dict[str, str], origin: str) -> None:
    dom = visit(f"{origins[origin]}/")
    assert '<p id="result">status 200 stored</p>' in dom, dom[-500:]


def test_a_page_on_an_unlisted_origin_is_refused_the_answer(origins: dict[str, str]) -> None:
    dom = visit(f"{origins['refused']}/")
    assert '<p id="result">refused TypeError</p>' in dom, dom[-500:]
