"""Duplicates and merging: finding contacts that are one person, and making them one.

Likely duplicates share an email or a phone (compared in their normalised
forms), or have very similar names at the same organisation (rapidfuzz's
``token_sort_ratio``, so "Lee, Ann" and "Ann Lee" match), or the same surname and
close given names (Jon/John, Ann/Anne) with no organisation needed (but not two
different ones); names are compared without case or accents. Merging moves
everything of OTHER onto KEEP in one transaction, then deletes OTHER.
"""

from __future__ import annotations

from datetime import datetime

from minicrm.errors import InvalidValue
from minicrm.models import Contact, DuplicatePair, MergeResult, fold
from minicrm.store import Store

NAME_SIMILARITY = 85  # 0-100: "Jon Smith"/"John Smith" 95, "Ann Lee"/"Anne Lee" 93, "Ann Lee"/"Bob Lee" 60


def find(store: Store, *, threshold: int = NAME_SIMILARITY) -> list[DuplicatePair]:
    """Every pair of likely duplicate contacts, with all the reasons it is one."""
    if not 0 < threshold <= 100:
        raise InvalidValue(f"--threshold {threshold} is not between 1 and 100", "E.g. --threshold 85")
    reasons: dict[tuple[int, int], list[str]] = {}
    scores: dict[tuple[int, int], int] = {}
    for kind, value, ids in store.duplicates.shared_values():
        for n, a in enumerate(ids):
            for b in ids[n + 1:]:
                reasons.setdefault((a, b), []).append(f"same {kind} {value}")
                scores[(a, b)] = 100
    groups = list(store.duplicates.sharing_an_org())
    if groups:
        from rapidfuzz import fuzz, utils

        for _org, members in groups:
            prepared = [(contact_id, utils.default_process(name)) for contact_id, name in members]
            for n, (a, first) in enumerate(prepared):
                for b, second in prepared[n + 1:]:
                    score = fuzz.token_sort_ratio(first, second, score_cutoff=threshold)
                    if score:
                        pair = (min(a, b), max(a, b))
                        score = int(round(score))
                        reasons.setdefault(pair, []).append(f"similar name ({score}) and same organisation")
                        scores[pair] = max(scores.get(pair, 0), score)
    _close_given_names(store, reasons, scores)
    if not reasons:
        return []
    names = {}
    for a, b in reasons:
        names.setdefault(a, None)
        names.setdefault(b, None)
    for contact_id in names:
        names[contact_id] = store.contacts.get(contact_id).name
    return [DuplicatePair(a, names[a], b, names[b], "; ".join(why), scores[(a, b)])
            for (a, b), why in sorted(reasons.items(), key=lambda item: (-scores[item[0]], item[0]))]  # fmt: skip


GIVEN_SIMILARITY = 80  # rapidfuzz ratio of two given names: Jon/John 86, Ann/Anne 86, Ann/Bob 0


def _close_given_names(store: Store, reasons: dict, scores: dict) -> None:
    """Pairs with the same surname (last word) and close given names (first word), unless their
    organisations differ (one without is fine)."""
    by_surname: dict[str, list[tuple[int, str, str, str | None]]] = {}
    for contact_id, folded, org in store.duplicates.folded_names():
        words = folded.replace(",", " ").split()
        if len(words) >= 2 and len(words[0]) >= 2:
            by_surname.setdefault(words[-1], []).append((contact_id, words[0], " ".join(words),
                                                         fold(org.strip()) if org else None))  # fmt: skip
    groups = [members for members in by_surname.values() if len(members) > 1]
    if not groups:
        return
    from rapidfuzz import fuzz

    for members in groups:
        for n, (a, given_a, full_a, org_a) in enumerate(members):
            for b, given_b, full_b, org_b in members[n + 1:]:
                pair = (min(a, b), max(a, b))
                if pair in reasons or (org_a and org_b and org_a != org_b):
                    continue
                if not fuzz.ratio(given_a, given_b, score_cutoff=GIVEN_SIMILARITY):
                    continue
                score = int(round(fuzz.token_sort_ratio(full_a, full_b)))
                reasons[pair] = [f"close given names ({score}) and same surname"]
                scores[pair] = score


def merge(store: Store, now: datetime, keep: Contact, other: Contact) -> tuple[Contact, MergeResult]:
    """Move OTHER's interactions, reminders, stage history, emails, phones, tags and fields onto KEEP,
    fill KEEP's empty organisation, birthday and note from OTHER, and delete OTHER: one transaction."""
    if keep.id == other.id:
        raise InvalidValue(f"KEEP and OTHER are the same contact (#{keep.id})", "Name two different contacts")
    emails = [e for e in other.emails if e not in keep.emails]
    phones = [p for p in other.phones if p not in keep.phones]
    tags = [t for t in other.tags if t not in keep.tags]
    fields = {k: v for k, v in other.fields.items() if k not in keep.fields}
    columns: dict[str, object] = {}
    for column in ("org", "birthday", "note"):
        if getattr(other, column) and not getattr(keep, column):
            columns[column] = getattr(other, column)
    if keep.note and other.note and other.note not in keep.note:
        columns["note"] = f"{keep.note}\n\n{other.note}"
    if fields:
        columns["fields"] = {**keep.fields, **fields}
    with store.write():
        moved = store.contacts.move_records(other.id, keep.id)
        store.contacts.delete(other.id)  # after the move: its emails, phones and tags go with it
        store.contacts.update(keep.id, now, **columns)
        store.contacts.replace_lists(keep.id, emails=[*keep.emails, *emails], phones=[*keep.phones, *phones],
                                     tags=[*keep.tags, *tags],
                                     unverified_phones=[*keep.unverified_phones, *other.unverified_phones])  # fmt: skip
    merged = store.contacts.get(keep.id)
    result = MergeResult(
        id=keep.id, name=merged.name, merged_id=other.id, merged_name=other.name,
        interactions=moved["interactions"], reminders=moved["reminders"], stage_changes=moved["stage_changes"],
        emails=tuple(emails), phones=tuple(phones), tags=tuple(tags), fields=tuple(fields),
        filled=tuple(c for c in ("org", "birthday", "note") if c in columns),
    )  # fmt: skip
    return merged, result


def describe(result: MergeResult) -> str:
    """One line for a person: what the merge did."""

    def count(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    text = (f"Merged #{result.merged_id} {result.merged_name} into #{result.id} {result.name}: moved "
            f"{count(result.interactions, 'interaction')}, {count(result.reminders, 'reminder')}, "
            f"{count(result.stage_changes, 'stage change')}")  # fmt: skip
    added = [f"{label} {', '.join(values)}" for label, values in
             (("emails", result.emails), ("phones", result.phones), ("tags", result.tags),
              ("fields", result.fields)) if values]  # fmt: skip
    if added:
        text += "; added " + "; ".join(added)
    if result.filled:
        text += "; took " + ", ".join(result.filled)
    return text + "."
