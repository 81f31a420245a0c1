"""Keeping the data safe: backup, restore and doctor.

Takes the store and an explicit ``now``, returns models, never prints, never
reads the clock or the environment.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from minicrm.errors import InvalidValue, StoreError
from minicrm.models import HealthCheck
from minicrm.store import Store, migrations, open_readonly

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def default_backup_path(store: Store, now: datetime) -> Path:
    """``<name>-backup-<YYYYmmdd-HHMMSS>.db`` next to the database (a suffix if that exists)."""
    return _free(store.path.with_name(f"{store.path.stem}-backup-{_stamp(now)}.db"))


def _free(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def backup(store: Store, now: datetime, target: str | Path | None = None) -> Path:
    """A consistent copy of the database; returns where it went."""
    if target is not None and _CONTROL.search(str(target)):
        raise InvalidValue("the backup path contains a control character", "Choose a plain file name")
    try:
        path = Path(target).expanduser() if target else default_backup_path(store, now)
        if path.is_dir():
            path = _free(path / f"{store.path.stem}-backup-{_stamp(now)}.db")
    except (OSError, RuntimeError) as error:
        raise StoreError(f"cannot use {target} for a backup: {getattr(error, 'strerror', None) or error}",
                         "Give another path") from None  # fmt: skip
    store.files.backup_to(path)  # refuses the database and its companion files (safefile.refuse_database)
    return path


def check_backup(source: str | Path) -> dict[str, object]:
    """Refuse a file that is damaged, not minicrm's, or from a newer minicrm; else its health."""
    candidate = open_readonly(source)
    try:
        health = candidate.files.health()
    finally:
        candidate.close()
    latest = len(migrations.MIGRATIONS)
    if health["integrity"] != ["ok"]:
        raise StoreError(f"{source} is damaged ({health['integrity'][0]})", "Choose another backup")
    if health["schema"] == 0 or "contacts" not in health["counts"]:
        raise StoreError(f"{source} is not a minicrm database", "Give a file made by minicrm backup")
    if health["schema"] > latest:
        raise StoreError(f"{source} was written by a newer minicrm (schema {health['schema']}; "
                         f"this one knows {latest})", "Upgrade minicrm first")  # fmt: skip
    return health


def restore(store: Store, now: datetime, source: str | Path) -> Path:
    """Replace the database with a checked backup; the replaced content is kept aside. Returns its path."""
    try:
        source = Path(source).expanduser()
        same = source.resolve() == store.path.resolve()
    except (OSError, RuntimeError) as error:
        raise StoreError(f"cannot read {source}: {getattr(error, 'strerror', None) or error}",
                         "Give the path of a backup") from None  # fmt: skip
    if same:
        raise StoreError("that is the database itself", "Give the path of a backup")
    check_backup(source)
    aside = _free(store.path.with_name(f"{store.path.stem}-replaced-{_stamp(now)}.db"))
    store.files.backup_to(aside)
    candidate = open_readonly(source)
    try:
        store.files.restore_from(candidate)
    finally:
        candidate.close()
    store.files.upgrade(now)
    return aside


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def doctor(store: Store) -> list[HealthCheck]:
    """Integrity, foreign keys, schema version and objects (tables, columns, indexes, triggers
    against what this minicrm's migrations create), file sizes and row counts."""
    health = store.files.health()
    latest = len(migrations.MIGRATIONS)
    integrity = health["integrity"]
    checks = [
        HealthCheck("integrity", integrity == ["ok"], "; ".join(integrity[:5])),
        HealthCheck("foreign_keys", health["broken_links"] == 0,
                    "ok" if not health["broken_links"] else f"{health['broken_links']} rows point nowhere"),
        HealthCheck("schema", health["schema"] == latest, f"version {health['schema']} of {latest}"),
    ]  # fmt: skip
    differences = store.files.schema_differences()
    detail = "; ".join(differences[:5]) + (f" and {len(differences) - 5} more" if len(differences) > 5 else "")
    checks.append(HealthCheck("schema_objects", not differences,
                              detail or "tables, columns, indexes and triggers as this minicrm expects"))  # fmt: skip
    checks += [HealthCheck(f"size {name}", True, _size(size)) for name, size in store.files.sizes().items()]
    checks += [HealthCheck(f"rows {table}", True, str(count)) for table, count in health["counts"].items()]
    return checks
