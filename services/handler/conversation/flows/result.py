"""/result: pick a tournament by button, then type ``place | prize [| bounty]``.

The amounts may carry a currency (``3 | $850``): the tournament's, or the result is refused
naming it and the step stays open.  A tournament without a currency takes the one its result
is written in.
"""

from __future__ import annotations

import dataclasses

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context, fmt_date
from services.handler.conversation.picking import pressed_tournament
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.conversation.views import money, percent
from services.handler.domain import stats
from services.handler.domain.parsing import ParseError
from services.handler.domain.score import parse_score
from services.handler.tracker.model import RecordOutcome

PENDING_LIMIT = 10


async def start(ctx: Context) -> None:
    pending = await ctx.tracker.pending(ctx.user_id, PENDING_LIMIT)
    if not pending:
        ctx.state = IDLE
        ctx.say(ctx.texts.result_none_pending)
        return
    ctx.state = ConversationState(step=Step.RESULT_PICK)
    ctx.say(ctx.texts.result_pick, keyboards.pending_tournaments(pending))


async def on_pick(ctx: Context) -> None:
    """A tournament button, in any step: buttons carry their own context."""
    if (t := await pressed_tournament(ctx)) is None:
        return
    ctx.answer_callback()
    if t.result is not None:
        ctx.say(ctx.texts.result_already.format(name=t.name))
        return
    ctx.state = ConversationState(step=Step.RESULT, tournament_id=t.id)
    ctx.say(ctx.texts.result_ask.format(name=t.name, date=fmt_date(t.played_on)))


async def on_text_while_picking(ctx: Context) -> None:
    ctx.say(ctx.texts.result_pick_first)


async def on_score(ctx: Context) -> None:
    score = parse_score(ctx.incoming.text)
    if isinstance(score, ParseError):  # the step stays open
        ctx.say(ctx.texts.result_errors[score.code].format(value=score.value))
        return
    tournament_id = ctx.state.tournament_id
    t = None if tournament_id is None else await ctx.tracker.get(ctx.user_id, tournament_id)
    if t is None:
        ctx.state = IDLE
        ctx.say(ctx.texts.tournament_unavailable)
        return
    if score.currency and t.currency and score.currency != t.currency:  # the step stays open
        ctx.say(ctx.texts.result_wrong_currency.format(name=t.name, currency=t.currency, typed=score.currency))
        return
    parsed = score.result
    outcome = await ctx.tracker.record_result(ctx.user_id, t.id, parsed, ctx.incoming.update_id)
    ctx.state = IDLE
    if outcome is RecordOutcome.ALREADY_RECORDED:
        ctx.say(ctx.texts.result_already.format(name=t.name))
        return
    if score.currency and not t.currency:  # the result says what the registration did not
        fields = dataclasses.replace(t.editable, currency=score.currency)
        t = await ctx.tracker.save(ctx.user_id, t.id, fields, parsed, ctx.incoming.update_id) or t
    cost = stats.cost(t)
    profit = stats.winnings(parsed) - cost
    ctx.say(
        ctx.texts.result_saved.format(
            name=t.name,
            date=fmt_date(t.played_on),
            place=parsed.place,
            prize=money(parsed.prize, t.currency, ctx.texts),
            bounty=money(parsed.bounty, t.currency, ctx.texts),
            cost=money(cost, t.currency, ctx.texts),
            profit=money(profit, t.currency, ctx.texts, signed=True),
            roi=percent(stats.roi(profit, cost), ctx.texts),
        )
        + (
            ""
            if not parsed.bounty
            else "\n" + ctx.texts.result_saved_bounty.format(bounty=money(parsed.bounty, t.currency, ctx.texts))
        ),
        keyboards.share_result(t, ctx.texts),
    )
