"""The report: the Monday overview of funnel, activity, revenue, risk and pipeline.

Formulas are documented in docs/insight.md; every number is counted by the store.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from minicrm import dates
from minicrm.errors import InvalidValue
from minicrm.models import STAGES, Bucket, FunnelStage, Metric, Report
from minicrm.services import deals, products
from minicrm.services.customers import cents, customer_value
from minicrm.store import Store

STALE_DAYS = 30
REPORT_LIST = 10


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def build(store: Store, now: datetime, since: str | None = None, until: str | None = None,
          date_order: str | None = None) -> Report:  # fmt: skip
    """The Monday view (formulas in docs/insight.md). The window is [since, until], whole local days;
    by default the 12 calendar months up to today. Charts end at ``until``."""
    end_day = dates.parse_when(until, now, prefer="past", order=date_order).day if until else now.date()
    start_day = dates.parse_when(since, now, prefer="past", order=date_order).day if since else _month_start(end_day, 11)
    if start_day > end_day:
        raise InvalidValue("--since is later than --until", "Swap them")
    window = (dates.midnight(start_day), dates.midnight(end_day + timedelta(days=1)))

    counts = store.customers.stage_counts()
    entries = store.customers.stage_entries(*window)
    funnel, previous = [], None
    for index, stage in enumerate(STAGES):
        reached = sum(counts.get(s, 0) for s in STAGES[index:])
        conversion = round(reached / previous, 3) if index and previous else None
        funnel.append(FunnelStage(stage=stage, contacts=counts.get(stage, 0), reached=reached,
                                  conversion=conversion, entered=entries.get(stage, 0)))  # fmt: skip
        previous = reached

    week_start = end_day - timedelta(days=end_day.weekday())
    weeks = [week_start - timedelta(weeks=k) for k in range(11, -1, -1)]
    week_counts = store.customers.interaction_counts([(dates.midnight(w), dates.midnight(w + timedelta(days=7))) for w in weeks])
    months = [_month_start(end_day, k) for k in range(11, -1, -1)]
    month_totals = store.customers.order_totals([(dates.midnight(m), dates.midnight(_month_start(m, -1))) for m in months])
    (window_interactions,) = store.customers.interaction_counts([window])
    ((window_orders, window_cents),) = store.customers.order_totals([window])
    today = now.date()
    return Report(
        since=start_day,
        until=end_day,
        contacts=sum(counts.values()),
        funnel=tuple(funnel),
        new_customers=entries.get("purchase", 0),
        interactions_in_window=window_interactions,
        orders_in_window=window_orders,
        revenue_in_window=cents(window_cents),
        interactions_per_week=tuple(Bucket(start=w, label=f"{w:%d %b}", count=n) for w, n in zip(weeks, week_counts)),
        revenue_per_month=tuple(Bucket(start=m, label=f"{m:%b %Y}", count=n, amount=cents(c))
                                for m, (n, c) in zip(months, month_totals)),  # fmt: skip
        top_customers=tuple(customer_value(r, now) for r in store.customers.values(now, limit=REPORT_LIST, scored=False)),
        at_risk=tuple(customer_value(r, now) for r in store.customers.values(now, at_risk=True, limit=REPORT_LIST,
                                                                            scored=False)),  # fmt: skip
        stale_days=STALE_DAYS,
        stale_contacts=store.customers.count_stale(now - timedelta(days=STALE_DAYS)),
        overdue_reminders=store.reminders.count_open(None, today - timedelta(days=1)),
        due_today_reminders=store.reminders.count_open(today, today),
        pipeline=tuple(deals.pipeline(store)),
        top_products=tuple(products.top_products(store, window[0], window[1] - timedelta(seconds=1), REPORT_LIST)),
    )


def metrics(rep: Report) -> list[Metric]:
    """The report flattened to (section, key, value) rows, for tsv and csv."""
    rows = [Metric("window", "since", rep.since.isoformat()), Metric("window", "until", rep.until.isoformat()),
            Metric("contacts", "total", str(rep.contacts)), Metric("contacts", "new_customers", str(rep.new_customers)),
            Metric("contacts", "stale", str(rep.stale_contacts))]  # fmt: skip
    for f in rep.funnel:
        rows += [Metric("funnel", f"{f.stage}.contacts", str(f.contacts)),
                 Metric("funnel", f"{f.stage}.reached", str(f.reached)),
                 Metric("funnel", f"{f.stage}.conversion", "" if f.conversion is None else str(f.conversion)),
                 Metric("funnel", f"{f.stage}.entered", str(f.entered))]  # fmt: skip
    rows += [Metric("activity", "interactions", str(rep.interactions_in_window)),
             Metric("revenue", "orders", str(rep.orders_in_window)),
             Metric("revenue", "total", str(rep.revenue_in_window)),
             Metric("revenue", "currency", rep.currency or "")]  # fmt: skip
    rows += [Metric("interactions_per_week", b.start.isoformat(), str(b.count)) for b in rep.interactions_per_week]
    rows += [Metric("revenue_per_month", b.start.isoformat()[:7], str(b.amount)) for b in rep.revenue_per_month]
    rows += [Metric("top_customers", str(c.contact_id), str(c.lifetime_value)) for c in rep.top_customers]
    rows += [Metric("at_risk", str(c.contact_id), str(c.lifetime_value)) for c in rep.at_risk]
    rows += [Metric("top_products", str(p.product_id), str(p.revenue)) for p in rep.top_products]
    rows += [Metric("reminders", "overdue", str(rep.overdue_reminders)),
             Metric("reminders", "today", str(rep.due_today_reminders))]  # fmt: skip
    for p in rep.pipeline:
        rows += [Metric("pipeline", f"{p.stage}.count", str(p.count)), Metric("pipeline", f"{p.stage}.value", str(p.value)),
                 Metric("pipeline", f"{p.stage}.weighted_value", str(p.weighted_value))]  # fmt: skip
    return rows
