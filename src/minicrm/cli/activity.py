"""Interaction commands: log, history, referrals, interaction edit, interaction rm."""

from typing import Annotated

import typer

from minicrm.cli import common
from minicrm.cli.common import AllOption, CONTACT, ContactArg, FormatOption, JsonOption, Run, YesOption, completes, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them

KIND_HELP = "call, email, meeting, note, order, message, visit, ticket, referral or refund"


@app.command("log")
def log(
    ctx: typer.Context,
    contact: ContactArg,
    kind: Annotated[str, typer.Argument(metavar="KIND", help=KIND_HELP, autocompletion=completes("interaction_kinds"))],
    text: Annotated[str | None, typer.Argument(metavar="[TEXT]",
        help="What happened; - reads it from standard input")] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN", help="When it happened [default: now]")] = None,
    amount: Annotated[str | None, typer.Option("--amount", metavar="N", help="Amount, e.g. for an order: 9.50, or 9,50 when the decimal mark is , (minicrm config decimal)")] = None,
    referred: Annotated[str | None, typer.Option("--referred", metavar="CONTACT",
        help="For a referral: the contact they introduced", click_type=CONTACT)] = None,
    item: Annotated[list[str] | None, typer.Option("--item", "-i", metavar='"PRODUCT [xQTY] [@ PRICE]"',
        help="For an order or a refund: a line (repeatable); the amount is their sum unless --amount")] = None,
    new_products: Annotated[bool, typer.Option("--new-products",
        help="Create the products of --item that do not exist yet (at the @ PRICE given, else 0)")] = False,
    usual: Annotated[bool, typer.Option("--usual", help="For an order: the customer's usual order (minicrm usual)")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Record an interaction; prints it, id first.

    Orders and referrals move the contact along the lifecycle (see docs/insight.md).
    An order's lines are products (see minicrm product), priced on the order's day.

    \b
    Example:
      minicrm log ann call "Asked about a wedding cake"
      minicrm log ann order --item "Seeded loaf x2" --item "Rye 1kg"
      minicrm log maria order --usual
      minicrm log ann order "Sourdough x2" --amount 9.50 --at "yesterday 4pm"
      minicrm log priya referral "Introduced Jonas" --referred jonas
      mail-body | minicrm log bob@acme.test email -
    """
    from minicrm.services import activity, contacts

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact)
    other = contacts.resolve(run.store, referred) if referred else None
    if text == "-":
        text = common.read_stdin("the text")
    decimal = common.setting(run, "decimal") if amount or item else "."
    items: list = list(item or ())
    if usual:
        from minicrm.services import products

        items = [*products.usual_items(run.store, run.now, found), *items]
    logged = activity.log(run.store, run.now, found, kind, text, at=at, amount=amount, referred=other,
                          decimal=decimal, items=items, new_products=new_products,
                          date_order=run.date_order(at))  # fmt: skip
    if new_products and logged.lines:
        from minicrm.money import money
        from minicrm.services import products

        for product in products.added_at(run.store, run.now, [line.product_id for line in logged.lines]):
            note(f"Added the product {product.name} (#{product.id}) at {money(product.price, run.currency)}; "
                 f"change its price with: minicrm product edit {product.id} --price N")
    stage = contacts.resolve(run.store, str(found.id)).stage
    if stage != found.stage:
        note(f"{found.name} moved from {found.stage} to {stage}.")
    run.one(logged)


@app.command("history")
def history(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]", help="Only this contact's",
        click_type=CONTACT)] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k", help=f"Only this kind (repeatable): {KIND_HELP}",
        autocompletion=completes("interaction_kinds"))] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", help="From this day or time on")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="WHEN", help="Up to this day or time")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-l", help="At most this many")] = None,
    all_: AllOption = False, fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Interactions, newest first.

    \b
    Example:
      minicrm history ann
      minicrm history --kind order --since "30 days ago" --format csv > orders.csv
    """
    from minicrm.services import activity, contacts
    from minicrm.errors import InvalidValue
    from minicrm.models import Interaction

    run = Run(ctx, fmt, as_json)
    if limit is not None and limit < 0:
        raise InvalidValue("--limit takes a number (0 or more)", "E.g. --limit 50")
    found = contacts.resolve(run.store, contact) if contact else None
    run.listing(
        lambda n: activity.history(run.store, run.now, found, kinds=kind or (), since=since, until=until, limit=n,
                                   date_order=run.date_order(since, until)),
        Interaction, limit=limit, show_all=all_,
        empty='No interactions found. Log one: minicrm log CONTACT call "what was said"',
    )


@app.command("referrals")
def referrals(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]",
        help="Only referrals made by or naming this contact", click_type=CONTACT)] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Who referred whom, newest first.

    \b
    Example:
      minicrm log priya referral "Introduced Jonas" --referred jonas
      minicrm referrals
      minicrm referrals jonas --json
    """
    from minicrm.models import Referral
    from minicrm.services import activity

    run = Run(ctx, fmt, as_json)
    run.many(activity.referrals(run.store, contact), Referral,
             empty="No referrals yet. Log one: minicrm log A referral --referred B")  # fmt: skip


interaction_app = typer.Typer(
    help="Interactions: correct or remove what was logged.\n\n\b\nExample:\n"
    "  minicrm interaction edit 42 --amount 19.50\n"
    "  minicrm interaction rm 42",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
app.add_typer(interaction_app, name="interaction")


@interaction_app.command("edit")
def interaction_edit(
    ctx: typer.Context,
    interaction_id: Annotated[int, typer.Argument(metavar="ID", help="Interaction id (minicrm history shows it)")],
    kind: Annotated[str | None, typer.Option("--kind", "-k", help=KIND_HELP,
        autocompletion=completes("interaction_kinds"))] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN", help="When it happened")] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="What happened (empty clears it; - reads standard input)")] = None,
    amount: Annotated[str | None, typer.Option("--amount", metavar="N", help="Amount (empty clears it)")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Correct a logged interaction; prints it.

    Last contact, customer value and rhythm follow the change; making it an
    order or a referral applies the lifecycle rule (a stage never moves back).
    One change: minicrm undo reverts it.

    \b
    Example:
      minicrm interaction edit 42 --amount 19.50
      minicrm interaction edit 42 --kind order --at "yesterday 4pm" --text "Sourdough x3"
    """
    from minicrm.services import activity, contacts

    run = Run(ctx, fmt, as_json)
    if text == "-":
        text = common.read_stdin("the text")
    before = activity.get(run.store, interaction_id)
    stage = contacts.resolve(run.store, str(before.contact_id)).stage
    decimal = common.setting(run, "decimal") if amount else "."
    edited = activity.edit(run.store, run.now, interaction_id, kind=kind, at=at, text=text, amount=amount,
                           decimal=decimal, date_order=run.date_order(at))  # fmt: skip
    now_stage = contacts.resolve(run.store, str(edited.contact_id)).stage
    if now_stage != stage:
        note(f"{edited.contact_name} moved from {stage} to {now_stage}.")
    run.one(edited)


@interaction_app.command("rm")
def interaction_rm(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Interaction ids (minicrm history shows them)")],
    yes: YesOption = False,
) -> None:  # fmt: skip
    """Remove logged interactions.

    Asks first on a terminal; scripts must pass --yes. Last contact and
    customer value follow. All of them are one change: minicrm undo brings
    them back.

    \b
    Example:
      minicrm interaction rm 42
      minicrm interaction rm 42 43 --yes
    """
    from minicrm.cli.common import confirm
    from minicrm.services import activity

    run = Run(ctx)
    found = [activity.get(run.store, i) for i in dict.fromkeys(ids)]
    what = _interactions_named(found)
    if not yes:
        confirm(f"Remove {what}?", what, "remove")
    activity.remove(run.store, [i.id for i in found])
    note(f"Removed {what}. Undo with: minicrm undo")


def _interactions_named(found: list) -> str:
    if len(found) == 1:
        i = found[0]
        return f"interaction {i.id} ({i.kind} with {i.contact_name}, {i.at:%Y-%m-%d})"
    return f"{len(found)} interactions ({', '.join(str(i.id) for i in found)})"
