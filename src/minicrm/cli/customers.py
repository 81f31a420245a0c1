"""Customer commands: customers, at-risk."""

from typing import Annotated

import typer

from minicrm.cli.common import AllOption, FormatOption, JsonOption, Run

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("customers")
def customers(
    ctx: typer.Context,
    group: Annotated[str | None, typer.Option("--group", "-g",
        help="Only this RFM group: champions, loyal, new, at-risk, hibernating or lost")] = None,
    sort: Annotated[str, typer.Option("--sort", help="value, orders or recent")] = "value",
    limit: Annotated[int | None, typer.Option("--limit", "-l", help="At most this many")] = None,
    all_: AllOption = False, fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Customers by value, with rhythm and RFM group.

    From orders with an amount: lifetime value, order count, average order,
    median gap between orders (see docs/insight.md for the RFM rules).

    \b
    Example:
      minicrm customers --limit 10
      minicrm customers --group champions --json
    """
    from minicrm.models import CustomerValue
    from minicrm.services import customers

    run = Run(ctx, fmt, as_json)
    run.listing(lambda n: customers.find(run.store, run.now, group=group, sort=sort, limit=n), CustomerValue,
                limit=limit, show_all=all_, count=None if group else lambda: customers.count(run.store, run.now),
                empty="No customers yet: log an order with --amount")  # fmt: skip


@app.command("at-risk")
def at_risk(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option("--limit", "-l", help="At most this many")] = None,
    all_: AllOption = False, fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Customers gone quiet, most valuable first.

    At risk: no order for more than twice their own median gap between orders.

    \b
    Example:
      minicrm at-risk
      minicrm at-risk --limit 5 --json | jq -r '.[].contact_name'
    """
    from minicrm.models import CustomerValue
    from minicrm.services import customers

    run = Run(ctx, fmt, as_json)
    run.listing(lambda n: customers.at_risk(run.store, run.now, n), CustomerValue, limit=limit, show_all=all_,
                count=lambda: customers.count(run.store, run.now, at_risk=True), title="At risk",
                empty="Nobody is at risk.")  # fmt: skip
