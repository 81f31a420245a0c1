"""Build a realistic minicrm database at a chosen scale, deterministically.

    .venv/bin/python bench/generate.py --contacts 100000 --seed 1 --out bench/out/x.db

N contacts, each with about 10 interactions spread over the past three years
(calls, emails, orders with amounts, ...), one open reminder (about 3% overdue,
1% due today, the rest ahead, a fifth of them recurring), tags, organisations,
emails, phones, notes and a stage history. Exactly ``RARE_HITS`` contacts carry
the word ``RARE_TERM`` (in a name, an organisation or a note), so a rare-term
search has a handful of hits at every scale.

Rows go in through minicrm's own ``Store`` (so the schema, column encodings and
migrations are minicrm's), all inside one ``store.write()`` transaction. The
services layer is skipped on purpose: it re-reads every record it writes.

The same arguments give the same file content: every random choice comes from
one seeded ``random.Random``, uids included, and the clock is ``--now`` (read
in UTC; ``TZ`` is pinned to UTC here, and ``bench/run.py`` runs minicrm with
``TZ=UTC`` too). ``ensure()`` caches databases in ``bench/out/`` by size, seed
and ``now``, with a sidecar JSON describing the ids the benchmark uses.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
import unicodedata
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

# Pin the time zone before minicrm turns instants into UTC text: the file must
# not depend on the machine it was generated on.
os.environ["TZ"] = "UTC"
time.tzset()

from minicrm.store import migrations  # noqa: E402
from minicrm.models import KINDS, STAGES  # noqa: E402
from minicrm.store import open_store  # noqa: E402

# Bump whenever the generated content changes, so cached databases are rebuilt.
GENERATOR_VERSION = 1
DEFAULT_NOW = "2026-11-18T09:30"
DEFAULT_SEED = 1
OUT_DIR = Path(__file__).resolve().parent / "out"

RARE_TERM = "quetzalcoatl"
RARE_HITS = 5

INTERACTIONS_PER_CONTACT = (5, 15)  # uniform: 10 on average
HISTORY_DAYS = 3 * 365  # interactions and contacts span the past three years
SHARE_OVERDUE = 0.03
SHARE_TODAY = 0.01
SHARE_RECURRING = 0.20

FIRST = """Maria Tom Aiko Priya Jonas Lena Sam Ann Bob Carla David Emma Felix Grace Hugo Ines Jack Kara Liam
Mia Noah Olga Paul Quinn Rosa Stefan Tara Umar Vera Will Xena Yusuf Zoë José Chloé Søren Ana Ben Clara Diego
Elif Farah Gabriel Hannah Ivan Julia Kenji Laura Marco Nina Oscar Pedro Rania Sofia Theo Uma Victor Wen Yara
Zainab Amélie Björn Chiara Dmitri Esther Fatima Giulia Hamid Ingrid Jakub Katarzyna Luca Mateo Nadia Omar
Pia Rafael Sven Tomás Ursula Valentina Wojciech Ximena Yuki Zeynep""".split()
LAST = """Gonzalez Becker Tanaka Nair Weber Fischer O'Brien Lee Stone Müller Schmidt Rossi Russo García
Martínez López Dubois Moreau Laurent Smith Jones Brown Taylor Wilson Evans Novak Kowalski Nowak Horvat Kovač
Jensen Hansen Nielsen Andersson Johansson Virtanen Silva Santos Costa Pereira Yilmaz Kaya Demir Sato Suzuki
Takahashi Kim Park Chen Wang Li Zhang Nguyen Tran Patel Shah Khan Ali Hassan Ibrahim Okafor Mensah Diallo
Kelly Murphy Walsh Byrne Ryan Fernandes Almeida Ivanova Petrov Popescu Nagy Szabo Papadopoulos Cohen Levi
Haddad Rahman Singh Kaur Mehta Das Roy Bose Iyer Reddy Morales Ortiz Ramos Castro Vargas""".split()
ORG_WORDS = """Acme Lumen Nordic Apex Blue Harbor Cedar Summit Pixel Atlas Orbit Maple Granite Silver Coastal
Northern Bright Vertex Willow Meridian Copper Falcon Oak River Stone Iron Golden Crescent Aurora Beacon""".split()
ORG_KINDS = """Bakery Design Studio Labs Consulting Logistics Foods Media Partners Systems Café Print Legal
Dental Fitness Architects Analytics Travel Garden Motors""".split()
ORG_SUFFIXES = ["", "", " Ltd", " GmbH", " & Co", " Inc", " SARL", " AB", " BV"]
DOMAINS = "example.com example.org example.net mail.example inbox.example post.example".split()
TAGS = """regular vip lead client wholesale cakes gluten-free vegan newsletter referral partner supplier
prospect churned event catering b2b b2c local remote priority trial""".split()
NOTES = [
    "Prefers email over calls.",
    "Pays by invoice, 30 days.",
    "Met at the spring trade fair.",
    "Asked for a quote on the yearly plan.",
    "Always orders on Fridays.",
    "Decision maker is the finance director.",
    "Allergic to nuts; double-check every order.",
    "Wants to be called before noon.",
    "Referred by a long-standing client.",
    "Interested in the loyalty programme.",
    "Moved offices last year; check the address.",
    "Budget review every quarter.",
]
TEXTS = {
    "call": ["Follow-up call", "Discussed the renewal", "Left a voicemail", "Scoping call",
             "Asked about delivery times", "Checked in after the order"],
    "email": ["Sent the proposal", "Replied about pricing", "Sent the invoice", "Newsletter reply",
              "Confirmed the meeting", "Shared the brochure"],
    "meeting": ["Kick-off meeting", "Quarterly review", "Lunch meeting", "Site visit and demo"],
    "note": ["Seems happy with the service", "Mentioned a competitor", "Budget frozen until spring"],
    "order": ["Weekly order", "Custom order", "Repeat order", "Bulk order", "Gift order", "Online order"],
    "message": ["Texted about the pickup", "WhatsApp: asked for photos", "Sent a thank-you message"],
    "visit": ["Dropped by the shop", "Visited the showroom", "Came to the open day"],
    "ticket": ["Complaint about a late delivery", "Refund requested", "Wrong item shipped"],
    "referral": ["Introduced a new client", "Recommended us to a colleague"],
    "refund": ["Refunded a damaged item"],
}
KIND_WEIGHTS = {"call": 20, "email": 30, "meeting": 8, "note": 5, "order": 20, "message": 9,
                "visit": 4, "ticket": 3, "referral": 1, "refund": 0}  # fmt: skip  (refunds: none drawn)
STAGE_WEIGHTS = [35, 20, 20, 20, 5]  # in the order of STAGES
REMINDER_TEXTS = ["Follow up on the proposal", "Call about the renewal", "Send the invoice reminder",
                  "Check in", "Confirm next week's order", "Ask for a testimonial", "Send the catalogue",
                  "Birthday: send a card", "Quarterly review", "Chase the unpaid invoice"]  # fmt: skip
RULES = ["weekly", "monthly", "yearly"]

assert set(KIND_WEIGHTS) == set(KINDS) and len(STAGE_WEIGHTS) == len(STAGES)


def parse_now(text: str) -> datetime:
    """``--now`` as minicrm reads ``MINICRM_NOW``: local time (UTC here), made aware."""
    return datetime.fromisoformat(text).astimezone()


def cache_path(contacts: int, seed: int, now: str = DEFAULT_NOW) -> Path:
    """Where ``ensure`` keeps the database for these arguments.

    The key holds minicrm's schema too: the number of migrations and a hash of
    migrations.py, so a new or edited migration means a new file
    (``bench/run.py --regenerate`` forces one after other changes to the store).
    """
    stamp = now.replace("-", "").replace(":", "").replace("T", "t")
    return OUT_DIR / f"minicrm-g{GENERATOR_VERSION}-{schema_key()}-n{contacts}-s{seed}-{stamp}.db"


def schema_key() -> str:
    digest = hashlib.sha256(Path(migrations.__file__).read_bytes()).hexdigest()[:8]
    return f"schema{len(migrations.MIGRATIONS)}.{digest}"


_UNDECOMPOSED = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "ł": "l"})  # NFKD keeps these


def _ascii(text: str) -> str:
    """``Zoë O'Brien`` -> ``zoe.obrien`` for an email's local part."""
    text = text.translate(_UNDECOMPOSED)
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower().replace(" ", ".") if ch.isalnum() or ch == ".")


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(path: Path, contacts: int, seed: int, now_text: str = DEFAULT_NOW) -> dict:
    """Write a new database at ``path`` (which must not exist). Returns its description."""
    if path.exists():
        raise SystemExit(f"{path} already exists")
    rng = random.Random(seed)
    now = parse_now(now_text)
    today = now.date()
    start = now - timedelta(days=HISTORY_DAYS)
    span = (now - start).total_seconds()

    orgs = [f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}{rng.choice(ORG_SUFFIXES)}"
            for _ in range(max(10, contacts // 20))]  # fmt: skip
    kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    rare = set(rng.sample(range(contacts), min(RARE_HITS, contacts)))
    bench_contact = contacts // 2  # the contact show/log/remind/history run against

    store = open_store(path, now)  # creates the file and runs minicrm's migrations
    conn = store.conn
    # Generator-only tuning of this connection (nothing persists in the file):
    # a large page cache so the random-uid indexes do not spill mid-transaction,
    # and no fsync: a crash simply means regenerating.
    conn.execute("PRAGMA cache_size = -1048576")  # 1 GiB
    conn.execute("PRAGMA synchronous = OFF")

    ids: list[int] = []
    created: list[datetime] = []
    pending = []  # (instant, contact index): interactions, inserted in time order
    counts = {"contacts": 0, "interactions": 0, "reminders": 0, "stage_changes": 0,
              "overdue": 0, "due_today": 0, "recurring": 0, "rare_hits": len(rare)}  # fmt: skip
    bench_reminder = None

    with store.write():
        for i in range(contacts):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            note = rng.choice(NOTES) if rng.random() < 0.4 else None
            org = rng.choice(orgs) if rng.random() < 0.6 else None
            if i in rare:  # the rare term, in a name, an organisation or a note
                where = sorted(rare).index(i) % 3
                if where == 0:
                    last = "Quetzalcoatl"
                elif where == 1:
                    org = "Quetzalcoatl Imports"
                else:
                    note = f"Collects {RARE_TERM} figurines; ask about the new one."
            name = f"{first} {last}"
            local = _ascii(f"{first} {last}")
            emails = [f"{local}{i}@{rng.choice(DOMAINS)}"] if rng.random() < 0.9 else []
            if emails and rng.random() < 0.15:
                emails.append(f"{_ascii(first)}{i}@work.{rng.choice(DOMAINS)}")
            phones = []
            if rng.random() < 0.7:
                phones.append(f"+{rng.choice([1, 44, 49, 33, 353])} {rng.randint(20, 999)} "
                              f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}")  # fmt: skip
            tags = rng.sample(TAGS, rng.choice([0, 1, 1, 2, 2, 3]))
            stage_index = rng.choices(range(len(STAGES)), STAGE_WEIGHTS)[0]
            birthday = None
            if rng.random() < 0.3:
                day = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
                birthday = day.isoformat() if rng.random() < 0.7 else f"--{day:%m-%d}"
            fields = {}
            if rng.random() < 0.1:
                fields = rng.choice([{"pickup": "saturday"}, {"invoice": "monthly"},
                                     {"allergy": "nuts"}, {"vat": f"GB{rng.randint(10**8, 10**9)}"}])  # fmt: skip
            # Ids follow creation time, as they do in a database that grew by hand.
            at = start + timedelta(seconds=span * (i + rng.random()) / contacts * 0.98)
            contact_id = store.contacts.add(
                name=name, org=org, stage=STAGES[stage_index], birthday=birthday, note=note,
                fields=fields, emails=emails, phones=phones, tags=tags, at=at, uid=_uid(rng),
            )  # fmt: skip
            ids.append(contact_id)
            created.append(at)

            # Stage history: "add" into the first stage, then each move by the user.
            store.contacts.add_stage_change(contact_id, None, STAGES[0], at, "add")
            moved = at
            for step in range(1, stage_index + 1):
                moved = moved + (now - moved) * rng.uniform(0.05, 0.5)
                store.contacts.add_stage_change(contact_id, STAGES[step - 1], STAGES[step], moved, "user")
                counts["stage_changes"] += 1
            counts["stage_changes"] += 1

            # Interactions happen between the contact's creation and now.
            life = (now - at).total_seconds()
            for _ in range(rng.randint(*INTERACTIONS_PER_CONTACT)):
                pending.append((at + timedelta(seconds=life * rng.random()), i))

        # Interactions go in in time order, across contacts, as a real log grows.
        pending.sort()
        for at, i in pending:
            kind = rng.choices(kinds, kind_weights)[0]
            amount = None
            if kind == "order":
                amount = Decimal(int(rng.lognormvariate(3.5, 1.0) * 100)) / 100
            # Most are logged as they happen, some a day or two later.
            logged = at if rng.random() < 0.8 else min(now, at + timedelta(hours=rng.uniform(1, 48)))
            store.activity.add(contact_id=ids[i], kind=kind, at=at, text=rng.choice(TEXTS[kind]),
                                     amount=amount, created=logged, uid=_uid(rng))  # fmt: skip
        counts["interactions"] = len(pending)
        del pending

        # One open reminder per contact: a few overdue, a few today, most ahead.
        for i, contact_id in enumerate(ids):
            roll = rng.random()
            if roll < SHARE_OVERDUE:
                due_on = today - timedelta(days=rng.randint(1, 60))
                counts["overdue"] += 1
            elif roll < SHARE_OVERDUE + SHARE_TODAY:
                due_on = today
                counts["due_today"] += 1
            else:
                due_on = today + timedelta(days=rng.randint(1, 365))
            rule = rng.choice(RULES) if rng.random() < SHARE_RECURRING else None
            if i == bench_contact:
                rule = None  # ``done`` completes this one: one-off, so it really closes
            counts["recurring"] += rule is not None
            due_time = clock(rng.choice([9, 10, 11, 14, 15, 16]), rng.choice([0, 30])) if rng.random() < 0.25 else None
            made = min(now, max(created[i], datetime.combine(due_on, clock(9)).astimezone()
                                - timedelta(days=rng.randint(1, 90))))  # fmt: skip
            reminder_id = store.reminders.add(contact_id=contact_id, text=rng.choice(REMINDER_TEXTS),
                                                due_on=due_on, due_time=due_time, rule=rule, created=made,
                                                uid=_uid(rng))  # fmt: skip
            if i == bench_contact:
                bench_reminder = reminder_id
        counts["reminders"] = len(ids)
        counts["contacts"] = len(ids)
    store.close()

    return {
        "generator_version": GENERATOR_VERSION,
        "schema_version": len(migrations.MIGRATIONS),
        "schema_key": schema_key(),
        "contacts": contacts,
        "seed": seed,
        "now": now_text,
        "counts": counts,
        "rare_term": RARE_TERM,
        "bench_contact_id": ids[bench_contact] if ids else None,
        "bench_reminder_id": bench_reminder,
        "bytes": path.stat().st_size,
    }


def ensure(contacts: int, seed: int = DEFAULT_SEED, now: str = DEFAULT_NOW, quiet: bool = False,
           regenerate: bool = False) -> tuple[Path, dict]:  # fmt: skip
    """The cached database for these arguments, generated first when missing (or asked to)."""
    path = cache_path(contacts, seed, now)
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists() and not regenerate:
        return path, json.loads(meta_path.read_text())
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    if not quiet:
        print(f"generating {contacts:,} contacts (seed {seed}) -> {path.name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    meta = generate(partial, contacts, seed, now)
    meta["generate_seconds"] = round(time.perf_counter() - started, 1)
    meta_path.unlink(missing_ok=True)
    os.replace(partial, path)  # only a complete file ever has the cache name
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    # Older builds of the same database (earlier generator or schema) are dead weight now.
    for stale in OUT_DIR.glob(f"minicrm-g*-schema*-n{contacts}-s{seed}-{path.stem.rsplit('-', 1)[1]}.*"):
        if stale.stem != path.stem and stale.suffix in (".db", ".json"):
            stale.unlink()
    if not quiet:
        print(f"  done in {meta['generate_seconds']} s, {meta['bytes'] / 2**20:.0f} MiB", file=sys.stderr)
    return path, meta


# Numbers the phonenumbers library holds valid (import checks them; the database
# generator above writes through the store and does not), from ranges wide enough
# that 100,000 rows rarely share one (a shared phone is a duplicate to import).
IMPORT_PHONES = [
    lambda rng: f"+1 415 {rng.randint(2000000, 9999999)}",
    lambda rng: f"+49 30 {rng.randint(1000000, 99999999)}",
    lambda rng: f"+33 1 {rng.randint(10000000, 99999999)}",
    lambda rng: f"+353 1 {rng.randint(1000000, 9999999)}",
]


# The header of a Google Contacts CSV export ("Export > Google CSV", as of 2024), as
# tests/fixtures/google_contacts.csv has it: what a person moving to minicrm brings.
GOOGLE_HEADER = ["First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
                 "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name",
                 "Organization Title", "Organization Department", "Birthday", "Notes", "Photo", "Labels",
                 "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value"]  # fmt: skip


def import_csv(rows: int, seed: int = DEFAULT_SEED) -> Path:
    """A Google Contacts CSV of ``rows`` new contacts (given and family name, email, phone,
    organisation, labels), with Google's header and its ``* myContacts ::: label`` labels:
    the import benchmark's input, cached in bench/out/."""
    path = OUT_DIR / f"import-google-g{GENERATOR_VERSION}-{rows}-s{seed}.csv"
    if path.exists():
        return path
    import csv

    rng = random.Random(seed + 1)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(GOOGLE_HEADER)
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{_ascii(f'{first} {last}')}.import{i}@{rng.choice(DOMAINS)}" if rng.random() < 0.9 else ""
            phone = rng.choice(IMPORT_PHONES)(rng) if rng.random() < 0.7 else ""
            org = f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}" if rng.random() < 0.6 else ""
            labels = " ::: ".join(["* myContacts", *rng.sample(TAGS, rng.choice([0, 1, 2]))])
            writer.writerow([first, "", last, "", "", "", "", "", "", "", org, "", "", "", "", "", labels,
                             "* Other" if email else "", email, "Mobile" if phone else "", phone])  # fmt: skip
    os.replace(partial, path)
    return path


