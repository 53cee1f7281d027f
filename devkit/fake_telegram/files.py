"""The files the fake holds (sent by simulated users or uploaded by the bot), re-encoded and
served the way Telegram does, and the Bot API's getFile."""

from __future__ import annotations

import base64
import copy
import io
import itertools
import mimetypes
import re
import secrets
from dataclasses import dataclass, field

from devkit.fake_telegram.answers import JsonDict, bad_request
from devkit.fake_telegram.params import is_upload

# getFile serves up to 20 MB; photos are re-encoded as JPEG in two sizes, like Telegram's "s"
# thumbnail (90 px) and its full size (at most 1280 px on the longer side).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
PHOTO_MAX_SIDE = 1280
THUMBNAIL_MAX_SIDE = 90
PHOTO_JPEG_QUALITY = 87
WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"


@dataclass
class StoredFile:
    """A file the fake holds: sent by a simulated user or uploaded by the bot."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes = field(repr=False)
    mime_type: str | None = None
    file_name: str | None = None
    downloads: int = 0

    def as_file(self) -> JsonDict:
        """A Bot API File object, as getFile returns it."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_size": len(self.data), "file_path": self.file_path}  # fmt: skip

    def as_document(self) -> JsonDict:
        """A Bot API Document object."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_name": self.file_name, "mime_type": self.mime_type,
                "file_size": len(self.data)}  # fmt: skip

    def describe(self) -> JsonDict:
        """Everything about it, for ``GET /_files/{file_id}``."""
        return {**self.as_file(), "mime_type": self.mime_type, "file_name": self.file_name,
                "downloads": self.downloads,
                "data_base64": base64.b64encode(self.data).decode("ascii")}  # fmt: skip


class NotAnImage(ValueError):
    """Bytes sent as a photo that no image decoder understands."""


def jpeg_sizes(data: bytes) -> list[tuple[bytes, int, int]]:
    """(JPEG bytes, width, height) of a photo's thumbnail and full size, smallest first, the
    way Telegram re-encodes every photo it is sent."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # only needed for photos

    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise NotAnImage(type(exc).__name__) from None
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    image = image.convert("RGB")
    sizes = []
    for side in (THUMBNAIL_MAX_SIDE, PHOTO_MAX_SIDE):
        copy_ = image.copy()
        copy_.thumbnail((side, side))
        out = io.BytesIO()
        copy_.save(out, "JPEG", quality=PHOTO_JPEG_QUALITY)
        sizes.append((out.getvalue(), copy_.width, copy_.height))
    return sizes


class FileStore:
    """Files by file_id and by file_path (as getFile gives it), and every photo's sizes."""

    def __init__(self) -> None:
        self.by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[JsonDict]] = {}  # any size's file_id -> all sizes
        self._numbers = itertools.count(1)

    def store(
        self, data: bytes, folder: str, extension: str, *,
        mime_type: str | None = None, file_name: str | None = None,
    ) -> StoredFile:  # fmt: skip
        """Keep ``data`` under a new file_id (and file_path, as getFile gives it)."""
        number = next(self._numbers)
        kind = folder.rstrip("s")
        stored = StoredFile(
            file_id=f"fake-{kind}-{number}-{secrets.token_hex(4)}",
            file_unique_id=f"u{number}",
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def store_photo(self, data: bytes) -> list[JsonDict]:
        """Re-encode a photo as Telegram does and keep each size; return the PhotoSize list
        (thumbnail first, full size last).  Raises NotAnImage."""
        sizes: list[JsonDict] = []
        for jpeg, width, height in jpeg_sizes(data):
            stored = self.store(jpeg, "photos", "jpg", mime_type="image/jpeg")
            sizes.append({"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                          "file_size": len(jpeg), "width": width, "height": height})  # fmt: skip
        for size in sizes:
            self._photo_sizes[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    def store_document(
        self, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        name = file_name or "file"
        mime = mime_type if mime_type and mime_type != "application/octet-stream" else None
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        extension = name.rsplit(".", 1)[1].lower() if "." in name else "bin"
        if not re.fullmatch(r"[a-z0-9]{1,10}", extension):
            extension = "bin"
        return self.store(data, "documents", extension, mime_type=mime, file_name=name)

    def at_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def get_file(self, params: JsonDict) -> JsonDict:
        """The Bot API's getFile."""
        file_id = params.get("file_id")
        if file_id is None or file_id == "":
            raise bad_request('parameter "file_id" is required')
        stored = self.by_id.get(str(file_id))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored.as_file()

    def photo_for(self, file: object) -> list[JsonDict]:
        """sendPhoto's ``photo``: an upload (kept, re-encoded) or the file_id of a photo held."""
        if is_upload(file):
            assert isinstance(file, dict)
            try:
                return self.store_photo(base64.b64decode(file["data_base64"]))
            except NotAnImage:
                raise bad_request("IMAGE_PROCESS_FAILED") from None
        sizes = self._photo_sizes.get(str(file))
        if sizes is None:
            raise bad_request(WRONG_FILE_ID)
        return copy.deepcopy(sizes)

    def document_for(self, file: object) -> JsonDict:
        """sendDocument's ``document``: an upload (kept) or the file_id of a file held."""
        if is_upload(file):
            assert isinstance(file, dict)
            stored = self.store_document(
                base64.b64decode(file["data_base64"]), file.get("filename"), file.get("content_type")
            )
        else:
            found = self.by_id.get(str(file))
            if found is None:
                raise bad_request(WRONG_FILE_ID)
            stored = found
        return {**stored.as_document(), "file_name": stored.file_name or "document"}
