"""Reading a tournament ticket's fields out of OCR text: pure, no I/O, never raises.

``parse_ticket(text)`` finds, in Russian or English, the event name, the date, the buy-in
and fee (with their currency), the starting stack and the venue.  It looks for labelled
lines first (``Buy-in: 100 + 10``, ``Дата: 02.03.2025``, ``Стартовый стек 20 000``), then
falls back to what a ticket without labels shows: a date anywhere, an amount with a
currency, ``20,000 chips``, a line naming a casino or club, and the first prominent line as
the event's name.

OCR noise is expected: labels are matched after folding look-alike letters (Latin ``B``
read for Cyrillic ``В`` and the like), digits inside numbers are repaired (``2O25`` ->
``2025``, ``l00`` -> ``100``), and stray punctuation around values is dropped.

Modules: ``text`` (normalising lines, folding, digit repair), ``labels`` (field labels per
language), ``dates``, ``amounts`` (prices, currencies, stacks), ``names`` (name and venue
text), ``reading`` (labels then guesses, assembled into ``TicketFields``).
"""

from services.ocr.ticket.reading import has_fields, nothing_read, parse_ticket

__all__ = ["has_fields", "nothing_read", "parse_ticket"]
