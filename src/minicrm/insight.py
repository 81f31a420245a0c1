"""Relationship insight: referrals, deals, customer value, risk, cadence, the ranked morning list.

Business rules and formulas live here (documented in docs/insight.md); every
number is aggregated in SQL by the store. Like ``services``, nothing here
prints, reads the clock or the environment: functions take ``store`` and ``now``.
"""

from __future__ import annotations

from minicrm import services
from minicrm.models import Referral
from minicrm.store import Store


def referrals(store: Store, contact: str | None = None) -> list[Referral]:
    """Referrals, newest first: all, or those made by or naming ``contact``."""
    found = services.resolve_contact(store, contact) if contact else None
    return store.referrals(found.id if found else None)
