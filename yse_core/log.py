"""The server's log: one line per event (sign-in, save failure, import, export …), for the operator's journal.

Every audited event is also logged (``audit.record`` calls ``event``), so a sign-in, an import or an export shows
in ``journalctl -u yse-portal`` as it happens; a failed answer save, which changes nothing and so is not
audited, is logged by the questionnaire form. A line names the event, the user id and the target, and only
those details that are numbers or yes/no: no answer text, comment, follow-up wording or password reaches the
log (the audit table in the database keeps the details an admin may read). A failed login for an unknown user
name logs no name: people type their password into the user name field.

Only the portal server writes the log (``configure`` is called by ``ui.serve`` and ``app.py``); the command line
prints its own results and leaves logging alone. The level comes from ``YSE_LOG_LEVEL`` (DEBUG, INFO, WARNING,
ERROR; default INFO).
"""

from __future__ import annotations

import logging
import os
import sys

LOGGER = logging.getLogger("yse")
LOGGER.addHandler(logging.NullHandler())  # no handler configured: nothing printed (not logging's last resort)
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMAT = "%(asctime)s %(levelname)s yse %(message)s"
_HANDLER_NAME = "yse-server"


def configure() -> None:
    """Send the ``yse`` logger's lines to standard error at the level of ``YSE_LOG_LEVEL``; calling again is harmless."""
    raw = os.environ.get("YSE_LOG_LEVEL", "").strip().upper()
    level = raw if raw in LEVELS else "INFO"
    LOGGER.setLevel(level)
    LOGGER.propagate = False  # Streamlit configures the root logger too; one line per event, not two
    if not any(handler.get_name() == _HANDLER_NAME for handler in LOGGER.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter(FORMAT))
        LOGGER.addHandler(handler)
        if raw and raw not in LEVELS:
            LOGGER.warning("event=config_warning YSE_LOG_LEVEL=%r is not one of %s: using INFO", raw, ", ".join(LEVELS))


def event(action: str, username: str | None, target: str | None = None, *, level: int = logging.INFO,
          code: str | None = None, **details) -> None:
    """Log one event line: ``event=<action> user=<id> target=<target>``, a message key, the numeric or yes/no details."""
    if not LOGGER.isEnabledFor(level):
        return
    parts = [f"event={action}", f"user={username or '-'}"]
    if target:
        parts.append(f"target={target}")
    if code:  # a catalogue key such as answer.error.too_long: names what went wrong without the text
        parts.append(f"code={code}")
    parts += [f"{name}={value}" for name, value in details.items() if isinstance(value, bool | int | float)]
    LOGGER.log(level, " ".join(parts))
