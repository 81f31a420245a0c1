"""Amounts for people: one formatter, so that every table, page and message writes money alike.

A database has one currency, the ``currency`` setting (ISO 4217, ``minicrm config currency
EUR``); amounts are ``Decimal`` values to the cent. ``money()`` writes an amount with that
code (``1,234.50 EUR``); ``priced()`` puts the code in the ``currency`` field of a record that
carries amounts, and of the records inside it, so that JSON, TSV and CSV carry it as the
table does. A record with an ``amount`` field that is empty keeps ``currency`` empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any


def money(amount: Decimal | None, currency: str | None = None) -> str:
    """``amount`` for a person: grouped thousands, two decimals, the currency code after it
    when one is set (``1,234.50 EUR``, ``-3.00 EUR``); empty for no amount."""
    if amount is None:
        return ""
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def priced(record: Any, currency: str | None) -> Any:
    """``record`` with ``currency`` in its ``currency`` field and in those of the records it holds
    (a contact's page: its value, interactions and deals; the report: its customers and pipeline).
    A record without such a field, or without ``currency``, is returned as it is."""
    if currency is None or not hasattr(record, "_fields"):
        return record
    changes = {}
    for name, value in zip(record._fields, record):
        if name == "currency":
            if value is None and getattr(record, "amount", True) is not None:
                changes[name] = currency
        elif type(value) is tuple and value and hasattr(value[0], "_fields"):
            inner = tuple(priced(item, currency) for item in value)
            if any(a is not b for a, b in zip(inner, value)):
                changes[name] = inner
        elif hasattr(value, "_fields"):
            inner = priced(value, currency)
            if inner is not value:
                changes[name] = inner
    return record._replace(**changes) if changes else record


def priced_all(records: Iterable[Any], record_type: type, currency: str | None) -> Iterable[Any]:
    """``priced`` over a listing of flat ``record_type`` records (interactions, deals, customers,
    pipeline stages), streamed: the records as they are when the type carries no currency or
    none is set."""
    fields = getattr(record_type, "_fields", ())
    if currency is None or "currency" not in fields:
        return records
    return _stamped(records, record_type, fields.index("currency"), currency)


def _stamped(records: Iterable[Any], record_type: type, at: int, currency: str) -> Iterator[Any]:
    amount = record_type._fields.index("amount") if "amount" in record_type._fields else None
    new = tuple.__new__  # a tenth of _replace's cost: listings can be long
    for record in records:
        if record[at] is None and (amount is None or record[amount] is not None):
            yield new(record_type, (*record[:at], currency, *record[at + 1:]))
        else:
            yield record
