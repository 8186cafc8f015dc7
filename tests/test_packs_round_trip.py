"""The whole round trip through the command line (issue 12's 'done when'): packs for three
members of the demo police powers meeting, each filled in offline by the member-mode commands
(one edit conflicting with an edit made at the officer's desk), returned, merged in two
orders, then revealed, decided and reported: the same report both times. And merging any
permutation of the returns gives the same rows (a property test)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from scrutiny_app.cli import main
from scrutiny_app.packs import merge
from scrutiny_app.packs.export import make_pack
from scrutiny_app.packs.member import MemberPack
from scrutiny_app.services import cases, panels, session
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Attendance, InterestDeclaration, MemberAssessment

PASS = {"Grace": "grace passphrase 1", "Luke": "luke passphrase 22", "Fatima": "fatima phrase 333"}


def cli(*args: str) -> None:
    assert main(list(args)) == 0, args


def copy_db(src: Path, dest: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    return dest


def rows(path: Path) -> list[tuple]:
    with Database.open(path) as db, db.session() as s:
        views = sorted(
            (
                a.item.case.reference,
                a.member.name,
                a.outcome_code,
                a.note,
                sorted((a.answers or {}).items()),
                a.seconds_spent,
            )
            for a in s.scalars(select(MemberAssessment))
        )
        interests = sorted(
            (d.meeting_case_id, d.member_id, d.reason)
            for d in s.scalars(select(InterestDeclaration))
        )
        present = sorted(
            (a.meeting_id, a.member_id, a.present, a.role) for a in s.scalars(select(Attendance))
        )
    return [views, interests, present]


def report_text(db_path: Path, out: Path) -> str:
    cli("report", "--db", str(db_path), "--meeting", "2", "--out", str(out))
    return "\n".join(page.extract_text() for page in PdfReader(out).pages)


def test_packs_for_three_members_filled_offline_returned_merged_in_two_orders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    office = tmp_path / "office.db"
    cli("demo", "--db", str(office))
    with Database.open(office) as db:
        meeting = 2
        members = {
            m.name.split()[0]: m.id
            for m in panels.list_members(db, panels.meeting_info(db, meeting).panel_id)
        }
        todo = [r for r in cases.meeting_cases(db, meeting).rows if not r.decided]
    refs = [r.reference for r in todo]

    # The officer makes three packs, each with its own passphrase.
    packs = {}
    for name, member_id in members.items():
        secret = tmp_path / f"{name}.pass"
        secret.write_text(PASS[name] + "\n")
        packs[name] = tmp_path / f"{name}.scrutiny"
        cli(
            "pack",
            "--db",
            str(office),
            "--meeting",
            "2",
            "--member",
            str(member_id),
            "--out",
            str(packs[name]),
            "--pack-passphrase-file",
            str(secret),
        )

    # At the desk, later: Fatima phoned in her view of the first case.
    with Database.open(office) as db:
        panels.set_attendance(db, meeting, members["Fatima"], present=True)
        session.record_view(
            db, todo[0].item_id, members["Fatima"], outcome_code="amber", note="phoned in"
        )

    # Each member works offline in their pack (the member-mode commands).
    plan = {
        "Grace": ["green", "red", "amber", "green"],
        "Luke": ["green", "red", "red", "green"],
        "Fatima": ["red", "red", "amber", "green"],  # the first differs from the desk: a conflict
    }
    for name, outcomes in plan.items():
        monkeypatch.setenv("SCRUTINY_PASSPHRASE_FILE", str(tmp_path / f"{name}.pass"))
        for ref, outcome in zip(refs, outcomes, strict=False):
            cli(
                "view",
                "--pack",
                str(packs[name]),
                "--case",
                ref,
                "--outcome",
                outcome,
                "--note",
                f"{name} on {ref}",
            )
        cli("cases", "--pack", str(packs[name]))
        cli("return", "--pack", str(packs[name]), "--out", str(tmp_path / f"{name}.ret"))
    listing = capsys.readouterr().out
    assert "OFFICIAL-SENSITIVE" in listing and "Fatima Noor's pack" in listing

    rets = {name: str(tmp_path / f"{name}.ret") for name in plan}
    a = copy_db(office, tmp_path / "a.db")
    b = copy_db(office, tmp_path / "b.db")
    # The conflict is shown and blocks the merge until chosen.
    assert main(["merge", "--db", str(a), rets["Fatima"], "--apply"]) == 2
    assert "conflict" in capsys.readouterr().err
    for path, order in ((a, ["Grace", "Luke", "Fatima"]), (b, ["Fatima", "Luke", "Grace"])):
        for name in order:
            cli(
                "merge",
                "--db",
                str(path),
                "--meeting",
                "2",
                rets[name],
                "--apply",
                "--choose",
                f"{refs[0]}=return",
            )
        cli("merge", "--db", str(path), *rets.values(), "--apply")  # replayed: no-ops
    merged = capsys.readouterr().out
    assert "already merged" in merged
    assert rows(a) == rows(b)
    views = rows(a)[0]
    assert (refs[0], "Fatima Noor", "red", f"Fatima on {refs[0]}", [], 0) in views
    assert len(views) == 12

    # Then the meeting: reveal, decide, report. The same report from either order.
    texts = []
    for path in (a, b):
        with Database.open(path) as db:
            session.reveal_all(db, meeting)
            shown = session.case_views(db, todo[1].item_id)
            assert sorted(v.outcome_code for v in shown.views) == ["red", "red", "red"]
        for ref, outcome in zip(refs[:4], ["amber", "red", "amber", "green"], strict=True):
            cli("judge", "--db", str(path), "--meeting", "2", "--case", ref, "--outcome", outcome)
        texts.append(report_text(path, tmp_path / f"{path.stem}.pdf"))
    assert texts[0] == texts[1]
    assert "OFFICIAL-SENSITIVE" in texts[0]


# --------------------------------------------------------------------------- any order


@pytest.fixture(scope="module")
def returns_ready(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A demo database after the packs were made, and five returns: one from each of four
    members, and a second, later one from the first member."""
    tmp = tmp_path_factory.mktemp("orders")
    office = tmp / "office.db"
    assert main(["demo", "--db", str(office)]) == 0
    with Database.open(office) as db:
        meeting = 2
        panel = panels.meeting_info(db, meeting).panel_id
        dev = panels.add_member(db, panel, "Dev Patel")
        members = [m.id for m in panels.list_members(db, panel) if m.id != dev] + [dev]
        packs = []
        for m in members:
            path = tmp / f"{m}.scrutiny"
            make_pack(
                db,
                meeting,
                m,
                path,
                "a passphrase for tests",
                kdf_n=2**10,
                today=dt.date(2026, 12, 1),
            )
            packs.append(path)
        panels.set_attendance(db, meeting, members[3], present=False)  # Dev: absent
        # At the desk after the packs were made: views for two members on two cases, which
        # their returns also change (conflicts), and one they leave alone.
        items = [r.item_id for r in cases.meeting_cases(db, meeting).rows if not r.decided]
        for m in (members[0], members[2]):
            panels.set_attendance(db, meeting, m, present=True)
            for k, item in enumerate(items[:2] + items[9:10]):
                session.record_view(db, item, m, outcome_code="amber", note=f"desk {k}")
    outcomes = ["green", "amber", "red"]
    out = []
    for i, path in enumerate(packs):
        pack = MemberPack.open(path, "a passphrase for tests", today=dt.date(2026, 12, 2))
        open_refs = [c.reference for c in pack.cases() if not c.closed]
        for j, ref in enumerate(open_refs[:6]):
            pack.record_view(ref, outcome_code=outcomes[(i + j) % 3], note=f"{i}/{j}")
            pack.add_time(ref, 30 + i)
        if i == 1:
            pack.declare_interest(open_refs[2], "neighbour")
        out.append(pack.write_return(tmp / f"{i}.ret").path)
        if i == 0:  # a later return: changes one view, adds one
            pack.record_view(open_refs[0], outcome_code="red", note="changed my mind")
            pack.record_view(open_refs[7], outcome_code="green")
            pack.record_view(open_refs[1], note="later note")  # where the desk's is kept
            out.append(pack.write_return(tmp / "0b.ret").path)
    return office, out


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(range(5)), together=st.booleans())
def test_any_order_of_the_returns_gives_the_same_rows(returns_ready, order, together) -> None:
    """With desk edits and conflicts, the officer choosing the same side per case (the desk's
    on even positions, the member's on odd) gives the same rows in any order."""
    office, rets = returns_ready

    def merge_all(db: Database, previews: list[merge.ReturnPreview]) -> None:
        choices = {
            (p.return_id, r.case): "desk" if r.position % 2 == 0 else "return"
            for p in previews
            for r in p.conflicts
        }
        merge.merge_returns(db, previews, choices=choices)

    with tempfile.TemporaryDirectory() as tmp:
        expected = copy_db(office, Path(tmp) / "expected.db")
        with Database.open(expected) as db:
            for p in rets:
                merge_all(db, [merge.read_return(db, p)])
        mixed = copy_db(office, Path(tmp) / "mixed.db")
        with Database.open(mixed) as db:
            chosen = [rets[i] for i in order]
            if together:  # one merge of them all (applied oldest first within each pack)
                merge_all(db, [merge.read_return(db, p) for p in chosen])
            else:
                for p in chosen:
                    merge_all(db, [merge.read_return(db, p)])
        assert rows(mixed) == rows(expected)
        views = rows(expected)[0]
    assert "Dev Patel" not in {v[1] for v in views}  # marked absent: refused
    assert any(v[3] == "changed my mind" and v[2] == "red" for v in views)
    notes = {v[3] for v in views}
    assert {
        "desk 1",
        "desk 2",
        "2/0",
    } <= notes  # a desk choice kept, a desk view untouched, a member choice
