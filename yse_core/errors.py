"""The project's exceptions: one root, shallow user-facing subclasses.

Pages catch ``YseError`` and show ``str(error)``; anything else is a bug.
"""


class YseError(Exception):
    """Root of every error the portal shows to a person."""


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

    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}


class NotFound(YseError):
    """A row the caller named does not exist."""


class AuthError(YseError):
    """Login, lockout or password problem."""
