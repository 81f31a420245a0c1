"""Relationship insight commands: referrals, deals, customer value, risk, cadence, the report."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import FormatOption, JsonOption, Run, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("referrals")
def referrals(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]",
        help="Only referrals made by or naming this contact")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Who referred whom, newest first.

    \b
    Example:
      minicrm log priya referral "Introduced Jonas" --referred jonas
      minicrm referrals
      minicrm referrals jonas --json
    """
    from minicrm import insight
    from minicrm.models import Referral

    run = Run(ctx, fmt, as_json)
    run.many(insight.referrals(run.store, contact), Referral,
             empty="No referrals yet. Log one: minicrm log A referral --referred B")  # fmt: skip


# ------------------------------------------------------------------ deals

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
    contact: Annotated[str, typer.Argument(metavar="CONTACT", help="An id, an exact email, or a name or part of one")],
    title: Annotated[str, typer.Argument(help="What the deal is about")],
    value: Annotated[str | None, typer.Option("--value", metavar="N", help="What it is worth, e.g. 2400")] = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help=f"{DEAL_STAGE_HELP} [default: lead]")] = None,
    close: Annotated[str | None, typer.Option("--close", metavar="WHEN", help="Expected close date")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Add a deal; prints it, id first.

    \b
    Example:
      minicrm deal add jonas "Website relaunch" --value 8000 --stage proposal --close "Dec 15"
    """
    from minicrm import insight, services

    run = Run(ctx, fmt, as_json)
    found = services.resolve_contact(run.store, contact)
    run.one(insight.add_deal(run.store, run.now, found, title, value, stage, close))


@deal_app.command("list")
def deal_list(
    ctx: typer.Context,
    stage: Annotated[list[str] | None, typer.Option("--stage", "-s", help=f"Only this stage (repeatable): {DEAL_STAGE_HELP}")] = None,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT", help="Only this contact's")] = None,
    open_: Annotated[bool, typer.Option("--open", help="Only deals not yet won or lost")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """List deals by close date.

    \b
    Example:
      minicrm deal list --open
      minicrm deal list --contact jonas --json
    """
    from minicrm import insight
    from minicrm.models import Deal

    run = Run(ctx, fmt, as_json)
    run.many(insight.list_deals(run.store, stages=stage or (), contact=contact, open_only=open_), Deal,
             empty='No deals. Add one: minicrm deal add CONTACT "Title" --value 1000')  # fmt: skip


@deal_app.command("move")
def deal_move(
    ctx: typer.Context,
    deal_id: Annotated[int, typer.Argument(metavar="ID", help="Deal id")],
    stage: Annotated[str, typer.Argument(help=DEAL_STAGE_HELP)],
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Move a deal to another stage.

    Winning a deal logs it as an order (its value the amount), so the
    lifecycle rules apply to its contact.

    \b
    Example:
      minicrm deal move 3 won
    """
    from minicrm import insight

    run = Run(ctx, fmt, as_json)
    before = insight.get_deal(run.store, deal_id)
    moved = insight.move_deal(run.store, run.now, deal_id, stage)
    if moved.stage == before.stage:
        note(f"Deal {moved.id} is already {moved.stage}.")
    elif moved.stage == "won":
        note(f"Logged the win as an order for {moved.contact_name}.")
    run.one(moved)


@deal_app.command("pipeline")
def deal_pipeline(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Count, value and weighted value per stage.

    Weighted value = value × the stage's probability (see docs/insight.md).

    \b
    Example:
      minicrm deal pipeline
    """
    from minicrm import insight
    from minicrm.models import PipelineStage

    run = Run(ctx, fmt, as_json)
    run.many(insight.pipeline(run.store), PipelineStage, title="Pipeline")


# ------------------------------------------------------------------ customers and risk


@app.command("customers")
def customers(
    ctx: typer.Context,
    group: Annotated[str | None, typer.Option("--group", "-g",
        help="Only this RFM group: champions, loyal, new, at-risk, hibernating or lost")] = None,
    sort: Annotated[str, typer.Option("--sort", help="value, orders or recent")] = "value",
    limit: Annotated[int | None, typer.Option("--limit", "-l", help="At most this many")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Customers by value, with rhythm and RFM group.

    From orders with an amount: lifetime value, order count, average order,
    median gap between orders (see docs/insight.md for the RFM rules).

    \b
    Example:
      minicrm customers --limit 10
      minicrm customers --group champions --json
    """
    from minicrm import insight
    from minicrm.models import CustomerValue

    run = Run(ctx, fmt, as_json)
    run.many(insight.customers(run.store, run.now, group=group, sort=sort, limit=limit), CustomerValue,
             empty="No customers yet: log an order with --amount")  # fmt: skip


@app.command("at-risk")
def at_risk(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option("--limit", "-l", help="At most this many")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Customers gone quiet, most valuable first.

    At risk: no order for more than twice their own median gap between orders.

    \b
    Example:
      minicrm at-risk
      minicrm at-risk --limit 5 --json | jq -r '.[].contact_name'
    """
    from minicrm import insight
    from minicrm.models import CustomerValue

    run = Run(ctx, fmt, as_json)
    run.many(insight.at_risk(run.store, run.now, limit), CustomerValue, title="At risk",
             empty="Nobody is at risk.")  # fmt: skip


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

    from minicrm import insight, render
    from minicrm.models import Metric

    run = Run(ctx, fmt, as_json)
    rep = insight.report(run.store, run.now, since, until)
    if run.table:
        render.write_report(rep, run.now, sys.stdout)
    elif run.fmt in ("json", "ndjson"):
        render.write_one(rep, run.fmt, sys.stdout)
    else:
        run.many(insight.report_metrics(rep), Metric)


@app.command("cadence")
def cadence(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]",
        help="An id, an exact email, or a name or part of one")] = None,
    period: Annotated[str | None, typer.Argument(metavar="PERIOD", help="30d, 2w, 3m (30 days) or off")] = None,
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Set it for everyone with this tag")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Keep in touch with a contact or a tag every PERIOD.

    When their last interaction is older than the cadence, minicrm due lists
    them as "get in touch". A contact's own cadence beats their tags'; with
    several tagged cadences the shortest applies.

    \b
    Example:
      minicrm cadence ann 30d
      minicrm cadence --tag vip 14d
      minicrm cadence ann off
    """
    from minicrm import insight, services
    from minicrm.errors import UsageError

    run = Run(ctx, fmt, as_json)
    if tag is not None:
        if period is not None:
            raise UsageError("with --tag give only the PERIOD", "E.g. minicrm cadence --tag vip 14d")
        if contact is None:
            raise UsageError("give a PERIOD", "E.g. minicrm cadence --tag vip 14d")
        result = insight.set_cadence(run.store, run.now, contact, tag=tag)
    else:
        if contact is None or period is None:
            raise UsageError("give a CONTACT and a PERIOD", "E.g. minicrm cadence ann 30d")
        found = services.resolve_contact(run.store, contact)
        result = insight.set_cadence(run.store, run.now, period, contact=found)
    run.one(result)
    if result.target == "tag":
        note(f"Cadence for tag {result.name}: " + (f"every {result.days} days." if result.days else "off."))


# ------------------------------------------------------------------ segments

segment_app = typer.Typer(
    help="Segments: saved filters of list, re-evaluated at each use.\n\n\b\nExample:\n"
    "  minicrm segment save regulars --tag regular --stage retention\n"
    "  minicrm list --segment regulars",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
app.add_typer(segment_app, name="segment")


@segment_app.command("save")
def segment_save(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="One word: letters, digits, - _ or .")],
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable)")] = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="Lifecycle stage")] = None,
    org: Annotated[str | None, typer.Option("--org", "-o", help="Organisation contains this")] = None,
    search: Annotated[str | None, typer.Option("--search", "-q", help="Contains this text")] = None,
    stale: Annotated[int | None, typer.Option("--stale", metavar="DAYS", help="No interaction in DAYS days")] = None,
    consent: Annotated[str | None, typer.Option("--consent", metavar="PURPOSE",
        help="Only contacts who currently consent to this purpose")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Save the filters of list under a name.

    Saving an existing name replaces it.

    \b
    Example:
      minicrm segment save quiet-vips --tag vip --stale 30
      minicrm due --segment quiet-vips
    """
    from minicrm import insight

    run = Run(ctx, fmt, as_json)
    run.one(insight.save_segment(run.store, run.now, name, tags=tag or (), stage=stage, org=org, search=search,
                                 stale_days=stale, consent=consent))  # fmt: skip


@segment_app.command("list")
def segment_list(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Saved segments and how many match now.

    \b
    Example:
      minicrm segment list
    """
    from minicrm import insight
    from minicrm.models import Segment

    run = Run(ctx, fmt, as_json)
    run.many(insight.segments(run.store, run.now), Segment,
             empty="No segments. Save one: minicrm segment save NAME --tag T")  # fmt: skip


@segment_app.command("rm")
def segment_rm(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Segment name")]) -> None:
    """Delete a saved segment (contacts stay).

    \b
    Example:
      minicrm segment rm quiet-vips
    """
    from minicrm import insight

    run = Run(ctx)
    insight.delete_segment(run.store, name)
    note(f"Deleted segment {name.strip().lower()}.")


# ------------------------------------------------------------------ scoring


@app.command("score")
def score(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]", help="Whose score")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show where each point came from")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", metavar="NAME=WEIGHT",
        help="Change a weight (repeatable): recency=40, tag:vip=10, tag:vip=off")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """A contact's score, or the weights behind it.

    Without CONTACT: the weights (change them with --set). minicrm list
    --sort score ranks contacts by it.

    \b
    Example:
      minicrm score --explain ann
      minicrm score --set recency=40 --set tag:vip=10
      minicrm list --sort score --limit 20
    """
    from minicrm import insight, services
    from minicrm.errors import UsageError
    from minicrm.models import ScorePart, Weight

    run = Run(ctx, fmt, as_json)
    if set_:
        for pair in set_:
            name, sep, value = pair.partition("=")
            if not sep:
                raise UsageError(f"{pair!r} is not NAME=WEIGHT", "E.g. --set recency=40")
            insight.set_weight(run.store, name, value)
    if contact is None:
        run.many(insight.weights(run.store), Weight)
        return
    parts = insight.score_parts(run.store, run.now, services.resolve_contact(run.store, contact))
    run.many(parts if explain else parts[-1:], ScorePart)


# ------------------------------------------------------------------ occasions

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
    contact: Annotated[str, typer.Argument(metavar="CONTACT", help="An id, an exact email, or a name or part of one")],
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
    from minicrm import insight, services

    run = Run(ctx, fmt, as_json)
    found = services.resolve_contact(run.store, contact)
    run.one(insight.add_occasion(run.store, run.now, found, when, label=label, lead=lead, note=note_))


@occasion_app.command("list")
def occasion_list(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Occasions by their next date.

    \b
    Example:
      minicrm occasion list
    """
    from minicrm import insight
    from minicrm.models import Occasion

    run = Run(ctx, fmt, as_json)
    run.many(insight.list_occasions(run.store), Occasion, empty="No occasions. Add one: minicrm occasion add CONTACT birthday")


@occasion_app.command("rm")
def occasion_rm(ctx: typer.Context, occasion_id: Annotated[int, typer.Argument(metavar="ID", help="Occasion id")]) -> None:
    """Delete an occasion.

    \b
    Example:
      minicrm occasion rm 3
    """
    from minicrm import insight

    run = Run(ctx)
    insight.delete_occasion(run.store, occasion_id)
    note(f"Deleted occasion {occasion_id}.")
