"""Every user-facing text, one catalogue per language.

A catalogue is a frozen dataclass, so a language that misses a text fails at import, and
placeholders are checked by a unit test against the English catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Catalogue:
    start: str
    help: str
    short_help: str
    unknown_command: str  # {command}
    unsupported_message: str

    register_prompt: str
    register_saved: str  # {name} {date} {buy_in} {venue}
    register_bad_format: str
    register_bad_name: str
    register_bad_date: str  # {value}
    register_bad_buy_in: str  # {value}
    register_negative_buy_in: str  # {value}
    register_bad_venue: str

    result_none_pending: str
    result_pick: str
    result_pick_first: str
    result_ask: str  # {name} {date}
    result_bad_format: str
    result_bad_place: str  # {value}
    result_bad_payout: str  # {value}
    result_negative_payout: str  # {value}
    result_saved: str  # {name} {date} {place} {payout} {buy_in} {profit} {roi}
    result_already: str  # {name}
    tournament_unavailable: str
    button_ok: str

    tournaments_empty: str
    tournaments_header: str
    tournament_line_finished: str  # {date} {name} {venue} {buy_in} {place} {payout} {profit}
    tournament_line_pending: str  # {date} {name} {venue} {buy_in}

    stats_empty: str
    stats: str  # {played} {pending} {buy_ins} {payouts} {profit} {roi} {itm}

    cancelled: str
    nothing_to_cancel: str


def catalogue_for(language_code: str | None) -> Catalogue:
    """Russian for ``ru`` (and its regional variants), English otherwise."""
    from services.handler.texts.en import EN
    from services.handler.texts.ru import RU

    return RU if (language_code or "").lower().split("-")[0] == "ru" else EN
