"""The conversation as aiogram handlers on one ``Router``: FSM states, the ``res:<id>``
``CallbackData`` buttons, and our tracker SQL, domain functions and texts (see the package)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, Update, User
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from services.handler.conversation.context import fmt_date
from services.handler.conversation.flows.overview import by_currency, describe
from services.handler.conversation.views import draft_card, money, percent, summary_text
from services.handler.domain import stats
from services.handler.domain.edits import Draft
from services.handler.domain.parsing import ParseError, parse_registration
from services.handler.domain.records import Tournament
from services.handler.domain.score import parse_result
from services.handler.domain.stats_query import parse_stats_query
from services.handler.texts import Catalogue, catalogue_for
from services.handler.tracker.model import Player, RecordOutcome
from services.handler.tracker.postgres import PgTracker
from services.handler.tracker.unit_of_work import UnitOfWork

PENDING_LIMIT = 10  # as /result in services/handler/conversation/flows/result.py
LABEL_MAX = 60  # a button's label, as services/handler/conversation/keyboards.py

router = Router(name="tracker")
TYPED = F.text & ~F.text.startswith("/")  # text inside a step; commands are routed as commands


class RegisterFlow(StatesGroup):
    line = State()


class ResultFlow(StatesGroup):
    pick = State()
    score = State()


class PickResult(CallbackData, prefix="res"):
    id: int = Field(ge=1, le=2**63 - 1)


def texts_of(user: User | None) -> Catalogue:
    return catalogue_for(user.language_code if user else None)


def player_of(user: User) -> Player:
    return Player(user.id, user.first_name, user.language_code)


@asynccontextmanager
async def tracker(pool: asyncpg.Pool) -> AsyncIterator[PgTracker]:
    """Our tracker as the handler runs a step: a connection once used, a transaction (committed
    at the end of the block) only once something is written."""
    async with UnitOfWork(pool) as work:
        yield PgTracker(work)


def label(t: Tournament) -> str:
    suffix = f" · {fmt_date(t.played_on)}"
    room = LABEL_MAX - len(suffix)
    return (t.name if len(t.name) <= room else t.name[: room - 1] + "…") + suffix


# ------------------------------------------------------------------ /register


async def _register(message: Message, state: FSMContext, pool: asyncpg.Pool, update_id: int, line: str) -> None:
    assert message.from_user is not None
    texts = texts_of(message.from_user)
    fields = parse_registration(line)
    if isinstance(fields, ParseError):  # the step stays open: correct and send again
        await state.set_state(RegisterFlow.line)
        await message.answer(getattr(texts, f"register_{fields.code}").format(value=fields.value))
        return
    async with tracker(pool) as tr:
        t = await tr.register(player_of(message.from_user), fields, update_id)
    await state.clear()
    await message.answer(texts.register_saved.format(card=draft_card(Draft.of(t), texts)))


@router.message(Command("register"))
async def register(
    message: Message, command: CommandObject, state: FSMContext, pool: asyncpg.Pool, event_update: Update
) -> None:
    if command.args:
        await _register(message, state, pool, event_update.update_id, command.args)
        return
    await state.set_state(RegisterFlow.line)
    await message.answer(texts_of(message.from_user).register_prompt)


# ------------------------------------------------------------------ /result


@router.message(Command("result"))
async def result(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    assert message.from_user is not None
    texts = texts_of(message.from_user)
    async with tracker(pool) as tr:
        pending = await tr.pending(message.from_user.id, PENDING_LIMIT)
    if not pending:
        await state.clear()
        await message.answer(texts.result_none_pending)
        return
    await state.set_state(ResultFlow.pick)
    keyboard = InlineKeyboardBuilder()
    for t in pending:
        keyboard.button(text=label(t), callback_data=PickResult(id=t.id))
    keyboard.adjust(1)
    await message.answer(texts.result_pick, reply_markup=keyboard.as_markup())


@router.callback_query(PickResult.filter())
async def pick(
    callback: CallbackQuery, callback_data: PickResult, state: FSMContext, pool: asyncpg.Pool, bot: Bot
) -> None:
    """A tournament button, in any state: the button carries its own context."""
    texts = texts_of(callback.from_user)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    async with tracker(pool) as tr:
        t = await tr.get(callback.from_user.id, callback_data.id)
    if t is None:  # not the presser's, or gone
        await callback.answer(texts.tournament_unavailable)
        await bot.send_message(chat_id, texts.tournament_unavailable)
        return
    await callback.answer()
    if t.result is not None:
        await bot.send_message(chat_id, texts.result_already.format(name=t.name))
        return
    await state.set_state(ResultFlow.score)
    await state.update_data(tournament_id=t.id)
    await bot.send_message(chat_id, texts.result_ask.format(name=t.name, date=fmt_date(t.played_on)))


@router.message(ResultFlow.score, TYPED)
async def score(message: Message, state: FSMContext, pool: asyncpg.Pool, event_update: Update) -> None:
    assert message.from_user is not None and message.text is not None
    texts, user_id = texts_of(message.from_user), message.from_user.id
    parsed = parse_result(message.text)
    if isinstance(parsed, ParseError):  # the step stays open
        await message.answer(getattr(texts, f"result_{parsed.code}").format(value=parsed.value))
        return
    tournament_id = (await state.get_data()).get("tournament_id")
    async with tracker(pool) as tr:
        t = None if tournament_id is None else await tr.get(user_id, tournament_id)
        outcome = None if t is None else await tr.record_result(user_id, t.id, parsed, event_update.update_id)
    await state.clear()
    if t is None:
        await message.answer(texts.tournament_unavailable)
        return
    if outcome is RecordOutcome.ALREADY_RECORDED:
        await message.answer(texts.result_already.format(name=t.name))
        return
    cost = stats.cost(t)
    profit = stats.winnings(parsed) - cost
    text = texts.result_saved.format(
        name=t.name, date=fmt_date(t.played_on), place=parsed.place,
        prize=money(parsed.prize, t.currency, texts), bounty=money(parsed.bounty, t.currency, texts),
        cost=money(cost, t.currency, texts), profit=money(profit, t.currency, texts, signed=True),
        roi=percent(stats.roi(profit, cost), texts),
    )  # fmt: skip
    if parsed.bounty:
        text += "\n" + texts.result_saved_bounty.format(bounty=money(parsed.bounty, t.currency, texts))
    await message.answer(text)


# ------------------------------------------------------------------ /stats and the rest


@router.message(Command("stats"))
async def show_stats(message: Message, command: CommandObject, pool: asyncpg.Pool) -> None:
    """Read-only: any open step stays as it was."""
    assert message.from_user is not None
    texts = texts_of(message.from_user)
    query = parse_stats_query(command.args or "", datetime.now(UTC).date())
    if isinstance(query, ParseError):
        await message.answer(texts.stats_bad_query.format(value=query.value))
        return
    async with tracker(pool) as tr:
        selected = query.select(await tr.all(message.from_user.id))
    if not any(t.result for t in selected):
        await message.answer(texts.stats_empty.format(period=describe(query, texts)))
        return
    blocks = [texts.stats_header.format(period=describe(query, texts))]
    groups = by_currency(selected)  # amounts in different currencies are never added up
    for currency, rows in groups:
        if len(groups) > 1:
            blocks.append(f"— {currency or texts.stats_no_currency} —")
        if query.group_by is None:
            blocks.append(summary_text(stats.summarize(rows), texts, currency))
            continue
        lines = []
        for key, s in stats.breakdown(rows, query.group_by):
            lines.append(texts.stats_group_line.format(
                group=texts.format_names.get(key, key) if query.group_by == "format" else key,  # type: ignore[call-overload]
                played=s.played, profit=money(s.profit, currency, texts, signed=True),
                roi=percent(s.roi, texts), itm=percent(s.itm_percent, texts, signed=False),
            ))  # fmt: skip
        blocks.append("\n".join(lines))
    await message.answer("\n\n".join(blocks))


@router.message(Command("start"))
async def start(message: Message) -> None:
    await message.answer(texts_of(message.from_user).start)


@router.message(Command("help"))
async def help_(message: Message) -> None:
    await message.answer(texts_of(message.from_user).help)


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext) -> None:
    texts = texts_of(message.from_user)
    was = await state.get_state()
    await state.clear()
    await message.answer(texts.cancelled if was else texts.nothing_to_cancel)


@router.message(RegisterFlow.line, TYPED)
async def register_line(message: Message, state: FSMContext, pool: asyncpg.Pool, event_update: Update) -> None:
    await _register(message, state, pool, event_update.update_id, message.text or "")


@router.message(ResultFlow.pick, TYPED)
async def text_while_picking(message: Message) -> None:
    await message.answer(texts_of(message.from_user).result_pick_first)


@router.message()
async def anything_else(message: Message) -> None:
    texts, text = texts_of(message.from_user), message.text or ""
    if text.startswith("/") and len(text) > 1:
        command = text.split()[0].split("@", 1)[0][:64]
        await message.answer(texts.unknown_command.format(command=command))
    else:
        await message.answer(texts.short_help if message.text else texts.unsupported_message)


@router.callback_query()
async def stale_button(callback: CallbackQuery) -> None:
    await callback.answer(texts_of(callback.from_user).tournament_unavailable)
