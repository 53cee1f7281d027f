from services.handler.domain.csv_io import FileError, RowProblem
from services.handler.domain.money import EN_NUMBERS
from services.handler.domain.parsing import ErrorCode
from services.handler.domain.records import Format, Game
from services.handler.texts import Catalogue
from services.handler.tracker.model import UNDO_MINUTES

_COMMANDS = (
    "📋 Tournaments\n"
    "/register — add a tournament (or just send a photo of the ticket)\n"
    "/result — enter a tournament's result\n"
    "/edit — change a tournament or its result\n"
    f"/delete — delete a result or a tournament (Undo for {UNDO_MINUTES} minutes)\n"
    "/tournaments — all your tournaments, newest first\n\n"
    "📊 Statistics\n"
    "/stats — profit, ROI, ITM; also /stats 30d, /stats 2025, /stats venue (or format, level, game)\n"
    "/graph — a chart of your profit\n"
    "/export — your tournaments as a CSV file: edit it and send it back to import\n\n"
    "⚙️ Settings\n"
    "/currency — your currency; /rate USD 0.92 — exchange rates for /stats\n"
    "/venue — your current venue; /setvenue <name> sets it\n"
    "/reminders — a reminder to enter results (off, 6h, 12h, 24h)\n"
    "/language — English or Russian\n"
    "/menu — buttons under the input field\n"
    "/cancel — stop what you are doing; /help — this list\n\n"
    "📤 To share your stats in any chat, type @ and my username, then stats."
)
_REGISTER_FORMAT = (
    "Name | DD.MM.YYYY | buy-in | venue\n"
    "For example: Sunday Major | 02.03.2025 | 100+10 | Casino Royal\n"
    "(100+10 is buy-in + fee; with the currency: $100+10 or 100+10 EUR; the date may be just 02.03, "
    "the nearest such date; you may add the game and format: … | PLO | bounty)"
)
_RESULT_FORMAT = (
    "place | prize, for example 3 | 850 or 3 | $850 (out of the money: 57 | 0; with bounties: 3 | 850 | 120)"
)
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
    help="What I can do:\n\n" + _COMMANDS,
    short_help="I didn't get that.\nSend /help for what I can do, or tap a menu button (/menu shows them).",
    unknown_command="I don't know the command {command}.\nSend /help for the commands I know, or /menu for buttons.",
    unsupported_message="I read text, ticket photos and CSV files from /export.\nSend /help for what I can do.",
    command_menu={
        "register": "Add a tournament",
        "result": "Enter a tournament's result",
        "stats": "Profit, ROI and ITM",
        "graph": "A chart of your profit",
        "tournaments": "All your tournaments",
        "edit": "Change a tournament or its result",
        "delete": "Delete a result or a tournament",
        "export": "Your tournaments as a CSV file",
        "currency": "Your currency",
        "rate": "Exchange rates for /stats",
        "venue": "Your current venue",
        "setvenue": "Set your current venue",
        "reminders": "A reminder to enter results",
        "language": "Language: English or Russian",
        "menu": "Buttons under the input field",
        "cancel": "Stop what you are doing",
        "help": "What I can do",
    },
    register_prompt=(
        "Send the tournament in one line:\n" + _REGISTER_FORMAT
        + "\n\nOr send just its name and I'll ask for the rest step by step. /cancel to stop."
    ),
    register_saved="Tournament registered ✅\n{card}\n\nAfter the game, send /result to log how it went.",
    register_errors={
        ErrorCode.BAD_FORMAT: "I need four parts separated by |:\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_NAME: "The name must be 1 to 100 characters.\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_DATE: (
            "«{value}» is not a date I can read. Write it as DD.MM.YYYY or DD.MM (the nearest such date), "
            "for example 02.03.2025.\n"
            + _REGISTER_FORMAT
        ),
        ErrorCode.BAD_BUY_IN: (
            "«{value}» is not a buy-in. Write an amount such as 100, 52.50, 100+10 (with the fee) "
            "or $100+10 (with the currency).\n"
            + _REGISTER_FORMAT
        ),
        ErrorCode.NEGATIVE_BUY_IN: "The buy-in cannot be negative (you wrote {value}).\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_VENUE: "The venue's name must be 1 to 100 characters.\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_EXTRA: (
            "«{value}» is neither a game (NLHE, PLO, PLO5, Mixed, Other) nor a format "
            "(freezeout, re-entry, rebuy, bounty, satellite).\n" + _REGISTER_FORMAT
        ),
        ErrorCode.MIXED_CURRENCY: (
            "«{value}» mixes two currencies: write the buy-in and the fee in one, e.g. $100+10.\n" + _REGISTER_FORMAT
        ),
    },
    step_ask_date="{name}: when is it? Send the date as DD.MM.YYYY or just DD.MM, or tap a button.",
    step_bad_date=(
        "«{value}» is not a date I can read. Send it as DD.MM.YYYY or DD.MM, for example 02.03.2025 or 02.03."
    ),
    step_ask_buy_in="The buy-in? For example 100, 100+10 (buy-in plus fee), or with the currency: $100+10, 100+10 EUR.",
    step_bad_buy_in="«{value}» is not a buy-in. Send an amount such as 100, 52.50, 100+10 or $100+10.",
    step_ask_venue="Where is it played? Send the name of the venue.",
    step_bad_venue="The venue's name must be 1 to 100 characters. Send it again.",
    step_ask_game="Which game?",
    step_tap_game="Tap one of the games below (or type NLHE, PLO, PLO5, Mixed or Other).",
    step_ask_format="Which format? Tapping one saves the tournament.",
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
        ErrorCode.BAD_PLACE: "«{value}» is not a place: it is a whole number, 1 or more. Send " + _RESULT_FORMAT,
        ErrorCode.BAD_PAYOUT: "«{value}» is not a prize: write an amount such as 850, 12,500 or $850. Send "
        + _RESULT_FORMAT,
        ErrorCode.NEGATIVE_PAYOUT: "The prize cannot be negative (you wrote {value}). Send " + _RESULT_FORMAT,
        ErrorCode.BAD_BOUNTY: "«{value}» is not a bounty: write an amount such as 120 or $120. Send " + _RESULT_FORMAT,
        ErrorCode.NEGATIVE_BOUNTY: "Bounties cannot be negative (you wrote {value}). Send " + _RESULT_FORMAT,
        ErrorCode.MIXED_CURRENCY: (
            "«{value}» mixes two currencies: write the prize and the bounties in one, e.g. 3 | $850 | $120."
        ),
    },
    result_saved=(
        "Result saved ✅\n{name} ({date})\n🏆 Place: {place}\n💰 Payout: {prize}\n"
        "💵 Cost: {cost}\n📈 Profit: {profit}\n📊 ROI: {roi}"
    ),
    result_saved_bounty="🎯 Bounties: {bounty}\nTo add re-entries, rebuys, add-ons or the field size: /edit",
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
        ErrorCode.WRONG_CURRENCY: (
            "«{line}»: this tournament's amounts are in {currency}. Write it in {currency} or without a currency "
            "(a currency: line changes the tournament's). Nothing from this message was changed; send it again."
        ),
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
        "Your current venue: {venue}\nI offer it when you register and use it instead of the venue read off "
        "ticket photos. /setvenue - clears it."
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
    ticket_missing="I couldn't find: {fields}. Tap «Edit» to fill them in.",
    ticket_fill_first="Some fields are missing: fill them in first.",
    ticket_cancelled="Ticket discarded. Nothing was saved.",
    ticket_edit_intro=_EDIT_HELP.replace("done to save", "done when finished"),
    ticket_tap_button="Tap «Confirm», «Edit» or «Cancel» below the ticket.",
    button_confirm="✅ Confirm",
    button_edit="✏️ Edit",
    button_cancel="✖️ Cancel",
    tournaments_empty="You have no tournaments yet. Add one with /register.",
    tournament_line_finished="{date} {name} ({venue}) — cost {cost}, place {place}, won {winnings}, profit {profit}",
    tournament_line_pending="{date} {name} ({venue}) — cost {cost}, no result yet",
    stats_empty="No results for {period} yet: register a tournament with /register and log its result with /result.",
    stats_header="📊 Your statistics: {period}",
    stats_all_time="all time",
    stats_no_currency="no currency",
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
    stats_group_waiting="{group}: {pending} waiting for a result",
    stats_bad_query=(
        "I don't understand «{value}». Try /stats, /stats 30d, /stats 2025, /stats 03.2025, "
        "/stats venue, /stats format, /stats level, /stats game, /stats venue <name> or /stats format bounty."
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
        "I read CSV files in the /export format and ticket photos. This file is neither."
    ),
    import_unavailable="I couldn't download that file (it must be under 1 MB). Please send it again.",
    import_errors={
        FileError.TOO_LARGE: "The file is too large: at most 1 MB, please. {value}",
        FileError.NOT_UTF8: "I can't read the file's text. Save it as CSV in UTF-8 and send it again. {value}",
        FileError.EMPTY: "The file has no rows. {value}",
        FileError.BAD_HEADER: (
            "The file's first line must be the /export header:\n{value}\n"
            "Required: date, name, venue, buy_in; the other columns may be left out, in any order."
        ),
        FileError.TOO_MANY_ROWS: "The file has too many rows (at most {value}). Split it and send the parts.",
        FileError.MALFORMED: (
            "I can't read the file as CSV (around line {value}). Save it as CSV from a spreadsheet and send it again."
        ),
    },
    import_done="Import done ✅ Added: {added}, updated: {updated}, unchanged: {unchanged}.",
    import_refused="Nothing was imported: rows to fix: {bad} of {total}.",
    import_row_line="Line {line}: {reason}",
    import_more="…and {count} more.",
    import_fix_and_resend="Fix these rows and send the file again.",
    import_row_errors={
        RowProblem.UNKNOWN_ID: "id {value} is not one of your tournaments (leave id empty to add a new one)",
        RowProblem.BAD_ID: "«{value}» is not an id",
        RowProblem.DUPLICATE_ID: "id {value} appears twice",
        RowProblem.BAD_DATE: "«{value}» is not a date (YYYY-MM-DD or DD.MM.YYYY)",
        RowProblem.BAD_NAME: "the name must be 1 to 100 characters",
        RowProblem.BAD_VENUE: "the venue's name must be 1 to 100 characters",
        RowProblem.MISSING_VALUE: "{value} is required",
        RowProblem.BAD_AMOUNT: "«{value}» is not an amount",
        RowProblem.NEGATIVE_AMOUNT: "«{value}» is negative",
        RowProblem.BAD_PLACE: "«{value}» is not a place (1 or more)",
        RowProblem.BAD_ENTRIES: "«{value}» is not a number of entries (1 to 1000)",
        RowProblem.BAD_FIELD_SIZE: "«{value}» is not a field size",
        RowProblem.BAD_STARTING_STACK: "«{value}» is not a starting stack",
        RowProblem.BAD_CURRENCY: "«{value}» is not a currency code such as USD",
        RowProblem.BAD_GAME: "«{value}» is not a game (NLHE, PLO, PLO5, Mixed, Other)",
        RowProblem.BAD_FORMAT: "«{value}» is not a format (freezeout, re-entry, rebuy, bounty, satellite)",
        RowProblem.RESULT_INCOMPLETE: "place and prize go together (bounty needs them too)",
        RowProblem.TOO_MANY_COLUMNS: "the row has more cells than the header",
    },
    # --- the venue question, the ticket's venue, the import header, Undo, paging, stats ---
    step_ask_venue_or_current="Where is it played? Send the name of the venue, or tap your current one.",
    ticket_venue_replaced=(
        "ℹ️ {venue} is your current venue (/setvenue), so I used it instead of «{read}» from the ticket. "
        "Tap «Edit» to change it."
    ),
    import_missing_columns="Missing: {columns}.",
    import_unknown_columns="Not /export columns (or repeated): {columns}.",
    delete_undo_hint="Changed your mind? Tap Undo within {minutes} minutes.",
    button_undo="↩️ Undo",
    undo_result_done="Undone ✅ The result is back:\n{card}",
    undo_tournament_done="Undone ✅ The tournament is back:\n{card}",
    undo_unavailable="This can no longer be undone (Undo works once, within {minutes} minutes of deleting).",
    tournaments_page_header="Your tournaments, newest first: {first}–{last} of {total}",
    button_newer="« Newer",
    button_older="Older »",
    stats_avg_finish="📍 Average finish: {avg} (results counted: {finished})",
    level_names={"micro": "Micro", "low": "Low", "mid": "Mid", "high": "High"},
    # --- language, menu, groups ---
    language_choose="Which language shall I use? «Auto» follows your Telegram app's language.",
    language_set="Done: I'll talk to you in English from now on ✅",
    language_auto="Done: I'll follow your Telegram app's language ✅",
    language_bad=(
        "«{value}» is not a language I speak. Send /language en, /language ru or /language auto, or tap below:"
    ),
    button_language_auto="Auto (as in Telegram)",
    menu_register="📝 Register",
    menu_result="🏁 Result",
    menu_stats="📊 Stats",
    menu_graph="📈 Graph",
    menu_hide="✖️ Hide menu",
    menu_shown="The menu is below the input field. «Hide menu» hides it, /menu brings it back.",
    menu_hidden="Menu hidden. /menu brings it back.",
    start_from_group="You came from a group chat: send /{command} here.",
    group_private_only=(
        "I only work in private chats, so your results stay between us. Continue here: {link}"
    ),
    group_private_only_unlinked=(
        "I only work in private chats, so your results stay between us. Open a chat with me and continue there."
    ),

    # --- inline sharing ---
    button_share="📤 Share",
    share_stats_all_title="📊 My stats: all time",
    share_stats_month_title="📅 My stats: this month",
    share_stats_description="{played} played · ITM {itm} · profit {profit}",
    share_stats_all_header="📊 My poker tournaments, all time",
    share_stats_month_header="📅 My poker tournaments in {month}",
    share_played="🎲 Played: {played}",
    share_profit="📈 Profit: {profit} · ROI {roi}",
    share_itm="🎯 ITM: {itm} ({itm_count} of {played})",
    share_best_finish="🥇 Best finish: {place} — {name} ({date})",
    share_none_title="No results yet",
    share_none_description="Log a tournament's result with /result, then share it from here.",
    share_none_text="No poker tournament results logged yet.",
    share_result_title="🏆 {name}: place {place}",
    share_result_description="{date} · profit {profit}",
    share_result_card=(
        "🏆 {name}\n📅 {date}, {venue}\n🏅 Place: {place}\n💰 Won: {won}\n📈 Profit: {profit}\n📊 ROI: {roi}"
    ),
    share_open_bot="Open PokerTracker",
    # --- currencies and number formats (/currency, /rate) ---
    numbers=EN_NUMBERS,
    currency_current=(
        "Your currency: {currency}. Tournaments typed without a currency get it, and /stats adds everything "
        "up in it (rates for other currencies: /rate).\nTo change it, tap a button or send a code, e.g. EUR."
    ),
    currency_none=(
        "You have no currency of your own yet. Tap yours or send its code (EUR, USD, RUB…) or sign (€ $ ₽ £). "
        "Tournaments without a currency get it."
    ),
    currency_set="Your currency: {currency} ✅",
    currency_filled="Tournaments without a currency now in it: {count}.",
    currency_bad=(
        "«{value}» is not a currency I know. Send a three-letter code such as EUR, USD, RUB or GBP, "
        "or a sign: € $ ₽ £ (/cancel to stop)."
    ),
    currency_ask=(
        "Which currency do you play in? Tap it (or send /currency CHF for another one). "
        "This tournament and the others without a currency get it. I ask only once: "
        "you can set it any time with /currency."
    ),
    rate_no_default="Set your own currency first with /currency, e.g. /currency EUR: rates are against it.",
    rate_list="Your rates against {currency}:\n{rates}\n\nChange one: /rate {code} <rate>; remove: /rate {code} -",
    rate_list_empty=(
        "You have no rates yet. To add up other currencies in {currency}, send /rate with the "
        "currency and how much {currency} one unit is worth, e.g. {example}."
    ),
    rate_example_words="/rate {code} <how much {currency} one {code} is worth>",
    rate_set="Rate saved ✅ {rate}",
    rate_removed="Rate removed: {rate}",
    rate_not_set="There is no rate for {code} against {currency}.",
    rate_usage=(
        "Send /rate with a currency and how much {currency} one unit is worth, e.g. {example}; "
        "/rate {code} - removes it, /rate lists your rates."
    ),
    rate_bad_code="«{value}» is not a currency code I know. Send e.g. {example}.",
    rate_for_default="{currency} is your own currency: its rate is always 1.",
    rate_bad_value=(
        "«{value}» is not a rate. Send how much {currency} one {code} is worth, a number above 0 "
        "and at most 1000000 with up to 8 decimals, e.g. {example}."
    ),
    stats_pending_elsewhere="⏳ Waiting for a result in other currencies: {count}",
    stats_combined=(
        "💱 All together in {currency}:\n💵 Total cost: {cost}\n💰 Total winnings: {winnings}\n"
        "📈 Profit: {profit}\n📊 ROI: {roi}"
    ),
    stats_rates_used="Rates: {rates}",
    stats_missing_rate=(
        "💱 To add it all up in {currency}, set the rate for {missing}, e.g. {example}."
    ),
    stats_unknown_currency=(
        "Tournaments with no currency: {count}. /currency gives them yours; /edit sets one tournament's."
    ),
    stats_no_default="💱 To add all your currencies up in one, set your own with /currency and rates with /rate.",
    graph_profit_axis_currency="Profit, {currency}",
    graph_no_currency_caption="Your profit over time and ROI by month, tournaments with no currency.",
    graph_combined_caption="Your profit over time and ROI by month, all in {currency} ({rates}).",

    # --- typed amounts, currencies and dates ---
    button_tomorrow="Tomorrow",
    mixed_currency="«{value}» mixes two currencies. Write the buy-in and the fee in one, e.g. $100+10 or 100+10 EUR.",
    result_wrong_currency=(
        "{name} is in {currency}, and you wrote the result in {typed}. Send it in {currency} or without a "
        "currency, e.g. 3 | 850."
    ),
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
        "/reminders 12h or /reminders 24h, or tap a button."
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
        "date": "write the date as DD.MM.YYYY or DD.MM, e.g. date: 02.03.2025.",
        "venue": "the venue's name must be 1 to 100 characters.",
        "buy_in": "write an amount, e.g. buy-in: 100, buy-in: 100+10 (with the fee) or buy-in: $100+10 (one currency).",
        "fee": "write an amount, e.g. fee: 10 or fee: $10.",
        "currency": "write a code or a sign, e.g. currency: USD or currency: € (or - to clear).",
        "game": "one of NLHE, PLO, PLO5, Mixed, Other.",
        "format": "one of freezeout, re-entry, rebuy, bounty, satellite.",
        "entries": "a whole number from 1 to 1000 (1 plus re-entries), e.g. entries: 2.",
        "rebuys": "the total spent on rebuys, e.g. rebuys: 50 or rebuys: $50.",
        "addons": "the total spent on add-ons, e.g. add-ons: 20 or add-ons: $20.",
        "field_size": "the number of players, e.g. field: 180 (or - to clear).",
        "starting_stack": "chips, e.g. stack: 20000 or stack: 20k (or - to clear).",
        "place": "a whole number from 1, e.g. place: 3 (or - to clear).",
        "prize": "an amount, e.g. prize: 850 or prize: $850 (0 for a bust-out, - to clear).",
        "bounty": "an amount, e.g. bounty: 120 or bounty: $120 (or - to clear).",
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
