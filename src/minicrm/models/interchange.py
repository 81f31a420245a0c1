"""What an import did with each record of a file."""

from typing import NamedTuple


class ImportAction(NamedTuple):
    """What ``import`` did, or would do (``--dry-run``), with one record of the file."""

    line: int
    action: str  # create | update | skip | reject
    kind: str  # contact | interaction | reminder, or a type of store.tables.OWNED (deal, setting...)
    uid: str | None
    name: str
    detail: str | None = None
    file: str | None = None  # when an import reads several files
