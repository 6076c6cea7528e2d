"""Command line for admins and scripts: ``python -m yse_core`` (also installed as ``yse``)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from . import areas, auth, second_factor
from .area_registry import memberships_csv
from .area_update import replace_areas
from .db import backup, db_path_from_env, open_db
from .errors import YseError
from .gaps.cli import add_gaps_parser
from .i18n import t
from .indicators import statfin
from .indicators.parsers import FORMATS, parse_period
from .indicators.store import COUNTRY, area_values, import_file


def _db(args):
    return open_db(db_path_from_env(args.db))


def cmd_init(args) -> str:
    from .setup import init_database

    path = db_path_from_env(args.db)
    init_database(path, demo=args.demo)
    return f"Tietokanta valmis: {path}" + (" (demo)" if args.demo else "")


def cmd_users(args) -> str:
    db = _db(args)
    if args.users_command == "list":
        from .invitations import password_states

        rows = auth.list_users(db)
        states = password_states(db)
        lines = [f"{r['username']:<40} {r['role']:<11} {r['area_id'] or '-':<28} "
                 f"{'aktiivinen' if r['active'] else 'poistettu käytöstä'}{' LUKITTU ' + r['locked_until'] if r['locked_until'] else ''}"
                 f"{'' if states[r['username']] == 'password' else ' ei salasanaa: ' + t('users.state.' + states[r['username']], 'fi')}"
                 for r in rows]
        return "\n".join(lines)
    if args.users_command == "add":
        return _add_user(db, args)
    if args.users_command == "invite":
        from .invitations import invite
        from .mail import load_settings

        user = auth.get_user(db, args.username)
        expires = invite(db, load_settings(), args.username, actor="cli")
        return _invited_line(user, expires)
    if args.users_command == "set-password":
        # The emergency path (no mail): the password from standard input, never from the command line; audited.
        auth.set_password(db, args.username, _read_password(), actor="cli")
        return f"Salasana vaihdettu: {args.username}"
    if args.users_command == "lock":
        auth.lock_user(db, args.username, minutes=args.minutes, actor="cli")
        return f"Lukittu: {args.username}"
    if args.users_command == "unlock":
        auth.unlock_user(db, args.username, actor="cli")
        return f"Lukitus avattu: {args.username}"
    if args.users_command == "reset-2fa":
        removed = second_factor.reset(db, args.username, actor="cli")
        return t("second_factor.reset_done" if removed else "second_factor.reset_none", "fi", username=args.username)
    raise YseError("cli.error.unknown_command", command="users")


def _add_user(db, args) -> str:
    """``users add``: the account without a password, then the invitation by e-mail (unless ``--no-invite``)."""
    from .invitations import invite
    from .mail import MailError, load_settings

    settings = None
    if not args.no_invite:
        if not (args.email or "").strip():
            raise YseError("invite.error.email_needed")
        settings = load_settings()  # before the account: a missing [yse_smtp] stops here, nothing written
    user = auth.add_user(db, args.username, args.name or args.username, None, args.role, args.area,
                         email=(args.email or "").strip(), actor="cli")
    if args.language:
        auth.set_language(db, user.username, args.language)
        user = auth.get_user(db, user.username)
    if settings is None:
        return f"Lisätty {user.username} ({user.role}) ilman salasanaa; kutsu: yse users invite {user.username}"
    try:
        expires = invite(db, settings, user.username, actor="cli")
    except MailError as error:
        raise YseError("cli.error.invite_failed", username=user.username, reason=error) from None
    return f"Lisätty {user.username} ({user.role}). " + _invited_line(user, expires)


def _invited_line(user, expires) -> str:
    from .invitations import finnish_time

    return f"Kutsu lähetetty: {user.username} <{user.email}>, linkki voimassa {finnish_time(expires)} asti"


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    import getpass

    return getpass.getpass("Salasana: ")


def cmd_areas(args) -> str:
    db = _db(args)
    if args.areas_command == "import":
        data = Path(args.file).read_bytes()
        known = [dict(r) for r in db.query("SELECT code, name_fi, name_sv FROM municipalities")]
        parsed = areas.parse_area_csv(data, known)
        summary = replace_areas(db, parsed, actor="cli")
        return f"Alueet korvattu: {summary['areas']} aluetta, {summary['municipalities']} kuntaa, {summary['moved']} kuntaa vaihtoi aluetta."
    if args.areas_command == "export":
        Path(args.out).write_text(memberships_csv(db), encoding="utf-8")
        return f"Kirjoitettu {args.out}"
    if args.areas_command == "contacts":
        return _area_contacts(db, args)
    raise YseError("cli.error.unknown_command", command="areas")


def _area_contacts(db, args) -> str:
    """``areas contacts list [--area ID]`` and ``areas contacts add|remove AREA USERNAME``: an area's TEM contacts."""
    from . import contacts

    if args.contacts_command == "add":
        changed = contacts.assign_contact(db, CLI_USER, args.area_id, args.username)
        return f"{args.username}: alueen {args.area_id} yhteyshenkilö" + ("" if changed else " (jo ennestään)")
    if args.contacts_command == "remove":
        changed = contacts.unassign_contact(db, CLI_USER, args.area_id, args.username)
        return f"{args.username}: ei enää alueen {args.area_id} yhteyshenkilö" + ("" if changed else " (ei ollutkaan)")
    by_area = contacts.contacts_by_area(db)
    area_ids = [args.area] if args.area else [row[0] for row in db.execute("SELECT id FROM areas ORDER BY id")]
    return "\n".join(f"{area_id:<32} " + (", ".join(f"{c['display_name']} ({c['username']})" for c in by_area.get(area_id, []))
                                         or "-") for area_id in area_ids)


