"""Table columns: what a person sees of each record type, and how each cell is drawn.

``TABLES`` maps a record type to its ``Column``s: a header, a function from (record, now)
to the cell, styles, widths and a priority (1 always shown; 2 from 100 terminal columns;
3 from 120; 4 from 140). A column with a ``flex`` share takes the width the others leave
and keeps each row to its lines, cutting long text with "…".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from minicrm.models import (AuditEntry, Cadence, Change, Consent, Contact, CustomerValue, Deal, DigestSent, DueItem,
                            DuplicatePair, HealthCheck, ImportAction, Interaction, MergeResult, Metric, Occasion,
                            PipelineStage, Product, SalesRow, UsualItem, Referral, Reminder, ScoredContact, ScorePart, SearchHit, Segment, Setting, StageChange,
                            Weight, line_text)
from minicrm.money import money
from minicrm.render import scrub

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
    until: int = 99  # shown only below this priority's width (2: only under 100 columns)
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


def lines_text(lines: tuple) -> str:
    """An order's lines as people say them: ``2 × Seeded loaf, 0.5 kg Rye``."""
    return ", ".join(line_text(line.quantity, line.unit, line.product) for line in lines)


def _said(interaction: Interaction) -> str | None:
    """An interaction's text, after its lines when it has some."""
    if not interaction.lines:
        return interaction.text
    listed = lines_text(interaction.lines)
    return f"{listed} · {interaction.text}" if interaction.text else listed


def ago(contact: Contact, now: datetime) -> str:
    from minicrm.dates import describe_ago

    return describe_ago(contact.last_contact_at, now)


