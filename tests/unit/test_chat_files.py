"""The terminal chat's received files (devkit/chat/received.py) and the chat commands the README
tells players to type (they must parse as written)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from devkit.chat.cli import build_parser, options_from_args
from devkit.chat.received import SentFile, safe_file_name, save_file, sent_file_kind
from devkit.processes import REPO_ROOT
from devkit.stack.cli import parse_args as stack_args


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        ("pokertracker-graph-EUR.png", "pokertracker-graph-EUR.png"),
        ("сессии 2024.csv", "сессии_2024.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\bob\\export.csv", "export.csv"),
        (".hidden.csv", "hidden.csv"),
        ("..", "document"),
        ("", "document"),
        ("a" * 300 + ".csv", "a" * 100 + ".csv"),
    ],
)
def test_the_bots_file_name_is_kept_inside_the_folder_and_easy_to_type(name: str, saved: str) -> None:
    assert safe_file_name(name, "document") == saved


def test_a_second_file_of_the_same_name_gets_a_number(tmp_path: Path) -> None:
    folder = tmp_path / "received"
    paths = [save_file(folder, SentFile("document", "export.csv", f"v{n}".encode())) for n in range(3)]
    assert [p.name for p in paths] == ["export.csv", "export-2.csv", "export-3.csv"]
    assert [p.read_bytes() for p in paths] == [b"v0", b"v1", b"v2"]


def test_only_a_new_message_with_a_file_is_saved() -> None:
    assert sent_file_kind({"photo": {"file_id": "p"}, "edited": False}) == "photo"
    assert sent_file_kind({"document": {"file_id": "d"}}) == "document"
    assert sent_file_kind({"photo": {"file_id": "p"}, "edited": True}) is None
    assert sent_file_kind({"text": "hi"}) is None


def _readme_commands(prefix: str) -> list[list[str]]:
    readme = (REPO_ROOT / "README.md").read_text()
    return [shlex.split(code) for code in re.findall(r"`([^`\n]+)`", readme) if code.startswith(prefix)]


def test_the_readmes_chat_commands_parse_as_written() -> None:
    chats = [build_parser().parse_args(words[3:]) for words in _readme_commands(".venv/bin/python -m devkit.chat")]
    ups = [stack_args(words[1:]) for words in _readme_commands("scripts/up ")]
    assert any(args.lang == "ru" for args in ups), "the README shows scripts/up for a Russian-speaking player"
    russian = [options_from_args(args) for args in chats if args.lang == "ru"]
    assert russian and all(o.user_id != 1001 for o in russian), "a second chat in Russian, as another user"
