"""The UI string catalogue (yse_core/i18n/*.yaml) is the one place for text: every key in fi, sv and en."""

import string

import pytest

from yse_core.i18n import LANGUAGES, catalogue

KEYS = catalogue()


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_catalogue_text_has_fi_sv_en_with_the_same_placeholders(key):
    texts = KEYS[key]
    assert set(texts) == set(LANGUAGES), f"{key}: languages {sorted(texts)}"
    assert all(text.strip() for text in texts.values()), f"{key}: an empty text"
    assert _placeholders(texts["fi"]) == _placeholders(texts["sv"]) == _placeholders(texts["en"]), key


def test_the_catalogue_is_not_empty_and_a_placeholder_mismatch_would_be_seen():
    assert len(KEYS) > 500
    assert _placeholders("{where}: 0x{byte} at {offset}") != _placeholders("{where}: 0x{byte}")
