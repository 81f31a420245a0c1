"""The SQLite session: the connection, transactions, the audit stamp, error translation, SQL helpers.

Opening a file creates it owner-readable only, turns on foreign keys, WAL and a busy timeout,
and migrates an older schema forward in one transaction. ``write()`` is one ``BEGIN IMMEDIATE``
transaction; a ``write()`` inside another is a SAVEPOINT, so an inner block that raises rolls
back only itself. Every outer write transaction of an audited file is one row of ``changes``
(who, when, which command); triggers record what it changed.

Everyday reads and writes go through the stdlib ``sqlite3`` connection: sqlite-utils (used by
``migrations``) costs ~0.1 s to import, which the morning ``minicrm due`` should not pay.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from minicrm.errors import StoreError
from minicrm.models import fold
from minicrm.store import migrations
from minicrm.store.readonly import open_readonly_connection
from minicrm.store.rows import to_utc_text

BUSY_TIMEOUT_MS = 10_000
CHUNK = 500  # ids per "IN (...)" query


def translate(error: sqlite3.Error, path: Path | str) -> StoreError:
    """A sqlite3 error as a message a person can act on."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"the database {path} is busy: another minicrm is writing to it",
            "Try again in a moment",
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(f"the database {path} is read-only", "Check its permissions (and its folder's)")
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path} is not a usable minicrm database ({text})", "Restore it from a backup")
    if "disk" in text and ("full" in text or "I/O" in text):
        return StoreError(f"cannot write {path}: {text}", "Free some disk space and try again")
    if "unable to open" in text:
        return StoreError(f"cannot open the database {path}", "Check that its folder exists and is writable")
    return StoreError(f"database error on {path}: {text}")


def new_uid() -> str:
    return str(uuid.uuid4())


# ------------------------------------------------------------------ small SQL helpers


def chunks(values: Sequence, size: int = CHUNK) -> Iterator[list]:
    """``values`` in lists of at most ``size``, for "IN (...)" queries."""
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def marks(count: int) -> str:
    """``?,?,?`` for ``count`` parameters."""
    return ",".join("?" * count)


def like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")


def phrase(text: str) -> str | None:
    """``text`` as an FTS5 trigram phrase, or None when it is too short for the index (< 3 chars)."""
    if len(text) < 3:
        return None
    return '"' + text.replace('"', '""') + '"'


def reach(contact_id: str) -> str:
    """The SQL of a contact's first email and first phone (columns ``email`` and ``phone``),
    for the contact whose id is the SQL expression ``contact_id``: two primary-key lookups."""
    return (f"(SELECT e.email FROM contact_emails e WHERE e.contact_id = {contact_id} ORDER BY e.position LIMIT 1)"
            f" AS email, (SELECT p.phone FROM contact_phones p WHERE p.contact_id = {contact_id}"
            " ORDER BY p.position LIMIT 1) AS phone")  # fmt: skip


# ------------------------------------------------------------------ the session


