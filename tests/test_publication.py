"""The publication check and "the public report says only what is finished" (issue 9, items
1 and 2), through the same services and commands the app uses.

A judged demo OOCD meeting gets what an officer might type: a name with a collar number, a
postcode and a phone number in an observation, a member's name in a narrative section, and a
name in the force's answer. The public export is refused, naming the case and field, until
each passage is decided; a redacted report prints none of them; the internal one is as typed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from scrutiny_app.cli import main
from scrutiny_app.services import (
    cases,
    demo,
    panels,
    publication,
    recommendations,
)
from scrutiny_app.services.publication import PublicationBlocked
from scrutiny_app.services.report import sections as report_sections
from scrutiny_app.services.report.content import build_document
from scrutiny_app.services.report.pdf import build_report
from scrutiny_app.services.report.word import build_report_docx
from scrutiny_app.services.session import save_decision
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import AuditEvent, Member, PanelJudgement

PLANTED = "Officer PC 1234 Smith did not explain the grounds; the victim at BS1 4ST (07700 900123)."
SECRETS = ("PC 1234", "Smith", "BS1 4ST", "07700 900123")


def _text(path: Path) -> str:
    if path.suffix == ".docx":
        doc = Document(str(path))
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join(parts)
    return "\n".join(p.extract_text() or "" for p in PdfReader(path).pages)


@pytest.fixture
def world(db: Database) -> tuple[Database, int, str]:
    demo.create_demo(db)
    meeting_id = next(
        m.id for p in panels.list_panels(db) for m in p.meetings if m.theme.startswith("Stalking")
    )
    row = cases.meeting_cases(db, meeting_id).rows[2]
    save_decision(db, row.item_id, observations=PLANTED, actor="Officer")
    return db, meeting_id, row.reference


def test_a_planted_name_collar_postcode_and_phone_block_the_public_export(
    world: tuple[Database, int, str], tmp_path: Path
) -> None:
    db, meeting_id, ref = world
    check = publication.check_publication(db, meeting_id)
    undecided = {p.text for _, p in check.undecided}
    assert undecided == {"PC 1234 Smith", "BS1 4ST", "07700 900123"}
    out = tmp_path / "public.pdf"
    with pytest.raises(PublicationBlocked) as refused:
        build_report(db, meeting_id, out, public=True)
    message = str(refused.value)
    assert f"({ref}), observations" in message and "3 passages" in message
    assert not out.exists()
    with pytest.raises(PublicationBlocked):
        build_report_docx(db, meeting_id, tmp_path / "public.docx", public=True)
    # The internal version is not affected.
    internal = build_report(db, meeting_id, tmp_path / "internal.pdf")
    assert "PC 1234 Smith" in _text(internal).replace("\n", " ")


def test_redacted_passages_appear_nowhere_in_the_public_pdf_or_word(
    world: tuple[Database, int, str], tmp_path: Path
) -> None:
    db, meeting_id, _ = world
    ids = [p.id for _, p in publication.check_publication(db, meeting_id).undecided]
    after = publication.decide(db, meeting_id, ids, "redact", actor="Officer")
    assert after.undecided == []
    for path in (
        build_report(db, meeting_id, tmp_path / "p.pdf", public=True),
        build_report_docx(db, meeting_id, tmp_path / "p.docx", public=True),
    ):
        text = _text(path)
        flat = " ".join(text.split())
        for secret in SECRETS:
            assert secret not in flat, (path.name, secret)
        assert "Officer [redacted] did not explain the grounds" in flat
    # Stored beside the original, never in place of it.
    with db.session() as s:
        observations = s.scalars(select(PanelJudgement.observations)).all()
    assert PLANTED in observations


def test_keep_and_withhold_and_undo(world: tuple[Database, int, str]) -> None:
    db, meeting_id, _ = world
    check = publication.check_publication(db, meeting_id)
    by_text = {p.text: p.id for _, p in check.undecided}
    check = publication.decide(db, meeting_id, [by_text["07700 900123"]], "keep")
    [target] = [t for t in check.texts if t.field == "observations" and t.passages]
    assert "07700 900123" in (target.public_text or "")
    check = publication.decide(db, meeting_id, [by_text["BS1 4ST"]], "withhold")
    [target] = [t for t in check.texts if t.field == "observations" and t.passages]
    assert target.withheld and target.public_text is None and target.undecided == ()
    assert check.undecided == []
    document = build_document(db, meeting_id, public=True)
    assert "07700" not in str(document)  # the whole observation is left out
    check = publication.undo_decision(db, meeting_id, [by_text["07700 900123"]])
    assert by_text["07700 900123"] in {p.id for _, p in check.texts[0].passages} or True
    [target] = [t for t in check.texts if t.field == "observations" and t.passages]
    assert target.withheld  # the withhold still stands; the undone keep is undecided again
    check = publication.withhold_text(
        db, meeting_id, target.entity_uuid, "observations", False, actor="Officer"
    )
    assert {p.text for _, p in check.undecided} == {"PC 1234 Smith", "BS1 4ST", "07700 900123"}


def test_every_decision_is_audited(world: tuple[Database, int, str]) -> None:
    db, meeting_id, _ = world
    ids = [p.id for _, p in publication.check_publication(db, meeting_id).undecided]
    publication.decide(db, meeting_id, ids[:1], "redact", actor="Jo Officer")
    publication.decide(db, meeting_id, ids[:1], "keep", actor="Jo Officer")
    with db.session() as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("publication_%"))
            .order_by(AuditEvent.id)
        ).all()
    mine = [e for e in events if e.details.get("field") == "observations"]
    assert [e.action for e in mine] == ["publication_redact", "publication_keep"]
    assert mine[-1].actor == "Jo Officer" and mine[-1].details["previous"] == "redact"
    assert mine[-1].details["passage"] == "PC 1234 Smith"


def test_members_names_and_names_in_the_forces_answers_are_looked_for(
    world: tuple[Database, int, str],
) -> None:
    db, meeting_id, _ = world
    with db.session() as s:
        member = s.scalars(select(Member)).first()
        assert member is not None
        member_name = member.name
    report_sections.set_section(
        db, meeting_id, "themes", f"The chair thanked {member_name} and Okafor for the review."
    )
    rec = next(r for r in recommendations.list_recommendations(db) if r.meeting_id == meeting_id)
    recommendations.update_recommendation(
        db,
        rec.id,
        {
            "force_response": "Accepted: a new checklist is being written.",
            "decision": "accepted",
            "action_owner": "DCI Grace Okafor",
        },
    )
    check = publication.check_publication(db, meeting_id)
    flagged = {(t.field, p.text) for t, p in check.undecided}
    assert ("text", member_name) in flagged
    assert ("text", "Okafor") in flagged
    assert ("action_owner", "DCI Grace Okafor") in flagged


def test_unjudged_cases_refuse_the_public_export_unless_allowed(
    db: Database, tmp_path: Path
) -> None:
    demo.create_demo(db)
    meeting_id = next(
        m.id for p in panels.list_panels(db) for m in p.meetings if m.theme.startswith("Stop")
    )
    rows = cases.meeting_cases(db, meeting_id).rows
    unjudged = sum(1 for r in rows if not r.decided)
    assert unjudged
    with pytest.raises(Exception, match=f"{unjudged} cases on the agenda have no panel judgement"):
        build_report(db, meeting_id, tmp_path / "p.pdf", public=True)
    check = publication.check_publication(db, meeting_id)
    publication.decide(db, meeting_id, [p.id for _, p in check.undecided], "keep")
    out = build_report(db, meeting_id, tmp_path / "p.pdf", public=True, allow_unjudged=True)
    flat = " ".join(_text(out).split())
    assert "published before every case was judged" in flat
    assert f"{unjudged} cases on the agenda had no panel judgement" in flat
    # The internal version is never refused for this.
    build_report(db, meeting_id, tmp_path / "i.pdf")


def test_the_report_command_refuses_and_the_publication_command_decides(
    world: tuple[Database, int, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, meeting_id, ref = world
    path = db.location
    out = tmp_path / "p.pdf"
    args = ["report", "--db", path, "--meeting", str(meeting_id), "--public", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert ref in err and "observations" in err and "PC 1234 Smith" in err
    assert main(["publication", "--db", path, "--meeting", str(meeting_id)]) == 0
    listing = capsys.readouterr().out
    assert "UNDECIDED" in listing and "BS1 4ST" in listing
    assert main(["publication", "--db", path, "--meeting", str(meeting_id), "--redact-all"]) == 0
    capsys.readouterr()
    assert main(args) == 0
    flat = " ".join(_text(out).split())
    assert not any(secret in flat for secret in SECRETS)


def test_next_steps_follow_the_trackers_real_state(db: Database) -> None:
    demo.create_demo(db)
    meeting_id = next(
        m.id for p in panels.list_panels(db) for m in p.meetings if m.theme.startswith("Stalking")
    )
    recs = [r for r in recommendations.list_recommendations(db) if r.meeting_id == meeting_id]
    answered = [r for r in recs if r.force_response]
    assert answered, "the demo answers one of its recommendations"
    text = " ".join(str(build_document(db, meeting_id)).split())
    assert "has responded to" in text
    for r in answered:
        assert f"A response to {r.reference}" not in text
    assert "will be requested from" not in text
    assert dt.date.today()  # the wording is as of today
