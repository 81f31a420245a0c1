"""What readers, the importer and export share: file formats, raw records, rejects, the report.

A reader turns a file into ``(line, raw, source)`` triples: ``raw`` is a record
in minicrm's own vocabulary (a dict shaped like an exported JSON record), or a
``RowError`` when the record cannot even be read; ``source`` is what the file
held (CSV cells, a JSON object, a line's or a vCard's text), kept for the
reject file. The importer turns each bad record into a ``Reject`` and counts
what it did in an ``ImportReport``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from minicrm.errors import InvalidValue, MiniCrmError, UsageError
from minicrm.models import ImportAction

IMPORT_FORMATS = ("csv", "json", "ndjson", "vcf")
EXPORT_FORMATS = ("csv", "json", "ndjson", "vcf", "ics")
EXTENSIONS = {".csv": "csv", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".vcf": "vcf",
              ".vcard": "vcf", ".ics": "ics"}  # fmt: skip
FALLBACK = "cp1252"  # the legacy encoding of most 8-bit exports (Windows-1252: Outlook, Excel, old phones)
SURROGATE = re.compile("[\ud800-\udfff]")  # undecodable bytes, read with errors="surrogateescape"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")


def guard_formula(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP): a leading ``'`` before a cell
    that starts with ``=``, ``+``, ``-``, ``@``, tab or CR, and before one that already looks
    guarded (so ``unguard_formula`` gives back exactly what was written)."""
    if cell.startswith(FORMULA_START) or _GUARDED.match(cell):
        return "'" + cell
    return cell


def unguard_formula(cell: str) -> str:
    """The cell ``guard_formula`` was given: the guard's ``'`` removed, nothing else."""
    return cell[1:] if _GUARDED.match(cell) else cell


def format_of(name: str | None, given: str | None, choices: tuple[str, ...], option: str) -> str:
    """The format ``option`` (``--from``, ``--to``) names, else the one ``name``'s extension says."""
    if given:
        fmt = given.strip().lower()
        if fmt not in choices:
            raise UsageError(f"{given!r} is not a format {option} knows", f"Use one of: {', '.join(choices)}")
        return fmt
    if name and name != "-":
        fmt = EXTENSIONS.get(PurePath(name).suffix.lower())
        if fmt in choices:
            return fmt
    raise UsageError(f"cannot tell the format of {name or 'standard output'}",
                     f"Give {option} {'|'.join(choices)}")  # fmt: skip


class RowError(Exception):
    """A record that cannot even be read (broken CSV row, invalid JSON line)."""


class Notice(str):
    """Something a reader skipped that is not a record (text between vCards): reported as a warning."""


def check_text(value: Any) -> None:
    """Refuse undecodable bytes (and lone surrogates from JSON escapes) anywhere in a record."""
    if isinstance(value, str):
        if SURROGATE.search(value):
            raise InvalidValue("the record holds bytes that are not valid text in this encoding",
                               "Save the file as UTF-8, or give --encoding")  # fmt: skip
    elif isinstance(value, dict):
        for k, v in value.items():
            check_text(k)
            check_text(v)
    elif isinstance(value, list):
        for v in value:
            check_text(v)


def tag_slug(value: str) -> str | None:
    """A group or label of another address book as a minicrm tag: ``VIP Clients`` -> ``vip-clients``."""
    tag = value.strip().lstrip("*").strip()
    if not tag or tag.casefold() == "mycontacts":  # Google's label on every contact
        return None
    return "-".join(tag.lower().replace(",", " ").split())


def as_text(value: Any, what: str) -> str | None:
    """A record's scalar value as text (None when empty); a list or object is refused."""
    if value is None or value == "":
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidValue(f"the {what} is not text")
    return str(value)


def as_texts(value: Any, what: str) -> list[str]:
    """A record's list of texts (one text counts as a list of one)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidValue(f"the {what} are not a list of texts")
    return value


def as_instant(value: Any, what: str, default: datetime | None = None) -> datetime | None:
    """An ISO date-time (``Z`` accepted; without an offset, local time); ``default`` when empty."""
    if value is None or value == "":
        return default
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValue(f"the {what} {value!r} is not an ISO date-time", "Use e.g. 2026-11-18T09:30:00+01:00") from None
    return moment.astimezone() if moment.tzinfo is None else moment


def as_day(value: Any, what: str) -> date:
    """An ISO date."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidValue(f"the {what} {value!r} is not an ISO date", "Use e.g. 2026-12-01") from None



def as_clock(value: Any, what: str) -> time | None:
    """A time of day, HH:MM; None when empty."""
    try:
        return time.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        raise InvalidValue(f"the {what} {value!r} is not HH:MM") from None


@dataclass
class Reject:
    line: int
    reason: str
    raw: Any  # what the file held: a list of CSV cells, a JSON object, or the line's text
    file: str | None = None  # which file, when an import reads several


@dataclass
class Remark:
    """A warning of an import, with where it was: a value kept as typed, a line skipped."""

    line: int
    text: str
    file: str | None = None


@dataclass
class ImportReport:
    unit: str = "line"  # "line", or "record" for a JSON array
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, action) -> n
    actions: list[ImportAction] = field(default_factory=list)  # kept for --dry-run
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Remark] = field(default_factory=list)  # values kept as typed, lines skipped
    headers: dict[str | None, list[str]] = field(default_factory=dict)  # each CSV file's header, for its reject file
    current_file: str | None = None  # the file being read, when an import reads several
    erased: int = 0  # contacts skipped because they were erased at their request

    def where(self, reject: Reject | Remark) -> str:
        unit = "record" if (reject.file or "").lower().endswith(".json") or self.unit == "record" else "line"
        return f"{reject.file} {unit} {reject.line}" if reject.file else f"{self.unit} {reject.line}"

    def warn(self, line: int, text: str) -> None:
        self.warnings.append(Remark(line, text, self.current_file))

    def count(self, kind: str, action: str) -> int:
        return self.counts.get((kind, action), 0)

    def summary(self) -> str:
        parts = []
        kinds = dict.fromkeys(["contact", "product", "interaction", "reminder", *(kind for kind, _ in self.counts)])
        for kind in kinds:
            done = [f"{self.count(kind, a)} {verb}" for a, verb in
                    (("create", "created"), ("update", "updated"), ("skip", "skipped")) if self.count(kind, a)]  # fmt: skip
            if done:
                parts.append(f"{kind.replace('_', ' ')}s: " + ", ".join(done))
        if self.rejects:
            parts.append(f"{len(self.rejects)} rejected")
        if self.warnings:
            parts.append(f"{len(self.warnings)} {'warning' if len(self.warnings) == 1 else 'warnings'}")
        if self.erased:
            parts.append(f"{self.erased} skipped as erased at their request (--include-erased brings them back)")
        return "; ".join(parts) or "nothing to import"


class ImportRejected(MiniCrmError):
    """Some records are invalid and --skip-invalid was not given: nothing was imported."""

    def __init__(self, report: ImportReport):
        n = len(report.rejects)
        super().__init__(f"{n} invalid {'record' if n == 1 else 'records'}; nothing was imported",
                         "Fix them, or add --skip-invalid to import the others")  # fmt: skip
        self.report = report
