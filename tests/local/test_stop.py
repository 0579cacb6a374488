"""The local API stops on Ctrl-C or SIGTERM whenever the signal arrives (local/api.py, StopSignals).

Its handlers used to set a threading.Event the main thread waited on. A handler runs in the main
thread: a signal landing while that thread held the Event's own lock, inside Event.wait(), hung
the process for good, and no later SIGTERM could end it (reproduced by sending the signal from a
profile hook as Event.wait called Condition.wait). So it went once in a bench run: a test's stop
of a local API timed out after 30 s, and py-spy showed the API's main thread in Event.set, called
by the handler from inside Condition.wait. That timing cannot be arranged from a test of the new
code; these check what rules it out instead (the handlers do nothing, and a signal's byte reaches
the wait however early it came), in a process of their own: a handler and a wakeup socket in
pytest's own process would swallow its Ctrl-C.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from tests.conftest import REPO_ROOT

SCENARIOS = """
import json, os, signal, sys
sys.path.insert(0, sys.argv[1])
import local.api
from local.api import StopSignals

seen = {}
stop = StopSignals()
seen["handlers do nothing"] = [
    signal.getsignal(number) is local.api._ignore for number in (signal.SIGINT, signal.SIGTERM)
]
os.kill(os.getpid(), signal.SIGTERM)  # before the wait: its byte waits for it
seen["sent before the wait"] = stop.wait()

stop = StopSignals()
os.kill(os.getpid(), signal.SIGINT)
seen["ctrl-c"] = stop.wait()

stop = StopSignals()
signal.signal(signal.SIGUSR1, lambda *_: None)  # a handled signal that is not a stop
os.kill(os.getpid(), signal.SIGUSR1)
os.kill(os.getpid(), signal.SIGTERM)
seen["another signal first"] = stop.wait()
print(json.dumps(seen))
"""


def test_a_stop_signal_is_read_by_the_wait_whenever_it_came_and_the_handlers_do_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCENARIOS, str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=60,  # a process that hangs in its wait never ends: this bounds the test, not a speed
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "handlers do nothing": [True, True],
        "sent before the wait": signal.SIGTERM,
        "ctrl-c": signal.SIGINT,
        "another signal first": signal.SIGTERM,
    }
