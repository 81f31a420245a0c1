"""Deals: what is being sold, to whom, and how far along; the pipeline.

Winning a deal logs an order (``activity.log``), so the lifecycle rules apply.
Nothing here prints, reads the clock or the environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from minicrm import dates
from minicrm.errors import InvalidValue, NotFound
from minicrm.models import DEAL_PROBABILITY, DEAL_STAGES, Contact, Deal, PipelineStage
from minicrm.services import activity, contacts
from minicrm.services.values import MAX_ID, choose, clean_line, parse_amount
from minicrm.store import Store


def add(store: Store, now: datetime, contact: Contact, title: str, value: str | None = None,
        stage: str | None = None, close: str | None = None, decimal: str = ".",
        date_order: str | None = None) -> Deal:  # fmt: skip
    """A new deal. Adding one already won logs it as an order, as ``move`` does.

    ``decimal`` is the decimal mark of the value typed (``values.parse_amount``)."""
    clean_title = clean_line(title, "deal title")
    amount = parse_amount(value, decimal) if value not in (None, "") else Decimal("0.00")
    if amount < 0:
        raise InvalidValue(f"the deal value {value!r} is negative", "Give a value of 0 or more, e.g. --value 2400")
    clean_stage = choose(stage, DEAL_STAGES, "deal stage") if stage else "lead"
    close_on = dates.parse_when(close, now, prefer="future", order=date_order).day if close else None
    with store.write():
        deal_id = store.deals.add(contact_id=contact.id, title=clean_title, value=amount, stage=clean_stage,
                                    close_on=close_on, created=now)  # fmt: skip
        if clean_stage == "won":
            _log_win(store, now, store.deals.get(deal_id))
    return store.deals.get(deal_id)


def _log_win(store: Store, now: datetime, deal: Deal) -> None:
    """A won deal is an order: logged as one (its value the amount), so the lifecycle rules apply."""
    activity.log(store, now, store.contacts.get(deal.contact_id), "order",
                 f"Won deal #{deal.id}: {deal.title}", amount=str(deal.value))  # fmt: skip


def get(store: Store, deal_id: int) -> Deal:
    deal = store.deals.get(deal_id) if 0 <= deal_id <= MAX_ID else None
    if deal is None:
        raise NotFound(f"there is no deal with id {deal_id}", "Try: minicrm deal list")
    return deal


def move(store: Store, now: datetime, deal_id: int, stage: str) -> Deal:
    """Move a deal to another stage. Winning it logs an order (once per win)."""
    new = choose(stage, DEAL_STAGES, "deal stage")
    with store.write():
        deal = get(store, deal_id)  # read inside the write: no lost update
        if new == deal.stage:
            return deal
        store.deals.move(deal.id, new, now)
        if new == "won":
            _log_win(store, now, deal)
    return store.deals.get(deal.id)


def edit(store: Store, now: datetime, deal_id: int, *, title: str | None = None, value: str | None = None,
         close: str | None = None, stage: str | None = None, contact: Contact | None = None,
         decimal: str = ".", date_order: str | None = None) -> Deal:  # fmt: skip
    """Correct a deal. An empty ``close`` clears the close date; a new stage moves it as ``move`` does."""
    if all(v is None for v in (title, value, close, stage, contact)):
        raise InvalidValue("nothing to change", "Give --title, --value, --close, --stage or --contact")
    clean_title = clean_line(title, "deal title") if title is not None else None
    amount = None
    if value is not None:
        amount = parse_amount(value, decimal) if value.strip() else Decimal("0.00")
        if amount < 0:
            raise InvalidValue(f"the deal value {value!r} is negative", "Give a value of 0 or more, e.g. --value 2400")
    close_on: object = False
    if close is not None:
        close_on = dates.parse_when(close, now, prefer="future", order=date_order).day if close.strip() else None
    new_stage = choose(stage, DEAL_STAGES, "deal stage") if stage is not None else None
    with store.write():
        deal = get(store, deal_id)
        store.deals.update(deal.id, now, title=clean_title, value=amount, close_on=close_on,
                           contact_id=contact.id if contact and contact.id != deal.contact_id else None)  # fmt: skip
        if new_stage is not None and new_stage != deal.stage:
            store.deals.move(deal.id, new_stage, now)
            if new_stage == "won":
                _log_win(store, now, store.deals.get(deal.id))
    return store.deals.get(deal.id)


def remove(store: Store, ids: Sequence[int]) -> list[Deal]:
    """Remove deals, all in one change, with their snoozed or cleared item of the morning list (a
    later deal may get the same id). An order logged when a deal was won stays: it happened."""
    with store.write():
        found = [get(store, i) for i in dict.fromkeys(ids)]
        for deal in found:
            store.deals.delete(deal.id)
            store.agenda.release(f"deal:{deal.id}")
    return found


def find(store: Store, *, stages: Sequence[str] = (), contact: str | None = None,
         open_only: bool = False) -> list[Deal]:  # fmt: skip
    wanted = [choose(s, DEAL_STAGES, "deal stage") for s in stages]
    if open_only:
        wanted = [s for s in (wanted or DEAL_STAGES) if s not in ("won", "lost")] or ["-"]
    found = contacts.resolve(store, contact) if contact else None
    return store.deals.list(stages=wanted, contact_id=found.id if found else None)


def pipeline(store: Store) -> list[PipelineStage]:
    """Count, value and probability-weighted value per deal stage (every stage, in order)."""
    totals = store.deals.pipeline()
    rows = []
    for stage in DEAL_STAGES:
        count, cents = totals.get(stage, (0, 0))
        value = Decimal(cents) / 100
        probability = DEAL_PROBABILITY[stage]
        weighted = (value * Decimal(str(probability))).quantize(Decimal("0.01"))
        rows.append(PipelineStage(stage=stage, count=count, value=value.quantize(Decimal("0.01")),
                                  probability=probability, weighted_value=weighted))  # fmt: skip
    return rows
