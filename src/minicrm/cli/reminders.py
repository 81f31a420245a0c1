"""Reminder commands: remind, due, done, snooze."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import ContactArg, FormatOption, JsonOption, Run

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("remind")
def remind(
    ctx: typer.Context,
    contact: ContactArg,
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
    from minicrm.services import contacts, reminders

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact)
    run.one(reminders.add(run.store, run.now, found, text, on, every))


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
    from minicrm.models import Reminder
    from minicrm.services import reminders

    run = Run(ctx, fmt, as_json)
    run.many(reminders.complete(run.store, run.now, ids), Reminder)


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
    from minicrm.services import reminders

    run = Run(ctx, fmt, as_json)
    run.one(reminders.snooze(run.store, run.now, reminder_id, until))
