"""Errors carry a catalogue key and parameters; the reader's language is chosen when the message is shown."""

import pytest

from yse_core import formatting
from yse_core.errors import AnswerError, ConflictError, YseError


def test_error_message_is_filled_in_the_readers_language():
    error = AnswerError("error.example_too_long", limit=20000, length=20001)
    assert error.message("fi") == "Teksti on liian pitkä: enintään 20\u00a0000 merkkiä, nyt 20\u00a0001."
    assert error.message("sv") == "Texten är för lång: högst 20\u00a0000 tecken, nu 20\u00a0001."
    assert error.message("en") == "The text is too long: at most 20,000 characters, now 20,001."
    assert str(error) == error.message("fi")
    assert error.key == "error.example_too_long" and error.params == {"limit": 20000, "length": 20001}


def test_localized_parameter_and_nested_error_follow_the_language():
    inner = AnswerError("error.example_too_long", limit=5, length=6)
    outer = YseError("error.example_too_long", limit={"fi": "viisi", "sv": "fem", "en": "five"}, length=inner)
    assert outer.message("sv").startswith("Texten är för lång: högst fem tecken, nu Texten är för lång")


def test_conflict_error_keeps_the_current_answer():
    error = ConflictError("error.example_too_long", current={"version": 3}, limit=1, length=2)
    assert error.current == {"version": 3}
    assert "enintään 1 merkkiä" in str(error)


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "signed", "expected"),
    [
        (12345.6, "fi", 1, False, "12\u00a0345,6"),
        (12345.6, "en", 1, False, "12,345.6"),
        (-3.25, "sv", 2, False, "\u22123,25"),
        (4.0, "fi", None, True, "+4"),
        (2.5, "fi", None, False, "2,5"),
        (None, "fi", 1, False, "–"),
        (float("nan"), "en", 0, False, "–"),
    ],
)
def test_number_as_text(value, lang, decimals, signed, expected):
    assert formatting.number(value, lang, decimals, signed=signed) == expected
