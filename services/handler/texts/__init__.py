"""Every user-facing text, one catalogue per language.

A catalogue is a frozen dataclass, so a language that misses a text fails at import, and
placeholders are checked by a unit test against the English catalogue (the dictionaries too,
key by key).  Error texts are mappings from the domain's error codes, which a unit test checks
cover every code the flow can meet, in every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.handler.domain.csv_io import FileError, RowProblem
from services.handler.domain.money import NumberStyle
from services.handler.domain.parsing import ErrorCode
from services.handler.domain.records import Format, Game


@dataclass(frozen=True)
class Catalogue:
    start: str
    help: str
    short_help: str
    unknown_command: str  # {command}
    unsupported_message: str
    # Telegram's command menu (pokertracker-admin set-commands): command -> its one-line
    # description, in the order shown; every command of the dispatcher's but /start.
    command_menu: Mapping[str, str]

    # /register, one line
    register_prompt: str
    register_saved: str  # {card}
    register_errors: Mapping[ErrorCode, str]  # parsing.REGISTER_ERRORS -> text, {value}

    # /register, step by step
    step_ask_date: str  # {name}
    step_bad_date: str  # {value}
    step_ask_buy_in: str
    step_bad_buy_in: str  # {value}
    step_ask_venue: str
    step_bad_venue: str
    step_ask_game: str
    step_tap_game: str
    step_ask_format: str
    step_tap_format: str
    button_today: str
    button_yesterday: str
    button_expired: str

    # /result
    result_none_pending: str
    result_pick: str
    result_pick_first: str
    result_ask: str  # {name} {date}
    result_errors: Mapping[ErrorCode, str]  # parsing.RESULT_ERRORS -> text, {value}
    result_saved: str  # {name} {date} {place} {prize} {cost} {profit} {roi}
    result_saved_bounty: str  # {bounty}
    result_already: str  # {name}
    tournament_unavailable: str
    button_ok: str

    # /edit, and the ``field: value`` lines of the ticket's Edit
    edit_pick: str
    pick_first: str
    edit_intro: str  # {card}
    edit_help: str
    # edits.EDIT_ERRORS -> text: {value}, but EDIT_BAD_VALUE's is {line} {expected}
    # (and WRONG_CURRENCY's is {line} {currency})
    edit_errors: Mapping[ErrorCode, str]
    edit_changed: str  # {card}
    edit_missing: str  # {fields}
    edit_result_incomplete: str
    edit_saved: str  # {card}

    # /delete
    delete_pick: str
    delete_confirm: str  # {card}
    button_delete_result: str
    button_delete_tournament: str
    button_keep: str
    delete_result_done: str
    delete_done: str
    delete_kept: str
    delete_tap_button: str

    # /venue, /setvenue
    venue_none: str
    venue_current: str  # {venue}
    setvenue_prompt: str
    setvenue_bad: str
    venue_cleared: str
    venue_set: str  # {venue}

    # ticket photos
    ticket_reading: str
    ticket_unreadable: str
    ticket_read: str  # {card}
    ticket_missing: str  # {fields}
    ticket_fill_first: str
    ticket_cancelled: str
    ticket_edit_intro: str
    ticket_tap_button: str
    button_confirm: str
    button_edit: str
    button_cancel: str

    # /tournaments
    tournaments_empty: str
    tournament_line_finished: str  # {date} {name} {venue} {cost} {place} {winnings} {profit}
    tournament_line_pending: str  # {date} {name} {venue} {cost}

    # /stats
    stats_empty: str  # {period}
    stats_header: str  # {period}
    stats_all_time: str
    stats_no_currency: str
    stats_played: str  # {played} {pending}
    stats_money: str  # {entries} {cost} {winnings} {bounty} {profit} {roi} {itm} {itm_count} {abi}
    stats_biggest_win: str  # {profit} {name} {date}
    stats_best_finish: str  # {place} {name} {date}
    stats_final_tables: str  # {final_tables} {known}
    stats_group_line: str  # {group} {played} {profit} {roi} {itm}
    stats_group_waiting: str  # {group} {pending}: a group with no result yet
    stats_bad_query: str  # {value}

    # /graph
    graph_title: str  # {period}
    graph_profit_title: str
    graph_profit_axis: str
    graph_roi_title: str
    graph_roi_axis: str
    graph_date_axis: str
    graph_no_data: str
    graph_caption: str
    graph_currency_caption: str  # {currency}

    # /export and import
    export_caption: str  # {count}
    document_unsupported: str
    import_unavailable: str
    import_errors: Mapping[FileError, str]  # every file error -> text, {value} (BAD_HEADER's: the /export columns)
    import_done: str  # {added} {updated} {unchanged}
    import_refused: str  # {bad} {total}
    import_row_line: str  # {line} {reason}
    import_more: str  # {count}
    import_fix_and_resend: str
    import_row_errors: Mapping[RowProblem, str]  # every row problem -> reason, {value}

    # --- the venue question, the ticket's venue, the import header, Undo, paging, stats ---
    step_ask_venue_or_current: str  # the venue question when there is a current venue button
    ticket_venue_replaced: str  # {venue} {read}
    import_missing_columns: str  # {columns}
    import_unknown_columns: str  # {columns}
    delete_undo_hint: str  # {minutes}
    button_undo: str
    undo_result_done: str  # {card}
    undo_tournament_done: str  # {card}
    undo_unavailable: str  # {minutes}
    tournaments_page_header: str  # {first} {last} {total}
    button_newer: str
    button_older: str
    stats_avg_finish: str  # {avg} {finished}
    level_names: Mapping[str, str]  # each of stats.LEVELS -> its name (the bounds are added in digits)
    # --- language, menu, groups ---
    language_choose: str
    language_set: str  # the confirmation, in the language chosen
    language_auto: str  # the confirmation of following Telegram's language, in that language
    language_bad: str  # {value}
    button_language_auto: str
    menu_register: str  # the reply keyboard's labels: a press sends the label as a message
    menu_result: str
    menu_stats: str
    menu_graph: str
    menu_hide: str
    menu_shown: str
    menu_hidden: str
    start_from_group: str  # {command}
    group_private_only: str  # {link}
    group_private_only_unlinked: str
    # --- inline sharing ---
    button_share: str
    share_stats_all_title: str
    share_stats_month_title: str
    share_stats_description: str  # {played} {itm} {profit}
    share_stats_all_header: str
    share_stats_month_header: str  # {month}
    share_played: str  # {played}
    share_profit: str  # {profit} {roi}
    share_itm: str  # {itm} {itm_count} {played}
    share_best_finish: str  # {place} {name} {date}
    share_none_title: str
    share_none_description: str
    share_none_text: str
    share_result_title: str  # {name} {place}
    share_result_description: str  # {date} {profit}
    share_result_card: str  # {name} {date} {venue} {place} {won} {profit} {roi}
    share_open_bot: str
    # --- currencies and number formats (/currency, /rate) ---
    numbers: NumberStyle  # how numbers and amounts are written in this language
    currency_current: str  # {currency}
    currency_none: str
    currency_set: str  # {currency}
    currency_filled: str  # {count} tournaments without a currency were given the default
    currency_bad: str  # {value}
    currency_ask: str  # asked once, when a tournament is saved without a currency
    rate_no_default: str
    rate_list: str  # {currency} {rates} {code}
    rate_list_empty: str  # {currency} {example}
    rate_example_words: str  # {code} {currency}: a /rate example where no rough rate is known
    rate_set: str  # {rate}
    rate_removed: str  # {rate}
    rate_not_set: str  # {code} {currency}
    rate_usage: str  # {currency} {example} {code}
    rate_bad_code: str  # {value} {example}
    rate_for_default: str  # {currency}
    rate_bad_value: str  # {value} {code} {currency} {example}
    stats_pending_elsewhere: str  # {count}
    stats_combined: str  # {currency} {cost} {winnings} {profit} {roi}
    stats_rates_used: str  # {rates}
    stats_missing_rate: str  # {currency} {missing} {example}: a /rate command
    stats_unknown_currency: str  # {count}
    stats_no_default: str
    graph_profit_axis_currency: str  # {currency}
    graph_no_currency_caption: str
    graph_combined_caption: str  # {currency} {rates}
    # --- typed amounts, currencies and dates ---
    button_tomorrow: str
    mixed_currency: str  # {value}: a buy-in in two currencies, at the buy-in step
    result_wrong_currency: str  # {name} {currency} {typed}
    # --- reminders ---
    reminders_status: str  # {current}
    reminders_off: str
    reminders_after: str  # {hours}
    reminders_button_off: str
    reminders_button_hours: str  # {hours}
    reminders_set: str  # {hours}
    reminders_set_off: str
    reminders_bad: str  # {value}
    reminder_nudge: str  # {name} {date}
    reminder_button: str

    cancelled: str
    nothing_to_cancel: str
    session_too_large: str  # the step would need more than SESSION_MAX_BYTES of session

    field_names: Mapping[str, str]  # canonical field -> its name in this language
    field_hints: Mapping[str, str]  # canonical field -> what a value looks like
    game_names: Mapping[Game, str]
    format_names: Mapping[Format, str]


def catalogue_for(language_code: str | None) -> Catalogue:
    """Russian for ``ru`` (and its regional variants), English otherwise."""
    from services.handler.texts.en import EN
    from services.handler.texts.ru import RU

    return RU if (language_code or "").lower().split("-")[0] == "ru" else EN
