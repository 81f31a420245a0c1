"""Scoring: a contact's score, part by part, and the weights behind it.

The formula is documented in docs/insight.md; the store computes the same score
in SQL to sort ``list --sort score`` (a test checks the two agree).
"""

from __future__ import annotations

from datetime import datetime

from minicrm.errors import InvalidValue
from minicrm.models import STAGES, Contact, ScorePart, Weight
from minicrm.money import money
from minicrm.services.customers import cents
from minicrm.services.values import normalise_tag
from minicrm.store import SCORE_DAYS, Store

WEIGHT_NAMES = ("recency", "frequency", "frequency_max", "orders", "orders_max", "value", "value_max", "stage")


def breakdown(store: Store, now: datetime, contact: Contact) -> list[ScorePart]:
    """A contact's score, part by part, then the total (formula in docs/insight.md; mirrors store.scoring.score_sql)."""
    w = store.scoring.weights()
    row = store.scoring.inputs(contact.id, now)
    parts: list[tuple[str, str, float]] = []
    if row.last_contact_at:
        days = (julian(now) - julian(row.last_contact_at))
        share = max(0.0, min(1.0, 1 - days / SCORE_DAYS))
        parts.append(("recency", f"last contact {days:.1f} days ago: {w.get('recency', 0):g} × {share:.3f}",
                      w.get("recency", 0) * share))  # fmt: skip
    else:
        parts.append(("recency", "never contacted", 0.0))
    cap = w.get("frequency_max", 1e9)
    parts.append(("frequency", f"{row.recent} interactions in {SCORE_DAYS} days × {w.get('frequency', 0):g}"
                  f" (at most {cap:g})", min(cap, w.get("frequency", 0) * row.recent)))  # fmt: skip
    cap = w.get("orders_max", 1e9)
    parts.append(("orders", f"{row.orders} orders × {w.get('orders', 0):g} (at most {cap:g})",
                  min(cap, w.get("orders", 0) * row.orders)))  # fmt: skip
    cap = w.get("value_max", 1e9)
    parts.append(("value", f"{money(cents(row.cents))} lifetime value: {w.get('value', 0):g} per 100 (at most {cap:g})",
                  min(cap, w.get("value", 0) * row.cents / 10000)))  # fmt: skip
    step = STAGES.index(row.stage)
    parts.append(("stage", f"{row.stage}: {step} steps × {w.get('stage', 0):g}", w.get("stage", 0) * step))
    for tag in row.tags:
        if f"tag:{tag}" in w:
            parts.append((f"tag:{tag}", f"tagged {tag}", w[f"tag:{tag}"]))
    total = sum(points for _, _, points in parts)
    rows = [ScorePart(contact.id, part, detail, round(points, 1)) for part, detail, points in parts]
    return [*rows, ScorePart(contact.id, "total", contact.name, round(total, 1))]


def julian(moment: datetime) -> float:
    """Days since the epoch, fractional, as SQLite's julianday differences count them."""
    return moment.timestamp() / 86400


def weights(store: Store) -> list[Weight]:
    return [Weight(name, value) for name, value in store.scoring.weights().items()]


def set_weight(store: Store, name: str, value: str) -> Weight:
    """Change a weight (``tag:NAME`` adds points for a tag); ``off`` removes a tag weight."""
    key = str(name).strip().lower()
    if key.startswith("tag:"):
        key = "tag:" + normalise_tag(key[4:])
    elif key not in WEIGHT_NAMES:
        raise InvalidValue(f"{name!r} is not a score weight", f"Use one of: {', '.join(WEIGHT_NAMES)}, or tag:NAME")
    if str(value).strip().lower() == "off":
        if not key.startswith("tag:"):
            raise InvalidValue(f"{key} cannot be removed", "Set it to 0 instead")
        with store.write():
            store.scoring.set_weight(key, None)
        return Weight(key, 0.0)
    try:
        number = float(value)
    except ValueError:
        raise InvalidValue(f"{value!r} is not a number", "E.g. 25 or 2.5") from None
    if not (abs(number) < 1e6):
        raise InvalidValue(f"{value!r} is out of range", "Use a number between -1000000 and 1000000")
    with store.write():
        store.scoring.set_weight(key, number)
    return Weight(key, number)
