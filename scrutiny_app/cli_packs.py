"""The command line for member packs: the officer's ``pack`` and ``merge`` (on a database) and
the member's ``cases --pack``, ``view --pack`` and ``return --pack`` (on a pack, no database).

A pack's passphrase is read as a database's is (``cli_security``): from ``--passphrase-file`` or
the file ``SCRUTINY_PASSPHRASE_FILE`` names, never from an argument. ``pack`` (which also opens
the database) takes the new pack's from ``--pack-passphrase-file``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from scrutiny_app.cli_security import (
    PASSPHRASE_ENV,
    given_passphrase,
    passphrase_option,
    read_secret,
)
from scrutiny_app.errors import UserError
from scrutiny_app.storage.database import Database


def read_passphrase(args: argparse.Namespace, *, required: bool = True) -> str | None:
    """The pack's passphrase (``--passphrase-file`` or ``$SCRUTINY_PASSPHRASE_FILE``)."""
    passphrase = given_passphrase(args)
    if passphrase is None and required:
        raise UserError(
            f"Give the pack's passphrase in a file: --passphrase-file FILE or {PASSPHRASE_ENV}."
        )
    return passphrase


def parse_answers(texts: list[str]) -> dict[str, str | None]:
    """``--answer KEY=VALUE`` options as a question key -> answer map (``KEY=`` removes it)."""
    answers: dict[str, str | None] = {}
    for text in texts:
        key, sep, value = text.partition("=")
        if not sep:
            raise UserError(f"--answer {text!r}: write KEY=VALUE (a question's key and answer).")
        answers[key.strip()] = value.strip() or None
    return answers


def _passphrase_option(p: argparse.ArgumentParser) -> None:
    passphrase_option(p, "the pack's")


def add_commands(sub: Any, add: Any) -> None:
    """Register the pack commands on the CLI's subparsers (``add`` makes a database command)."""
    p = add("pack", cmd_pack, "make a member's meeting pack, to review the cases offline")
    p.add_argument("--meeting", required=True, metavar="ID")
    p.add_argument("--member", required=True, metavar="ID|NAME")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.scrutiny")
    p.add_argument(
        "--expires",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the last day the pack opens (default: in 28 days)",
    )
    p.add_argument(
        "--pack-passphrase-file",
        metavar="FILE",
        help="a file holding the passphrase the pack is to open with",
    )
    p.epilog = (
        "With no --pack-passphrase-file, a passphrase is generated and printed: give it to the "
        "member by another route than the pack (in person, by phone)."
    )

    p = add("merge", cmd_merge, "merge members' returns into their meeting (preview, --apply)")
    p.add_argument("returns", nargs="+", type=Path, metavar="RETURN")
    p.add_argument("--meeting", metavar="ID", help="refuse returns for any other meeting")
    p.add_argument("--apply", action="store_true", help="merge (default: show what would change)")
    p.add_argument(
        "--choose",
        action="append",
        default=[],
        metavar="REF=return|desk",
        help="for a conflict on case REF: keep the return's view or the desk's",
    )
    p.add_argument(
        "--conflicts", choices=["return", "desk"], help="the same choice for every conflict"
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("view", help="record your own view of a case in your pack (offline)")
    p.add_argument("--pack", required=True, type=Path, metavar="FILE.scrutiny")
    p.add_argument("--case", required=True, metavar="REF")
    p.add_argument("--outcome", metavar="CODE", help="your view: an outcome code of the scheme")
    p.add_argument("--note", help="your note on the case")
    p.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an answer to one of the template's questions",
    )
    p.add_argument("--declare", metavar="REASON", help="declare an interest in the case instead")
    _passphrase_option(p)
    p.set_defaults(pack_func=cmd_pack_view)

    p = sub.add_parser("return", help="write the return of your views from your pack")
    p.add_argument("--pack", required=True, type=Path, metavar="FILE.scrutiny")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.scrutiny-return")
    _passphrase_option(p)
    p.set_defaults(pack_func=cmd_pack_return)


