"""The project's exceptions: one root, shallow user-facing subclasses.

The core raises an error with a message key from the catalogue (``yse_core/i18n/*.yaml``) and its
parameters; the page or the CLI shows ``error.message(lang)``. ``str(error)`` is the Finnish text, for
logs and the audit trail. Parameters are filled in the reader's language: numbers through
``formatting.number``, a ``{fi, sv, en}`` mapping by its language, a nested ``YseError`` by its own message.
"""

from __future__ import annotations

from collections.abc import Mapping

from yse_core.i18n import catalogue, t
from yse_core.values import number


def localize(value: object, lang: str) -> object:
    """Return one parameter of a message as the reader of ``lang`` reads it."""
    if isinstance(value, YseError):
        return value.message(lang)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return number(value, lang)
    if isinstance(value, Mapping) and "fi" in value:
        return value.get(lang) or value["fi"]
    return value


class YseError(Exception):
    """Root of every error the portal shows to a person: a catalogue key and its parameters."""

    def __init__(self, key: str, /, **params: object):
        # Transitional: a text that is not a catalogue key is shown as it is, in every language.
        # Issue 14 converts every raise to a key; then this becomes a KeyError.
        self.key = key if key in catalogue() else None
        self._literal = key
        self.params = params
        super().__init__(key)

    def message(self, lang: str = "fi") -> str:
        """Return the message in ``lang`` (fi, sv or en), its parameters filled in that language."""
        if self.key is None:
            return self._literal
        return t(self.key, lang, **{name: localize(value, lang) for name, value in self.params.items()})

    def __str__(self) -> str:
        return self.message("fi")


class ConfigError(YseError):
    """The portal is configured wrongly (missing cookie key, unreadable database)."""


class DatabaseError(YseError):
    """The database file is missing, corrupt, read-only or full."""


class ReferenceDataError(YseError):
    """An areas/municipalities file is malformed or inconsistent."""


class QuestionnaireError(YseError):
    """A questionnaire file is malformed: names the file, the place and the problem."""


class AnswerError(YseError):
    """An answer value is not valid for its question."""


class IndicatorImportError(YseError):
    """A statistics file cannot be imported: names the place and the problem."""


class PermissionDenied(YseError):
    """The user may not read or change this."""


class ConflictError(YseError):
    """Someone else saved the same answer since this user last read it."""

    def __init__(self, key: str, /, current: dict | None = None, **params: object):
        super().__init__(key, **params)
        self.current = current or {}


class NotFound(YseError):
    """A row the caller named does not exist."""


class AuthError(YseError):
    """Login, lockout or password problem."""
