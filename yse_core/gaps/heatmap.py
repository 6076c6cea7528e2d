"""The round overview's heat map as plain data: one cell per area × theme with its count and most severe point.

The page draws it (``ui/heatmap_view.py``); the grid itself is built here, free of Streamlit, so it is tested
against the gaps service without a browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from yse_core.questionnaire.models import Theme

from .evaluate import DiscussionPoint
from .models import SEVERITY_RANK

SEVERITY_BY_RANK = {rank: severity for severity, rank in SEVERITY_RANK.items()}


@dataclass(frozen=True)
class HeatCell:
    """One area × theme cell: how many discussion points the theme has and the most severe of them."""

    area_id: str
    theme: str
    count: int
    severity: str | None  # "high", "medium", "info"; None when the theme has no points

    @property
    def level(self) -> int:
        """3 high, 2 medium, 1 info, 0 no points."""
        return SEVERITY_RANK[self.severity] if self.severity else 0


def heat_grid(points_by_area: Mapping[str, Iterable[DiscussionPoint]], themes: Iterable[str | Theme]) -> list[HeatCell]:
    """Every area × theme cell in the given order (areas as in ``points_by_area``, themes as given).

    A point whose theme is not among ``themes`` is not counted (a rule written for another questionnaire version).
    """
    theme_ids = [theme if isinstance(theme, str) else theme.id for theme in themes]
    cells = []
    for area_id, points in points_by_area.items():
        counts = dict.fromkeys(theme_ids, 0)
        worst = dict.fromkeys(theme_ids, 0)
        for point in points:
            if point.theme in counts:
                counts[point.theme] += 1
                worst[point.theme] = max(worst[point.theme], SEVERITY_RANK[point.severity])
        cells += [HeatCell(area_id, theme, counts[theme], SEVERITY_BY_RANK.get(worst[theme])) for theme in theme_ids]
    return cells


def area_summary(grid: Iterable[HeatCell]) -> dict[str, tuple[int, int]]:
    """Area id → (most severe level over its themes, number of points): what the overview filters and sorts on."""
    summary: dict[str, tuple[int, int]] = {}
    for cell in grid:
        level, count = summary.get(cell.area_id, (0, 0))
        summary[cell.area_id] = (max(level, cell.level), count + cell.count)
    return summary
