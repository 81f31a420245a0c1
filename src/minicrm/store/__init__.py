"""The store: the only package that speaks SQL.

``open_store()`` gives a ``Store``: ``write()`` for one transaction (nested blocks are savepoints)
and one repository per aggregate, created the first time it is read (``store.contacts``,
``store.reminders``, ...), so a command imports only the repositories it uses. Repositories take
and return plain values, ``models`` and the records of ``store.api``; business rules live in
``services``.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from minicrm.errors import StoreError
from minicrm.store import migrations
from minicrm.store.api import SCORE_DAYS, ContactQuery  # noqa: F401  (re-exported)
from minicrm.store.session import (Session, applied_migrations, audited, check_identity, connect,  # noqa: F401
                                   connect_readonly, ensure_wal, migrate, new_uid, translate, writable_connection)

if TYPE_CHECKING:
    from minicrm.store import api


class Store(Session):
    """A session on one database file, and its repositories."""

    def _upkeep(self) -> None:
        """Passed occasions move to their next date as part of the first write after they pass."""
        at = self.actor[2]
        if at is not None:
            self.occasions.roll_passed(at.date())

    @cached_property
    def contacts(self) -> api.ContactsRepository:
        from minicrm.store.contacts import Contacts
        return Contacts(self)

    @cached_property
    def duplicates(self) -> api.DuplicatesRepository:
        from minicrm.store.duplicates import Duplicates
        return Duplicates(self)

    @cached_property
    def search(self) -> api.SearchRepository:
        from minicrm.store.search import Search
        return Search(self)

    @cached_property
    def activity(self) -> api.ActivityRepository:
        from minicrm.store.activity import Activity
        return Activity(self)

    @cached_property
    def reminders(self) -> api.RemindersRepository:
        from minicrm.store.reminders import Reminders
        return Reminders(self)

    @cached_property
    def products(self) -> api.ProductsRepository:
        from minicrm.store.products import Products
        return Products(self)

    @cached_property
    def deals(self) -> api.DealsRepository:
        from minicrm.store.deals import Deals
        return Deals(self)

    @cached_property
    def occasions(self) -> api.OccasionsRepository:
        from minicrm.store.occasions import Occasions
        return Occasions(self)

    @cached_property
    def agenda(self) -> api.AgendaRepository:
        from minicrm.store.agenda import Agenda

        return Agenda(self)

    @cached_property
    def cadence(self) -> api.CadenceRepository:
        from minicrm.store.cadence import Cadence
        return Cadence(self)

    @cached_property
    def segments(self) -> api.SegmentsRepository:
        from minicrm.store.segments import Segments
        return Segments(self)

    @cached_property
    def customers(self) -> api.CustomersRepository:
        from minicrm.store.customers import Customers
        return Customers(self)

    @cached_property
    def scoring(self) -> api.ScoringRepository:
        from minicrm.store.scoring import Scoring
        return Scoring(self)

    @cached_property
    def privacy(self) -> api.PrivacyRepository:
        from minicrm.store.privacy import Privacy
        return Privacy(self)

    @cached_property
    def audit(self) -> api.AuditRepository:
        from minicrm.store.audit import Audit
        return Audit(self)

    @cached_property
    def files(self) -> api.FilesRepository:
        from minicrm.store.files import Files
        return Files(self)

    @cached_property
    def settings(self) -> api.SettingsRepository:
        from minicrm.store.settings import Settings
        return Settings(self)

    @cached_property
    def digests(self) -> api.DigestsRepository:
        from minicrm.store.digests import Digests
        return Digests(self)

    @cached_property
    def tables(self) -> api.TablesRepository:
        from minicrm.store.tables import Tables
        return Tables(self)


def default_path() -> Path:
    """``minicrm.db`` in the user's data directory (XDG on Linux)."""
    home = Path.home()
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif os.uname().sysname == "Darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "minicrm" / "minicrm.db"


SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target: Path | str) -> bool:
    """Whether ``--db``/``MINICRM_DB`` names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and target.lower().startswith(SERVER_SCHEMES)


def file_kind(path: Path) -> str | None:
    """What is at ``path`` (links followed): ``"file"``, another kind in words, or None when nothing is."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, or a name the system refuses: creating it will say why
        return None
    if stat.S_ISREG(mode):
        return "file"
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def open_store(path: Path | str, now: datetime, write: bool = False) -> Store:
    """Open (creating and migrating as needed) the database at ``path``: a SQLite file, or a
    ``postgresql://`` URL (the PostgreSQL modules, and psycopg, are imported only then).

    Reads never write: the file is opened read-only (no journal-mode change, no ``-wal`` beside a
    backup, fine in a read-only folder) and read-write at the first write, unless ``write`` says
    the command is about to write (then read-write at once, saving a second connection)."""
    if is_server_url(path):
        from minicrm.store.pg import open_server

        return open_server(str(path), now)
    path = Path(path).expanduser()
    kind = file_kind(path)
    if kind not in ("file", None):
        raise StoreError(f"{path} is {kind}, not a database file", "Give --db the path of a file")
    try:
        if kind is None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise StoreError(f"cannot create the database {path}: {error.strerror}",
                         "Check the path, or choose another with --db") from None  # fmt: skip
    writable = os.access(path, os.W_OK)
    direct = writable and (write or kind is None)  # read-write from the start
    conn, version = connect(path, readonly=not direct)
    latest = len(migrations.MIGRATIONS)
    try:
        check_identity(path, version, applied_migrations(conn) if version else [])
    except BaseException:
        conn.close()
        raise
    if version < latest:  # a new file, or an older one: migrated now, read-write
        if not writable:
            conn.close()
            raise StoreError(f"the database {path} needs an upgrade but is read-only",
                             "Make it writable once so minicrm can migrate it")  # fmt: skip
        if not direct:
            conn.close()
            conn, version = connect(path, readonly=False)
        store = Store(conn, path)
        migrate(store, version, now)
    elif direct:
        store = Store(conn, path)
        ensure_wal(store)
    else:
        store = Store(conn, path, readonly=not writable)
        if writable:
            store.reopen = lambda: writable_connection(path)
    store.audited = audited(store)
    return store


def open_readonly(path: Path | str) -> Store:
    """Open a file only to inspect it (a backup before restoring): never creates, migrates or writes."""
    try:
        path = Path(path).expanduser()
        found = path.is_file()
    except (OSError, RuntimeError) as error:
        raise StoreError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}",
                         "Give the path of a backup made by minicrm backup") from None  # fmt: skip
    if not found:
        raise StoreError(f"there is no file {path}", "Give the path of a backup made by minicrm backup")
    conn = connect_readonly(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        check_identity(path, version, applied_migrations(conn) if version else [])
    except BaseException:
        conn.close()
        raise
    return Store(conn, path, readonly=True)
