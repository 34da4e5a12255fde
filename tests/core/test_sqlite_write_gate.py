"""The SQLite backend's gate: an import's batch begins only when no user's write is running or waiting, and a
user's write that comes during a batch waits for that batch only (it queues in the kernel, not behind the
next batch)."""

from __future__ import annotations

import pytest

from xiaobao.core.db_backends.sqlite3 import base


@pytest.fixture
def database(tmp_path, django_db_blocker):
    def connect():
        wrapper = base.DatabaseWrapper(
            {
                "NAME": str(tmp_path / "gate.sqlite3"),
                "ENGINE": "xiaobao.core.db_backends.sqlite3",
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 1},
                "ATOMIC_REQUESTS": False,
                "AUTOCOMMIT": True,
                "CONN_MAX_AGE": 0,
                "CONN_HEALTH_CHECKS": False,
                "TIME_ZONE": None,
                "USER": "",
                "PASSWORD": "",
                "HOST": "",
                "PORT": "",
                "TEST": {},
            },
            alias=f"gate-{len(made)}",
        )
        made.append(wrapper)
        return wrapper

    made: list = []
    with django_db_blocker.unblock():  # connections of its own, to a file of its own
        yield connect
        for wrapper in made:
            wrapper.close()


def begin(wrapper):
    wrapper.ensure_connection()
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(wrapper):
    wrapper.commit()
    wrapper.set_autocommit(True)


def test_a_batch_waits_while_a_users_write_is_open_and_goes_once_it_commits(database, monkeypatch):
    monkeypatch.setattr(base, "BACKGROUND_DEFER_SECONDS", 0)  # look once, do not wait
    user, importer = database(), database()
    begin(user)
    with importer.background_batch() as gated:
        assert gated is False  # a user is writing: the batch would have to queue like anyone else
    end(user)
    with importer.background_batch() as gated:
        assert gated is True


def test_a_users_write_cannot_begin_while_a_batch_holds_the_gate(database):
    import fcntl

    user, importer = database(), database()
    user.ensure_connection()
    with importer.background_batch() as gated:
        assert gated is True
        begin(importer)  # the batch's own transaction does not wait on its own gate
        probe = user._gate()
        with pytest.raises(BlockingIOError):  # what a user's BEGIN would block on, until the batch ends
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        end(importer)
    fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)  # free again
    fcntl.flock(probe, fcntl.LOCK_UN)
    begin(user)
    end(user)


def test_an_in_memory_database_has_no_gate(database, tmp_path):
    wrapper = base.DatabaseWrapper(
        {**database().settings_dict, "NAME": ":memory:"},
        alias="memory",
    )
    with wrapper.background_batch() as gated:
        assert gated is False
    wrapper.close()


def test_a_batch_sees_a_users_write_waiting_for_it(database):
    """So the batch can end at its next row: the user waits for the row under way, not the rest of the batch."""
    import threading

    user, importer = database(), database()
    user.inc_thread_sharing()  # begun in a thread of its own, closed by the fixture
    began = threading.Event()

    def users_write():
        begin(user)  # blocks while the batch holds the gate
        began.set()
        end(user)

    with importer.background_batch() as gated:
        assert gated is True
        begin(importer)
        assert importer.users_waiting() is False
        writer = threading.Thread(target=users_write)
        writer.start()
        for _poll in range(2000):  # a guard against hanging, not a timing assertion
            if importer.users_waiting():
                break
            threading.Event().wait(0.005)
        assert importer.users_waiting() is True and not began.is_set()
        end(importer)
    writer.join(timeout=30)
    assert began.is_set()
    assert importer.users_waiting() is False  # outside a batch there is nothing to make way for
    user.dec_thread_sharing()
