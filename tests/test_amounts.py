"""Amounts are never silently rescaled: the decimal mark is a setting, and a text that reads two ways is refused."""

from __future__ import annotations

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
