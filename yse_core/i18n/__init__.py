"""The one catalogue of UI strings, in Finnish, Swedish and English."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES = ("fi", "sv", "en")
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
CATALOGUE_PATH = Path(__file__).with_name("ui.yaml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Load the UI string catalogue (key → {fi, sv, en})."""
    with CATALOGUE_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def t(key: str, lang: str = "fi", **values) -> str:
    """Return the UI string for a key in a language (falling back to Finnish), formatted with values."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"UI string '{key}' is not in {CATALOGUE_PATH.name}")
    text = entry.get(lang) or entry["fi"]
    return text.format(**values) if values else text
