"""/edit: pick a tournament, then change it with ``field: value`` lines until ``done``.

The changes collect in the session's draft and are saved together by ``done``; /cancel drops
them.  A message with a bad line changes nothing and says which line and what is expected.
"""

from __future__ import annotations

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context
from services.handler.conversation.picking import offer_latest, pressed_tournament
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.conversation.views import draft_card, tournament_card
from services.handler.domain.edits import Draft, parse_edit_lines
from services.handler.domain.parsing import ErrorCode, ParseError
from services.handler.texts import Catalogue

DONE_WORDS = {"done", "готово", "/done"}


async def start(ctx: Context) -> None:
    await offer_latest(ctx, Step.EDIT_PICK, ctx.texts.edit_pick, keyboards.PICK_EDIT)


async def on_pick(ctx: Context) -> None:
    if (t := await pressed_tournament(ctx)) is None:
        return
    ctx.state = ConversationState(step=Step.EDIT, tournament_id=t.id, draft=Draft.of(t))
    ctx.say(ctx.texts.edit_intro.format(card=tournament_card(t, ctx.texts)))


async def on_text_while_picking(ctx: Context) -> None:
    ctx.say(ctx.texts.pick_first)


def apply_lines(ctx: Context, draft: Draft) -> Draft | None:
    """The draft with this message's ``field: value`` lines applied, or ``None`` (said why)."""
    changes = parse_edit_lines(ctx.incoming.text, today=ctx.today, currency=draft.currency or "")
    if isinstance(changes, ParseError):
        ctx.say(edit_error(changes, ctx.texts))
        return None
    return draft.apply(changes)


def edit_error(error: ParseError[ErrorCode], texts: Catalogue) -> str:
    text = texts.edit_errors[error.code]
    if error.code is ErrorCode.EDIT_BAD_VALUE:
        return text.format(line=error.value, expected=texts.field_hints[error.field])
    if error.code is ErrorCode.WRONG_CURRENCY:
        return text.format(line=error.value, currency=error.currency)
    return text.format(value=error.value) + "\n\n" + texts.edit_help


async def on_lines(ctx: Context) -> None:
    draft = ctx.state.draft
    if draft is None or ctx.state.tournament_id is None:
        ctx.state = IDLE
        ctx.say(ctx.texts.tournament_unavailable)
        return
    if ctx.incoming.text.strip().lower() in DONE_WORDS:
        await _save(ctx, ctx.state.tournament_id, draft)
        return
    changed = apply_lines(ctx, draft)
    if changed is not None:
        ctx.state = ctx.state.model_copy(update={"draft": changed})
        ctx.say(ctx.texts.edit_changed.format(card=draft_card(changed, ctx.texts)))


async def _save(ctx: Context, tournament_id: int, draft: Draft) -> None:
    fields, result = draft.fields(), draft.result()
    if fields is None:
        missing = ", ".join(ctx.texts.field_names[f if f != "played_on" else "date"] for f in draft.missing)
        ctx.say(ctx.texts.edit_missing.format(fields=missing))
        return
    if isinstance(result, ParseError):
        ctx.say(ctx.texts.edit_result_incomplete)
        return
    t = await ctx.tracker.save(ctx.user_id, tournament_id, fields, result, ctx.incoming.update_id)
    ctx.state = IDLE
    if t is None:
        ctx.say(ctx.texts.tournament_unavailable)
        return
    share = keyboards.share_result(t, ctx.texts) if t.result is not None else None
    ctx.say(ctx.texts.edit_saved.format(card=tournament_card(t, ctx.texts)), share)
