"""Products and order lines: round trips of their writes and reads, on a real file."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal


def test_products_prices_by_day_tags_and_lines(store, add_contact, now):
    ann = add_contact("Ann")
    today = now.date()
    with store.write():
        loaf = store.products.add(name="Seeded loaf", name_fold="seeded loaf", price=Decimal("4.50"), unit=None,
                                  sku="SL", tags=["bread"], since_on=date(2026, 1, 1), created=now)  # fmt: skip
        store.products.set_price(loaf, today, Decimal("4.80"))
        store.products.set_price(loaf, today, Decimal("4.90"))  # the same day again: replaced
        store.products.add_tags(loaf, ["bread", "seeds"])
        order = store.activity.add(contact_id=ann, kind="order", at=now, text=None, amount=Decimal("9.80"),
                                   created=now)  # fmt: skip
        store.products.add_lines(order, [dict(product_id=loaf, quantity=Decimal("2"), unit_price=Decimal("4.90"),
                                              amount=Decimal("9.80"))])  # fmt: skip
    assert store.products.get(loaf, today).price == Decimal("4.90")
    assert store.products.get(loaf, today - timedelta(days=1)).price == Decimal("4.50")
    assert store.products.get(loaf, date(2025, 6, 1)).price == Decimal("4.50")  # before the first price: the first
    assert store.products.get(loaf, today).tags == ("bread", "seeds")
    assert store.products.named("seed", exact=False, limit=5) == [(loaf, "Seeded loaf")]
    assert store.products.by_sku("SL") == loaf and store.products.in_use(loaf)
    line = store.activity.get(order).lines[0]
    assert (line.product, line.quantity, line.unit_price, line.amount) == ("Seeded loaf", 2, Decimal("4.9"),
                                                                           Decimal("9.8"))  # fmt: skip
    with store.write():
        store.products.update(loaf, now, archived_at=now)
    assert store.products.list(today) == [] and len(store.products.list(today, archived=True)) == 1
    assert store.products.named("seed", exact=False, limit=5) == []
