"""The morning list: everything due, from every source, ranked by urgency.

``window`` turns the flags of ``minicrm due`` into the days to look at. Each
item source is a function of the same shape, ``source(agenda) -> list[DueItem]``,
and ``SOURCES`` lists them in the order of ``models.DUE_KINDS``; ``due_items``
runs the wanted ones in one loop and ranks what they found. Adding a kind of
item is adding one source function (and its name to ``DUE_KINDS``).

Urgency is explainable: ``urgency`` adds a base per kind, the days late and the
points for what the customer (or the deal) is worth, and each item's ``reason``
says what counted. Formulas are documented in docs/insight.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from minicrm import dates
from minicrm.models import DUE_KINDS, DueItem
from minicrm.services.customers import cents
from minicrm.services.occasions import LAST_YEAR_AFTER, LAST_YEAR_BEFORE, current, on_year
from minicrm.services.values import choose
from minicrm.store import Store

BASE_URGENCY = {"reminder": 10, "deal": 8, "occasion": 7, "reorder": 6, "cadence": 5}
MAX_LATE_POINTS = 30
MAX_VALUE_POINTS = 10


class Window(NamedTuple):
    """The days ``due`` looks at: from ``first`` (None: every earlier day too) through ``last``."""

    first: date | None
    last: date


def window(day: date, *, overdue: bool = False, today: bool = False, week: bool = False) -> Window:
    """No flag: overdue and due today. ``overdue``: before today. ``today``: today only.
    ``week``: through 7 days from today, overdue included."""
    if not (overdue or today or week):
        overdue = today = True
    first = None if (overdue or week) else day
    last = day + timedelta(days=7) if week else day if today else day - timedelta(days=1)
    return Window(first, last)


def urgency(kind: str, days_late: int, value: Decimal | None) -> int:
    """base(kind) + days late (capped at 30; minus days ahead for upcoming items) + value points, at least 0.

    Value points: one per 100 of the deal's value (deals) or of the contact's lifetime value
    (others), at most 10.
    """
    lateness = min(days_late, MAX_LATE_POINTS)
    points = min(MAX_VALUE_POINTS, int(value // 100)) if value else 0
    return max(0, BASE_URGENCY[kind] + lateness + points)


def lateness(day: date, today: date) -> tuple[str, int]:
    """(state, days late) of something due on ``day``: overdue, today or upcoming."""
    late = (today - day).days
    return ("overdue" if late > 0 else "today" if late == 0 else "upcoming"), late


def _late_words(late: int) -> str:
    if late > 0:
        return f"{dates.plural(late, 'day')} late"
    return "due today" if late == 0 else f"due in {dates.plural(-late, 'day')}"


class Agenda:
    """What every source is given: the store, the moment, the window, and what customers are worth.

    Urgency counts a deal's value, else the customer's lifetime value, which the
    reason then names; ``worth`` caches the customers' lifetime cents across sources.
    """

    def __init__(self, store: Store, now: datetime, span: Window):
        self.store = store
        self.now = now
        self.day = now.date()
        self.first, self.last = span
        self.worth: dict[int, int] = {}

    def after_last(self) -> datetime:
        """The first moment after the window."""
        return dates.midnight(self.last + timedelta(days=1))

    def in_window(self, day: date) -> bool:
        return (self.first is None or day >= self.first) and day <= self.last

    def look_up_worth(self, contact_ids: Iterable[int]) -> None:
        self.worth.update(self.store.customers.lifetime_cents([c for c in contact_ids if c not in self.worth]))

    def valued(self, kind: str, late: int, contact_id: int, reason: str) -> tuple[str, int]:
        """The reason, with what the customer is worth, and the urgency."""
        if contact_id not in self.worth:
            return reason, urgency(kind, late, None)
        value = cents(self.worth[contact_id])
        return f"{reason}; customer worth {value:,.2f}", urgency(kind, late, value)


# ------------------------------------------------------------------ the sources


def reminder_items(agenda: Agenda) -> list[DueItem]:
    """Open reminders due in the window."""
    reminders = agenda.store.reminders.open(due_from=agenda.first, due_until=agenda.last, today=agenda.day)
    agenda.look_up_worth(r.contact_id for r in reminders)
    items = []
    for r in reminders:
        late = (agenda.day - r.due_on).days
        why = _late_words(late) + (f", repeats {r.rule}" if r.rule else "")
        # a DueItem starts with a reminder's fields, in order (tests/test_json_contract.py)
        items.append(DueItem(*r, "reminder", r.id, *agenda.valued("reminder", late, r.contact_id, why)))
    return items


def cadence_items(agenda: Agenda) -> list[DueItem]:
    """Contacts whose keep-in-touch cadence says it is time to get in touch."""
    day = agenda.day
    touches = [(row, row.next_touch_at.date()) for row in agenda.store.cadence.touches_due(agenda.after_last())]
    touches = [(row, touch_day) for row, touch_day in touches if agenda.in_window(touch_day)]
    agenda.look_up_worth(row.id for row, _ in touches)
    items = []
    for row, touch_day in touches:
        state, late = lateness(touch_day, day)
        since = row.last_contact_at
        ago = (day - since.date()).days if since else None
        said = f"last contact {dates.plural(ago, 'day')} ago" if ago is not None else "never contacted"
        reason, points = agenda.valued("cadence", late, row.id, f"{said}; cadence {row.touch_days} days")
        every = f"every {dates.plural(row.touch_days, 'day')}"
        items.append(DueItem(
            id=None, item_id=row.id, uid=row.uid, contact_id=row.id, contact_name=row.name,
            contact_email=row.email, contact_phone=row.phone, text=f"Get in touch ({every})", due_on=touch_day,
            rule=every, state=state, days_late=max(late, 0), kind="cadence", reason=reason, urgency=points,
        ))  # fmt: skip
    return items


def deal_items(agenda: Agenda) -> list[DueItem]:
    """Open deals whose close date is in the window (or past)."""
    day = agenda.day
    deals = [d for d in agenda.store.deals.closing_by(agenda.last) if agenda.in_window(d.close_on)]
    reach = agenda.store.contacts.reach([d.contact_id for d in deals])
    items = []
    for d in deals:
        state, late = lateness(d.close_on, day)
        email, phone = reach.get(d.contact_id, (None, None))
        word = "expected to close " + ("today" if late == 0 else f"{dates.plural(abs(late), 'day')} "
                                       + ("ago" if late > 0 else "from now"))  # fmt: skip
        items.append(DueItem(
            id=None, item_id=d.id, uid=d.uid, contact_id=d.contact_id, contact_name=d.contact_name,
            contact_email=email, contact_phone=phone, text=f"Close the deal: {d.title} (deal {d.id})",
            due_on=d.close_on, state=state, days_late=max(late, 0), created_at=d.created_at,
            updated_at=d.updated_at, kind="deal", reason=f"{word}; {d.stage}, worth {d.value:,.2f}",
            urgency=urgency("deal", late, d.value),
        ))  # fmt: skip
    return items


def reorder_items(agenda: Agenda) -> list[DueItem]:
    """Customers likely to reorder: from the predicted day until one more usual gap has passed
    (after that they are at risk, which ``minicrm at-risk`` lists)."""
    day = agenda.day
    items = []
    for row in agenda.store.customers.reorders_due(agenda.after_last(), dates.midnight(day)):
        agenda.worth[row.contact_id] = row.cents  # the row has it: no lookup
        predicted = row.reorder_at.date()
        if not agenda.in_window(predicted):
            continue
        state, late = lateness(predicted, day)
        last_order = (day - row.last_at.date()).days
        gap = f"{row.median_gap:.1f}".rstrip("0").rstrip(".")
        reason, points = agenda.valued("reorder", late, row.contact_id, f"{row.orders} orders, usually {gap} "
                                       f"days apart; last order {dates.plural(last_order, 'day')} ago")  # fmt: skip
        items.append(DueItem(
            id=None, item_id=row.contact_id, uid=row.uid, contact_id=row.contact_id, contact_name=row.name,
            contact_email=row.email, contact_phone=row.phone, text=f"Likely to reorder (about every {gap} days)",
            due_on=predicted, state=state, days_late=max(late, 0), kind="reorder", reason=reason, urgency=points,
        ))  # fmt: skip
    return items


def occasion_items(agenda: Agenda) -> list[DueItem]:
    """Occasions inside their lead time, with last year's order around the same day.
    A passed one is seen at its next date (computed here; the stored dates roll on the next write)."""
    store, day = agenda.store, agenda.day
    found = []
    for o in store.occasions.notifying_by(agenda.last):
        seen = current(o, day)
        if seen.notify_on > agenda.last:
            continue
        found.append((o, seen.next_on, seen.notify_on))
    agenda.look_up_worth(o.contact_id for o, _, _ in found)
    reach = store.contacts.reach([o.contact_id for o, _, _ in found])
    items = []
    for o, next_on, notify_on in found:
        until = (next_on - day).days
        when = "today" if until == 0 else f"in {dates.plural(until, 'day')}"
        last_year = on_year(o.date[-5:], next_on.year - 1)
        order = store.activity.order_near(o.contact_id, dates.midnight(last_year - timedelta(days=LAST_YEAR_BEFORE)),
                                 dates.midnight(last_year + timedelta(days=LAST_YEAR_AFTER + 1)))  # fmt: skip
        said = "no order around it last year"
        if order:
            text, amount = order
            said = "last year: " + (text or "an order") + (f" ({cents(amount):,.2f})" if amount is not None else "")
        email, phone = reach.get(o.contact_id, (None, None))
        reason, points = agenda.valued("occasion", (day - notify_on).days, o.contact_id,
                                       f"{o.label} on {next_on:%d %b}, reminding {dates.plural(o.lead_days, 'day')}"
                                       f" ahead; {said}")  # fmt: skip
        items.append(DueItem(
            id=None, item_id=o.id, uid=o.uid, contact_id=o.contact_id, contact_name=o.contact_name, contact_email=email,
            contact_phone=phone, text=f"{o.label.capitalize()} {when}" + (f": {o.note}" if o.note else ""),
            due_on=next_on, rule="yearly", state="today" if until == 0 else "upcoming", kind="occasion",
            reason=reason, urgency=points,
        ))  # fmt: skip
    return items


Source = Callable[[Agenda], list[DueItem]]

# Every kind of item, in the order of models.DUE_KINDS (tests/test_agenda.py checks they agree).
SOURCES: tuple[tuple[str, Source], ...] = (
    ("reminder", reminder_items),
    ("cadence", cadence_items),
    ("deal", deal_items),
    ("reorder", reorder_items),
    ("occasion", occasion_items),
)


def due_items(store: Store, now: datetime, *, overdue: bool = False, today: bool = False, week: bool = False,
              kinds: Sequence[str] = ()) -> list[DueItem]:  # fmt: skip
    """The items of every wanted kind in the window (``window``), most urgent first."""
    wanted = {choose(k, DUE_KINDS, "kind of due item") for k in kinds} or set(DUE_KINDS)
    agenda = Agenda(store, now, window(now.date(), overdue=overdue, today=today, week=week))
    items = [item for kind, source in SOURCES if kind in wanted for item in source(agenda)]
    items.sort(key=lambda i: (-i.urgency, i.due_on, i.due_time is not None, i.due_time or time(0),
                              DUE_KINDS.index(i.kind), i.item_id))  # fmt: skip
    return items
