"""The fake's HTTP face: the Bot API and file download routes, the ``/_...`` routes that play
the users and read back what was recorded, and :func:`create_app` that serves them."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devkit.fake_telegram.answers import BotApiError, JsonDict, RequestError
from devkit.fake_telegram.config import FakeTelegramConfig
from devkit.fake_telegram.faults import FILE, Answer, answer_with
from devkit.fake_telegram.params import read_params
from devkit.fake_telegram.state import FakeTelegram
from devkit.fake_telegram.webhook import DEFAULT_MAX_ATTEMPTS

log = logging.getLogger("devkit.fake_telegram")

T = TypeVar("T")

MAX_LONG_POLL_SECONDS = 300.0


def _query_number(request: Request, name: str, kind: type[T], default: T) -> T:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)  # type: ignore[call-arg]
    except ValueError:
        raise RequestError(f"{name} must be a number") from None


def _wait_seconds(request: Request) -> float:
    wait = _query_number(request, "wait", float, 0.0)
    return min(max(wait, 0.0), MAX_LONG_POLL_SECONDS)


async def _json_object(request: Request) -> JsonDict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object")
    return body


def _max_attempts(value: object) -> int:
    if value is None:
        return DEFAULT_MAX_ATTEMPTS
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise RequestError("max_attempts must be an integer between 1 and 100")
    return value


def _copies(value: object) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise RequestError("copies must be an integer between 1 and 5")
    return value


async def _client_gone(request: Request) -> None:
    """Return once the client of a body-less request has disconnected."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _user_id(request: Request) -> int:
    user_id: int = request.path_params["user_id"]
    if user_id <= 0:
        raise RequestError("user_id must be a positive integer")
    return user_id


