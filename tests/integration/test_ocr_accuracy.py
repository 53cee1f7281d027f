"""How well the OCR engine and the ticket parser read tickets, measured on generated photos.

Each ticket is drawn with Pillow in one of six fonts (DejaVu Sans and Serif, Liberation Sans
and Serif, FreeSans, FreeSerif), in Russian or English, at small, medium or large print,
with realistic random values (names, dates in five notations, buy-ins with or without a fee,
thousands separators, currency signs and codes, stacks as ``20 000`` / ``20,000`` / ``20k`` /
``20 тыс.``, venues) and lines that are not fields (seat, ticket number).  It is then
photographed, so to speak: laid on a dark table, tilted 1 to 3 degrees, unevenly lit,
blurred, given sensor noise, scaled to Telegram's 1280 px and saved as JPEG.

Every font, language and print size is combined once (36 tickets).  The share of fields read
exactly right is printed, written as JSON (``ocr_accuracy.json`` in the test's tmp dir, or
``$OCR_ACCURACY_JSON``) and held to a floor.  ``OCR_ACCURACY_SEED`` draws another set.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from services.ocr.engine import TesseractEngine, decode, grayscale, skew_angle
from services.ocr.ticket import has_fields, parse_ticket
from shared.ocr_api import TicketFields

pytestmark = pytest.mark.integration

FONT_DIR = Path("/usr/share/fonts/truetype")
FONTS = {
    "DejaVu Sans": FONT_DIR / "dejavu/DejaVuSans.ttf",
    "DejaVu Serif": FONT_DIR / "dejavu/DejaVuSerif.ttf",
    "Liberation Sans": FONT_DIR / "liberation/LiberationSans-Regular.ttf",
    "Liberation Serif": FONT_DIR / "liberation/LiberationSerif-Regular.ttf",
    "FreeSans": FONT_DIR / "freefont/FreeSans.ttf",
    "FreeSerif": FONT_DIR / "freefont/FreeSerif.ttf",
}
RUBLE_SIGN_FONTS = ("DejaVu Sans", "DejaVu Serif")  # the others have no glyph for ₽
# Text height in pixels of the photo Telegram delivers (at most 1280 px wide).
PRINT_SIZES = {"small": (13, 14, 15), "medium": (18, 20, 22, 24), "large": (28, 32, 36, 40)}
ANGLES = (-3.0, -2.5, -2.0, -1.5, -1.0, 1.0, 1.5, 2.0, 2.5, 3.0)
FIELDS = ("name", "played_on", "buy_in", "fee", "currency", "starting_stack", "venue")

# The floors, against the figures measured when they were set: seed 2025 99.1% of 232
# fields; nine seeds (324 tickets, 2093 fields) 99.1% overall, 98.3-99.6% per seed, names
# 97.2% (the weakest: a name misread by one letter counts as wrong), nothing invented.  Small
# print in FreeSerif is where tesseract loses letters.
OVERALL_FLOOR = 0.92
FIELD_FLOOR = 0.80
MAX_INVENTED = 2  # fields reported that the ticket does not show

EN_NAMES = ["Sunday Million", "Main Event", "Spring Classic", "Deepstack Turbo", "High Roller",
            "Friday Night Bounty", "Winter Series #3", "Monster Stack", "Big Game Freezeout"]
RU_NAMES = ["Весенний кубок", "Главное событие", "Турнир выходного дня", "Ночной турбо",
            "Большой стек", "Кубок Сочи", "Зимняя серия #2", "Хайроллер", "Кубок чемпионов"]
EN_VENUES = ["Casino Royale", "Aces Poker Club", "Golden Palace", "Riverside Card Room",
             "Empire Casino", "Lucky Seven Club"]
RU_VENUES = ["Казино Сочи", "Покер-клуб Туз", "Шангри Ла", "Клуб Ривер", "Казино Азов-Сити",
             "Покер Рум Олимп"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря"]  # fmt: skip
EN_NOISE = ["Seat 5, Table 12", "Ticket No. 004512", "Non-transferable", "Registration closes 18:00"]
RU_NOISE = ["Стол 12, место 5", "Билет № 004512", "Регистрация до 18:00", "Билет не подлежит передаче"]


@dataclass(frozen=True)
class Ticket:
    lang: str
    font: str
    size: int
    angle: float
    lines: list[str]
    expected: dict[str, Any]  # the fields printed on it; None where it shows none
    image: bytes = field(repr=False)


def _grouped(value: int, separator: str) -> str:
    return f"{value:,}".replace(",", separator)


def _written_date(rng: random.Random, day: date, lang: str) -> str:
    style = rng.choice(["dot", "slash", "iso", "words", "words"])
    if style == "dot":
        return day.strftime("%d.%m.%Y")
    if style == "slash":
        return day.strftime("%d/%m/%Y")
    if style == "iso":
        return day.isoformat()
    if lang == "ru":
        return f"{day.day} {RU_MONTHS[day.month - 1]} {day.year}" + rng.choice(["", " г."])
    return rng.choice([f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}",
                       f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}"])  # fmt: skip


def ticket_lines(rng: random.Random, lang: str, font: str) -> tuple[list[tuple[str, float]], dict[str, Any]]:
    """(text, relative size) of each line and the fields they show."""
    name = rng.choice(EN_NAMES if lang == "en" else RU_NAMES)
    venue = rng.choice(EN_VENUES if lang == "en" else RU_VENUES)
    day = date(rng.randint(2023, 2026), rng.randint(1, 12), rng.randint(1, 28))
    if lang == "en":
        currency = rng.choice(["$", "€", "USD", "EUR"])
        buy_in = rng.choice([50, 100, 200, 250, 500, 1000, 1500, 2500])
        separator = rng.choice([",", " "])
    else:
        currency = rng.choice(["₽", "руб.", "RUB"] if font in RUBLE_SIGN_FONTS else ["руб.", "RUB", "р."])
        buy_in = rng.choice([1000, 2000, 3000, 5000, 10000, 15000, 25000])
        separator = " "
    code = {"$": "USD", "€": "EUR", "₽": "RUB", "руб.": "RUB", "р.": "RUB"}.get(currency, currency)
    fee = rng.choice([None, buy_in // 10, buy_in // 10])
    stack = rng.choice([10000, 20000, 25000, 30000, 40000, 50000])

    def amount(value: int) -> str:
        text = _grouped(value, separator)
        if currency in ("$", "€"):
            return f"{currency}{text}"
        return f"{text} {currency}"

    if lang == "en":
        label = {"name": rng.choice(["Tournament", "Event"]), "date": "Date", "buy_in": "Buy-in",
                 "fee": "Fee", "stack": rng.choice(["Starting stack", "Stack", "Starting chips"]),
                 "venue": rng.choice(["Venue", "Club", "Casino", "Location"])}  # fmt: skip
        header = "POKER TICKET"
    else:
        label = {"name": "Турнир", "date": "Дата", "buy_in": rng.choice(["Бай-ин", "Взнос"]),
                 "fee": rng.choice(["Комиссия", "Сбор"]),
                 "stack": rng.choice(["Стартовый стек", "Стек"]),
                 "venue": rng.choice(["Место", "Клуб", "Казино", "Место проведения"])}  # fmt: skip
        header = "ПОКЕРНЫЙ БИЛЕТ"
    lines: list[tuple[str, float]] = []
    if rng.random() < 0.4:
        lines += [(header, 1.2), (f"{label['name']}: {name}", 1.0)]
    else:
        lines.append((name, 1.6))  # the event name as the ticket's heading
    lines.append((f"{label['date']}: {_written_date(rng, day, lang)}", 1.0))
    if fee is not None and rng.random() < 0.6:
        if currency in ("$", "€"):
            price = f"{amount(buy_in)} + {amount(fee)}"
        else:
            price = f"{_grouped(buy_in, separator)} + {_grouped(fee, separator)} {currency}"
        lines.append((f"{label['buy_in']}: {price}", 1.0))
    else:
        lines.append((f"{label['buy_in']}: {amount(buy_in)}", 1.0))
        if fee is not None:
            lines.append((f"{label['fee']}: {amount(fee)}", 1.0))
    show_stack, show_venue = rng.random() < 0.9, rng.random() < 0.9
    if show_stack:
        short = f"{stack // 1000}k" if lang == "en" else f"{stack // 1000} тыс."
        lines.append((f"{label['stack']}: {rng.choice([_grouped(stack, separator), short])}", 1.0))
    if show_venue:
        lines.append((f"{label['venue']}: {venue}", 1.0))
    lines.append((rng.choice(EN_NOISE if lang == "en" else RU_NOISE), 0.8))
    expected = {
        "name": name, "played_on": day, "buy_in": Decimal(buy_in),
        "fee": None if fee is None else Decimal(fee), "currency": code,
        "starting_stack": stack if show_stack else None, "venue": venue if show_venue else None,
    }  # fmt: skip
    return lines, expected


def photograph(rng: random.Random, lines: list[tuple[str, float]], font: str, size: int, angle: float) -> bytes:
    """The ticket as a phone photo of it reaches the bot: on a table, tilted, unevenly lit,
    slightly blurred and noisy, at most 1280 px, JPEG."""
    pad, width = size, size * 26
    heights = [int(size * scale * 1.6) for _, scale in lines]
    paper = rng.choice([(255, 255, 255), (250, 246, 235), (235, 240, 248)])
    ticket = Image.new("RGB", (width, sum(heights) + 2 * pad), paper)
    draw = ImageDraw.Draw(ticket)
    y = pad
    for (text, scale), height in zip(lines, heights, strict=True):
        draw.text((pad, y), text, font=ImageFont.truetype(str(FONTS[font]), int(size * scale)), fill=(20, 20, 30))
        y += height
    table_colour = (rng.randint(60, 110), rng.randint(50, 90), rng.randint(40, 80))
    photo = Image.new("RGB", (int(ticket.width * 1.15), int(ticket.height * 1.3)), table_colour)
    photo.paste(ticket, ((photo.width - ticket.width) // 2, (photo.height - ticket.height) // 2))
    photo = photo.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=table_colour)
    scale = min(1.0, 1280 / max(photo.size))
    if scale < 1:
        photo = photo.resize((int(photo.width * scale), int(photo.height * scale)), Image.Resampling.LANCZOS)
    darkest = rng.uniform(0.15, 0.35)  # light falls off across the picture
    light = Image.linear_gradient("L").rotate(rng.choice([90, -90, 0, 180])).resize(photo.size)
    light = light.point(lambda v: int(255 - v * darkest))
    photo = Image.composite(photo, Image.new("RGB", photo.size), light)
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    photo = Image.blend(photo, Image.effect_noise(photo.size, rng.uniform(6, 14)).convert("RGB"), 0.08)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=rng.choice([70, 80, 90]))
    return out.getvalue()


def make_ticket(rng: random.Random, lang: str, font: str, size: int, angle: float) -> Ticket:
    lines, expected = ticket_lines(rng, lang, font)
    image = photograph(rng, lines, font, size, angle)
    return Ticket(lang, font, size, angle, [text for text, _ in lines], expected, image)


def ticket_set(seed: int) -> list[Ticket]:
    """Every font x language x print size once, in random order of values."""
    rng = random.Random(seed)
    tickets = []
    for group in PRINT_SIZES.values():
        for lang in ("en", "ru"):
            for font in FONTS:
                tickets.append(make_ticket(rng, lang, font, rng.choice(group), rng.choice(ANGLES)))
    return tickets


def same(read: Any, expected: Any) -> bool:
    if isinstance(expected, str):
        return isinstance(read, str) and " ".join(read.split()).casefold() == expected.casefold()
    return bool(read == expected)


@dataclass
class Score:
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    shown: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    invented: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ticket: Ticket, read: TicketFields) -> None:
        for name in FIELDS:
            expected, got = ticket.expected[name], getattr(read, name)
            if expected is None:
                if got is not None:
                    self.invented += 1
                    self.misses.append(f"{ticket.font} {ticket.size}px {ticket.lang}: invented {name}={got!r}")
                continue
            self.shown[name] += 1
            if same(got, expected):
                self.right[name] += 1
            else:
                self.misses.append(f"{ticket.font} {ticket.size}px {ticket.lang} {ticket.angle:+}°: "
                                   f"{name} {expected!r} read as {got!r}")  # fmt: skip

    @property
    def overall(self) -> float:
        return sum(self.right.values()) / sum(self.shown.values())

    def share(self, name: str) -> float:
        return self.right[name] / self.shown[name] if self.shown[name] else 1.0


async def read_all(engine: TesseractEngine, images: list[bytes], at_once: int) -> list[str]:
    slots = asyncio.Semaphore(at_once)

    async def one(image: bytes) -> str:
        async with slots:
            return await engine.read(image)

    return await asyncio.gather(*(one(image) for image in images))


async def test_tickets_are_read_accurately(tmp_path: Path) -> None:
    seed = int(os.environ.get("OCR_ACCURACY_SEED", "2025"))
    tickets = ticket_set(seed)
    engine = TesseractEngine("rus+eng", timeout=60)
    started = time.monotonic()
    texts = await read_all(engine, [t.image for t in tickets], at_once=os.cpu_count() or 2)
    seconds = time.monotonic() - started
    score = Score()
    for ticket, text in zip(tickets, texts, strict=True):
        score.add(ticket, parse_ticket(text))
    report = {
        "seed": seed,
        "tickets": len(tickets),
        "fonts": list(FONTS),
        "print_sizes_px": PRINT_SIZES,
        "angles_degrees": [min(ANGLES), max(ANGLES)],
        "overall": round(score.overall, 4),
        "fields_shown": sum(score.shown.values()),
        "fields_right": sum(score.right.values()),
        "per_field": {name: {"right": score.right[name], "shown": score.shown[name],
                             "share": round(score.share(name), 4)} for name in FIELDS},
        "invented": score.invented,
        "ocr_seconds": round(seconds, 1),
        "misses": score.misses,
    }
    target = Path(os.environ.get("OCR_ACCURACY_JSON") or tmp_path / "ocr_accuracy.json")
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nOCR accuracy: {score.overall:.1%} of {sum(score.shown.values())} fields on "
          f"{len(tickets)} tickets ({seconds:.1f} s), written to {target}")  # fmt: skip
    for name in FIELDS:
        print(f"  {name:15} {score.right[name]:3}/{score.shown[name]:<3} {score.share(name):.1%}")
    for miss in score.misses:
        print(f"  miss: {miss}")
    assert score.overall >= OVERALL_FLOOR, report
    assert all(score.share(name) >= FIELD_FLOOR for name in FIELDS), report["per_field"]
    assert score.invented <= MAX_INVENTED, score.misses


def scenery() -> bytes:
    """A picture with no text at all."""
    image = Image.new("RGB", (1000, 700), (120, 170, 230))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 700), (300, 250), (600, 700)], fill=(90, 110, 90))
    draw.polygon([(350, 700), (700, 200), (1000, 700)], fill=(70, 90, 80))
    draw.ellipse((780, 60, 900, 180), fill=(250, 220, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def prose() -> bytes:
    """A page of text that is not a ticket."""
    text = [
        "Dear Anna, we finally got to the seaside last week.",
        "The weather was lovely and the children swam every day.",
        "Мы гуляли по набережной и ели мороженое каждый вечер.",
        "Привет всем, кто остался дома, скоро увидимся!",
    ]
    image = Image.new("RGB", (1100, 400), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONTS["DejaVu Serif"]), 28)
    for i, line in enumerate(text):
        draw.text((40, 40 + i * 80), line, font=font, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("picture", [scenery, prose])
async def test_a_picture_that_is_no_ticket_reads_as_nothing(picture: Any) -> None:
    text = await TesseractEngine("rus+eng", timeout=60).read(picture())
    fields = parse_ticket(text)
    assert not has_fields(fields), (text, fields)


@pytest.mark.parametrize("angle", [-5.0, -2.0, 1.5, 4.0])
def test_the_tilt_of_a_photo_is_measured(angle: float) -> None:
    rng = random.Random(int(angle * 10))
    ticket = make_ticket(rng, "ru", "DejaVu Serif", 22, angle)
    measured = skew_angle(grayscale(decode(ticket.image)), limit=6.0, step=0.5)
    assert abs(measured + angle) <= 0.5  # the rotation that levels it undoes the tilt


async def test_a_ticket_tilted_five_degrees_is_still_read() -> None:
    ticket = make_ticket(random.Random(7), "en", "Liberation Sans", 20, 5.0)
    fields = parse_ticket(await TesseractEngine("rus+eng", timeout=60).read(ticket.image))
    assert fields.played_on == ticket.expected["played_on"], (ticket.lines, fields)
    assert fields.buy_in == ticket.expected["buy_in"], (ticket.lines, fields)
