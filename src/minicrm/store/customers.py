"""Customers: ``customer_stats`` (per contact with orders that carry an amount: orders, value in
cents (orders less refunds), first and last order, median gap, risk_at, reorder_at), RFM scores,
and the report's counts.

``customer_stats`` is derived from order and refund interactions by triggers (migrations), not here. RFM
scores are never stored: each is 1 + 5 x the customer's percent rank (capped at 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from minicrm.store import rows as to
from minicrm.store.api import NOT_PLACEHOLDER, CustomerRow, Reorder
from minicrm.store.rows import to_utc_text
from minicrm.store.session import Repository, chunks, marks, reach

RFM_GROUP = """CASE
            WHEN r >= 4 AND f >= 4 THEN 'champions'
            WHEN r >= 3 AND f >= 3 THEN 'loyal'
            WHEN r >= 3 THEN 'new'
            WHEN f >= 3 THEN 'at-risk'
            WHEN r = 2 THEN 'hibernating'
            ELSE 'lost' END"""

ORDERS = {"value": "cents DESC, contact_id", "orders": "orders DESC, cents DESC, contact_id",
          "recent": "last_at DESC, contact_id"}  # fmt: skip


class Customers(Repository):
    def values(self, now: datetime, *, at_risk: bool = False, group: str | None = None,
               order: str = "value", limit: int | None = None, scored: bool = True) -> list[CustomerRow]:  # fmt: skip
        """Per customer: value, rhythm, RFM scores and group.

        ``at_risk``: silent for more than twice their median gap (risk_at passed). With
        ``scored=False`` (and no ``group``) no RFM scores, index only. With a small ``limit`` and no
        ``group`` the rows are picked by index and scored one by one (three index counts each);
        otherwise every customer is scored at once (window functions, ~1.5 s at 100k customers).
        """
        return [to.customer(row) for row in self._values(now, at_risk=at_risk, group=group, order=order,
                                                          limit=limit, scored=scored)]  # fmt: skip

    def _values(self, now: datetime, *, at_risk: bool, group: str | None, order: str, limit: int | None,
                scored: bool) -> list:  # fmt: skip
        params: dict[str, object] = {"now": to_utc_text(now)}
        tail = f" ORDER BY {ORDERS[order]}"
        if limit is not None:
            tail += " LIMIT :limit"
            params["limit"] = limit
        if group is None and not scored:  # the report's lists: no RFM scores, index only
            where = f" WHERE {NOT_PLACEHOLDER}" + (" AND s.risk_at < :now" if at_risk else "")
            sql = f"""SELECT s.*, NULL AS r, NULL AS f, NULL AS m, NULL AS rfm_group, c.name
                FROM customer_stats s JOIN contacts c ON c.id = s.contact_id{where}{tail}"""
            return self._all(sql, params)
        if group is None and limit is not None and limit <= 200:
            # a few rows: pick them by index, then score each with three index counts
            base = self._values(now, at_risk=at_risk, group=None, order=order, limit=limit, scored=False)
            total = max(1, self._one("SELECT count(*) FROM customer_stats")[0] - 1)
            scored_rows = []
            for row in base:
                score = self._one(
                    f"""SELECT r, f, m, {RFM_GROUP} AS rfm_group FROM (SELECT
                        min(5, 1 + CAST(5.0 * (SELECT count(*) FROM customer_stats WHERE last_at < :last) / :n AS INTEGER)) AS r,
                        min(5, 1 + CAST(5.0 * (SELECT count(*) FROM customer_stats WHERE orders < :orders) / :n AS INTEGER)) AS f,
                        min(5, 1 + CAST(5.0 * (SELECT count(*) FROM customer_stats WHERE cents < :cents) / :n AS INTEGER)) AS m)""",
                    {"last": row["last_at"], "orders": row["orders"], "cents": row["cents"], "n": total},
                )  # fmt: skip
                scored_rows.append({**dict(row), **dict(score)})
            return scored_rows
        where = [NOT_PLACEHOLDER]
        if group is not None:
            where.append("g.rfm_group = :group")
            params["group"] = group
        if at_risk:
            where.append("g.risk_at < :now")
        sql = f"""SELECT g.*, c.name FROM (
                SELECT scored.*, {RFM_GROUP} AS rfm_group FROM (
                    SELECT s.*,
                        min(5, 1 + CAST(5 * percent_rank() OVER (ORDER BY s.last_at) AS INTEGER)) AS r,
                        min(5, 1 + CAST(5 * percent_rank() OVER (ORDER BY s.orders) AS INTEGER)) AS f,
                        min(5, 1 + CAST(5 * percent_rank() OVER (ORDER BY s.cents) AS INTEGER)) AS m
                    FROM customer_stats s) scored
                ) g JOIN contacts c ON c.id = g.contact_id{" WHERE " + " AND ".join(where) if where else ""}{tail}"""
        return self._all(sql, params)

    def count(self, now: datetime, *, at_risk: bool = False) -> int:
        """How many customers (at risk only, with ``at_risk``): the risk index, or the stats table."""
        where = f"{NOT_PLACEHOLDER}" + (" AND s.risk_at < ?" if at_risk else "")
        return self._one(f"SELECT count(*) FROM customer_stats s JOIN contacts c ON c.id = s.contact_id WHERE {where}",
                         (to_utc_text(now),) if at_risk else ())[0]  # fmt: skip

    def of_contact(self, contact_id: int) -> CustomerRow | None:
        """One customer's stats, without RFM scores (a primary-key lookup); None before any order."""
        row = self._one("""SELECT s.*, NULL AS r, NULL AS f, NULL AS m, NULL AS rfm_group, c.name
                           FROM customer_stats s JOIN contacts c ON c.id = s.contact_id WHERE s.contact_id = ?""",
                        (contact_id,))  # fmt: skip
        return to.customer(row) if row else None

    def lifetime_cents(self, contact_ids: Sequence[int]) -> dict[int, int]:
        """Lifetime order value (cents) of those of ``contact_ids`` who are customers (primary-key lookups)."""
        found: dict[int, int] = {}
        for chunk in chunks(list(dict.fromkeys(contact_ids))):
            sql = f"SELECT contact_id, cents FROM customer_stats WHERE contact_id IN ({marks(len(chunk))})"
            for row in self._all(sql, chunk):
                found[row[0]] = row[1]
        return found

    def reorders_due(self, before: datetime, still: datetime, contact_ids: Sequence[int] | None = None) -> list[Reorder]:
        """Customers (3+ orders) whose predicted reorder is before ``before`` and who, at ``still``,
        have been quiet for less than a further median gap (the reorder_at index), with their
        first email and phone; only those of ``contact_ids`` when given."""
        only, params = "", [to_utc_text(before), to_utc_text(still)]
        if contact_ids is not None:
            if not contact_ids:
                return []
            only = f" AND s.contact_id IN ({marks(len(contact_ids))})"
            params += list(contact_ids)
        rows = self._all(
            f"""SELECT s.contact_id, s.orders, s.cents, s.last_at, s.median_gap, s.reorder_at, c.uid, c.name,
                      c.last_contact_at, {reach("c.id")}
               FROM customer_stats s JOIN contacts c ON c.id = s.contact_id
               WHERE s.reorder_at < ? AND julianday(s.reorder_at) + s.median_gap >= julianday(?)
                 AND {NOT_PLACEHOLDER}{only}
               ORDER BY s.reorder_at, s.contact_id""",
            params,
        )  # fmt: skip
        return [to.reorder(row) for row in rows]

    def reorder_keys(self, before: datetime, still: datetime) -> list[tuple[int, int, datetime]]:
        """(contact_id, lifetime cents, predicted reorder) of the customers ``reorders_due`` finds:
        what ranking needs, without their names, emails and phones."""
        rows = self._all(
            f"""SELECT s.contact_id, s.cents, s.reorder_at FROM customer_stats s JOIN contacts c ON c.id = s.contact_id
               WHERE s.reorder_at < ? AND julianday(s.reorder_at) + s.median_gap >= julianday(?)
                 AND {NOT_PLACEHOLDER}""",
            (to_utc_text(before), to_utc_text(still)),
        )  # fmt: skip
        return [(contact_id, cents, to.from_utc_text(at)) for contact_id, cents, at in rows]

    # ------------------------------------------------------------ the report's counts

    def stage_counts(self) -> dict[str, int]:
        return {row[0]: row[1] for row in self._all("SELECT stage, count(*) FROM contacts GROUP BY stage")}

    def stage_entries(self, start: datetime, end: datetime) -> dict[str, int]:
        """Distinct contacts that reached each stage in [start, end): added at it, or moved to it."""
        rows = self._all(
            """SELECT to_stage, count(DISTINCT contact_id) FROM stage_changes
               WHERE changed_at >= ? AND changed_at < ? GROUP BY to_stage""",
            (to_utc_text(start), to_utc_text(end)),
        )
        return {row[0]: row[1] for row in rows}

    def interaction_counts(self, bounds: Sequence[tuple[datetime, datetime]]) -> list[int]:
        """Interactions in each [start, end) range (the occurred_at index, one range count each)."""
        return [
            self._one("SELECT count(*) FROM interactions WHERE occurred_at >= ? AND occurred_at < ?",
                      (to_utc_text(a), to_utc_text(b)))[0]
            for a, b in bounds
        ]  # fmt: skip

    def order_totals(self, bounds: Sequence[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
        """(orders with an amount, cents of orders less refunds) in each [start, end) range
        (the partial indexes on orders and on refunds by time)."""
        sql = """SELECT count(amount_cents), coalesce(sum(amount_cents), 0)
                      - (SELECT coalesce(sum(amount_cents), 0) FROM interactions INDEXED BY interactions_refunds_at
                         WHERE kind = 'refund' AND occurred_at >= ?1 AND occurred_at < ?2)
                 FROM interactions INDEXED BY interactions_orders_at
                 WHERE kind = 'order' AND occurred_at >= ?1 AND occurred_at < ?2"""
        return [tuple(self._one(sql, (to_utc_text(a), to_utc_text(b)))) for a, b in bounds]

    def count_stale(self, cutoff: datetime) -> int:
        """Contacts created before ``cutoff`` with no interaction since (the last_contact_at index)."""
        stamp = to_utc_text(cutoff)
        return self._one(
            """SELECT (SELECT count(*) FROM contacts WHERE last_contact_at < ?1 AND created_at < ?1)
                    + (SELECT count(*) FROM contacts WHERE last_contact_at IS NULL AND created_at < ?1)""",
            (stamp,),
        )[0]
