"""The JSON contract: these keys, in this order, are what scripts rely on.

Adding a key is a change of contract: update docs/scripting.md with it.
Removing or renaming one breaks users' scripts: don't.
"""

from __future__ import annotations

CONTACT = ["id", "uid", "name", "emails", "phones", "org", "stage", "tags", "birthday", "note", "fields",
           "last_contact_at", "created_at", "updated_at", "unverified_phones"]  # fmt: skip
INTERACTION = ["id", "uid", "contact_id", "contact_name", "kind", "at", "text", "amount", "created_at", "currency",
               "lines"]  # fmt: skip
ORDER_LINE = ["product_id", "product", "quantity", "unit", "unit_price", "amount"]
USUAL_ITEM = ["contact_id", "contact_name", "product_id", "product", "quantity", "unit", "orders", "of_orders",
              "last_ordered_at", "price", "currency"]  # fmt: skip
PRODUCT = ["id", "uid", "name", "price", "unit", "sku", "tags", "archived_at", "created_at", "updated_at", "currency"]
REMINDER = ["id", "uid", "contact_id", "contact_name", "contact_email", "contact_phone", "text", "due_on",
            "due_time", "rule", "status", "state", "days_late", "snoozed", "done_at", "created_at", "updated_at"]  # fmt: skip
DUE_ITEM = REMINDER + ["kind", "item_id", "reason", "urgency"]  # a reminder's keys first: scripts for reminders keep working
SHOW_SECTIONS = ["interactions", "reminders", "stage_history", "consent", "value", "score", "cadence", "deals",
                 "occasions", "interactions_more"]  # the whole page of show, in the order of the table
STAGE_CHANGE = ["id", "contact_id", "from_stage", "to_stage", "at", "source"]
CONSENT = ["id", "contact_id", "contact_name", "purpose", "granted", "at", "source", "recorded_at"]
DEAL = ["id", "uid", "contact_id", "contact_name", "title", "value", "stage", "close_on", "closed_at", "created_at",
        "updated_at", "currency"]  # fmt: skip
PIPELINE_STAGE = ["stage", "count", "value", "probability", "weighted_value", "currency"]
CUSTOMER_VALUE = ["contact_id", "contact_name", "orders", "lifetime_value", "average_order_value", "median_gap_days",
                  "first_order_at", "last_order_at", "days_since_last_order", "r_score", "f_score", "m_score",
                  "rfm_group", "currency"]  # fmt: skip
REPORT = ["since", "until", "contacts", "funnel", "new_customers", "interactions_in_window", "orders_in_window",
          "revenue_in_window", "interactions_per_week", "revenue_per_month", "top_customers", "at_risk", "stale_days",
          "stale_contacts", "overdue_reminders", "due_today_reminders", "pipeline", "currency", "top_products"]  # fmt: skip


def test_every_json_output_has_the_pinned_keys(cli):
    assert list(cli.ok("add", "Ann", "--email", "a@x.example", "--json").json()) == CONTACT
    assert list(cli.ok("edit", "ann", "--tag", "vip", "--json").json()) == CONTACT
    assert list(cli.ok("stage", "ann", "purchase", "--json").json()) == CONTACT
    assert [list(c) for c in cli.ok("list", "--sort", "score", "--json").json()] == [[*CONTACT, "score"]]
    assert list(cli.ok("log", "ann", "order", "cake", "--amount", "3", "--json").json()) == INTERACTION
    assert list(cli.ok("remind", "ann", "call", "--on", "today", "--json").json()) == REMINDER
    assert list(cli.ok("snooze", "1", "--until", "tomorrow", "--json").json()) == REMINDER
    assert [list(r) for r in cli.ok("done", "1", "--json").json()] == [REMINDER]
    cli.ok("remind", "ann", "again", "--on", "today")
    assert [list(r) for r in cli.ok("due", "--json").json()] == [DUE_ITEM]
    assert [r["item_id"] for r in cli.ok("due", "--json").json()] == [
        f"reminder:{r['id']}" for r in cli.ok("due", "--json").json()]  # a string: kind:number
    assert [list(c) for c in cli.ok("list", "--json").json()] == [CONTACT]
    assert [list(i) for i in cli.ok("history", "--json").json()] == [INTERACTION]

    assert list(cli.ok("consent", "ann", "grant", "sms", "--json").json()) == CONSENT
    shown = cli.ok("show", "ann", "--json").json()
    assert list(shown) == CONTACT + SHOW_SECTIONS
    assert list(shown["cadence"]) == ["days", "next_touch_on"]
    assert [list(k) for k in shown["consent"]] == [CONSENT]
    assert [list(i) for i in shown["interactions"]] == [INTERACTION]
    assert [list(r) for r in shown["reminders"]] == [REMINDER]
    assert [list(s) for s in shown["stage_history"]] == [STAGE_CHANGE, STAGE_CHANGE]


