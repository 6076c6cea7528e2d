"""Read questionnaire YAML files into validated ``Questionnaire`` models.

Every problem becomes a ``QuestionnaireError`` whose message names the file, the place inside it
(``themes[2].questions[0].type``) and what is wrong, in plain words in Finnish, Swedish and English.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from pathlib import Path

from yse_core.errors import QuestionnaireError
from yse_core.questionnaire.models import (
    INDICATOR_CODE_PATTERN,
    QUESTION_TYPES,
    QUESTIONNAIRE_ID_PATTERN,
    SLUG_PATTERN,
    Questionnaire,
)
from yse_core.yaml_models import Location, MessageLines, Problem, Schema, message, read_yaml_file, show

QUESTIONNAIRE_SUFFIXES = (".yaml", ".yml")

# The catalogue key of each pattern's explanation.
_PATTERN_KEYS = {
    SLUG_PATTERN: "questionnaire.problem.bad_slug",
    QUESTIONNAIRE_ID_PATTERN: "questionnaire.problem.bad_questionnaire_id",
    INDICATOR_CODE_PATTERN: "questionnaire.problem.bad_indicator_code",
}


def _describe(loc: Location, item: dict) -> Problem | None:
    """The questionnaire's own wording of an unknown question type and of a malformed id."""
    value = item.get("input")
    if item["type"] == "literal_error" and loc and loc[-1] == "type":
        close = difflib.get_close_matches(str(value), QUESTION_TYPES, n=1, cutoff=0.6)
        types = ", ".join(QUESTION_TYPES)
        if close:
            return loc, message("questionnaire.problem.misspelt_type", value=show(value), suggestion=close[0], types=types)
        return loc, message("questionnaire.problem.unknown_type", value=show(value), types=types)
    if item["type"] == "string_pattern_mismatch" and (item.get("ctx") or {}).get("pattern") in _PATTERN_KEYS:
        return loc, message(_PATTERN_KEYS[item["ctx"]["pattern"]], value=show(value))
    return None


SCHEMA = Schema(Questionnaire, QuestionnaireError, _describe)


def file_hash(path: str | Path) -> str:
    """The SHA-256 hex digest of a file's bytes (stored with a questionnaire to detect edits)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_questionnaire(path: str | Path, known_indicators: Iterable[str] | None = None) -> Questionnaire:
    """Load and validate one questionnaire YAML file."""
    path = Path(path)
    return load_questionnaire_text(read_yaml_file(path, QuestionnaireError), str(path), known_indicators)


def load_questionnaire_text(
    text: str, source_name: str = "<text>", known_indicators: Iterable[str] | None = None
) -> Questionnaire:
    """Validate a questionnaire given as YAML text; ``source_name`` names it in error messages."""
    known = None if known_indicators is None else frozenset(known_indicators)
    return SCHEMA.load(text, source_name, context={"known_indicators": known})


def load_all(directory: str | Path, known_indicators: Iterable[str] | None = None) -> dict[str, Questionnaire]:
    """Load every ``*.yaml``/``*.yml`` file of a directory, keyed ``id@version``; all or nothing."""
    directory = Path(directory)
    if not directory.is_dir():
        raise QuestionnaireError("loader.not_a_directory", directory=str(directory))
    known = None if known_indicators is None else frozenset(known_indicators)
    paths = sorted(
        path
        for path in directory.iterdir()
        if path.suffix in QUESTIONNAIRE_SUFFIXES and path.is_file() and not path.name.startswith(".")
    )
    loaded: dict[str, Questionnaire] = {}
    sources: dict[str, Path] = {}
    failures: list[QuestionnaireError] = []
    for path in paths:
        try:
            questionnaire = load_questionnaire(path, known)
        except QuestionnaireError as error:
            failures.append(error)
            continue
        if questionnaire.key in loaded:
            failures.append(QuestionnaireError("loader.questionnaire_twice", file=str(path), questionnaire=questionnaire.key,
                                               first=str(sources[questionnaire.key])))
            continue
        loaded[questionnaire.key] = questionnaire
        sources[questionnaire.key] = path
    if failures:
        raise QuestionnaireError("loader.broken_files", directory=str(directory), broken=len(failures), total=len(paths),
                                 failures=MessageLines(failures))
    return loaded
