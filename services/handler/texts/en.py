from services.handler.domain.csv_io import FileError, RowProblem
from services.handler.domain.parsing import ErrorCode
from services.handler.domain.records import Format, Game
from services.handler.texts import Catalogue

_COMMANDS = (
    "/register — add a tournament (or just send a photo of the ticket)\n"
    "/result — enter the result of a tournament\n"
    "/edit — change a tournament or its result\n"
    "/delete — delete a result or a tournament\n"
    "/tournaments — your latest tournaments\n"
    "/stats — profit, ROI, ITM (/stats 30d, /stats 2025, /stats venue, /stats format)\n"
    "/graph — a chart of your profit\n"
    "/export — all your tournaments as a CSV file (send it back to import)\n"
    "/venue — your current venue; /setvenue <name> to set it\n"
    "/reminders — a reminder to enter results (off, 6h, 12h, 24h)\n"
    "/cancel — stop what you are doing\n"
    "/help — this list"
)
_REGISTER_FORMAT = (
    "Name | DD.MM.YYYY | buy-in | venue\n"
    "For example: Sunday Major | 02.03.2025 | 100+10 | Casino Royal\n"
    "(100+10 is buy-in + fee; you may add the game and format: … | PLO | bounty)"
)
_RESULT_FORMAT = "place | prize, for example: 3 | 850 (a bust-out is: 57 | 0; bounties: 3 | 850 | 120)"
_EDIT_HELP = (
    "Send one or more lines as field: value, for example:\n"
    "buy-in: 100+10\nentries: 2\nrebuys: 50\nfield: 180\nprize: 850\n"
    "Fields: name, date, venue, buy-in, fee, currency, game, format, entries, rebuys, add-ons, "
    "field, stack, place, prize, bounty. Send done to save, /cancel to drop the changes."
)

