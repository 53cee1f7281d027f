"""A user talking to the bot's conversations: real Update JSON in, Bot API calls out.

Each update is parsed as a partition delivery is (``parse_delivery``), run through the
conversation in one unit of work of a ``TrackerStore`` (``MemoryStore`` in the unit tests; the
same steps run on PostgreSQL with a store whose units are the handler's ``UnitOfWork``), and
its replies turned into the Bot API requests the handler would send.  The session is kept
here, as the session service would keep it.  Files the user sends are served by ``Files``,
standing in for Telegram.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from typing import Any

from services.handler.conversation.dispatcher import converse
from services.handler.conversation.identity import BotIdentity
from services.handler.conversation.replies import RequestOcr, SendFile
from services.handler.conversation.state import ConversationState, Step
from services.handler.domain.records import Tournament
from services.handler.pipeline import parse_delivery
from services.handler.tracker.model import TrackerStore
from shared.ocr_api import (
    KIND_TICKET_READ,
    OcrJob,
    TicketFields,
    TicketRead,
    ticket_event_id,
)
from shared.topology import HEADER_KIND
from tests.conftest import random_user_id

TODAY = date(2025, 6, 15)
BOT = BotIdentity("PokerTrackerTestBot")  # the bot the users talk to (getMe's username)
NOON = datetime.combine(TODAY, time(12), UTC)
_update_ids = itertools.count(1_000_000)


class Files:
    """What users uploaded, by file_id (Telegram's getFile + download, in memory)."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}
        self._ids = itertools.count(1)

    def put(self, content: bytes) -> str:
        file_id = f"file-{next(self._ids)}"
        self.stored[file_id] = content
        return file_id

    async def download(self, file_id: str, max_bytes: int) -> bytes | None:
        content = self.stored.get(file_id)
        return None if content is None or len(content) > max_bytes else content


@dataclass
class Replies:
    """The Bot API calls one update produced."""

    calls: list[tuple[str, dict[str, Any]]]
    uploads: list[tuple[str, str, bytes, str]]  # method, filename, bytes, content type
    ocr_jobs: list[OcrJob]
    ignored: bool = False  # the update is nothing for the bot: not even the session is read

    @property
    def text(self) -> str:
        return "\n".join(p["text"] for m, p in self.calls if m == "sendMessage")

    @property
    def answers(self) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == "answerCallbackQuery"]

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of the last inline keyboard sent ("" for a button without)."""
        return [(b["text"], b.get("callback_data", "")) for b in self.keyboard]

    @property
    def keyboard(self) -> list[dict[str, Any]]:
        """The buttons of the last inline keyboard sent, as Telegram receives them."""
        for m, p in reversed(self.calls):
            if m == "sendMessage" and "reply_markup" in p:
                return [b for row in p["reply_markup"]["inline_keyboard"] for b in row]
        return []

    @property
    def inline_answer(self) -> dict[str, Any]:
        """The one answerInlineQuery call, the only call an inline query makes."""
        assert [m for m, _ in self.calls] == ["answerInlineQuery"], self.calls
        return self.calls[0][1]

    def button(self, label_part: str) -> str:
        return next(data for text, data in self.buttons if label_part in text)


@dataclass
class BotUser:
    store: TrackerStore
    language: str = "en"
    user_id: int = field(default_factory=random_user_id)
    files: Files = field(default_factory=Files)
    today: date = TODAY
    session: dict[str, Any] = field(default_factory=dict)
    # The chat the user writes in: their private chat by default; e.g. a group's
    # {"id": -4012345678, "type": "group", "title": "Friday Poker"}.
    chat: dict[str, Any] | None = None
    bot: BotIdentity = BOT
    now: datetime = NOON  # the clock the conversation sees

    @property
    def step(self) -> Step:
        return ConversationState.from_session(self.session).step

    @property
    def conversation(self) -> dict[str, Any]:
        """The session but for the copy of the player's settings: what the step holds."""
        return {k: v for k, v in self.session.items() if k != "settings"}

    def _from(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": "Ann", "language_code": self.language}

    def _message(self, **content: Any) -> dict[str, Any]:
        chat = self.chat or {"id": self.user_id, "type": "private"}
        return {"message_id": next(_update_ids), "from": self._from(), "chat": chat, "date": 0, **content}

    async def deliver(
        self, body: dict[str, Any], headers: dict[str, Any] | None = None, *, may_be_ignored: bool = False
    ) -> Replies:
        _, incoming = parse_delivery(json.dumps(body).encode(), headers or {})
        if incoming is None:  # the pipeline acknowledges it and does nothing else
            assert may_be_ignored, "the update was ignored"
            return Replies([], [], [], ignored=True)
        async with self.store.unit_of_work() as tracker:
            out = await converse(
                incoming, ConversationState.from_session(self.session), tracker,
                self.files, self.today, self.bot, self.now,
            )
        self.session = out.state.to_session()
        calls, uploads, jobs = [], [], []
        for r in out.replies:
            if isinstance(r, RequestOcr):
                jobs.append(r.job)
            elif isinstance(r, SendFile):
                method, form, (_, (filename, content, ctype)) = r.to_upload()
                calls.append((method, form))
                uploads.append((method, filename, content, ctype))
            else:
                calls.append(r.to_call())
        # Every callback query is answered, exactly once.
        if "callback_query" in body:
            assert len([c for c in calls if c[0] == "answerCallbackQuery"]) == 1
        return Replies(calls, uploads, jobs)

    async def raw(self, update: dict[str, Any]) -> Replies:
        """An update exactly as Telegram sent it (it may be one the bot ignores)."""
        return await self.deliver(update, may_be_ignored=True)

    async def send(self, text: str) -> Replies:
        return await self.deliver({"update_id": next(_update_ids), "message": self._message(text=text)})

    async def press(self, data: str) -> Replies:
        query = {"id": str(next(_update_ids)), "from": self._from(), "data": data,
                 "message": self._message(text="…")}
        return await self.deliver({"update_id": next(_update_ids), "callback_query": query})

    async def inline(self, query: str, chat_type: str = "sender") -> Replies:
        """``@bot <query>`` typed in a chat: an ``inline_query`` update as Telegram sends it."""
        inline_query = {"id": str(next(_update_ids)), "from": self._from(), "query": query,
                        "offset": "", "chat_type": chat_type}
        return await self.deliver({"update_id": next(_update_ids), "inline_query": inline_query})

    async def photo(self, content: bytes = b"\xff\xd8 jpeg") -> Replies:
        small, big = self.files.put(content[:10]), self.files.put(content)
        sizes = [{"file_id": small, "file_unique_id": "s", "width": 90, "height": 60},
                 {"file_id": big, "file_unique_id": "b", "width": 1280, "height": 853}]
        return await self.deliver({"update_id": next(_update_ids), "message": self._message(photo=sizes)})

    async def document(self, content: bytes, file_name: str, mime_type: str) -> Replies:
        doc = {"file_id": self.files.put(content), "file_unique_id": "d", "file_name": file_name,
               "mime_type": mime_type, "file_size": len(content)}
        return await self.deliver({"update_id": next(_update_ids), "message": self._message(document=doc)})

    async def ticket_read(self, job: OcrJob, status: str = "read", **fields: Any) -> Replies:
        """What the OCR service publishes for ``job`` into this user's partition."""
        ticket = TicketRead(
            user_id=job.user_id, chat_id=job.chat_id, event_id=ticket_event_id(job.update_id),
            language_code=job.language_code, status=status, fields=TicketFields(**fields),  # type: ignore[arg-type]
        )
        return await self.deliver(ticket.model_dump(mode="json"), {HEADER_KIND: KIND_TICKET_READ})

    async def register(self, line: str) -> int:
        """Register a tournament in one line; its id."""
        await self.send("/register " + line)
        return max(t.id for t in await self.tournaments())

    async def tournaments(self) -> list[Tournament]:
        """This user's tournaments as the tracker holds them, oldest first."""
        async with self.store.unit_of_work() as tracker:
            return await tracker.all(self.user_id)

    async def tournament(self, tournament_id: int) -> Tournament | None:
        """One of this user's tournaments as the tracker holds it; ``None`` if there is none."""
        async with self.store.unit_of_work() as tracker:
            return await tracker.get(self.user_id, tournament_id)

    async def finish(self, tournament_id: int, score: str) -> Replies:
        await self.send("/result")
        await self.press(f"res:{tournament_id}")
        return await self.send(score)


def columns(t: Tournament) -> dict[str, Any]:
    """A tournament as the columns of its row joined with its result's (``place``, ``prize``,
    ``bounty``: ``None`` without a result)."""
    row = {f.name: getattr(t, f.name) for f in fields(t) if f.name != "result"}
    r = t.result
    return {**row, "place": r and r.place, "prize": r and r.prize, "bounty": r and r.bounty}
