"""Products and the lines of orders: add, edit, remove (archived once an order names it), list,
resolving a PRODUCT reference, and reading ``--item "PRODUCT [xQTY] [@ PRICE]"`` into priced lines.

A line's unit price is the product's price on the order's own day unless the item names one;
its amount is quantity x unit price, rounded half up to the cent (the only rounding: a quantity
has at most three decimals). Nothing here prints, reads the clock or the environment.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from minicrm.errors import Ambiguous, Conflict, InvalidValue, NotFound
from minicrm import dates
from minicrm.models import SALES_BY, Contact, Product, SalesRow, UsualItem, fold, line_text
from minicrm.services.values import MAX_ID, choose, clean_line, normalise_tag, parse_amount, unique
from minicrm.store import Store

MAX_QUANTITY = Decimal("1000000")
_NUMBER = r"\d+(?:[.,]\d+)?"
# "Seeded loaf x2", "Seeded loaf × 2", "2 x Seeded loaf", "2× Seeded loaf"; then an optional "@ 4.50".
_PRICE = re.compile(r"^(?P<rest>.*?\S)\s+@\s*(?P<price>\S+)\s*$")
_AFTER = re.compile(rf"^(?P<name>.*?\S)\s+[x×*]\s*(?P<qty>{_NUMBER})\s*$", re.IGNORECASE)
_BEFORE = re.compile(rf"^(?P<qty>{_NUMBER})\s*[x×*]\s+(?P<name>\S.*?)\s*$", re.IGNORECASE)
ITEM_HINT = 'Write an item as "PRODUCT", "PRODUCT x2" or "PRODUCT x2 @ 4.50"'


class Item(NamedTuple):
    """An item as typed: the product reference, how many, and a unit price when one was given."""

    product: str
    quantity: Decimal
    price: Decimal | None = None


def parse_quantity(text: str, decimal: str = ".") -> Decimal:
    """A quantity: positive, at most three decimals; ``decimal`` is the decimal mark (``minicrm config decimal``)."""
    raw = str(text).strip()
    other = "," if decimal == "." else "."
    if other in raw:
        raise InvalidValue(f"the quantity {raw!r} has {other!r} but the decimal mark is {decimal!r}",
                           f"Type it as {raw.replace(other, decimal)} (minicrm config decimal)")  # fmt: skip
    if not re.fullmatch(r"\d+(?:[.,]\d+)?", raw):
        raise InvalidValue(f"{raw!r} is not a quantity", "Use a number such as 2 or 0.5")
    value = Decimal(raw.replace(decimal, "."))
    if not value.is_finite() or value <= 0 or value >= MAX_QUANTITY:
        raise InvalidValue(f"the quantity {raw!r} is not a positive number below {MAX_QUANTITY:,}", "E.g. x2 or x0.5")
    if value != value.quantize(Decimal("0.001")):
        raise InvalidValue(f"the quantity {raw!r} has more than three decimals", "Round it, e.g. 0.125")
    return value.normalize() if value == value.to_integral() else value


def parse_item(text: str, decimal: str = ".") -> Item:
    """``PRODUCT [xQTY] [@ PRICE]`` (or ``QTY x PRODUCT``) as an ``Item``; the product is not looked up."""
    raw = clean_line(text, "item")
    price = None
    found = _PRICE.match(raw)
    if found:
        raw, price = found["rest"], parse_amount(found["price"], decimal)
        if price is not None and price < 0:
            raise InvalidValue(f"the price in {text!r} is negative", ITEM_HINT)
    for pattern in (_AFTER, _BEFORE):
        found = pattern.match(raw)
        if found:
            return Item(found["name"], parse_quantity(found["qty"], decimal), price)
    return Item(raw, Decimal(1), price)


# ------------------------------------------------------------------ products


def validate(name: str, *, price: str | Decimal | None, unit: str | None = None, sku: str | None = None,
             tags: Sequence[str] = (), decimal: str = ".") -> dict:  # fmt: skip
    """A product's values checked: the rules ``product add`` and the importers share."""
    clean_name = clean_line(name, "product name")
    if clean_name.isascii() and clean_name.isdigit():
        raise InvalidValue(f"a product cannot be named only by a number ({clean_name})",
                           "Numbers are product ids; give it a name with a word in it")  # fmt: skip
    value = parse_amount(price, decimal) if isinstance(price, str) else price
    if value is None:
        raise InvalidValue(f"the product {clean_name} needs a price", f'E.g. minicrm product add "{clean_name}" --price 4.50')
    if value < 0:
        raise InvalidValue(f"the price of {clean_name} is negative ({price})", "Give a price of 0 or more")
    return dict(name=clean_name, name_fold=fold(clean_name), price=value,
                unit=clean_line(unit, "unit", required=False, limit=20) if unit else None,
                sku=clean_line(sku, "SKU", required=False, limit=64) if sku else None,
                tags=unique(normalise_tag(t) for t in tags))  # fmt: skip


