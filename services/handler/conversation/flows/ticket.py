"""Ticket photos: the photo goes to the OCR service's queue; its reading comes back as an
event in the user's partition and is shown with Confirm / Edit / Cancel.

Edit takes ``field: value`` lines until ``done``; the current venue (/setvenue) overrides the
ticket's, and the card says so when the ticket named another one.  A photo that cannot be
read gets the one-line format to type instead.
"""

from __future__ import annotations

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context
from services.handler.conversation.flows.edit import DONE_WORDS, apply_lines
from services.handler.conversation.flows.register import AWAITING_LINE, register
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.conversation.views import draft_card
from services.handler.domain.edits import Draft
from services.handler.domain.parsing import parse_name
from services.handler.domain.stats import venue_key
from shared.ocr_api import TicketFields


async def on_photo(ctx: Context) -> None:
    """Hand the photo to OCR; the conversation's step is left as it is until the reading."""
    attachment = ctx.incoming.attachment
    assert attachment is not None
    ctx.request_ocr(attachment.file_id)
    ctx.say(ctx.texts.ticket_reading)


def _clean(text: str | None) -> str | None:
    """What OCR read, if it makes a usable name (the user fills in the rest with Edit)."""
    name = None if text is None else parse_name(text)
    return name if isinstance(name, str) else None


def _draft(fields: TicketFields, venue: str | None) -> Draft:
    return Draft(
        name=_clean(fields.name),
        played_on=fields.played_on,
        venue=venue or _clean(fields.venue),
        buy_in=fields.buy_in,
        fee=fields.fee,
        currency=fields.currency,
        starting_stack=fields.starting_stack,
    )


async def on_read(ctx: Context) -> None:
    """The OCR service's reading of a photo this user sent."""
    ticket = ctx.incoming.ticket
    assert ticket is not None
    if ticket.status != "read":
        ctx.state = AWAITING_LINE
        ctx.say(ctx.texts.ticket_unreadable)
        return
    current = await ctx.tracker.venue(ctx.user_id)
    draft = _draft(ticket.fields, current)
    read = _clean(ticket.fields.venue)
    replaced = current is not None and read is not None and venue_key(read) != venue_key(current)
    note = ctx.texts.ticket_venue_replaced.format(venue=current, read=read) if replaced else ""
    _show(ctx, draft, note)


def _show(ctx: Context, draft: Draft, note: str = "") -> None:
    """The draft with Confirm / Edit / Cancel; ``note`` (if any) right below the card."""
    ctx.state = ConversationState(step=Step.TICKET, draft=draft)
    card = draft_card(draft, ctx.texts) + (f"\n{note}" if note else "")
    text = ctx.texts.ticket_read.format(card=card)
    if draft.missing:
        text += "\n\n" + ctx.texts.ticket_missing.format(fields=_missing(ctx, draft))
    ctx.say(text, keyboards.ticket_actions(ctx.texts))


def _missing(ctx: Context, draft: Draft) -> str:
    return ", ".join(ctx.texts.field_names["date" if f == "played_on" else f] for f in draft.missing)


async def on_button(ctx: Context) -> None:
    action = keyboards.argument(ctx.incoming.callback_data)
    draft = ctx.state.draft
    if ctx.state.step is not Step.TICKET or draft is None:
        ctx.answer_callback(ctx.texts.button_expired)
        return
    if action == "ok":
        fields = draft.fields()
        if fields is None:
            ctx.answer_callback(ctx.texts.ticket_fill_first)
            _edit(ctx, draft)
            return
        await register(ctx, fields)
    elif action == "edit":
        _edit(ctx, draft)
    else:
        ctx.state = IDLE
        ctx.say(ctx.texts.ticket_cancelled)


def _edit(ctx: Context, draft: Draft) -> None:
    ctx.state = ConversationState(step=Step.TICKET_EDIT, draft=draft)
    ctx.say(ctx.texts.ticket_edit_intro)


async def on_text_while_shown(ctx: Context) -> None:
    ctx.say(ctx.texts.ticket_tap_button, keyboards.ticket_actions(ctx.texts))


async def on_edit_lines(ctx: Context) -> None:
    draft = ctx.state.draft or Draft()
    if ctx.incoming.text.strip().lower() in DONE_WORDS:
        _show(ctx, draft)
        return
    changed = apply_lines(ctx, draft)
    if changed is not None:
        ctx.state = ctx.state.model_copy(update={"draft": changed})
        ctx.say(ctx.texts.edit_changed.format(card=draft_card(changed, ctx.texts)))