EN = Catalogue(
    start=(
        "Hi! I keep track of your poker tournaments: register them, log your results, "
        "and see your profit, ROI and ITM.\n\n" + _COMMANDS
    ),
    help="What I can do:\n" + _COMMANDS,
    short_help="I didn't get that. Here is what I understand:\n" + _COMMANDS,
    unknown_command="I don't know the command {command}.\n\n" + _COMMANDS,
    unsupported_message=(
        "I can read text, ticket photos and CSV files from /export.\n\n" + _COMMANDS
    ),
    register_prompt=(
        "Send the tournament in one line:\n" + _REGISTER_FORMAT
        + "\n\nOr send just its name and I'll ask for the rest step by step. /cancel to stop."
    ),
    register_saved="Tournament registered ✅\n{card}\n\nAfter the game, send /result to log how it went.",
    register_errors={
        ErrorCode.BAD_FORMAT: "I need four parts separated by |:\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_NAME: "The name must be 1 to 100 characters.\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_DATE: (
            "«{value}» is not a date I can use. Write it as DD.MM.YYYY, for example 02.03.2025.\n"
            + _REGISTER_FORMAT
        ),
        ErrorCode.BAD_BUY_IN: (
            "«{value}» is not a buy-in. Write an amount such as 100, 52.50 or 100+10 (with the fee).\n"
            + _REGISTER_FORMAT
        ),
        ErrorCode.NEGATIVE_BUY_IN: "The buy-in cannot be negative (you wrote {value}).\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_VENUE: "The venue must be 1 to 100 characters.\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_EXTRA: (
            "«{value}» is neither a game (NLHE, PLO, PLO5, Mixed, Other) nor a format "
            "(freezeout, re-entry, rebuy, bounty, satellite).\n" + _REGISTER_FORMAT
        ),
    },
    step_ask_date="{name}: when is it? Send the date as DD.MM.YYYY or tap a button.",
    step_bad_date="«{value}» is not a date I can use. Send it as DD.MM.YYYY, for example 02.03.2025.",
    step_ask_buy_in="The buy-in? For example 100, or 100+10 for buy-in plus fee.",
    step_bad_buy_in="«{value}» is not a buy-in. Send an amount such as 100, 52.50 or 100+10.",
    step_ask_venue="Where is it played? Send the venue (or tap your current one).",
    step_bad_venue="The venue must be 1 to 100 characters. Send it again.",
    step_ask_game="Which game?",
    step_tap_game="Tap one of the games below (or type NLHE, PLO, PLO5, Mixed or Other).",
    step_ask_format="Which format? Tapping it saves the tournament.",
    step_tap_format=(
        "Tap one of the formats below (or type freezeout, re-entry, rebuy, bounty or satellite)."
    ),
    button_today="Today",
    button_yesterday="Yesterday",
    button_expired="This button is no longer active.",
    result_none_pending="No tournament is waiting for a result. Add one with /register.",
    result_pick="Which tournament? Tap it:",
    result_pick_first="Tap one of the tournament buttons above first, or /cancel.",
    result_ask="{name} ({date})\nSend your result as " + _RESULT_FORMAT + "\n\n/cancel to stop.",
    result_errors={
        ErrorCode.BAD_FORMAT: "Send your result as " + _RESULT_FORMAT,
        ErrorCode.BAD_PLACE: "«{value}» is not a place. The place is a whole number from 1, e.g. " + _RESULT_FORMAT,
        ErrorCode.BAD_PAYOUT: "«{value}» is not an amount. Send " + _RESULT_FORMAT,
        ErrorCode.NEGATIVE_PAYOUT: "The prize cannot be negative (you wrote {value}). Send " + _RESULT_FORMAT,
        ErrorCode.BAD_BOUNTY: "«{value}» is not a bounty amount. Send " + _RESULT_FORMAT,
        ErrorCode.NEGATIVE_BOUNTY: "Bounties cannot be negative (you wrote {value}). Send " + _RESULT_FORMAT,
    },
    result_saved=(
        "Result saved ✅\n{name} ({date})\n🏆 Place: {place}\n💰 Payout: {prize}\n"
        "💵 Cost: {cost}\n📈 Profit: {profit}\n📊 ROI: {roi}"
    ),
    result_saved_bounty="🎯 Bounties: {bounty}\nRe-entries, rebuys, add-ons or the field size: /edit",
    result_already="{name} already has a result. Send /result to pick another tournament.",
    tournament_unavailable="That tournament is not available. Send /tournaments for your list.",
    button_ok="OK",
    edit_pick="Which tournament do you want to change? Tap it:",
    pick_first="Tap one of the tournament buttons above first, or /cancel.",
    edit_intro="{card}\n\n" + _EDIT_HELP,
    edit_help=_EDIT_HELP,
    edit_errors={
        ErrorCode.EDIT_BAD_VALUE: "«{line}»: {expected} Nothing from this message was changed; send it again.",
        ErrorCode.EDIT_EMPTY: "Send field: value lines.{value}",
        ErrorCode.EDIT_TOO_MANY: "At most {value} lines at a time, please.",
        ErrorCode.EDIT_BAD_LINE: "«{value}» is not a field: value line.",
        ErrorCode.EDIT_UNKNOWN_FIELD: "I don't know the field «{value}».",
        ErrorCode.EDIT_EMPTY_VALUE: "«{value}» needs a value after the colon.",
    },
    edit_changed="So far:\n{card}\n\nMore lines, or done to save (/cancel drops the changes).",
    edit_missing="Still missing: {fields}. Send them as field: value lines, then done.",
    edit_result_incomplete=(
        "A result needs both a place and a prize (prize: 0 for a bust-out); bounties need a "
        "result. Fix it with field: value lines (place: -, prize: - removes the result), then done."
    ),
    edit_saved="Saved ✅\n{card}",
    delete_pick="Which tournament? Tap it:",
    delete_confirm="{card}\n\nDelete what?",
    button_delete_result="Delete the result only",
    button_delete_tournament="Delete the whole tournament",
    button_keep="Keep it",
    delete_result_done="The result is deleted; the tournament waits for a new one in /result.",
    delete_done="The tournament is deleted.",
    delete_kept="Nothing was deleted.",
    delete_tap_button="Tap one of the buttons above, or /cancel.",
    venue_none="You have no current venue. Set one with /setvenue <name>, e.g. /setvenue Casino Royal.",
    venue_current=(
        "Your current venue: {venue}\nIt is offered when you register and replaces the venue read off ticket photos. "
        "/setvenue - clears it."
    ),
    setvenue_prompt="Send the name of your current venue (1 to 100 characters), or - to clear it.",
    setvenue_bad="The venue must be 1 to 100 characters. Send it again, or /cancel.",
    venue_cleared="Your current venue is cleared.",
    venue_set="Current venue: {venue} ✅",
    ticket_reading="📷 Reading your ticket… I'll show you what I found in a moment.",
    ticket_unreadable=(
        "I couldn't read that ticket. Please type it in one line instead:\n" + _REGISTER_FORMAT
    ),
    ticket_read="Here is what I read on the ticket:\n{card}\n\nIs it right?",
    ticket_missing="I couldn't find: {fields}. Tap Edit to fill them in.",
    ticket_fill_first="Some fields are missing: fill them in first.",
    ticket_cancelled="Ticket discarded. Nothing was saved.",
    ticket_edit_intro=_EDIT_HELP.replace("done to save", "done when finished"),
    ticket_tap_button="Tap Confirm, Edit or Cancel below the ticket.",
    button_confirm="✅ Confirm",
    button_edit="✏️ Edit",
    button_cancel="✖️ Cancel",
    tournaments_empty="You have no tournaments yet. Add one with /register.",
    tournaments_header="Your latest tournaments:",
    tournament_line_finished="{date} {name} ({venue}) — cost {cost}, place {place}, won {winnings}, profit {profit}",
    tournament_line_pending="{date} {name} ({venue}) — cost {cost}, no result yet",
    stats_empty="No results for {period} yet: register a tournament with /register and log it with /result.",
    stats_header="📊 Your statistics: {period}",
    stats_all_time="all time",
    stats_no_currency="no currency set",
    stats_played="🎲 Tournaments played: {played}\n⏳ Waiting for a result: {pending}",
    stats_money=(
        "🎟 Entries: {entries}\n💵 Total cost: {cost}\n💰 Total winnings: {winnings} "
        "(bounties {bounty})\n📈 Profit: {profit}\n📊 ROI: {roi}\n🎯 ITM: {itm} ({itm_count})\n"
        "🎫 Average buy-in (ABI): {abi}"
    ),
    stats_biggest_win="🏆 Biggest win: {profit} — {name} ({date})",
    stats_best_finish="🥇 Best finish: {place} — {name} ({date})",
    stats_final_tables="🃏 Final tables: {final_tables} of {known} with a known field size",
    stats_group_line="{group}: {played} played, profit {profit}, ROI {roi}, ITM {itm}",
    stats_bad_query=(
        "I don't understand «{value}». Try /stats, /stats 30d, /stats 2025, /stats 03.2025, "
        "/stats venue, /stats format, /stats venue <name> or /stats format bounty."
    ),
    graph_title="PokerTracker: {period}",
    graph_profit_title="Cumulative profit",
    graph_profit_axis="Profit",
    graph_roi_title="ROI by month",
    graph_roi_axis="ROI, %",
    graph_date_axis="Date",
    graph_no_data="No data for this period",
    graph_caption="Your profit over time and ROI by month.",
    graph_currency_caption="Your profit over time and ROI by month, in {currency}.",
    export_caption="All your tournaments ({count}). Edit the file and send it back to import it.",
    document_unsupported=(
        "I can read CSV files in the /export format and ticket photos. This file is neither."
    ),
    import_unavailable="I couldn't download that file (it must be under 1 MB). Please send it again.",
    import_errors={
        FileError.TOO_LARGE: "The file is too large: at most 1 MB, please. {value}",
        FileError.NOT_UTF8: "I can't read the file's text. Save it as CSV in UTF-8 and send it again. {value}",
        FileError.EMPTY: "The file has no rows. {value}",
        FileError.BAD_HEADER: (
            "The file's header is not the /export format ({value}). Start from a file made by /export."
        ),
        FileError.TOO_MANY_ROWS: "The file has too many rows (at most {value}). Split it and send the parts.",
        FileError.MALFORMED: (
            "I can't read the file as CSV (around line {value}). Save it as CSV from a spreadsheet and send it again."
        ),
    },
    import_done="Import done ✅ Added: {added}, updated: {updated}.",
    import_refused="Nothing was imported: {bad} of {total} rows need fixing.",
    import_row_line="Line {line}: {reason}",
    import_more="…and {count} more.",
    import_fix_and_resend="Fix these rows and send the file again.",
    import_row_errors={
        RowProblem.UNKNOWN_ID: "id {value} is not one of your tournaments (leave id empty to add a new one)",
        RowProblem.BAD_ID: "«{value}» is not an id",
        RowProblem.DUPLICATE_ID: "id {value} appears twice",
        RowProblem.BAD_DATE: "«{value}» is not a date (YYYY-MM-DD or DD.MM.YYYY)",
        RowProblem.BAD_NAME: "the name must be 1 to 100 characters",
        RowProblem.BAD_VENUE: "the venue must be 1 to 100 characters",
        RowProblem.MISSING_VALUE: "{value} is required",
        RowProblem.BAD_AMOUNT: "«{value}» is not an amount",
        RowProblem.NEGATIVE_AMOUNT: "«{value}» is negative",
        RowProblem.BAD_PLACE: "«{value}» is not a place (1 or more)",
        RowProblem.BAD_ENTRIES: "«{value}» is not a number of entries (1 to 1000)",
        RowProblem.BAD_FIELD_SIZE: "«{value}» is not a field size",
        RowProblem.BAD_STARTING_STACK: "«{value}» is not a starting stack",
        RowProblem.BAD_CURRENCY: "«{value}» is not a currency code such as USD",
        RowProblem.BAD_GAME: "«{value}» is not a game (NLHE, PLO, PLO5, Mixed, Other)",
        RowProblem.BAD_FORMAT: "«{value}» is not a format (freezeout, reentry, rebuy, bounty, satellite)",
        RowProblem.RESULT_INCOMPLETE: "place and prize go together (bounty needs them too)",
        RowProblem.TOO_MANY_COLUMNS: "the row has more cells than the header",
    },
    # --- reminders ---
    reminders_status=(
        "Result reminders: {current}.\n"
        "If you register a tournament and don't enter its result, I'll remind you once, "
        "after the delay you choose. Pick one below or send /reminders 12h."
    ),
    reminders_off="off",
    reminders_after="{hours} h after the tournament",
    reminders_button_off="Off",
    reminders_button_hours="{hours} h",
    reminders_set=(
        "Done: if a tournament's result isn't in {hours} h after it, I'll remind you once. "
        "This applies to tournaments you register from now on."
    ),
    reminders_set_off="Reminders are off. I won't remind you about results.",
    reminders_bad=(
        "«{value}» is not one of the choices. Send /reminders off, /reminders 6h, "
        "/reminders 12h or /reminders 24h, or press a button."
    ),
    reminder_nudge="⏰ How did {name} ({date}) go? Enter the result while you remember it.",
    reminder_button="✍️ Enter the result",
    cancelled="Cancelled. Nothing is in progress now.",
    nothing_to_cancel="Nothing to cancel: nothing was in progress.",
    session_too_large=(
        "That was more than I can keep for one conversation step. Nothing was changed — "
        "please send less at once, or /cancel."
    ),
    field_names={
        "name": "Name", "date": "Date", "venue": "Venue", "buy_in": "Buy-in", "fee": "Fee",
        "currency": "Currency", "game": "Game", "format": "Format", "entries": "Entries",
        "rebuys": "Rebuys", "addons": "Add-ons", "field_size": "Field", "starting_stack": "Stack",
        "place": "Place", "prize": "Prize", "bounty": "Bounties", "cost": "Cost",
        "profit": "Profit",
    },
    field_hints={
        "name": "the name must be 1 to 100 characters.",
        "date": "write the date as DD.MM.YYYY, e.g. date: 02.03.2025.",
        "venue": "the venue must be 1 to 100 characters.",
        "buy_in": "write an amount, e.g. buy-in: 100 or buy-in: 100+10 (with the fee).",
        "fee": "write an amount, e.g. fee: 10.",
        "currency": "write a three-letter code, e.g. currency: USD (or - to clear).",
        "game": "one of NLHE, PLO, PLO5, Mixed, Other.",
        "format": "one of freezeout, re-entry, rebuy, bounty, satellite.",
        "entries": "a whole number from 1 to 1000 (1 plus re-entries), e.g. entries: 2.",
        "rebuys": "the total spent on rebuys, e.g. rebuys: 50.",
        "addons": "the total spent on add-ons, e.g. add-ons: 20.",
        "field_size": "the number of players, e.g. field: 180 (or - to clear).",
        "starting_stack": "chips, e.g. stack: 20000 or stack: 20k (or - to clear).",
        "place": "a whole number from 1, e.g. place: 3 (or - to clear).",
        "prize": "an amount, e.g. prize: 850 (0 for a bust-out, - to clear).",
        "bounty": "an amount, e.g. bounty: 120 (or - to clear).",
    },
    game_names={
        Game.NLHE: "NLHE", Game.PLO: "PLO", Game.PLO5: "PLO5", Game.MIXED: "Mixed",
        Game.OTHER: "Other",
    },
    format_names={
        Format.FREEZEOUT: "Freezeout", Format.REENTRY: "Re-entry", Format.REBUY: "Rebuy",
        Format.BOUNTY: "Bounty/PKO", Format.SATELLITE: "Satellite",
    },
)
