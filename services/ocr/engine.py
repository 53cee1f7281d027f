"""Turning an image into text: Pillow preprocessing, then the ``tesseract`` command line.

Preprocessing (in a worker thread, Pillow releases the GIL for most of it): decode (a file
that is not an image raises :class:`NotAnImage`), apply the EXIF orientation, flatten
transparency onto white, go grayscale, scale so that text is neither too small for
tesseract nor needlessly large, stretch the contrast, and straighten a photo taken a few
degrees askew (the angle whose row profile is sharpest: text lines are horizontal then).

Tesseract runs as a subprocess (``tesseract stdin stdout -l rus+eng --psm N``) reading a
PNG from its standard input, one per job, killed if it outlives the timeout
(:class:`OcrTimeout`).  It is given one thread: the service runs ``OCR_CONCURRENCY`` jobs at
once and sizes that to the machine instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import subprocess
import warnings
from dataclasses import dataclass

from PIL import (
    Image,
    ImageChops,
    ImageFilter,
    ImageOps,
    ImageStat,
    UnidentifiedImageError,
)

log = logging.getLogger(__name__)

MAX_PIXELS = 50_000_000  # a larger "photo" is a decompression bomb, not a ticket


class NotAnImage(Exception):
    """The file is not an image Pillow can decode (or is absurdly large)."""


class OcrTimeout(Exception):
    """Tesseract did not finish in time and was killed."""


class OcrFailed(Exception):
    """Tesseract could not run or exited with an error."""


@dataclass(frozen=True)
class Preprocessing:
    # The longer side is scaled into [min_side, max_side]: Telegram's photos are at most
    # 1280 px, where small print is below the ~20 px letter height tesseract reads best.
    # Measured on the test tickets (tests/integration/test_ocr_accuracy.py, 5 seeds, 1171
    # fields): no upscale of 1280 px photos 98.8% read right, 1600 px 99.0%, 2000 px 98.6%,
    # 2500 px 97.8%; smaller photos gain the most (a 600 px one: 86% unscaled, 92% scaled).
    min_side: int = 1600
    max_side: int = 3500
    autocontrast: bool = True
    # Tesseract copes with 1-3 degrees by itself; at 5-6 degrees it loses lines (measured:
    # small print 66% read right unstraightened, 92% straightened; larger print 81% / 97%).
    deskew: bool = True
    max_skew_degrees: float = 6.0
    skew_step_degrees: float = 0.5


def decode(data: bytes) -> Image.Image:
    """The image in ``data``, decoded and upright (EXIF orientation applied)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise NotAnImage(f"{image.width}x{image.height} pixels is too large")
            image.load()
    except NotAnImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise NotAnImage(type(exc).__name__) from None
    if image.width < 8 or image.height < 8:
        raise NotAnImage(f"{image.width}x{image.height} pixels is too small")
    with contextlib.suppress(Exception):  # a broken EXIF block leaves the image as it is
        image = ImageOps.exif_transpose(image)
    return image


def grayscale(image: Image.Image) -> Image.Image:
    """Grayscale, with any transparency flattened onto white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image.convert("L")


def _row_sharpness(ink: Image.Image) -> float:
    """How strongly the rows alternate between ink and paper: highest when lines are level."""
    # Resizing to one column averages each row (BOX filter): the row profile.
    profile = ink.resize((1, ink.height), Image.Resampling.BOX)
    return float(ImageStat.Stat(profile).var[0])


def skew_angle(image: Image.Image, limit: float, step: float) -> float:
    """The rotation (degrees, counter-clockwise) that levels the text lines best: whole
    degrees first, then ``step`` around the best of them."""
    small = image.copy()
    small.thumbnail((800, 800))
    # Ink is what is darker than the paper around it (the paper's brightness is the local
    # maximum): a dark table around the ticket, or a shadow, is not ink.  White on black,
    # so rotating brings in black (no ink) at the corners.
    paper = small.filter(ImageFilter.MaxFilter(9))
    ink = ImageChops.subtract(paper, small)
    ink = ImageOps.autocontrast(ink, cutoff=1).point(lambda v: 255 if v > 96 else 0)

    scores: dict[float, float] = {0.0: _row_sharpness(ink)}

    def score(angle: float) -> float:
        if angle not in scores:
            rotated = ink.rotate(angle, resample=Image.Resampling.BILINEAR)
            scores[angle] = _row_sharpness(rotated)
        return scores[angle]

    coarse = max(1.0, step)
    best = max((i * coarse for i in range(-int(limit / coarse), int(limit / coarse) + 1)),
               key=lambda a: (score(a), -abs(a)))  # fmt: skip
    fine = [best + i * step for i in range(-int(coarse / step) + 1, int(coarse / step))]
    best = max(fine, key=lambda a: (score(a), -abs(a)))
    # A flat profile (no text found) or a gain within noise: leave the image as it is.
    return best if score(best) > scores[0.0] * 1.02 else 0.0


def preprocess(data: bytes, options: Preprocessing = Preprocessing()) -> bytes:
    """The PNG tesseract reads best for the image in ``data``; raises NotAnImage."""
    image = grayscale(decode(data))
    longer = max(image.size)
    scale = 1.0
    if longer < options.min_side:
        scale = options.min_side / longer
    elif longer > options.max_side:
        scale = options.max_side / longer
    if scale != 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    if options.autocontrast:
        image = ImageOps.autocontrast(image, cutoff=1)
    if options.deskew:
        angle = skew_angle(image, options.max_skew_degrees, options.skew_step_degrees)
        if angle:
            image = image.rotate(
                angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
            )
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


class TesseractEngine:
    """``read(image bytes) -> text`` with the tesseract command line."""

    def __init__(
        self,
        languages: str = "rus+eng",
        timeout: float = 30.0,
        *,
        psm: int = 4,
        command: str = "tesseract",
        preprocessing: Preprocessing = Preprocessing(),
        threads: int = 1,
    ) -> None:
        self.languages = languages
        self.timeout = timeout
        self.psm = psm
        self.command = command
        self.preprocessing = preprocessing
        self._env = {**os.environ, "OMP_THREAD_LIMIT": str(threads)}

    async def read(self, data: bytes) -> str:
        """The text in the image ``data``.  Raises NotAnImage, OcrTimeout or OcrFailed."""
        png = await asyncio.to_thread(preprocess, data, self.preprocessing)
        return await self.recognise(png)

    async def recognise(self, png: bytes) -> str:
        """Run tesseract on a prepared image."""
        args = [self.command, "stdin", "stdout", "-l", self.languages, "--psm", str(self.psm)]
        try:
            process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._env,
            )
        except OSError as exc:
            raise OcrFailed(f"cannot run {self.command}: {type(exc).__name__}") from None
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(png), self.timeout)
        except TimeoutError:
            raise OcrTimeout(f"tesseract ran over {self.timeout:g} s") from None
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if process.returncode != 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise OcrFailed(f"tesseract exited with {process.returncode}: {detail[0][:200]}")
        return stdout.decode("utf-8", "replace")


def tesseract_problem(languages: str, command: str = "tesseract") -> str | None:
    """Why ``command`` cannot read ``languages`` (one line for the operator), or ``None``."""
    try:
        done = subprocess.run(
            [command, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{command} cannot run ({type(exc).__name__}); scripts/system-deps installs it"
    available = {line.strip() for line in done.stdout.splitlines()[1:] if line.strip()}
    missing = [lang for lang in languages.split("+") if lang not in available]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return f"{command} has no language data for {', '.join(missing)} (apt-get install {packages})"
    return None