def add_pack_option(p: argparse.ArgumentParser) -> None:
    """``cases --pack FILE``: the pack's cases instead of a meeting's."""
    p.add_argument("--pack", type=Path, metavar="FILE.scrutiny", help="list a pack's cases")
    # --passphrase-file (the database command's option) is the pack's passphrase with --pack


# --------------------------------------------------------------------------- the officer


def cmd_pack(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.packs.export import make_pack, new_passphrase

    passphrase = (
        read_secret(args.pack_passphrase_file, "pack passphrase")
        if args.pack_passphrase_file
        else None
    )
    generated = passphrase is None
    if passphrase is None:
        passphrase = new_passphrase()
    made = make_pack(
        db,
        args.meeting,
        args.member,
        args.out,
        passphrase,
        expires_on=args.expires,
        actor=args.actor,
    )
    print(
        f"Wrote {made.path} ({made.bytes:,} bytes, OFFICIAL-SENSITIVE): {made.cases} cases of "
        f"{made.meeting} for {made.member}; it opens until {made.expires_on:%d %b %Y}."
    )
    if generated:
        print(f"Passphrase: {passphrase}")
        print("Give it to the member by another route than the pack (in person or by phone).")
    return 0


def cmd_merge(db: Database, args: argparse.Namespace) -> int:
    from scrutiny_app.packs import merge
    from scrutiny_app.services import panels

    meeting_id = panels.resolve_meeting_id(db, args.meeting) if args.meeting else None
    previews, problems = [], []
    for path in args.returns:
        try:
            previews.append(merge.read_return(db, path, meeting_id=meeting_id))
        except UserError as exc:
            problems.append(str(exc))
    choices = _choices(args, previews)
    if args.json:
        print(json.dumps([_preview_json(p) for p in previews], indent=2, default=str))
    else:
        for p in previews:
            _print_preview(p, choices)
    for problem in problems:
        print(f"scrutiny-app: error: {problem}", file=sys.stderr)
    if problems:
        print("Nothing was merged: take the refused files out, then merge again.", file=sys.stderr)
        return 2
    if not args.apply:
        if any(p.merged_on is None for p in previews):
            print("Nothing was changed: run again with --apply to merge.")
        return 0
    result = merge.merge_returns(db, previews, choices=choices, actor=args.actor)
    print(
        f"Merged {result.returns - result.skipped} return(s): {result.applied} case(s) changed, "
        f"{result.kept_desk} conflict(s) kept as at the desk, {result.refused} refused"
        + (f"; {result.skipped} merged before" if result.skipped else "")
        + "."
    )
    return 0


def _choices(args: argparse.Namespace, previews: list[Any]) -> dict[tuple[str, str], str]:
    by_ref: dict[str, str] = {}
    for text in args.choose:
        ref, _, side = text.partition("=")
        if side not in ("return", "desk"):
            raise UserError(f"--choose {text!r}: write REF=return or REF=desk.")
        by_ref[ref.strip().casefold()] = side
    out = {}
    for p in previews:
        for r in p.conflicts:
            side = by_ref.get(r.reference.casefold(), args.conflicts)
            if side:
                out[(p.return_id, r.case)] = side
    return out


def _state_text(state: dict[str, Any]) -> str:
    if state["interest"] is not None:
        return f"interest declared ({state['interest'] or 'no reason given'})"
    view = state["view"]
    if not view:
        return "no view"
    parts = [view.get("outcome_code") or "no outcome"]
    if view.get("note"):
        parts.append(f"\u201c{view['note']}\u201d")
    if view.get("answers"):
        parts.append(", ".join(f"{k}={v}" for k, v in sorted(view["answers"].items())))
    return "; ".join(parts)


def _print_preview(p: Any, choices: dict[tuple[str, str], str]) -> None:
    print(f"{p.path.name}: {p.member}'s return for {p.meeting}: {p.summary}")
    if p.merged_on is not None:
        return
    if p.marks_present:
        print(f"  {p.member} has no attendance recorded: merging marks them present.")
    for r in p.rows:
        if r.action in ("same", "merged before"):
            continue
        line = f"  {r.reference}: {r.action}"
        if r.action == "refused":
            line += f" ({r.reason})"
        elif r.action == "conflict":
            side = choices.get((p.return_id, r.case))
            line += (
                f"\n      pack: {_state_text(r.member)}\n      desk: {_state_text(r.desk)}"
                f"\n      {'keep the ' + side + chr(39) + 's' if side else 'not chosen yet (--choose ' + r.reference + '=return|desk)'}"
            )
        else:
            line += f": {_state_text(r.member)}"
        print(line)


def _preview_json(p: Any) -> dict[str, Any]:
    return {
        "file": str(p.path),
        "return": p.return_id,
        "member": p.member,
        "meeting": p.meeting,
        "merged_on": p.merged_on,
        "marks_present": p.marks_present,
        "rows": [
            {
                "reference": r.reference,
                "action": r.action,
                "reason": r.reason,
                "pack": r.member,
                "desk": r.desk,
            }
            for r in p.rows
        ],
    }


# --------------------------------------------------------------------------- the member


def _open_pack(args: argparse.Namespace) -> Any:
    from scrutiny_app.packs.member import MemberPack

    passphrase = read_passphrase(args)
    assert passphrase is not None
    return MemberPack.open(args.pack, passphrase)


def cmd_pack_cases(args: argparse.Namespace) -> int:
    pack = _open_pack(args)
    rows = pack.cases()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "reference": c.reference,
                        "position": c.position,
                        "summary": c.summary,
                        "outcome": c.outcome_code,
                        "note": c.note,
                        "answers": c.answers,
                        "interest": c.interest,
                        "closed": c.closed,
                    }
                    for c in rows
                ],
                indent=2,
            )
        )
        return 0
    print(
        f"{pack.marking} · {pack.title} · {pack.member_name}'s pack (until "
        f"{pack.expires_on:%d %b %Y})"
    )
    for c in rows:
        if c.interest is not None:
            mine = "interest declared"
        elif c.outcome_code:
            mine = pack.outcome_label(c.outcome_code)
        else:
            mine = c.closed or "-"
        print(f"{c.position + 1:>3}  {c.reference:<20} {mine:<28} {c.summary}")
    return 0


