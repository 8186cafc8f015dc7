"""Member packs (issue 12): what a pack holds, the member's work in it, and every way a pack or
a return is refused: wrong passphrase, truncated, altered, replayed, another meeting or
database, expired."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scrutiny_app.cli import main
from scrutiny_app.errors import UserError
from scrutiny_app.packs import merge
from scrutiny_app.packs.envelope import PackError, WrongPassphrase
from scrutiny_app.packs.export import make_pack
from scrutiny_app.packs.member import MemberPack
from scrutiny_app.services import cases, panels, session
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import AuditEvent, MemberAssessment

FAST = 2**10  # scrypt cost for tests that are not about the passphrase's strength
PASS = "correct horse battery staple"
TODAY = dt.date(2026, 12, 5)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "office.db"
    assert main(["demo", "--db", str(path)]) == 0
    return path


@pytest.fixture
def office(demo: Path):
    db = Database.open(demo)
    yield db
    db.close()


def copy_of(db: Database, dest: Path) -> Path:
    """A copy of an open database, its write-ahead log included."""
    assert db.path is not None
    with sqlite3.connect(db.path) as src, sqlite3.connect(dest) as dst:
        src.backup(dst)
    return dest


def police_powers(db: Database) -> tuple[int, dict[str, int]]:
    panel = next(p for p in panels.list_panels(db) if p.code == "SOPP")
    meeting = panel.meetings[0].id
    members = {m.name.split()[0]: m.id for m in panels.list_members(db, panel.id)}
    return meeting, members


def open_cases(db: Database, meeting_id: int) -> list[cases.CaseRow]:
    return [r for r in cases.meeting_cases(db, meeting_id).rows if not r.decided]


def pack_for(db: Database, tmp_path: Path, member: str, **kwargs) -> Path:
    meeting, members = police_powers(db)
    out = tmp_path / f"{member}.scrutiny"
    make_pack(db, meeting, members[member], out, PASS, kdf_n=FAST, today=TODAY, **kwargs)
    return out


def test_a_pack_holds_the_members_cases_and_nothing_of_anyone_else(office, tmp_path):
    meeting, members = police_powers(office)
    first = open_cases(office, meeting)[0]
    for name in ("Grace", "Luke"):
        panels.set_attendance(office, meeting, members[name], present=True)
    session.record_view(
        office, first.item_id, members["Grace"], outcome_code="red", note="GRACE-ONLY-NOTE"
    )
    session.record_view(
        office, first.item_id, members["Luke"], outcome_code="green", note="Luke's earlier note"
    )
    path = pack_for(office, tmp_path, "Luke")

    raw = path.read_bytes()
    assert b"GRACE" not in raw and b"Luke" not in raw and first.reference.encode() not in raw
    header = json.loads(raw.split(b"\n")[1])
    assert header["marking"] == "OFFICIAL-SENSITIVE"
    assert header["kdf"]["name"] == "scrypt" and header["cipher"] == "AES-256-GCM"
    assert {"database", "meeting", "member", "pack", "expires"} <= set(header)

    pack = MemberPack.open(path, PASS, today=TODAY)
    assert pack.member_name == "Luke Harper"
    listed = pack.cases()
    assert [c.reference for c in listed] == [
        r.reference for r in cases.meeting_cases(office, meeting).rows
    ]
    mine = pack.case(first.reference)
    assert (mine.outcome_code, mine.note) == ("green", "Luke's earlier note")
    assert "GRACE-ONLY-NOTE" not in json.dumps(pack.payload)  # no other member's view
    assert "judgement" not in json.dumps(pack.payload)
    decided = next(
        c for c in listed if c.reference not in {r.reference for r in open_cases(office, meeting)}
    )
    assert decided.closed and "decided" in decided.closed


def test_the_members_work_is_saved_in_the_pack_sealed(office, tmp_path):
    path = pack_for(office, tmp_path, "Luke")
    pack = MemberPack.open(path, PASS, today=TODAY)
    ref = pack.cases()[4].reference
    assert pack.record_view(ref, outcome_code="amber", note="Grounds thin", answers={})
    with pytest.raises(UserError, match="not an outcome"):
        pack.record_view(ref, outcome_code="purple")
    assert b"Grounds thin" not in path.read_bytes()  # sealed on disk
    again = MemberPack.open(path, PASS, today=TODAY)  # what a restart sees
    assert (again.case(ref).outcome_code, again.case(ref).note) == ("amber", "Grounds thin")
    again.declare_interest(ref, "I know the officer")
    with pytest.raises(UserError, match="declared an interest"):
        again.record_view(ref, outcome_code="green")
    third = MemberPack.open(path, PASS, today=TODAY)
    assert third.case(ref).interest == "I know the officer" and third.case(ref).outcome_code is None


def test_a_wrong_passphrase_a_truncated_or_altered_pack_and_an_expired_one_are_refused(
    office, tmp_path
):
    path = pack_for(office, tmp_path, "Luke", expires_on=TODAY + dt.timedelta(days=3))
    data = path.read_bytes()
    with pytest.raises(WrongPassphrase, match="Wrong passphrase"):
        MemberPack.open(path, "not the passphrase", today=TODAY)
    cut = tmp_path / "cut.scrutiny"
    for size in (len(data) // 2, 40, 0):
        cut.write_bytes(data[:size])
        with pytest.raises(PackError) as refused:
            MemberPack.open(cut, PASS, today=TODAY)
        assert "cut.scrutiny" in str(refused.value)
    # Extending the expiry date in the header (it is in clear) breaks the seal.
    longer = data.replace(b'"expires": "2026-12-08"', b'"expires": "2027-12-08"')
    assert longer != data
    cut.write_bytes(longer)
    with pytest.raises(WrongPassphrase):
        MemberPack.open(cut, PASS, today=TODAY)
    with pytest.raises(PackError, match="expired on 08 Dec 2026 and is locked"):
        MemberPack.open(path, PASS, today=TODAY + dt.timedelta(days=4))
    assert path.read_bytes() == data  # nothing refused wrote anything


def test_a_weak_passphrase_and_a_non_member_get_no_pack(office, tmp_path):
    meeting, members = police_powers(office)
    with pytest.raises(UserError, match="at least 10 characters"):
        make_pack(office, meeting, members["Luke"], tmp_path / "p", "short", kdf_n=FAST)
    officer = panels.add_member(office, police_powers_panel(office), "Sam Officer", role="officer")
    with pytest.raises(UserError, match="only panel members record views"):
        make_pack(office, meeting, officer, tmp_path / "p", PASS, kdf_n=FAST)
    assert not (tmp_path / "p").exists()


def police_powers_panel(db: Database) -> int:
    return next(p for p in panels.list_panels(db) if p.code == "SOPP").id


def returned(pack_path: Path, out: Path, edits: dict[int, dict]) -> Path:
    pack = MemberPack.open(pack_path, PASS, today=TODAY)
    refs = [c.reference for c in pack.cases() if not c.closed]
    for index, view in edits.items():
        pack.record_view(refs[index], **view)
    pack.write_return(out)
    return out


def desk_rows(db: Database) -> list[tuple]:
    with db.session() as s:
        return sorted(
            (
                a.item.case.reference,
                a.member.name,
                a.outcome_code,
                a.note,
                sorted(a.answers.items()),
                a.seconds_spent,
            )
            for a in s.scalars(select(MemberAssessment))
        )


def test_a_return_merges_once_and_as_if_typed_here(office, tmp_path):
    meeting, members = police_powers(office)
    path = pack_for(office, tmp_path, "Luke")
    ret = returned(
        path,
        tmp_path / "luke.ret",
        {0: {"outcome_code": "green", "note": "Fine"}, 1: {"outcome_code": "red"}},
    )
    preview = merge.read_return(office, ret, meeting_id=meeting)
    assert preview.summary == "2 add" and preview.marks_present
    assert desk_rows(office) == []  # a preview changes nothing
    result = merge.merge_returns(office, [preview], actor="officer")
    assert (result.applied, result.refused) == (2, 0)
    rows = desk_rows(office)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("Luke Harper", "green", "Fine"),
        ("Luke Harper", "red", ""),
    ]
    # As if typed here: the member is present, the view is theirs, hidden until revealed.
    first = open_cases(office, meeting)[0]
    views = session.case_views(office, first.item_id, viewer_member_id=members["Luke"])
    assert views.own is not None and views.own.outcome_code == "green"
    with office.session() as s:
        merged = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "merge")
        )
    assert merged == 1

    again = merge.read_return(office, ret, meeting_id=meeting)
    assert again.merged_on is not None and "already merged" in again.summary
    result = merge.merge_returns(office, [again], actor="officer")
    assert result.skipped == 1 and desk_rows(office) == rows  # replayed: a no-op


def test_an_altered_return_one_for_another_meeting_or_database_is_refused_whole(
    office, demo, tmp_path
):
    path = pack_for(office, tmp_path, "Luke")
    ret = returned(path, tmp_path / "luke.ret", {0: {"outcome_code": "green"}})
    data = ret.read_bytes()
    for i in (len(data) - 1, len(data) // 2 + 20):
        flipped = bytearray(data)
        flipped[i] ^= 0x01
        bad = tmp_path / "flipped.ret"
        bad.write_bytes(bytes(flipped))
        with pytest.raises(PackError, match=r"altered|not a return file"):
            merge.read_return(office, bad)
    bad.write_bytes(data[: len(data) - 30])
    with pytest.raises(PackError, match=r"altered|not a return"):
        merge.read_return(office, bad)
    other_meeting = next(p for p in panels.list_panels(office) if p.code != "SOPP").meetings[0].id
    with pytest.raises(PackError, match="for another meeting"):
        merge.read_return(office, ret, meeting_id=other_meeting)
    elsewhere = tmp_path / "elsewhere.db"
    assert main(["demo", "--db", str(elsewhere)]) == 0
    with Database.open(elsewhere) as other, pytest.raises(PackError, match="another database"):
        merge.read_return(other, ret)
    # A copy of this database (the same id) did not make the pack if the pack is not in it.
    assert desk_rows(office) == []


def test_the_cli_refuses_a_bad_return_and_merges_nothing(office, demo, tmp_path, capsys):
    good = returned(
        pack_for(office, tmp_path, "Luke"), tmp_path / "luke.ret", {0: {"outcome_code": "green"}}
    )
    bad = tmp_path / "grace.ret"
    data = bytearray(
        returned(
            pack_for(office, tmp_path, "Grace"), bad, {0: {"outcome_code": "red"}}
        ).read_bytes()
    )
    data[-5] ^= 0xFF
    bad.write_bytes(bytes(data))
    office.close()
    code = main(["merge", "--db", str(demo), str(good), str(bad), "--apply"])
    err = capsys.readouterr().err
    assert code == 2
    assert "grace.ret was altered after it was written" in err
    assert "Nothing was merged" in err
    with Database.open(demo) as db:
        assert desk_rows(db) == []


def test_a_view_on_a_case_revealed_since_is_refused_with_the_reason(office, tmp_path):
    meeting, _ = police_powers(office)
    path = pack_for(office, tmp_path, "Luke")
    ret = returned(
        path, tmp_path / "luke.ret", {0: {"outcome_code": "green"}, 1: {"outcome_code": "amber"}}
    )
    first, second = open_cases(office, meeting)[:2]
    session.reveal_views(office, first.item_id)
    preview = merge.read_return(office, ret)
    by_ref = {r.reference: r for r in preview.rows}
    assert by_ref[first.reference].action == "refused"
    assert "revealed" in by_ref[first.reference].reason
    assert by_ref[second.reference].action == "add"
    merge.merge_returns(office, [preview])
    assert [(r[0], r[2]) for r in desk_rows(office)] == [(second.reference, "amber")]


def test_a_conflict_is_shown_side_by_side_and_never_overwritten_silently(office, tmp_path):
    meeting, members = police_powers(office)
    path = pack_for(office, tmp_path, "Luke")
    ret = returned(path, tmp_path / "luke.ret", {0: {"outcome_code": "green", "note": "pack"}})
    first = open_cases(office, meeting)[0]
    # Meanwhile the officer recorded Luke's view at the desk (he phoned it in).
    panels.set_attendance(office, meeting, members["Luke"], present=True)
    session.record_view(office, first.item_id, members["Luke"], outcome_code="red", note="desk")

    preview = merge.read_return(office, ret)
    conflict = preview.conflicts[0]
    assert conflict.reference == first.reference
    assert conflict.member["view"]["note"] == "pack" and conflict.desk["view"]["note"] == "desk"
    with pytest.raises(UserError, match="1 conflict"):
        merge.merge_returns(office, [preview])
    assert [r[3] for r in desk_rows(office)] == ["desk"]  # nothing merged

    copy = copy_of(office, tmp_path / "copy.db")
    merge.merge_returns(office, [preview], choices={(preview.return_id, conflict.case): "desk"})
    assert [r[3] for r in desk_rows(office)] == ["desk"]
    with Database.open(copy) as other:
        p2 = merge.read_return(other, ret)
        merge.merge_returns(other, [p2], choices={(p2.return_id, conflict.case): "return"})
        assert [(r[2], r[3]) for r in desk_rows(other)] == [("green", "pack")]


def test_a_later_return_of_the_same_pack_wins_in_either_order(office, tmp_path):
    path = pack_for(office, tmp_path, "Luke")
    early = returned(path, tmp_path / "1.ret", {0: {"outcome_code": "green", "note": "first"}})
    late = returned(path, tmp_path / "2.ret", {0: {"note": "second"}, 1: {"outcome_code": "red"}})
    copy = copy_of(office, tmp_path / "copy.db")
    for p in (early, late):
        merge.merge_returns(office, [merge.read_return(office, p)])
    with Database.open(copy) as other:
        for p in (late, early):
            preview = merge.read_return(other, p)
            merge.merge_returns(other, [preview])
        assert preview.summary == "1 merged before"
        assert desk_rows(other) == desk_rows(office)
    assert [(r[2], r[3]) for r in desk_rows(office)] == [("green", "second"), ("red", "")]


KILLED_WHILE_SAVING = """
import sys
from scrutiny_app.packs.member import MemberPack
pack = MemberPack.open(sys.argv[1], sys.argv[2])
refs = [c.reference for c in pack.cases() if not c.closed]
i = 0
while True:  # the member keeps typing their note; each change re-seals the whole pack
    pack.record_view(refs[i % len(refs)], note=f"note {i}")
    print(i, flush=True)
    i += 1
