"""Relationship insight: referrals, deals, customer value, risk, cadence, the ranked morning list.

Business rules and formulas live here (documented in docs/insight.md); every
number is aggregated in SQL by the store. Like ``services``, nothing here
prints, reads the clock or the environment: functions take ``store`` and ``now``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from minicrm import dates, services
from minicrm.errors import InvalidValue, NotFound, UsageError
from minicrm.models import (DEAL_PROBABILITY, DEAL_STAGES, DUE_KINDS, RFM_GROUPS, STAGES, Bucket, Cadence, Contact,
                            CustomerValue, Deal, DueItem, FunnelStage, Metric, Occasion, PipelineStage, Referral, Report, ScorePart,
                            Segment, Weight)
from minicrm.store import SCORE_DAYS, Store


def referrals(store: Store, contact: str | None = None) -> list[Referral]:
    """Referrals, newest first: all, or those made by or naming ``contact``."""
    found = services.resolve_contact(store, contact) if contact else None
    return store.referrals(found.id if found else None)


# ------------------------------------------------------------------ deals


def add_deal(store: Store, now: datetime, contact: Contact, title: str, value: str | None = None,
             stage: str | None = None, close: str | None = None) -> Deal:  # fmt: skip
    """A new deal. Adding one already won logs it as an order, as ``move_deal`` does."""
    clean_title = services.clean_line(title, "deal title")
    amount = services.parse_amount(value) if value not in (None, "") else Decimal("0.00")
    if amount < 0:
        raise InvalidValue(f"the deal value {value!r} is negative", "Give a value of 0 or more, e.g. --value 2400")
    clean_stage = services.choose(stage, DEAL_STAGES, "deal stage") if stage else "lead"
    close_on = dates.parse_when(close, now, prefer="future").day if close else None
    with store.write():
        deal_id = store.insert_deal(contact_id=contact.id, title=clean_title, value=amount, stage=clean_stage,
                                    close_on=close_on, created=now)  # fmt: skip
        if clean_stage == "won":
            _log_win(store, now, store.get_deal(deal_id))
    return store.get_deal(deal_id)


def _log_win(store: Store, now: datetime, deal: Deal) -> None:
    """A won deal is an order: logged as one (its value the amount), so the lifecycle rules apply."""
    services.log_interaction(store, now, store.get_contact(deal.contact_id), "order",
                             f"Won deal #{deal.id}: {deal.title}", amount=str(deal.value))  # fmt: skip


def get_deal(store: Store, deal_id: int) -> Deal:
    deal = store.get_deal(deal_id)
    if deal is None:
        raise NotFound(f"there is no deal with id {deal_id}", "Try: minicrm deal list")
    return deal


def move_deal(store: Store, now: datetime, deal_id: int, stage: str) -> Deal:
    """Move a deal to another stage. Winning it logs an order (once per win)."""
    deal = get_deal(store, deal_id)
    new = services.choose(stage, DEAL_STAGES, "deal stage")
    if new == deal.stage:
        return deal
    with store.write():
        store.move_deal(deal.id, new, now)
        if new == "won":
            _log_win(store, now, deal)
    return store.get_deal(deal.id)


def list_deals(store: Store, *, stages: Sequence[str] = (), contact: str | None = None,
               open_only: bool = False) -> list[Deal]:  # fmt: skip
    wanted = [services.choose(s, DEAL_STAGES, "deal stage") for s in stages]
    if open_only:
        wanted = [s for s in (wanted or DEAL_STAGES) if s not in ("won", "lost")] or ["-"]
    found = services.resolve_contact(store, contact) if contact else None
    return store.list_deals(stages=wanted, contact_id=found.id if found else None)


def pipeline(store: Store) -> list[PipelineStage]:
    """Count, value and probability-weighted value per deal stage (every stage, in order)."""
    totals = store.pipeline()
    rows = []
    for stage in DEAL_STAGES:
        count, cents = totals.get(stage, (0, 0))
        value = Decimal(cents) / 100
        probability = DEAL_PROBABILITY[stage]
        weighted = (value * Decimal(str(probability))).quantize(Decimal("0.01"))
        rows.append(PipelineStage(stage=stage, count=count, value=value.quantize(Decimal("0.01")),
                                  probability=probability, weighted_value=weighted))  # fmt: skip
    return rows


# ------------------------------------------------------------------ customer value and risk

CUSTOMER_SORTS = ("value", "orders", "recent")


def _cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _customer(row, now: datetime) -> CustomerValue:
    cents = row.cents
    last = row.last_at
    return CustomerValue(
        contact_id=row.contact_id,
        contact_name=row.name,
        orders=row.orders,
        lifetime_value=_cents(cents),
        average_order_value=(Decimal(cents) / 100 / row.orders).quantize(Decimal("0.01")),
        median_gap_days=round(row.median_gap, 1) if row.median_gap is not None else None,
        first_order_at=row.first_at,
        last_order_at=last,
        days_since_last_order=max(0, (now.date() - dates.local(last).date()).days),
        r_score=row.r,
        f_score=row.f,
        m_score=row.m,
        rfm_group=row.rfm_group,
    )


def customers(store: Store, now: datetime, *, group: str | None = None, sort: str = "value",
              limit: int | None = None) -> list[CustomerValue]:  # fmt: skip
    """Customers (contacts with orders that carry an amount) with their value, rhythm and RFM group."""
    clean_group = services.choose(group, RFM_GROUPS, "customer group") if group else None
    clean_sort = services.choose(sort, CUSTOMER_SORTS, "sort order")
    if limit is not None and limit < 0:
        raise InvalidValue("--limit takes a number (0 or more)", "E.g. --limit 20")
    rows = store.customer_values(now, group=clean_group, order=clean_sort, limit=limit)
    return [_customer(row, now) for row in rows]


def at_risk(store: Store, now: datetime, limit: int | None = None) -> list[CustomerValue]:
    """Customers silent for more than twice their own median gap between orders, most valuable first."""
    if limit is not None and limit < 0:
        raise InvalidValue("--limit takes a number (0 or more)", "E.g. --limit 20")
    return [_customer(row, now) for row in store.customer_values(now, at_risk=True, limit=limit)]


# ------------------------------------------------------------------ the report

STALE_DAYS = 30
REPORT_LIST = 10


def _midnight(day: date) -> datetime:
    return dates.When(day).start()


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def report(store: Store, now: datetime, since: str | None = None, until: str | None = None) -> Report:
    """The Monday view (formulas in docs/insight.md). The window is [since, until], whole local days;
    by default the 12 calendar months up to today. Charts end at ``until``."""
    end_day = dates.parse_when(until, now, prefer="past").day if until else now.date()
    start_day = dates.parse_when(since, now, prefer="past").day if since else _month_start(end_day, 11)
    if start_day > end_day:
        raise InvalidValue("--since is later than --until", "Swap them")
    window = (_midnight(start_day), _midnight(end_day + timedelta(days=1)))

    counts = store.stage_counts()
    entries = store.stage_entries(*window)
    funnel, previous = [], None
    for index, stage in enumerate(STAGES):
        reached = sum(counts.get(s, 0) for s in STAGES[index:])
        conversion = round(reached / previous, 3) if index and previous else None
        funnel.append(FunnelStage(stage=stage, contacts=counts.get(stage, 0), reached=reached,
                                  conversion=conversion, entered=entries.get(stage, 0)))  # fmt: skip
        previous = reached

    week_start = end_day - timedelta(days=end_day.weekday())
    weeks = [week_start - timedelta(weeks=k) for k in range(11, -1, -1)]
    week_counts = store.interaction_counts([(_midnight(w), _midnight(w + timedelta(days=7))) for w in weeks])
    months = [_month_start(end_day, k) for k in range(11, -1, -1)]
    month_totals = store.order_totals([(_midnight(m), _midnight(_month_start(m, -1))) for m in months])
    (window_interactions,) = store.interaction_counts([window])
    ((window_orders, window_cents),) = store.order_totals([window])
    today = now.date()
    return Report(
        since=start_day,
        until=end_day,
        contacts=sum(counts.values()),
        funnel=tuple(funnel),
        new_customers=entries.get("purchase", 0),
        interactions_in_window=window_interactions,
        orders_in_window=window_orders,
        revenue_in_window=_cents(window_cents),
        interactions_per_week=tuple(Bucket(start=w, label=f"{w:%d %b}", count=n) for w, n in zip(weeks, week_counts)),
        revenue_per_month=tuple(Bucket(start=m, label=f"{m:%b %Y}", count=n, amount=_cents(c))
                                for m, (n, c) in zip(months, month_totals)),  # fmt: skip
        top_customers=tuple(_customer(r, now) for r in store.customer_values(now, limit=REPORT_LIST, scored=False)),
        at_risk=tuple(_customer(r, now) for r in store.customer_values(now, at_risk=True, limit=REPORT_LIST,
                                                                        scored=False)),  # fmt: skip
        stale_days=STALE_DAYS,
        stale_contacts=store.count_stale(now - timedelta(days=STALE_DAYS)),
        overdue_reminders=store.count_open_reminders(None, today - timedelta(days=1)),
        due_today_reminders=store.count_open_reminders(today, today),
        pipeline=tuple(pipeline(store)),
    )


def report_metrics(rep: Report) -> list[Metric]:
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
             Metric("revenue", "total", str(rep.revenue_in_window))]  # fmt: skip
    rows += [Metric("interactions_per_week", b.start.isoformat(), str(b.count)) for b in rep.interactions_per_week]
    rows += [Metric("revenue_per_month", b.start.isoformat()[:7], str(b.amount)) for b in rep.revenue_per_month]
    rows += [Metric("top_customers", str(c.contact_id), str(c.lifetime_value)) for c in rep.top_customers]
    rows += [Metric("at_risk", str(c.contact_id), str(c.lifetime_value)) for c in rep.at_risk]
    rows += [Metric("reminders", "overdue", str(rep.overdue_reminders)),
             Metric("reminders", "today", str(rep.due_today_reminders))]  # fmt: skip
    for p in rep.pipeline:
        rows += [Metric("pipeline", f"{p.stage}.count", str(p.count)), Metric("pipeline", f"{p.stage}.value", str(p.value)),
                 Metric("pipeline", f"{p.stage}.weighted_value", str(p.weighted_value))]  # fmt: skip
    return rows


# ------------------------------------------------------------------ keep-in-touch cadence

_PERIOD = re.compile(r"^(?:every\s+)?(\d+)\s*(d|days?|w|weeks?|m|months?)?$")
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30}


def parse_cadence(text: str) -> int | None:
    """``30d``, ``2w``, ``3m`` (30 days a month), ``30`` (days), or ``off`` (None)."""
    phrase = " ".join(str(text).lower().split())
    if phrase in ("off", "none", "clear"):
        return None
    m = _PERIOD.match(phrase)
    if not m or int(m.group(1)) <= 0 or int(m.group(1)) > 3650:
        raise UsageError(f"{text!r} is not a cadence", "Use e.g. 30d, 2w, 3m or off")
    days = int(m.group(1)) * _UNIT_DAYS[(m.group(2) or "d")[0]]
    if days > 3650:
        raise UsageError(f"{text!r} is longer than ten years", "Use e.g. 30d, 2w, 3m or off")
    return days


def set_cadence(store: Store, now: datetime, period: str, *, contact: Contact | None = None,
                tag: str | None = None) -> Cadence:  # fmt: skip
    """Set (or clear, with ``off``) a contact's or a tag's keep-in-touch cadence."""
    if (contact is None) == (tag is None):
        raise UsageError("give a CONTACT or --tag, not both", "E.g. minicrm cadence ann 30d")
    days = parse_cadence(period)
    with store.write():
        if contact is not None:
            store.set_contact_cadence(contact.id, days)
        else:
            tag = services.normalise_tag(tag)
            store.set_tag_cadence(tag, days)
    if contact is not None:
        _, _, next_touch = store.touch_of(contact.id)
        return Cadence(target="contact", contact_id=contact.id, name=contact.name, days=days,
                       next_touch_on=dates.local(next_touch).date() if next_touch else None)  # fmt: skip
    return Cadence(target="tag", contact_id=None, name=tag, days=days)


# ------------------------------------------------------------------ the ranked morning list

BASE_URGENCY = {"reminder": 10, "deal": 8, "occasion": 7, "reorder": 6, "cadence": 5}
MAX_LATE_POINTS = 30
MAX_VALUE_POINTS = 10


def urgency(kind: str, days_late: int, value: Decimal | None) -> int:
    """base(kind) + days late (capped at 30; minus days ahead for upcoming items) + value points, at least 0.

    Value points: one per 100 of the deal's value (deals) or of the contact's lifetime value
    (others), at most 10.
    """
    lateness = min(days_late, MAX_LATE_POINTS)
    points = min(MAX_VALUE_POINTS, int(value // 100)) if value else 0
    return max(0, BASE_URGENCY[kind] + lateness + points)


def _lateness(day: date, today: date) -> tuple[str, int]:
    late = (today - day).days
    return ("overdue" if late > 0 else "today" if late == 0 else "upcoming"), late


def _late_words(late: int) -> str:
    if late > 0:
        return f"{dates.plural(late, 'day')} late"
    return "due today" if late == 0 else f"due in {dates.plural(-late, 'day')}"


def due_items(store: Store, now: datetime, *, overdue: bool = False, today: bool = False, week: bool = False,
              kinds: Sequence[str] = ()) -> list[DueItem]:  # fmt: skip
    """Reminders, cadence-overdue contacts, deals past their close date, likely reorders and occasions
    inside their lead time, ranked by urgency.

    The window is ``services.due``'s: no flag = overdue and today; ``week`` = through 7 days ahead.
    """
    wanted = [services.choose(k, DUE_KINDS, "kind of due item") for k in kinds] or list(DUE_KINDS)
    day = now.date()
    if not (overdue or today or week):
        overdue = today = True
    first = None if (overdue or week) else day
    last = day + timedelta(days=7) if week else day if today else day - timedelta(days=1)
    items: list[DueItem] = []
    # Urgency counts a deal's value, else the customer's lifetime value, which the reason then names.
    worth: dict[int, int] = {}  # lifetime cents of the customers among the items' contacts

    def look_up_worth(contact_ids: Iterable[int]) -> None:
        worth.update(store.lifetime_cents([c for c in contact_ids if c not in worth]))

    def valued(kind: str, late: int, contact_id: int, reason: str) -> tuple[str, int]:
        """The reason, with what the customer is worth, and the urgency."""
        if contact_id not in worth:
            return reason, urgency(kind, late, None)
        value = _cents(worth[contact_id])
        return f"{reason}; customer worth {value:,.2f}", urgency(kind, late, value)

    if "reminder" in wanted:
        reminders = services.due(store, now, overdue=overdue, today=today, week=week)
        look_up_worth(r.contact_id for r in reminders)
        for r in reminders:
            late = (day - r.due_on).days
            why = _late_words(late) + (f", repeats {r.rule}" if r.rule else "")
            # a DueItem starts with a reminder's fields, in order (tests/test_json_contract.py)
            items.append(DueItem(*r, "reminder", r.id, *valued("reminder", late, r.contact_id, why)))

    if "cadence" in wanted:
        touches = [(row, row.next_touch_at.date())
                   for row in store.touches_due(_midnight(last + timedelta(days=1)))]  # fmt: skip
        touches = [(row, touch_day) for row, touch_day in touches if first is None or touch_day >= first]
        look_up_worth(row.id for row, _ in touches)
        for row, touch_day in touches:
            state, late = _lateness(touch_day, day)
            since = row.last_contact_at
            ago = (day - since.date()).days if since else None
            said = f"last contact {dates.plural(ago, 'day')} ago" if ago is not None else "never contacted"
            reason, points = valued("cadence", late, row.id, f"{said}; cadence {row.touch_days} days")
            items.append(DueItem(
                id=None, item_id=row.id, uid=row.uid, contact_id=row.id, contact_name=row.name,
                contact_email=row.email, contact_phone=row.phone,
                text=f"Get in touch (every {dates.plural(row.touch_days, 'day')})", due_on=touch_day,
                rule=f"every {dates.plural(row.touch_days, 'day')}", state=state, days_late=max(late, 0),
                kind="cadence", reason=reason, urgency=points,
            ))  # fmt: skip

    if "deal" in wanted:
        deals = [d for d in store.deals_closing_by(last) if first is None or d.close_on >= first]
        reach = store.contact_reach([d.contact_id for d in deals])
        for d in deals:
            state, late = _lateness(d.close_on, day)
            email, phone = reach.get(d.contact_id, (None, None))
            word = "expected to close " + ("today" if late == 0 else f"{dates.plural(abs(late), 'day')} "
                                           + ("ago" if late > 0 else "from now"))  # fmt: skip
            items.append(DueItem(
                id=None, item_id=d.id, uid=d.uid, contact_id=d.contact_id, contact_name=d.contact_name,
                contact_email=email, contact_phone=phone, text=f"Close the deal: {d.title} (deal {d.id})", due_on=d.close_on, state=state,
                days_late=max(late, 0), created_at=d.created_at, updated_at=d.updated_at, kind="deal",
                reason=f"{word}; {d.stage}, worth {d.value:,.2f}", urgency=urgency("deal", late, d.value),
            ))  # fmt: skip

    if "reorder" in wanted:
        # from the predicted day until one more usual gap has passed; after that they are at risk
        for row in store.reorders_due(_midnight(last + timedelta(days=1)), _midnight(day)):
            worth[row.contact_id] = row.cents  # the row has it: no lookup
            predicted = row.reorder_at.date()
            if first is not None and predicted < first:
                continue
            state, late = _lateness(predicted, day)
            last_order = (day - row.last_at.date()).days
            gap = f"{row.median_gap:.1f}".rstrip("0").rstrip(".")
            reason, points = valued("reorder", late, row.contact_id, f"{row.orders} orders, usually {gap} "
                                    f"days apart; last order {dates.plural(last_order, 'day')} ago")  # fmt: skip
            items.append(DueItem(
                id=None, item_id=row.contact_id, uid=row.uid, contact_id=row.contact_id,
                contact_name=row.name,
                contact_email=row.email, contact_phone=row.phone, text=f"Likely to reorder (about every {gap} days)",
                due_on=predicted, state=state, days_late=max(late, 0), kind="reorder", reason=reason, urgency=points,
            ))  # fmt: skip

    if "occasion" in wanted:
        occasions = _occasion_items(store, now, last)
        look_up_worth(item.contact_id for item, _ in occasions)
        for item, late in occasions:
            reason, points = valued("occasion", late, item.contact_id, item.reason)
            items.append(item._replace(reason=reason, urgency=points))

    items.sort(key=lambda i: (-i.urgency, i.due_on, i.due_time is not None, i.due_time or time(0),
                              DUE_KINDS.index(i.kind), i.item_id))  # fmt: skip
    return items


# ------------------------------------------------------------------ segments

_SEGMENT_NAME = re.compile(r"^[\w][\w.\-]{0,49}$")


def _segment_name(name: str) -> str:
    clean = str(name).strip().lower()
    if not _SEGMENT_NAME.match(clean):
        raise InvalidValue(f"{name!r} is not a segment name", "Use one word: letters, digits, - _ or .")
    return clean


def save_segment(store: Store, now: datetime, name: str, **filters: object) -> Segment:
    """Save the filters of ``minicrm list`` under ``name`` (replacing a segment of that name)."""
    clean = _segment_name(name)
    query = services.contact_query(now, **filters)  # checks and normalises every filter
    saved = {"tags": list(query.tags), "stage": query.stage, "org": query.org, "search": query.search,
             "stale_days": filters.get("stale_days"), "consent": query.consent}  # fmt: skip
    saved = {k: v for k, v in saved.items() if v not in (None, [], "")}
    if not saved:
        raise InvalidValue("a segment needs at least one filter", "E.g. minicrm segment save vips --tag vip")
    with store.write():
        store.save_segment(clean, saved, now)
    return Segment(name=clean, filters=saved, contacts=services.count_contacts(store, now, **saved), created_at=now)


def segment_filters(store: Store, name: str) -> dict:
    found = store.get_segment(_segment_name(name))
    if found is None:
        raise NotFound(f"there is no segment named {name!r}", "See: minicrm segment list")
    return found[0]


def merge_filters(saved: dict, given: dict) -> dict:
    """A segment's filters with those typed on the command line: tags add up, the others override."""
    merged = dict(saved)
    for key, value in given.items():
        if key == "tags":
            merged["tags"] = list(dict.fromkeys([*saved.get("tags", []), *(value or [])]))
        elif value is not None:
            merged[key] = value
    return merged