def _due(reminder: Reminder, now: datetime) -> Any:
    from rich.text import Text

    from minicrm.dates import describe_day

    if reminder.state in ("done", "cancelled"):
        return Text(reminder.state, style="dim")
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
    Column("Last contact", ago, no_wrap=True),
)
INTERACTION_COLUMNS = (
    Column("ID", lambda i, n: str(i.id), style="dim", justify="right", no_wrap=True),
    Column("When", lambda i, n: _when(i.at, n), no_wrap=True),
    Column("Contact", lambda i, n: i.contact_name, style="bold", flex=1, min_width=16),
    Column("Kind", lambda i, n: i.kind, style="magenta", no_wrap=True),
    Column("Amount", lambda i, n: money(i.amount, i.currency), justify="right", no_wrap=True),  # money is the last to drop
    Column("Text", lambda i, n: _said(i), flex=3),
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
TABLES[Product] = (
    Column("ID", lambda p, n: str(p.id), style="dim", justify="right", no_wrap=True),
    Column("Product", lambda p, n: p.name, style="bold", flex=3, min_width=16),
    Column("Price", lambda p, n: money(p.price, p.currency), justify="right", no_wrap=True),
    Column("Unit", lambda p, n: p.unit, no_wrap=True),
    Column("SKU", lambda p, n: p.sku, flex=1, priority=2),
    Column("Tags", lambda p, n: ", ".join(p.tags), style="cyan", flex=2),
    Column("Archived", lambda p, n: _when(p.archived_at, n), style="dim", flex=1, priority=2),
)
TABLES[UsualItem] = (
    Column("Usually", lambda u, n: lines_text((u,)), style="bold", flex=3, min_width=16),
    Column("In orders", lambda u, n: f"{u.orders} of {u.of_orders}", justify="right", no_wrap=True),
    Column("Last ordered", lambda u, n: _when(u.last_ordered_at, n), no_wrap=True),
    Column("Price", lambda u, n: money(u.price, u.currency), justify="right", no_wrap=True),
)
TABLES[SalesRow] = (
    Column("Product", lambda s, n: s.key if s.key is not None else "(no tag)", style="bold", flex=3, min_width=16),
    Column("Quantity", lambda s, n: f"{s.quantity:f}", justify="right", no_wrap=True),
    Column("Orders", lambda s, n: str(s.orders), justify="right", no_wrap=True),
    Column("Revenue", lambda s, n: money(s.revenue, s.currency), justify="right", no_wrap=True),
    Column("Share", lambda s, n: "" if s.share is None else f"{s.share:.0%}", justify="right", no_wrap=True),
)
TABLES[ScoredContact] = (*CONTACT_COLUMNS, Column("Score", lambda c, n: f"{c.score:.1f}", justify="right", no_wrap=True))
TABLES[Referral] = (
    Column("ID", lambda r, n: str(r.id), style="dim", justify="right", no_wrap=True),
    Column("When", lambda r, n: _when(r.at, n), no_wrap=True),
    Column("Referrer", lambda r, n: r.referrer_name, style="bold", max_width=24),
    Column("Referred", lambda r, n: r.referred_name, max_width=24),
    Column("Text", lambda r, n: r.text, min_width=20),
)


def one_line(value: Any) -> Any:
    """A text on one line, for a cell that is cut rather than wrapped."""
    return value.replace("\n", " ") if isinstance(value, str) else value


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
    Column("Value", lambda d, n: money(d.value, d.currency), justify="right", no_wrap=True),
    Column("Stage", lambda d, n: d.stage, style="magenta", no_wrap=True),
    Column("Close", _close, no_wrap=True),
)
TABLES[PipelineStage] = (
    Column("Stage", lambda p, n: p.stage, style="bold", no_wrap=True),
    Column("Deals", lambda p, n: str(p.count), justify="right"),
    Column("Value", lambda p, n: money(p.value, p.currency), justify="right", no_wrap=True),
    Column("Probability", lambda p, n: f"{p.probability:.0%}", justify="right"),
    Column("Weighted", lambda p, n: money(p.weighted_value, p.currency), justify="right", no_wrap=True),
)
TABLES[CustomerValue] = (
    Column("ID", lambda c, n: str(c.contact_id), style="dim", justify="right", no_wrap=True),
    Column("Customer", lambda c, n: c.contact_name, style="bold", max_width=26),
    Column("Orders", lambda c, n: str(c.orders), justify="right"),
    Column("Value", lambda c, n: money(c.lifetime_value, c.currency), justify="right", no_wrap=True),
    Column("Avg order", lambda c, n: money(c.average_order_value, c.currency), justify="right", no_wrap=True, priority=2),
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


def _what_why(item: DueItem, who: bool = False) -> Any:
    """What to do, and on a dim second line why it is on the list; with ``who``, the contact's
    name starts the second line (under 120 columns, where the contact column makes room for the task)."""
    from rich.text import Text

    cell = Text(scrub(one_line(item.text)))
    cell.append("\n")
    if who:
        cell.append(scrub(one_line(item.contact_name)), style="bold")
        cell.append(" · ", style="dim")
    cell.append(scrub(one_line(item.reason)), style="dim")
    return cell


TABLES[DueItem] = (
    Column("ID", lambda r, n: r.item_id if r.id is None else str(r.id), style="dim", justify="right", no_wrap=True),
    Column("Kind", lambda r, n: r.kind, style="magenta", no_wrap=True, priority=4),
    Column("Due", _due, no_wrap=True),
    Column("Contact", lambda r, n: r.contact_name, style="bold", max_width=24, min_width=10, priority=3),
    Column("Reach", lambda r, n: r.contact_phone or r.contact_email, max_width=18, no_wrap=True,
           overflow="ellipsis", priority=3),
    Column("What / who, why", lambda r, n: _what_why(r, who=True), flex=1, until=3),
    Column("What / why", lambda r, n: _what_why(r), flex=1, priority=3),
    Column("Urgency", lambda r, n: str(r.urgency), justify="right", no_wrap=True, priority=2),
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

TABLES[Setting] = (
    Column("Key", lambda s, n: s.key, style="bold", no_wrap=True),
    Column("Value", lambda s, n: s.value or "", no_wrap=True),
    Column("Source", lambda s, n: s.source, style="dim", no_wrap=True),
    Column("Meaning", lambda s, n: s.description, flex=1, priority=2),
)
TABLES[DigestSent] = (
    Column("Sent", lambda d, n: _when(d.sent_at, n), no_wrap=True),
    Column("For", lambda d, n: f"{d.day:%a %d %b}" + (" (week)" if d.span == "week" else ""), no_wrap=True),
    Column("Channel", lambda d, n: d.channel, style="bold", flex=1),
    Column("Items", lambda d, n: str(d.items), justify="right", no_wrap=True),
    Column("Format", lambda d, n: d.format, style="dim", no_wrap=True, priority=2),
)
