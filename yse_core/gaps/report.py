"""The rule report: per rule, how many areas it fires for at each severity, so calibration shows after every import.

A rule that fires for nearly every area whose answers it reads tells a reviewer nothing; ``CALIBRATION_LIMIT``
is the share of such areas above which the report marks a rule for recalibration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlite_utils

from yse_core.answer_store import round_answers
from yse_core.auth import User
from yse_core.i18n import t
from yse_core.rounds import reference_period

from .evaluate import blank_answer
from .loader import shipped_rules
from .models import MISSING_DATA, GapRules
from .service import points_for_round

CALIBRATION_LIMIT = 0.8


@dataclass(frozen=True)
class RuleCount:
    """One rule's row: the areas whose answers it reads, and the areas it fires for by severity."""

    rule_id: str
    severity: str
    kind: str
    areas_read: int
    high: int
    medium: int
    info: int
    missing_data: int

    @property
    def fires(self) -> int:
        """Areas with a point of this rule (any severity, not counting missing-data notes)."""
        return self.high + self.medium + self.info

    @property
    def share(self) -> float | None:
        """Fires / areas read (None when no area has answered what the rule reads)."""
        return self.fires / self.areas_read if self.areas_read else None

    @property
    def too_common(self) -> bool:
        """True when the rule fires for more than ``CALIBRATION_LIMIT`` of the areas it reads."""
        return self.share is not None and self.share > CALIBRATION_LIMIT

    def to_dict(self) -> dict:
        """Plain JSON-ready data."""
        return {**asdict(self), "fires": self.fires, "share": self.share, "too_common": self.too_common}


def rule_report(db: sqlite_utils.Database, round_year: int, rules: GapRules | None = None) -> dict:
    """The round's statistics month, the number of areas, and a ``RuleCount`` per rule, in the rules' order."""
    rules = rules or shipped_rules()
    reader = User("report", "report", "admin", None)
    points = points_for_round(db, round_year, reader, rules)
    answered = {
        area_id: {question_id for question_id, answer in answers.items() if not blank_answer(answer.value)}
        for area_id, answers in round_answers(db, round_year).items()
    }
    counts = []
    for rule in rules.rules:
        severities = {"high": 0, "medium": 0, "info": 0, MISSING_DATA: 0}
        for area_points in points.values():
            for point in area_points:
                if point.rule_id == rule.id:
                    severities[MISSING_DATA if point.kind == MISSING_DATA else point.severity] += 1
        reads = sum(1 for area_id in points if answered.get(area_id, set()) & set(rule.questions))
        counts.append(RuleCount(rule.id, rule.severity, rule.kind, reads, severities["high"], severities["medium"],
                                severities["info"], severities[MISSING_DATA]))
    return {"round": round_year, "reference_period": reference_period(db, round_year), "areas": len(points),
            "rules": counts}


def report_text(report: dict, lang: str = "fi") -> str:
    """The report as a plain-text table for the command line."""
    header = t("gaps.report.heading", lang, round=report["round"], period=report["reference_period"] or "–",
               areas=report["areas"])
    columns = [t(f"gaps.report.{name}", lang) for name in ("rule", "severity", "read", "high", "medium", "info",
                                                             "missing", "share")]
    rows = []
    for count in report["rules"]:
        share = "–" if count.share is None else f"{count.share * 100:.0f} %"
        rows.append([count.rule_id, t(f"gaps.severity_{count.severity}", lang), str(count.areas_read), str(count.high),
                     str(count.medium), str(count.info), str(count.missing_data),
                     share + (" !" if count.too_common else "")])
    widths = [max(len(column), *(len(row[index]) for row in rows)) for index, column in enumerate(columns)]
    lines = [header, "", "  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True))]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines += ["", t("gaps.report.legend", lang, limit=int(CALIBRATION_LIMIT * 100))]
    return "\n".join(lines)
