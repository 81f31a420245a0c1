"""The morning list: due."""

from typing import Annotated

import typer

from minicrm.cli.common import AllOption, FormatOption, JsonOption, Run, completes

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("due")
def due(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only items past their day")] = False,
    today: Annotated[bool, typer.Option("--today", help="Only items due today")] = False,
    week: Annotated[bool, typer.Option("--week", help="Everything due in the next 7 days, overdue included")] = False,
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k",
        help="Only this kind (repeatable): reminder, cadence, deal, reorder or occasion",
        autocompletion=completes("due_kinds"))] = None,
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
    from minicrm.models import DueItem
    from minicrm.services import agenda

    run = Run(ctx, fmt, as_json)
    empty = "Nothing due this week." if week else "Nothing due. Plan ahead: minicrm due --week"
    flags = {"overdue": overdue, "today": today, "week": week, "kinds": kind or (), "currency": run.currency}
    if run.table and not all_ and not segment:
        # a screenful: only the items shown are built, the rest only counted
        from minicrm.services import agenda_page

        page = agenda_page.due_page(run.store, run.now, run.screenful(2) + 1, **flags)
        items, total, states = page.items, page.total, page.states
    else:
        items = agenda.due_items(run.store, run.now, **flags)
        if segment:
            from minicrm.services import segments

            items = segments.in_segment(run.store, run.now, items, segment)
        total, states = len(items), {}
        for item in items:
            states[item.state] = states.get(item.state, 0) + 1
    summary = ", ".join(f"{states[s]} {s}" for s in ("overdue", "today", "upcoming") if s in states)
    if not items and run.table and agenda.first_run(run.store):
        empty = ("Nothing here yet. Add someone: minicrm add \"Ann Lee\" --email ann@example.com; "
                 "bring your contacts: minicrm import contacts.csv; or look around first: "
                 "minicrm demo --db /tmp/demo.db")  # fmt: skip
    run.listing(lambda n: items[:n], DueItem, show_all=all_, count=lambda: total, row_lines=2,
                title=f"{run.now:%A %d %B}: {summary}", empty=empty)  # fmt: skip
