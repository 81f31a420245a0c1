"""Output: one writer per format, from one field list per record type.

A record's fields (``models``) are its JSON keys, CSV header and TSV columns, in that
order: ``write_records`` and ``write_one`` write the machine formats from them. Tables are
for people and pick the columns worth reading (``render.columns`` declares them,
``render.tables`` draws them); only that path imports rich, so piped output never pays for
it. User text is data, never markup: every format neutralises control characters, and
tables are built from ``rich.text.Text``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import IO, Any

from minicrm.errors import UsageError
from minicrm.models import ContactDetail, json_safe, plain, record_dict

FORMATS = ("table", "tsv", "csv", "json", "ndjson")
# and lone surrogates: the bytes of a file name or argument that were not UTF-8
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def is_terminal(stream: IO[str]) -> bool:
    forced = os.environ.get("TTY_COMPATIBLE")
    if forced in ("0", "1"):
        return forced == "1"
    return hasattr(stream, "isatty") and stream.isatty()


def decide_format(requested: str | None, as_json: bool = False, stream: IO[str] | None = None) -> str:
    """The output format, decided once: explicit choice, else table on a terminal, else tsv."""
    if as_json:
        if requested and requested.lower() != "json":
            raise UsageError(f"--json and --format {requested} disagree", "Give one of them")
        return "json"
    if requested:
        fmt = requested.strip().lower()
        if fmt not in FORMATS:
            raise UsageError(f"{requested!r} is not an output format", f"Use one of: {', '.join(FORMATS)}")
        return fmt
    return "table" if is_terminal(stream or sys.stdout) else "tsv"


_CONTROL_CHARS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]
_SCRUB = {code: "\ufffd" for code in (*_CONTROL_CHARS, *range(0xD800, 0xE000))}
_TSV_CELL = {**_SCRUB, ord("\\"): "\\\\", ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}
_TSV_SPECIAL = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")
_TSV_SPECIAL_BUT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\\]")


def flat(value: Any) -> str:
    """A value in one TSV/CSV cell: lists comma-joined, objects as compact JSON."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is tuple or kind is list:
        if value and hasattr(value[0], "_fields"):  # records (an order's lines): a JSON array
            import json  # here, not at import: piped due writes no JSON

            return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"))
        return ",".join(flat(v) for v in value)
    if kind is dict:
        import json

        return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"))
    converted = plain(value)  # dates, decimals, floats
    return str(converted) if type(converted) is kind or type(converted) is float else flat(converted)


def scrub(text: str) -> str:
    """Control characters (escape sequences included) and lone surrogates become U+FFFD."""
    return text.translate(_SCRUB) if _CONTROL.search(text) else text


def tsv_row(record: Any) -> str:
    """A record as one TSV line: backslash, tab, newline and CR escaped in each cell,
    other controls neutralised. Most lines hold none of those, so the cells are
    joined first and searched once; only a line that needs it is escaped cell by cell
    (a tab inside a cell shows as one tab more than the separators)."""
    # most cells are text or empty: those skip the call to flat()
    cells = [value if type(value) is str else "" if value is None else flat(value) for value in record]
    line = "\t".join(cells)
    if line.count("\t") == len(cells) - 1 and not _TSV_SPECIAL_BUT_TAB.search(line):
        return line
    return "\t".join([c.translate(_TSV_CELL) if _TSV_SPECIAL.search(c) else c for c in cells])


def _json(value: Any, indent: int | None = None) -> str:
    import json  # here: piped TSV, the everyday output, never needs it

    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return json_safe(text)


def write_records(records: Iterable[Any], record_type: type, fmt: str, out: IO[str],
                  cell: Callable[[str], str] | None = None) -> int:  # fmt: skip
    """Write records in a machine format, streaming. Returns how many were written.

    ``cell`` rewrites each CSV cell (an export's spreadsheet-formula guard)."""
    count = 0
    if fmt == "json":
        out.write("[")
        for count, record in enumerate(records, start=1):
            item = _json(record_dict(record), indent=2).replace("\n", "\n  ")
            out.write(("\n  " if count == 1 else ",\n  ") + item)
        out.write("\n]\n" if count else "]\n")
    elif fmt == "ndjson":
        for count, record in enumerate(records, start=1):
            out.write(_json(record_dict(record)) + "\n")
    elif fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(record_type._fields)
        for count, record in enumerate(records, start=1):
            row = [scrub(flat(value)) for value in record]
            writer.writerow(row if cell is None else [cell(text) for text in row])
    elif fmt == "tsv":
        for count, record in enumerate(records, start=1):
            out.write(tsv_row(record) + "\n")
    else:
        raise ValueError(fmt)
    return count


def write_one(record: Any, fmt: str, out: IO[str]) -> None:
    """One record: an object in JSON; one row (with header for CSV) otherwise."""
    if isinstance(record, ContactDetail):
        if fmt in ("json", "ndjson"):
            body = record_dict(record.contact)
            body["interactions"] = [record_dict(i) for i in record.interactions]
            body["reminders"] = [record_dict(r) for r in record.reminders]
            body["stage_history"] = [record_dict(s) for s in record.stage_history]
            body["consent"] = [record_dict(k) for k in record.consent]
            body["value"] = record_dict(record.value) if record.value else None
            body["score"] = record.score
            body["cadence"] = {"days": record.cadence_days,
                               "next_touch_on": record.next_touch_on.isoformat() if record.next_touch_on else None}
            body["deals"] = [record_dict(d) for d in record.deals]
            body["occasions"] = [record_dict(o) for o in record.occasions]
            body["interactions_more"] = record.interactions_more
            out.write(_json(body, indent=2 if fmt == "json" else None) + "\n")
            return
        record = record.contact
    if fmt == "json":
        out.write(_json(record_dict(record), indent=2) + "\n")
    else:
        write_records([record], type(record), fmt, out)
