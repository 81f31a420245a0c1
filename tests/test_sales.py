"""What sells: sales by product, tag and month, the report's top products, list --bought and segments."""

from __future__ import annotations

import pytest


@pytest.fixture
def shop(cli):
    for name in ("Maria Gonzalez", "Tom Becker", "Aiko Tanaka"):
        cli.ok("add", name)
    cli.ok("product", "add", "Seeded loaf", "--price", "4.50", "--tag", "bread")
    cli.ok("product", "add", "Gluten-free rye", "--price", "6.80", "--tag", "gluten-free", "--tag", "bread",
           "--unit", "kg")  # fmt: skip
    cli.ok("product", "add", "Almond croissant", "--price", "3.50", "--tag", "pastry")
    cli.ok("log", "maria", "order", "--item", "seeded x2", "--item", "rye x0.5", "--at", "2 days ago")
    cli.ok("log", "tom", "order", "--item", "seeded x1", "--item", "croissant x4", "--at", "yesterday")
    cli.ok("log", "aiko", "order", "--item", "rye x1", "--at", "100 days ago")
    cli.ok("log", "maria", "order", "no lines", "--amount", "50", "--at", "yesterday")
    return cli


def test_sales_by_product_is_revenue_first_and_counts_the_window(shop):
    rows = shop.ok("sales", "--json").json()  # the last 30 days
    assert [(r["key"], r["quantity"], r["orders"], r["revenue"]) for r in rows] == [
        ("Almond croissant", 4, 1, 14.0), ("Seeded loaf", 3, 2, 13.5), ("Gluten-free rye", 0.5, 1, 3.4)]
    assert round(sum(r["share"] for r in rows), 6) == 1
    assert [r["key"] for r in shop.ok("sales", "--since", "1 year ago", "--json").json()][-1] == "Gluten-free rye"
    assert shop.ok("sales", "--since", "1 year ago", "--json").json()[-1]["revenue"] == 3.4 + 6.8
    assert [r["key"] for r in shop.ok("sales", "--contact", "tom", "--json").json()] == ["Almond croissant",
                                                                                          "Seeded loaf"]  # fmt: skip


def test_sales_by_tag_and_by_month(shop):
    by_tag = {r["key"]: (r["quantity"], r["revenue"]) for r in shop.ok("sales", "--by", "tag", "--json").json()}
    assert by_tag == {"bread": (3.5, 16.9), "pastry": (4, 14.0), "gluten-free": (0.5, 3.4)}
    months = shop.ok("sales", "--by", "month", "--since", "2026-08-01", "--json").json()
    assert [(m["key"], m["revenue"]) for m in months] == [("2026-08", 6.8), ("2026-09", 0), ("2026-10", 0),
                                                          ("2026-11", 30.9)]  # fmt: skip


def test_refund_lines_are_taken_off(shop):
    shop.ok("log", "tom", "refund", "stale", "--item", "croissant x1")
    croissant = next(r for r in shop.ok("sales", "--json").json() if r["product_id"] == 3)
    assert (croissant["key"], croissant["quantity"], croissant["orders"], croissant["revenue"]) == (
        "Almond croissant", 3, 1, 10.5)


def test_sales_on_a_terminal_draws_bars(shop):
    screen = "\n".join(shop.ok("sales", tty=True).screen())
    assert "Sales by product" in screen and "Almond croissant" in screen and "█" in screen and "45%" in screen


def test_sales_refuses_a_bad_grouping_and_an_empty_window_is_success(shop):
    result = shop("sales", "--by", "customer")
    assert result.exit_code == 1 and "not a grouping" in result.stderr
    assert shop.ok("sales", "--since", "2020-01-01", "--until", "2020-02-01", "--json").json() == []
    assert shop("sales", "--since", "tomorrow", "--until", "yesterday").exit_code == 1


def test_the_report_has_top_products(shop):
    report = shop.ok("report", "--json").json()
    assert [p["key"] for p in report["top_products"]] == ["Almond croissant", "Seeded loaf", "Gluten-free rye"]
    assert ["top_products", "3", "14"] in shop.ok("report").rows() or ["top_products", "3", "14.0"] in shop.ok(
        "report").rows()  # fmt: skip
    assert "Top products" in "\n".join(shop.ok("report", tty=True).screen())


def test_list_bought_a_product_or_a_tag_since_when(shop):
    names = lambda *args: [c["name"] for c in shop.ok("list", *args, "--json").json()]  # noqa: E731
    assert names("--bought", "gluten-free") == ["Aiko Tanaka", "Maria Gonzalez"]
    assert names("--bought", "gluten-free", "--bought-since", "90 days ago") == ["Maria Gonzalez"]
    assert names("--bought", "croissant") == ["Tom Becker"]
    assert names("--bought", "bread", "--stage", "purchase") == ["Aiko Tanaka", "Tom Becker"]
    unknown = shop("list", "--bought", "cake")
    assert unknown.exit_code == 3 and "Product tags: bread, gluten-free, pastry" in unknown.stderr
    assert shop("list", "--bought-since", "90 days ago").exit_code == 1


def test_a_segment_on_products_bought_stays_relative(shop, monkeypatch):
    shop.ok("segment", "save", "gluten-free-90", "--bought", "gluten-free", "--bought-since", "90 days ago")
    assert [c["name"] for c in shop.ok("list", "--segment", "gluten-free-90", "--json").json()] == ["Maria Gonzalez"]
    monkeypatch.setenv("MINICRM_NOW", "2027-03-01T09:00:00")  # Maria's order is now older than 90 days
    assert shop.ok("list", "--segment", "gluten-free-90", "--json").json() == []
    saved = shop.ok("segment", "list", "--json").json()[0]["filters"]
    assert saved == {"bought": "gluten-free", "bought_since": "90 days ago"}


def test_a_segment_keeps_the_product_by_id_through_a_rename(shop):
    shop.ok("segment", "save", "croissants", "--bought", "almond")
    shop.ok("product", "edit", "almond", "--name", "Croissant aux amandes")
    assert [c["name"] for c in shop.ok("list", "--segment", "croissants", "--json").json()] == ["Tom Becker"]
