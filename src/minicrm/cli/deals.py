"""Deal commands: deal add, list, move, edit, rm, pipeline."""

from typing import Annotated

import typer

from minicrm.cli import common
from minicrm.cli.common import CONTACT, ContactArg, FormatOption, JsonOption, Run, YesOption, completes, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


deal_app = typer.Typer(
    help="Deals: what you sell, to whom, how far along.\n\n\b\nExample:\n"
    '  minicrm deal add jonas "Website relaunch" --value 8000 --close "Dec 15"\n'
    "  minicrm deal pipeline",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
app.add_typer(deal_app, name="deal")
DEAL_STAGE_HELP = "lead, proposal, negotiation, won or lost"


@deal_app.command("add")
def deal_add(
    ctx: typer.Context,
    contact: ContactArg,
    title: Annotated[str, typer.Argument(help="What the deal is about")],
    value: Annotated[str | None, typer.Option("--value", metavar="N", help="What it is worth, e.g. 2400")] = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help=f"{DEAL_STAGE_HELP} [default: lead]",
        autocompletion=completes("deal_stages"))] = None,
    close: Annotated[str | None, typer.Option("--close", metavar="WHEN", help="Expected close date")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Add a deal; prints it, id first.

    \b
    Example:
      minicrm deal add jonas "Website relaunch" --value 8000 --stage proposal --close "Dec 15"
    """
    from minicrm.services import contacts, deals

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact)
    decimal = common.setting(run, "decimal") if value else "."
    run.one(deals.add(run.store, run.now, found, title, value, stage, close, decimal=decimal,
                      date_order=run.date_order(close)))  # fmt: skip


@deal_app.command("list")
def deal_list(
    ctx: typer.Context,
    stage: Annotated[list[str] | None, typer.Option("--stage", "-s", help=f"Only this stage (repeatable): {DEAL_STAGE_HELP}",
        autocompletion=completes("deal_stages"))] = None,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT", help="Only this contact's",
        click_type=CONTACT)] = None,
    open_: Annotated[bool, typer.Option("--open", help="Only deals not yet won or lost")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """List deals by close date.

    \b
    Example:
      minicrm deal list --open
      minicrm deal list --contact jonas --json
    """
    from minicrm.models import Deal
    from minicrm.services import deals

    run = Run(ctx, fmt, as_json)
    run.many(deals.find(run.store, stages=stage or (), contact=contact, open_only=open_), Deal,
             empty='No deals. Add one: minicrm deal add CONTACT "Title" --value 1000')  # fmt: skip


@deal_app.command("move")
def deal_move(
    ctx: typer.Context,
    deal_id: Annotated[int, typer.Argument(metavar="ID", help="Deal id")],
    stage: Annotated[str, typer.Argument(help=DEAL_STAGE_HELP, autocompletion=completes("deal_stages"))],
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Move a deal to another stage.

    Winning a deal logs it as an order (its value the amount), so the
    lifecycle rules apply to its contact.

    \b
    Example:
      minicrm deal move 3 won
    """
    from minicrm.services import deals

    run = Run(ctx, fmt, as_json)
    before = deals.get(run.store, deal_id)
    moved = deals.move(run.store, run.now, deal_id, stage)
    if moved.stage == before.stage:
        note(f"Deal {moved.id} is already {moved.stage}.")
    elif moved.stage == "won":
        note(f"Logged the win as an order for {moved.contact_name}.")
    run.one(moved)


@deal_app.command("edit")
def deal_edit(
    ctx: typer.Context,
    deal_id: Annotated[int, typer.Argument(metavar="ID", help="Deal id")],
    title: Annotated[str | None, typer.Option("--title", help="What the deal is about")] = None,
    value: Annotated[str | None, typer.Option("--value", metavar="N", help="What it is worth")] = None,
    close: Annotated[str | None, typer.Option("--close", metavar="WHEN", help="Expected close date (empty clears it)")] = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help=DEAL_STAGE_HELP,
        autocompletion=completes("deal_stages"))] = None,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT", help="Whose deal it is",
        click_type=CONTACT)] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Correct a deal; prints it.

    A new --stage moves the deal as deal move does (winning logs an order).
    One change: minicrm undo reverts it.

    \b
    Example:
      minicrm deal edit 3 --value 9500 --close "Jan 15"
      minicrm deal edit 3 --contact priya --title "Website relaunch, phase 2"
    """
    from minicrm.services import contacts, deals

    run = Run(ctx, fmt, as_json)
    other = contacts.resolve(run.store, contact) if contact else None
    decimal = common.setting(run, "decimal") if value else "."
    run.one(deals.edit(run.store, run.now, deal_id, title=title, value=value, close=close, stage=stage,
                       contact=other, decimal=decimal, date_order=run.date_order(close)))  # fmt: skip


@deal_app.command("rm")
def deal_rm(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Deal ids")],
    yes: YesOption = False,
) -> None:  # fmt: skip
    """Remove deals.

    Asks first on a terminal; scripts must pass --yes. An order logged when
    a deal was won stays. All of them are one change: minicrm undo brings
    them back.

    \b
    Example:
      minicrm deal rm 3
      minicrm deal rm 3 4 --yes
    """
    from minicrm.cli.common import confirm
    from minicrm.services import deals

    run = Run(ctx)
    found = [deals.get(run.store, i) for i in dict.fromkeys(ids)]
    if len(found) == 1:
        what = f"deal {found[0].id} ({found[0].title}, {found[0].contact_name})"
    else:
        what = f"{len(found)} deals ({', '.join(str(d.id) for d in found)})"
    if not yes:
        confirm(f"Remove {what}?", what, "remove")
    deals.remove(run.store, [d.id for d in found])
    note(f"Removed {what}. Undo with: minicrm undo")


@deal_app.command("pipeline")
def deal_pipeline(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Count, value and weighted value per stage.

    Weighted value = value × the stage's probability (see docs/insight.md).

    \b
    Example:
      minicrm deal pipeline
    """
    from minicrm.models import PipelineStage
    from minicrm.services import deals

    run = Run(ctx, fmt, as_json)
    run.many(deals.pipeline(run.store), PipelineStage, title="Pipeline")
