"""The demo data set: a bakery's regulars and a freelancer's clients.

Dates are relative to ``now`` so that every view (due, overdue, stale, history)
has something to show whenever the demo is run. Everything goes through
``services``, so the demo obeys the same rules as typed input.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from minicrm.services import activity, cadence, contacts, deals, reminders
from minicrm.errors import Conflict
from minicrm.store import Store

# name, options for add_contact
CONTACTS = [
    ("Maria Gonzalez", dict(emails=["maria.gonzalez@example.com"], phones=["+1 415 555 0132"],
                            tags=["regular", "gluten-free"], stage="retention", birthday="1984-03-14",
                            note="Always the gluten-free seeded loaf. Pays cash.")),
    ("Tom Becker", dict(emails=["tom@beckerfamily.example"], phones=["+1 415 555 0178"], tags=["regular"],
                        stage="retention", birthday="--07-02", fields=["pickup=saturday"])),
    ("Aiko Tanaka", dict(emails=["aiko.tanaka@example.org"], tags=["cakes"], stage="purchase",
                         note="Orders custom cakes for the office.")),
    ("Café Lumen", dict(emails=["orders@cafelumen.example"], phones=["+1 415 555 0199"], org="Café Lumen",
                        tags=["wholesale"], stage="retention", fields=["invoice=monthly"])),
    ("Priya Nair", dict(emails=["priya@nairdesign.example"], phones=["+44 20 7946 0958"], org="Nair Design",
                        tags=["client", "vip"], stage="advocacy")),
    ("Jonas Weber", dict(emails=["jonas.weber@acme.example"], org="Acme GmbH", tags=["client"],
                         stage="consideration", note="Wants a quote for the website relaunch.")),
    ("Lena Fischer", dict(emails=["lena@studiofischer.example"], org="Studio Fischer", tags=["lead"],
                          stage="awareness")),
    ("Sam O'Brien", dict(phones=["+353 1 555 0102"], tags=["client"], stage="purchase", org="O'Brien & Co")),
]  # fmt: skip

# contact, kind, days ago, hour, text, amount
INTERACTIONS = [
    ("Maria", "order", 1, 8, "Gluten-free seeded loaf x2", "11.00"),
    ("Maria", "order", 8, 8, "Gluten-free seeded loaf x2, almond croissant", "14.50"),
    ("Maria", "order", 15, 9, "Gluten-free seeded loaf x2", "11.00"),
    ("Tom", "order", 6, 10, "Sourdough, rye, six cinnamon buns", "24.00"),
    ("Tom", "visit", 40, 10, "Asked about Christmas stollen", None),
    ("Aiko", "order", 70, 15, "Birthday cake for the office, 20 people", "85.00"),
    ("Aiko", "call", 72, 12, "Discussed flavours: matcha and yuzu", None),
    ("Café", "order", 3, 6, "Weekly wholesale: 30 croissants, 10 baguettes", "96.00"),
    ("Café", "order", 10, 6, "Weekly wholesale: 30 croissants, 10 baguettes", "96.00"),
    ("Priya", "meeting", 5, 14, "Kick-off for the brand refresh", None),
    ("Priya", "order", 30, 11, "Invoice 2026-031: logo system", "2400.00"),
    ("Priya", "referral", 20, 11, "Introduced us to Jonas at Acme", None),
    ("Jonas", "email", 2, 16, "Sent the proposal draft", None),
    ("Jonas", "call", 9, 11, "Scoping call: 8 pages, CMS, two languages", None),
    ("Lena", "message", 45, 17, "Liked the portfolio, 'maybe next quarter'", None),
    ("Sam", "order", 95, 13, "Invoice 2026-012: landing page", "900.00"),
]

# contact, text, due in days (negative: overdue), time, rule
REMINDERS = [
    ("Aiko", "Call about the autumn office cake", -3, None, None),
    ("Jonas", "Follow up on the proposal", -1, "10:00", None),
    ("Café", "Confirm next week's wholesale order", 0, "09:00", "weekly"),
    ("Maria", "Put aside two gluten-free loaves", 0, None, "every 1 week"),
    ("Priya", "Send the brand guidelines PDF", 0, "15:00", None),
    ("Tom", "Birthday: offer the custom cake", 4, None, "yearly"),
    ("Lena", "Check in: next quarter is here", 12, None, None),
    ("Sam", "Ask for a testimonial", 20, None, None),
]


# contact, title, value, stage, close in days (negative: past)
DEALS = [
    ("Jonas", "Website relaunch", "8000", "proposal", -2),
    ("Priya", "Brand guidelines, phase 2", "3200", "negotiation", 10),
    ("Lena", "Portfolio site", "2500", "lead", 60),
]


def fill(store: Store, now: datetime) -> dict[str, int]:
    """Fill an empty store; refuses one that already holds contacts."""
    if store.contacts.count():
        raise Conflict(f"{store.path} already holds contacts; the demo only fills an empty database",
                       "Try: minicrm demo --db /tmp/minicrm-demo.db")  # fmt: skip
    with store.write():
        created = {}
        for name, options in CONTACTS:
            created[name.split()[0]] = contacts.add(store, now - timedelta(days=120), name, **options)
        for who, kind, days, hour, text, amount in INTERACTIONS:
            at = (now - timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
            activity.log(store, now, created[who], kind, text, at=at.strftime("%Y-%m-%d %H:%M"),
                         amount=amount)  # fmt: skip
        for who, text, days, clock, rule in REMINDERS:
            on = (now + timedelta(days=days)).strftime("%Y-%m-%d") + (f" {clock}" if clock else "")
            reminders.add(store, now, created[who], text, on, rule)

        for who, title, value, stage, days in DEALS:
            close = (now + timedelta(days=days)).strftime("%Y-%m-%d")
            deals.add(store, now, created[who], title, value, stage, close)
        cadence.change(store, now, "14d", tag="regular")
        cadence.change(store, now, "30d", contact=created["Lena"])
    return {"contacts": len(CONTACTS), "interactions": len(INTERACTIONS), "reminders": len(REMINDERS)}