class Session:
    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool = False):
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self._depth = 0
        self.audited = False  # set by open_store once the audit tables exist
        # user (or a function that tells it, asked at the first write), command, now
        self.actor: tuple[str | Callable[[], str | None] | None, str | None, datetime | None] = (None, None, None)
        self.change_id: int | None = None
        # Opened read-only although the file is writable: how to get a read-write connection
        # (``writable()`` calls it at the first write).
        self.reopen: Callable[[], sqlite3.Connection] | None = None

    def close(self) -> None:
        self.conn.close()

    def writable(self) -> None:
        """Swap a read-only connection for a read-write one, before the first write (a no-op after)."""
        if self.reopen is None:
            return
        reopen, self.reopen = self.reopen, None
        conn = reopen()
        self.conn.close()
        self.conn = conn

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction: all of it lands, or none of it. Inside another, a savepoint:
        if the inner block raises, only its own writes are rolled back."""
        if self._depth:
            yield from self._savepoint()
            return
        self.writable()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise translate(error, self.path) from None
        self._depth = 1
        try:
            if self.audited:
                self._open_change()
                self._upkeep()
            yield
            if self.audited:
                self._close_change()
        except sqlite3.Error as error:
            self._depth = 0
            self.change_id = None
            self._rollback()
            raise translate(error, self.path) from None
        except BaseException:
            self._depth = 0
            self.change_id = None
            self._rollback()
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise translate(error, self.path) from None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every read inside sees the database as it was at the first one,
        whatever other processes write meanwhile (inside a write, that transaction already is one)."""
        if self._depth or self.conn.in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN")
        except sqlite3.Error as error:
            raise translate(error, self.path) from None
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    def _savepoint(self) -> Iterator[None]:
        name = f"write_{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # SQLite may have rolled back everything already
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def _rollback(self) -> None:
        """Roll back, unless SQLite already did (it does on a full disk or an I/O error)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _open_change(self) -> None:
        """Every write transaction is one change: who, when, which command (triggers fill in what)."""
        user, command, at = self.actor
        if callable(user):
            user = user()
            self.actor = (user, command, at)
        stamp = to_utc_text(at) if at else None
        cursor = self.conn.execute(
            "INSERT INTO changes (at, user, command) VALUES (coalesce(?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), ?, ?)",
            (stamp, user, command),
        )
        self.change_id = cursor.lastrowid
        self.conn.execute("UPDATE audit_state SET change_id = ? WHERE id = 1", (self.change_id,))

    def _upkeep(self) -> None:
        """Derived data that moves with the calendar, brought up to date on a write (reads never write)."""

    def _close_change(self) -> None:
        self.conn.execute("UPDATE audit_state SET change_id = NULL WHERE id = 1")
        self.conn.execute(
            "DELETE FROM changes WHERE id = ?1 AND undoable AND NOT EXISTS (SELECT 1 FROM audit WHERE change_id = ?1)"
            " AND NOT EXISTS (SELECT 1 FROM change_batches WHERE change_id = ?1)",
            (self.change_id,),
        )
        self.change_id = None

    @contextmanager
    def bulk(self, *tables: str) -> Iterator[None]:
        """Rows inserted into ``tables`` inside this block are one batch of the open change, recorded
        as an id range per table instead of one image per row (their lists, stage history and search
        rows belong to them); updates made elsewhere in the change keep their images. Call inside
        ``write()``; the blocks of one change merge."""
        assert self._depth, "bulk() runs inside write()"
        first = {table: self.next_id(table) for table in tables}
        if self.audited:
            self.conn.execute("UPDATE audit_state SET change_id = NULL WHERE id = 1")
        try:
            yield
        finally:
            if self.audited:
                self.conn.execute("UPDATE audit_state SET change_id = ? WHERE id = 1", (self.change_id,))
        if not self.audited:
            return
        for table in tables:
            last = self.next_id(table) - 1
            if last >= first[table]:
                self.conn.execute(
                    """INSERT INTO change_batches (change_id, tbl, first_id, last_id) VALUES (?, ?, ?, ?)
                       ON CONFLICT (change_id, tbl) DO UPDATE SET first_id = min(first_id, excluded.first_id),
                                                                  last_id = max(last_id, excluded.last_id)""",
                    (self.change_id, table, first[table], last),
                )  # fmt: skip

    def all(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def query_plan(self, sql: str, params: Sequence | dict = ()) -> list[str]:
        """EXPLAIN QUERY PLAN details, for the index tests."""
        return [row[3] for row in self.all("EXPLAIN QUERY PLAN " + sql, params)]

    def next_id(self, table: str) -> int:
        """The id the next row of ``table`` would get (call inside a write transaction)."""
        assert table in ("contacts", "interactions", "reminders")
        return (self.one(f"SELECT max(id) FROM {table}")[0] or 0) + 1

    def uid_exists(self, table: str, uid: str) -> bool:
        assert table in ("contacts", "interactions", "reminders")
        return self.one(f"SELECT 1 FROM {table} WHERE uid = ?", (uid,)) is not None


class Repository:
    """A repository runs its SQL on the store's session; ``_store`` reaches sibling repositories."""

    def __init__(self, store: Session) -> None:
        self._store = store
        self._all = store.all
        self._one = store.one

    @property
    def _conn(self) -> sqlite3.Connection:
        """The session's connection now (a read-only one is swapped for a read-write one at the first write)."""
        return self._store.conn


# ------------------------------------------------------------------ opening and migrating


