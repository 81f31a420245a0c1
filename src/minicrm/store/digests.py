"""Digest sends: ``digest_sends``, one row per digest delivered through a channel (when, the day
and span it covered, the channel, how many items, the format). ``minicrm digest`` looks here
before sending, so a day's digest goes out once per channel. No derived columns.
"""

from __future__ import annotations

from datetime import date

from minicrm.models import DigestSent
from minicrm.store.rows import from_utc_text, to_utc_text
from minicrm.store.session import Repository


class Digests(Repository):
    def sent(self, day: date, span: str, channel: str) -> bool:
        """Whether the digest of ``day`` (``span``) already went out through ``channel``."""
        return self._one("SELECT 1 FROM digest_sends WHERE day = ? AND span = ? AND channel = ?",
                         (day.isoformat(), span, channel)) is not None  # fmt: skip

    def record(self, sent: DigestSent) -> None:
        self._conn.execute(
            "INSERT INTO digest_sends (sent_at, day, span, channel, items, format) VALUES (?, ?, ?, ?, ?, ?)",
            (to_utc_text(sent.sent_at), sent.day.isoformat(), sent.span, sent.channel, sent.items, sent.format),
        )

    def log(self, limit: int | None = None) -> list[DigestSent]:
        """What was sent, newest first."""
        sql = "SELECT sent_at, day, span, channel, items, format FROM digest_sends ORDER BY sent_at DESC, day DESC"
        rows = self._all(sql + " LIMIT ?", (limit,)) if limit is not None else self._all(sql)
        return [DigestSent(from_utc_text(r[0]), date.fromisoformat(r[1]), r[2], r[3], r[4], r[5]) for r in rows]