def import_ndjson(contacts: int, seed: int = DEFAULT_SEED, now: str = DEFAULT_NOW) -> tuple[Path, int]:
    """An NDJSON file as ``minicrm export all`` writes one: ``contacts`` contacts with a uid each, then
    10 interactions per contact on average and one reminder each, referring to them by uid; the
    bulk benchmark's second input, cached in bench/out/. Returns (path, number of records)."""
    path = OUT_DIR / f"import-g{GENERATOR_VERSION}-{contacts}-s{seed}.ndjson"
    if not path.exists():
        rng = random.Random(seed + 2)
        end = parse_now(now)
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        with partial.open("w", encoding="utf-8") as out:
            for i in range(contacts):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                record = {"type": "contact", "uid": f"ndjson-{i}", "name": f"{first} {last}",
                          "emails": [f"{_ascii(f'{first} {last}')}.ndjson{i}@{rng.choice(DOMAINS)}"]}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            for i in range(contacts):
                for _ in range(rng.randint(5, 15)):
                    kind = rng.choices(kinds, weights)[0]
                    at = end - timedelta(days=rng.uniform(1, 3 * 365))
                    record = {"type": "interaction", "contact_uid": f"ndjson-{i}", "kind": kind,
                              "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "text": rng.choice(TEXTS[kind])}
                    if kind == "order":
                        record["amount"] = f"{rng.randint(500, 50000) / 100:.2f}"
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            for i in range(contacts):
                due = end.date() + timedelta(days=rng.randint(-10, 365))
                record = {"type": "reminder", "contact_uid": f"ndjson-{i}", "text": rng.choice(REMINDER_TEXTS),
                          "due_on": due.isoformat()}
                if rng.random() < 0.2:
                    record["rule"] = rng.choice(RULES)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(partial, path)
    with path.open("rb") as lines:
        return path, sum(1 for _ in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1000, help="how many contacts (default 1000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--now", default=DEFAULT_NOW, help=f"the clock, ISO local time (default {DEFAULT_NOW})")
    parser.add_argument("--out", type=Path, help="write here (default: the cache in bench/out/, reused if present)")
    args = parser.parse_args()
    if args.contacts < 1:
        parser.error("--contacts must be at least 1")
    parse_now(args.now)  # fail early on a bad --now
    if args.out is None:
        path, meta = ensure(args.contacts, args.seed, args.now)
    else:
        if args.out.exists():
            parser.error(f"{args.out} already exists; remove it first")
        started = time.perf_counter()
        meta = generate(args.out, args.contacts, args.seed, args.now)
        meta["generate_seconds"] = round(time.perf_counter() - started, 1)
        path = args.out
    print(json.dumps({"path": str(path), **meta}, indent=2))


if __name__ == "__main__":
    main()
