"""The fake Telegram itself: its chats, files, simulated users and webhook, the Bot API call
dispatch with its record of calls, and long-polling for what was recorded."""

from __future__ import annotations

import asyncio
import copy
import hmac
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from devkit.fake_telegram.answers import BotApiError, Described, JsonDict
from devkit.fake_telegram.chats import Chat, Chats, UserProfile
from devkit.fake_telegram.commands import BotCommands
from devkit.fake_telegram.config import FakeTelegramConfig
from devkit.fake_telegram.faults import Answer, FaultScript, answer_with
from devkit.fake_telegram.files import FileStore, StoredFile
from devkit.fake_telegram.messages import BotMessages
from devkit.fake_telegram.params import INTEGER_RE
from devkit.fake_telegram.users import SimulatedUsers
from devkit.fake_telegram.webhook import WebhookDelivery

log = logging.getLogger("devkit.fake_telegram")

T = TypeVar("T")


@dataclass(slots=True)
class Call:
    """One Bot API call as a load generator sees it (``FakeTelegram.on_call``)."""

    at: float  # time.perf_counter() when the request arrived
    method: str
    chat_id: int | None
    params: JsonDict
    message_id: int | None  # of the message the call sent or edited


OnCall = Callable[[Call], None]


def _chat_id(params: Mapping[str, Any]) -> int | None:
    value = params.get("chat_id")
    if isinstance(value, bool) or value is None or not INTEGER_RE.match(str(value)):
        return None
    return int(value)


