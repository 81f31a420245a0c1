"""Amounts are never silently rescaled: the decimal mark is a setting, and a text that reads two ways is refused."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minicrm.errors import InvalidValue
from minicrm.services.values import parse_amount


@pytest.mark.parametrize("typed, decimal, amount", [
    ("11,50", ",", "11.50"), ("1.234,50", ",", "1234.50"), ("1,5", ",", "1.50"), ("1.234.567", ",", "1234567.00"),
    ("1 234,50", ",", "1234.50"), ("1.234", ",", "1234.00"), ("12.345,67", ",", "12345.67"),
    ("1,234.50", ".", "1234.50"), ("1,234", ".", "1234.00"), ("1,234,567.89", ".", "1234567.89"),
    ("1'234.50", ".", "1234.50"), ("12.50", ".", "12.50"), ("9", ".", "9.00"), (".5", ".", "0.50"),
    (",5", ",", "0.50"), ("-3", ".", "-3.00"), ("+7", ",", "7.00"), ("  12.5 ", ".", "12.50"),
    ("1,234.50", ",", "1234.50"),  # both marks: the last is the decimal one, whatever the setting
    ("1.234,50", ".", "1234.50"),
])  # fmt: skip
def test_amounts_are_read_with_the_decimal_mark_in_force(typed, decimal, amount):
    assert parse_amount(typed, decimal) == Decimal(amount)


@pytest.mark.parametrize("typed, decimal, message", [
    ("11,50", ".", "'11,50' reads two ways: 11.50 (with ',' as the decimal mark) or 1150. The decimal mark is '.' "
                   "(minicrm config decimal , to change it): type 11.50 or 1150"),
    ("1,5", ".", "'1,5' reads two ways: 1.5 (with ',' as the decimal mark) or 15"),
    ("11.50", ",", "'11.50' reads two ways: 11.50 (with '.' as the decimal mark) or 1150. The decimal mark is ',' "
                   "(minicrm config decimal . to change it): type 11,50 or 1150"),
    ("1.234", ".", "'1.234' has three decimals. If you meant 1234, type it without '.'"),
    ("1,234", ",", "'1,234' has three decimals"),
    ("12.345", ".", "has three decimals"),
    ("1.2345", ".", "has more than two decimals"),
    ("12.5.5", ".", "is not an amount"), ("1,23,456.00", ".", "is not an amount"), ("abc", ".", "is not an amount"),
    ("1e5", ".", "is not an amount"), ("NaN", ".", "is not an amount"), ("1,234.5,6", ".", "is not an amount"),
    ("1000000000000", ".", "is not an amount"),
])  # fmt: skip
def test_a_doubtful_amount_is_refused_with_what_it_could_mean(typed, decimal, message):
    with pytest.raises(InvalidValue) as error:
        parse_amount(typed, decimal)
    assert message in str(error.value)


cents = st.integers(min_value=-(10**13), max_value=10**13).map(lambda c: Decimal(c) / 100)


def written(amount: Decimal, decimal: str, grouped: bool) -> str:
    """``amount`` as a person writes it with ``decimal`` as the decimal mark."""
    text = f"{abs(amount):,.2f}" if grouped else f"{abs(amount):.2f}"
    if decimal == ",":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("-" if amount < 0 else "") + text


@settings(max_examples=300, deadline=None)
@given(cents, st.sampled_from([".", ","]), st.booleans())
def test_an_amount_written_in_the_convention_in_force_reads_back_exactly(amount, decimal, grouped):
    if abs(amount) >= Decimal("1e12"):
        with pytest.raises(InvalidValue):
            parse_amount(written(amount, decimal, grouped), decimal)
        return
    assert parse_amount(written(amount, decimal, grouped), decimal) == amount


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.,-+ '", max_size=16) | st.text(max_size=16), st.sampled_from([".", ","]))
def test_any_text_is_an_amount_or_refused_never_anything_else(typed, decimal):
    try:
        amount = parse_amount(typed, decimal)
    except InvalidValue:
        return
    assert amount is None or amount == amount.quantize(Decimal("0.01"))


def test_log_with_a_decimal_comma_stores_cents_and_with_a_point_refuses_both_readings(cli):
    cli.ok("add", "Maria")
    logged = cli("log", "maria", "order", "--amount", "11,50", "--json", env={"LANG": "de_DE.UTF-8"})
    assert (logged.exit_code, logged.json()["amount"]) == (0, 11.5)
    refused = cli("log", "maria", "order", "--amount", "11,50", env={"LANG": "en_US.UTF-8"})
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith("Error: '11,50' reads two ways: 11.50 (with ',' as the decimal mark) or 1150.")
    cli.ok("config", "decimal", ",")  # the database beats the locale
    assert cli.ok("log", "maria", "order", "--amount", "1.234", "--json",
                  env={"LANG": "en_US.UTF-8"}).json()["amount"] == 1234  # fmt: skip
    assert [row[7] for row in cli.ok("history", "maria").rows()] == ["1234.0", "11.5"]


def test_deal_values_follow_the_same_rule(cli):
    cli.ok("add", "Jonas")
    cli.ok("config", "decimal", ",")
    deal = cli.ok("deal", "add", "jonas", "Relaunch", "--value", "8.000,50", "--json").json()
    assert deal["value"] == 8000.5
    assert cli("deal", "edit", str(deal["id"]), "--value", "9.5").exit_code == 1
    assert cli.ok("deal", "edit", str(deal["id"]), "--value", "9,5", "--json").json()["value"] == 9.5


def test_a_negative_order_is_refused_with_a_pointer_to_a_refund(cli):
    cli.ok("add", "Maria")
    result = cli("log", "maria", "order", "--amount", "-5")
    assert result.exit_code == 1
    assert result.stderr == ("Error: an order's amount cannot be negative (-5). "
                             "Log the money back as a refund, with the amount as a positive number\n")  # fmt: skip
    assert cli.ok("history", "maria").stdout == ""
    assert cli.ok("log", "maria", "note", "--amount", "-5", "--json").json()["amount"] == -5


# ------------------------------------------------------------------ the currency shown with amounts


def test_money_writes_the_currency_code_after_the_amount():
    from minicrm.money import money

    assert money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert money(Decimal("-3"), "GBP") == "-3.00 GBP"
    assert money(Decimal("12"), None) == "12.00"  # no currency set anywhere: the number alone
    assert money(None, "EUR") == ""


def test_every_table_with_amounts_shows_the_currency_in_force(cli):
    cli.ok("config", "currency", "CHF")
    cli.ok("add", "Ann Lee", "--email", "ann@x.example")
    cli.ok("log", "ann", "order", "cake", "--amount", "1234.5", "--at", "2026-10-01")
    cli.ok("log", "ann", "order", "tart", "--amount", "20", "--at", "2026-11-01")
    cli.ok("deal", "add", "ann", "Wedding", "--value", "800")
    screens = {args: "\n".join(cli.ok(*args, tty=True).screen()) for args in (
        ("history",), ("show", "ann"), ("customers",), ("deal", "list"), ("deal", "pipeline"), ("report",))}
    assert "1,234.50 CHF" in screens[("history",)] and "20.00 CHF" in screens[("history",)]
    assert "1,254.50 CHF" in screens[("show", "ann")] and "627.25 CHF" in screens[("show", "ann")]  # value, average
    assert "800.00 CHF" in screens[("show", "ann")]  # the open deal
    assert "1,254.50 CHF" in screens[("customers",)]
    assert "800.00 CHF" in screens[("deal", "list")]
    assert "800.00 CHF" in screens[("deal", "pipeline")] and "80.00 CHF" in screens[("deal", "pipeline")]
    assert "revenue 1,254.50 CHF" in screens[("report",)] and "1,234.50 CHF" in screens[("report",)]


def test_the_pipe_carries_the_currency_after_the_amount(cli):
    cli.ok("add", "Ann Lee")
    cli.ok("log", "ann", "order", "--amount", "3")
    row = cli.ok("history").rows()[0]
    assert (row[7], row[9]) == ("3.0", "")  # nothing set anywhere: no currency, and none invented
    screen = "\n".join(cli.ok("history", tty=True).screen())
    assert "3.00" in screen and not re.search(r"3\.00 [A-Z]{3}", screen)
    assert cli.ok("history", env={"LANG": "de_DE.UTF-8"}).rows()[0][9] == "EUR"  # the locale's
    cli.ok("config", "currency", "GBP")
    row = cli.ok("history", env={"LANG": "de_DE.UTF-8"}).rows()[0]
    assert (row[7], row[9]) == ("3.0", "GBP")  # the database's setting beats the locale
    assert ["revenue", "currency", "GBP"] in cli.ok("report").rows()


def test_due_names_what_a_customer_is_worth_in_the_currency(cli):
    cli.ok("config", "currency", "EUR")
    cli.ok("add", "Ann Lee")
    cli.ok("log", "ann", "order", "--amount", "250", "--at", "2026-11-01")
    cli.ok("remind", "ann", "call back", "--on", "today")
    assert "customer worth 250.00 EUR" in cli.ok("due", "--json").json()[0]["reason"]


def test_an_export_names_the_currency_of_its_amounts_and_imports_back(cli, tmp_path):
    cli.ok("config", "currency", "EUR")
    cli.ok("add", "Ann Lee")
    cli.ok("log", "ann", "order", "--amount", "3.50")
    exported = [json.loads(line) for line in cli.ok("export", "interactions", "--to", "ndjson").stdout.splitlines()]
    assert [(r["amount"], r["currency"]) for r in exported] == [(3.5, "EUR")]
    header, row = cli.ok("export", "interactions", "--to", "csv").stdout.splitlines()
    assert header.endswith(",currency,lines") and row.endswith(",EUR,")  # then the lines: none here
    backup = tmp_path / "all.ndjson"
    cli.ok("export", "all", "--to", "ndjson", "-o", backup)
    cli.ok("import", backup, env={"MINICRM_DB": str(tmp_path / "copy.db")})
    copied = cli.ok("history", "--json", env={"MINICRM_DB": str(tmp_path / "copy.db")}).json()
    assert [(i["amount"], i["currency"]) for i in copied] == [(3.5, "EUR")]  # export all carries the setting
