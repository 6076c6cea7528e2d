"""``yse gaps [report] --round YEAR [--area ID] [--json] [--lang fi|sv|en]``: discussion points, or the rule report."""

from __future__ import annotations

import argparse
import json

from yse_core.auth import User
from yse_core.db import db_path_from_env, open_db
from yse_core.i18n import t

from .report import report_text, rule_report
from .service import points_for_area, points_for_round


def cmd_gaps(args: argparse.Namespace) -> str:
    """Return the discussion points of one area or of every area in a round, as plain text or JSON."""
    db = open_db(db_path_from_env(getattr(args, "db", None)))
    reader = User("cli", "cli", "admin", None)
    try:
        if getattr(args, "action", None) == "report":
            report = rule_report(db, args.round)
            if args.json:
                return json.dumps({**report, "rules": [count.to_dict() for count in report["rules"]]},
                                  ensure_ascii=False, indent=2)
            return report_text(report, args.lang)
        if args.area:
            points_by_area = {args.area: points_for_area(db, args.round, args.area, reader)}
        else:
            points_by_area = points_for_round(db, args.round, reader)
    finally:
        db.close()
    if args.json:
        data = {area_id: [point.to_dict() for point in points] for area_id, points in points_by_area.items()}
        return json.dumps(data, ensure_ascii=False, indent=2)
    lang = args.lang
    lines = []
    for area_id, points in points_by_area.items():
        lines.append(f"{area_id} ({len(points)})")
        if not points:
            lines.append(f"  {t('cli.gaps.no_points', lang)}")
        for point in points:
            severity = t(f"gaps.severity_{point.severity}", lang).upper()
            lines.append(f"  [{severity}] {point.theme} / {point.rule_id}: {point.message(lang)}")
    return "\n".join(lines)


def add_gaps_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``gaps`` subcommand on the main parser's subparsers."""
    parser = subparsers.add_parser("gaps", help="keskustelunostot: tilastojen ja vastausten erot")
    parser.add_argument("action", nargs="?", choices=("report",),
                        help="report: sääntöraportti (montako aluetta kukin sääntö nostaa vakavuuksittain)")
    parser.add_argument("--round", type=int, required=True, help="kierroksen vuosi, esim. 2025")
    parser.add_argument("--area", help="vain tämä alue (tunnus, esim. helsinki)")
    parser.add_argument("--json", action="store_true", help="JSON-muodossa")
    parser.add_argument("--lang", choices=("fi", "sv", "en"), default="fi", help="viestien kieli (oletus fi)")
    parser.set_defaults(func=cmd_gaps)
    return parser
