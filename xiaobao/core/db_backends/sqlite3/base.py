"""Django's SQLite backend, where a background bulk writer (an import) steps aside for users' writes.

SQLite has one write lock and no queue for it: a writer that finds it taken polls, sleeping up to 100 ms
between tries. An import that commits a batch and begins the next one wins that race nearly every time, so
other users' writes wait behind batch after batch, and even a short sleep between batches only halves it.

So the writers queue in the kernel instead, on an advisory lock (flock) on a file beside the database:
- every write transaction (BEGIN IMMEDIATE, i.e. every `atomic` block) holds it SHARED from before it asks
  for SQLite's lock until it commits or rolls back — "someone is writing or waiting to";
- a background writer runs each batch inside `background_batch()`, which takes it EXCLUSIVE: only when no user
  transaction is writing or waiting (polled every few ms, at most BACKGROUND_DEFER_SECONDS so an import under
  endless load still moves), and a user's write that arrives meanwhile blocks in the kernel and is woken the
  moment the batch commits, rather than polling behind the next one.
- a user's write that finds a batch running says so, holding a second advisory lock (`<db>.writers.waiting`)
  SHARED while it waits; the batch looks at it between rows (`users_waiting()`) and ends at the next row, so
  the user waits for the row under way, never for the rest of a batch.
Writes outside a transaction (one autocommit statement) do not take part; they are single statements.
An in-memory database (the test suite's) has no file to lock: there every transaction goes as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time

from django.db.backends.sqlite3 import base

#: how long a background batch waits for users' writes to drain before it goes anyway
BACKGROUND_DEFER_SECONDS = 2.0
POLL_SECONDS = 0.005


class DatabaseWrapper(base.DatabaseWrapper):
    _gate_fd: int | None = None
    _waiting_fd: int | None = None
    _gate_shared = False
    _gate_exclusive = False

    # --- the gate file ---------------------------------------------------------------------------------

    def _gate(self) -> int | None:
        if self._gate_fd is None and not self.is_in_memory_db():
            self._gate_fd = os.open(f"{self.settings_dict['NAME']}.writers", os.O_RDWR | os.O_CREAT, 0o600)
        return self._gate_fd

    def _waiting(self) -> int:
        if self._waiting_fd is None:
            self._waiting_fd = os.open(f"{self.settings_dict['NAME']}.writers.waiting", os.O_RDWR | os.O_CREAT, 0o600)
        return self._waiting_fd

    def _release_shared(self) -> None:
        if self._gate_shared:
            self._gate_shared = False
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)

    # --- every write transaction -----------------------------------------------------------------------

    def _start_transaction_under_autocommit(self):
        fd = self._gate()
        if fd is not None and not self._gate_exclusive:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:  # a background batch runs: say so (it ends at its next row), then queue
                waiting = self._waiting()
                fcntl.flock(waiting, fcntl.LOCK_SH)  # only ever held EXCLUSIVE for a non-blocking look
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH)  # woken when the batch commits
                finally:
                    fcntl.flock(waiting, fcntl.LOCK_UN)
            self._gate_shared = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_shared()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_shared()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_shared()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_shared()

    def close(self):
        super().close()
        if self._gate_fd is not None and self.connection is None:
            os.close(self._gate_fd)  # releases whatever this connection still held
            self._gate_fd, self._gate_shared, self._gate_exclusive = None, False, False
        if self._waiting_fd is not None and self.connection is None:
            os.close(self._waiting_fd)
            self._waiting_fd = None

    # --- a background writer's batch -------------------------------------------------------------------

    @contextlib.contextmanager
    def background_batch(self):
        """Run the block (one batch's transaction) once no user's write is running or waiting, holding them
        off only for its own length. Yields True when the gate was taken (False: an in-memory database, or
        BACKGROUND_DEFER_SECONDS passed with writes still going; the batch then queues like any writer)."""
        fd = self._gate()
        taken = False
        if fd is not None and not self.in_atomic_block:
            deadline = time.monotonic() + BACKGROUND_DEFER_SECONDS
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    taken = True
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(POLL_SECONDS)
        self._gate_exclusive = taken
        try:
            yield taken
        finally:
            if taken:
                self._gate_exclusive = False
                fcntl.flock(fd, fcntl.LOCK_UN)

    def users_waiting(self) -> bool:
        """Inside a gated background batch: whether a user's write is waiting for it (the batch should end at
        the next row). False outside one, and on an in-memory database."""
        if not self._gate_exclusive:
            return False
        waiting = self._waiting()
        try:
            fcntl.flock(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(waiting, fcntl.LOCK_UN)
        return False