"""


def test_a_kill_while_the_pack_is_being_saved_leaves_a_pack_that_opens(office, tmp_path):
    import signal
    import subprocess
    import sys

    path = pack_for(office, tmp_path, "Luke", expires_on=dt.date(2099, 1, 1))  # real clock
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WHILE_SAVING, str(path), PASS],
        stdout=subprocess.PIPE,
        text=True,
    )
    saved = -1
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            saved = int(line)
            if saved >= 40:
                proc.send_signal(signal.SIGKILL)  # in the middle of the next save
                break
    finally:
        proc.kill()
        proc.wait(timeout=30)
    pack = MemberPack.open(path, PASS, today=TODAY)
    notes = {c.note for c in pack.cases()}
    assert f"note {saved}" in notes  # every save printed is on disk, and the file is whole


def desk_view(db: Database, item_id: int, member_id: int) -> tuple:
    own = session.case_views(db, item_id, viewer_member_id=member_id).own
    return (own.outcome_code, own.note) if own else (None, "")


def test_only_reading_a_case_the_desk_changed_is_no_conflict(office, tmp_path):
    meeting, members = police_powers(office)
    path = pack_for(office, tmp_path, "Luke")
    first = open_cases(office, meeting)[0]
    panels.set_attendance(office, meeting, members["Luke"], present=True)
    session.record_view(office, first.item_id, members["Luke"], outcome_code="red", note="desk")
    pack = MemberPack.open(path, PASS, today=TODAY)
    pack.add_time(first.reference, 90)  # Luke read the case in his pack; he changed nothing
    preview = merge.read_return(office, pack.write_return(tmp_path / "r.ret").path)
    assert [r.action for r in preview.rows] == ["same"]
    merge.merge_returns(office, [preview])
    assert desk_view(office, first.item_id, members["Luke"]) == ("red", "desk")
    assert [r[5] for r in desk_rows(office)] == [90]  # his reading time is kept


def test_a_desk_choice_stands_and_the_result_does_not_depend_on_the_order(office, tmp_path):
    meeting, members = police_powers(office)
    path = pack_for(office, tmp_path, "Fatima")
    first = open_cases(office, meeting)[0]
    panels.set_attendance(office, meeting, members["Fatima"], present=True)
    session.record_view(
        office, first.item_id, members["Fatima"], outcome_code="amber", note="phoned in"
    )
    pack = MemberPack.open(path, PASS, today=TODAY)
    pack.record_view(first.reference, outcome_code="red", note="first")
    r1 = pack.write_return(tmp_path / "r1.ret").path
    pack.add_time(first.reference, 30)  # read again: nothing changed
    r_read = pack.write_return(tmp_path / "r_read.ret").path
    pack.record_view(first.reference, outcome_code="green", note="second")
    r2 = pack.write_return(tmp_path / "r2.ret").path

    def merged(order: list[Path], side: str) -> tuple:
        copy = copy_of(office, tmp_path / f"{side}-{'-'.join(p.stem for p in order)}.db")
        with Database.open(copy) as db:
            for p in order:
                preview = merge.read_return(db, p)
                choices = {(preview.return_id, r.case): side for r in preview.conflicts}
                merge.merge_returns(db, [preview], choices=choices)
            return desk_view(db, first.item_id, members["Fatima"])

    # Keep the desk's: it stands whatever the member returns later, in any order.
    for order in ([r1, r_read, r2], [r2, r1, r_read], [r_read, r2, r1], [r1, r2]):
        assert merged(order, "desk") == ("amber", "phoned in"), order
    # Keep the member's: their latest view, in any order.
    for order in ([r1, r_read, r2], [r2, r1, r_read], [r1, r2]):
        assert merged(order, "return") == ("green", "second"), order

    # After a desk choice the member's later change is put to the officer again.
    with Database.open(copy_of(office, tmp_path / "again.db")) as db:
        p1 = merge.read_return(db, r1)
        merge.merge_returns(db, [p1], choices={(p1.return_id, p1.conflicts[0].case): "desk"})
        assert [r.action for r in merge.read_return(db, r_read).rows] == ["same"]
        assert [r.action for r in merge.read_return(db, r2).rows] == ["conflict"]


def test_a_pack_or_return_is_never_written_over_the_database_the_pack_or_another_file(
    office, tmp_path
):
    meeting, members = police_powers(office)
    with pytest.raises(UserError, match="is the database"):
        make_pack(office, meeting, members["Luke"], office.path, PASS, kdf_n=FAST)
    notes = tmp_path / "notes.txt"
    notes.write_text("my own notes")
    with pytest.raises(PackError, match="exists and is not a meeting pack"):
        make_pack(office, meeting, members["Luke"], notes, PASS, kdf_n=FAST)
    assert notes.read_text() == "my own notes"
    path = pack_for(office, tmp_path, "Luke")
    pack_for(office, tmp_path, "Luke")  # an earlier pack of the same name may be replaced
    pack = MemberPack.open(path, PASS, today=TODAY)
    with pytest.raises(PackError, match="the file being read"):
        pack.write_return(path)
    with pytest.raises(PackError, match="not a return file"):
        pack.write_return(notes)
    assert MemberPack.open(path, PASS, today=TODAY).member_name == "Luke Harper"
    assert notes.read_text() == "my own notes"
    assert len(panels.list_panels(office)) == 3  # the database is untouched and opens


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'"expires": "20', b'"expires": "20-13'),
        (b'"salt": "', b'"salt": "!!'),
        (b'"n": 1024', b'"n": 1048576'),
        (b'"r": 8', b'"r": 4096'),
    ],
)
def test_a_changed_header_is_refused_in_one_line_before_any_work(office, tmp_path, old, new):
    path = pack_for(office, tmp_path, "Luke")
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    with pytest.raises(PackError, match="damaged"):
        MemberPack.open(path, PASS, today=TODAY)
