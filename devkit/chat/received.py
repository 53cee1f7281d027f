"""The photos and documents the bot sends, saved in a folder so that a player can open them
(``/graph``'s chart, ``/export``'s CSV)."""

from __future__ import annotations

import base64
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from devkit.chat.options import JsonDict

FILE_KINDS = {"photo": "sendPhoto", "document": "sendDocument"}  # feed key -> Bot API method
UNSAFE_CHARACTERS = re.compile(r"[^\w.-]+")
MAX_STEM_LENGTH = 100


@dataclass(frozen=True)
class SentFile:
    """A file the bot sent, with the name it gave it."""

    kind: str  # "photo" or "document"
    file_name: str
    content: bytes


def sent_file_kind(entry: JsonDict) -> str | None:
    """``"photo"`` or ``"document"`` when a bot message brings a file; None otherwise, and for an
    edit (a file message whose buttons changed shows the same file again)."""
    if entry.get("edited"):
        return None
    return next((kind for kind in FILE_KINDS if entry.get(kind)), None)


async def fetch_sent_file(client: httpx.AsyncClient, user_id: int, entry: JsonDict, kind: str) -> SentFile:
    """The file of a bot message as the bot uploaded it: its bytes and file name, from the fake's
    record of the sendPhoto / sendDocument call (a photo as drawn, not re-encoded as Telegram
    shows it).  When the bot sent a file_id, or the record was reset, the file the fake holds."""
    params = {"after": entry["seq"] - 1, "method": FILE_KINDS[kind], "chat_id": user_id}
    response = await client.get("/_calls", params=params)
    response.raise_for_status()
    for call in response.json()["calls"]:
        upload = call["params"].get(kind) if call["seq"] == entry["seq"] else None
        if isinstance(upload, dict) and "data_base64" in upload:
            name = upload.get("filename") or _fallback_name(entry, kind)
            return SentFile(kind, name, base64.b64decode(upload["data_base64"]))
    response = await client.get(f"/_files/{entry[kind]['file_id']}")
    response.raise_for_status()
    held: JsonDict = response.json()
    name = held.get("file_name") or _fallback_name(entry, kind)
    return SentFile(kind, name, base64.b64decode(held["data_base64"]))


def _fallback_name(entry: JsonDict, kind: str) -> str:
    return f"photo-{entry['message_id']}.jpg" if kind == "photo" else f"document-{entry['message_id']}"


def safe_file_name(name: str, fallback: str) -> str:
    """``name`` without folders, and with only letters, digits, ``.``, ``-`` and ``_``, so it
    stays inside the folder and is easy to type; ``fallback`` when nothing is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = UNSAFE_CHARACTERS.sub("_", base).lstrip(".")
    if not base.strip("_"):
        return fallback
    path = Path(base)
    return path.stem[:MAX_STEM_LENGTH] + path.suffix[:MAX_STEM_LENGTH]


def save_file(folder: Path, sent: SentFile) -> Path:
    """Write ``sent`` into ``folder`` (created if missing) under the bot's file name, or with
    ``-2``, ``-3``, ... before the extension if a file of that name is already there.  Another
    chat saving into the same folder at the same moment cannot take the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(safe_file_name(sent.file_name, sent.kind))
    for number in itertools.count(1):
        path = folder / (name.name if number == 1 else f"{name.stem}-{number}{name.suffix}")
        try:
            with path.open("xb") as out:
                out.write(sent.content)
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")


def shown_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies under it, else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)
