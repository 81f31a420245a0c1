"""Keeping the data safe: backup, restore, doctor (and, below, the audit trail and undo).

Like ``services``: takes the store and an explicit ``now``, returns models,
never prints, never reads the clock or the environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from minicrm.store import migrations
from minicrm.errors import Conflict, InvalidValue, StoreError
from minicrm.models import AuditEntry, Change, Contact, HealthCheck
from minicrm.store import Store, open_readonly


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
        same = path.resolve() == store.path.resolve()
    except (OSError, RuntimeError) as error:
        raise StoreError(f"cannot use {target} for a backup: {getattr(error, 'strerror', None) or error}",
                         "Give another path") from None  # fmt: skip
    if same:
        raise StoreError("the backup cannot be the database itself", "Give another path")
    store.backup_to(path)
    return path


def check_backup(source: str | Path) -> dict[str, object]:
    """Refuse a file that is damaged, not minicrm's, or from a newer minicrm; else its health."""
    candidate = open_readonly(source)
    try:
        health = candidate.health()
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
    store.backup_to(aside)
    candidate = open_readonly(source)
    try:
        store.restore_from(candidate)
    finally:
        candidate.close()
    store.upgrade(now)
    return aside


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def doctor(store: Store) -> list[HealthCheck]:
    """Integrity, foreign keys, schema version, file sizes and row counts."""
    health = store.health()
    latest = len(migrations.MIGRATIONS)
    integrity = health["integrity"]
    checks = [
        HealthCheck("integrity", integrity == ["ok"], "; ".join(integrity[:5])),
        HealthCheck("foreign_keys", health["broken_links"] == 0,
                    "ok" if not health["broken_links"] else f"{health['broken_links']} rows point nowhere"),
        HealthCheck("schema", health["schema"] == latest, f"version {health['schema']} of {latest}"),
    ]  # fmt: skip
    checks += [HealthCheck(f"size {name}", True, _size(size)) for name, size in store.file_sizes().items()]
    checks += [HealthCheck(f"rows {table}", True, str(count)) for table, count in health["counts"].items()]
    return checks


# ------------------------------------------------------------------ audit trail and undo

_QUIET = {"id", "uid", "name_fold", "created_at", "updated_at", "position", "contact_id"}


def _short(value: object, width: int = 40) -> str:
    text = "∅" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def summarise(action: str, old: dict | None, new: dict | None) -> str:
    """A one-line description of a row change, for people."""
    if action == "update":
        parts = [f"{k}: {_short(old.get(k))} → {_short(v)}" for k, v in new.items()
                 if k not in _QUIET and old.get(k) != v]  # fmt: skip
        return "; ".join(parts) or "(no visible change)"
    image = new if action == "insert" else old
    parts = [f"{k}={_short(v)}" for k, v in image.items() if k not in _QUIET and v not in (None, "", "{}")]
    return ", ".join(parts[:4])


def audit(store: Store, contact: Contact | None = None, limit: int | None = None) -> Iterator[AuditEntry]:
    """What changed, newest first; only what touched ``contact`` when given."""
    if limit is not None and limit < 0:
        raise InvalidValue("--limit takes a number (0 or more)", "E.g. --limit 50")
    limit = min(limit, 2**63 - 1) if limit is not None else None
    for row in store.audit_entries(contact_id=contact.id if contact else None, limit=limit):
        yield AuditEntry(change_id=row.change_id, at=row.at, user=row.user, command=row.command, table=row.table,
                         action=row.action, contact_id=row.contact_id,
                         summary=summarise(row.action, row.old, row.new), old=row.old, new=row.new)  # fmt: skip


def undo(store: Store, count: int = 1) -> list[Change]:
    """Revert the last ``count`` changes, newest first, as one new change (which ``undo`` can revert)."""
    if count < 1:
        raise InvalidValue(f"cannot undo {count} changes", "Give a number of changes, 1 or more")
    with store.write():
        recent = store.recent_changes(min(count, 2**63 - 1), before=store.change_id)
        if not recent:
            raise Conflict("there is nothing to undo", "See: minicrm audit")
        if len(recent) < count:
            raise Conflict(f"there are only {len(recent)} changes to undo", f"Try: minicrm undo {len(recent)}")
        final = [change for change in recent if not change.undoable]
        if final:
            raise Conflict(f"change {final[0].id} ({final[0].command or 'an erasure'}) can never be undone, "
                           "and undo goes back in order", "Erasures by minicrm forget are final")  # fmt: skip
        store.revert([change.id for change in recent])
    return recent
