"""Orders in and out: export all / import round trip with products and lines, a till's CSV of order
lines, contacts named by email, phone or name, and the lifecycle rules on imported orders."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture
def shop(cli):
    cli.ok("add", "Maria Gonzalez", "--email", "maria@x.example")
    cli.ok("add", "Tom Becker", "--phone", "+14155550100")
    cli.ok("product", "add", "Seeded loaf", "--price", "4.50", "--tag", "bread")
    cli.ok("product", "add", "Rye", "--price", "6.80", "--unit", "kg", "--sku", "R1", "--tag", "gluten-free")
    return cli


def test_export_all_and_import_keep_products_prices_and_lines(shop, tmp_path):
    shop.ok("log", "maria", "order", "--item", "seeded x2", "--item", "rye x0.5", "--at", "3 days ago")
    shop.ok("product", "edit", "seeded", "--price", "4.80")
    shop.ok("log", "tom", "order", "--item", "seeded x1 @ 4")
    shop.ok("log", "maria", "refund", "burnt", "--item", "seeded x1")
    shop.ok("product", "rm", "rye", "--yes")
    exported = tmp_path / "all.ndjson"
    shop.ok("export", "all", "--to", "ndjson", "-o", exported)
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [r["type"] for r in records][:4] == ["contact", "contact", "product", "product"]
    assert records[2]["prices"] == [{"since_on": "0001-01-01", "price": 4.5}, {"since_on": "2026-11-18", "price": 4.8}]
    assert records[4]["lines"][0]["product_uid"] == records[2]["uid"]
    copy = {"MINICRM_DB": str(tmp_path / "copy.db")}
    result = shop.ok("import", exported, env=copy)
    assert "products: 2 created; interactions: 3 created" in result.stderr
    for args in (["history"], ["product", "list", "--archived"], ["list"], ["sales", "--since", "1 week ago"]):
        assert shop.ok(*args, "--json", env=copy).json() == shop.ok(*args, "--json").json(), args
    again = shop.ok("import", exported, env=copy)  # the same file twice: nothing doubled
    assert "products: 2 skipped" in again.stderr and "interactions: 3 skipped" in again.stderr


def test_a_till_csv_of_order_lines_names_customers_by_email_phone_or_name(shop, tmp_path):
    till = tmp_path / "till.csv"
    till.write_text("date,customer,product,quantity,price\n"
                    "2026-11-10,maria@x.example,Seeded loaf,2,4.50\n"
                    "2026-11-10,maria@x.example,Rye,0.5,6.80\n"
                    "2026-11-11,+1 415 555 0100,Seeded loaf,1,4.20\n"
                    "2026-11-12,Tom Becker,Croissant,3,1.20\n")  # fmt: skip
    result = shop.ok("import", till)
    assert "products: 1 created; interactions: 3 created" in result.stderr
    assert "line 5: added the product Croissant at 1.20" in result.stderr
    orders = shop.ok("history", "--json").json()
    assert [(o["contact_name"], o["at"][:10], o["amount"], len(o["lines"])) for o in orders] == [
        ("Tom Becker", "2026-11-12", 3.6, 1), ("Tom Becker", "2026-11-11", 4.2, 1),
        ("Maria Gonzalez", "2026-11-10", 12.4, 2)]
    assert orders[1]["lines"][0]["unit_price"] == 4.2  # the till's price, kept, not today's


def test_imported_orders_apply_the_lifecycle_rules_as_logging_does(shop, tmp_path):
    till = tmp_path / "till.csv"
    till.write_text("date,customer,product,quantity,price\n2026-11-10,maria@x.example,Seeded loaf,2,4.50\n"
                    "2026-11-11,maria@x.example,Seeded loaf,2,4.50\n2026-11-12,Tom Becker,Rye,1,6.80\n")  # fmt: skip
    shop.ok("import", till)
    stages = {c["name"]: c["stage"] for c in shop.ok("list", "--json").json()}
    assert stages == {"Maria Gonzalez": "retention", "Tom Becker": "purchase"}
    history = shop.ok("show", "maria", "--json").json()["stage_history"]
    assert [(s["from_stage"], s["to_stage"], s["source"]) for s in history][1:] == [
        ("awareness", "purchase", "rule"), ("purchase", "retention", "rule")]
    shop.ok("undo")  # the whole import, stage moves too
    assert {c["stage"] for c in shop.ok("list", "--json").json()} == {"awareness"}
    assert shop.ok("history", "--json").json() == []


def test_a_stage_set_by_hand_survives_the_round_trip(shop, tmp_path):
    for _ in range(3):
        shop.ok("log", "maria", "order", "--item", "seeded")
    shop.ok("stage", "maria", "consideration")  # set by hand after the orders: it wins
    exported = tmp_path / "all.ndjson"
    shop.ok("export", "all", "--to", "ndjson", "-o", exported)
    copy = {"MINICRM_DB": str(tmp_path / "copy.db")}
    shop.ok("import", exported, env=copy)
    assert shop.ok("show", "maria", "--json", env=copy).json()["stage"] == "consideration"


@pytest.mark.parametrize("row, reason", [
    ("2026-11-10,nobody@x.example,Seeded loaf,1,4.50", "no contact has the email nobody@x.example"),
    ("2026-11-10,maria@x.example,Seeded loaf,1,4,50", None),  # an extra column: the price is 4
    ("2026-11-10,maria@x.example,Seeded loaf,0,4.50", "not a positive number"),
    ("2026-11-10,maria@x.example,Seeded loaf,1,-4.50", "negative"),
    ("2099-01-01,maria@x.example,Seeded loaf,1,4.50", "in the future"),
])  # fmt: skip
def test_bad_order_lines_are_rejected_with_their_reason(shop, tmp_path, row, reason):
    till = tmp_path / "till.csv"
    till.write_text(f"date,customer,product,quantity,price\n{row}\n")
    result = shop("import", till)
    if reason is None:
        assert result.exit_code == 0
        return
    assert reason in result.stderr and "line 2" in result.stderr
    assert shop.ok("history", "--json").json() == []


def test_an_ambiguous_price_in_a_csv_is_refused_not_rescaled(shop, tmp_path):
    till = tmp_path / "till.csv"
    till.write_text('date,customer,product,quantity,price\n2026-11-10,maria@x.example,Seeded loaf,1,"4,50"\n')
    assert "reads two ways" in shop("import", till).stderr
    shop.ok("config", "decimal", ",")
    shop.ok("import", till)
    assert shop.ok("history", "--json").json()[0]["amount"] == 4.5


def test_interactions_and_reminders_may_name_their_contact_by_email_phone_or_name(shop, tmp_path):
    records = tmp_path / "in.ndjson"
    records.write_text("\n".join(json.dumps(r) for r in [
        {"type": "interaction", "contact_email": "MARIA@x.example", "kind": "call", "at": "2026-11-10T10:00:00Z"},
        {"type": "interaction", "contact_phone": "+1 (415) 555-0100", "kind": "order", "amount": 3,
         "at": "2026-11-10T10:00:00Z"},
        {"type": "reminder", "contact_name": "tom becker", "text": "call back", "due_on": "2026-11-20"},
        {"type": "interaction", "contact": "Maria Gonzalez", "kind": "note", "at": "2026-11-10T11:00:00Z"},
    ]) + "\n")  # fmt: skip
    shop.ok("import", records)
    assert [(i["contact_name"], i["kind"]) for i in shop.ok("history", "--json").json()] == [
        ("Maria Gonzalez", "note"), ("Tom Becker", "order"), ("Maria Gonzalez", "call")]
    assert shop.ok("show", "tom", "--json").json()["stage"] == "purchase"
    assert shop.ok("due", "--week", "--json").json()[0]["contact_name"] == "Tom Becker"


quantities = st.decimals(min_value="0.001", max_value="9999", places=3)
prices = st.decimals(min_value="0", max_value="99999", places=2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quantity=quantities, price=prices)
def test_a_csv_line_keeps_its_quantity_and_price_exactly(cli, tmp_path_factory, quantity, price):
    folder = tmp_path_factory.mktemp("till")
    env = {"MINICRM_DB": str(folder / "crm.db")}
    cli.ok("add", "Ann", "--email", "ann@x.example", env=env)
    till = folder / "till.csv"
    till.write_text(f"date,customer,product,quantity,price\n2026-11-10,ann@x.example,Loaf,{quantity},{price}\n")
    cli.ok("import", till, env=env)
    line = cli.ok("history", "--json", env=env).json()[0]["lines"][0]
    assert (line["quantity"], line["unit_price"]) == (float(quantity), float(price))
    assert line["amount"] == float((quantity * price).quantize(__import__("decimal").Decimal("0.01"),
                                                               rounding="ROUND_HALF_UP"))  # fmt: skip