def folded_or_null(text: str | None) -> str | None:
    """The SQL function ``minicrm_fold(text)``: ``models.fold(text)`` (no case, no accents) for a
    text with letters beyond ASCII, NULL for an ASCII one (the trigram index and ``LIKE``
    already ignore its case), so that ``coalesce(minicrm_fold(x), x) LIKE folded`` matches
    without accents and the search index holds a folded copy only where one differs."""
    if text is None or text.isascii():
        return None
    return fold(text)


def _functions(conn: sqlite3.Connection) -> None:
    conn.create_function("minicrm_fold", 1, folded_or_null, deterministic=True)


def connect(path: Path, readonly: bool) -> tuple[sqlite3.Connection, int]:
    """A connection to ``path`` with our settings, and the file's schema version."""
    try:
        if readonly:
            conn = open_readonly_connection(path)
        else:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        _functions(conn)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # Statement journals in memory: SQLite decides at BEGIN, and spills them to a temporary file
        # past 64 KiB otherwise, a system call per page (1.5M writes for a 20k-row import).
        conn.execute("PRAGMA temp_store = MEMORY")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as error:
        raise translate(error, path) from None
    return conn, version


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection that never creates, migrates or writes."""
    try:
        conn = open_readonly_connection(path)
        conn.row_factory = sqlite3.Row
        _functions(conn)
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error as error:
        raise translate(error, path) from None
    return conn


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """The names of the migrations a file has applied, in order (none before its first)."""
    try:
        return [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    except sqlite3.OperationalError:  # no _migrations table: a new (or foreign) file
        return []


def check_identity(path: Path, version: int, applied: Sequence[str]) -> None:
    """Refuse a file whose migrations are not this build's (same count or not), or newer ones.

    ``applied`` are the names the file recorded; each must be the name of this minicrm's
    migration at the same place. A file whose list goes on past this build's is newer.
    """
    ours = migrations.names()
    for number, (theirs, mine) in enumerate(zip(applied, ours), start=1):
        if theirs != mine:
            raise StoreError(f"{path} was written by another build of minicrm: its migration {number} is "
                             f"{theirs}, this minicrm's is {mine}",
                             "Open it with the minicrm that wrote it (export there, import here)")  # fmt: skip
    if version > len(ours):
        raise StoreError(
            f"{path} was written by a newer minicrm (schema {version}; this one knows {len(ours)})",
            "Upgrade minicrm: pip install --upgrade minicrm",
        )
    if len(applied) != version:
        raise StoreError(f"{path} says it has schema {version} but records {len(applied)} migrations",
                         "Restore it from a backup")  # fmt: skip


def writable_connection(path: Path) -> sqlite3.Connection:
    """A read-write connection for a session opened read-only, in WAL mode (a copy made with
    VACUUM INTO or .backup comes back in rollback-journal mode: put WAL back)."""
    conn, _ = connect(path, readonly=False)
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        conn.close()
        raise translate(error, path) from None
    return conn


def ensure_wal(session: Session) -> None:
    """A copy made with VACUUM INTO or .backup comes back in rollback-journal mode: put WAL back."""
    conn = session.conn
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        conn.close()
        raise translate(error, session.path) from None


def audited(session: Session) -> bool:
    """Whether this file has the audit trail (a file still on an older schema cannot)."""
    names = [fn.__name__ for fn in migrations.MIGRATIONS]
    if "m004_audit" not in names:
        return False
    version = session.conn.execute("PRAGMA user_version").fetchone()[0]
    return version > names.index("m004_audit")


def migrate(session: Session, version: int, now: datetime) -> None:
    conn = session.conn
    try:
        if version == 0:
            # One snapshot: another minicrm may be creating this file right now.
            conn.execute("BEGIN")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                conn.execute("COMMIT")
            if version == 0 and tables - {"_migrations"}:
                raise StoreError(f"{session.path} is a SQLite database but not a minicrm one",
                                 "Choose another file with --db")  # fmt: skip
        conn.execute("PRAGMA journal_mode = WAL")
        with session.write():
            # Re-read inside the lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            migrations.apply(conn, version, to_utc_text(now))
    except sqlite3.Error as error:
        conn.close()
        raise translate(error, session.path) from None
