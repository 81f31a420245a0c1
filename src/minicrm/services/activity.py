"""Activity: logging, correcting and removing interactions, the history, referrals, and the lifecycle rules.

A refund is an interaction of kind ``refund`` with a positive amount: it lowers the
customer's value and the report's revenue, and is not an order.

The lifecycle rules are the stage moves that logging an interaction implies
(documented in docs/insight.md):

- an order that is the contact's first order moves them to ``purchase``;
- an order that is their second order moves them to ``retention``;
- a referral they made moves them to ``advocacy``;
- a won deal is logged as an order, so it counts for the first two rules.

A rule only ever moves a contact forward (awareness → … → advocacy), and it
fires only for the event being logged: a stage set by hand with ``minicrm
stage`` stays until a later event's rule moves it forward again, and the
third and later orders move nobody. Every move is kept in ``stage_changes``
with source ``rule``.

Nothing here prints, reads the clock or the environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal

from minicrm import dates
from minicrm.errors import InvalidValue, NotFound
from minicrm.models import KINDS, STAGES, Contact, Interaction, Referral
from minicrm.services.values import MAX_ID, choose, clean_block, parse_amount
from minicrm.store import Store

ORDER_STAGES = {1: "purchase", 2: "retention"}  # n-th order -> stage


def validate(now: datetime, kind: str, text: str | None = None, *, at: str | datetime | None = None,
             amount: str | None = None, contact: Contact | None = None,
             referred: Contact | None = None, decimal: str = ".", lines: bool = False,
             date_order: str | None = None) -> dict:  # fmt: skip
    """An interaction's values checked and normalised: the rules ``log`` and ``import`` share.

    ``at`` is a WHEN phrase as typed (``yesterday 4pm``: read as a past time, and
    refused when it is in the future), or an instant as a file holds it (taken as
    it is); None is ``now``. ``referred``, for a referral, is the contact that
    ``contact`` introduced. ``decimal`` is the decimal mark of an amount typed
    (``values.parse_amount``); an order's amount cannot be negative. ``lines``: the order or
    refund has lines, so a refund may leave its amount to them. ``date_order`` reads a
    slashed date (``slashed.slashed``).
    """
    clean_kind = choose(kind, KINDS, "kind of interaction")
    clean_text = clean_block(text, "text")
    if isinstance(at, datetime):
        moment = at
    else:
        moment = dates.parse_when(at, now, prefer="past", order=date_order).instant(now) if at else now
        if moment.date() > now.date():
            raise InvalidValue(f"--at {at} is in the future; log what has happened",
                               "For what is still to come, set a reminder: minicrm remind")  # fmt: skip
    value = parse_amount(amount, decimal)
    if value is not None and value < 0 and clean_kind == "order":
        raise InvalidValue(f"an order's amount cannot be negative ({amount})",
                           "Log the money back as a refund, with the amount as a positive number")  # fmt: skip
    if lines and clean_kind not in ("order", "refund"):
        raise InvalidValue(f"--item goes with an order or a refund, not a {clean_kind}",
                           f"Use: minicrm log {contact.id if contact else 'CONTACT'} order --item ...")  # fmt: skip
    if clean_kind == "refund" and (value is None and not lines or value is not None and value <= 0):
        raise InvalidValue("a refund needs the amount paid back, as a positive number",
                           "E.g. minicrm log ann refund \"Burnt loaf\" --amount 4.50")  # fmt: skip
    if referred is not None:
        if clean_kind != "referral":
            raise InvalidValue("--referred goes with a referral",
                               f"Use: minicrm log {contact.id if contact else 'CONTACT'} referral --referred ...")  # fmt: skip
        if contact is not None and referred.id == contact.id:
            raise InvalidValue(f"{contact.name} cannot refer themselves", "Name the contact they introduced")
    return dict(kind=clean_kind, text=clean_text, at=moment, amount=value)


def log(store: Store, now: datetime, contact: Contact, kind: str, text: str | None = None,
        *, at: str | None = None, amount: str | None = None,
        referred: Contact | None = None, decimal: str = ".", items: Sequence[object] = (),
        new_products: bool = False, date_order: str | None = None) -> Interaction:  # fmt: skip
    """Record an interaction and apply the lifecycle rules (``apply_rules``) in the same transaction.

    ``items`` (an order's or a refund's, ``PRODUCT [xQTY] [@ PRICE]`` or ``products.Item``) become
    its lines, priced on the day it happened; their sum is the amount unless ``amount`` is given.
    ``new_products`` creates the products no reference matches."""
    values = validate(now, kind, text, at=at, amount=amount, contact=contact, referred=referred, decimal=decimal,
                      lines=bool(items), date_order=date_order)  # fmt: skip
    with store.write():
        lines = _lines(store, now, values, items, new_products=new_products, decimal=decimal)
        interaction_id = store.activity.add(
            contact_id=contact.id, kind=values["kind"], at=values["at"], text=values["text"],
            amount=values["amount"], created=now,
        )
        if lines:
            store.products.add_lines(interaction_id, lines)
        if referred is not None:
            store.activity.set_referred(interaction_id, referred.id)
        apply_rules(store, now, contact.id, values["kind"])
    return store.activity.get(interaction_id)


def _lines(store: Store, now: datetime, values: dict, items: Sequence[object], *, new_products: bool,
           decimal: str) -> list[dict]:  # fmt: skip
    """The priced lines of ``items``, and ``values["amount"]`` set to their sum when none was given."""
    if not items:
        return []
    from minicrm.services import products

    lines = products.lines(store, now, values["at"].astimezone().date(), items, new_products=new_products, decimal=decimal)
    if values["amount"] is None:
        values["amount"] = sum((line["amount"] for line in lines), Decimal("0.00"))
        if values["kind"] == "refund" and values["amount"] <= 0:
            raise InvalidValue("the refund's lines add up to nothing", "Give the amount paid back with --amount")
    return lines


def get(store: Store, interaction_id: int) -> Interaction:
    found = store.activity.get(interaction_id) if 0 <= interaction_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"there is no interaction with id {interaction_id}", "Try: minicrm history")
    return found


def edit(store: Store, now: datetime, interaction_id: int, *, kind: str | None = None, at: str | None = None,
         text: str | None = None, amount: str | None = None, decimal: str = ".",
         date_order: str | None = None) -> Interaction:  # fmt: skip
    """Correct a logged interaction. An empty ``text`` or ``amount`` clears it.

    Last contact, customer value and rhythm follow (triggers); changing the kind to an
    order or a referral applies the lifecycle rule it calls for, and a stage is never moved back.
    """
    if kind is None and at is None and text is None and amount is None:
        raise InvalidValue("nothing to change", "Give --kind, --at, --text or --amount")
    with store.write():
        current = get(store, interaction_id)
        values = validate(now, kind or current.kind, text, at=at or current.at,
                          amount=amount if amount is not None else current.amount, decimal=decimal,
                          date_order=date_order)  # fmt: skip
        changes: dict = {}
        if kind is not None and values["kind"] != current.kind:
            changes["kind"] = values["kind"]
        if at is not None:
            changes["at"] = values["at"]
        if text is not None:
            changes["text"] = values["text"]
        if amount is not None:
            changes["amount"] = values["amount"]
        store.activity.update(current.id, **changes)
        if "kind" in changes:
            apply_rules(store, now, current.contact_id, values["kind"])
    return store.activity.get(current.id)


def remove(store: Store, ids: Sequence[int]) -> list[Interaction]:
    """Remove interactions, all in one change (``minicrm undo`` brings them back)."""
    with store.write():
        found = [get(store, i) for i in dict.fromkeys(ids)]
        for interaction in found:
            store.activity.delete(interaction.id)
    return found


def history(store: Store, now: datetime, contact: Contact | None = None, *, kinds: Sequence[str] = (),
            since: str | None = None, until: str | None = None,
            limit: int | None = None, date_order: str | None = None) -> Iterator[Interaction]:  # fmt: skip
    start = dates.parse_when(since, now, prefer="past", order=date_order).start() if since else None
    end = dates.parse_when(until, now, prefer="past", order=date_order).end() if until else None
    if start and end and start > end:
        raise InvalidValue("--since is later than --until", "Swap them")
    return store.activity.list(
        contact_id=contact.id if contact else None,
        kinds=[choose(k, KINDS, "kind of interaction") for k in kinds],
        since=start,
        until=end,
        limit=min(limit, MAX_ID) if limit is not None else None,
    )


def referrals(store: Store, contact: str | None = None) -> list[Referral]:
    """Referrals, newest first: all, or those made by or naming ``contact``."""
    from minicrm.services import contacts

    found = contacts.resolve(store, contact) if contact else None
    return store.activity.referrals(found.id if found else None)


def rule_target(store: Store, contact_id: int, kind: str) -> tuple[str, str] | None:
    """The stage a just-logged interaction calls for, and why; None when no rule applies."""
    if kind == "order":
        count = store.activity.order_count(contact_id)
        stage = ORDER_STAGES.get(count)
        if stage:
            return stage, "first order" if count == 1 else "second order"
    elif kind == "referral":
        return "advocacy", "made a referral"
    return None


def apply_order_rules(store: Store, now: datetime, contact_id: int, added: int) -> list[tuple[str, str]]:
    """The lifecycle rules for ``added`` orders just written at once (an import), exactly as logging
    them one by one would apply them: the first order moves to purchase, the second to retention,
    never backwards. Returns the moves made, (from, to)."""
    after = store.activity.order_count(contact_id)
    moves = []
    for count in range(after - added + 1, after + 1):
        stage = ORDER_STAGES.get(count)
        current = store.contacts.stage_of(contact_id)
        if stage and current is not None and STAGES.index(stage) > STAGES.index(current):
            store.contacts.update(contact_id, now, stage=stage)
            store.contacts.add_stage_change(contact_id, current, stage, now, "rule")
            moves.append((current, stage))
    return moves


def apply_rules(store: Store, now: datetime, contact_id: int, kind: str) -> tuple[str, str, str] | None:
    """Apply the rules for an interaction just logged (inside the caller's transaction).

    Returns (from_stage, to_stage, reason) when the contact moved, else None.
    """
    target = rule_target(store, contact_id, kind)
    if target is None:
        return None
    stage, reason = target
    current = store.contacts.stage_of(contact_id)
    if current is None or STAGES.index(stage) <= STAGES.index(current):
        return None  # never backwards, nothing to do when already there
    store.contacts.update(contact_id, now, stage=stage)
    store.contacts.add_stage_change(contact_id, current, stage, now, "rule")
    return current, stage, reason
