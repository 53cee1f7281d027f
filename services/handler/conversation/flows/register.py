"""/register: the whole tournament in one line, or step by step with buttons.

One line: ``Name | DD.MM.YYYY | buy-in[+fee] | venue [| game] [| format]``, on the command or
after it.  Anything else sent after /register is taken as the name, and the bot asks for the
date (Today / Yesterday / Tomorrow buttons), the buy-in, the venue (a button with the current
venue), the game type and the format (buttons); the format press saves the tournament.

A date may be ``DD.MM`` (the nearest such date); the buy-in may carry its currency (``$50+5``,
``1000 руб``), which the tournament keeps; without one it gets the player's default currency.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context
from services.handler.conversation.flows import currency
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.conversation.views import draft_card
from services.handler.domain import parsing
from services.handler.domain.edits import Draft
from services.handler.domain.parsing import ErrorCode, ParseError
from services.handler.domain.records import Format, Game, TournamentFields
from services.handler.domain.reminders import reminder_due

# The date buttons' arguments, in days from today (``rd:today`` and ``rd:yday`` as before).
_DATE_BUTTONS = {"today": 0, "yday": -1, "tmrw": 1}

AWAITING_LINE = ConversationState(step=Step.REGISTER)


async def start(ctx: Context) -> None:
    if ctx.incoming.args:
        await _register_line(ctx, ctx.incoming.args)
    else:
        ctx.state = AWAITING_LINE
        ctx.say(ctx.texts.register_prompt)


async def on_first_text(ctx: Context) -> None:
    """The one-line tournament, or the name that starts the step-by-step way."""
    text = ctx.incoming.text
    if parsing.looks_like_one_line(text):
        await _register_line(ctx, text)
        return
    name = parsing.parse_name(text)
    if isinstance(name, ParseError):
        ctx.say(ctx.texts.register_errors[ErrorCode.BAD_NAME])
        return
    _next(ctx, Step.REG_DATE, Draft(name=name))


async def on_date(ctx: Context) -> None:
    played_on = parsing.parse_date(ctx.incoming.text, ctx.today)
    if isinstance(played_on, ParseError):
        ctx.say(ctx.texts.step_bad_date.format(value=played_on.value), keyboards.dates(ctx.texts))
        return
    _next(ctx, Step.REG_BUY_IN, _draft(ctx).apply({"played_on": played_on}))


async def on_date_button(ctx: Context) -> None:
    days = _DATE_BUTTONS.get(keyboards.argument(ctx.incoming.callback_data))
    if ctx.state.step is not Step.REG_DATE or days is None:
        await stale(ctx)
        return
    _next(ctx, Step.REG_BUY_IN, _draft(ctx).apply({"played_on": ctx.today + timedelta(days=days)}))


async def on_buy_in(ctx: Context) -> None:
    money = parsing.parse_buy_in(ctx.incoming.text)
    if isinstance(money, ParseError):
        mixed = money.code is ErrorCode.MIXED_CURRENCY
        ctx.say((ctx.texts.mixed_currency if mixed else ctx.texts.step_bad_buy_in).format(value=money.value))
        return
    changes = {"buy_in": money.buy_in, "fee": money.fee} | ({"currency": money.currency} if money.currency else {})
    await _ask_venue(ctx, _draft(ctx).apply(changes))


async def _ask_venue(ctx: Context, draft: Draft) -> None:
    venue = await ctx.tracker.venue(ctx.user_id)
    ctx.state = ConversationState(step=Step.REG_VENUE, draft=draft)
    question = ctx.texts.step_ask_venue if venue is None else ctx.texts.step_ask_venue_or_current
    ctx.say(question, keyboards.current_venue(venue))


async def on_venue(ctx: Context) -> None:
    venue = parsing.parse_name(ctx.incoming.text, ErrorCode.BAD_VENUE)
    if isinstance(venue, ParseError):
        ctx.say(ctx.texts.step_bad_venue)
        return
    _next(ctx, Step.REG_GAME, _draft(ctx).apply({"venue": venue}))


async def on_venue_button(ctx: Context) -> None:
    venue = await ctx.tracker.venue(ctx.user_id)
    if ctx.state.step is not Step.REG_VENUE or venue is None:
        await stale(ctx)
        return
    _next(ctx, Step.REG_GAME, _draft(ctx).apply({"venue": venue}))


async def on_game_text(ctx: Context) -> None:
    game = parsing.parse_game(ctx.incoming.text)
    if isinstance(game, ParseError):
        ctx.say(ctx.texts.step_tap_game, keyboards.games(ctx.texts))
        return
    _next(ctx, Step.REG_FORMAT, _draft(ctx).apply({"game": game}))


async def on_game_button(ctx: Context) -> None:
    raw = keyboards.argument(ctx.incoming.callback_data)
    if ctx.state.step is not Step.REG_GAME or raw not in Game.__members__.values():
        await stale(ctx)
        return
    _next(ctx, Step.REG_FORMAT, _draft(ctx).apply({"game": Game(raw)}))


async def on_format_text(ctx: Context) -> None:
    fmt = parsing.parse_format(ctx.incoming.text)
    if isinstance(fmt, ParseError):
        ctx.say(ctx.texts.step_tap_format, keyboards.formats(ctx.texts))
        return
    await _save(ctx, _draft(ctx).apply({"format": fmt}))


async def on_format_button(ctx: Context) -> None:
    raw = keyboards.argument(ctx.incoming.callback_data)
    if ctx.state.step is not Step.REG_FORMAT or raw not in Format.__members__.values():
        await stale(ctx)
        return
    await _save(ctx, _draft(ctx).apply({"format": Format(raw)}))


async def stale(ctx: Context) -> None:
    ctx.answer_callback(ctx.texts.button_expired)


def _draft(ctx: Context) -> Draft:
    return ctx.state.draft or Draft()


def _next(ctx: Context, step: Step, draft: Draft) -> None:
    """Move to ``step`` with ``draft`` and ask its question."""
    ctx.state = ConversationState(step=step, draft=draft)
    texts = ctx.texts
    questions = {
        Step.REG_DATE: (texts.step_ask_date, keyboards.dates(texts)),
        Step.REG_BUY_IN: (texts.step_ask_buy_in, None),
        Step.REG_GAME: (texts.step_ask_game, keyboards.games(texts)),
        Step.REG_FORMAT: (texts.step_ask_format, keyboards.formats(texts)),
    }
    text, keyboard = questions[step]
    ctx.say(text.format(name=draft.name or ""), keyboard)


async def _save(ctx: Context, draft: Draft) -> None:
    fields = draft.fields()
    if fields is None:  # a session from before a field was required: start again
        ctx.state = AWAITING_LINE
        ctx.say(ctx.texts.register_prompt)
        return
    await register(ctx, fields)


async def _register_line(ctx: Context, line: str) -> None:
    parsed = parsing.parse_registration(line, ctx.today)
    if isinstance(parsed, ParseError):
        ctx.state = AWAITING_LINE  # the step stays open: the user corrects and resends
        ctx.say(ctx.texts.register_errors[parsed.code].format(value=parsed.value))
        return
    await register(ctx, parsed)


async def register(ctx: Context, fields: TournamentFields) -> None:
    """Store the tournament (once per update) and say so; shared with the ticket flow.

    Registered with no currency, it is in the player's default one (``""`` while there is none).
    With reminders on, its result reminder is scheduled in the same unit of work
    (flows/reminders.py).
    """
    if not fields.currency and ctx.settings.currency:
        fields = replace(fields, currency=ctx.settings.currency)
    t = await ctx.tracker.register(ctx.player, fields, ctx.incoming.update_id)
    if (hours := ctx.settings.reminder_hours) is not None and t.result is None:
        await ctx.tracker.schedule_reminder(ctx.user_id, t.id, reminder_due(ctx.now, t.played_on, hours))
    ctx.state = IDLE
    saved = ctx.texts.register_saved.format(card=draft_card(Draft.of(t), ctx.texts))
    if (ask := await currency.ask_once(ctx, t)) is not None:
        ctx.say(f"{saved}\n\n{ctx.texts.currency_ask}", ask)
    else:
        ctx.say(saved)
