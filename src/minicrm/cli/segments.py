"""Segment commands: segment save, list, rm."""

from typing import Annotated

import typer

from minicrm.cli.common import FormatOption, JsonOption, Run, completes, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


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
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable)",
        autocompletion=completes("tags"))] = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="Lifecycle stage",
        autocompletion=completes("stages"))] = None,
    org: Annotated[str | None, typer.Option("--org", "-o", help="Organisation contains this")] = None,
    search: Annotated[str | None, typer.Option("--search", "-q", help="Contains this text")] = None,
    stale: Annotated[int | None, typer.Option("--stale", metavar="DAYS", help="No interaction in DAYS days")] = None,
    consent: Annotated[str | None, typer.Option("--consent", metavar="PURPOSE",
        help="Only contacts who currently consent to this purpose")] = None,
    bought: Annotated[str | None, typer.Option("--bought", metavar="PRODUCT",
        help="Only customers who ordered this product, or a product with this tag (e.g. gluten-free)")] = None,
    bought_since: Annotated[str | None, typer.Option("--bought-since", metavar="WHEN",
        help="With --bought: ordered it since then (e.g. \"90 days ago\"; a segment keeps it relative)")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Save the filters of list under a name.

    Saving an existing name replaces it.

    \b
    Example:
      minicrm segment save quiet-vips --tag vip --stale 30
      minicrm segment save gluten-free-90 --bought gluten-free --bought-since "90 days ago"
      minicrm due --segment quiet-vips
    """
    from minicrm.services import segments

    run = Run(ctx, fmt, as_json)
    run.one(segments.save(run.store, run.now, name, tags=tag or (), stage=stage, org=org, search=search,
                                 stale_days=stale, consent=consent, bought=bought, bought_since=bought_since))  # fmt: skip


@segment_app.command("list")
def segment_list(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Saved segments and how many match now.

    \b
    Example:
      minicrm segment list
    """
    from minicrm.models import Segment
    from minicrm.services import segments

    run = Run(ctx, fmt, as_json)
    run.many(segments.find(run.store, run.now), Segment,
             empty="No segments. Save one: minicrm segment save NAME --tag T")  # fmt: skip


@segment_app.command("rm")
def segment_rm(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Segment name")]) -> None:
    """Delete a saved segment (contacts stay).

    \b
    Example:
      minicrm segment rm quiet-vips
    """
    from minicrm.services import segments

    run = Run(ctx)
    segments.delete(run.store, name)
    note(f"Deleted segment {name.strip().lower()}.")
