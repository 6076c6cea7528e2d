"""Real-format statistics files for tests: the shipped 12r5 export, or a copy with a few controlled changes."""

from __future__ import annotations

import json
from pathlib import Path

REAL_FILE = Path(__file__).parent / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"


def statfin_copy(month: str = "2026M06", cells: dict[tuple[str, str], str] | None = None) -> bytes:
    """Return the real 12r5 file with its month replaced (``2025M12``) and some cells, (region, code) → text, changed.

    A cell set to ``"..."`` is suppressed, as Statistics Finland prints a hidden small count.
    """
    table = json.loads(REAL_FILE.read_text(encoding="utf-8"))
    codes = [column["code"] for column in table["columns"]][2:]
    for row in table["data"]:
        row["key"][1] = month
        for (region, code), text in (cells or {}).items():
            if row["key"][0] == region:
                row["values"][codes.index(code)] = text
    return json.dumps(table, ensure_ascii=False).encode("utf-8")
