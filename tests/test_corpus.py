"""The corpus: real address-book exports from other programs, imported whole.

Every person of every file arrives with their name, emails and phone digits; the
import prints only its own warnings (no library's log line, no traceback); and a
vCard export of what arrived imports again to the same contacts. The files
``tests/fixtures/corpus`` may redistribute are there; the others are read from
``../shared/corpus`` beside the repository when it is there (see SOURCES.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "fixtures" / "corpus"
SHARED = Path(__file__).parents[2] / "shared" / "corpus"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
FILES = sorted({person["file"] for person in EXPECTED} | {f"{p.parent.name}/{p.name}" for p in HERE.glob("*/*.*")
                                                          if p.suffix in (".vcf", ".csv")})  # fmt: skip
# What the import may print on stderr: its warnings, refused records, the reject file and the summary.
OWN_LINES = re.compile(r"^(?:Warning: (?:line|record) \d+: |line \d+: |Wrote the \d+ |… and \d+ more: all \d+ are in |Imported: )")


def corpus_file(name: str) -> Path:
    for folder in (HERE, SHARED):
        if (folder / name).is_file():
            return folder / name
    pytest.skip(f"{name} is in ../shared/corpus only (its licence keeps it out of the repository)")


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def phone_intact(typed: str, stored: list[str]) -> bool:
    """A typed phone is intact when a stored one holds its digits: as typed, or in E.164 (country code
    added, the national trunk 0 and an international 00 dropped)."""
    want = digits(typed.replace("(0)", "")).lstrip("0")
    if not want:  # a text such as "BusinessPhone": kept as typed
        return typed in stored
    return any(digits(s).endswith(want) for s in stored)


def contacts(cli, db) -> list[dict]:
    return cli.ok("--db", db, "list", "--json").json()


def comparable(contact: dict) -> dict:
    return {k: v for k, v in contact.items() if k not in ("id", "created_at", "updated_at", "last_contact_at")}


@pytest.mark.parametrize("name", FILES)
def test_every_person_arrives_whole(cli, tmp_path, name):
    source = corpus_file(name)
    db = tmp_path / "corpus.db"
    result = cli("--db", db, "import", source, "--rejects", tmp_path / "rejects", "--warnings", tmp_path / "warnings")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    for line in result.stderr.splitlines():
        assert OWN_LINES.match(line), f"not the import's own line: {line!r}"
    assert "Traceback" not in result.stderr
    arrived = contacts(cli, db)
    for person in (p for p in EXPECTED if p["file"] == name):
        found = [c for c in arrived if c["name"] == person["name"]]
        assert found, f"{name} line {person['line']}: {person['name']!r} did not arrive ({[c['name'] for c in arrived]})"
        kept = [v for c in found for v in (*c["emails"], *c["phones"], *c["fields"].values())]
        for email in person["emails"]:
            assert any(email.lower() == k.lower() or email in k for k in kept), f"{person['name']}: {email} lost"
        stored = [p for c in found for p in (*c["phones"], *c["fields"].values())]
        for phone in person["phones"]:
            assert phone_intact(phone, stored) or any(phone in s for s in stored), f"{person['name']}: {phone} lost"


@pytest.mark.parametrize("name", FILES)
def test_a_vcard_export_imports_again_to_the_same_contacts(cli, tmp_path, name):
    source = corpus_file(name)
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    cli.ok("--db", first, "import", source, "--rejects", tmp_path / "rejects", "--warnings", tmp_path / "warnings")
    card = tmp_path / "again.vcf"
    card.write_text(cli.ok("--db", first, "export", "contacts", "--to", "vcf").stdout, encoding="utf-8")
    again = cli("--db", second, "import", card)
    assert again.exit_code == 0, again.stderr
    doubts = [line for line in again.stderr.splitlines() if line.startswith("Warning")]
    assert all("kept as typed, unverified" in line for line in doubts), doubts  # only what was in doubt before
    before = sorted((comparable(c) for c in contacts(cli, first)), key=lambda c: c["uid"])
    after = sorted((comparable(c) for c in contacts(cli, second)), key=lambda c: c["uid"])
    assert after == before


def test_the_corpus_counts_every_person():
    """The expectations cover the whole corpus: 139 people in 66 files (ics belongs elsewhere)."""
    assert len(EXPECTED) == 139
    assert len({p["file"] for p in EXPECTED}) <= len(FILES)
