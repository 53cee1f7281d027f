import string
from dataclasses import fields

from services.handler.domain.money import NumberStyle
from services.handler.texts import catalogue_for
from services.handler.texts.en import EN
from services.handler.texts.ru import RU


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _texts(catalogue: object) -> dict[str, str]:
    """Every text of a catalogue by name; a dictionary's entries as ``name[key]``."""
    out = {}
    for f in fields(catalogue):  # type: ignore[arg-type]
        value = getattr(catalogue, f.name)
        if isinstance(value, str):
            out[f.name] = value
        elif isinstance(value, NumberStyle):  # how numbers are written, not a text
            continue
        else:
            out |= {f"{f.name}[{key}]": text for key, text in value.items()}
    return out


def test_every_text_has_the_same_placeholders_in_every_language() -> None:
    en, ru = _texts(EN), _texts(RU)
    assert en.keys() == ru.keys()
    for name, text in en.items():
        assert _placeholders(ru[name]) == _placeholders(text), name


def test_every_field_game_and_format_has_a_name_and_a_hint() -> None:
    from services.handler.domain.edits import FIELD_ALIASES
    from services.handler.domain.records import Format, Game

    for catalogue in (EN, RU):
        assert set(FIELD_ALIASES.values()) <= set(catalogue.field_hints) <= set(catalogue.field_names)
        assert set(catalogue.game_names) == set(Game) and set(catalogue.format_names) == set(Format)


def test_the_command_menu_is_every_command_but_start_in_one_order() -> None:
    from devkit.fake_telegram.commands import COMMAND_RE, MAX_DESCRIPTION_LENGTH
    from services.handler.conversation.dispatcher import COMMANDS

    assert set(EN.command_menu) == set(COMMANDS) - {"start"}
    assert list(RU.command_menu) == list(EN.command_menu)
    for catalogue in (EN, RU):  # Telegram's BotCommand rules, as the fake Telegram checks them
        for command, description in catalogue.command_menu.items():
            assert COMMAND_RE.fullmatch(command) and 0 < len(description) <= MAX_DESCRIPTION_LENGTH


def test_language_choice() -> None:
    assert catalogue_for("ru") is RU
    assert catalogue_for("ru-RU") is RU
    assert catalogue_for("en") is EN
    assert catalogue_for("de") is EN
    assert catalogue_for(None) is EN


def test_texts_fit_in_one_telegram_message() -> None:
    for catalogue in (EN, RU):
        for name, text in _texts(catalogue).items():
            assert 0 < len(text) < 3000, name


def test_every_error_code_a_flow_can_meet_has_a_text_in_every_language() -> None:
    from services.handler.domain.csv_io import FileError, RowProblem
    from services.handler.domain.edits import EDIT_ERRORS
    from services.handler.domain.parsing import REGISTER_ERRORS, RESULT_ERRORS

    for catalogue in (EN, RU):
        assert set(catalogue.register_errors) == REGISTER_ERRORS
        assert set(catalogue.result_errors) == RESULT_ERRORS
        assert set(catalogue.edit_errors) == EDIT_ERRORS
        assert set(catalogue.import_errors) == set(FileError)
        assert set(catalogue.import_row_errors) == set(RowProblem)