def segments(store: Store, now: datetime) -> list[Segment]:
    return [Segment(name=name, filters=filters, contacts=services.count_contacts(store, now, **filters),
                    created_at=created) for name, filters, created in store.segments()]  # fmt: skip


def delete_segment(store: Store, name: str) -> None:
    clean = _segment_name(name)
    with store.write():
        if not store.delete_segment(clean):
            raise NotFound(f"there is no segment named {name!r}", "See: minicrm segment list")


def in_segment(store: Store, now: datetime, items: list[DueItem], name: str) -> list[DueItem]:
    """The due items whose contact is in the segment (evaluated now)."""
    query = services.contact_query(now, **segment_filters(store, name))
    members = store.contacts_matching(query, [item.contact_id for item in items])
    return [item for item in items if item.contact_id in members]


# ------------------------------------------------------------------ scoring

WEIGHT_NAMES = ("recency", "frequency", "frequency_max", "orders", "orders_max", "value", "value_max", "stage")


def score_parts(store: Store, now: datetime, contact: Contact) -> list[ScorePart]:
    """A contact's score, part by part, then the total (formula in docs/insight.md; mirrors store.scoring.score_sql)."""
    w = store.score_weights()
    row = store.score_inputs(contact.id, now)
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
    parts.append(("value", f"{_cents(row.cents):,.2f} lifetime value: {w.get('value', 0):g} per 100 (at most {cap:g})",
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
    return [Weight(name, value) for name, value in store.score_weights().items()]


def set_weight(store: Store, name: str, value: str) -> Weight:
    """Change a weight (``tag:NAME`` adds points for a tag); ``off`` removes a tag weight."""
    key = str(name).strip().lower()
    if key.startswith("tag:"):
        key = "tag:" + services.normalise_tag(key[4:])
    elif key not in WEIGHT_NAMES:
        raise InvalidValue(f"{name!r} is not a score weight", f"Use one of: {', '.join(WEIGHT_NAMES)}, or tag:NAME")
    if str(value).strip().lower() == "off":
        if not key.startswith("tag:"):
            raise InvalidValue(f"{key} cannot be removed", "Set it to 0 instead")
        with store.write():
            store.set_score_weight(key, None)
        return Weight(key, 0.0)
    try:
        number = float(value)
    except ValueError:
        raise InvalidValue(f"{value!r} is not a number", "E.g. 25 or 2.5") from None
    if not (abs(number) < 1e6):
        raise InvalidValue(f"{value!r} is out of range", "Use a number between -1000000 and 1000000")
    with store.write():
        store.set_score_weight(key, number)
    return Weight(key, number)


# ------------------------------------------------------------------ occasions

MAX_LEAD = 90
LAST_YEAR_BEFORE = 30  # days before last year's occasion in which an order counts as "for" it
LAST_YEAR_AFTER = 7


def _on_year(month_day: str, year: int) -> date:
    month, day = int(month_day[:2]), int(month_day[3:])
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def next_occurrence(stored: str, today: date) -> date:
    """The occasion's next date on or after ``today`` (29 Feb falls on 28 Feb in other years)."""
    month_day = stored[-5:]
    this_year = _on_year(month_day, today.year)
    return this_year if this_year >= today else _on_year(month_day, today.year + 1)


def add_occasion(store: Store, now: datetime, contact: Contact, when: str, *, label: str = "birthday",
                 lead: str = "14d", note: str | None = None) -> Occasion:  # fmt: skip
    """A yearly occasion; ``when`` is a date with or without a year, or ``birthday`` for the contact's."""
    if str(when).strip().lower() == "birthday":
        if not contact.birthday:
            raise InvalidValue(f"{contact.name} has no birthday on file", f"Add one: minicrm edit {contact.id} --birthday 05-17")
        stored = contact.birthday
    else:
        stored = dates.parse_birthday(when)
    lead_days = parse_cadence(lead) if str(lead).strip() not in ("0", "0d") else 0
    if lead_days is None or lead_days > MAX_LEAD:
        raise InvalidValue(f"the lead time {lead!r} is not between 0 and {MAX_LEAD} days", "E.g. --lead 14d")
    clean_label = services.clean_line(label, "label", limit=50)
    next_on = next_occurrence(stored, now.date())
    with store.write():
        occasion_id = store.insert_occasion(contact_id=contact.id, label=clean_label, day=stored, lead_days=lead_days,
                                            note=services.clean_line(note, "note", required=False) if note else None,
                                            next_on=next_on, notify_on=next_on - timedelta(days=lead_days),
                                            created=now)  # fmt: skip
    return store.get_occasion(occasion_id)


def list_occasions(store: Store) -> list[Occasion]:
    return store.list_occasions()


def delete_occasion(store: Store, occasion_id: int) -> None:
    with store.write():
        if not store.delete_occasion(occasion_id):
            raise NotFound(f"there is no occasion with id {occasion_id}", "See: minicrm occasion list")


def _occasion_items(store: Store, now: datetime, last: date) -> list[tuple[DueItem, int]]:
    """Occasions inside their lead time by ``last``, each with its days since the notify day;
    passed ones roll to next year (written when possible)."""
    day = now.date()
    found, rolled = [], []
    for o in store.occasions_notifying_by(last):
        next_on, notify_on = o.next_on, o.notify_on
        if next_on < day:  # passed: roll to the next occurrence
            next_on = next_occurrence(o.date, day)
            notify_on = next_on - timedelta(days=o.lead_days)
            rolled.append((o.id, next_on, notify_on))
            if notify_on > last:
                continue
        found.append((o, next_on, notify_on))
    if rolled and not store.readonly:
        with store.write():
            for occasion_id, next_on, notify_on in rolled:
                store.reschedule_occasion(occasion_id, next_on, notify_on)
    items = []
    reach = store.contact_reach([o.contact_id for o, _, _ in found])
    for o, next_on, notify_on in found:
        until = (next_on - day).days
        when = "today" if until == 0 else f"in {dates.plural(until, 'day')}"
        last_year = _on_year(o.date[-5:], next_on.year - 1)
        order = store.order_near(o.contact_id, _midnight(last_year - timedelta(days=LAST_YEAR_BEFORE)),
                                 _midnight(last_year + timedelta(days=LAST_YEAR_AFTER + 1)))  # fmt: skip
        said = "no order around it last year"
        if order:
            text, cents = order
            said = "last year: " + (text or "an order") + (f" ({_cents(cents):,.2f})" if cents is not None else "")
        email, phone = reach.get(o.contact_id, (None, None))
        items.append((DueItem(
            id=None, item_id=o.id, uid=o.uid, contact_id=o.contact_id, contact_name=o.contact_name, contact_email=email,
            contact_phone=phone, text=f"{o.label.capitalize()} {when}" + (f": {o.note}" if o.note else ""),
            due_on=next_on, rule="yearly", state="today" if until == 0 else "upcoming", kind="occasion",
            reason=f"{o.label} on {next_on:%d %b}, reminding {dates.plural(o.lead_days, 'day')} ahead; {said}",
        ), (day - notify_on).days))  # fmt: skip
    return items
