"""Django's PostgreSQL backend, retrying a refused connection for a few seconds.

A PostgreSQL restart (a minor upgrade, a fail-over, `systemctl restart`) refuses connections for a second or
two. Django then fails every request that needs a new connection in that window. Opening a connection is
safe to retry — nothing has been sent yet — so a new connection is retried with a short back-off for up to
`CONNECT_RETRY_SECONDS` (the DATABASES entry, from DATABASE_CONNECT_RETRY_SECONDS); requests arriving during
the restart wait instead of failing. Connections kept between requests are checked before reuse
(CONN_HEALTH_CHECKS), so one killed by the restart is replaced rather than failing the next request.
A statement that was already running when the server went away is not retried: it fails, and its
transaction is rolled back (idempotency keys make the client's retry safe).
"""

from __future__ import annotations

import contextlib
import time

from django.db.backends.postgresql import base


def _transient(exc) -> bool:
    """Worth waiting for: no server answering (no SQLSTATE), one starting up or shutting down (57P…), or a
    connection failure (08…). A wrong password or a missing database is reported at once."""
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith(("57P", "08"))


class DatabaseWrapper(base.DatabaseWrapper):
    _retry_off = False

    @contextlib.contextmanager
    def no_connect_retry(self):
        """Fail at once (health probes must report an outage, not sit it out)."""
        self._retry_off = True
        try:
            yield
        finally:
            self._retry_off = False

    def get_new_connection(self, conn_params):
        budget = 0.0 if self._retry_off else float(self.settings_dict.get("CONNECT_RETRY_SECONDS", 0) or 0)
        deadline = time.monotonic() + budget
        pause = 0.1
        while True:
            try:
                return super().get_new_connection(conn_params)
            except base.Database.OperationalError as exc:
                if not _transient(exc) or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
