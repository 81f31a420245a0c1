"""The database file itself: backup (SQLite's online backup API), restore, the upgrade after a
restore, health (integrity, foreign keys, schema version, row counts) and sizes on disk.
No table of its own.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from minicrm.errors import StoreError
from minicrm.safefile import publish, refuse_database, temporary_beside
from minicrm.store import migrations
from minicrm.store.session import Repository, Session, audited, migrate, translate


class Files(Repository):
    def backup_to(self, target: Path) -> None:
        """A consistent copy in one file, owner-readable only (SQLite's online backup API).

        It copies one snapshot, so other processes may keep writing meanwhile. The copy is made
        in a hidden temporary file beside ``target`` and appears at ``target`` only when complete,
        so a killed backup never leaves a half file (or its ``-journal``) there; an existing
        ``target`` is never replaced.
        """
        target = Path(target).expanduser()
        refuse_database(target, self._store.path, "backup")
        if os.path.lexists(target):
            raise StoreError(f"{target} already exists", "Choose another path, or remove it first")
        try:
            temporary = temporary_beside(target)
        except OSError as error:
            raise StoreError(f"cannot create {target}: {error.strerror}", "Check the path") from None
        try:
            dest = sqlite3.connect(temporary, isolation_level=None)
            try:
                self._conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                dest.close()
            publish(temporary, target, replace=False)
        except FileExistsError:
            raise StoreError(f"{target} already exists", "Choose another path, or remove it first") from None
        except sqlite3.Error as error:
            raise translate(error, target) from None
        except OSError as error:
            raise StoreError(f"cannot write {target}: {error.strerror}", "Check the path and the free space") from None
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(str(temporary) + suffix).unlink(missing_ok=True)

    def restore_from(self, source: Session) -> None:
        """Replace this database's content with ``source``'s, in one step (other readers stay safe)."""
        self._store.writable()
        try:
            source.conn.backup(self._conn)
        except sqlite3.Error as error:
            raise translate(error, self._store.path) from None

    def upgrade(self, now: datetime) -> None:
        """Migrate forward if the content is older than this minicrm (after a restore)."""
        store = self._store
        store.writable()
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version < len(migrations.MIGRATIONS):
            store.audited = False  # the audit tables may not exist until the migration has run
            migrate(store, version, now)
        store.audited = audited(store)

    def health(self) -> dict[str, object]:
        """What ``doctor`` reports: integrity, foreign keys, schema version, row counts."""
        try:
            integrity = [row[0] for row in self._all("PRAGMA integrity_check")]
            broken_links = len(self._all("PRAGMA foreign_key_check"))
            schema = self._one("PRAGMA user_version")[0]
            rows = self._all("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
            virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
            tables = [name for name, _ in rows
                      if not name.startswith("sqlite_") and name not in virtual
                      and not any(name.startswith(v + "_") for v in virtual)]  # fmt: skip
            counts = {name: self._one(f'SELECT count(*) FROM "{name}"')[0] for name in tables}
        except sqlite3.Error as error:
            raise translate(error, self._store.path) from None
        return {"integrity": integrity, "broken_links": broken_links, "schema": schema, "counts": counts}

    def schema_differences(self) -> list[str]:
        """How this file's tables, columns, indexes and triggers differ from what this minicrm's
        migrations create (built afresh in memory to compare); empty when they agree."""
        expected_db = sqlite3.connect(":memory:", isolation_level=None)
        try:
            migrations.apply(expected_db, 0, "2000-01-01T00:00:00Z")
            expected = _shape(expected_db)
        finally:
            expected_db.close()
        try:
            actual = _shape(self._conn)
        except sqlite3.Error as error:
            raise translate(error, self._store.path) from None
        differences = [f"missing {key}" for key in expected if key not in actual]
        differences += [f"unexpected {key}" for key in actual if key not in expected]
        for key in expected.keys() & actual.keys():
            if expected[key] == actual[key]:
                continue
            if key.startswith("table "):
                want, have = expected[key], actual[key]
                differences += [f"{key} lacks column {c}" for c in want if c not in have]
                differences += [f"{key} has unexpected column {c}" for c in have if c not in want]
                if set(want) == set(have):
                    differences.append(f"{key} has different column definitions")
            else:
                differences.append(f"{key} is defined differently")
        return sorted(differences)

    def sizes(self) -> dict[str, int]:
        """Bytes on disk of the database file and its write-ahead log."""
        sizes = {}
        for suffix in ("", "-wal"):
            candidate = Path(str(self._store.path) + suffix)
            sizes[candidate.name] = candidate.stat().st_size if candidate.exists() else 0
        return sizes


def _shape(conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    """Every schema object: a table's columns (name, type, not null, default, key), or the
    whitespace-normalised SQL of an index, trigger or view."""
    shape: dict[str, tuple[str, ...]] = {}
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    for kind, name, sql in rows:
        if kind == "table":
            columns = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
            shape[f"table {name}"] = tuple(f"{c[1]} {c[2]}{' NOT NULL' if c[3] else ''}"
                                           f"{f' DEFAULT {c[4]}' if c[4] is not None else ''}{' KEY' if c[5] else ''}"
                                           for c in columns)  # fmt: skip
        else:
            shape[f"{kind} {name}"] = (" ".join((sql or "").split()),)
    return shape
