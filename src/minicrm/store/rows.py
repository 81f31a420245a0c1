"""Rows and stored text into models and records: the only place that reads the storage forms.

Instants are stored as UTC text with second precision and a ``Z`` (``to_utc_text``) and come back
as aware datetimes in the local time zone; days as ISO dates; wall-clock times as ``HH:MM``;
money as integer cents; free-form fields and audit images as JSON.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal

from minicrm.models import (Change, Consent, Contact, Deal, Interaction, Occasion, OrderLine, Product, Referral,
                            Reminder, StageChange, reminder_state)
from minicrm.store.api import AuditRow, CustomerRow, Reorder, ScoreInputs, Touch


def to_utc_text(moment: datetime) -> str:
    """The storage form of an instant: UTC, second precision, ``Z`` suffix."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_utc_text(text: str) -> datetime:
    """A stored instant (``to_utc_text``) as an aware datetime in the local time zone."""
    return datetime.fromisoformat(text).astimezone()  # Python 3.11+ reads the Z


def instant(text: str | None) -> datetime | None:
    return from_utc_text(text) if text else None


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def clock(value: time | None) -> str | None:
    """The storage form of a wall-clock time."""
    return value.strftime("%H:%M") if value is not None else None


def cents(amount: Decimal | None) -> int | None:
    """The storage form of money."""
    return int(amount * 100) if amount is not None else None


# ------------------------------------------------------------------ models


def contact(row, emails: tuple[str, ...], phones: tuple[str, ...], tags: tuple[str, ...],
            unverified_phones: tuple[str, ...] = ()) -> Contact:  # fmt: skip
    import json  # here, not at import: `due` reads no JSON
    return Contact(
        id=row["id"],
        uid=row["uid"],
        name=row["name"],
        emails=emails,
        phones=phones,
        org=row["org"],
        stage=row["stage"],
        tags=tags,
        birthday=row["birthday"],
        note=row["note"],
        fields=json.loads(row["fields"]),
        last_contact_at=instant(row["last_contact_at"]),
        created_at=instant(row["created_at"]),
        updated_at=instant(row["updated_at"]),
        unverified_phones=unverified_phones,
    )


def interaction(row) -> Interaction:
    amount = row["amount_cents"]
    return Interaction(
        id=row["id"],
        uid=row["uid"],
        contact_id=row["contact_id"],
        contact_name=row["contact_name"],
        kind=row["kind"],
        at=from_utc_text(row["occurred_at"]),
        text=row["text"],
        amount=(Decimal(amount) / 100) if amount is not None else None,
        created_at=instant(row["created_at"]),
    )


def reminder(row, today: date | None) -> Reminder:
    """A reminder from a row of ``reminders.SELECT``; with ``today``, its state (overdue,
    today...) seen from that day. The row is unpacked by position: reading 17 columns
    by name costs ~2 µs a row, which `due` pays for thousands of rows. A caller may
    select more columns after these."""
    (id_, uid, contact_id, contact_name, contact_email, contact_phone, text, due_on, due_time, rule,
     _anchor_on, _scheduled_on, snoozed, status, done_at, created_at, updated_at, *_more) = row  # fmt: skip
    due_on = date.fromisoformat(due_on)
    state, late = reminder_state(status, due_on, today) if today else ("upcoming", 0)
    return Reminder(
        id=id_,
        uid=uid,
        contact_id=contact_id,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        text=text,
        due_on=due_on,
        due_time=time.fromisoformat(due_time) if due_time else None,
        rule=rule,
        status=status,
        state=state,
        days_late=late,
        snoozed=bool(snoozed),
        done_at=instant(done_at),
        created_at=instant(created_at),
        updated_at=instant(updated_at),
    )


def stage_change(row) -> StageChange:
    return StageChange(id=row["id"], contact_id=row["contact_id"], from_stage=row["from_stage"],
                       to_stage=row["to_stage"], at=from_utc_text(row["changed_at"]), source=row["source"])  # fmt: skip


def deal(row) -> Deal:
    return Deal(id=row["id"], uid=row["uid"], contact_id=row["contact_id"], contact_name=row["contact_name"],
                title=row["title"], value=Decimal(row["value_cents"]) / 100, stage=row["stage"],
                close_on=day(row["close_on"]), closed_at=instant(row["closed_at"]),
                created_at=instant(row["created_at"]), updated_at=instant(row["updated_at"]))  # fmt: skip


