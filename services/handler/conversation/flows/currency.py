"""/currency shows and sets the player's default currency; /rate sets exchange rates against it.

``/currency`` shows it with buttons for the common ones (and waits for a code typed instead);
``/currency EUR`` (or ``€``, ``руб``) sets it.  Setting it also gives it to the player's
tournaments that have no currency, and says how many.  A player without one is asked once,
when a tournament is saved without a currency (``ask_once``, called by ``register``); the
question is never repeated, answered or not.

``/rate USD 0.92``: 1 USD = 0.92 of the default currency; ``/rate`` lists the rates,
``/rate USD -`` removes one.  /stats and /graph use them to add all currencies up.
"""

from __future__ import annotations

import dataclasses

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context
from services.handler.conversation.replies import Keyboard
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.conversation.views import rate_example, rate_line
from services.handler.domain.currency import ISO_CODES, read_currency
from services.handler.domain.rates import example_code, parse_rate
from services.handler.domain.records import Tournament

CLEAR = {"-", "—", "off", "none", "нет"}
MAX_SHOWN = 40  # characters of a wrong value repeated back


def _shown(text: str) -> str:
    s = " ".join(text.split())
    return s if len(s) <= MAX_SHOWN else s[: MAX_SHOWN - 1] + "…"


async def show(ctx: Context) -> None:
    """/currency [code]: set it, or show it and wait for one."""
    if ctx.incoming.args:
        await _choose(ctx, ctx.incoming.args)
        return
    current = ctx.settings.currency
    ctx.state = ConversationState(step=Step.CURRENCY)
    text = ctx.texts.currency_current.format(currency=current) if current else ctx.texts.currency_none
    ctx.say(text, keyboards.currencies())


async def on_text(ctx: Context) -> None:
    await _choose(ctx, ctx.incoming.text)


async def on_button(ctx: Context) -> None:
    """A currency button: from /currency or from the question asked once; honoured in any step."""
    code = keyboards.argument(ctx.incoming.callback_data)
    if code not in ISO_CODES:
        ctx.answer_callback(ctx.texts.button_expired)
        return
    ctx.answer_callback()
    if ctx.state.step is Step.CURRENCY:
        ctx.state = IDLE
    await set_default(ctx, code)


async def _choose(ctx: Context, text: str) -> None:
    code = read_currency(text)
    if code is None:  # the step stays open for another try
        ctx.state = ConversationState(step=Step.CURRENCY)
        ctx.say(ctx.texts.currency_bad.format(value=_shown(text)), keyboards.currencies())
        return
    ctx.state = IDLE
    await set_default(ctx, code)


async def set_default(ctx: Context, code: str) -> None:
    """Make ``code`` the default currency and give it to the tournaments that have none."""
    chosen = dataclasses.replace(ctx.settings, currency=code)
    await ctx.tracker.save_settings(ctx.player, chosen)
    ctx.settings = chosen
    filled = await ctx.tracker.fill_currency(ctx.user_id, code)
    lines = [ctx.texts.currency_set.format(currency=code)]
    if filled:
        lines.append(ctx.texts.currency_filled.format(count=filled))
    ctx.say("\n".join(lines))


async def ask_once(ctx: Context, saved: Tournament) -> Keyboard | None:
    """After ``saved`` is stored: if its currency matters and was never asked (or was asked by
    this very update, run again), mark it asked and return the question's buttons (the caller
    adds ``texts.currency_ask`` to its reply, so the player gets one message); else ``None``."""
    s, update_id = ctx.settings, ctx.incoming.update_id
    if saved.currency or s.currency or s.currency_asked_by not in (None, update_id):
        return None
    asked = dataclasses.replace(s, currency_asked_by=update_id)
    await ctx.tracker.save_settings(ctx.player, asked)
    ctx.settings = asked
    return keyboards.currencies()


async def rate(ctx: Context) -> None:
    """/rate, /rate USD 0.92, /rate USD -."""
    texts, base = ctx.texts, ctx.settings.currency
    if not base:
        ctx.say(texts.rate_no_default)
        return
    words = ctx.incoming.args.split()
    if not words:
        await _list(ctx, base)
        return
    if len(words) != 2:
        ctx.say(texts.rate_usage.format(
            currency=base, example=rate_example(base, texts), code=example_code(base)
        ))
        return
    code = read_currency(words[0])
    if code is None:
        ctx.say(texts.rate_bad_code.format(value=_shown(words[0]), example=rate_example(base, texts)))
    elif code == base:
        ctx.say(texts.rate_for_default.format(currency=base))
    elif words[1] in CLEAR:
        rates = await ctx.tracker.rates(ctx.user_id, base)
        if code not in rates:
            ctx.say(texts.rate_not_set.format(code=code, currency=base))
            return
        await ctx.tracker.delete_rate(ctx.user_id, base, code)
        ctx.say(texts.rate_removed.format(rate=rate_line(code, rates[code], base, texts)))
    elif (value := parse_rate(words[1])) is None:
        ctx.say(texts.rate_bad_value.format(
            value=_shown(words[1]), code=code, currency=base, example=rate_example(base, texts, code)
        ))
    else:
        await ctx.tracker.set_rate(ctx.player, base, code, value)
        ctx.say(texts.rate_set.format(rate=rate_line(code, value, base, texts)))


async def _list(ctx: Context, base: str) -> None:
    rates = await ctx.tracker.rates(ctx.user_id, base)
    if not rates:
        ctx.say(ctx.texts.rate_list_empty.format(currency=base, example=rate_example(base, ctx.texts)))
        return
    lines = "\n".join(rate_line(code, value, base, ctx.texts) for code, value in rates.items())
    ctx.say(ctx.texts.rate_list.format(currency=base, rates=lines, code=next(iter(rates))))