def cmd_backup(args) -> str:
    from .backups import RetentionPolicy, backup_into_folder, verify_backup, write_backup

    keeping = args.keep_daily is not None or args.keep_monthly is not None
    if args.out == "verify":  # ``backup verify FILE``: a folder literally named "verify" needs ./verify
        if args.file is None or keeping:
            raise YseError("db.error.backup_usage")
        return t("db.backup.verified", "fi", **verify_backup(args.file))
    if args.file is not None:
        raise YseError("db.error.backup_usage")
    db = _db(args)
    if not keeping and not Path(args.out).is_dir():
        return t("db.backup.written", "fi", path=str(write_backup(db, args.out)))
    policy = RetentionPolicy(args.keep_daily or 0, args.keep_monthly or 0) if keeping else None
    written, removed = backup_into_folder(db, args.out, policy)
    lines = [t("db.backup.written", "fi", path=str(written))]
    if policy:
        figures = {"daily": policy.keep_daily, "monthly": policy.keep_monthly}
        lines.append(t("db.backup.removed", "fi", names=", ".join(path.name for path in removed), **figures) if removed
                     else t("db.backup.removed_none", "fi", **figures))
    return "\n".join(lines)


def cmd_restore(args) -> str:
    from .backups import restore_backup

    result = restore_backup(db_path_from_env(args.db), args.file, actor="cli")
    if result["kept"]:
        return t("db.restore.done", "fi", backup=args.file, path=result["restored_to"], kept=result["kept"],
                 answers=result["answers"], migration=result["migration"])
    return t("db.restore.done_new", "fi", backup=args.file, path=result["restored_to"], answers=result["answers"],
             migration=result["migration"])


def cmd_health(args) -> str:
    from .db import health

    return t("db.health.ok", "fi", **health(db_path_from_env(args.db)))


