"""Tables for people: rich tables cut to the terminal's width, a contact's page, the report,
progress bars. Only this module (and ``render.columns``' cells) draws with rich.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import IO, Any

from minicrm.models import (ContactDetail, CustomerValue, Deal, Interaction, Occasion, PipelineStage, Reminder, Report,
                            SalesRow, StageChange)
from minicrm.render import scrub
from minicrm.money import money
from minicrm.render.columns import TABLES, Column, ago, one_line

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
    columns = [column for column in TABLES[record_type] if column.priority <= shown_priority < column.until]
    rows = [[_cell(one_line(column.cell(record, now)) if cut and column.flex else column.cell(record, now))
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
        ("Phone", ", ".join(f"{p} (unverified)" if p in c.unverified_phones else p for p in c.phones)), ("Tags", ", ".join(c.tags)), ("Birthday", c.birthday),
        *((key, value) for key, value in c.fields.items()),
        ("Last contact", ago(c, now)), ("Note", c.note),
    ]  # fmt: skip
    if detail.consent:
        rows.append(("Consent", "; ".join(f"{k.purpose} {'granted' if k.granted else 'revoked'} {k.at:%Y-%m-%d}"
                                          for k in detail.consent)))  # fmt: skip
    v = detail.value
    if v is not None:
        rows += [("Lifetime value", money(v.lifetime_value, v.currency)), ("Orders", str(v.orders)),
                 ("Average order", money(v.average_order_value, v.currency)),
                 ("Usual gap", f"{v.median_gap_days:g} days" if v.median_gap_days is not None else "")]  # fmt: skip
    if detail.score is not None:
        rows.append(("Score", f"{detail.score:g}"))
    if detail.cadence_days:
        from minicrm.dates import describe_day

        touch = f"; next touch {describe_day(detail.next_touch_on, now.date())}" if detail.next_touch_on else ""
        rows.append(("Cadence", f"every {detail.cadence_days} days{touch}"))
    for label, value in rows:
        if value:
            grid.add_row(_cell(label), _cell(value))
    con.print(grid)
    if detail.deals:
        con.print(build_table(detail.deals, Deal, now, "Open deals", con.width, cut=False))
    if detail.occasions:
        con.print(build_table(detail.occasions, Occasion, now, "Occasions", con.width, cut=False))
    if detail.reminders:
        con.print(build_table(detail.reminders, Reminder, now, "Open reminders", con.width, cut=False))
    if detail.interactions:
        con.print(build_table(detail.interactions, Interaction, now, "Recent interactions", con.width, cut=False))
    if detail.interactions_more:
        con.print(Text(f"{detail.interactions_more} more — minicrm history {c.id}", style="dim"))
    if len(detail.stage_history) > 1:
        con.print(build_table(detail.stage_history, StageChange, now, "Stage history", con.width))


def write_record_table(record: Any, now: datetime, out: IO[str]) -> None:
    """A single created or changed record, as a one-row table (or the detail view)."""
    if isinstance(record, ContactDetail):
        write_detail(record, now, out)
    else:
        write_table([record], type(record), now, out, cut=False)  # what was just written, whole


def track(items: Iterable[Any], total: int, position: Callable[[], int], label: str) -> Iterator[Any]:
    """``items``, with a progress bar on standard error (for a terminal; ``position()`` of ``total``).
    ``label`` is shown as text on one line: no markup, control characters scrubbed."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), console=console(sys.stderr), transient=True) as progress:  # fmt: skip
        task = progress.add_task(scrub(" ".join(label.split())), total=total)
        for count, item in enumerate(items):
            if count % 500 == 0:
                progress.update(task, completed=position())
            yield item


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


def write_sales(rows: list[Any], out: IO[str], *, title: str | None, empty: str) -> None:
    """``sales`` for a person: one row per product, tag or month, with a bar of its revenue."""
    from rich.table import Table
    from rich.text import Text

    if not rows:
        console(sys.stderr).print(empty, style="dim")
        return
    con = console(out)
    top = max((float(r.revenue) for r in rows), default=0) or 1
    table = Table(title=title, title_justify="left", title_style="bold", box=None, padding=(0, 1))
    table.add_column({"product": "Product", "tag": "Tag", "month": "Month"}[rows[0].by], no_wrap=True)
    for header in ("Quantity", "Orders", "Revenue"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    span = max(10, con.width - 60)
    for r in rows:
        label = r.key if r.key is not None else "(no tag)"
        share = f" {r.share:.0%}" if r.share is not None else ""
        table.add_row(_cell(label), f"{r.quantity:f}", str(r.orders), money(r.revenue, r.currency),
                      Text("█" * max(0, round(span * float(r.revenue) / top)), style="cyan") + Text(share, style="dim"))
    con.print(table)


def write_report(rep: Report, now: datetime, out: IO[str]) -> None:
    from rich.table import Table
    from rich.text import Text

    con = console(out)
    con.print(Text(f"minicrm report: {rep.since} to {rep.until}", style="bold"))
    con.print(Text(f"{rep.contacts} contacts · {rep.new_customers} new customers · "
                   f"{rep.interactions_in_window} interactions · {rep.orders_in_window} orders · "
                   f"revenue {money(rep.revenue_in_window, rep.currency)} · {rep.overdue_reminders} overdue, "
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
    con.print(_bars("Revenue per month", [(b.label, float(b.amount), money(b.amount, rep.currency)) for b in rep.revenue_per_month],
                    con.width))
    if rep.top_customers:
        con.print(build_table(rep.top_customers, CustomerValue, now, "Top customers", con.width))
    if rep.at_risk:
        con.print(build_table(rep.at_risk, CustomerValue, now, "At risk", con.width))
    if rep.top_products:
        con.print(build_table(rep.top_products, SalesRow, now, "Top products", con.width))
    con.print(build_table(rep.pipeline, PipelineStage, now, "Pipeline", con.width))
