"""Occasion commands: occasion add, list, rm."""

from typing import Annotated

import typer

from minicrm.cli.common import ContactArg, FormatOption, JsonOption, Run, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


occasion_app = typer.Typer(
    help="Occasions: birthdays and anniversaries, every year.\n\n\b\nExample:\n"
    '  minicrm occasion add ann birthday --lead 14d --note "custom cake"\n'
    "  minicrm occasion list",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
app.add_typer(occasion_app, name="occasion")


@occasion_app.command("add")
def occasion_add(
    ctx: typer.Context,
    contact: ContactArg,
    when: Annotated[str, typer.Argument(metavar="DATE",
        help="1990-05-17, 05-17 (no year), or birthday for the contact's own")],
    label: Annotated[str, typer.Option("--label", help="birthday, anniversary...")] = "birthday",
    lead: Annotated[str, typer.Option("--lead", metavar="DAYS", help="Remind this long before: 14d, 2w")] = "14d",
    note_: Annotated[str | None, typer.Option("--note", "-n", help="What to do, e.g. custom cake")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Add a yearly occasion with a lead time.

    minicrm due shows it from LEAD days before, with last year's order.

    \b
    Example:
      minicrm occasion add ann birthday --lead 14d --note "custom cake"
      minicrm occasion add tom 06-21 --label anniversary --lead 7d
    """
    from minicrm.services import contacts, occasions

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact)
    run.one(occasions.add(run.store, run.now, found, when, label=label, lead=lead, note=note_,
                          date_order=run.date_order(when)))  # fmt: skip


@occasion_app.command("list")
def occasion_list(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Occasions by their next date.

    \b
    Example:
      minicrm occasion list
    """
    from minicrm.models import Occasion
    from minicrm.services import occasions

    run = Run(ctx, fmt, as_json)
    run.many(occasions.find(run.store, run.now.date()), Occasion, empty="No occasions. Add one: minicrm occasion add CONTACT birthday")


@occasion_app.command("rm")
def occasion_rm(ctx: typer.Context, occasion_id: Annotated[int, typer.Argument(metavar="ID", help="Occasion id")]) -> None:
    """Delete an occasion.

    \b
    Example:
      minicrm occasion rm 3
    """
    from minicrm.services import occasions

    run = Run(ctx)
    occasions.delete(run.store, occasion_id)
    note(f"Deleted occasion {occasion_id}.")
