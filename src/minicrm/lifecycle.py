"""Lifecycle rules: the stage moves that logging an interaction implies.

The rules (documented in docs/insight.md):

- an order that is the contact's first order moves them to ``purchase``;
- an order that is their second order moves them to ``retention``;
- a referral they made moves them to ``advocacy``;
- a won deal is logged as an order, so it counts for the first two rules.

A rule only ever moves a contact forward (awareness → … → advocacy), and it
fires only for the event being logged: a stage set by hand with ``minicrm
stage`` stays until a later event's rule moves it forward again, and the
third and later orders move nobody. Every move is kept in ``stage_changes``
with source ``rule``.

Like ``services``, nothing here prints or reads the clock.
"""

from __future__ import annotations

from datetime import datetime

from minicrm.models import STAGES
from minicrm.store import Store

ORDER_STAGES = {1: "purchase", 2: "retention"}  # n-th order -> stage


def rule_target(store: Store, contact_id: int, kind: str) -> tuple[str, str] | None:
    """The stage a just-logged interaction calls for, and why; None when no rule applies."""
    if kind == "order":
        count = store.order_count(contact_id)
        stage = ORDER_STAGES.get(count)
        if stage:
            return stage, "first order" if count == 1 else "second order"
    elif kind == "referral":
        return "advocacy", "made a referral"
    return None


def apply_rules(store: Store, now: datetime, contact_id: int, kind: str) -> tuple[str, str, str] | None:
    """Apply the rules for an interaction just logged (inside the caller's transaction).

    Returns (from_stage, to_stage, reason) when the contact moved, else None.
    """
    target = rule_target(store, contact_id, kind)
    if target is None:
        return None
    stage, reason = target
    current = store.contact_stage(contact_id)
    if current is None or STAGES.index(stage) <= STAGES.index(current):
        return None  # never backwards, nothing to do when already there
    store.update_contact(contact_id, now, stage=stage)
    store.insert_stage_change(contact_id, current, stage, now, "rule")
    return current, stage, reason
