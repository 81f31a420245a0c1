"""Time `minicrm mail import` of a 10,000-message mbox, as whole processes (target: under a minute).

    .venv/bin/python bench/mail_import.py                  # 10,000 messages, 1,000 known contacts
    .venv/bin/python bench/mail_import.py --messages 2000  # a quick check

Builds, in a temporary folder, a database of ``--contacts`` contacts (imported from a CSV
with ``minicrm import``) and a deterministic mbox of ``--messages`` messages written with
the standard library: 70% from or to known contacts (a third with a Cc to a second one),
20% with strangers, 5% mailing-list posts (List-Id), 3% without a Message-ID, 2% a
message repeated; two in three are multipart (plain + HTML alternative), one in ten
HTML only, one in two hundred carries a 1 MB attachment. Then it times, with peak RSS
from ``os.wait4``:

* the first import (every message logged or counted),
* the same import again (everything already logged: the idempotence check's cost),

and prints the figures and the summary line minicrm wrote. Nothing is written under
``src/``; the files are deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import mailbox
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0
WORDS = ("order cake bread delivery invoice quote tasting friday tomorrow thanks please gluten free rye "
         "sourdough wedding birthday price sample box dozen monday pickup address change confirm").split()  # fmt: skip


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def build(folder: Path, contacts: int, messages: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    csv = folder / "contacts.csv"
    with open(csv, "w") as out:
        out.write("name,email\n")
        for i in range(contacts):
            out.write(f"Customer {i},customer{i}@example.com\n")
    box_path = folder / "archive.mbox"
    box = mailbox.mbox(box_path)
    start = datetime(2025, 11, 18, 8, tzinfo=timezone.utc)
    me = "me@bakery.example"
    previous = None
    for n in range(messages):
        roll = rng.random()
        if previous is not None and roll < 0.02:
            box.add(previous)  # the same message again
            continue
        m = EmailMessage()
        known = f"Customer {rng.randrange(contacts)} <customer{rng.randrange(contacts)}@example.com>"
        stranger = f"Someone {n} <someone{n}@elsewhere.example>"
        other = known if roll < 0.72 else stranger
        if rng.random() < 0.5:
            m["From"], m["To"] = other, me
        else:
            m["From"], m["To"] = me, other
        if roll < 0.72 and rng.random() < 0.33:
            m["Cc"] = f"customer{rng.randrange(contacts)}@example.com"
        m["Subject"] = ("Re: " if rng.random() < 0.4 else "") + sentence(rng, 4)
        m["Date"] = format_datetime(start + timedelta(minutes=50 * n + rng.randrange(40)))
        if roll > 0.03 + 0.02:
            m["Message-ID"] = f"<{seed}.{n}@bench.example>"
        if 0.92 < roll < 0.97:
            m["List-Id"] = "<news.bakery-suppliers.example>"
        body = "\n\n".join(sentence(rng, rng.randrange(6, 30)) for _ in range(rng.randrange(1, 5)))
        body += "\n\nOn Mon, someone wrote:\n> " + sentence(rng, 12) + "\n-- \nThe Bakery\n"
        kind = rng.random()
        if kind < 0.1:
            m.set_content(f"<html><body><p>{body}</p></body></html>", subtype="html")
        else:
            m.set_content(body)
            if kind < 0.67:
                m.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
        if rng.random() < 0.005:
            m.add_attachment(rng.randbytes(1 << 20), maintype="application", subtype="pdf", filename="menu.pdf")
        box.add(m)
        previous = m
    box.flush()
    box.close()
    return csv, box_path


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB, and standard error of one run."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    stderr = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {stderr}")
    return seconds, usage.ru_maxrss / 1024, stderr.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="minicrm-mail-bench-"))
    try:
        csv, box = build(folder, args.contacts, args.messages, args.seed)
        minicrm = str(Path(sys.executable).with_name("minicrm"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MINICRM"))}
        env.update(MINICRM_DB=str(folder / "crm.db"), MINICRM_NOW="2026-11-18T09:30:00", TZ="UTC")
        subprocess.run([minicrm, "import", str(csv)], env=env, check=True, capture_output=True)
        size = box.stat().st_size / (1 << 20)
        print(f"{args.messages} messages ({size:.0f} MiB mbox), {args.contacts} contacts; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
        for label in ("first import", "import again"):
            seconds, rss, summary = timed([minicrm, "mail", "import", str(box), "--me", "me@bakery.example"], env)
            mark = "✓" if seconds < TARGET_SECONDS else "✗"
            print(f"{label:>13}: {seconds:6.1f} s {mark} (target < {TARGET_SECONDS:.0f} s), "
                  f"{args.messages / seconds:,.0f} messages/s, peak RSS {rss:.0f} MiB")  # fmt: skip
            print(f"{'':>15}{summary.splitlines()[-1]}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
