"""Products and order lines: product add/list/edit/rm, log --item, history and show, refunds with lines."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicrm.errors import InvalidValue
from minicrm.services.products import Item, parse_item, parse_quantity


@pytest.fixture
def bakery(cli):
    cli.ok("add", "Maria Gonzalez")
    cli.ok("add", "Tom Becker")
    cli.ok("product", "add", "Seeded loaf", "--price", "4.50", "--tag", "bread")
    cli.ok("product", "add", "Gluten-free rye", "--price", "6.80", "--tag", "gluten-free", "--tag", "bread",
           "--unit", "kg", "--sku", "GF-RYE")  # fmt: skip
    cli.ok("product", "add", "Crème brûlée", "--price", "3")
    return cli


# ------------------------------------------------------------------ the item parser

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                max_size=40).map(str.strip).filter(lambda n: n and not n[-1:].isdigit() and not n[:1].isdigit()
                                                   and "@" not in n and not n.lower().endswith((" x", " ×", " *")))  # fmt: skip
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999999.999"), places=3)


@given(names, quantities)
def test_an_item_reads_back_its_product_and_quantity(name, quantity):
    assert parse_item(f"{name} x{quantity}") == Item(name, quantity)
    assert parse_item(f"{quantity} × {name}") == Item(name, quantity)
    assert parse_item(name) == Item(name, Decimal(1))


@given(names, st.integers(1, 999), st.integers(0, 99_999))
def test_an_item_with_a_price_keeps_it_to_the_cent(name, quantity, cents):
    price = Decimal(cents) / 100
    item = parse_item(f"{name} x{quantity} @ {price}")
    assert item == Item(name, Decimal(quantity), price) and item.price.as_tuple().exponent == -2


@given(names, quantities)
def test_a_decimal_comma_quantity_is_read_only_with_a_decimal_comma(name, quantity):
    typed = f"{name} x{str(quantity).replace('.', ',')}"
    assert parse_item(typed, decimal=",").quantity == quantity
    if quantity != quantity.to_integral():
        with pytest.raises(InvalidValue):
            parse_item(typed, decimal=".")


@pytest.mark.parametrize("bad", ["0", "-1", "1.2345", "abc", "1e3", "1000000"])
def test_a_quantity_must_be_positive_with_three_decimals_at_most(bad):
    with pytest.raises(InvalidValue):
        parse_quantity(bad)


# ------------------------------------------------------------------ products


def test_product_add_list_and_the_price_of_the_day(bakery):
    listed = bakery.ok("product", "list", "--json").json()
    assert [p["name"] for p in listed] == ["Crème brûlée", "Gluten-free rye", "Seeded loaf"]
    assert listed[1]["unit"] == "kg" and listed[1]["sku"] == "GF-RYE"
    assert listed[1]["tags"] == ["bread", "gluten-free"] and listed[1]["price"] == 6.8
    assert [p["name"] for p in bakery.ok("product", "list", "--tag", "gluten-free", "--json").json()] == [
        "Gluten-free rye"]


@pytest.mark.parametrize("args, message", [
    (["product", "add", "Seeded loaf", "--price", "5"], "already a product named Seeded loaf"),
    (["product", "add", "Rye", "--price", "-1"], "negative"),
    (["product", "add", "Rye", "--price", "4.5555"], "more than two decimals"),
    (["product", "add", "Rye", "--price", "11,50"], "reads two ways"),
    (["product", "add", "12", "--price", "1"], "only by a number"),
    (["product", "add", "Rye", "--price", "1", "--sku", "GF-RYE"], "SKU GF-RYE is already"),
])  # fmt: skip
def test_bad_products_are_refused_in_one_line_and_nothing_is_written(bakery, args, message):
    result = bakery(*args)
    assert result.exit_code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert len(bakery.ok("product", "list", "--json").json()) == 3


def test_a_new_price_holds_from_today_and_orders_keep_theirs(bakery):
    bakery.ok("log", "maria", "order", "--item", "seeded x2", "--at", "2026-11-10 08:00")
    bakery.ok("product", "edit", "seeded", "--price", "4.80")
    bakery.ok("log", "maria", "order", "--item", "seeded x2")
    bakery.ok("log", "maria", "order", "--item", "seeded x1", "--at", "2026-11-11 08:00")  # backdated: that day's price
    amounts = [(h["at"][:10], h["amount"], h["lines"][0]["unit_price"]) for h in bakery.ok("history", "--json").json()]
    assert amounts == [("2026-11-18", 9.6, 4.8), ("2026-11-11", 4.5, 4.5), ("2026-11-10", 9.0, 4.5)]
    assert bakery.ok("product", "list", "--json").json()[2]["price"] == 4.8


def test_an_order_is_the_sum_of_its_lines_unless_an_amount_is_given(bakery):
    logged = bakery.ok("log", "maria", "order", "For the weekend", "--item", "Seeded loaf x2", "--item", "GF-RYE x0.333",
                       "--item", "creme brulee", "--json").json()  # fmt: skip
    # 6.80 x 0.333 = 2.2644: rounded half up to 2.26
    assert [(line["product"], line["quantity"], line["amount"]) for line in logged["lines"]] == [
        ("Seeded loaf", 2, 9.0), ("Gluten-free rye", 0.333, 2.26), ("Crème brûlée", 1, 3.0)]
    assert logged["amount"] == 14.26 and logged["text"] == "For the weekend"
    fixed = bakery.ok("log", "tom", "order", "--item", "seeded x3", "--amount", "12", "--json").json()
    assert fixed["amount"] == 12 and fixed["lines"][0]["amount"] == 13.5
    priced = bakery.ok("log", "tom", "order", "--item", "seeded x2 @ 4", "--json").json()
    assert priced["amount"] == 8 and priced["lines"][0]["unit_price"] == 4


def test_an_order_with_lines_moves_the_contact_and_counts_in_value(bakery):
    result = bakery.ok("log", "maria", "order", "--item", "seeded x2")
    assert "moved from awareness to purchase" in result.stderr
    assert bakery.ok("customers", "--json").json()[0]["lifetime_value"] == 9.0


def test_history_and_show_print_the_lines(bakery):
    bakery.ok("log", "maria", "order", "birthday", "--item", "seeded x2", "--item", "rye x0.5")
    screen = "\n".join(bakery.ok("history", tty=True).screen())
    assert "2 × Seeded loaf, 0.5 kg Gluten-free rye · birthday" in screen
    assert "2 × Seeded loaf, 0.5 kg Gluten-free rye" in "\n".join(bakery.ok("show", "maria", tty=True).screen())
    row = bakery.ok("history").rows()[0]
    assert row[10].startswith('[{"product_id":1,"product":"Seeded loaf","quantity":2')


@pytest.mark.parametrize("item, message, code", [
    ("baguette x2", 'no product matches "baguette". Known products: Crème brûlée, Gluten-free rye, Seeded loaf', 3),
    ("e x1", '"e" matches several products', 1),
    ("seeded x0", "not a positive number", 1),
    ("seeded x2 @ 1,5", "reads two ways", 1),
])  # fmt: skip
def test_a_bad_item_is_one_line_and_logs_nothing(bakery, item, message, code):
    result = bakery("log", "maria", "order", "--item", "seeded", "--item", item)
    assert result.exit_code == code and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert bakery.ok("history", "--json").json() == []
    assert bakery.ok("show", "maria", "--json").json()["stage"] == "awareness"


def test_items_go_with_orders_and_refunds_only(bakery):
    result = bakery("log", "maria", "call", "--item", "seeded")
    assert result.exit_code == 1 and "--item goes with an order or a refund" in result.stderr


def test_new_products_are_created_with_the_order_and_undone_with_it(bakery):
    result = bakery.ok("log", "maria", "order", "--item", "Baguette x3 @ 1.20", "--item", "Stollen", "--new-products",
                       "--json")  # fmt: skip
    assert result.json()["amount"] == 3.6
    assert "Added the product Baguette (#4) at 1.20" in result.stderr
    assert "Added the product Stollen (#5) at 0.00" in result.stderr
    assert len(bakery.ok("product", "list", "--json").json()) == 5
    bakery.ok("undo")
    assert len(bakery.ok("product", "list", "--json").json()) == 3
    assert bakery.ok("history", "--json").json() == []


def test_a_product_with_orders_is_archived_not_deleted(bakery, isolated):
    bakery.ok("log", "maria", "order", "--item", "seeded x2")
    result = bakery.ok("product", "rm", "seeded", "--yes")
    assert "Archived Seeded loaf (#1): orders name it" in result.stderr
    assert "Seeded loaf" not in bakery.ok("product", "list").stdout
    assert bakery.ok("product", "list", "--archived", "--json").json()[2]["archived_at"]
    assert bakery.ok("history", "--json").json()[0]["lines"][0]["product"] == "Seeded loaf"
    refused = bakery("log", "maria", "order", "--item", "1")
    assert refused.exit_code == 1 and "archived" in refused.stderr
    bakery.ok("product", "edit", "1", "--restore")
    bakery.ok("log", "maria", "order", "--item", "seeded")
    bakery.ok("product", "rm", "creme", "--yes")
    assert sqlite3.connect(isolated).execute("SELECT count(*) FROM products").fetchone()[0] == 2
    assert "not removing" in bakery("product", "rm", "rye").stderr  # a script must say --yes


def test_removing_the_order_removes_its_lines(bakery, isolated):
    bakery.ok("log", "maria", "order", "--item", "seeded x2")
    bakery.ok("interaction", "rm", "1", "--yes")
    assert sqlite3.connect(isolated).execute("SELECT count(*) FROM order_lines").fetchone()[0] == 0
    bakery.ok("undo")
    assert bakery.ok("history", "--json").json()[0]["lines"][0]["quantity"] == 2


def test_product_edit(bakery):
    edited = bakery.ok("product", "edit", "rye", "--name", "GF rye", "--unit", "", "--sku", "", "--tag", "sale",
                       "--remove-tag", "bread", "--json").json()  # fmt: skip
    assert (edited["name"], edited["unit"], edited["sku"], edited["tags"]) == ("GF rye", None, None,
                                                                              ["gluten-free", "sale"])
    assert "nothing to change" in bakery("product", "edit", "rye").stderr
    assert "already a product named Seeded loaf" in bakery("product", "edit", "rye", "--name", "seeded LOAF").stderr


def test_a_refund_can_name_lines(bakery):
    bakery.ok("log", "maria", "order", "--item", "seeded x2")
    refund = bakery.ok("log", "maria", "refund", "Burnt", "--item", "seeded x1", "--json").json()
    assert refund["amount"] == 4.5 and refund["lines"][0]["product"] == "Seeded loaf"
    assert bakery.ok("customers", "--json").json()[0]["lifetime_value"] == 4.5


def test_a_refund_of_lines_worth_nothing_needs_an_amount(bakery):
    result = bakery("log", "maria", "refund", "--item", "seeded x1 @ 0")
    assert result.exit_code == 1 and "add up to nothing" in result.stderr


# ------------------------------------------------------------------ the usual order


def test_usual_is_what_is_in_half_the_recent_orders_at_the_usual_quantity(bakery):
    for days, croissants in ((5, 1), (4, 2), (3, 2), (2, 3)):
        bakery.ok("log", "maria", "order", "--item", "seeded x2", "--item", f"creme x{croissants}",
                  "--at", f"{days} days ago")  # fmt: skip
    bakery.ok("log", "maria", "order", "--item", "rye x0.5", "--at", "1 day ago")
    usual = bakery.ok("usual", "maria", "--json").json()
    assert [(u["product"], u["quantity"], u["orders"], u["of_orders"]) for u in usual] == [
        ("Crème brûlée", 2, 4, 5), ("Seeded loaf", 2, 4, 5)]  # rye: 1 of 5, not usual
    assert "2 × Crème brûlée" in "\n".join(bakery.ok("usual", "maria", tty=True).screen())
    logged = bakery.ok("log", "maria", "order", "--usual", "--item", "rye x1", "--json").json()
    assert [(line["product"], line["quantity"]) for line in logged["lines"]] == [
        ("Crème brûlée", 2), ("Seeded loaf", 2), ("Gluten-free rye", 1)]
    assert logged["amount"] == 6 + 9 + 6.8


def test_usual_looks_at_the_last_ten_orders_with_lines_only(bakery):
    for days in range(20, 10, -1):
        bakery.ok("log", "tom", "order", "--item", "rye", "--at", f"{days} days ago")
    for days in range(10, 0, -1):
        bakery.ok("log", "tom", "order", "--item", "seeded", "--at", f"{days} days ago")
        bakery.ok("log", "tom", "order", "no lines", "--amount", "3", "--at", f"{days} days ago")
    assert [u["product"] for u in bakery.ok("usual", "tom", "--json").json()] == ["Seeded loaf"]


def test_no_usual_order_yet(bakery):
    assert bakery.ok("usual", "maria").stdout == ""
    result = bakery("log", "maria", "order", "--usual")
    assert result.exit_code == 1 and "Maria Gonzalez has no usual order yet" in result.stderr
    assert bakery.ok("history", "--json").json() == []


def test_due_names_the_usual_order_for_reorders_and_occasions(bakery):
    for days in (21, 14, 7):
        bakery.ok("log", "maria", "order", "--item", "seeded x2", "--item", "creme", "--at", f"{days} days ago")
    bakery.ok("occasion", "add", "maria", "11-20", "--label", "anniversary", "--lead", "7d")
    texts = {i["kind"]: i["text"] for i in bakery.ok("due", "--week", "--json").json()}
    assert texts["reorder"] == "Likely to reorder (about every 7 days); usually: 1 × Crème brûlée, 2 × Seeded loaf"
    assert texts["occasion"] == "Anniversary in 2 days; usually: 1 × Crème brûlée, 2 × Seeded loaf"


def test_due_without_lines_names_no_usual_order(cli):
    cli.ok("add", "Ann")
    for days in (21, 14, 7):
        cli.ok("log", "ann", "order", "bread", "--amount", "4", "--at", f"{days} days ago")
    assert [i["text"] for i in cli.ok("due", "--week", "--json").json()] == ["Likely to reorder (about every 7 days)"]