def add(store: Store, now: datetime, name: str, *, price: str | Decimal | None, unit: str | None = None,
        sku: str | None = None, tags: Sequence[str] = (), decimal: str = ".") -> Product:  # fmt: skip
    values = validate(name, price=price, unit=unit, sku=sku, tags=tags, decimal=decimal)
    with store.write():
        product_id = _add(store, now, values)
    return store.products.get(product_id, now.date())


def _add(store: Store, now: datetime, values: dict) -> int:
    same = store.products.named(values["name_fold"], exact=True, limit=1, archived=True)
    if same:
        raise Conflict(f"there is already a product named {same[0][1]} (#{same[0][0]})",
                       "See: minicrm product list --archived")  # fmt: skip
    if values["sku"] and store.products.by_sku(values["sku"]) is not None:
        raise Conflict(f"the SKU {values['sku']} is already another product's", "Give another --sku")
    return store.products.add(**values, since_on=date.min, created=now)


def get(store: Store, product_id: int, today: date) -> Product:
    found = store.products.get(product_id, today) if 0 <= product_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"there is no product with id {product_id}", "Try: minicrm product list")
    return found


def resolve(store: Store, ref: str, today: date, *, archived: bool = False) -> Product:
    """The one product ``ref`` means: an id, an exact SKU, or a name or unique part of one (case and
    accents ignored). ``archived`` includes archived products (editing them, not ordering them)."""
    text = str(ref).strip()
    if not text:
        raise InvalidValue("the product is empty", "Give an id or a name")
    if text.isascii() and text.isdigit():
        found = get(store, int(text), today)
        if found.archived_at and not archived:
            raise InvalidValue(f"the product {found.name} (#{found.id}) is archived",
                               f"Bring it back first: minicrm product edit {found.id} --restore")  # fmt: skip
        return found
    by_sku = store.products.by_sku(text)
    candidates = store.products.named(fold(text), exact=True, limit=11, archived=archived)
    if by_sku is not None and (archived or not get(store, by_sku, today).archived_at):
        return get(store, by_sku, today)
    if not candidates:
        candidates = store.products.named(fold(text), exact=False, limit=11, archived=archived)
    if len(candidates) == 1:
        return get(store, candidates[0][0], today)
    if not candidates:
        known = store.products.named("", exact=False, limit=11, archived=archived)
        listed = ", ".join(name for _, name in known[:10]) + (" and more" if len(known) > 10 else "")
        hint = f"Known products: {listed}" if listed else 'Add it first: minicrm product add NAME --price N'
        raise NotFound(f'no product matches "{text}"', hint + "; or log with --new-products to create it")
    shown = ", ".join(f"{pid} {name}" for pid, name in candidates[:10]) + (" and more" if len(candidates) > 10 else "")
    raise Ambiguous(f'"{text}" matches several products: {shown}', "Use the id or more of the name")