def test_every_record_with_amounts_names_their_currency(cli):
    """Where amounts appear, a `currency` key says which: the `currency` setting in force."""
    cli.ok("config", "currency", "EUR")
    cli.ok("add", "Ann", "--email", "a@x.example")
    logged = cli.ok("log", "ann", "order", "cake", "--amount", "3", "--json").json()
    assert (list(logged), logged["amount"], logged["currency"]) == (INTERACTION, 3.0, "EUR")
    call = cli.ok("log", "ann", "call", "--json").json()
    assert (call["amount"], call["currency"]) == (None, None)  # no amount, no currency
    deal = cli.ok("deal", "add", "ann", "Cakes", "--value", "800", "--json").json()
    assert (list(deal), deal["currency"]) == (DEAL, "EUR")
    assert [list(d) for d in cli.ok("deal", "list", "--json").json()] == [DEAL]
    pipeline = cli.ok("deal", "pipeline", "--json").json()
    assert {tuple(p) for p in pipeline} == {tuple(PIPELINE_STAGE)} and {p["currency"] for p in pipeline} == {"EUR"}
    customers = cli.ok("customers", "--json").json()
    assert [(list(c), c["currency"]) for c in customers] == [(CUSTOMER_VALUE, "EUR")]
    assert [(list(c), c["currency"]) for c in cli.ok("at-risk", "--json").json()] == []
    report = cli.ok("report", "--json").json()
    assert (list(report), report["currency"]) == (REPORT, "EUR")
    assert {p["currency"] for p in report["pipeline"]} | {c["currency"] for c in report["top_customers"]} == {"EUR"}
    shown = cli.ok("show", "ann", "--json").json()
    assert shown["value"]["currency"] == "EUR" and [d["currency"] for d in shown["deals"]] == ["EUR"]
    assert [i["currency"] for i in shown["interactions"]] == [None, "EUR"]  # newest first: the call, the order
    assert [i["currency"] for i in cli.ok("history", "--json").json()] == [None, "EUR"]


def test_orders_carry_their_lines(cli):
    cli.ok("add", "Ann")
    assert list(cli.ok("product", "add", "Seeded loaf", "--price", "4.50", "--tag", "bread", "--json").json()) == PRODUCT
    assert list(cli.ok("product", "edit", "seeded", "--price", "4.80", "--json").json()) == PRODUCT
    assert [list(p) for p in cli.ok("product", "list", "--json").json()] == [PRODUCT]
    logged = cli.ok("log", "ann", "order", "--item", "Seeded loaf x2", "--json").json()
    assert list(logged) == INTERACTION and [list(line) for line in logged["lines"]] == [ORDER_LINE]
    assert logged["lines"] == [{"product_id": 1, "product": "Seeded loaf", "quantity": 2, "unit": None,
                                "unit_price": 4.8, "amount": 9.6}]  # fmt: skip
    assert [list(line) for line in cli.ok("history", "--json").json()[0]["lines"]] == [ORDER_LINE]
    assert [list(line) for line in cli.ok("show", "ann", "--json").json()["interactions"][0]["lines"]] == [ORDER_LINE]
    assert cli.ok("log", "ann", "call", "--json").json()["lines"] == []
    assert [list(u) for u in cli.ok("usual", "ann", "--json").json()] == [USUAL_ITEM]
    cli.ok("config", "currency", "EUR")
    assert cli.ok("product", "list", "--json").json()[0]["currency"] == "EUR"
    assert cli.ok("history", "--json").json()[1]["currency"] == "EUR"


def test_value_types(cli):
    cli.ok("add", "Ann", "--email", "a@x.example", "--tag", "vip", "--field", "k=v", "--birthday", "1990-05-17")
    contact = cli.ok("show", "ann", "--json").json()
    assert isinstance(contact["id"], int)
    assert contact["emails"] == ["a@x.example"] and contact["tags"] == ["vip"]
    assert contact["fields"] == {"k": "v"}
    assert contact["created_at"] == "2026-11-18T09:30:00+01:00"  # ISO 8601 with the local offset
    assert contact["last_contact_at"] is None
    logged = cli.ok("log", "ann", "order", "--amount", "12.50", "--json").json()
    assert logged["amount"] == 12.5 and logged["contact_id"] == 1
    reminder = cli.ok("remind", "ann", "x", "--on", "yesterday 8am", "--json").json()
    assert (reminder["due_on"], reminder["due_time"], reminder["days_late"]) == ("2026-11-17", "08:00", 1)
    assert reminder["snoozed"] is False and reminder["done_at"] is None
