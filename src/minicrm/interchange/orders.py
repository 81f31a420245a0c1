"""What the importer does with orders: the products of an export, an order's lines, a till's CSV of
order lines grouped into orders, and a contact named by email, phone or name.

``OrderImport`` is a part of ``importer.Importer`` (its state and bookkeeping are the importer's):
kept apart so each module reads whole. Lines are taken as the file has them, never repriced.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from minicrm.errors import InvalidValue, MiniCrmError, NotFound
from minicrm.interchange.records import as_day, as_instant, as_text, as_texts
from minicrm.models import fold
from minicrm.services import products
from minicrm.services.values import clean_line, parse_amount

LINE_KEYS = ("product", "product_uid", "quantity", "unit_price", "amount")  # of a CSV row, the line's own


class OrderImport:
    """The importer's methods for products, order lines and contacts named otherwise than by uid."""

    store: Any
    now: datetime
    region: str | None
    decimal: str
    report: Any
    product_ids: dict[str, int]
    open_order: tuple | None
    by_uid: dict[str, int]

    def _owner(self, raw: dict) -> int:
        """The contact a record names: by ``contact_uid``, else ``contact_email``, ``contact_phone`` or
        ``contact_name`` (exactly one contact each), else ``contact`` (an email, a phone or a name)."""
        uid = as_text(raw.get("contact_uid"), "contact_uid")
        if uid:
            found = self.by_uid.get(uid) or self.store.contacts.id_by_uid(uid)
            if not found:
                raise InvalidValue(f"no contact has the uid {uid}", "Import the contact first (export all keeps the order)")
            return found
        for key in ("contact_email", "contact_phone", "contact_name", "contact"):
            ref = as_text(raw.get(key), key)
            if ref:
                self._flush_contacts()  # contacts of this file are found like the others
                return self._contact_named(key, ref)
        raise InvalidValue("the record does not name its contact",
                           "Give contact_uid, contact_email, contact_phone or contact_name")  # fmt: skip

    def _contact_named(self, key: str, ref: str) -> int:
        from minicrm.services.values import normalise_email, normalise_phone

        by = key if key != "contact" else ("contact_email" if "@" in ref else
                                           "contact_phone" if sum(ch.isdigit() for ch in ref) >= 5 and
                                           not any(ch.isalpha() for ch in ref) else "contact_name")  # fmt: skip
        if by == "contact_email":
            ids = self.store.contacts.ids_by_email(normalise_email(ref))
        elif by == "contact_phone":
            try:
                ids = self.store.contacts.ids_by_phone(normalise_phone(ref, self.region))
            except MiniCrmError:
                ids = self.store.contacts.ids_by_phone(ref)  # kept as typed on a contact too
        else:
            ids = [cid for cid, _ in self.store.contacts.named(fold(ref), exact=True, limit=11)]
        what = {"contact_email": "email", "contact_phone": "phone", "contact_name": "name"}[by]
        if not ids:
            raise InvalidValue(f"no contact has the {what} {ref}", "Import or add the contact first")
        if len(set(ids)) > 1:
            raise InvalidValue(f"{len(set(ids))} contacts have the {what} {ref} ({', '.join(map(str, sorted(set(ids))[:10]))})",
                               "Name the contact by contact_uid or contact_email")  # fmt: skip
        return ids[0]

    def _line(self, line: int, raw: dict, at: datetime) -> dict:
        """One line of an order: its product (by ``product_uid``, else ``product`` named like PRODUCT),
        quantity and unit price as the file has them (never repriced), its amount as given or
        quantity x unit price. A product found nowhere is added at that price, with a warning."""
        quantity = products.parse_quantity(as_text(raw.get("quantity"), "quantity") or "1", self.decimal)
        unit_price = parse_amount(as_text(raw.get("unit_price"), "unit_price"), self.decimal)
        given = parse_amount(as_text(raw.get("amount"), "amount"), self.decimal)
        if unit_price is None and given is not None:
            unit_price = (given / quantity).quantize(Decimal("0.01"))
        product_uid = as_text(raw.get("product_uid"), "product_uid")
        product_id = (self.product_ids.get(product_uid) or self.store.products.id_by_uid(product_uid)) if product_uid \
            else None
        if product_id is None:
            name = as_text(raw.get("product"), "product")
            if not name:
                raise InvalidValue("a line names no product", "Give each line a product")
            try:
                product_id = products.resolve(self.store, name, at.date(), archived=True).id
            except NotFound:
                if unit_price is None:
                    raise InvalidValue(f"the line of {name} has no price, and there is no product {name}",
                                       "Give the line a unit_price, or add the product first") from None  # fmt: skip
                added = products.add(self.store, self.now, name, price=unit_price)
                product_id = added.id
                self.report.warn(line, f"added the product {added.name} at {unit_price} (the line's price)")
                self._note(line, "create", "product", added.uid, added.name)
            if product_uid:
                self.product_ids[product_uid] = product_id
        if unit_price is None:
            unit_price = products.get(self.store, product_id, at.date()).price
        if unit_price < 0:
            raise InvalidValue(f"a line's unit price is negative ({unit_price})", "Give it as a positive number")
        amount = given if given is not None else (unit_price * quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return dict(product_id=product_id, quantity=quantity, unit_price=unit_price, amount=amount)

    def _order_line(self, line: int, raw: dict, source: Any) -> None:
        """A row of a CSV of order lines. Consecutive rows of one order (the same ``order`` value, else
        the same customer and date) are one order, logged when the next order starts."""
        key = (raw.get("order"), None, None) if raw.get("order") else (None, raw.get("at"), self._who(raw))
        if self.open_order is not None and self.open_order[0] != key:
            self._close_order()
        if self.open_order is None:
            self.open_order = (key, line, source, {k: v for k, v in raw.items() if k not in LINE_KEYS} | {
                "type": "interaction", "kind": raw.get("kind") or "order", "at": raw.get("at"), "lines": []})
        self.open_order[3]["lines"].append({k: raw[k] for k in LINE_KEYS if k in raw})

    @staticmethod
    def _who(raw: dict) -> tuple:
        return tuple(raw.get(k) for k in ("contact_uid", "contact_email", "contact_phone", "contact_name", "contact"))

    def _close_order(self) -> None:
        """Log the order whose lines were read (``_order_line``), as the first of its rows."""
        if self.open_order is None:
            return
        _, line, source, raw = self.open_order
        self.open_order = None
        try:
            raw["at"] = self._when(raw.get("at"))
            self._interaction(line, raw)
        except MiniCrmError as error:
            self.reject(line, str(error), source, "interaction")

    def _when(self, value: Any) -> datetime:
        """A till's date: an ISO instant, else a date or date-time as people write it (``dates``, the
        ``date_order`` setting deciding 03/04), at the start of that day when it has no time."""
        if not value:
            raise InvalidValue("the order line has no date", "Give each line its date")
        try:
            moment = as_instant(value, "date")
        except InvalidValue:
            from minicrm import dates

            when = dates.parse_when(str(value), self.now, prefer="past")
            moment = when.instant(self.now) if when.time is not None else when.start()
        if moment.date() > self.now.date():
            raise InvalidValue(f"the date {value} is in the future",
                               "Is the day and month order right? (minicrm config date_order)")  # fmt: skip
        return moment

    def _product(self, line: int, raw: dict) -> None:
        """A product of an export: skipped when its uid, or a product of its name, is here already."""
        uid = clean_line(raw.get("uid") or "", "uid", required=False)
        name = as_text(raw.get("name"), "name") or ""
        prices = raw.get("prices") or [{"since_on": None, "price": raw.get("price")}]
        if not isinstance(prices, list) or not all(isinstance(p, dict) for p in prices):
            raise InvalidValue("the prices are not a list of objects", "Each has since_on and price")
        values = products.validate(name, price=as_text(prices[0].get("price"), "price"), unit=as_text(raw.get("unit"), "unit"),
                                   sku=as_text(raw.get("sku"), "sku"), tags=as_texts(raw.get("tags"), "tags"))  # fmt: skip
        existing = (self.store.products.id_by_uid(uid) if uid else None) or next(
            (pid for pid, _ in self.store.products.named(values["name_fold"], exact=True, limit=1, archived=True)), None)
        if existing is not None:
            if uid:
                self.product_ids[uid] = existing
            self._note(line, "skip", "product", uid, values["name"], f"already here as product {existing}")
            return
        created = as_instant(raw.get("created_at"), "created_at", self.now)
        product_id = self.store.products.add(**values, since_on=date.min, created=created, uid=uid or None)
        for entry in prices[1:]:
            self.store.products.set_price(product_id, as_day(entry.get("since_on"), "since_on"),
                                          parse_amount(as_text(entry.get("price"), "price")) or Decimal("0.00"))  # fmt: skip
        archived = as_instant(raw.get("archived_at"), "archived_at")
        if archived is not None:
            self.store.products.update(product_id, archived, archived_at=archived)
        if uid:
            self.product_ids[uid] = product_id
        self._note(line, "create", "product", uid, values["name"])
