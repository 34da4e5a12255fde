"""The fault drill's parts (scripts/fault_drill.py runs them): the processes of a small multi-node site
(stack.py), the clients putting write load on it (client.py), the faults done to it (faults.py), and the verdict
drawn from what the clients were told against the database (verdict.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Drill-Passw0rd!"  # noqa: S105 — a throwaway account on a throwaway database
IMPORT_ROWS = 1200
CLIENT_THREADS = 3  # default; --threads
PAUSE_BETWEEN_CALLS = 0.15  # seconds: bounded load, the drill measures faults, not throughput
WRITE_DEADLINE = 60  # a logical write retried longer than this counts as not acknowledged
BLOCKED = 2.0  # seconds: the bound for a write waiting on another user's import


def log(message: str) -> None:
    print(f"[drill {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
