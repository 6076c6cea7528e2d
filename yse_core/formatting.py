"""Figures as a person reads them, in Finnish, Swedish and English: the one place numbers become text.

Finnish and Swedish group thousands with a no-break space and use a decimal comma; negative numbers
carry a real minus sign (U+2212), which screen readers say and which does not break from its digits.
"""

from __future__ import annotations

import math

MINUS = "\u2212"
MISSING = "–"


def number(value: float | int | None, lang: str = "fi", decimals: int | None = None, *, signed: bool = False) -> str:
    """Return a number as text: 12 345,6 in Finnish and Swedish, 12,345.6 in English; a dash when missing.

    ``decimals=None`` keeps the number's own digits (20 000, 2,5); a whole float shows no decimals.
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
        text = f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"
    if lang != "en":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text.replace("-", MINUS)
