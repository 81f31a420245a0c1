"""Reminder commands: remind, done, snooze, reminder edit, reminder rm."""

from typing import Annotated

import typer

from minicrm.cli.common import ContactArg, FormatOption, JsonOption, Run, completes, note

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
    run.one(reminders.add(run.store, run.now, found, text, on, every, date_order=run.date_order(on)))


@app.command("done")
def done(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(metavar="ITEM...",
        help="Reminder ids, or item_ids that minicrm due prints (cadence:12, reorder:7...)",
        autocompletion=completes("items"))],
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Complete reminders, or clear other items of the morning list.

    A recurring reminder rolls forward to its next date instead. On a
    cadence item (cadence:12) done logs that you got in touch; a reorder or
    an occasion is cleared for this time; a deal leaves the list when it is
    moved (minicrm deal move) or its close date changes. All of them are
    one change.

    \b
    Example:
      minicrm done 4 7
      minicrm done cadence:12 occasion:2
    """
    from minicrm.models import Reminder
    from minicrm.services import agenda

    run = Run(ctx, fmt, as_json)
    completed, notes = agenda.done(run.store, run.now, ids)
    if completed:
        run.many(completed, Reminder)
    for line in notes:
        note(line)


@app.command("snooze")
def snooze(
    ctx: typer.Context,
    reminder_id: Annotated[str, typer.Argument(metavar="ITEM",
        help="A reminder id, or an item_id that minicrm due prints (cadence:12, deal:3...)",
        autocompletion=completes("items"))],
    until: Annotated[str, typer.Option("--until", metavar="WHEN", help="New due date: tomorrow, mon 9am, 3d...")],
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Postpone a reminder, or any item of the morning list.

    A recurring reminder keeps its rhythm: its next date counts from the
    original. Another item (cadence:12, deal:3, reorder:7, occasion:2) is
    left off minicrm due until that day.

    \b
    Example:
      minicrm snooze 4 --until "mon 9am"
      minicrm snooze cadence:12 --until "next friday"
    """
    from minicrm.services import agenda

    run = Run(ctx, fmt, as_json)
    run.one(agenda.snooze(run.store, run.now, reminder_id, until, run.date_order(until)))


reminder_app = typer.Typer(
    help="Reminders: change, stop repeating, or cancel.\n\n\b\nExample:\n"
    '  minicrm reminder edit 4 --on "fri 10am"\n'
    "  minicrm reminder rm 4",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
app.add_typer(reminder_app, name="reminder")


@reminder_app.command("edit")
def reminder_edit(
    ctx: typer.Context,
    reminder_id: Annotated[int, typer.Argument(metavar="ID", help="Reminder id",
        autocompletion=completes("reminder_ids"))],
    text: Annotated[str | None, typer.Option("--text", "-t", help="What to do")] = None,
    on: Annotated[str | None, typer.Option("--on", metavar="WHEN", help="New date: its rhythm restarts from it")] = None,
    every: Annotated[str | None, typer.Option("--every", metavar="RULE",
        help="Repeat: daily, weekly, monthly, yearly, every 2 weeks...")] = None,
    no_repeat: Annotated[bool, typer.Option("--no-repeat", help="Stop repeating: done once this date is done")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Change an open reminder; prints it.

    A new date (--on) is also the day a recurring reminder counts from.
    One change: minicrm undo reverts it.

    \b
    Example:
      minicrm reminder edit 4 --on "fri 10am"
      minicrm reminder edit 4 --every "every 2 weeks"
      minicrm reminder edit 4 --no-repeat
    """
    from minicrm.services import reminders

    run = Run(ctx, fmt, as_json)
    run.one(reminders.edit(run.store, run.now, reminder_id, text=text, on=on, every=every, no_repeat=no_repeat,
                           date_order=run.date_order(on)))  # fmt: skip


@reminder_app.command("rm")
def reminder_rm(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Reminder ids",
        autocompletion=completes("reminder_ids"))],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accepted for scripts; cancelling never asks")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Cancel reminders: they leave due for good.

    A cancelled reminder is kept, with the dates it was done on (see
    minicrm show and export). All of them are one change: minicrm undo
    reopens them.

    \b
    Example:
      minicrm reminder rm 4
      minicrm reminder rm 4 7
    """
    from minicrm.models import Reminder
    from minicrm.services import reminders

    run = Run(ctx, fmt, as_json)
    cancelled = reminders.cancel(run.store, run.now, ids)
    run.many(cancelled, Reminder)
    note(f"Cancelled reminder{'s' if len(cancelled) > 1 else ''} {', '.join(str(r.id) for r in cancelled)}. "
         "Undo with: minicrm undo")
