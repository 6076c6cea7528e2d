"""Numbers read from the environment (``YSE_COOKIE_EXPIRY_DAYS``, ``YSE_IDLE_MINUTES``), checked one way."""

from __future__ import annotations

import math
import os

from .errors import ConfigError


def positive_number(name: str, default: float, error_key: str, *, maximum: float = math.inf, **params) -> float:
    """The variable ``name`` as a number in (0, maximum]; unset or empty gives ``default``.

    Anything else (text, zero, negative, NaN, infinity, over the maximum) raises ``ConfigError(error_key)``
    with the raw value as ``value``, so the portal names the variable instead of showing a traceback.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (0 < value <= maximum and math.isfinite(value)):  # NaN fails every comparison
        raise ConfigError(error_key, value=raw, **params)
    return value