def bought(store: Store, ref: str, today: date) -> tuple[tuple[int, ...], str]:
    """What ``list --bought`` means: the products (archived ones included) and the reference to keep
    in a segment. An id, an SKU or an exact name is that product; else a product tag is every product
    with it; else a unique part of a name. Unknown: an error naming the tags and products there are."""
    text = str(ref).strip()
    exact = text.isascii() and text.isdigit() or store.products.by_sku(text) is not None \
        or store.products.named(fold(text), exact=True, limit=1, archived=True)
    if not exact:
        tagged = store.products.with_tag(normalise_tag(text)) if text and " " not in text else []
        if tagged:
            return tuple(tagged), normalise_tag(text)
    try:
        product = resolve(store, text, today, archived=True)
    except NotFound:
        tags = store.products.all_tags()
        raise NotFound(f'no product or product tag matches "{text}"',
                       f"Product tags: {', '.join(tags) or 'none yet'}; see minicrm product list") from None  # fmt: skip
    return (product.id,), str(product.id)


def find(store: Store, today: date, *, tag: str | None = None, archived: bool = False) -> list[Product]:
    return store.products.list(today, tag=normalise_tag(tag) if tag else None, archived=archived)


def edit(store: Store, now: datetime, ref: str, *, name: str | None = None, price: str | None = None,
         unit: str | None = None, sku: str | None = None, tags: Sequence[str] = (),
         remove_tags: Sequence[str] = (), restore: bool = False, decimal: str = ".") -> Product:  # fmt: skip
    """Change a product. A new price holds from today on: orders already logged keep theirs.
    An empty ``unit`` or ``sku`` clears it; ``restore`` brings an archived product back."""
    if name is None and price is None and unit is None and sku is None and not tags and not remove_tags \
            and not restore:
        raise InvalidValue("nothing to change", "Give --name, --price, --unit, --sku, --tag, --remove-tag or --restore")
    today = now.date()
    with store.write():
        product = resolve(store, ref, today, archived=True)
        values = validate(name if name is not None else product.name,
                          price=price if price is not None else product.price,
                          unit=unit or None, sku=sku or None, tags=tags, decimal=decimal)  # fmt: skip
        if name is not None and values["name_fold"] != fold(product.name):
            others = store.products.named(values["name_fold"], exact=True, limit=1, archived=True)
            if others and others[0][0] != product.id:
                raise Conflict(f"there is already a product named {others[0][1]} (#{others[0][0]})",
                               "Choose another name")  # fmt: skip
        if values["sku"] and values["sku"] != product.sku and store.products.by_sku(values["sku"]) is not None:
            raise Conflict(f"the SKU {values['sku']} is already another product's", "Give another --sku")
        store.products.update(
            product.id, now,
            name=values["name"] if name is not None else None, name_fold=values["name_fold"],
            unit=values["unit"] if unit is not None else False, sku=values["sku"] if sku is not None else False,
            archived_at=None if restore else False,
        )  # fmt: skip
        if price is not None and values["price"] != product.price:
            store.products.set_price(product.id, today, values["price"])
        store.products.add_tags(product.id, values["tags"])
        store.products.remove_tags(product.id, [normalise_tag(t) for t in remove_tags])
    return get(store, product.id, today)


USUAL_ORDERS = 10  # the recent orders (with lines) a usual order is read from


def usual(store: Store, now: datetime, contact: Contact) -> list[UsualItem]:
    """What ``contact`` usually orders: each product in at least half of their last ``USUAL_ORDERS``
    orders with lines, at the quantity they take most often (the latest on a tie), most frequent
    first. Archived products are left out (they cannot be ordered)."""
    return usual_of(store, now, contact.id, contact.name)


def usual_of(store: Store, now: datetime, contact_id: int, contact_name: str, *,
             priced: bool = True) -> list[UsualItem]:  # fmt: skip
    """``usual`` by the contact's id and name (the morning list has no ``Contact`` at hand). Without
    ``priced`` the items' prices are left at 0 and the usual order costs one query (``due``)."""
    return _usual(store, now, contact_id, contact_name, store.products.recent_lines(contact_id, USUAL_ORDERS),
                  priced=priced)


def usual_texts(store: Store, contact_ids: Sequence[int]) -> dict[int, str]:
    """The usual order in words (``usual_text``) of each of these customers that has one: the
    morning list's reorder and occasion items, read at once."""
    found = {}
    for contact_id, lines in store.products.recent_lines_of(contact_ids, USUAL_ORDERS).items():
        usual_items = _usual(store, datetime.min, contact_id, "", lines, priced=False)
        if usual_items:
            found[contact_id] = usual_text(usual_items)
    return found


