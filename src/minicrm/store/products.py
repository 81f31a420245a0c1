"""Products and order lines: ``products`` (a name with its folded form, unit, SKU, archived once
removed while an order names it), ``product_prices`` (a price in cents from a local day on),
``product_tags``, and ``order_lines`` (an order's or a refund's lines: the quantity in thousandths,
the unit price and the amount in cents as they were logged).

A product's price on a day is the latest price from that day or before, else its first price (an
order backdated before the product was added). Nothing is derived: no triggers of their own
beyond the audit. Plain SQL that a second backend can run as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from minicrm.models import OrderLine, Product
from minicrm.store import rows as to
from minicrm.store.rows import cents, to_utc_text
from minicrm.store.session import Repository, chunks, marks, new_uid

# The price in cents of product ``p`` on day ``?``: the latest from that day or before, else the first.
PRICE_ON = """coalesce(
    (SELECT pp.price_cents FROM product_prices pp WHERE pp.product_id = p.id AND pp.since_on <= ?
     ORDER BY pp.since_on DESC LIMIT 1),
    (SELECT pp.price_cents FROM product_prices pp WHERE pp.product_id = p.id ORDER BY pp.since_on LIMIT 1))"""

SELECT = f"""SELECT p.id, p.uid, p.name, {PRICE_ON} AS price_cents, p.unit, p.sku, p.archived_at,
    p.created_at, p.updated_at FROM products p"""


def quantity_milli(quantity: Decimal) -> int:
    """The storage form of a quantity: thousandths (the services allow three decimals at most)."""
    return int(quantity * 1000)


class Products(Repository):
    def add(self, *, name: str, name_fold: str, price: Decimal, unit: str | None, sku: str | None,
            tags: Sequence[str], since_on: date, created: datetime, uid: str | None = None) -> int:  # fmt: skip
        stamp = to_utc_text(created)
        cursor = self._conn.execute(
            """INSERT INTO products (uid, name, name_fold, unit, sku, archived_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, NULL, ?, ?)""",
            (uid or new_uid(), name, name_fold, unit, sku, stamp, stamp),
        )
        product_id = cursor.lastrowid
        self.set_price(product_id, since_on, price)
        self.add_tags(product_id, tags)
        return product_id

    def set_price(self, product_id: int, since_on: date, price: Decimal) -> None:
        """The price from ``since_on`` on (replacing one set for that same day)."""
        changed = self._conn.execute("UPDATE product_prices SET price_cents = ? WHERE product_id = ? AND since_on = ?",
                                     (cents(price), product_id, since_on.isoformat())).rowcount  # fmt: skip
        if not changed:
            self._conn.execute("INSERT INTO product_prices (product_id, since_on, price_cents) VALUES (?, ?, ?)",
                               (product_id, since_on.isoformat(), cents(price)))  # fmt: skip

    def add_tags(self, product_id: int, tags: Iterable[str]) -> None:
        have = set(self.tags_of([product_id]).get(product_id, ()))
        for tag in tags:
            if tag not in have:
                self._conn.execute("INSERT INTO product_tags (product_id, tag) VALUES (?, ?)", (product_id, tag))
                have.add(tag)

    def remove_tags(self, product_id: int, tags: Iterable[str]) -> None:
        for tag in tags:
            self._conn.execute("DELETE FROM product_tags WHERE product_id = ? AND tag = ?", (product_id, tag))

    def update(self, product_id: int, at: datetime, *, name: str | None = None, name_fold: str | None = None,
               unit: str | None | bool = False, sku: str | None | bool = False,
               archived_at: datetime | None | bool = False) -> None:  # fmt: skip
        """Change what is given (``unit``/``sku``/``archived_at`` None clears them; False keeps them)."""
        columns: dict[str, object] = {"updated_at": to_utc_text(at)}
        if name is not None:
            columns["name"], columns["name_fold"] = name, name_fold
        if unit is not False:
            columns["unit"] = unit
        if sku is not False:
            columns["sku"] = sku
        if archived_at is not False:
            columns["archived_at"] = to_utc_text(archived_at) if archived_at else None  # type: ignore[arg-type]
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self._conn.execute(f"UPDATE products SET {assignments} WHERE id = ?", [*columns.values(), product_id])

    def delete(self, product_id: int) -> None:
        self._conn.execute("DELETE FROM products WHERE id = ?", (product_id,))

    def in_use(self, product_id: int) -> bool:
        """Whether an order or a refund names the product (the order_lines_product index)."""
        return self._one("SELECT 1 FROM order_lines WHERE product_id = ? LIMIT 1", (product_id,)) is not None

    def get(self, product_id: int, today: date) -> Product | None:
        row = self._one(SELECT + " WHERE p.id = ?", (today.isoformat(), product_id))
        return self._products([row])[0] if row else None

    def list(self, today: date, *, tag: str | None = None, archived: bool = False) -> list[Product]:
        """Products by name: the active ones, or with ``archived`` the archived ones too."""
        where, params = [], [today.isoformat()]
        if not archived:
            where.append("p.archived_at IS NULL")
        if tag is not None:
            where.append("p.id IN (SELECT product_id FROM product_tags WHERE tag = ?)")
            params.append(tag)
        sql = SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY p.name_fold, p.id"
        return self._products(self._all(sql, params))

    def _products(self, rows: Sequence) -> list[Product]:
        tags = self.tags_of([row["id"] for row in rows])
        return [to.product(row, tags.get(row["id"], ())) for row in rows]

    def tags_of(self, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {}
        for part in chunks(ids):
            for product_id, tag in self._all(f"SELECT product_id, tag FROM product_tags WHERE product_id IN"
                                             f" ({marks(len(part))}) ORDER BY product_id, tag", part):  # fmt: skip
                found.setdefault(product_id, []).append(tag)
        return {k: tuple(v) for k, v in found.items()}

    def named(self, folded: str, *, exact: bool, limit: int,
              archived: bool = False) -> list[tuple[int, str]]:  # fmt: skip
        """(id, name) of the products whose folded name is ``folded`` (``exact``) or contains it."""
        if exact:
            sql, params = "SELECT id, name FROM products WHERE name_fold = ?", [folded]
        else:
            escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql, params = "SELECT id, name FROM products WHERE name_fold LIKE ? ESCAPE '\\'", [f"%{escaped}%"]
        if not archived:
            sql += " AND archived_at IS NULL"
        sql += " ORDER BY name_fold, id LIMIT ?"
        return [(row[0], row[1]) for row in self._all(sql, [*params, limit])]

    def by_sku(self, sku: str) -> int | None:
        row = self._one("SELECT id FROM products WHERE sku = ?", (sku,))
        return row[0] if row else None

    # ------------------------------------------------------------ order lines

    def sold(self, since: datetime, until: datetime, contact_id: int | None = None,
             batch: int = 2000) -> Iterator[tuple[int, datetime, str, int, Decimal, Decimal]]:  # fmt: skip
        """(order id, when, kind, product id, quantity, amount) of every line of the orders and refunds
        in [since, until] (of one contact), streamed (the partial indexes on orders and refunds)."""
        who = " AND i.contact_id = ?" if contact_id is not None else ""
        part = f"""SELECT i.id, i.occurred_at, i.kind, l.product_id, l.quantity_milli, l.amount_cents
                   FROM interactions i JOIN order_lines l ON l.interaction_id = i.id
                   WHERE i.kind = '{{kind}}' AND i.occurred_at >= ? AND i.occurred_at <= ?{who}"""
        window = [to_utc_text(since), to_utc_text(until), *([contact_id] if contact_id is not None else [])]
        cursor = self._conn.execute(part.format(kind="order") + " UNION ALL " + part.format(kind="refund"),
                                    window * 2)  # fmt: skip
        while rows := cursor.fetchmany(batch):
            for row in rows:
                yield (row[0], to.from_utc_text(row[1]), row[2], row[3], Decimal(row[4]) / 1000,
                       Decimal(row[5]) / 100)  # fmt: skip

    def product_totals(self, since: datetime, until: datetime,
                       contact_id: int | None = None) -> list[tuple[int, Decimal, int, Decimal]]:  # fmt: skip
        """(product id, quantity, orders, revenue) per product sold in [since, until] (to one contact),
        refunds' lines taken off; aggregated in the database (the partial indexes on orders and refunds)."""
        who = " AND contact_id = ?" if contact_id is not None else ""
        part = f"SELECT id, kind FROM interactions WHERE kind = '{{kind}}' AND occurred_at >= ? AND occurred_at <= ?{who}"
        window = [to_utc_text(since), to_utc_text(until), *([contact_id] if contact_id is not None else [])]
        rows = self._all(
            f"""SELECT l.product_id,
                       sum(CASE WHEN i.kind = 'refund' THEN -l.quantity_milli ELSE l.quantity_milli END),
                       count(DISTINCT CASE WHEN i.kind = 'order' THEN i.id END),
                       sum(CASE WHEN i.kind = 'refund' THEN -l.amount_cents ELSE l.amount_cents END)
                FROM ({part.format(kind="order")} UNION ALL {part.format(kind="refund")}) AS i
                JOIN order_lines l ON l.interaction_id = i.id
                GROUP BY l.product_id""",
            window * 2,
        )
        return [(row[0], Decimal(row[1]) / 1000, row[2], Decimal(row[3]) / 100) for row in rows]

    def names(self, ids: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for part in chunks(ids):
            rows = self._all(f"SELECT id, name FROM products WHERE id IN ({marks(len(part))})", part)
            found.update((row[0], row[1]) for row in rows)
        return found

    def all_tags(self) -> list[str]:
        return [row[0] for row in self._all("SELECT DISTINCT tag FROM product_tags ORDER BY tag")]

    def with_tag(self, tag: str) -> list[int]:
        """The products with ``tag``, archived ones included."""
        return [row[0] for row in self._all("SELECT product_id FROM product_tags WHERE tag = ?", (tag,))]

    def export(self) -> Iterator[tuple[Product, list[tuple[date, Decimal]]]]:
        """Every product in id order, archived ones too, with its prices (from which day, what)."""
        rows = self._all(SELECT + " ORDER BY p.id", (date.max.isoformat(),))
        prices: dict[int, list[tuple[date, Decimal]]] = {}
        for product_id, since_on, price_cents in self._all(
                "SELECT product_id, since_on, price_cents FROM product_prices ORDER BY product_id, since_on"):
            prices.setdefault(product_id, []).append((date.fromisoformat(since_on), Decimal(price_cents) / 100))
        for product in self._products(rows):
            yield product, prices.get(product.id, [])

    def uids(self) -> dict[int, str]:
        """Every product's uid by id (an export's lines name their products by uid)."""
        return {row[0]: row[1] for row in self._all("SELECT id, uid FROM products")}

    def id_by_uid(self, uid: str) -> int | None:
        row = self._one("SELECT id FROM products WHERE uid = ?", (uid,))
        return row[0] if row else None

    def any_lines(self) -> bool:
        """Whether any order has lines (the morning list asks once, before naming usual orders)."""
        return self._one("SELECT 1 FROM order_lines LIMIT 1") is not None

    def recent_lines(self, contact_id: int,
                     orders: int) -> list[tuple[int, datetime, int, Decimal, str, str | None, bool]]:  # fmt: skip
        """(order id, when, product id, quantity, product name, unit, archived) of the lines of the
        contact's latest ``orders`` orders that have lines, newest first: one query (the
        interactions_orders index, then each order's lines and their products)."""
        rows = self._all(
            """SELECT l.interaction_id, i.occurred_at, l.product_id, l.quantity_milli, p.name, p.unit,
                      p.archived_at IS NOT NULL
               FROM interactions i JOIN order_lines l ON l.interaction_id = i.id JOIN products p ON p.id = l.product_id
               WHERE i.id IN (SELECT o.id FROM interactions o WHERE o.contact_id = ? AND o.kind = 'order'
                                AND EXISTS (SELECT 1 FROM order_lines x WHERE x.interaction_id = o.id)
                              ORDER BY o.occurred_at DESC, o.id DESC LIMIT ?)
               ORDER BY i.occurred_at DESC, i.id DESC, l.position""",
            (contact_id, orders),
        )
        return [(row[0], to.from_utc_text(row[1]), row[2], Decimal(row[3]) / 1000, row[4], row[5], bool(row[6]))
                for row in rows]  # fmt: skip

    def recent_lines_of(self, contact_ids: Sequence[int],
                        orders: int) -> dict[int, list[tuple[int, None, int, Decimal, str, str | None, bool]]]:  # fmt: skip
        """``recent_lines`` for many contacts at once (the morning list: one windowed query a chunk), without
        the orders' times (None), which naming a usual order does not need."""
        found: dict[int, list] = {}
        for part in chunks(list(dict.fromkeys(contact_ids))):
            rows = self._all(
                f"""WITH recent AS (
                        SELECT o.id, o.contact_id, o.occurred_at,
                               row_number() OVER (PARTITION BY o.contact_id ORDER BY o.occurred_at DESC, o.id DESC) AS n
                        FROM interactions o
                        WHERE o.contact_id IN ({marks(len(part))}) AND o.kind = 'order'
                          AND EXISTS (SELECT 1 FROM order_lines x WHERE x.interaction_id = o.id))
                    SELECT r.contact_id, l.interaction_id, l.product_id, l.quantity_milli, p.name,
                           p.unit, p.archived_at IS NOT NULL
                    FROM recent r JOIN order_lines l ON l.interaction_id = r.id JOIN products p ON p.id = l.product_id
                    WHERE r.n <= ?
                    ORDER BY r.contact_id, r.occurred_at DESC, r.id DESC, l.position""",
                [*part, orders],
            )
            for row in rows:
                found.setdefault(row[0], []).append((row[1], None, row[2], Decimal(row[3]) / 1000, row[4], row[5],
                                                     bool(row[6])))  # fmt: skip
        return found

    def add_lines(self, interaction_id: int, lines: Sequence[dict]) -> None:
        """An order's lines, in order: each a dict with product_id, quantity, unit_price and amount."""
        self._conn.executemany(
            """INSERT INTO order_lines (interaction_id, position, product_id, quantity_milli, unit_price_cents,
                                        amount_cents) VALUES (?, ?, ?, ?, ?, ?)""",
            [(interaction_id, position, line["product_id"], quantity_milli(line["quantity"]),
              cents(line["unit_price"]), cents(line["amount"])) for position, line in enumerate(lines, start=1)],
        )  # fmt: skip

    def lines_of(self, interaction_ids: Sequence[int]) -> dict[int, tuple[OrderLine, ...]]:
        """The lines of these interactions (those that have any), in order."""
        found: dict[int, list[OrderLine]] = {}
        for part in chunks(interaction_ids):
            rows = self._all(
                f"""SELECT l.interaction_id, l.product_id, p.name AS product, l.quantity_milli, p.unit,
                           l.unit_price_cents, l.amount_cents
                    FROM order_lines l JOIN products p ON p.id = l.product_id
                    WHERE l.interaction_id IN ({marks(len(part))}) ORDER BY l.interaction_id, l.position""",
                part,
            )
            for row in rows:
                found.setdefault(row["interaction_id"], []).append(to.order_line(row))
        return {k: tuple(v) for k, v in found.items()}
