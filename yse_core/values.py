"""Plain value rules with no dependencies, for ``yse_core.formatting``: a number as text, an empty answer.

Callers use ``formatting.number``, ``formatting.unanswered`` and ``formatting.blank``. The functions live
in a module of their own, below every other, only so that ``yse_core.errors`` (a message's numbers) and
``yse_core.questionnaire`` (the empty-answer rule) need not import ``formatting``, which reads the
questionnaire's measure fields: both would be import loops (``tests/test_import_cycles.py``).
"""

from __future__ import annotations

import math

MINUS = "\u2212"
MISSING = "–"


def number(value: float | int | None, lang: str = "fi", decimals: int | None = None, *, signed: bool = False) -> str:
    """Return a number as text: 12 345,6 in Finnish and Swedish, 12,345.6 in English; a dash when missing.

    ``decimals=None`` keeps the number's own digits (20 000, 2,5); a whole float shows no decimals.
    ``signed=True`` writes a change: +1,5 and −1,5. A value that rounds to zero shows no minus sign.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, float) and (math.isinf(value) or abs(value) >= 1e15):
        return str(value)
    if decimals is None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = f"{value:+,}" if signed else f"{value:,}"
    else:
        if round(value, decimals) == 0:
            value = 0.0  # −0,0 would read as a fall that is not there
        text = f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"
    if lang != "en":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text.replace("-", MINUS)


def unanswered(value: object) -> bool:
    """None, a whitespace-only text or an empty list/mapping: the question is unanswered (the one rule)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def blank(value: object) -> bool:
    """Unanswered, or NaN (an empty spreadsheet cell read by pandas): nothing to show."""
    return unanswered(value) or (isinstance(value, float) and math.isnan(value))
