"""The audit trail and undo: what changed, when and by whom; stepping back.

Every write transaction is one change; triggers record each row's old and new
image (see ``store.audit``). Nothing here prints, reads the clock or the environment.
"""

from __future__ import annotations

from collections.abc import Iterator

from minicrm.errors import Conflict, InvalidValue
from minicrm.models import AuditEntry, Change, Contact
from minicrm.store import Store

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


def _batch(ids: tuple[int, int]) -> str:
    first, last = ids
    count = last - first + 1
    return f"{count} {'row' if count == 1 else 'rows'} in one batch (ids {first}–{last})"


def entries(store: Store, contact: Contact | None = None, limit: int | None = None) -> Iterator[AuditEntry]:
    """What changed, newest first; only what touched ``contact`` when given."""

    if limit is not None and limit < 0:
        raise InvalidValue("--limit takes a number (0 or more)", "E.g. --limit 50")
    limit = min(limit, 2**63 - 1) if limit is not None else None
    for row in store.audit.entries(contact_id=contact.id if contact else None, limit=limit):
        yield AuditEntry(change_id=row.change_id, at=row.at, user=row.user, command=row.command, table=row.table,
                         action=row.action, contact_id=row.contact_id,
                         summary=_batch(row.batch) if row.batch else summarise(row.action, row.old, row.new),
                         old=row.old, new=row.new)  # fmt: skip


def undo(store: Store, count: int = 1) -> list[Change]:
    """Revert the last ``count`` changes not yet undone, newest first, as one new change;
    ``redo`` re-applies them. Undoing again steps further back."""
    if count < 1:
        raise InvalidValue(f"cannot undo {count} changes", "Give a number of changes, 1 or more")
    with store.write():
        recent = store.audit.in_effect(min(count, 2**63 - 1), before=store.change_id)
        if not recent:
            raise Conflict("there is nothing to undo", "See: minicrm audit")
        if len(recent) < count:
            raise Conflict(f"there are only {len(recent)} changes to undo", f"Try: minicrm undo {len(recent)}")
        final = [change for change in recent if not change.undoable]
        if final:
            raise Conflict(f"change {final[0].id} ({final[0].command or 'an erasure'}) can never be undone, "
                           "and undo goes back in order", "Erasures by minicrm forget are final")  # fmt: skip
        store.audit.revert([change.id for change in recent])
        store.audit.mark_undo([change.id for change in recent])
    return recent


def redo(store: Store) -> list[Change]:
    """Re-apply what the last undo reverted, if no new change was made since."""
    with store.write():
        found = store.audit.last_undo(before=store.change_id)
        if found is None:
            raise Conflict("there is nothing to redo", "Redo re-applies what undo reverted, until a new change is "
                           "made. See: minicrm audit")  # fmt: skip
        undo_id, redone = found
        store.audit.revert([undo_id])
        store.audit.mark_redo(undo_id)
    return redone
