"""Scoring: ``score_weights`` (a weight per score part, and per tag as ``tag:NAME``).

The score itself is never stored: ``score_sql`` computes it for ``list --sort score``, and
``inputs`` returns what ``services.scoring.breakdown`` explains it from (the formula is documented in
docs/insight.md; a test checks that the two agree).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from minicrm.models import STAGES
from minicrm.store import rows as to
from minicrm.store.api import SCORE_DAYS, ScoreInputs
from minicrm.store.rows import to_utc_text
from minicrm.store.session import Repository


def score_sql() -> str:
    """The score as an SQL expression over ``contacts c`` (parameters: now, now - SCORE_DAYS)."""
    w = "(SELECT weight FROM score_weights WHERE name = '{}')"
    stage = "CASE c.stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES)) + " END"
    return f"""(
        coalesce({w.format('recency')} * max(0, min(1, 1 - (julianday(?) - julianday(c.last_contact_at)) / {SCORE_DAYS})), 0)
        + min(coalesce({w.format('frequency_max')}, 1e9), coalesce({w.format('frequency')}, 0) *
              (SELECT count(*) FROM interactions i WHERE i.contact_id = c.id AND i.occurred_at >= ?))
        + coalesce((SELECT min(coalesce({w.format('orders_max')}, 1e9), coalesce({w.format('orders')}, 0) * s.orders)
                    + min(coalesce({w.format('value_max')}, 1e9), coalesce({w.format('value')}, 0) * s.cents / 10000.0)
                    FROM customer_stats s WHERE s.contact_id = c.id), 0)
        + coalesce({w.format('stage')}, 0) * {stage}
        + coalesce((SELECT sum(sw.weight) FROM contact_tags t JOIN score_weights sw ON sw.name = 'tag:' || t.tag
                    WHERE t.contact_id = c.id), 0))"""


class Scoring(Repository):
    def weights(self) -> dict[str, float]:
        return {row[0]: row[1] for row in self._all("SELECT name, weight FROM score_weights ORDER BY name")}

    def set_weight(self, name: str, weight: float | None) -> None:
        if weight is None:
            self._conn.execute("DELETE FROM score_weights WHERE name = ?", (name,))
        else:
            self._conn.execute("INSERT INTO score_weights (name, weight) VALUES (?, ?)"
                               " ON CONFLICT (name) DO UPDATE SET weight = excluded.weight", (name, weight))  # an audited update

    def inputs(self, contact_id: int, now: datetime) -> ScoreInputs | None:
        """What a contact's score is made of: last contact, interactions in the window, orders, value, tags."""
        row = self._one(
            """SELECT ?1 AS now, c.stage, c.last_contact_at,
                      (SELECT count(*) FROM interactions i WHERE i.contact_id = c.id AND i.occurred_at >= ?2) AS recent,
                      coalesce(s.orders, 0) AS orders, coalesce(s.cents, 0) AS cents,
                      (SELECT group_concat(tag, ' ') FROM contact_tags t WHERE t.contact_id = c.id) AS tags
               FROM contacts c LEFT JOIN customer_stats s ON s.contact_id = c.id WHERE c.id = ?3""",
            (to_utc_text(now), to_utc_text(now - timedelta(days=SCORE_DAYS)), contact_id),
        )
        return to.score_inputs(row) if row else None