def cmd_migrate(args) -> str:
    from .db import connect, migrate, migrations, refuse_newer_schema

    path = db_path_from_env(args.db)
    db = connect(path)
    try:
        refuse_newer_schema(db, path)
        pending = [migration.name for migration in migrations.pending(db)]
        if not pending:
            return t("db.migrate.none", "fi", path=str(path))
        listed = t("db.migrate.pending", "fi", path=str(path), count=len(pending), names=", ".join(pending))
        if args.status:
            return listed
        target = backup(db, Path(args.backup_dir or path.parent) / f"{path.stem}-ennen-migraatiota-{time.strftime('%Y%m%dT%H%M%S')}.db")
        migrate(db)
    finally:
        db.close()
    return listed + "\n" + t("db.migrate.applied", "fi", count=len(pending), backup=str(target))


def _statistics_month_text(db, row: dict) -> str:
    """A round's statistics month as YYYY-MM (as typed for --period), marked when it is the default."""
    from .i18n import t
    from .rounds import statistics_month

    month = statistics_month(db, row)
    label = month["period"] or t("rounds.month_none", "fi")
    return t("rounds.month_line", "fi", month=t("rounds.month_default", "fi", month=label) if month["is_default"] else label)


def cmd_rounds(args) -> str:
    from .rounds import list_questionnaires, list_rounds, open_round, register_all, set_reference_period

    db = _db(args)
    if args.rounds_command == "list":
        return "\n".join(f"{r['year']} {r['questionnaire_key']} {r['state']} määräaika {r['deadline']} "
                         f"{_statistics_month_text(db, r)}" for r in list_rounds(db)) or "(ei kierroksia)"
    if args.rounds_command == "questionnaires":
        register_all(db)
        return "\n".join(f"{q['key']} {q['file_name']} {q['file_hash'][:12]} kierrokset: {q['rounds'] or '-'}" for q in list_questionnaires(db))
    if args.rounds_command == "open":
        row = open_round(db, args.year, args.questionnaire, date.fromisoformat(args.deadline),
                         reference_period=args.reference_period, actor="cli")
        return f"Kierros {row['year']} avattu, määräaika {row['deadline']}, {_statistics_month_text(db, row)}"
    if args.rounds_command == "set-period":
        row = set_reference_period(db, args.year, None if args.default else args.period, actor="cli")
        return f"Kierros {row['year']}: {_statistics_month_text(db, row)}"
    if args.rounds_command == "purge":
        from .retention import remove_old_rounds
        from .statements import retention_years

        years = args.older_than or retention_years(db)
        if not years:
            raise YseError("retention.error.no_years")
        removed = remove_old_rounds(db, CLI_USER, years, args.export_dir or ".", dry_run=args.dry_run)
        if not removed:
            return t("retention.none_due", "fi")
        if args.dry_run:
            return "\n".join(t("retention.would_remove", "fi", year=str(r.year),
                                rows=", ".join(f"{table} {count}" for table, count in r.rows.items())) for r in removed)
        return "\n".join(t("retention.removed", "fi", year=str(r.year), files=", ".join(r.files)) for r in removed)
    raise YseError("cli.error.unknown_command", command="rounds")


