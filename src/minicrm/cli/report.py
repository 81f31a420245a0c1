"""The report command."""

from typing import Annotated

import typer

from minicrm.cli.common import FormatOption, JsonOption, Run

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("report")
def report(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN",
        help="Window start [default: the 1st of the month 11 months before --until]")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="WHEN", help="Window end [default: today]")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """The Monday overview: funnel, revenue, risk.

    Contacts per stage with conversion, interactions per week, revenue per
    month, top customers, the at-risk list, stale contacts, due counts and the
    pipeline. --format json gives every number; tsv/csv one number a row.

    \b
    Example:
      minicrm report
      minicrm report --since 2026-10-01 --until 2026-12-31 --json
    """
    import sys

    from minicrm import render
    from minicrm.models import Metric
    from minicrm.money import priced
    from minicrm.services import report

    run = Run(ctx, fmt, as_json)
    rep = priced(report.build(run.store, run.now, since, until, run.date_order(since, until)), run.currency)
    if run.table:
        from minicrm.render import tables

        tables.write_report(rep, run.now, sys.stdout)
    elif run.fmt in ("json", "ndjson"):
        render.write_one(rep, run.fmt, sys.stdout)
    else:
        run.many(report.metrics(rep), Metric)
