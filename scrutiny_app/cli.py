"""Command line: ``scrutiny-app`` with no command opens the GUI; the subcommands are headless.

Headless commands never import Qt (a test checks it). A user mistake prints one clear line to
stderr and exits with code 2; only a bug shows a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scrutiny_app import __version__, cli_packs, cli_security, cli_server
from scrutiny_app.errors import UserError
from scrutiny_app.storage import Database, StorageError

EXIT_USER_ERROR = 2
# Commands that may start a new database; the others need one that exists.
CREATES_DATABASE = frozenset({"demo", "new-panel"})


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


# --------------------------------------------------------------------------- commands


def cmd_demo(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import demo, panels

    if panels.list_panels(db):
        raise UserError(f"{db.display_name} already holds panels; the demo needs a new database.")
    ids = demo.create_demo(db)
    print(f"Demo data written to {db.display_name}")
    print(f"  OOCD meeting (stalking and harassment): --meeting {ids.oocd_meeting}")
    print(
        f"  Police powers meeting (stop and search, January 2019): --meeting {ids.police_powers_meeting}"
    )
    print(
        f"  Complaints meeting (incivility, impoliteness and intolerance): "
        f"--meeting {ids.complaints_meeting}"
    )
    return 0


def cmd_meetings(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import panels

    data = panels.list_panels(db)
    if args.json:
        _print_json(
            [
                {
                    "panel_id": p.id,
                    "panel": p.name,
                    "template": p.template.key,
                    "force": p.force,
                    "meetings": [
                        {
                            "id": m.id,
                            "uuid": m.uuid,
                            "date": m.date.isoformat(),
                            "theme": m.theme,
                            "status": m.status,
                            "cases": m.case_count,
                            "decided": m.decided_count,
                        }
                        for m in p.meetings
                    ],
                }
                for p in data
            ]
        )
        return 0
    if not data:
        print("No panels yet. Create the demo with: scrutiny-app demo --db FILE")
    for p in data:
        print(f"{p.name}  [{p.template.name}; {p.force or 'force not set'}]")
        if not p.meetings:
            print("    (no meetings)")
        for m in p.meetings:
            print(
                f"  {m.id:>5}  {m.date.isoformat()}  {m.theme or '(no theme)'}  "
                f"({m.decided_count}/{m.case_count} decided, {m.status})"
            )
    return 0


def cmd_new_panel(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import panels

    panel_id = panels.create_panel(
        db,
        args.template,
        args.name,
        force=args.force,
        code=args.code,
        access_mode=args.access,
        actor=args.actor,
    )
    print(f"Panel {panel_id}: {args.name}")
    return 0


def cmd_new_meeting(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import panels

    meeting_id = panels.create_meeting(db, args.panel, args.date, args.theme, actor=args.actor)
    print(f"Meeting {meeting_id}: {args.date.isoformat()} {args.theme}")
    return 0


def _load_mapping(
    path: Path | None,
) -> tuple[dict[str, str] | None, dict[str, dict[str, str]] | None]:
    """(mapping, value maps) from a mapping file: either a flat JSON object of file column ->
    target, or ``{"columns": {...}, "values": {"file column": {"value": "value to store"}}}``."""
    if path is None:
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"Cannot read the mapping {path}: {exc}") from None
    values: object = None
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        if set(data) - {"columns", "values"}:
            extra = ", ".join(sorted(set(data) - {"columns", "values"}))
            raise UserError(f'{path}: unknown key(s) {extra} (expected "columns" and "values")')
        data, values = data["columns"], data.get("values") or {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UserError(f"{path}: a mapping is a JSON object of file column -> target.")
    if values is not None and not (
        isinstance(values, dict)
        and all(
            isinstance(m, dict) and all(isinstance(v, str) for v in m.values())
            for m in values.values()
        )
    ):
        raise UserError(
            f'{path}: "values" is a JSON object of file column -> {{"value in the file": '
            '"value to store"}.'
        )
    return data, values  # type: ignore[return-value]


def cmd_import(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import importer, panels

    meeting_id = panels.resolve_meeting_id(db, args.meeting)
    mapping, value_maps = _load_mapping(args.mapping_file)
    try:
        result = importer.import_file(
            db,
            meeting_id,
            args.file,
            mapping=mapping,
            value_maps=value_maps,
            mapping_name=args.mapping,
            save_mapping_as=args.save_mapping,
            skip_invalid=args.skip_invalid,
            actor=args.actor,
        )
    except importer.ImportRejected as exc:
        for problem in exc.problems:
            print(f"scrutiny-app: {problem}", file=sys.stderr)
        print(
            f"scrutiny-app: error: {len(exc.problems)} problem(s) in {args.file.name}; nothing "
            "was imported. Fix the file, or give --skip-invalid to import the valid rows only.",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    print(result.summary)
    for problem in result.problems:
        print(f"  skipped: {problem}")
    for column, raw, clean, rows in result.tidied[:_TIDIED_SHOWN]:
        print(f"  tidied: {column}: {raw!r} -> {clean or '(blank)'!r} ({rows} row(s))")
    if len(result.tidied) > _TIDIED_SHOWN:
        print(f"  tidied: ... and {len(result.tidied) - _TIDIED_SHOWN} more value(s)")
    for warning in result.warnings:
        print(f"  warning: {warning}")
    return 0


_TIDIED_SHOWN = 40


def _where(items: list[str]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--where takes FIELD=VALUE, not {item!r}")
        where.setdefault(key.strip(), []).append(value.strip())
    return where


def cmd_sample(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import panels, sampling

    meeting_id = panels.resolve_meeting_id(db, args.meeting)
    spec = sampling.SampleSpec(
        size=args.size,
        seed=args.seed,
        stratify_by=args.stratify,
        allocation=args.allocation,
        date_from=args.date_from,
        date_to=args.date_to,
        where=_where(args.where),
        exclude_recent_meetings=args.exclude_recent,
        purposive=tuple(args.add),
        carry_over=not args.no_carry_over,
    )
    result = sampling.draw_sample(db, meeting_id, spec=spec, replace=args.replace, actor=args.actor)
    if args.json:
        _print_json(
            {
                "seed": result.seed,
                "population": result.population_size,
                "size": result.size,
                "references": list(result.references),
                "selection": {d.reference: d.selection for d in result.drawn},
                "strata": {k: {"population": n, "drawn": d} for k, (n, d) in result.strata.items()},
                "method_statement": result.method_statement,
            }
        )
        return 0
    print(result.method_statement)
    for d in result.drawn:
        note = "" if d.selection == "random" else f"  ({d.selection.replace('_', ' ')})"
        print(f"{d.reference}{note}")
    return 0


def cmd_cases(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.domain.when import calendar_date, local_time
    from scrutiny_app.services import cases, panels

    meeting_id = panels.resolve_meeting_id(db, args.meeting)
    data = cases.meeting_cases(db, meeting_id)

    def day(r: cases.CaseRow) -> str | None:
        return calendar_date(r.occurred_at).isoformat() if r.occurred_at else None

    def time(r: cases.CaseRow) -> str | None:
        t = local_time(r.occurred_at) if r.occurred_at else None
        return f"{t:%H:%M}" if t is not None else None

    if args.json:
        _print_json(
            [
                {
                    "reference": r.reference,
                    "date": day(r),  # the UK calendar day
                    "time": time(r),  # UK local time; None for a date with no time
                    "occurred_at_utc": r.occurred_at,
                    "summary": r.summary,
                    "outcome": r.outcome_code,
                    "judgement": r.outcome_label,
                    "observations": r.observations,
                }
                for r in data.rows
            ]
        )
        return 0
    for r in data.rows:
        when = day(r) or "          "
        print(f"{r.reference:<18} {when}  {r.outcome_label or '-':<40} {r.summary}")
    print(f"{data.decided_count} of {len(data.rows)} decided")
    return 0


def cmd_judge(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import cases, panels, session

    meeting_id = panels.resolve_meeting_id(db, args.meeting)
    data = cases.meeting_cases(db, meeting_id)
    row = next((r for r in data.rows if r.reference == args.case), None)
    if row is None:
        raise UserError(
            f"No case {args.case!r} in meeting {meeting_id}. "
            f"List them with: scrutiny-app cases --meeting {meeting_id}"
        )
    texts = {
        name: value
        for name, value in (
            ("observations", args.observations),
            ("good_practice", args.good_practice),
        )
        if value is not None
    }
    # The session's rules, whoever records: consensus suggested from the members' views when
    # not given, "none" only with the outcome that carries the case over.
    options = {"consensus": args.consensus} if args.consensus else {}
    answers = cli_packs.parse_answers(args.answer)
    session.save_decision(
        db,
        row.item_id,
        outcome_code=args.outcome,
        answers=answers or None,
        actor=args.actor,
        **options,
        **texts,
    )
    print(f"{row.reference}: {data.template.label(args.outcome)}")
    return 0


def cmd_recommend(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import panels, recommendations

    meeting_id = panels.resolve_meeting_id(db, args.meeting)
    panel = panels.panel_of_meeting(db, meeting_id)
    rec = recommendations.add_recommendation(
        db,
        panel.id,
        args.text,
        meeting_id=meeting_id,
        addressed_to=args.to,
        response_due=args.due,
        actor=args.actor,
    )
    print(f"{rec.reference}: {rec.text}")
    if args.issue:
        recommendations.issue_recommendations(
            db, references=[rec.reference], on=args.on, actor=args.actor
        )
        print(f"{rec.reference}: issued to the force")
    return 0


def cmd_issue(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import panels, recommendations

    if args.meeting is None and not args.reference:
        raise UserError("Say what to issue: --meeting ID (its drafts) or --reference REF ...")
    meeting_id = panels.resolve_meeting_id(db, args.meeting) if args.meeting else None
    issued = recommendations.issue_recommendations(
        db, meeting_id=meeting_id, references=args.reference, on=args.on, actor=args.actor
    )
    if not issued:
        print("No draft recommendations to issue.")
    for rec in issued:
        due = f"; response due {rec.response_due:%d %b %Y}" if rec.response_due else ""
        print(f"{rec.reference}: issued to {rec.addressed_to or 'the force'}{due}")
    return 0


def cmd_report(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import panels
    from scrutiny_app.services.report import pdf as report
    from scrutiny_app.services.report import word as report_docx

    out: Path = args.out
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".docx"):
        raise UserError(f"The report's --out must end in .pdf or .docx (got {out.name!r}).")
    meeting_id = panels.resolve_meeting_id(db, args.meeting)
    version = "public, OFFICIAL" if args.public else "internal, OFFICIAL-SENSITIVE"
    written: list[Path] = []
    if args.mark_published is not None and not args.public:
        raise UserError("--mark-published goes with --public (the version that is published).")
    if args.allow_unjudged and not args.public:
        raise UserError(
            "--allow-unjudged goes with --public (the internal version is never refused)."
        )
    options = {"public": args.public, "allow_unjudged": args.allow_unjudged, "actor": args.actor}
    if suffix == ".pdf":
        written.append(report.build_report(db, meeting_id, out, **options))
    if suffix == ".docx" or args.docx:
        written.append(
            report_docx.build_report_docx(db, meeting_id, out.with_suffix(".docx"), **options)
        )
    for path in written:
        print(f"Report ({version}) written to {path}")
    if args.mark_published is not None:
        from scrutiny_app.services import retention

        on = retention.mark_published(db, meeting_id, args.mark_published, actor=args.actor)
        print(
            f"Marked published on {on:%d %b %Y}: its case data is kept for the panel's retention period."
        )
    return 0


def cmd_publication(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services import panels, publication

    meeting_id = panels.resolve_meeting_id(db, args.meeting)
    check = publication.check_publication(db, meeting_id)
    todo: list[tuple[str, list[str]]] = [
        ("redact", args.redact),
        ("keep", args.keep),
        ("withhold", args.withhold),
    ]
    if args.redact_all:
        todo.append(("redact", [p.id for _, p in check.undecided]))
    for decision, ids in todo:
        if ids:
            check = publication.decide(db, meeting_id, ids, decision, actor=args.actor)
    if args.undo:
        check = publication.undo_decision(db, meeting_id, args.undo, actor=args.actor)
    if args.json:
        _print_json(
            {
                "meeting": meeting_id,
                "undecided": len(check.undecided),
                "texts": [
                    {
                        "label": t.label,
                        "entity": t.entity,
                        "entity_uuid": t.entity_uuid,
                        "field": t.field,
                        "withheld": t.withheld,
                        "public_text": t.public_text,
                        "passages": [
                            {
                                "id": p.id,
                                "text": p.text,
                                "why": p.why,
                                "start": p.start,
                                "end": p.end,
                                "decision": p.decision.value if p.decision else None,
                            }
                            for p in t.passages
                        ],
                    }
                    for t in check.flagged
                ],
            }
        )
        return 0
    flagged = check.flagged
    if not flagged:
        print(f"Publication check: {len(check.texts)} published texts, nothing flagged.")
        return 0
    for t in flagged:
        print(t.label + ("  [whole text kept internal]" if t.withheld else ""))
        for p in t.passages:
            state = p.decision.label if p.decision else "UNDECIDED"
            print(f'  {p.id}  {state:<24} "{p.text}"  ({p.why})')
    n = len(check.undecided)
    print(
        f"{n} undecided: the public report is refused until each is decided "
        "(--redact ID, --keep ID, --withhold ID, --redact-all)."
        if n
        else "Every flagged passage is decided: the public report can be exported."
    )
    return 0


def cmd_tracker(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.services.tracker import export as tracker
    from scrutiny_app.services.tracker import returned as tracker_import

    if args.import_file is None:
        if args.apply:
            raise UserError("--apply goes with --import FILE.xlsx (the force's returned tracker).")
        if args.out is None:
            raise UserError(
                "Say what to do: --out FILE.xlsx|FILE.csv to export the tracker, or "
                "--import FILE.xlsx [--apply] to read the force's returned tracker."
            )
        out = tracker.export_tracker(db, args.out, panel_id=args.panel, actor=args.actor)
        print(f"Recommendation tracker written to {out}")
        return 0
    if args.out is not None:
        raise UserError("Use --out (export) or --import (read back), not both at once.")
    preview = tracker_import.preview_tracker_import(db, args.import_file, actor=args.actor)
    for line in preview.report_lines():
        print(line)
    if args.apply and preview.has_rejections and not args.skip_rejected:
        n = len(preview.rejected)
        cells = "1 cell was" if n == 1 else f"{n} cells were"
        print(
            f"scrutiny-app: error: nothing was applied: {cells} rejected (listed above). "
            "Correct the file and import it again, or add --skip-rejected to apply the valid "
            "changes only.",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    if args.apply:
        result = tracker_import.apply_tracker_import(
            db, preview, actor=args.actor, skip_rejected=args.skip_rejected
        )
        print(f"Applied: {result.summary}")
    elif preview.has_changes:
        print("Nothing was changed: run again with --apply to apply the changes above.")
    if preview.has_rejections:
        n = len(preview.rejected)
        cells = "1 cell was" if n == 1 else f"{n} cells were"
        print(
            f"scrutiny-app: error: {cells} rejected (listed above); correct "
            f"{'it' if n == 1 else 'them'} in the file and import it again.",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    return 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scrutiny-app",
        description="Independent police scrutiny panels: dip-sample cases, record judgements, "
        "report and track recommendations. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"scrutiny-app {__version__}")
    parser.add_argument(
        "--db",
        metavar="FILE",
        help="database file or URL (default: $SCRUTINY_DB, else scrutiny.db in the user data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[Database, argparse.Namespace], int], help: str):
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument(
            "--db", metavar="FILE", default=argparse.SUPPRESS, help="database file or URL"
        )
        cli_security.passphrase_option(p, "the database's (when it is encrypted)")
        p.set_defaults(func=func)
        return p

    add("demo", cmd_demo, "create the demo panels and meetings in a new database")
    p = add("meetings", cmd_meetings, "list the panels' meetings with their ids")
    p.add_argument("--json", action="store_true", help="print JSON")

    from scrutiny_app.services.templates import BUILTIN_KEYS

    p = add("new-panel", cmd_new_panel, "create a panel from a template")
    p.add_argument("--template", required=True, choices=BUILTIN_KEYS)
    p.add_argument("--name", required=True)
    p.add_argument("--force", default="", help="the police force scrutinised")
    p.add_argument("--code", default="", help="short code used in references, e.g. OOCD")
    p.add_argument("--access", default="pseudonymised", choices=["pseudonymised", "full"])

    p = add("new-meeting", cmd_new_meeting, "create a meeting of a panel")
    p.add_argument("--panel", required=True, type=int, metavar="ID")
    p.add_argument("--date", required=True, type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--theme", default="")

    p = add(
        "import",
        cmd_import,
        "import a case extract (CSV or XLSX) into a meeting; data.police.uk stop-and-search "
        "files need no mapping",
    )
    p.add_argument("--meeting", required=True, metavar="ID")
    p.add_argument("file", type=Path, metavar="PATH")
    p.add_argument("--mapping", metavar="NAME", help="a mapping saved for this panel")
    p.add_argument(
        "--mapping-file",
        type=Path,
        metavar="JSON",
        help='a mapping: {"file column": "column:reference" | "column:occurred_at" | '
        '"field:<template field>" | "extra:<name>" | "ignore", ...}; or {"columns": {that}, '
        '"values": {"file column": {"value in the file": "value to store"}}} to tidy values '
        "beyond the standard tidying (a value mapped to itself is kept as it is)",
    )
    p.add_argument("--save-mapping", metavar="NAME", help="save the mapping used under NAME")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows and skip rows with problems (default: refuse the file)",
    )

    p = add("sample", cmd_sample, "draw a reproducible random sample of a meeting's cases")
    p.add_argument("--meeting", required=True, metavar="ID")
    p.add_argument("--size", required=True, type=_positive, metavar="N")
    p.add_argument("--seed", type=int, metavar="S", help="default: a new seed, printed")
    p.add_argument("--stratify", metavar="FIELD", help="e.g. gender, age_band, ethnicity_group")
    p.add_argument("--allocation", default="proportional", choices=["proportional", "equal"])
    p.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="keep only cases with this value (repeat for more values or fields)",
    )
    p.add_argument(
        "--exclude-recent",
        type=int,
        default=0,
        metavar="N",
        help="leave out cases reviewed at the panel's last N meetings",
    )
    p.add_argument("--add", action="append", default=[], metavar="REF", help="hand-pick a case")
    p.add_argument(
        "--no-carry-over",
        action="store_true",
        help="do not add the previous meeting's no-consensus cases",
    )
    p.add_argument("--replace", action="store_true", help="replace the meeting's existing sample")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("cases", cmd_cases, "list a meeting's sampled cases and their judgements")
    p.add_argument("--meeting", metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")
    cli_packs.add_pack_option(p)

    p = add("judge", cmd_judge, "record the panel's judgement on a case")
    p.add_argument("--meeting", required=True, metavar="ID")
    p.add_argument("--case", required=True, metavar="REF")
    p.add_argument("--outcome", required=True, metavar="CODE", help="an outcome code of the scheme")
    p.add_argument(
        "--consensus",
        choices=["unanimous", "majority", "split", "none"],
        help="default: suggested from the members' views (unanimous when there are none)",
    )
    p.add_argument("--observations")
    p.add_argument("--good-practice")
    p.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="the panel's answer to one of the template's questions (repeatable; "
        "KEY= removes an answer)",
    )

    p = add("recommend", cmd_recommend, "raise a recommendation from a meeting")
    p.add_argument("--meeting", required=True, metavar="ID")
    p.add_argument("--text", required=True)
    p.add_argument("--to", default="", metavar="ROLE", help="addressed to (force role)")
    p.add_argument("--due", type=_date, metavar="YYYY-MM-DD", help="response due")
    p.add_argument("--issue", action="store_true", help="issue it to the force at once")
    p.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="date issued (default today)")

    p = add(
        "issue",
        cmd_issue,
        "issue recommendations to the force: a meeting's drafts, or the ones named",
    )
    p.add_argument("--meeting", metavar="ID", help="issue every draft of this meeting")
    p.add_argument("--reference", nargs="+", default=[], metavar="REF", help="issue these")
    p.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="date issued (default today)")

    p = add("report", cmd_report, "export a meeting's panel report as PDF (and Word)")
    p.add_argument("--meeting", required=True, metavar="ID")
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FILE.pdf",
        help="the PDF to write; a name ending in .docx writes only the Word document",
    )
    p.add_argument(
        "--public",
        action="store_true",
        help="the published version, marked OFFICIAL: no case references, nothing the panel "
        "flagged internal (default: the internal version, marked OFFICIAL-SENSITIVE)",
    )
    p.add_argument(
        "--docx",
        action="store_true",
        help="also write the same report as an editable Word document beside the PDF (FILE.docx)",
    )
    p.add_argument(
        "--mark-published",
        nargs="?",
        const=dt.date.today(),
        type=_date,
        metavar="YYYY-MM-DD",
        help="with --public: record that this report is published (today, or on the day given); "
        "the retention period of the meeting's case data runs from it",
    )
    p.add_argument(
        "--allow-unjudged",
        action="store_true",
        help="with --public: export although cases are not yet judged (the report says so)",
    )

    p = add(
        "publication",
        cmd_publication,
        "the publication check: list the passages of the public report that may be personal "
        "data, and decide each (redact, keep, or keep the whole text internal)",
    )
    p.add_argument("--meeting", required=True, metavar="ID")
    for flag, what in (
        ("--redact", "print [redacted] in place of these passages in the public version"),
        ("--keep", "publish these passages as they are"),
        ("--withhold", "keep the whole text holding each passage out of the public version"),
        ("--undo", "take back the decision on these passages"),
    ):
        p.add_argument(flag, nargs="+", default=[], metavar="ID", help=what)
    p.add_argument("--redact-all", action="store_true", help="redact every passage not yet decided")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add(
        "tracker",
        cmd_tracker,
        "export the recommendation tracker (XLSX or CSV), or read back the force's returned XLSX",
    )
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = (
        "examples:\n"
        "  scrutiny-app tracker --db FILE --out tracker.xlsx     export for the force\n"
        "  scrutiny-app tracker --db FILE --out tracker.csv      export as CSV\n"
        "  scrutiny-app tracker --db FILE --import returned.xlsx show what would change\n"
        "  scrutiny-app tracker --db FILE --import returned.xlsx --apply\n"
        "\n"
        "--import without --apply changes nothing: it lists the changes per recommendation\n"
        "(old -> new), the rejected cells (row, column), ignored edits to the panel's columns\n"
        "and unmatched rows, and the recommendations missing from the file. --apply applies\n"
        "the changes in one transaction, and nothing at all if a cell was rejected unless\n"
        "--skip-rejected is given. Either way the exit code is 2 when a cell was rejected."
    )
    p.add_argument(
        "--out", type=Path, metavar="FILE.xlsx|FILE.csv", help="export the tracker to this file"
    )
    p.add_argument(
        "--panel", type=int, metavar="ID", help="export one panel's recommendations only"
    )
    p.add_argument(
        "--import",
        dest="import_file",
        type=Path,
        metavar="FILE.xlsx",
        help="read the tracker the force returned and show what would change",
    )
    p.add_argument(
        "--apply",
        action="store_true",
        help="with --import: apply the changes (nothing is applied if a cell was rejected)",
    )
    p.add_argument(
        "--skip-rejected",
        action="store_true",
        help="with --apply: apply the valid changes although some cells were rejected",
    )

    cli_packs.add_commands(sub, add)
    cli_server.add_commands(sub)
    cli_server.add_db_commands(add)
    cli_security.add_commands(sub)
    cli_security.add_db_commands(add)
    cli_security.add_retention_command(add)

    p = sub.add_parser("open", help="open a member's pack in member mode (the window)")
    p.add_argument("pack", type=Path, metavar="FILE.scrutiny")

    p = sub.add_parser("gui", help="open the app (the default)")
    p.add_argument("--db", metavar="FILE", default=argparse.SUPPRESS)
    return parser


def no_display() -> str | None:
    """Why the window cannot open here (a Linux session with no display), else None: said in
    one line before Qt is loaded, instead of Qt's message about xcb plugins."""
    import os

    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform and platform not in ("xcb", "wayland", "wayland-egl"):
        return None  # offscreen, vnc, eglfs...: the user chose where it draws
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display: the app's window needs a desktop session (neither DISPLAY nor "
        "WAYLAND_DISPLAY is set). The commands work without one (scrutiny-app --help); "
        "on a server, run it under xvfb-run."
    )


