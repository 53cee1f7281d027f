"""Request/reply contract of the session service.

Requests go to the session queues of ``shared.topology.Topology`` with ``reply_to`` and
``correlation_id`` set; every request gets exactly one reply, errors included, so a caller
never has to guess from a timeout what happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

UserId = Annotated[int, Field(description="Telegram user id")]


class GetSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: UserId


class UpdateSession(BaseModel):
    """Compare-and-set: applies only if the stored version still equals ``expected_version``.

    ``expected_version`` is the version the caller read; 0 means "there was no session".
    """

    model_config = ConfigDict(extra="forbid")
    user_id: UserId
    expected_version: int = Field(ge=0)
    data: dict[str, Any]


class SessionSnapshot(BaseModel):
    """A session as read. An expired or missing session reads as empty ``data``."""

    kind: Literal["session"] = "session"
    user_id: UserId
    version: int = Field(ge=0)
    data: dict[str, Any]
    expires_at: datetime | None = None


class SessionSaved(BaseModel):
    kind: Literal["saved"] = "saved"
    user_id: UserId
    version: int = Field(ge=1)
    expires_at: datetime


class SessionConflict(BaseModel):
    """Someone else wrote the session since the caller read it; nothing was changed."""

    kind: Literal["conflict"] = "conflict"
    user_id: UserId
    expected_version: int
    current_version: int


class SessionError(BaseModel):
    """The request could not be served; ``code`` says why (``bad_request``, ``internal``)."""

    kind: Literal["error"] = "error"
    code: Literal["bad_request", "internal"]
    message: str


GetReply = Annotated[SessionSnapshot | SessionError, Field(discriminator="kind")]
UpdateReply = Annotated[SessionSaved | SessionConflict | SessionError, Field(discriminator="kind")]

get_reply_adapter: TypeAdapter[GetReply] = TypeAdapter(GetReply)
update_reply_adapter: TypeAdapter[UpdateReply] = TypeAdapter(UpdateReply)
