"""What is sold and what was bought: products and the lines of orders (and refunds)."""

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple


class OrderLine(NamedTuple):
    """One line of an order or a refund: the product, how many, and the price it was sold at."""

    product_id: int
    product: str  # the product's name now
    quantity: Decimal
    unit: str | None
    unit_price: Decimal  # the price of that day, kept: a later price change does not rewrite it
    amount: Decimal  # quantity x unit price, to the cent


def line_text(quantity: Decimal, unit: str | None, product: str) -> str:
    """A line as people say it: ``2 × Seeded loaf``, ``0.5 kg Rye`` (a unit other than a piece)."""
    shown = f"{quantity.normalize():f}"
    return f"{shown} {unit} {product}" if unit and unit != "piece" else f"{shown} × {product}"


class UsualItem(NamedTuple):
    """One product of a customer's usual order (``minicrm usual``): how many they typically take,
    and in how many of their recent orders it was."""

    contact_id: int
    contact_name: str
    product_id: int
    product: str
    quantity: Decimal  # the quantity they take most often (the latest on a tie)
    unit: str | None
    orders: int  # how many of the recent orders had it
    of_orders: int  # how many recent orders (with lines) were looked at
    last_ordered_at: datetime
    price: Decimal  # today's unit price
    currency: str | None = None  # of ``price`` (the ``currency`` setting)


SALES_BY = ("product", "tag", "month")


class SalesRow(NamedTuple):
    """What sold in a window (``minicrm sales``): one product, product tag or month, net of refunds."""

    by: str  # product | tag | month
    key: str | None  # the product's name, the tag (None: products without one), or the month (YYYY-MM)
    product_id: int | None  # by product
    quantity: Decimal  # sold less refunded (units mixed when by tag or month)
    orders: int  # orders with such a line
    revenue: Decimal  # the lines' amounts, less the refunds' lines
    share: float | None  # of the window's revenue (None when it is nothing)
    currency: str | None = None  # of ``revenue`` (the ``currency`` setting)


class Product(NamedTuple):
    """Something sold (``minicrm product``), its price today in the database currency."""

    id: int
    uid: str
    name: str
    price: Decimal
    unit: str | None = None  # piece, kg, ...
    sku: str | None = None
    tags: tuple[str, ...] = ()
    archived_at: datetime | None = None  # set when removed while it has orders
    created_at: datetime | None = None
    updated_at: datetime | None = None
    currency: str | None = None  # of ``price`` (the ``currency`` setting)