def cmd_pack_view(args: argparse.Namespace) -> int:
    pack = _open_pack(args)
    if args.declare is not None:
        pack.declare_interest(args.case, args.declare)
        print(f"Declared an interest in {pack.case(args.case).reference}: no view from you.")
        return 0
    answers = parse_answers(args.answer)
    kwargs: dict[str, Any] = {}
    if args.outcome is not None:
        kwargs["outcome_code"] = args.outcome
    if args.note is not None:
        kwargs["note"] = args.note
    if not kwargs and not answers:
        raise UserError("Nothing to record: give --outcome, --note, --answer or --declare.")
    changed = pack.record_view(args.case, answers=answers or None, **kwargs)
    c = pack.case(args.case)
    print(
        f"{'Saved' if changed else 'Unchanged'}: your view of {c.reference}: "
        f"{pack.outcome_label(c.outcome_code) or 'no outcome yet'}"
        + (f"; note: {c.note}" if c.note else "")
    )
    return 0


def cmd_pack_return(args: argparse.Namespace) -> int:
    pack = _open_pack(args)
    written = pack.write_return(args.out)
    print(
        f"Wrote {written.path} ({written.bytes:,} bytes): {written.cases} case(s) changed, "
        f"{written.views} with your view. Send it to the scrutiny officer; only their "
        "database can open it."
    )
    return 0