def cmd_answers(args) -> str:
    from .responses import export_answers, import_answers

    db = _db(args)
    if args.answers_command == "export":
        reader = auth.User("cli", "cli", "admin", None)
        data = export_answers(db, reader, args.round, args.area)
        Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return f"{len(data)} vastausta kirjoitettu tiedostoon {args.out}"
    if args.answers_command == "import":
        user = auth.get_user(db, args.user)
        try:
            data = json.loads(Path(args.file).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise YseError("cli.error.bad_json", file=args.file, line=error.lineno, column=error.colno,
                           reason=error.msg) from None
        except UnicodeDecodeError as error:
            raise YseError("cli.error.not_utf8", file=args.file, byte=error.start + 1) from None
        result = import_answers(db, user, args.round, args.area, data)
        return f"Tuotu: {result['changed']} muuttunutta, {result['unchanged']} ennallaan"
    raise YseError("cli.error.unknown_command", command="answers")


def cmd_import_indicators(args) -> str:
    path = Path(args.file)
    summary = import_file(_db(args), path.name, path.read_bytes(), fmt=args.format, user=args.user,
                          source=args.source)
    return summary.to_text("fi")


_FLAG_TEXTS = {"partial": "osittainen", "suppressed": "salattu"}
_UNIT_TEXTS = {"percent": "%", "days": "pv"}


def _source_label(row: dict, lang: str = "fi") -> str | None:
    """The figure's source: the file's own, or "Laskettu: <file's source> (<how>)" when the portal computed it."""
    if not row["computed"]:
        return row["data_source"]
    return t("indicators.source_computed", lang, source=row["data_source"] or "-",
             method=t(f"indicators.method.{row['computed_method']}", lang))


def cmd_indicators(args) -> str:
    db = _db(args)
    region = args.area.strip()
    area = db.execute("SELECT membership_verified FROM areas WHERE id = ?", [region]).fetchone()
    if region != COUNTRY and area is None:
        raise YseError("cli.error.unknown_area", area=region)
    verified = bool(area[0]) if area is not None else None  # None: the whole country has no member list
    period = parse_period(args.period, "--period") if args.period else None
    rows = [
        {"code": row["code"], "name": row["name"], "unit": row["unit"], "value": row["value"], "flag": row["flag"],
         "partial": row["flag"] == "partial", "is_demo": row["is_demo"], "region_code": row["region_code"],
         "region_level": row["region_level"], "period": row["period"], "source": _source_label(row),
         "computed": row["computed"], "computed_method": row["computed_method"], "membership_verified": verified,
         "data_updated": row["data_updated"], "file_name": row["file_name"], "caveat": row["caveat"]}
        for row in area_values(db, region, period)
    ]
    if args.json:
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if not rows:
        return f"Alueelle {region} ei ole arvoja" + (f" kaudelle {period}." if period else ".")
    width = max(len(row["name"]["fi"]) for row in rows)
    lines = [f"{region}, kausi {period or 'viimeisin'}"]
    for row in rows:
        value = "…" if row["value"] is None else f"{row['value']:.10g}"
        flags = [_FLAG_TEXTS[row["flag"]]] if row["flag"] in _FLAG_TEXTS else []
        flags += ["DEMO"] if row["is_demo"] else []
        flags += [t("indicators.flag.computed", "fi")] if row["computed"] else []
        lines.append(f"  {row['name']['fi']:<{width}}  {value:>10} {_UNIT_TEXTS.get(row['unit'], ''):<2} {row['period']}"
                     f"{'  [' + ', '.join(flags) + ']' if flags else ''}  ({row['code']})")
    sources = dict.fromkeys((row["source"] or "-", row["data_updated"]) for row in rows)
    lines += [f"Lähde: {source}" + (f", päivitetty {updated}" if updated else "") for source, updated in sources]
    caveats: dict[str, list[str]] = {}
    for row in rows:
        if row["caveat"]:
            caveats.setdefault(row["caveat"]["fi"], []).append(row["name"]["fi"])
    lines += [t("indicators.caveat_line", "fi", names=", ".join(names), caveat=text) for text, names in caveats.items()]
    return "\n".join(lines)


def cmd_fetch_statfin(args) -> str:
    if args.dry_run:
        metadata = statfin.fetch_metadata(args.base_url, args.table)
        return statfin.plan_text(metadata, statfin.build_queries(metadata, args.months))
    summary = statfin.fetch_and_import(_db(args), table=args.table, months=args.months, base_url=args.base_url,
                                       user=args.user)
    return summary.to_text("fi")


CLI_USER = auth.User("cli", "Komentorivi", "admin", None)


def cmd_export(args) -> str:
    from . import exports

    db = _db(args)
    if args.export_command == "briefing":
        data = (exports.briefing_docx(db, CLI_USER, args.round, args.area, args.lang) if args.area
                else exports.briefing_zip(db, CLI_USER, args.round, args.lang))
    elif args.export_command == "slides":
        data = (exports.slides_pptx(db, CLI_USER, args.round, args.area, args.lang) if args.area
                else exports.slides_zip(db, CLI_USER, args.round, args.lang))
    elif args.export_command == "minutes":
        data = exports.minutes_docx(db, CLI_USER, args.round, args.area, args.lang)
    elif str(args.out).lower().endswith(".csv"):
        data = exports.round_long_csv(db, CLI_USER, args.round, args.lang)
    else:
        data = exports.round_workbook_xlsx(db, CLI_USER, args.round, args.lang)
    Path(args.out).write_bytes(data)
    return f"Kirjoitettu {args.out} ({len(data) // 1024} KiB)"


def _count(text: str) -> int:
    """A non-negative whole number for argparse (``--keep-daily 14``)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(t("cli.error.not_a_count", "fi", value=text))
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="yse", description="YSE-portaalin ylläpitokomennot")
    parser.add_argument("--db", help="tietokantatiedosto (oletus: YSE_DB tai data/yse.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="luo tietokanta")
    init.add_argument("--demo", action="store_true", help="demotunnukset, demokierros ja demotilastot")
    init.set_defaults(func=cmd_init)

    users = sub.add_parser("users", help="käyttäjät")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    users_sub.add_parser("list")
    add = users_sub.add_parser("add", help="luo tunnus ja lähetä kutsu sähköpostiin (henkilö asettaa itse salasanansa)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=auth.ROLES)
    add.add_argument("--area")
    add.add_argument("--name")
    add.add_argument("--email", help="kutsu lähetetään tähän osoitteeseen ([yse_smtp] secrets.toml-tiedostossa)")
    add.add_argument("--language", choices=("fi", "sv", "en"), help="viestien ja portaalin kieli (oletus fi)")
    add.add_argument("--no-invite", action="store_true",
                     help="älä lähetä kutsua (esim. vain kertakirjautumisella käyttävä tunnus); myöhemmin: users invite")
    invite_cmd = users_sub.add_parser("invite", help="lähetä (uusi) kutsulinkki; aiempi lakkaa toimimasta")
    invite_cmd.add_argument("username")
    setpw = users_sub.add_parser("set-password",
                                 help="hätätilanteisiin, kun sähköposti ei toimi: salasana syötteestä, kirjataan lokiin")
    setpw.add_argument("username")
    lock = users_sub.add_parser("lock")
    lock.add_argument("username")
    lock.add_argument("--minutes", type=int)
    unlock = users_sub.add_parser("unlock")
    unlock.add_argument("username")
    reset_2fa = users_sub.add_parser("reset-2fa", help="poista kaksivaiheinen tunnistautuminen (kadonnut puhelin)")
    reset_2fa.add_argument("username")
    users.set_defaults(func=cmd_users)

    area_cmd = sub.add_parser("areas", help="alueet ja kunnat")
    area_sub = area_cmd.add_subparsers(dest="areas_command", required=True)
    area_import = area_sub.add_parser("import")
    area_import.add_argument("file")
    area_export = area_sub.add_parser("export")
    area_export.add_argument("out")
    area_contacts = area_sub.add_parser("contacts", help="alueiden TEM-yhteyshenkilöt (tarkastajat)")
    contacts_sub = area_contacts.add_subparsers(dest="contacts_command", required=True)
    contacts_list = contacts_sub.add_parser("list")
    contacts_list.add_argument("--area")
    for name in ("add", "remove"):
        change = contacts_sub.add_parser(name)
        change.add_argument("area_id")
        change.add_argument("username")
    area_cmd.set_defaults(func=cmd_areas)

    rounds = sub.add_parser("rounds", help="kyselyt ja kierrokset")
    rounds_sub = rounds.add_subparsers(dest="rounds_command", required=True)
    rounds_sub.add_parser("list")
    rounds_sub.add_parser("questionnaires")
    open_cmd = rounds_sub.add_parser("open")
    open_cmd.add_argument("--year", type=int, required=True)
    open_cmd.add_argument("--questionnaire", required=True, help="esim. yse-2025@1")
    open_cmd.add_argument("--deadline", required=True, help="YYYY-MM-DD")
    open_cmd.add_argument("--reference-period", help="tilastokuukausi YYYY-MM (oletus: viimeisin ennen määräaikaa)")
    set_period = rounds_sub.add_parser("set-period", help="kierroksen tilastokuukausi")
    set_period.add_argument("--year", type=int, required=True)
    period_choice = set_period.add_mutually_exclusive_group(required=True)
    period_choice.add_argument("--period", help="YYYY-MM")
    period_choice.add_argument("--default", action="store_true", help="palauta oletus: viimeisin ennen määräaikaa")
    purge = rounds_sub.add_parser("purge", help="vie ja poista suljetut kierrokset, jotka ovat säilytysajan ulkopuolella")
    purge.add_argument("--older-than", type=int, help="säilytysaika vuosina (oletus: tietosuojaselosteen asetus)")
    purge_target = purge.add_mutually_exclusive_group(required=True)
    purge_target.add_argument("--export-dir", help="kansio, johon kierrokset viedään ennen poistoa")
    purge_target.add_argument("--dry-run", action="store_true", help="näytä, mitä poistettaisiin")
    rounds.set_defaults(func=cmd_rounds)

    answers = sub.add_parser("answers", help="vastausten vienti ja tuonti JSONina")
    answers_sub = answers.add_subparsers(dest="answers_command", required=True)
    a_export = answers_sub.add_parser("export")
    a_export.add_argument("--round", type=int, required=True)
    a_export.add_argument("--area", required=True)
    a_export.add_argument("out")
    a_import = answers_sub.add_parser("import")
    a_import.add_argument("--round", type=int, required=True)
    a_import.add_argument("--area", required=True)
    a_import.add_argument("--user", required=True)
    a_import.add_argument("file")
    answers.set_defaults(func=cmd_answers)

    imp = sub.add_parser("import-indicators", help="tuo tilastotiedosto (PxWeb JSON, JSON-stat 2, PX, CSV, XLSX)")
    imp.add_argument("file")
    imp.add_argument("--format", default="auto", choices=["auto", *FORMATS])
    imp.add_argument("--user", default="cli", help="tuojan nimi tuontilokiin (oletus cli)")
    imp.add_argument("--source", help="kenen lukuja tiedosto sisältää, esim. \"KEHA-keskus, osavuosikatsaus\"; "
                                      "pakollinen CSV:lle ja Excelille, muille korvaa tiedoston oman lähteen")
    imp.set_defaults(func=cmd_import_indicators)

    ind = sub.add_parser("indicators", help="tallennetut tilastot")
    ind_sub = ind.add_subparsers(dest="indicators_command", required=True)
    show = ind_sub.add_parser("show", help="alueen arvot, liput ja lähde")
    show.add_argument("--area", required=True, help="alueen tunnus tai SSS (koko maa)")
    show.add_argument("--period", help="YYYY-MM (oletus: kunkin tiedon viimeisin kausi)")
    show.add_argument("--json", action="store_true",
                      help="tulosta JSON-lista; jokaisella luvulla mm. source (tiedoston lähde tai \"Laskettu: lähde "
                           "(tapa)\"), computed (true: portaali laski luvun: alueen määrä jäsenkuntien summana, "
                           "suhdeluku, osien summa tai vuosimuutos; false: luku sellaisenaan tiedostosta), "
                           "computed_method (sum_of_members, sum_of_parts, ratio, year_on_year tai null), "
                           "membership_verified (alueen kuntajako varmistettu; null koko maalle) ja caveat (fi/sv/en)")
    ind.set_defaults(func=cmd_indicators)

    fetch = sub.add_parser("fetch-statfin", help="hae taulukko 12r5 Tilastokeskuksen PxWeb-rajapinnasta ja tuo se")
    fetch.add_argument("--table", default="12r5")
    fetch.add_argument("--months", type=int, default=1, help="viimeisimmät N kuukautta (oletus 1)")
    fetch.add_argument("--base-url", default=statfin.DEFAULT_BASE_URL)
    fetch.add_argument("--user", default="cli")
    fetch.add_argument("--dry-run", action="store_true", help="lue vain metatiedot ja näytä kyselyt")
    fetch.set_defaults(func=cmd_fetch_statfin)

    add_gaps_parser(sub)

    export = sub.add_parser("export", help="taustamateriaalit, keskustelukalvot, pöytäkirjat ja työkirjat")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    for name, needs_area in (("briefing", False), ("slides", False), ("minutes", True), ("responses", False)):
        command = export_sub.add_parser(name)
        command.add_argument("--round", type=int, required=True)
        command.add_argument("--area", required=needs_area, help="briefing, slides: without --area all areas as one .zip")
        command.add_argument("--lang", default="fi", choices=("fi", "sv", "en"))
        command.add_argument("out", help="briefing: .docx (.zip); slides: .pptx (.zip); "
                                         "responses: .xlsx (workbook) or .csv (long format)")
    export.set_defaults(func=cmd_export)

    bak = sub.add_parser("backup", help="varmuuskopio (SQLite online backup) tai sen tarkistus",
                         usage="yse backup [--keep-daily N] [--keep-monthly M] OUT | yse backup verify FILE")
    # One positional and an optional second rather than subcommands: ``backup OUT`` has no subcommand word.
    bak.add_argument("out", metavar="OUT", help="tiedosto, tai kansio päivätylle varmuuskopiolle; tai sana verify")
    bak.add_argument("file", nargs="?", metavar="FILE", help="verify: tarkistettava varmuuskopio")
    bak.add_argument("--keep-daily", type=_count, metavar="N",
                     help="kansio: säilytä N viimeisimmän päivän uusin varmuuskopio")
    bak.add_argument("--keep-monthly", type=_count, metavar="M",
                     help="kansio: säilytä M viimeisimmän kuukauden uusin varmuuskopio")
    bak.set_defaults(func=cmd_backup)
    restore_cmd = sub.add_parser("restore", help="tarkista varmuuskopio ja palauta se tietokannaksi (portaali pysäytettynä)")
    restore_cmd.add_argument("file", metavar="FILE")
    restore_cmd.set_defaults(func=cmd_restore)

    health_cmd = sub.add_parser("health", help="onko tietokanta tavoitettavissa, kirjoitettavissa ja ajan tasalla (poistumiskoodi)")
    health_cmd.set_defaults(func=cmd_health)
    migrate_cmd = sub.add_parser("migrate", help="puuttuvat migraatiot: luettele (--status) tai ota varmuuskopio ja aja")
    migrate_cmd.add_argument("--status", action="store_true", help="vain luettele, älä muuta mitään")
    migrate_cmd.add_argument("--backup-dir", help="kansio, johon varmuuskopio ennen migraatiota (oletus: tietokannan kansio)")
    migrate_cmd.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; errors print one line (in the command's --lang, else Finnish) and exit non-zero."""
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = getattr(args, "lang", None) or "fi"  # export and gaps take --lang
    try:
        print(args.func(args))
    except YseError as error:
        print(t("cli.error_line", lang, message=error.message(lang)).replace("\n", " "), file=sys.stderr)
        return 1
    except OSError as error:
        message = f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")
        print(t("cli.error_line", lang, message=message), file=sys.stderr)
        return 1
    return 0
