"""/graph: a real PNG of the promised size, drawn from the data and the caller's words."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal as D

from PIL import Image

from services.handler.charts import ChartLabels, _money, _number, render_graph
from services.handler.domain.money import EN_NUMBERS, RU_NUMBERS

RU = ChartLabels(title="Результаты: Иван", profit_title="Прибыль нарастающим итогом", profit_axis="Прибыль, ₽",
                 roi_title="ROI по месяцам", roi_axis="ROI, %", numbers=RU_NUMBERS, date_axis="Дата",
                 no_data="Нет данных")
EN = ChartLabels(title="Results", profit_title="Cumulative profit", profit_axis="Profit",
                 roi_title="ROI by month", roi_axis="ROI, %", numbers=EN_NUMBERS)

POINTS = [(date(2025, 1, 5), D(-100)), (date(2025, 1, 5), D("-250.50")), (date(2025, 2, 3), D(1200)),
          (date(2025, 3, 20), D("950.25"))]
MONTHLY = [(date(2025, 1, 1), D(-100)), (date(2025, 2, 1), None), (date(2025, 3, 1), D("33.3333"))]


def image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(png))
    img.load()
    assert img.format == "PNG"
    assert img.size == (1000, 700)
    return img


def render(*args: object) -> bytes:
    # A Cyrillic glyph missing from the font would be a warning: make it fail the test.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return render_graph(*args)  # type: ignore[arg-type]


def test_a_png_of_the_promised_size_in_russian_and_english() -> None:
    ru = render(POINTS, MONTHLY, RU)
    en = render(POINTS, MONTHLY, EN)
    image(ru)
    image(en)
    assert ru != en  # the words are the caller's


def test_different_data_makes_a_different_picture() -> None:
    base = render(POINTS, MONTHLY, EN)
    assert render([*POINTS[:-1], (date(2025, 3, 20), D("-950.25"))], MONTHLY, EN) != base
    assert render(POINTS, MONTHLY[:1], EN) != base
    assert render(POINTS, MONTHLY, EN) == base  # and the same data the same picture


def test_one_point_and_one_month() -> None:
    image(render([(date(2025, 3, 1), D("150.50"))], [(date(2025, 3, 1), D("75.25"))], RU))
    image(render([(date(2025, 3, 1), D(0))], [(date(2025, 3, 1), D(0))], RU))


def test_nothing_to_draw_and_freeroll_months_only() -> None:
    empty = render([], [], RU)
    image(empty)
    freerolls = render([(date(2025, 3, 1), D(20))], [(date(2025, 3, 1), None)], RU)
    image(freerolls)
    assert empty != freerolls


def test_hundreds_of_points_over_years() -> None:
    rng = random.Random(3)
    points, total, day = [], D(0), date(2019, 6, 1)
    for _ in range(800):
        day += timedelta(days=rng.randint(0, 4))
        total += D(rng.randint(-30000, 60000)) / 100
        points.append((day, total))
    months = []
    month = date(2019, 6, 1)
    while month <= day:
        months.append((month, D(rng.randint(-100, 400)) if rng.random() > 0.1 else None))
        month = (month + timedelta(days=32)).replace(day=1)
    image(render(points, months, RU))


def test_many_threads_at_once_draw_the_same_pictures() -> None:
    jobs = [(POINTS, MONTHLY, RU), (POINTS[:2], MONTHLY[:1], EN)] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        pictures = list(pool.map(lambda job: render_graph(*job), jobs))
    expected = [render(*jobs[0]), render(*jobs[1])]
    assert pictures == expected * 4


def test_importing_the_module_does_not_import_matplotlib() -> None:
    code = "import sys, services.handler.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_chart_numbers_are_written_the_readers_way() -> None:
    assert _number(12500.0, EN_NUMBERS) == "12,500" and _number(12500.0, RU_NUMBERS) == "12\u00a0500"
    assert _number(-0.5, RU_NUMBERS) == "−0,5"
    assert _money(D("12500.5"), EN_NUMBERS) == "+12,500.50"
    assert _money(D("-300"), RU_NUMBERS) == "−300"