def _usual(store: Store, now: datetime, contact_id: int, contact_name: str, lines: list, *,
           priced: bool) -> list[UsualItem]:  # fmt: skip
    orders = len({line[0] for line in lines})
    seen: dict[int, dict] = {}
    for order, at, product_id, quantity, name, unit, archived in lines:  # newest first
        entry = seen.setdefault(product_id, {"orders": set(), "quantities": Counter(), "latest": {}, "at": at,
                                             "name": name, "unit": unit, "archived": archived})  # fmt: skip
        entry["orders"].add(order)
        entry["quantities"][quantity] += 1
        entry["latest"].setdefault(quantity, len(entry["latest"]))
    found = []
    for product_id, entry in seen.items():
        if 2 * len(entry["orders"]) < orders or entry["archived"]:
            continue
        quantity = min(entry["quantities"], key=lambda q: (-entry["quantities"][q], entry["latest"][q]))
        price = get(store, product_id, now.date()).price if priced else Decimal("0.00")
        found.append(UsualItem(contact_id=contact_id, contact_name=contact_name, product_id=product_id,
                               product=entry["name"], quantity=quantity, unit=entry["unit"],
                               orders=len(entry["orders"]), of_orders=orders, last_ordered_at=entry["at"],
                               price=price))  # fmt: skip
    return sorted(found, key=lambda u: (-u.orders, fold(u.product)))


def usual_items(store: Store, now: datetime, contact: Contact) -> list[Item]:
    """The usual order as items to log (``log CONTACT order --usual``); an error when there is none."""
    found = usual(store, now, contact)
    if not found:
        raise InvalidValue(f"{contact.name} has no usual order yet: no product is in half of their last orders",
                           f'Name the items: minicrm log {contact.id} order --item "PRODUCT x2"')  # fmt: skip
    return [Item(str(u.product_id), u.quantity) for u in found]


def usual_text(items: Sequence[UsualItem]) -> str:
    """``2 × Seeded loaf, 0.5 kg Rye``: a usual order in words."""
    return ", ".join(line_text(u.quantity, u.unit, u.product) for u in items)


SALES_DAYS = 30  # the default window of ``sales``: the last 30 days, today included


def sales(store: Store, now: datetime, *, since: str | None = None, until: str | None = None, by: str = "product",
          contact: Contact | None = None) -> list[SalesRow]:  # fmt: skip
    """What sold in whole local days from ``since`` to ``until`` (default: the last 30 days): per
    product or product tag by revenue, or per month in order. Lines count at their own amounts;
    a refund's lines are taken off. An order's ``--amount`` given over its lines is not spread
    over them, so the revenue here is what the lines say."""
    group = choose(by, SALES_BY, "grouping")
    start = dates.parse_when(since, now, prefer="past").start() if since else \
        datetime.combine(now.date() - timedelta(days=SALES_DAYS - 1), time.min, now.tzinfo)
    end = dates.parse_when(until, now, prefer="past").end() if until else \
        datetime.combine(now.date(), time.max, now.tzinfo)
    if start > end:
        raise InvalidValue("--since is later than --until", "Swap them")
    return _sales(store, group, start, end, contact.id if contact else None)


def top_products(store: Store, since: datetime, until: datetime, limit: int) -> list[SalesRow]:
    """The ``limit`` products with the most revenue in [since, until] (the report's top products)."""
    return _sales(store, "product", since, until, None)[:limit]


