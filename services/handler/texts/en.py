from services.handler.texts import Catalogue

_COMMANDS = (
    "/register — add a tournament\n"
    "/result — enter the result of a tournament\n"
    "/tournaments — your latest tournaments\n"
    "/stats — profit, ROI and ITM\n"
    "/cancel — stop what you are doing\n"
    "/help — this list"
)
_REGISTER_FORMAT = "Name | DD.MM.YYYY | buy-in | venue\nFor example: Sunday Major | 02.03.2025 | 100 | Casino Royal"
_RESULT_FORMAT = "place | payout, for example: 3 | 850 (a bust-out is: 57 | 0)"

EN = Catalogue(
    start=(
        "Hi! I keep track of your poker tournaments: register them, log your results, "
        "and see your profit, ROI and ITM.\n\n" + _COMMANDS
    ),
    help="What I can do:\n" + _COMMANDS,
    short_help="I didn't get that. Here is what I understand:\n" + _COMMANDS,
    unknown_command="I don't know the command {command}.\n\n" + _COMMANDS,
    unsupported_message="I can only read text messages for now.\n\n" + _COMMANDS,
    register_prompt="Send the tournament in one line:\n" + _REGISTER_FORMAT + "\n\n/cancel to stop.",
    register_saved=(
        "Tournament registered ✅\n{name}\n📅 {date}\n💵 Buy-in: {buy_in}\n📍 {venue}\n\n"
        "After the game, send /result to log how it went."
    ),
    register_bad_format="I need four parts separated by |:\n" + _REGISTER_FORMAT,
    register_bad_name="The name must be 1 to 100 characters.\n" + _REGISTER_FORMAT,
    register_bad_date=(
        "«{value}» is not a date I can use. Write it as DD.MM.YYYY, for example 02.03.2025.\n"
        + _REGISTER_FORMAT
    ),
    register_bad_buy_in=(
        "«{value}» is not a buy-in. Write an amount such as 100 or 52.50.\n" + _REGISTER_FORMAT
    ),
    register_negative_buy_in="The buy-in cannot be negative (you wrote {value}).\n" + _REGISTER_FORMAT,
    register_bad_venue="The venue must be 1 to 100 characters.\n" + _REGISTER_FORMAT,
    result_none_pending="No tournament is waiting for a result. Add one with /register.",
    result_pick="Which tournament? Tap it:",
    result_pick_first="Tap one of the tournament buttons above first, or /cancel.",
    result_ask="{name} ({date})\nSend your result as " + _RESULT_FORMAT + "\n\n/cancel to stop.",
    result_bad_format="Send your result as " + _RESULT_FORMAT,
    result_bad_place="«{value}» is not a place. The place is a whole number from 1, e.g. " + _RESULT_FORMAT,
    result_bad_payout="«{value}» is not an amount. Send " + _RESULT_FORMAT,
    result_negative_payout="The payout cannot be negative (you wrote {value}). Send " + _RESULT_FORMAT,
    result_saved=(
        "Result saved ✅\n{name} ({date})\n🏆 Place: {place}\n💰 Payout: {payout}\n"
        "💵 Buy-in: {buy_in}\n📈 Profit: {profit}\n📊 ROI: {roi}"
    ),
    result_already="{name} already has a result. Send /result to pick another tournament.",
    tournament_unavailable="That tournament is not available. Send /result for your list.",
    button_ok="OK",
    tournaments_empty="You have no tournaments yet. Add one with /register.",
    tournaments_header="Your latest tournaments:",
    tournament_line_finished="{date} {name} ({venue}) — buy-in {buy_in}, place {place}, payout {payout}, profit {profit}",
    tournament_line_pending="{date} {name} ({venue}) — buy-in {buy_in}, no result yet",
    stats_empty="No results yet: register a tournament with /register and log it with /result.",
    stats=(
        "Your statistics\n🎲 Tournaments played: {played}\n⏳ Waiting for a result: {pending}\n"
        "💵 Total buy-ins: {buy_ins}\n💰 Total payouts: {payouts}\n📈 Profit: {profit}\n"
        "📊 ROI: {roi}\n🎯 ITM: {itm}"
    ),
    cancelled="Cancelled. Nothing is in progress now.",
    nothing_to_cancel="Nothing to cancel: nothing was in progress.",
)