def os_user() -> str:
    """The operating system's name for the person running the command ("" if it has none)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return ""


def _silence_stdout() -> None:
    """Point stdout at devnull, so the interpreter's final flush to the closed pipe is quiet."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) == 1 and argv[0].endswith(".scrutiny"):  # a pack double-clicked
        argv = ["open", argv[0]]
    args = parser.parse_args(argv)
    args.actor = os_user()  # who acts, for the audit trail: the person logged in to the OS
    if args.command in (None, "gui"):
        reason = no_display()
        if reason:
            print(f"scrutiny-app: {reason}", file=sys.stderr)
            return EXIT_USER_ERROR
        from scrutiny_app.gui.app import run  # Qt is loaded only here

        return run(args.db)
    if args.command == "open":
        reason = no_display()
        if reason:
            print(f"scrutiny-app: {reason}", file=sys.stderr)
            return EXIT_USER_ERROR
        from scrutiny_app.gui.member_window import run_member

        return run_member(str(args.pack))
    if args.command == "cases" and args.pack is not None:
        args.pack_func = cli_packs.cmd_pack_cases
    file_func = getattr(args, "pack_func", None) or getattr(args, "file_func", None)
    if file_func is not None:  # a pack, the database file itself (encrypt, rekey), or a copy
        try:
            return int(file_func(args))
        except (UserError, StorageError) as exc:
            print(f"scrutiny-app: error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        except BrokenPipeError:
            _silence_stdout()
            return 0
        except OSError as exc:
            print(
                f"scrutiny-app: error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr
            )
            return EXIT_USER_ERROR
    if args.command == "cases" and args.meeting is None:
        parser.error("cases: give --meeting ID (a meeting's cases) or --pack FILE (a pack's)")
    try:
        creates = args.command in CREATES_DATABASE
        passphrase = cli_security.given_passphrase(args)
        db = Database.open(args.db, create=creates, replace_empty=creates, passphrase=passphrase)
    except (StorageError, UserError) as exc:
        print(f"scrutiny-app: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    from scrutiny_app.services import logins

    args.actor = logins.actor_name(db, args.actor)  # on a server: the person logged in
    created = db.upgrade is not None and db.upgrade.from_revision is None
    if created and db.path is not None and not db.encrypted:
        cli_security.warn_plain(db.path)
    try:
        return args.func(db, args)
    except (UserError, StorageError) as exc:
        print(f"scrutiny-app: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # `scrutiny-app cases | head`: the reader has all it wanted
        _silence_stdout()
        return 0
    except OSError as exc:  # a path the user gave: missing folder, no permission, disk full
        print(f"scrutiny-app: error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("scrutiny-app: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    finally:
        db.close()
