"""What the test suite's fork server builds once, before it forks any local API
(local/process.py, use_fork_server): importing this module builds it, so that each forked API
finds it built instead of building it on its first DynamoDB request (about 0.07 s of CPU each).
The forked APIs' collector looks every GC_THRESHOLD allocations (local/process.py; Python's
default: 700) and never at what the server built: `pytest tests/local tests/integration`, three
pairs, ran in 12.5 s on average against 13.1 s with the defaults (docs/performance.md)."""

from __future__ import annotations

import gc

from local.emulator import warm_up
from local.process import collect_less_often

warm_up()
collect_less_often()
gc.freeze()
