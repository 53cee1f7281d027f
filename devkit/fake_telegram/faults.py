"""Scripted faults: answers the fake gives instead of its normal behaviour, so that a test (or a
developer over ``/_faults``) makes the Bot API fail exactly as Telegram or the network does --
a 429 with ``retry_after``, a 5xx, a refusal, a proxy's HTML page, no answer in time, a download
cut short -- against the one fake, without a scripted server of its own.

Faults wait in one queue per *target*: a Bot API method (case-insensitive, like Telegram's),
``file`` for every file download, or ``file/<file_path>`` for one file's.  A call takes the
first fault of its target's queue (a download looks at ``file/<file_path>`` first, then
``file``); a fault answers ``times`` calls, then the next one in the queue does; once the queue
is empty the fake answers normally again.  Only calls with the right token take a fault: a
wrong token is still refused with 401, as the fake always does.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import NamedTuple

from devkit.fake_telegram.answers import JsonDict, RequestError

FILE = "file"
MAX_DELAY_SECONDS = 300.0
_RAW_CONTENT_TYPE = "text/html; charset=utf-8"
_TARGET = "a fault's target must be a method name, 'file' or 'file/<file_path>'"
_FIELDS = {"status", "body", "raw", "raw_base64", "description", "retry_after", "content_type",
           "delay", "cut_after", "times"}  # fmt: skip


class Answer(NamedTuple):
    """An HTTP answer as the fake sends it.  ``cut_after``: only that many bytes of ``body`` go
    out, under a Content-Length of the whole, then the connection is closed.  (A NamedTuple:
    the lean server builds one per call and should not pay for more.)"""

    status: int
    body: bytes
    content_type: str = "application/json"
    cut_after: int | None = None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Fault:
    """One scripted answer.

    With ``status``: that status and ``body`` (a JSON object), or ``raw`` (bytes as they are,
    served as ``content_type``, HTML by default: a proxy's error page), or else Telegram's
    error ``{"ok": false, "error_code", "description"}`` (``description`` defaults to the
    status's phrase; ``retry_after`` adds ``parameters.retry_after``), or ``{"ok": true,
    "result": true}`` for a status below 400.  Without ``status``: the normal answer, after
    ``delay`` or cut short.  ``delay``: seconds before answering, so that a client's timeout
    runs out first.  ``cut_after``: the answer declares its whole length, but the connection
    closes after that many bytes of its body (0: right after the headers).  ``times``: how
    many calls it answers before the next fault in the queue (or the normal behaviour).
    """

    status: int | None = None
    body: JsonDict | None = None
    raw: bytes | None = None
    description: str | None = None
    retry_after: int | float | None = None
    content_type: str | None = None
    delay: float = 0.0
    cut_after: int | None = None
    times: int = 1

    def __post_init__(self) -> None:
        """Refuse what cannot be answered, at scripting time rather than when a call comes."""
        if self.status is None and self.delay == 0 and self.cut_after is None:
            raise ValueError("a fault needs a status, a delay or cut_after")
        self._check_answer()
        self._check_timing()

    def _check_answer(self) -> None:
        if self.status is not None and not (_is_int(self.status) and 100 <= self.status <= 599):
            raise ValueError("status must be an HTTP status code (100-599)")
        given = [name for name in ("body", "raw", "description", "retry_after", "content_type")
                 if getattr(self, name) is not None]  # fmt: skip
        if given and self.status is None:
            raise ValueError(f"{given[0]} needs a status")
        if self.body is not None and not isinstance(self.body, dict):
            raise ValueError("body must be a JSON object")
        telegram_error = self.description is not None or self.retry_after is not None
        if (self.body is not None) + (self.raw is not None) + telegram_error > 1:
            raise ValueError("give one of body, raw, or description/retry_after")
        if self.content_type is not None and self.raw is None:
            raise ValueError("content_type goes with raw")
        if self.retry_after is not None and not (_is_int(self.retry_after) or isinstance(self.retry_after, float)):
            raise ValueError("retry_after must be a number")

    def _check_timing(self) -> None:
        if isinstance(self.delay, bool) or not isinstance(self.delay, int | float):
            raise ValueError("delay must be a number")
        if not 0 <= self.delay <= MAX_DELAY_SECONDS:
            raise ValueError(f"delay must be between 0 and {MAX_DELAY_SECONDS:g} seconds")
        if self.cut_after is not None and not (_is_int(self.cut_after) and self.cut_after >= 0):
            raise ValueError("cut_after must be an integer >= 0")
        if not (_is_int(self.times) and self.times >= 1):
            raise ValueError("times must be an integer >= 1")

    def answer(self) -> Answer:
        """The scripted answer (a fault with a ``status``), cut short if it says so."""
        assert self.status is not None
        if self.raw is not None:
            return Answer(self.status, self.raw, self.content_type or _RAW_CONTENT_TYPE, self.cut_after)
        body = self.body
        if body is None and self.status < 400:
            body = {"ok": True, "result": True}
        elif body is None:
            body = {"ok": False, "error_code": self.status, "description": self._description()}
            if self.retry_after is not None:
                body["parameters"] = {"retry_after": self.retry_after}
        rendered = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return Answer(self.status, rendered, cut_after=self.cut_after)

    def _description(self) -> str:
        if self.description is not None:
            return self.description
        if self.status == 429 and self.retry_after is not None:
            return f"Too Many Requests: retry after {self.retry_after}"
        try:
            return HTTPStatus(self.status or 500).phrase
        except ValueError:
            return "Error"

    def describe(self) -> JsonDict:
        """As ``GET /_faults`` shows it (``raw`` as base64)."""
        shown = {name: value for name, value in asdict(self).items() if value is not None}
        if self.raw is not None:
            shown["raw_base64"] = base64.b64encode(shown.pop("raw")).decode("ascii")
        return shown

    @classmethod
    def from_json(cls, data: object) -> Fault:
        """A fault from ``POST /_faults``: the fields above; ``raw`` as text or ``raw_base64``."""
        if not isinstance(data, dict):
            raise ValueError("each fault must be a JSON object")
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise ValueError(f"unknown fault field {unknown[0]!r}")
        fields = dict(data)
        raw_text, raw_base64 = fields.pop("raw", None), fields.pop("raw_base64", None)
        if raw_text is not None and raw_base64 is not None:
            raise ValueError("give raw or raw_base64, not both")
        if raw_text is not None:
            if not isinstance(raw_text, str):
                raise ValueError("raw must be a string (raw_base64 for bytes)")
            fields["raw"] = raw_text.encode()
        elif raw_base64 is not None:
            try:
                fields["raw"] = base64.b64decode(str(raw_base64), validate=True)
            except binascii.Error:
                raise ValueError("raw_base64 is not base64") from None
        for name in ("description", "content_type"):
            if fields.get(name) is not None and not isinstance(fields[name], str):
                raise ValueError(f"{name} must be a string")
        return cls(**fields)


class _Queued:
    """A fault in its queue and how many calls it still answers."""

    __slots__ = ("fault", "left")

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.left = fault.times


def _key(target: str) -> str:
    """Bot API methods are case-insensitive (as Telegram's); file paths are not."""
    if not isinstance(target, str) or not target.strip("/ "):
        raise ValueError(_TARGET)
    return target if target == FILE or target.startswith(FILE + "/") else target.lower()


class FaultScript:
    """The queues of scripted faults of one fake, and a log of the faults that answered.
    False while nothing is scripted: the lean server asks only that, per call."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[_Queued]] = {}
        # {"target", "status" (null: the normal answer, delayed or cut), "at"}, in order.
        self.answered: list[JsonDict] = []

    def __bool__(self) -> bool:
        return bool(self._queues)

    def script(self, target: str, *faults: Fault) -> None:
        """Queue ``faults`` for ``target``, after any already waiting there."""
        key = _key(target)
        if not faults:
            raise ValueError("script at least one fault")
        self._queues.setdefault(key, deque()).extend(_Queued(fault) for fault in faults)

    def clear(self) -> None:
        """Forget every waiting fault and the log: the fake answers normally again."""
        self._queues.clear()
        self.answered.clear()

    def take(self, *targets: str) -> Fault | None:
        """The fault that answers this call (the first target with one), used up once."""
        for target in targets:
            key = _key(target)
            queue = self._queues.get(key)
            if not queue:
                continue
            queued = queue[0]
            queued.left -= 1
            if queued.left == 0:
                queue.popleft()
                if not queue:
                    del self._queues[key]
            self.answered.append({"target": key, "status": queued.fault.status, "at": time.time()})
            return queued.fault
        return None

    def pending(self) -> list[JsonDict]:
        """Every waiting fault, in the order its target's calls will meet it."""
        return [{"target": key, "times_left": queued.left, "fault": queued.fault.describe()}
                for key, queue in self._queues.items() for queued in queue]  # fmt: skip

    def script_json(self, body: JsonDict) -> None:
        """``POST /_faults`` ``{"target": ..., "faults": [{...}, ...]}``; a RequestError (400)
        names what is wrong, and then nothing is queued."""
        target, faults = body.get("target"), body.get("faults")
        if not isinstance(target, str):
            raise RequestError(_TARGET)
        if not isinstance(faults, list) or not faults:
            raise RequestError("faults must be a non-empty list of fault objects")
        try:
            self.script(target, *(Fault.from_json(fault) for fault in faults))
        except (TypeError, ValueError) as err:
            raise RequestError(str(err)) from None

    def state(self) -> JsonDict:
        """What ``/_faults`` answers: ``{"pending": [...], "answered": [...]}``."""
        return {"pending": self.pending(), "answered": self.answered}


async def answer_with(fault: Fault | None, normal: Callable[[], Awaitable[Answer]]) -> Answer:
    """``normal()``, or what ``fault`` makes of it: held back by its delay, then replaced by its
    scripted answer or cut short."""
    if fault is None:
        return await normal()
    if fault.delay > 0:
        await asyncio.sleep(fault.delay)
    if fault.status is not None:
        return fault.answer()
    answer = await normal()
    return answer if fault.cut_after is None else answer._replace(cut_after=fault.cut_after)


__all__ = ["FILE", "Answer", "Fault", "FaultScript", "answer_with"]
