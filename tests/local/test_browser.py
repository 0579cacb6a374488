"""A real browser against make local with two CORS origins listed: headless Chromium (Debian's
package) loads one page that frames a page from each of two allowed origins and from one that is
not listed, and each framed page POSTs to /data with fetch() from its own origin and tells the
host page what it could read. The allowed pages read the answer; the browser withholds it from
the refused one. `make browser-check` runs this; `make test` runs it where Chromium is
installed and says why it skips otherwise.

It shows what a browser does with make local's headers; the deployed stage answers with the same
headers (tests/stacks, make verify), but its own mapping template is not exercised here.
"""

from __future__ import annotations

import json
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
PAGE = """<!doctype html><html><body><script>
const said = text => parent.postMessage({{origin: location.origin, text: text}}, "*");
fetch("{api}/data", {{method: "POST", headers: {{"Content-Type": "application/json"}},
  body: JSON.stringify({{from: location.origin}})}})
  .then(r => r.json().then(b => said("status " + r.status + " " + (b.message || ""))))
  .catch(e => said("refused " + e.name));
</script></body></html>"""
"""What each origin serves: its POST, and what the page could read of the answer, told to the
page that frames it."""
HOST = """<!doctype html><html><body><script>
const names = {names};
addEventListener("message", event => {{
  const line = document.createElement("p");
  line.id = names[event.origin];
  line.textContent = event.data.text;
  document.body.appendChild(line);
}});
</script>{frames}</body></html>"""
"""The one page the browser loads: the three origins' pages in frames, each answer written down
under its origin's name (one Chromium start instead of one per origin)."""


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
def dom() -> Iterator[str]:
    """Three origins serving the page, two listed (localhost, two ports) and one not
    (127.0.0.1), framed by a fourth; the host page's DOM once every frame has answered."""
    servers = {name: Page() for name in ("allowed-1", "allowed-2", "refused", "host")}
    urls = {
        "allowed-1": f"http://localhost:{servers['allowed-1'].port}",
        "allowed-2": f"http://localhost:{servers['allowed-2'].port}",
        "refused": f"http://127.0.0.1:{servers['refused'].port}",
    }
    listed = f"{urls['allowed-1']},{urls['allowed-2']}"
    try:
        with local_api(settings_env={"DATA_API_CORS_ALLOWED_ORIGINS": listed}) as api:
            for name in urls:
                servers[name].html = PAGE.format(api=api.base_url)
            servers["host"].html = HOST.format(
                names=json.dumps({url: name for name, url in urls.items()}),
                frames="".join(f'<iframe src="{url}/"></iframe>' for url in urls.values()),
            )
            yield visit(f"http://localhost:{servers['host'].port}/")
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()


def visit(url: str) -> str:
    """The page's DOM once its scripts (and its frames') have run."""
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
def test_a_page_on_a_listed_origin_reads_the_answer(dom: str, origin: str) -> None:
    assert f'<p id="{origin}">status 200 stored</p>' in dom, dom[-800:]


def test_a_page_on_an_unlisted_origin_is_refused_the_answer(dom: str) -> None:
    assert '<p id="refused">refused TypeError</p>' in dom, dom[-800:]
