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
