"""Reminder commands: remind, due, done, snooze."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import AllOption, FormatOption, JsonOption, Run

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("remind")
def remind(
    ctx: typer.Context,
    contact: Annotated[str, typer.Argument(metavar="CONTACT", help="An id, an exact email, or a name or part of one")],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What to do")],
    on: Annotated[str, typer.Option("--on", metavar="WHEN", help="When it is due: tomorrow 9am, fri, 2026-12-01...")],
    every: Annotated[str | None, typer.Option("--every", metavar="RULE",
        help="Repeat: daily, weekly, monthly, yearly, every 2 weeks...")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Set a follow-up reminder, maybe recurring.

    Prints the reminder, id first.

    \b
    Example:
      minicrm remind ann "Call about the cake" --on "tomorrow 10am"
      minicrm remind ann "Birthday cake" --on "May 3" --every yearly
    """
    from minicrm import services

    run = Run(ctx, fmt, as_json)
    found = services.resolve_contact(run.store, contact)
    run.one(services.add_reminder(run.store, run.now, found, text, on, every))


@app.command("due")
def due(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only items past their day")] = False,
    today: Annotated[bool, typer.Option("--today", help="Only items due today")] = False,
    week: Annotated[bool, typer.Option("--week", help="Everything due in the next 7 days, overdue included")] = False,
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k",
        help="Only this kind (repeatable): reminder, cadence, deal, reorder or occasion")] = None,
    segment: Annotated[str | None, typer.Option("--segment", metavar="NAME",
        help="Only contacts in this saved segment")] = None,
    all_: AllOption = False, fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """The day's work, most urgent first.

    Reminders, contacts past their keep-in-touch cadence, deals past their
    close date, customers likely to reorder and occasions inside their lead
    time, ranked by urgency (how late, how valuable; see docs/insight.md),
    each with the reason it is there.

    \b
    Example:
      minicrm due
      minicrm due --week --kind reminder
      minicrm due --json | jq -r '.[] | "\\(.contact_name): \\(.text) (\\(.reason))"'
    """
    from minicrm import insight
    from minicrm.models import DueItem

    run = Run(ctx, fmt, as_json)
    items = insight.due_items(run.store, run.now, overdue=overdue, today=today, week=week, kinds=kind or ())
    if segment:
        items = insight.in_segment(run.store, run.now, items, segment)
    states = [item.state for item in items]
    summary = ", ".join(f"{states.count(s)} {s}" for s in ("overdue", "today", "upcoming") if s in states)
    run.listing(lambda n: items[:n], DueItem, show_all=all_, count=lambda: len(items), row_lines=2,
                title=f"{run.now:%A %d %B}: {summary}",
                empty="Nothing due this week." if week else "Nothing due. Plan ahead: minicrm due --week")  # fmt: skip


@app.command("done")
def done(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Reminder ids")],
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Complete reminders.

    A recurring reminder rolls forward to its next date instead.

    \b
    Example:
      minicrm done 4 7
    """
    from minicrm import services
    from minicrm.models import Reminder

    run = Run(ctx, fmt, as_json)
    run.many(services.complete(run.store, run.now, ids), Reminder)


@app.command("snooze")
def snooze(
    ctx: typer.Context,
    reminder_id: Annotated[int, typer.Argument(metavar="ID", help="Reminder id")],
    until: Annotated[str, typer.Option("--until", metavar="WHEN", help="New due date: tomorrow, mon 9am, 3d...")],
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Postpone a reminder.

    A recurring reminder keeps its rhythm: its next date counts from the original.

    \b
    Example:
      minicrm snooze 4 --until "mon 9am"
    """
    from minicrm import services

    run = Run(ctx, fmt, as_json)
    run.one(services.snooze(run.store, run.now, reminder_id, until))
