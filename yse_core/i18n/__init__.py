"""The one catalogue of UI strings, in Finnish, Swedish and English."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES = ("fi", "sv", "en")
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
CATALOGUE_DIR = Path(__file__).parent


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Load the UI string catalogue (key → {fi, sv, en}) from every YAML file here; a key may appear once."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            for key, entry in (yaml.safe_load(handle) or {}).items():
                if key in merged:
                    raise ValueError(f"UI string '{key}' is defined twice (again in {path.name})")
                merged[key] = entry
    return merged


def t(key: str, lang: str = "fi", /, **values) -> str:
    """Return the UI string for a key in a language (falling back to Finnish), formatted with values."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"UI string '{key}' is not in the catalogue ({CATALOGUE_DIR})")
    text = entry.get(lang) or entry["fi"]
    return text.format(**values) if values else text
