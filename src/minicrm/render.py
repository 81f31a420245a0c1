"""Output: one writer per format, from one field list per record type.

A record's fields (``models``) are its JSON keys, CSV header and TSV
columns, in that order. Tables are for people and pick the columns worth
reading; they are the only path that imports rich, so piped output never pays
for it. User text is data, never markup: tables are built from ``rich.text.Text``
and every format neutralises control characters.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from minicrm.errors import UsageError
from minicrm.models import (Cadence, Contact, ContactDetail, CustomerValue, Deal, DueItem, DuplicatePair,
                            ImportAction, Interaction, MergeResult, Metric, Occasion, PipelineStage, Referral,
                            Reminder, Report, ScorePart, SearchHit, Segment, StageChange, Weight, plain,
                            record_dict)

FORMATS = ("table", "tsv", "csv", "json", "ndjson")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029]")


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


# ------------------------------------------------------------------ values
# These run once per cell of every piped row (100k contacts, 1M interactions):
# dispatch on the exact type first, fall back to isinstance for the rest.

_CONTROL_CHARS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]
_SCRUB = {code: "\ufffd" for code in _CONTROL_CHARS}
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
        return ",".join(flat(v) for v in value)
    if kind is dict:
        return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"))
    converted = plain(value)  # dates, decimals, floats
    return str(converted) if type(converted) is kind or type(converted) is float else flat(converted)


def scrub(text: str) -> str:
    """Control characters (escape sequences included) become U+FFFD."""
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
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# ------------------------------------------------------------------ machine formats


def write_records(records: Iterable[Any], record_type: type, fmt: str, out: IO[str]) -> int:
    """Write records in a machine format, streaming. Returns how many were written."""
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
            writer.writerow([scrub(flat(value)) for value in record])
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
            out.write(_json(body, indent=2 if fmt == "json" else None) + "\n")
            return
        record = record.contact
    if fmt == "json":
        out.write(_json(record_dict(record), indent=2) + "\n")
    else:
        write_records([record], type(record), fmt, out)


# ------------------------------------------------------------------ tables (rich)


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Any, datetime], Any]  # returns str, Text or None
    style: str | None = None
    justify: str = "left"
    no_wrap: bool = False
    max_width: int | None = None
    min_width: int | None = None
    overflow: str = "fold"
    priority: int = 1  # 1: always shown; 2: from 100 columns; 3: from 120 columns; 4: from 140 columns
    # A share of the width the other columns leave. A column with one keeps each row on
    # one line and cuts its text with "…" (the whole text is in --json and `show`).
    flex: int = 0


def _first(values: tuple[str, ...]) -> str:
    if not values:
        return ""
    return values[0] + (f" +{len(values) - 1}" if len(values) > 1 else "")


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    moment = moment.astimezone()
    if moment.date() == now.date():
        return f"today {moment:%H:%M}"
    if moment.year == now.year:
        return f"{moment:%a %d %b %H:%M}"
    return f"{moment:%Y-%m-%d %H:%M}"


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


def _ago(contact: Contact, now: datetime) -> str:
    from minicrm.dates import describe_ago

    return describe_ago(contact.last_contact_at, now)


def _due(reminder: Reminder, now: datetime) -> Any:
    from rich.text import Text

    from minicrm.dates import describe_day

    if reminder.state == "done":
        return Text("done", style="dim")
    label = describe_day(reminder.due_on, now.date())
    if reminder.due_time:
        label += f" {reminder.due_time:%H:%M}"
    style = {"overdue": "bold red", "today": "bold yellow", "done": "dim"}.get(reminder.state, "")
    return Text(label, style=style)


CONTACT_COLUMNS = (
    Column("ID", lambda c, n: str(c.id), style="dim", justify="right", no_wrap=True),
    Column("Name", lambda c, n: c.name, style="bold", flex=3, min_width=20),
    Column("Organisation", lambda c, n: c.org, flex=2, priority=3),
    Column("Stage", lambda c, n: c.stage, no_wrap=True),
    Column("Email", lambda c, n: _first(c.emails), flex=3),
    Column("Phone", lambda c, n: _first(c.phones), no_wrap=True, priority=2),
    Column("Tags", lambda c, n: ", ".join(c.tags), style="cyan", flex=2, priority=4),
    Column("Last contact", _ago, no_wrap=True),
)
INTERACTION_COLUMNS = (
    Column("ID", lambda i, n: str(i.id), style="dim", justify="right", no_wrap=True),
    Column("When", lambda i, n: _when(i.at, n), no_wrap=True),
    Column("Contact", lambda i, n: i.contact_name, style="bold", flex=1, min_width=16),
    Column("Kind", lambda i, n: i.kind, style="magenta", no_wrap=True),
    Column("Amount", lambda i, n: _money(i.amount), justify="right", no_wrap=True, priority=2),
    Column("Text", lambda i, n: i.text, flex=3),
)
REMINDER_COLUMNS = (
    Column("ID", lambda r, n: str(r.id), style="dim", justify="right", no_wrap=True),
    Column("Due", _due, no_wrap=True),
    Column("Contact", lambda r, n: r.contact_name, style="bold", flex=1, min_width=16),
    Column("Reach", lambda r, n: r.contact_phone or r.contact_email, max_width=26, no_wrap=True,
           overflow="ellipsis", priority=2),
    Column("Reminder", lambda r, n: r.text, flex=3),
    Column("Repeats", lambda r, n: r.rule, style="cyan", no_wrap=True, priority=2),
)
STAGE_COLUMNS = (
    Column("When", lambda s, n: _when(s.at, n), no_wrap=True),
    Column("From", lambda s, n: s.from_stage or "—"),
    Column("To", lambda s, n: s.to_stage, style="bold"),
    Column("By", lambda s, n: s.source),
)
TABLES: dict[type, tuple[Column, ...]] = {
    Contact: CONTACT_COLUMNS,
    Interaction: INTERACTION_COLUMNS,
    Reminder: REMINDER_COLUMNS,
    StageChange: STAGE_COLUMNS,
}

# ------------------------------------------------------------------ insight tables

TABLES[Referral] = (
    Column("ID", lambda r, n: str(r.id), style="dim", justify="right", no_wrap=True),
    Column("When", lambda r, n: _when(r.at, n), no_wrap=True),
    Column("Referrer", lambda r, n: r.referrer_name, style="bold", max_width=24),
    Column("Referred", lambda r, n: r.referred_name, max_width=24),
    Column("Text", lambda r, n: r.text, min_width=20),
)


def console(out: IO[str]) -> Any:
    from rich.console import Console

    return Console(file=out, highlight=False, markup=False, emoji=False)


def _cell(value: Any) -> Any:
    from rich.text import Text

    if value is None:
        return Text("")
    if isinstance(value, Text):
        value.plain = scrub(value.plain)
        return value
    return Text(scrub(str(value)))


def build_table(records: Iterable[Any], record_type: type, now: datetime, title: str | None = None,
                width: int = 120, cut: bool = True) -> Any:  # fmt: skip
    """A table of the columns that fit ``width``: less important ones go first.

    With ``cut``, flexible columns keep each row to its lines and cut long text with
    "…" (a flexible column with nothing in it is left out); without, they wrap,
    as ``show`` wants for one contact's texts."""
    from rich import box
    from rich.table import Table

    shown_priority = 4 if width >= 140 else 3 if width >= 120 else 2 if width >= 100 else 1
    columns = [column for column in TABLES[record_type] if column.priority <= shown_priority]
    rows = [[_cell(_one_line(column.cell(record, now)) if cut and column.flex else column.cell(record, now))
             for column in columns] for record in records]  # fmt: skip
    if cut and rows:
        keep = [i for i, column in enumerate(columns) if not column.flex or any(row[i].plain for row in rows)]
        columns, rows = [columns[i] for i in keep], [[row[i] for i in keep] for row in rows]
    widths = _flex_widths(columns, rows, width) if cut else None
    if widths is None:  # no flexible column, or no room for them on a narrow terminal: rich wraps
        cut, widths = False, [None] * len(columns)
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", title_style="bold")
    for column, fixed in zip(columns, widths):
        flex = bool(column.flex) and cut
        table.add_column(column.header, style=column.style, justify=column.justify, no_wrap=column.no_wrap or flex,
                         width=fixed, max_width=column.max_width,
                         min_width=None if column.flex else column.min_width,  # a flexible one's: see _flex_widths
                         overflow="ellipsis" if flex else column.overflow)  # fmt: skip
    for row in rows:
        table.add_row(*row)
    return table


