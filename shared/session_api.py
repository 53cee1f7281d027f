"""Request/reply contract of the session service.

A request is a ``SessionBatch``: the gets and the writes one handler process has in flight,
coalesced into one message on ``Topology.session_requests_queue`` with ``reply_to`` and
``correlation_id`` set.  Every request gets exactly one reply, errors included, so a caller
never has to guess from a timeout what happened: a ``SessionBatchReply`` with one outcome per
item, in the order of the items, or a ``SessionError`` when the message is not a batch at all.
The gets are answered by one SQL statement and the writes by one transaction in which each
write is its own all-or-nothing step, so an item's outcome never depends on another's, and a
batch whose reply was lost can be sent again: its writes are then refused as duplicates, or
its compare-and-set fails, and nothing is applied twice.

Deduplication: the session write is the commit point of an update.  An ``UpdateSession`` that
names its ``update_id`` records that id in the same transaction as the write, and the id is
remembered for at least 24 hours; a ``GetSession`` that names it learns whether it was already
applied, and a second write for the same id is refused with ``SessionDuplicate``.

Size: the session service refuses to store ``data`` whose compact JSON (``session_size``) is
larger than its ``SESSION_MAX_BYTES``, with ``SessionTooLarge``; nothing is written or
recorded then.  Writing back the data already stored is never refused.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

UserId = Annotated[int, Field(description="Telegram user id")]

# SESSION_MAX_BYTES, in the session service and in the handler alike.  The conversations'
# largest session (a draft with every field at its longest, in 4-byte characters) is about
# 1.2 KB: the least allowed leaves room for that, the default room to grow, and both stop a
# session that grows without bound.
DEFAULT_MAX_BYTES = 16_384
MIN_MAX_BYTES = 2_048


UpdateId = Annotated[
    int | None,
    Field(description="Telegram update_id this request belongs to, for deduplication"),
]


class GetSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: UserId
    update_id: UpdateId = None


class UpdateSession(BaseModel):
    """Compare-and-set: applies only if the stored version still equals ``expected_version``.

    ``expected_version`` is the version the caller read; 0 means "there was no session".
    """

    model_config = ConfigDict(extra="forbid")
    user_id: UserId
    expected_version: int = Field(ge=0)
    data: dict[str, Any]
    update_id: UpdateId = None


class SessionSnapshot(BaseModel):
    """A session as read. An expired or missing session reads as empty ``data``."""

    kind: Literal["session"] = "session"
    user_id: UserId
    version: int = Field(ge=0)
    data: dict[str, Any]
    expires_at: datetime | None = None
    applied: bool = Field(
        False, description="the request's update_id was already applied: do nothing again"
    )


class SessionSaved(BaseModel):
    """The session now holds the request's data.

    If that data equals what was stored, nothing is written (only the expiry is extended,
    when due) and ``version`` stays as it was: 0 and no ``expires_at`` when an empty session
    was never stored.  The request's update_id is recorded either way.
    """

    kind: Literal["saved"] = "saved"
    user_id: UserId
    version: int = Field(ge=0)
    expires_at: datetime | None = None
    written: bool = True


class SessionConflict(BaseModel):
    """Someone else wrote the session since the caller read it; nothing was changed."""

    kind: Literal["conflict"] = "conflict"
    user_id: UserId
    expected_version: int
    current_version: int


class SessionDuplicate(BaseModel):
    """The update named in the request was already applied; nothing was changed."""

    kind: Literal["duplicate"] = "duplicate"
    user_id: UserId
    update_id: int


class SessionTooLarge(BaseModel):
    """The request's data is larger than the service keeps; nothing was changed or recorded."""

    kind: Literal["too_large"] = "too_large"
    user_id: UserId
    size: int = Field(description="bytes of the data as compact UTF-8 JSON (session_size)")
    limit: int = Field(description="the most the session service stores (SESSION_MAX_BYTES)")


class SessionError(BaseModel):
    """The request could not be served; ``code`` says why (``bad_request``, ``internal``)."""

    kind: Literal["error"] = "error"
    code: Literal["bad_request", "internal"]
    message: str


GetReply = Annotated[SessionSnapshot | SessionError, Field(discriminator="kind")]
UpdateReply = Annotated[
    SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge | SessionError,
    Field(discriminator="kind"),
]

# The most items of either kind one batch may carry: the session service refuses more as a bad
# request, so one message never holds a transaction or a statement open for long.
MAX_BATCH_ITEMS = 256


class SessionBatch(BaseModel):
    """One request message: gets and writes, answered item by item in this order."""

    model_config = ConfigDict(extra="forbid")
    gets: list[GetSession] = Field(default_factory=list, max_length=MAX_BATCH_ITEMS)
    updates: list[UpdateSession] = Field(default_factory=list, max_length=MAX_BATCH_ITEMS)


class SessionBatchReply(BaseModel):
    """One outcome per item of the batch, in its order.

    An item's ``SessionError`` (``internal``) means its statement or transaction failed and
    nothing of it was applied: the caller may send it again.
    """

    kind: Literal["batch"] = "batch"
    gets: list[GetReply] = Field(default_factory=list)
    updates: list[UpdateReply] = Field(default_factory=list)


BatchReply = Annotated[SessionBatchReply | SessionError, Field(discriminator="kind")]
batch_reply_adapter: TypeAdapter[BatchReply] = TypeAdapter(BatchReply)


def session_json(data: dict[str, Any]) -> str:
    """``data`` as the compact JSON the session limit is measured on."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def json_size(text: str) -> int:
    """The size of ``session_json``'s text, in UTF-8 bytes."""
    return len(text.encode("utf-8", "surrogatepass"))


def session_size(data: dict[str, Any]) -> int:
    """The size the session limit is about: ``data`` as compact JSON, in UTF-8 bytes."""
    return json_size(session_json(data))
