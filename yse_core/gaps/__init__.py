"""Discussion points: declarative rules that find gaps between an area's statistics and its answers."""

from .evaluate import DiscussionPoint, IndicatorFigure, evaluate
from .loader import RULES_PATH, load_rules, parse_rules, shipped_rules
from .models import KINDS, MISSING_DATA, SEVERITIES, SEVERITY_RANK, GapRule, GapRuleError, GapRules
from .service import area_figures, heatmap_data, points_for_area, points_for_round, statistic_of

__all__ = [
    "KINDS",
    "MISSING_DATA",
    "RULES_PATH",
    "SEVERITIES",
    "SEVERITY_RANK",
    "DiscussionPoint",
    "GapRule",
    "GapRuleError",
    "GapRules",
    "IndicatorFigure",
    "area_figures",
    "evaluate",
    "heatmap_data",
    "load_rules",
    "parse_rules",
    "points_for_area",
    "points_for_round",
    "shipped_rules",
    "statistic_of",
]
