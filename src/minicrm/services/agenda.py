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
from functools import partial
from typing import Any, NamedTuple

from minicrm import dates
from minicrm.errors import Conflict, InvalidValue, NotFound, UsageError
from minicrm.models import DUE_KINDS, DueItem
from minicrm.money import money
from minicrm.recurrence import on_year
from minicrm.services.customers import cents
from minicrm.services.occasions import LAST_YEAR_AFTER, LAST_YEAR_BEFORE, current
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
    reason then names (in ``currency``); ``worth`` caches the customers' lifetime cents across sources.
    """

    def __init__(self, store: Store, now: datetime, span: Window, currency: str | None = None):
        self.store = store
        self.currency = currency  # of the amounts the reasons name
        self.now = now
        self.day = now.date()
        self.first, self.last = span
        self.worth: dict[int, int] = {}
        self._holds: dict[str, tuple[date | None, date | None]] | None = None
        self._lines: bool | None = None  # whether any order has lines

    def hold(self, kind: str, key: int) -> tuple[date | None, date | None]:
        """(snoozed until, cleared through) of an item minicrm found itself (``snooze``/``done ITEM``)."""
        if self._holds is None:
            self._holds = self.store.agenda.holds()
        return self._holds.get(f"{kind}:{key}", (None, None))

    def effective(self, kind: str, key: int, day: date) -> date | None:
        """The day such an item is due: later when snoozed; None when cleared for this
        occurrence (it comes back when its date moves past the one cleared)."""
        until, through = self.hold(kind, key)
        if through is not None and day <= through:
            return None
        return max(day, until) if until is not None else day

    def usually(self, items: list[DueItem]) -> list[DueItem]:
        """``items`` with ``; usually: 2 × Seeded loaf`` after the text of those whose customer has a
        usual order (``products.usual``), read for all of them at once. Products are looked at only
        once some order has lines."""
        if not items:
            return items
        if self._lines is None:
            self._lines = self.store.products.any_lines()
        if not self._lines:
            return items
        from minicrm.services import products

        texts = products.usual_texts(self.store, [item.contact_id for item in items])
        return [item._replace(text=f"{item.text}; usually: {texts[item.contact_id]}") if item.contact_id in texts
                else item for item in items]  # fmt: skip

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
        return f"{reason}; customer worth {money(value, self.currency)}", urgency(kind, late, value)


# ------------------------------------------------------------------ the sources


def reminder_items(agenda: Agenda) -> list[DueItem]:
    """Open reminders due in the window."""
    reminders = agenda.store.reminders.open(due_from=agenda.first, due_until=agenda.last, today=agenda.day)
    agenda.look_up_worth(r.contact_id for r in reminders)
    return [reminder_item(agenda, r) for r in reminders]


def reminder_item(agenda: Agenda, r: Any) -> DueItem:
    late = (agenda.day - r.due_on).days
    why = _late_words(late) + (f", repeats {r.rule}" if r.rule else "")
    # a DueItem starts with a reminder's fields, in order (tests/test_json_contract.py)
    return DueItem(*r, "reminder", f"reminder:{r.id}", *agenda.valued("reminder", late, r.contact_id, why))


def cadence_items(agenda: Agenda) -> list[DueItem]:
    """Contacts whose keep-in-touch cadence says it is time to get in touch."""
    day = agenda.day
    touches = [(row, agenda.effective("cadence", row.id, row.next_touch_at.date()))
               for row in agenda.store.cadence.touches_due(agenda.after_last())]  # fmt: skip
    touches = [(row, touch_day) for row, touch_day in touches if touch_day and agenda.in_window(touch_day)]
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
            id=None, item_id=f"cadence:{row.id}", uid=row.uid, contact_id=row.id, contact_name=row.name,
            contact_email=row.email, contact_phone=row.phone, text=f"Get in touch ({every})", due_on=touch_day,
            rule=every, state=state, days_late=max(late, 0), snoozed=touch_day != row.next_touch_at.date(),
            kind="cadence", reason=reason, urgency=points,
        ))  # fmt: skip
    return items


def deal_items(agenda: Agenda) -> list[DueItem]:
    """Open deals whose close date is in the window (or past)."""
    day = agenda.day
    deals = [(d, agenda.effective("deal", d.id, d.close_on)) for d in agenda.store.deals.closing_by(agenda.last)]
    deals = [(d, on) for d, on in deals if on and agenda.in_window(on)]
    reach = agenda.store.contacts.reach([d.contact_id for d, _ in deals])
    items = []
    for d, on in deals:
        state, late = lateness(on, day)
        email, phone = reach.get(d.contact_id, (None, None))
        close_late = (day - d.close_on).days
        word = "expected to close " + ("today" if close_late == 0 else f"{dates.plural(abs(close_late), 'day')} "
                                       + ("ago" if close_late > 0 else "from now"))  # fmt: skip
        items.append(DueItem(
            id=None, item_id=f"deal:{d.id}", uid=d.uid, contact_id=d.contact_id, contact_name=d.contact_name,
            contact_email=email, contact_phone=phone, text=f"Close the deal: {d.title} (deal {d.id})",
            due_on=on, state=state, days_late=max(late, 0), snoozed=on != d.close_on, created_at=d.created_at,
            updated_at=d.updated_at, kind="deal", reason=f"{word}; {d.stage}, worth {money(d.value, agenda.currency)}",
            urgency=urgency("deal", late, d.value),
        ))  # fmt: skip
    return items


def reorder_items(agenda: Agenda, contact_ids: Sequence[int] | None = None) -> list[DueItem]:
    """Customers likely to reorder: from the predicted day until one more usual gap has passed
    (after that they are at risk, which ``minicrm at-risk`` lists); only ``contact_ids`` when given."""
    rows = agenda.store.customers.reorders_due(agenda.after_last(), dates.midnight(agenda.day), contact_ids)
    return agenda.usually([item for item in map(partial(reorder_item, agenda), rows) if item is not None])


def reorder_item(agenda: Agenda, row: Any) -> DueItem | None:
    day = agenda.day
    agenda.worth[row.contact_id] = row.cents  # the row has it: no lookup
    predicted = agenda.effective("reorder", row.contact_id, row.reorder_at.date())
    if predicted is None or not agenda.in_window(predicted):
        return None
    state, late = lateness(predicted, day)
    last_order = (day - row.last_at.date()).days
    gap = f"{row.median_gap:.1f}".rstrip("0").rstrip(".")
    reason, points = agenda.valued("reorder", late, row.contact_id, f"{row.orders} orders, usually {gap} "
                                   f"days apart; last order {dates.plural(last_order, 'day')} ago")  # fmt: skip
    return DueItem(
        id=None, item_id=f"reorder:{row.contact_id}", uid=row.uid, contact_id=row.contact_id, contact_name=row.name,
        contact_email=row.email, contact_phone=row.phone,
        text=f"Likely to reorder (about every {gap} days)",
        due_on=predicted, state=state, days_late=max(late, 0), snoozed=predicted != row.reorder_at.date(),
        kind="reorder", reason=reason, urgency=points,
    )  # fmt: skip


def occasion_items(agenda: Agenda) -> list[DueItem]:
    """Occasions inside their lead time, with last year's order around the same day.
    A passed one is seen at its next date (computed here; the stored dates roll on the next write)."""
    store, day = agenda.store, agenda.day
    found = []
    for o in store.occasions.notifying_by(agenda.last):
        seen = current(o, day)
        until, through = agenda.hold("occasion", o.id)
        if through is not None and seen.next_on <= through:
            continue  # cleared for this year
        notify_on = max(seen.notify_on, until) if until is not None else seen.notify_on
        if notify_on > agenda.last or notify_on > seen.next_on:
            continue  # not yet, or snoozed past the day itself
        found.append((o, seen.next_on, notify_on))
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
            paid = f" ({money(cents(amount), agenda.currency)})" if amount is not None else ""
            said = "last year: " + (text or "an order") + paid
        email, phone = reach.get(o.contact_id, (None, None))
        reason, points = agenda.valued("occasion", (day - notify_on).days, o.contact_id,
                                       f"{o.label} on {next_on:%d %b}, reminding {dates.plural(o.lead_days, 'day')}"
                                       f" ahead; {said}")  # fmt: skip
        items.append(DueItem(
            id=None, item_id=f"occasion:{o.id}", uid=o.uid, contact_id=o.contact_id, contact_name=o.contact_name,
            contact_email=email,
            contact_phone=phone, text=f"{o.label.capitalize()} {when}" + (f": {o.note}" if o.note else ""),
            due_on=next_on, rule="yearly", state="today" if until == 0 else "upcoming", kind="occasion",
            snoozed=notify_on != next_on - timedelta(days=o.lead_days),
            reason=reason, urgency=points,
        ))  # fmt: skip
    return agenda.usually(items)


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
              kinds: Sequence[str] = (), currency: str | None = None) -> list[DueItem]:  # fmt: skip
    """The items of every wanted kind in the window (``window``), most urgent first; the reasons
    name amounts in ``currency`` (the setting in force)."""
    wanted = {choose(k, DUE_KINDS, "kind of due item") for k in kinds} or set(DUE_KINDS)
    agenda = Agenda(store, now, window(now.date(), overdue=overdue, today=today, week=week), currency)
    items = [item for kind, source in SOURCES if kind in wanted for item in source(agenda)]
    items.sort(key=lambda i: rank(i.urgency, i.due_on, i.due_time, i.kind, int(i.item_id.partition(":")[2])))
    return items


def rank(points: int, due_on: date, due_time: time | None, kind: str, number: int) -> tuple:
    """The sort key of the morning list: most urgent first, then earliest, untimed before timed,
    then by kind and number."""
    return -points, due_on, due_time is not None, due_time or time(0), DUE_KINDS.index(kind), number


def first_run(store: Store) -> bool:
    """Whether there is nobody in the database yet (an empty ``due`` then says how to start)."""
    return store.contacts.count() == 0


# ------------------------------------------------------------------ clearing items: done and snooze


def parse_item(text: str) -> tuple[str, int]:
    """An ITEM as typed: a reminder id (``5``) or an ``item_id`` that ``due`` prints (``cadence:12``)."""
    kind, sep, number = str(text).strip().lower().partition(":")
    if not sep:
        kind, number = "reminder", kind
    if kind not in DUE_KINDS or not (number.isascii() and number.isdigit()):
        raise UsageError(f"{text!r} is not an item of the morning list",
                         "Give a reminder id or an item_id that minicrm due prints, e.g. cadence:12 "
                         "(see minicrm done --help)")  # fmt: skip
    return kind, int(number)


def find_item(store: Store, now: datetime, kind: str, number: int) -> DueItem:
    """An item minicrm finds itself, as ``due`` shows it (looking a year ahead)."""
    agenda = Agenda(store, now, Window(None, now.date() + timedelta(days=400)))
    wanted = f"{kind}:{number}"
    for item in dict(SOURCES)[kind](agenda):
        if item.item_id == wanted:
            return item
    raise NotFound(f"{wanted} is not on the morning list (cleared already, or nothing is due)",
                   "See: minicrm due --week")  # fmt: skip


def _refuse_deal(store: Store, number: int) -> None:
    from minicrm.services import deals

    deal = deals.get(store, number)
    raise Conflict("a deal leaves the morning list when it is won or lost, or its close date moves",
                   f"Try: minicrm deal move {deal.id} won, or minicrm deal edit {deal.id} --close \"next month\"")  # fmt: skip


def done(store: Store, now: datetime, refs: Sequence[str]) -> tuple[list, list[str]]:
    """Complete reminders and clear other items, all as one change: (reminders, notes for people).

    A cadence item logs that you got in touch (a note); a reorder or an occasion is cleared
    for this occurrence; a deal is refused with how to move it."""
    from minicrm.services import activity, reminders

    parsed = list(dict.fromkeys(parse_item(ref) for ref in refs))
    notes: list[str] = []
    with store.write():
        ids = [number for kind, number in parsed if kind == "reminder"]
        completed = reminders.complete(store, now, ids) if ids else []
        for kind, number in parsed:
            if kind == "reminder":
                continue
            if kind == "deal":
                _refuse_deal(store, number)
            item = find_item(store, now, kind, number)
            if kind == "cadence":
                activity.log(store, now, store.contacts.get(item.contact_id), "note",
                             "In touch (done on the morning list)")  # fmt: skip
                notes.append(f"Logged that you got in touch with {item.contact_name} ({item.item_id}).")
            else:
                store.agenda.clear(item.item_id, item.contact_id, item.due_on, now)
                notes.append(f"Cleared {item.item_id} for now: {item.contact_name}, {item.text}.")
    return completed, notes


def snooze(store: Store, now: datetime, ref: str, until: str, date_order: str | None = None) -> Any:
    """Postpone any item: a reminder (see ``reminders.snooze``), or an item minicrm found itself,
    which is left off the list until that day. Returns the reminder or the item."""
    from minicrm.services import reminders

    kind, number = parse_item(ref)
    if kind == "reminder":
        return reminders.snooze(store, now, number, until, date_order)
    when = dates.parse_when(until, now, prefer="future", order=date_order)
    if when.day <= now.date():
        raise InvalidValue(f"{until!r} is not after today", "Snooze to a later day, e.g. --until tomorrow")
    with store.write():
        item = find_item(store, now, kind, number)
        store.agenda.snooze(item.item_id, item.contact_id, when.day, now)
    return find_item(store, now, kind, number)


def complete_items(store: Store, now: datetime, typed: str, limit: int = 50) -> list[tuple[str, str]]:
    """(item, "text — contact") of what ``done`` and ``snooze`` take, for shell completion: open
    reminders by id, and the other items of this week's morning list by ``item_id``."""
    from minicrm.services import reminders

    typed = str(typed).strip().lower()
    found = reminders.complete_ids(store, typed, limit) if typed.isdigit() or not typed else []
    if len(found) < limit and not typed.isdigit():
        found += [(i.item_id, f"{i.text} — {i.contact_name}") for i in due_items(store, now, week=True)
                  if i.kind != "reminder" and i.item_id.startswith(typed)][: limit - len(found)]  # fmt: skip
    return found
