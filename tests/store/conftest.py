"""Contract tests of the store's repositories, through the facade, on real files.

Every test takes the ``store`` fixture, parametrised over the backends: only SQLite exists
today; a second backend adds its name to BACKENDS and an opener to ``store``, and these tests
run against it unchanged.
"""

from __future__ import annotations

from datetime import datetime

import pytest

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path, now: datetime):
    from minicrm.store import open_store

    opened = open_store(tmp_path / "x.db", now)
    yield opened
    opened.close()


@pytest.fixture
def add_contact(store, now):
    """Add a contact (in its own write) and return its id."""

    def add(name: str = "Ann Lee", *, emails=(), phones=(), tags=(), org=None, stage="awareness", at=None) -> int:
        with store.write():
            return store.contacts.add(name=name, org=org, stage=stage, birthday=None, note=None, fields={},
                                      emails=list(emails), phones=list(phones), tags=list(tags), at=at or now)  # fmt: skip

    return add
