"""/reminders: how long after a tournament to nudge about its result (off, 6, 12, 24 hours);
and the nudge itself, when a reminder the scheduler published reaches the player's partition.

The choice is a player setting (``PlayerSettings.reminder_hours``).  A tournament registered
while reminders are on gets one reminder (``register.register``); turning them off drops the
ones not sent yet; turning them on, or changing the delay, applies to tournaments registered
from then on.  Neither the command, its buttons nor the nudge touch the conversation state,
so they can come in the middle of any step without closing it.
"""

from __future__ import annotations

import dataclasses

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context, fmt_date
from services.handler.domain.reminders import NotAChoice, parse_reminder_choice


def _status(ctx: Context) -> str:
    hours = ctx.settings.reminder_hours
    current = ctx.texts.reminders_off if hours is None else ctx.texts.reminders_after.format(hours=hours)
    return ctx.texts.reminders_status.format(current=current)


async def show(ctx: Context) -> None:
    """``/reminders`` shows the choice with buttons; ``/reminders 12h`` sets it."""
    if not ctx.incoming.args:
        ctx.say(_status(ctx), keyboards.reminder_choices(ctx.texts, ctx.settings.reminder_hours))
        return
    choice = parse_reminder_choice(ctx.incoming.args)
    if isinstance(choice, NotAChoice):
        ctx.say(
            ctx.texts.reminders_bad.format(value=choice.value),
            keyboards.reminder_choices(ctx.texts, ctx.settings.reminder_hours),
        )
        return
    await _set(ctx, choice)


async def on_button(ctx: Context) -> None:
    choice = parse_reminder_choice(keyboards.argument(ctx.incoming.callback_data))
    if isinstance(choice, NotAChoice):
        ctx.answer_callback(ctx.texts.button_expired)
        return
    ctx.answer_callback()
    await _set(ctx, choice)


async def _set(ctx: Context, hours: int | None) -> None:
    new = dataclasses.replace(ctx.settings, reminder_hours=hours)
    if new != ctx.settings:
        await ctx.tracker.save_settings(ctx.player, new)
        if hours is None:
            await ctx.tracker.cancel_reminders(ctx.user_id)
        ctx.settings = new
    ctx.say(ctx.texts.reminders_set_off if hours is None else ctx.texts.reminders_set.format(hours=hours))


async def on_due(ctx: Context) -> None:
    """A reminder fell due: nudge once, if there is still something to nudge about."""
    reminder = ctx.incoming.reminder
    if reminder is None or ctx.settings.reminder_hours is None:
        return
    t = await ctx.tracker.get(ctx.user_id, reminder.tournament_id)
    if t is None or t.result is not None:
        return
    ctx.say(
        ctx.texts.reminder_nudge.format(name=t.name, date=fmt_date(t.played_on)),
        keyboards.enter_result(t, ctx.texts),
    )