class FakeTelegram:
    """The whole fake: Bot API methods, recording, simulated users and webhook delivery."""

    def __init__(self, config: FakeTelegramConfig) -> None:
        self.config = config
        self.calls: list[JsonDict] = []
        self.call_count = 0  # every call answered, recorded or not
        # Told of every call as it is answered, with the time it arrived.
        self.on_call: OnCall | None = None
        # Scripted answers given instead of the normal ones (``faults.py``).
        self.faults = FaultScript()
        self._chats = Chats()
        self.chats: dict[int, Chat] = self._chats.chats
        self.users: dict[int, UserProfile] = self._chats.users
        self._files = FileStore()
        self.files: dict[str, StoredFile] = self._files.by_id
        self._users = SimulatedUsers(self._chats, self._files)
        self._messages = BotMessages(config, self._chats, self._files, self._users)
        self._delivery = WebhookDelivery(config.webhook_url, config.webhook_secret)
        self.webhook = self._delivery.webhook
        self.attempts = self._delivery.attempts
        self.commands = BotCommands()
        self._seq = itertools.count(1)
        self._changed: asyncio.Condition | None = None
        messages, delivery = self._messages, self._delivery
        self._methods: dict[str, Callable[[JsonDict, int], Any]] = {
            "getme": messages.get_me,
            "sendmessage": messages.send_message,
            "editmessagetext": messages.edit_message_text,
            "editmessagereplymarkup": messages.edit_message_reply_markup,
            "deletemessage": messages.delete_message,
            "answercallbackquery": messages.answer_callback_query,
            "answerinlinequery": messages.answer_inline_query,
            "setwebhook": lambda params, seq: delivery.set_webhook(params),
            "deletewebhook": lambda params, seq: delivery.delete_webhook(params),
            "getwebhookinfo": lambda params, seq: delivery.get_webhook_info(params),
            "setmycommands": lambda params, seq: self.commands.set_my_commands(params),
            "getmycommands": lambda params, seq: self.commands.get_my_commands(params),
            "deletemycommands": lambda params, seq: self.commands.delete_my_commands(params),
            "getfile": lambda params, seq: self._files.get_file(params),
            "senddocument": lambda params, seq: messages.send_file(params, seq, "document"),
            "sendphoto": lambda params, seq: messages.send_file(params, seq, "photo"),
        }

    # ---- lifecycle and notification ------------------------------------------------------

    async def start(self) -> None:
        """Open the shared HTTP client for webhook deliveries (called by the app's lifespan)."""
        await self._delivery.start()

    async def close(self) -> None:
        await self._delivery.close()

    @property
    def changed(self) -> asyncio.Condition:
        """Notified whenever something long-pollers wait for was recorded."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(
        self,
        collect: Callable[[], list[T]],
        wait: float,
        gone: Callable[[], Awaitable[None]] | None = None,
    ) -> list[T]:
        """``collect()`` now, or once it is non-empty, or after ``wait`` seconds, or when
        ``gone()`` returns (the client hung up: no reason to keep its request open)."""
        items = collect()
        if items or wait <= 0:
            return items
        watchers = {asyncio.ensure_future(self._until_nonempty(collect))}
        if gone is not None:
            watchers.add(asyncio.ensure_future(gone()))
        try:
            await asyncio.wait(watchers, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
        return collect()

    async def _until_nonempty(self, collect: Callable[[], list[T]]) -> None:
        async with self.changed:
            await self.changed.wait_for(collect)

    # ---- Bot API --------------------------------------------------------------------------

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.config.token.encode())

    async def call(
        self,
        token: str,
        method: str,
        params: JsonDict,
        parse_error: BotApiError | None = None,
        arrived: float | None = None,
    ) -> tuple[int, bytes]:
        """Run one Bot API call and record it; return the HTTP status and the answer's JSON,
        rendered before anything else runs (a later edit cannot change it).
        ``arrived``: ``time.perf_counter()`` when the request came, for ``on_call``."""
        seq = next(self._seq)
        recorded_params = copy.deepcopy(params) if self.config.recording else params
        result: Any = None
        try:
            if not self.token_matches(token):
                raise BotApiError("Unauthorized", 401)
            handler = self._methods.get(method.lower())
            if handler is None:
                raise BotApiError("Not Found", 404)
            if parse_error is not None:
                raise parse_error
            result = handler(params, seq)
        except BotApiError as err:
            status, payload = err.status, err.payload()
        except Exception:
            log.exception("fake Telegram failed on %s", method)
            status = 500
            payload = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        else:
            status, payload = 200, {"ok": True, "result": result}
            if isinstance(result, Described):
                payload = {"ok": True, "result": result.result, "description": result.description}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        message_id = result.get("message_id") if isinstance(result, dict) else None
        await self._record(seq, method, params, recorded_params, status == 200, message_id, arrived)
        return status, body

    async def answer(
        self,
        token: str,
        method: str,
        params: JsonDict,
        parse_error: BotApiError | None = None,
        arrived: float | None = None,
    ) -> Answer:
        """What the HTTP layer sends for a Bot API call: :meth:`call`'s answer, or a scripted
        fault's (``self.faults``; a right token only).  A call a fault answered instead is
        recorded like any other, with ``"fault": true``."""
        async def normal() -> Answer:
            return Answer(*await self.call(token, method, params, parse_error, arrived))

        fault = self.faults.take(method) if self.faults and self.token_matches(token) else None
        answer = await answer_with(fault, normal)
        if fault is not None and fault.status is not None:
            recorded = copy.deepcopy(params) if self.config.recording else params
            await self._record(next(self._seq), method, params, recorded, answer.status == 200, None, arrived,
                               fault=True)  # fmt: skip
        return answer

    async def _record(
        self, seq: int, method: str, params: JsonDict, recorded: JsonDict, ok: bool,
        message_id: int | None, arrived: float | None, fault: bool = False,
    ) -> None:  # fmt: skip
        """Count the call, tell ``on_call`` and keep it (``config.recording``)."""
        self.call_count += 1
        if self.on_call is not None:
            at = time.perf_counter() if arrived is None else arrived
            self.on_call(Call(at, method, _chat_id(params), recorded, message_id))
        if self.config.recording:
            call: JsonDict = {"seq": seq, "ts": time.time(), "method": method, "params": recorded, "ok": ok}
            if fault:
                call["fault"] = True
            self.calls.append(call)
            await self.notify()

    # ---- chats, files and simulated users -------------------------------------------------

    def chat(self, chat_id: int, first_name: str | None = None) -> Chat:
        """The chat with ``chat_id``, created on first use."""
        return self._chats.chat(chat_id, first_name)

    def store_photo(self, data: bytes) -> list[JsonDict]:
        """Keep a photo as Telegram does (see ``FileStore.store_photo``); raises NotAnImage."""
        return self._files.store_photo(data)

    def store_document(
        self, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        return self._files.store_document(data, file_name, mime_type)

    def file_at(self, path: str) -> StoredFile | None:
        return self._files.at_path(path)

    def user_message_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        return self._users.message_update(user_id, body)

    def user_photo_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        return self._users.photo_update(user_id, body)

    def user_document_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        return self._users.document_update(user_id, body)

    def callback_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        return self._users.callback_update(user_id, body)

    def inline_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        return self._users.inline_update(user_id, body)

    def register_raw_update(self, update: Mapping[str, Any]) -> None:
        """Make a crafted update's callback or inline query answerable, as if the fake had sent it."""
        self._users.register_raw_update(update)

    async def deliver(self, update: JsonDict, max_attempts: int) -> JsonDict:
        """Post ``update`` to the webhook, retrying like Telegram; describe the outcome."""
        return await self._delivery.deliver(update, max_attempts)

    # ---- reading back ---------------------------------------------------------------------

    def select_calls(
        self, after: int, method: str | None, chat_id: str | None
    ) -> Callable[[], list[JsonDict]]:
        def collect() -> list[JsonDict]:
            return [
                call
                for call in self.calls
                if call["seq"] > after
                and (method is None or call["method"].lower() == method.lower())
                and (chat_id is None or str(call["params"].get("chat_id")) == chat_id)
            ]

        return collect

    def select_feed(
        self, user_id: int, after_message_id: int, after_seq: int
    ) -> Callable[[], list[JsonDict]]:
        def collect() -> list[JsonDict]:
            chat = self.chats.get(user_id)
            return [
                entry
                for entry in (chat.feed if chat else [])
                if entry["message_id"] > after_message_id and entry["seq"] > after_seq
            ]

        return collect

    def select_alerts(self, user_id: int, after: int) -> Callable[[], list[JsonDict]]:
        return self._select_after(user_id, after, lambda chat: chat.alerts)

    def select_inline_answers(self, user_id: int, after: int) -> Callable[[], list[JsonDict]]:
        return self._select_after(user_id, after, lambda chat: chat.inline_answers)

    def _select_after(
        self, user_id: int, after: int, entries: Callable[[Chat], list[JsonDict]]
    ) -> Callable[[], list[JsonDict]]:
        """The user's chat's ``entries`` recorded after sequence number ``after``."""

        def collect() -> list[JsonDict]:
            chat = self.chats.get(user_id)
            return [entry for entry in (entries(chat) if chat else []) if entry["seq"] > after]

        return collect

    async def reset(self) -> None:
        """Forget the recorded calls; chats, users and the webhook stay."""
        self.calls.clear()
        await self.notify()