def _sales(store: Store, group: str, start: datetime, end: datetime, contact_id: int | None) -> list[SalesRow]:
    totals: dict[object, list] = {}  # key -> [quantity, orders (a set, or a count by product), revenue]
    tags: dict[int, tuple[str, ...]] = {}
    if group == "product":  # aggregated by the database
        totals = {pid: [quantity, orders, revenue]
                  for pid, quantity, orders, revenue in store.products.product_totals(start, end, contact_id)}  # fmt: skip
    for order, at, kind, product_id, quantity, amount in (
            store.products.sold(start, end, contact_id) if group != "product" else ()):
        if group == "tag":
            if product_id not in tags:
                tags[product_id] = store.products.tags_of([product_id]).get(product_id, ()) or (None,)
            keys: tuple = tags[product_id]
        else:
            keys = (f"{at.astimezone():%Y-%m}",)
        sign = -1 if kind == "refund" else 1
        for key in keys:
            entry = totals.setdefault(key, [Decimal(0), set(), Decimal("0.00")])
            entry[0] += sign * quantity
            entry[2] += sign * amount
            if kind == "order":
                entry[1].add(order)
    if group == "month":
        for month in _months(start.date(), end.date()):
            totals.setdefault(month, [Decimal(0), set(), Decimal("0.00")])
    names = store.products.names(list(totals)) if group == "product" else {}
    revenue = sum((entry[2] for entry in totals.values()), Decimal("0.00"))
    rows = [SalesRow(by=group, key=names.get(key) if group == "product" else key,
                     product_id=key if group == "product" else None, quantity=_whole(entry[0]),
                     orders=entry[1] if type(entry[1]) is int else len(entry[1]), revenue=entry[2],
                     share=float(entry[2] / revenue) if revenue else None)
            for key, entry in totals.items()]  # fmt: skip
    if group == "month":
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (-r.revenue, -r.quantity, fold(r.key or "")))


def _whole(quantity: Decimal) -> Decimal:
    """2.000 as 2, 0.500 as 0.5 (never 1E+1)."""
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral_value() else quantity.normalize()


def _months(first: date, last: date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def added_at(store: Store, now: datetime, ids: Sequence[int]) -> list[Product]:
    """Those of products ``ids`` that were added at ``now`` (by the command running), each once."""
    found = [get(store, product_id, now.date()) for product_id in dict.fromkeys(ids)]
    return [p for p in found if p.created_at is not None and p.created_at >= now.replace(microsecond=0)]


def remove(store: Store, now: datetime, product: Product) -> bool:
    """Delete a product, or archive it when an order names it (history keeps its lines).
    Returns True when it was archived."""
    with store.write():
        if store.products.in_use(product.id):
            store.products.update(product.id, now, archived_at=now)
            return True
        store.products.delete(product.id)
    return False


# ------------------------------------------------------------------ order lines


def lines(store: Store, now: datetime, day: date, items: Sequence[str | Item], *,
          new_products: bool = False, decimal: str = ".") -> list[dict]:  # fmt: skip
    """The priced lines of an order on ``day``: each a dict with product_id, product, quantity, unit,
    unit_price and amount. Runs inside the caller's write when ``new_products`` may create products
    (at the item's price, else 0). An unknown product is an error that lists the known ones."""
    found: list[dict] = []
    for entry in items:
        item = entry if isinstance(entry, Item) else _item(store, entry, decimal)
        product = _product_for(store, now, day, item, new_products=new_products)
        unit_price = item.price if item.price is not None else product.price
        amount = (unit_price * item.quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        found.append(dict(product_id=product.id, product=product.name, quantity=item.quantity, unit=product.unit,
                          unit_price=unit_price, amount=amount))  # fmt: skip
    return found


def _item(store: Store, text: str, decimal: str) -> Item:
    """An item typed: a product named exactly so (``Pack x6``) first, else ``parse_item``."""
    raw = clean_line(text, "item")
    if store.products.named(fold(raw), exact=True, limit=1):
        return Item(raw, Decimal(1))
    return parse_item(raw, decimal)



def _product_for(store: Store, now: datetime, day: date, item: Item, *, new_products: bool) -> Product:
    whole = store.products.named(fold(item.product), exact=True, limit=2)
    if len(whole) == 1:
        product_id = whole[0][0]
    else:
        try:
            product_id = resolve(store, item.product, now.date()).id
        except NotFound:
            if not new_products:
                raise
            values = validate(item.product, price=item.price if item.price is not None else Decimal("0.00"))
            product_id = _add(store, now, values)
    return get(store, product_id, day)
