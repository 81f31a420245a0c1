"""Product commands: product add, list, edit, rm."""

from typing import Annotated

import typer

from minicrm.cli import common
from minicrm.cli.common import ContactArg, FormatOption, JsonOption, Run, YesOption, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them

product_app = typer.Typer(
    help="Products: what you sell, and at what price.\n\nOrders name them with --item.\n\n\b\nExample:\n"
    '  minicrm product add "Seeded loaf" --price 4.50 --tag bread\n'
    '  minicrm log maria order --item "Seeded loaf x2"',
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
app.add_typer(product_app, name="product")

ProductArg = Annotated[str, typer.Argument(metavar="PRODUCT", help="An id, an SKU, or a name or part of one")]
PRICE_HELP = "Price in the database currency (minicrm config currency), e.g. 4.50"


@product_app.command("add")
def product_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The product's name")],
    price: Annotated[str, typer.Option("--price", metavar="AMOUNT", help=PRICE_HELP)],
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag (repeatable), e.g. gluten-free")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="What one is: piece, kg, dozen… [default: piece]")] = None,
    sku: Annotated[str | None, typer.Option("--sku", metavar="CODE", help="Your stock code")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Add a product; prints it, id first.

    \b
    Example:
      minicrm product add "Seeded loaf" --price 4.50 --tag bread
      minicrm product add "Gluten-free rye" --price 6.80 --tag gluten-free --unit kg --sku GF-RYE
    """
    from minicrm.services import products

    run = Run(ctx, fmt, as_json)
    decimal = common.setting(run, "decimal")
    run.one(products.add(run.store, run.now, name, price=price, unit=unit, sku=sku, tags=tag or (), decimal=decimal))


@product_app.command("list")
def product_list(
    ctx: typer.Context,
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Only products with this tag")] = None,
    archived: Annotated[bool, typer.Option("--archived", help="Include archived products")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """List products by name, with today's prices.

    \b
    Example:
      minicrm product list
      minicrm product list --tag gluten-free --json
    """
    from minicrm.models import Product
    from minicrm.services import products

    run = Run(ctx, fmt, as_json)
    run.many(products.find(run.store, run.now.date(), tag=tag, archived=archived), Product,
             empty='No products. Add one: minicrm product add "Seeded loaf" --price 4.50')  # fmt: skip


@product_app.command("edit")
def product_edit(
    ctx: typer.Context,
    product: ProductArg,
    name: Annotated[str | None, typer.Option("--name", help="A new name")] = None,
    price: Annotated[str | None, typer.Option("--price", metavar="AMOUNT",
        help="The price from today on (orders already logged keep theirs)")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="What one is (empty clears it)")] = None,
    sku: Annotated[str | None, typer.Option("--sku", metavar="CODE", help="Stock code (empty clears it)")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Add a tag (repeatable)")] = None,
    remove_tag: Annotated[list[str] | None, typer.Option("--remove-tag", help="Remove a tag (repeatable)")] = None,
    restore: Annotated[bool, typer.Option("--restore", help="Bring an archived product back")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Change a product; prints it.

    A new price holds from today: orders already logged keep the price they were sold at.

    \b
    Example:
      minicrm product edit "seeded loaf" --price 4.80
      minicrm product edit 3 --tag gluten-free --remove-tag bread
    """
    from minicrm.services import products

    run = Run(ctx, fmt, as_json)
    decimal = common.setting(run, "decimal") if price else "."
    run.one(products.edit(run.store, run.now, product, name=name, price=price, unit=unit, sku=sku, tags=tag or (),
                          remove_tags=remove_tag or (), restore=restore, decimal=decimal))  # fmt: skip


@product_app.command("rm")
def product_rm(
    ctx: typer.Context,
    product: ProductArg,
    yes: YesOption = False,
) -> None:  # fmt: skip
    """Remove a product; one that orders name is archived instead.

    An archived product leaves product list and cannot be ordered, but the orders
    that name it keep their lines (minicrm product edit PRODUCT --restore brings it
    back). Asks first on a terminal; scripts must pass --yes.

    \b
    Example:
      minicrm product rm "christmas stollen" --yes
    """
    from minicrm.cli.common import confirm
    from minicrm.services import products

    run = Run(ctx)
    found = products.resolve(run.store, product, run.now.date())
    what = f"{found.name} (#{found.id})"
    if not yes:
        confirm(f"Remove the product {what}?", f"the product {what}", "remove")
    if products.remove(run.store, run.now, found):
        note(f"Archived {what}: orders name it. Bring it back with: minicrm product edit {found.id} --restore")
    else:
        note(f"Removed {what}. Undo with: minicrm undo")


@app.command("usual")
def usual(
    ctx: typer.Context,
    contact: ContactArg,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """What a customer usually orders, most often first.

    The products in at least half of their last 10 orders with lines, each at the
    quantity they take most often. minicrm log CONTACT order --usual logs it.

    \b
    Example:
      minicrm usual maria
      minicrm log maria order --usual
    """
    from minicrm.models import UsualItem
    from minicrm.services import contacts, products

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact)
    run.many(products.usual(run.store, run.now, found), UsualItem, title=f"{found.name} usually orders",
             empty=f"{found.name} has no usual order yet: no product is in half of their last orders.")  # fmt: skip


@app.command("sales")
def sales(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", help="From this day on [default: 30 days ago]")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="WHEN", help="Up to this day [default: today]")] = None,
    by: Annotated[str, typer.Option("--by", help="product, tag or month")] = "product",
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT", help="Only this customer's")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """What sold: quantities and revenue per product, tag or month.

    Counts the lines of orders (log --item), less the lines of refunds, in whole
    days from --since to --until. On a terminal, with a bar chart of the revenue.

    \b
    Example:
      minicrm sales --since monday
      minicrm sales --by tag --since "90 days ago"
      minicrm sales --by month --since "1 year ago" --contact "cafe lumen"
    """
    from minicrm.models import SalesRow
    from minicrm.services import contacts, products

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact) if contact else None
    rows = list(run.priced(products.sales(run.store, run.now, since=since, until=until, by=by, contact=found),
                           SalesRow))  # fmt: skip
    if run.table:
        import sys

        from minicrm.render import tables

        tables.write_sales(rows, sys.stdout, title=f"Sales by {rows[0].by}" if rows else None,
                           empty="Nothing sold in that window. Orders name products with: minicrm log C order --item P")
        return
    run.many(rows, SalesRow)