class FakeTelegramRoutes:
    """Starlette endpoints over one :class:`FakeTelegram`."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    def routes(self) -> list[Route]:
        return [
            Route("/bot{token}/{method}", self.bot_api, methods=["GET", "POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/_calls", self.calls, methods=["GET"]),
            Route("/_webhook/attempts", self.webhook_attempts, methods=["GET"]),
            Route("/_reset", self.reset, methods=["POST"]),
            Route("/_faults", self.fault_script, methods=["GET", "POST", "DELETE"]),
            Route("/_updates", self.raw_update, methods=["POST"]),
            Route("/_users/{user_id:int}/messages", self.user_message, methods=["POST"]),
            Route("/_users/{user_id:int}/messages", self.bot_messages, methods=["GET"]),
            Route("/_users/{user_id:int}/callback", self.user_callback, methods=["POST"]),
            Route("/_users/{user_id:int}/photo", self.user_photo, methods=["POST"]),
            Route("/_users/{user_id:int}/document", self.user_document, methods=["POST"]),
            Route("/_files/{file_id}", self.file_info, methods=["GET"]),
            Route("/file/bot{token}/{file_path:path}", self.download, methods=["GET"]),
            Route("/_users/{user_id:int}/alerts", self.alerts, methods=["GET"]),
            Route("/_users/{user_id:int}/inline", self.user_inline, methods=["POST"]),
            Route("/_users/{user_id:int}/inline", self.inline_answers, methods=["GET"]),
        ]

    async def bot_api(self, request: Request) -> Response:
        arrived = time.perf_counter()
        parse_error: BotApiError | None = None
        try:
            params = await read_params(request)
        except BotApiError as err:
            params, parse_error = {}, err
        if self.fake.config.latency > 0:
            await asyncio.sleep(self.fake.config.latency)
        answer = await self.fake.answer(
            request.path_params["token"], request.path_params["method"], params, parse_error, arrived
        )
        return _response(answer)

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def webhook_attempts(self, request: Request) -> Response:
        return JSONResponse({"attempts": self.fake.attempts})

    async def calls(self, request: Request) -> Response:
        collect = self.fake.select_calls(
            _query_number(request, "after", int, 0),
            request.query_params.get("method") or None,
            request.query_params.get("chat_id") or None,
        )
        return JSONResponse({"calls": await self._long_poll(request, collect)})

    async def reset(self, request: Request) -> Response:
        await self.fake.reset()
        return JSONResponse({"ok": True})

    async def _user_update(
        self, request: Request, build: Callable[[int, Mapping[str, Any]], JsonDict]
    ) -> tuple[JsonDict, JsonDict]:
        """The update ``build`` makes of the user's request body, and the outcome of delivering it
        (``copies`` times, each with up to ``max_attempts``)."""
        body = await _json_object(request)
        attempts, copies = _max_attempts(body.get("max_attempts")), _copies(body.get("copies"))
        update = build(_user_id(request), body)
        return update, await self._deliver_copies(update, attempts, copies)

    async def user_message(self, request: Request) -> Response:
        update, outcome = await self._user_update(request, self.fake.user_message_update)
        return JSONResponse({**outcome, "message_id": update["message"]["message_id"]})

    async def user_callback(self, request: Request) -> Response:
        update, outcome = await self._user_update(request, self.fake.callback_update)
        return JSONResponse({**outcome, "callback_query_id": update["callback_query"]["id"]})

    async def user_inline(self, request: Request) -> Response:
        update, outcome = await self._user_update(request, self.fake.inline_update)
        return JSONResponse({**outcome, "inline_query_id": update["inline_query"]["id"]})

    async def user_photo(self, request: Request) -> Response:
        update, outcome = await self._user_update(request, self.fake.user_photo_update)
        photo = update["message"]["photo"]
        return JSONResponse({**outcome, "message_id": update["message"]["message_id"],
                             "file_id": photo[-1]["file_id"],
                             "file_ids": [size["file_id"] for size in photo]})  # fmt: skip

    async def user_document(self, request: Request) -> Response:
        update, outcome = await self._user_update(request, self.fake.user_document_update)
        return JSONResponse({**outcome, "message_id": update["message"]["message_id"],
                             "file_id": update["message"]["document"]["file_id"]})  # fmt: skip

    async def file_info(self, request: Request) -> Response:
        stored = self.fake.files.get(request.path_params["file_id"])
        if stored is None:
            raise RequestError("no such file_id", 404)
        return JSONResponse(stored.describe())

    async def download(self, request: Request) -> Response:
        """``GET /file/bot{token}/{file_path}``: the file getFile pointed to, as Telegram serves it."""
        if self.fake.config.latency > 0:
            await asyncio.sleep(self.fake.config.latency)
        if not self.fake.token_matches(request.path_params["token"]):
            return JSONResponse(BotApiError("Unauthorized", 401).payload(), status_code=401)
        path = request.path_params["file_path"]
        fault = self.fake.faults.take(f"{FILE}/{path}", FILE) if self.fake.faults else None
        return _response(await answer_with(fault, partial(self._file, path)))

    async def _file(self, path: str) -> Answer:
        stored = self.fake.file_at(path)
        if stored is None:
            return Answer(404, json.dumps(BotApiError("Not Found", 404).payload()).encode())
        stored.downloads += 1
        return Answer(200, stored.data, stored.mime_type or "application/octet-stream")

    async def fault_script(self, request: Request) -> Response:
        """``POST /_faults`` queues faults, ``DELETE`` forgets them all; each answers, as ``GET``
        does, with what is waiting and what has answered (``faults.py``)."""
        if request.method == "POST":
            self.fake.faults.script_json(await _json_object(request))
        elif request.method == "DELETE":
            self.fake.faults.clear()
        return JSONResponse(self.fake.faults.state())

    async def _deliver_copies(self, update: JsonDict, attempts: int, copies: int) -> JsonDict:
        """Deliver ``copies`` times, as Telegram does when it never saw the webhook's answer."""
        outcome: JsonDict = {}
        for _ in range(copies):
            outcome = await self.fake.deliver(update, attempts)
        return outcome

    async def raw_update(self, request: Request) -> Response:
        update = await _json_object(request)
        attempts = _max_attempts(request.query_params.get("max_attempts"))
        self.fake.register_raw_update(update)
        return JSONResponse(await self.fake.deliver(update, attempts))

    async def bot_messages(self, request: Request) -> Response:
        collect = self.fake.select_feed(
            _user_id(request),
            _query_number(request, "after", int, 0),
            _query_number(request, "after_seq", int, 0),
        )
        return JSONResponse({"messages": await self._long_poll(request, collect)})

    async def alerts(self, request: Request) -> Response:
        collect = self.fake.select_alerts(_user_id(request), _query_number(request, "after", int, 0))
        return JSONResponse({"alerts": await self._long_poll(request, collect)})

    async def inline_answers(self, request: Request) -> Response:
        collect = self.fake.select_inline_answers(_user_id(request), _query_number(request, "after", int, 0))
        return JSONResponse({"answers": await self._long_poll(request, collect)})

    async def _long_poll(self, request: Request, collect: Callable[[], list[JsonDict]]) -> list[JsonDict]:
        """What ``collect`` finds, waiting up to the request's ``wait`` seconds for something."""
        return await self.fake.wait_for(collect, _wait_seconds(request), partial(_client_gone, request))


def _response(answer: Answer) -> Response:
    """``answer`` over HTTP; one with ``cut_after`` declares its whole length and sends less,
    so that the server closes the connection in the middle of the body."""
    if answer.cut_after is None:
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)
    return Response(answer.body[: answer.cut_after], status_code=answer.status, media_type=answer.content_type,
                    headers={"content-length": str(len(answer.body))})  # fmt: skip


async def _request_error(request: Request, exc: Exception) -> Response:
    status = exc.status if isinstance(exc, RequestError) else 400
    return JSONResponse({"error": str(exc)}, status_code=status)


def create_app(config: FakeTelegramConfig) -> Starlette:
    """A Starlette app holding one fresh fake Telegram (reachable as ``app.state.fake``)."""
    fake = FakeTelegram(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await fake.start()
        log.info(
            "fake Telegram ready: bot @%s, webhook %s",
            config.bot_username,
            fake.webhook.url or "not set",
        )
        try:
            yield
        finally:
            await fake.close()

    app = Starlette(
        routes=FakeTelegramRoutes(fake).routes(),
        lifespan=lifespan,
        exception_handlers={RequestError: _request_error},
    )
    app.state.fake = fake
    return app
