"""What a tournament the tracker keeps may hold: the bounds every reader of user input checks.

The handler's parsers (typed lines, ``field: value`` edits, CSV import, /stats queries) and
the OCR service's ticket reader refuse the same values, so a ticket read off a photo never
offers what the chat would then refuse to save, and the other way round.
"""

from __future__ import annotations

from decimal import Decimal

MIN_YEAR = 1970
"""The earliest year of a tournament's date: older than any tournament a player logs today,
and the start of the Unix epoch, so every date is a non-negative timestamp."""

MAX_YEAR = 2100
"""The latest year of a tournament's date: far beyond any scheduled event, it only refuses
typos such as ``20255`` read as a year."""

MAX_AMOUNT = Decimal(1_000_000_000)
"""The largest buy-in, fee, prize or bounty (any currency): above the biggest live prizes in
roubles, and 12 digits with cents fit the ``numeric(14, 2)`` columns with room for sums."""

MAX_NAME_CHARS = 100
"""The longest tournament name or venue, in characters: long enough for any real title, short
enough that a card with both stays far below Telegram's 4096-character message; the
``players.venue`` column checks the same bound."""

MAX_PLACE = 1_000_000
"""The highest finishing place: above the field of the largest tournaments ever played."""

MAX_FIELD = 1_000_000
"""The largest field size (players in the tournament), for the same reason as ``MAX_PLACE``."""

MAX_ENTRIES = 1000
"""The most entries (the first plus re-entries) one player can buy in one tournament."""

MAX_STACK = 1_000_000_000
"""The largest starting stack in chips: far above any structure, fits a ``bigint``."""