def product(row, tags: tuple[str, ...]) -> Product:
    return Product(id=row["id"], uid=row["uid"], name=row["name"], price=Decimal(row["price_cents"]) / 100,
                   unit=row["unit"], sku=row["sku"], tags=tags, archived_at=instant(row["archived_at"]),
                   created_at=instant(row["created_at"]), updated_at=instant(row["updated_at"]))  # fmt: skip


def order_line(row) -> OrderLine:
    return OrderLine(product_id=row["product_id"], product=row["product"],
                     quantity=Decimal(row["quantity_milli"]) / 1000, unit=row["unit"],
                     unit_price=Decimal(row["unit_price_cents"]) / 100, amount=Decimal(row["amount_cents"]) / 100)  # fmt: skip


def occasion(row) -> Occasion:
    return Occasion(id=row["id"], uid=row["uid"], contact_id=row["contact_id"], contact_name=row["contact_name"],
                    label=row["label"], date=row["date"], lead_days=row["lead_days"], note=row["note"],
                    next_on=date.fromisoformat(row["next_on"]), notify_on=date.fromisoformat(row["notify_on"]))  # fmt: skip


def consent(row) -> Consent:
    return Consent(id=row["id"], contact_id=row["contact_id"], contact_name=row["contact_name"],
                   purpose=row["purpose"], granted=bool(row["granted"]), at=from_utc_text(row["at"]),
                   source=row["source"], recorded_at=instant(row["recorded_at"]))  # fmt: skip


def referral(row) -> Referral:
    return Referral(id=row[0], at=from_utc_text(row[1]), referrer_id=row[2], referrer_name=row[3],
                    referred_id=row[4], referred_name=row[5], text=row[6])  # fmt: skip


def change(row) -> Change:
    return Change(id=row["id"], at=from_utc_text(row["at"]), user=row["user"], command=row["command"],
                  rows=row["rows"], undoable=bool(row["undoable"]))  # fmt: skip


# ------------------------------------------------------------------ records of store.api


def audit_row(row) -> AuditRow:
    import json  # here, not at import: `due` reads no JSON
    return AuditRow(id=row["id"], change_id=row["change_id"], at=from_utc_text(row["at"]), user=row["user"],
                    command=row["command"], table=row["tbl"], action=row["action"], contact_id=row["contact_id"],
                    old=json.loads(row["old"]) if row["old"] else None,
                    new=json.loads(row["new"]) if row["new"] else None,
                    batch=(row["first_id"], row["last_id"]) if row["first_id"] is not None else None)  # fmt: skip


def customer(row) -> CustomerRow:
    """A row of ``customer_stats`` (by name; a dict or a row), with its RFM scores when it has them."""
    return CustomerRow(contact_id=row["contact_id"], name=row["name"], orders=row["orders"], cents=row["cents"],
                       first_at=from_utc_text(row["first_at"]), last_at=from_utc_text(row["last_at"]),
                       median_gap=row["median_gap"], risk_at=instant(row["risk_at"]),
                       reorder_at=instant(row["reorder_at"]), r=row["r"], f=row["f"], m=row["m"],
                       rfm_group=row["rfm_group"])  # fmt: skip


def touch(row) -> Touch:
    return Touch(id=row[0], uid=row[1], name=row[2], touch_days=row[3], next_touch_at=from_utc_text(row[4]),
                 last_contact_at=instant(row[5]), created_at=from_utc_text(row[6]), email=row[7], phone=row[8])  # fmt: skip


def reorder(row) -> Reorder:
    return Reorder(contact_id=row[0], orders=row[1], cents=row[2], last_at=from_utc_text(row[3]),
                   median_gap=row[4], reorder_at=from_utc_text(row[5]), uid=row[6], name=row[7],
                   last_contact_at=instant(row[8]), email=row[9], phone=row[10])  # fmt: skip


def score_inputs(row) -> ScoreInputs:
    return ScoreInputs(stage=row["stage"], last_contact_at=instant(row["last_contact_at"]), recent=row["recent"],
                       orders=row["orders"], cents=row["cents"], tags=tuple((row["tags"] or "").split()))  # fmt: skip
