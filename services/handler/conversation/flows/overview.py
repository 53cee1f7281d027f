"""/tournaments and /stats: read-only views, they leave any open step as it was."""

from __future__ import annotations

from services.handler.conversation.context import Context, fmt_date
from services.handler.domain import stats
from services.handler.domain.money import format_amount, format_percent, format_signed

LATEST_LIMIT = 10


async def tournaments(ctx: Context) -> None:
    rows = await ctx.tracker.latest(ctx.user_id, LATEST_LIMIT)
    if not rows:
        ctx.say(ctx.texts.tournaments_empty)
        return
    lines = [ctx.texts.tournaments_header]
    for t in rows:
        common = dict(
            date=fmt_date(t.played_on), name=t.name, venue=t.venue, buy_in=format_amount(t.buy_in)
        )
        if t.result is None:
            lines.append(ctx.texts.tournament_line_pending.format(**common))
        else:
            lines.append(
                ctx.texts.tournament_line_finished.format(
                    place=t.result.place,
                    payout=format_amount(t.result.payout),
                    profit=format_signed(stats.profit(t.buy_in, t.result.payout)),
                    **common,
                )
            )
    ctx.say("\n".join(lines))


async def show_stats(ctx: Context) -> None:
    s = stats.compute_stats(
        await ctx.tracker.finished_amounts(ctx.user_id),
        pending=await ctx.tracker.count_pending(ctx.user_id),
    )
    if s.played == 0:
        ctx.say(ctx.texts.stats_empty)
        return
    ctx.say(
        ctx.texts.stats.format(
            played=s.played,
            pending=s.pending,
            buy_ins=format_amount(s.total_buy_ins),
            payouts=format_amount(s.total_payouts),
            profit=format_signed(s.profit),
            roi=format_percent(s.roi),
            itm=format_percent(s.itm_percent).lstrip("+"),
        )
    )
