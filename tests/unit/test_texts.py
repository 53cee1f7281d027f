import string
from dataclasses import fields

from services.handler.texts import catalogue_for
from services.handler.texts.en import EN
from services.handler.texts.ru import RU


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_has_the_same_placeholders_in_every_language() -> None:
    for f in fields(EN):
        assert _placeholders(getattr(RU, f.name)) == _placeholders(getattr(EN, f.name)), f.name


def test_language_choice() -> None:
    assert catalogue_for("ru") is RU
    assert catalogue_for("ru-RU") is RU
    assert catalogue_for("en") is EN
    assert catalogue_for("de") is EN
    assert catalogue_for(None) is EN


def test_texts_fit_in_one_telegram_message() -> None:
    for catalogue in (EN, RU):
        for f in fields(catalogue):
            assert 0 < len(getattr(catalogue, f.name)) < 3000, f.name