def _one_line(value: Any) -> Any:
    """A text on one line, for a cell that is cut rather than wrapped."""
    return value.replace("\n", " ") if isinstance(value, str) else value


def _flex_widths(columns: list[Column], rows: list[list[Any]], width: int) -> list[int | None] | None:
    """Widths for a table with flexible columns: every column as wide as its widest
    cell (within its limits), except that the flexible ones share what the others
    leave, so the table fits ``width`` and no other column is cut. None for a table
    without flexible columns, or where the others leave the flexible ones less than
    their headers: rich lays it out then, wrapping cells.

    The flexible columns first get their widest cell up to their ``min_width`` or
    their header (a name is worth more than a longer note, and a header is never
    cut), then the rest by their ``flex`` shares, a column taking no more than its
    widest cell and leaving the others the rest."""
    if not any(column.flex for column in columns):
        return None
    from rich.cells import cell_len

    widest = [max(cell_len(line) for cell in (column.header, *(row[i].plain for row in rows)) for line in cell.split("\n"))
              for i, column in enumerate(columns)]  # fmt: skip
    widths: list[int | None] = [min(w, cell_len(column.header)) if column.flex
                                else max(min(w, column.max_width or w), column.min_width or 0)
                                for column, w in zip(columns, widest)]  # fmt: skip
    # SIMPLE_HEAD draws an edge on each side and a separator between columns; padding is 1 each side
    left = width - sum(w for w in widths if w) - (len(columns) + 1) - 2 * len(columns)
    if left < 0:  # not even the headers fit
        return None
    flexible = [i for i, column in enumerate(columns) if column.flex]
    for i in flexible:  # the first helping, up to min_width
        extra = min(max(0, min(widest[i], columns[i].min_width or 0) - widths[i]), left)
        widths[i] += extra
        left -= extra
    flexible.sort(key=lambda i: (widest[i] - widths[i]) / columns[i].flex)
    shares = sum(columns[i].flex for i in flexible)
    for i in flexible:  # the least wanting first: what it does not need goes to the others
        extra = min(widest[i] - widths[i], max(0, left) * columns[i].flex // shares)
        widths[i] = max(1, widths[i] + extra)
        left -= extra
        shares -= columns[i].flex
    return widths


def write_table(records: Iterable[Any], record_type: type, now: datetime, out: IO[str], *,
                max_rows: int | None = None, total: int | None = None, title: str | None = None,
                empty: str | None = None, cut: bool = True) -> int:  # fmt: skip
    """A rich table of at most ``max_rows`` rows, then a line saying what was left out.

    ``total`` is how many records there are in all, when known; without it a
    table cut at ``max_rows`` says only that there are more. ``cut``: as in
    ``build_table``.
    """
    records = iter(records)
    shown = list(islice(records, max_rows)) if max_rows is not None else list(records)
    if not shown:
        if empty:
            console(sys.stderr).print(empty, style="dim")
        return 0
    con = console(out)
    con.print(build_table(shown, record_type, now, title, con.width, cut))
    if max_rows is not None and (total is not None and total > len(shown) or next(records, None) is not None):
        more = f"{total - len(shown)} more" if total is not None else "More rows"
        con.print(f"{more} — use --all to see every row", style="dim")
    return len(shown)


def write_detail(detail: ContactDetail, now: datetime, out: IO[str]) -> None:
    from rich.table import Table
    from rich.text import Text

    c = detail.contact
    con = console(out)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    title = Text(scrub(c.name), style="bold")
    title.append(f"  #{c.id}", style="dim")
    con.print(title)
    rows = [
        ("Organisation", c.org), ("Stage", c.stage), ("Email", ", ".join(c.emails)),
        ("Phone", ", ".join(c.phones)), ("Tags", ", ".join(c.tags)), ("Birthday", c.birthday),
        *((key, value) for key, value in c.fields.items()),
        ("Last contact", _ago(c, now)), ("Note", c.note),
    ]  # fmt: skip
    if detail.consent:
        rows.append(("Consent", "; ".join(f"{k.purpose} {'granted' if k.granted else 'revoked'} {k.at:%Y-%m-%d}"
                                          for k in detail.consent)))  # fmt: skip
    for label, value in rows:
        if value:
            grid.add_row(_cell(label), _cell(value))
    con.print(grid)
    if detail.reminders:
        con.print(build_table(detail.reminders, Reminder, now, "Open reminders", con.width, cut=False))
    if detail.interactions:
        con.print(build_table(detail.interactions, Interaction, now, "Recent interactions", con.width, cut=False))
    if len(detail.stage_history) > 1:
        con.print(build_table(detail.stage_history, StageChange, now, "Stage history", con.width))


def write_record_table(record: Any, now: datetime, out: IO[str]) -> None:
    """A single created or changed record, as a one-row table (or the detail view)."""
    if isinstance(record, ContactDetail):
        write_detail(record, now, out)
    else:
        write_table([record], type(record), now, out, cut=False)  # what was just written, whole


# ------------------------------------------------------------------ interchange

TABLES[ImportAction] = (
    Column("Line", lambda a, n: str(a.line), style="dim", justify="right", no_wrap=True),
    Column("Action", lambda a, n: a.action, style="bold", no_wrap=True),
    Column("Kind", lambda a, n: a.kind, no_wrap=True),
    Column("Name", lambda a, n: a.name, max_width=30),
    Column("Detail", lambda a, n: a.detail, min_width=20),
)
TABLES[SearchHit] = (
    Column("Kind", lambda h, n: h.kind, style="magenta", no_wrap=True),
    Column("ID", lambda h, n: str(h.id), style="dim", justify="right", no_wrap=True),
    Column("Contact", lambda h, n: h.contact_name, style="bold", max_width=24),
    Column("When", lambda h, n: _when(h.at, n), no_wrap=True, priority=2),
    Column("Match", lambda h, n: h.snippet, min_width=20),
)
TABLES[DuplicatePair] = (
    Column("ID", lambda d, n: str(d.id), style="dim", justify="right", no_wrap=True),
    Column("Name", lambda d, n: d.name, style="bold", max_width=26),
    Column("ID", lambda d, n: str(d.other_id), style="dim", justify="right", no_wrap=True),
    Column("Other name", lambda d, n: d.other_name, style="bold", max_width=26),
    Column("Why", lambda d, n: d.reason, min_width=20),
)
TABLES[MergeResult] = (
    Column("Kept", lambda m, n: f"#{m.id} {m.name}", style="bold", max_width=30),
    Column("Merged", lambda m, n: f"#{m.merged_id} {m.merged_name}", max_width=30),
    Column("Interactions", lambda m, n: str(m.interactions), justify="right", no_wrap=True),
    Column("Reminders", lambda m, n: str(m.reminders), justify="right", no_wrap=True),
    Column("Stage changes", lambda m, n: str(m.stage_changes), justify="right", no_wrap=True, priority=2),
    Column("Added", lambda m, n: ", ".join((*m.emails, *m.phones, *m.tags, *m.fields)), min_width=12),
)


def track(items: Iterable[Any], total: int, position: Callable[[], int], label: str) -> Iterator[Any]:
    """``items``, with a progress bar on standard error (for a terminal; ``position()`` of ``total``)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=console(sys.stderr), transient=True) as progress:  # fmt: skip
        task = progress.add_task(label, total=total)
        for count, item in enumerate(items):
            if count % 500 == 0:
                progress.update(task, completed=position())
            yield item


# ------------------------------------------------------------------ trust

from minicrm.models import AuditEntry, Change, Consent, HealthCheck  # noqa: E402

TABLES[HealthCheck] = (
    Column("Check", lambda h, n: h.check, style="bold", no_wrap=True),
    Column("", lambda h, n: _mark(h.ok), no_wrap=True),
    Column("Detail", lambda h, n: h.detail),
)

TABLES[Change] = (
    Column("Change", lambda c, n: str(c.id), style="dim", justify="right", no_wrap=True),
    Column("When", lambda c, n: _when(c.at, n), no_wrap=True),
    Column("User", lambda c, n: c.user, no_wrap=True),
    Column("Command", lambda c, n: c.command, style="bold"),
    Column("Rows", lambda c, n: str(c.rows), justify="right"),
    Column("Undoable", lambda c, n: "yes" if c.undoable else "no"),
)
TABLES[AuditEntry] = (
    Column("Change", lambda a, n: str(a.change_id), style="dim", justify="right", no_wrap=True),
    Column("When", lambda a, n: _when(a.at, n), no_wrap=True),
    Column("User", lambda a, n: a.user, no_wrap=True, priority=2),
    Column("Command", lambda a, n: a.command, style="bold", no_wrap=True),
    Column("Contact", lambda a, n: str(a.contact_id or ""), justify="right", no_wrap=True),
    Column("What", lambda a, n: f"{a.action} {a.table}", style="magenta", no_wrap=True),
    Column("Detail", lambda a, n: a.summary, min_width=20),
)

TABLES[Consent] = (
    Column("ID", lambda k, n: str(k.id), style="dim", justify="right", no_wrap=True),
    Column("Contact", lambda k, n: k.contact_name, style="bold", max_width=24),
    Column("Purpose", lambda k, n: k.purpose, style="cyan", no_wrap=True),
    Column("Consent", lambda k, n: _mark(k.granted, "granted", "revoked"), no_wrap=True),
    Column("Since", lambda k, n: _when(k.at, n), no_wrap=True),
    Column("Source", lambda k, n: k.source, min_width=10),
)


def _mark(ok: bool, yes: str = "ok", no: str = "FAIL") -> Any:
    from rich.text import Text

    return Text(yes, style="green") if ok else Text(no, style="bold red")

def _close(deal: Deal, now: datetime) -> Any:
    from rich.text import Text

    from minicrm.dates import describe_day

    if deal.close_on is None:
        return None
    if deal.stage in ("won", "lost"):
        return deal.close_on.isoformat()
    late = deal.close_on < now.date()
    return Text(describe_day(deal.close_on, now.date()), style="bold red" if late else "")


TABLES[Deal] = (
    Column("ID", lambda d, n: str(d.id), style="dim", justify="right", no_wrap=True),
    Column("Contact", lambda d, n: d.contact_name, style="bold", max_width=24),
    Column("Title", lambda d, n: d.title, min_width=16),
    Column("Value", lambda d, n: _money(d.value), justify="right", no_wrap=True),
    Column("Stage", lambda d, n: d.stage, style="magenta", no_wrap=True),
    Column("Close", _close, no_wrap=True),
)
TABLES[PipelineStage] = (
    Column("Stage", lambda p, n: p.stage, style="bold", no_wrap=True),
    Column("Deals", lambda p, n: str(p.count), justify="right"),
    Column("Value", lambda p, n: _money(p.value), justify="right", no_wrap=True),
    Column("Probability", lambda p, n: f"{p.probability:.0%}", justify="right"),
    Column("Weighted", lambda p, n: _money(p.weighted_value), justify="right", no_wrap=True),
)
TABLES[CustomerValue] = (
    Column("ID", lambda c, n: str(c.contact_id), style="dim", justify="right", no_wrap=True),
    Column("Customer", lambda c, n: c.contact_name, style="bold", max_width=26),
    Column("Orders", lambda c, n: str(c.orders), justify="right"),
    Column("Value", lambda c, n: _money(c.lifetime_value), justify="right", no_wrap=True),
    Column("Avg order", lambda c, n: _money(c.average_order_value), justify="right", no_wrap=True, priority=2),
    Column("Usual gap", lambda c, n: "" if c.median_gap_days is None else f"{c.median_gap_days:g} d",
           justify="right", no_wrap=True),
    Column("Last order", lambda c, n: f"{c.days_since_last_order} d ago", justify="right", no_wrap=True),
    Column("RFM", lambda c, n: f"{c.r_score}{c.f_score}{c.m_score}" if c.r_score else "", style="dim", priority=3),
    Column("Group", lambda c, n: c.rfm_group, style="magenta", no_wrap=True),
)
TABLES[Metric] = (
    Column("Section", lambda m, n: m.section, style="dim"),
    Column("Key", lambda m, n: m.key, style="bold"),
    Column("Value", lambda m, n: m.value, justify="right"),
)


def _bars(title: str, rows: list[tuple[str, float, str]], width: int) -> Any:
    """A terminal bar chart: label, bar scaled to the largest value, the value as text."""
    from rich.table import Table
    from rich.text import Text

    top = max((value for _, value, _ in rows), default=0) or 1
    table = Table.grid(padding=(0, 1))
    table.title, table.title_justify, table.title_style = title, "left", "bold"
    for _ in range(3):
        table.add_column(no_wrap=True)
    span = max(10, width - 30)
    for label, value, shown in rows:
        table.add_row(Text(label, style="dim"), Text("█" * round(span * value / top), style="cyan"), Text(shown))
    return table


def write_report(rep: Report, now: datetime, out: IO[str]) -> None:
    from rich.table import Table
    from rich.text import Text

    con = console(out)
    con.print(Text(f"minicrm report: {rep.since} to {rep.until}", style="bold"))
    con.print(Text(f"{rep.contacts} contacts · {rep.new_customers} new customers · "
                   f"{rep.interactions_in_window} interactions · {rep.orders_in_window} orders · "
                   f"revenue {_money(rep.revenue_in_window)} · {rep.overdue_reminders} overdue, "
                   f"{rep.due_today_reminders} due today · {rep.stale_contacts} quiet for {rep.stale_days}+ days"))
    funnel = Table(title="Funnel", title_justify="left", title_style="bold")
    for header in ("Stage", "Now", "Reached", "Conversion", "Entered in window"):
        funnel.add_column(header, justify="left" if header == "Stage" else "right")
    for f in rep.funnel:
        funnel.add_row(f.stage, str(f.contacts), str(f.reached),
                       "" if f.conversion is None else f"{f.conversion:.0%}", str(f.entered))
    con.print(funnel)
    con.print(_bars("Interactions per week", [(b.label, b.count, str(b.count)) for b in rep.interactions_per_week],
                    con.width))
    con.print(_bars("Revenue per month", [(b.label, float(b.amount), _money(b.amount)) for b in rep.revenue_per_month],
                    con.width))
    if rep.top_customers:
        con.print(build_table(rep.top_customers, CustomerValue, now, "Top customers", con.width))
    if rep.at_risk:
        con.print(build_table(rep.at_risk, CustomerValue, now, "At risk", con.width))
    con.print(build_table(rep.pipeline, PipelineStage, now, "Pipeline", con.width))


def _what_why(item: DueItem) -> Any:
    """What to do, and on a dim second line why it is on the list."""
    from rich.text import Text

    cell = Text(scrub(_one_line(item.text)))
    cell.append("\n" + scrub(_one_line(item.reason)), style="dim")
    return cell


TABLES[DueItem] = (
    Column("ID", lambda r, n: "" if r.id is None else str(r.id), style="dim", justify="right", no_wrap=True),
    Column("Kind", lambda r, n: r.kind, style="magenta", no_wrap=True, priority=4),
    Column("Due", _due, no_wrap=True),
    Column("Contact", lambda r, n: r.contact_name, style="bold", max_width=24, min_width=10),
    Column("Reach", lambda r, n: r.contact_phone or r.contact_email, max_width=18, no_wrap=True,
           overflow="ellipsis", priority=3),
    Column("What / why", lambda r, n: _what_why(r), flex=1),
    Column("Urgency", lambda r, n: str(r.urgency), justify="right", no_wrap=True),
)
TABLES[Cadence] = (
    Column("Target", lambda c, n: c.target),
    Column("Name", lambda c, n: c.name, style="bold"),
    Column("Every", lambda c, n: f"{c.days} days" if c.days else "off"),
    Column("Next touch", lambda c, n: c.next_touch_on.isoformat() if c.next_touch_on else ""),
)
TABLES[Segment] = (
    Column("Name", lambda g, n: g.name, style="bold", no_wrap=True),
    Column("Filters", lambda g, n: " ".join(f"{k}={','.join(v) if isinstance(v, list) else v}"
                                            for k, v in g.filters.items())),
    Column("Contacts", lambda g, n: str(g.contacts), justify="right"),
)
TABLES[ScorePart] = (
    Column("Part", lambda p, n: p.part, style="bold", no_wrap=True),
    Column("Why", lambda p, n: p.detail),
    Column("Points", lambda p, n: f"{p.points:g}", justify="right", no_wrap=True),
)
TABLES[Weight] = (
    Column("Weight", lambda w, n: w.name, style="bold", no_wrap=True),
    Column("Value", lambda w, n: f"{w.weight:g}", justify="right"),
)
TABLES[Occasion] = (
    Column("ID", lambda o, n: str(o.id), style="dim", justify="right", no_wrap=True),
    Column("Contact", lambda o, n: o.contact_name, style="bold", max_width=24),
    Column("Occasion", lambda o, n: o.label),
    Column("Next", lambda o, n: o.next_on.isoformat(), no_wrap=True),
    Column("Lead", lambda o, n: f"{o.lead_days} d", justify="right"),
    Column("Note", lambda o, n: o.note),
)
