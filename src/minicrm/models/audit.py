"""The audit trail: write transactions and the rows they changed."""

from datetime import datetime
from typing import NamedTuple


class Change(NamedTuple):
    """One write transaction in the audit trail (what ``undo`` reverts)."""

    id: int
    at: datetime
    user: str | None
    command: str | None
    rows: int
    undoable: bool = True


class AuditEntry(NamedTuple):
    """One row changed by one change: its image before and after."""

    change_id: int
    at: datetime
    user: str | None
    command: str | None
    table: str
    action: str  # insert | update | delete
    contact_id: int | None
    summary: str
    old: dict | None = None
    new: dict | None = None
