"""Opening a database file read-only: what a command that only reads gets (see ``open_store``).

SQLite's ``mode=ro`` never writes the file nor changes its journal mode. In a read-only folder
it cannot make the ``-shm`` index a WAL file needs, so such a file is read as immutable when
nothing waits in its ``-wal``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from minicrm.errors import StoreError

_URI_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~")


def file_uri(path: Path) -> str:
    """``path`` as an SQLite ``file:`` URI: absolute, every byte but letters, digits and ``/-._~``
    percent-encoded, so ``?``, ``#``, ``%`` and bytes that are not UTF-8 in a name stay themselves."""
    raw = os.fsencode(os.path.abspath(path))
    return "file:" + "".join(chr(b) if b in _URI_SAFE else f"%{b:02X}" for b in raw)


def open_readonly_connection(path: Path) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``: no write, no journal-mode change). In a read-only folder
    SQLite cannot make the ``-shm`` a WAL file needs; without a ``-wal`` (nothing left uncheckpointed)
    the file is then read as immutable, else refused, since its latest changes could not be seen."""
    uri = file_uri(path)
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        return conn
    except sqlite3.OperationalError as error:
        conn.close()
        if "unable to open" not in str(error) or os.access(path.parent, os.W_OK):
            raise
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        raise StoreError(f"cannot read {path}: its folder is read-only and {wal.name} holds changes not yet in it",
                         "Copy the database with its -wal and -shm files to a writable folder")  # fmt: skip
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
