"""The questionnaire engine: definitions loaded from YAML, answer validation, visibility, progress.

Plain Python with no Streamlit and no database.
"""

from yse_core.questionnaire.answers import (
    is_answered,
    is_visible,
    missing_required,
    theme_progress,
    validate_answer,
)
from yse_core.questionnaire.diff import compare_versions
from yse_core.questionnaire.loader import file_hash, load_all, load_questionnaire, load_questionnaire_text
from yse_core.questionnaire.models import (
    DEFAULT_MAX_ROWS,
    FOLLOW_UP_FREQUENCIES,
    MEASURE_FIELDS,
    QUESTION_TYPES,
    TARGET_GROUPS,
    TEXT_MAX_LENGTH,
    MeasureField,
    Option,
    Question,
    Questionnaire,
    Text,
    Theme,
    VisibleIf,
    measure_field_labels,
)

__all__ = [
    "DEFAULT_MAX_ROWS",
    "FOLLOW_UP_FREQUENCIES",
    "MEASURE_FIELDS",
    "QUESTION_TYPES",
    "TARGET_GROUPS",
    "TEXT_MAX_LENGTH",
    "MeasureField",
    "Option",
    "Question",
    "Questionnaire",
    "Text",
    "Theme",
    "VisibleIf",
    "compare_versions",
    "file_hash",
    "is_answered",
    "is_visible",
    "load_all",
    "load_questionnaire",
    "load_questionnaire_text",
    "measure_field_labels",
    "missing_required",
    "theme_progress",
    "validate_answer",
]
