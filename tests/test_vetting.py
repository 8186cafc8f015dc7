"""Members' vetting and confidentiality: warned 30 days ahead, and a member whose vetting
expired (or who retired) is refused a meeting's attendance and a pack, with the reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import FILE_2019_01

from scrutiny_app.errors import UserError
from scrutiny_app.packs.export import make_pack
from scrutiny_app.services import audit_trail, importer, panels, sampling
from scrutiny_app.storage import Database


@pytest.fixture
def panel(db: Database) -> tuple[int, int]:
    pid = panels.create_panel(db, "stop_search", "Police Powers Panel", code="SOPP")
    meeting = panels.create_meeting(db, pid, dt.date(2027, 3, 14), "Drugs")
    importer.import_file(db, meeting, FILE_2019_01)
    sampling.draw_sample(db, meeting, 5, seed=1)
    return pid, meeting


def test_the_officer_is_warned_30_days_ahead(db: Database, panel):
    pid, _ = panel
    today = dt.date(2027, 3, 1)
    panels.add_member(db, pid, "Current", vetting_expiry=dt.date(2027, 4, 1))  # 31 days
    panels.add_member(db, pid, "Soon", vetting_expiry=dt.date(2027, 3, 31))  # 30 days
    panels.add_member(db, pid, "Gone", vetting_expiry=dt.date(2027, 2, 28))
    panels.add_member(db, pid, "Unknown")
    warnings = panels.vetting_warnings(db, today)
    assert warnings == [
        "Gone (Police Powers Panel): Vetting expired on 28 Feb 2027",
        "Soon (Police Powers Panel): Vetting expires on 31 Mar 2027 (in 30 days)",
    ]
    states = {m.name: m.vetting_state(today) for m in panels.member_details(db, pid)}
    assert states == {"Current": "current", "Soon": "expires soon", "Gone": "expired",
                      "Unknown": "not recorded"}  # fmt: skip


def test_an_expired_or_retired_member_cannot_attend_or_have_a_pack(
    db: Database, panel, tmp_path: Path
):
    pid, meeting = panel
    lapsed = panels.add_member(db, pid, "Lapsed", vetting_expiry=dt.date(2027, 3, 13))
    with pytest.raises(UserError, match="Lapsed's vetting expired on 13 Mar 2027"):
        panels.set_attendance(db, meeting, lapsed, present=True)
    panels.set_attendance(db, meeting, lapsed, present=False)  # absent: nothing to refuse
    out = tmp_path / "p.scrutiny"
    with pytest.raises(UserError, match="No pack was made: Lapsed's vetting expired"):
        make_pack(db, meeting, lapsed, out, "a passphrase here", today=dt.date(2027, 3, 14))
    with pytest.raises(UserError, match="vetting ends on 13 Mar 2027, before the pack's last"):
        make_pack(db, meeting, lapsed, out, "a passphrase here", today=dt.date(2027, 3, 1),
                  expires_on=dt.date(2027, 3, 20))  # fmt: skip
    assert not out.exists()

    panels.update_member(db, lapsed, vetting_expiry=dt.date(2028, 3, 13), actor="officer")
    panels.set_attendance(db, meeting, lapsed, present=True)  # renewed: accepted
    assert panels.update_member(db, lapsed, active=False, actor="officer")
    with pytest.raises(UserError, match="Lapsed is retired"):
        panels.set_attendance(db, meeting, lapsed, present=True)
    rows = [r for r in audit_trail.audit_rows(db) if r.what == "changed a member's details"]
    assert [r.actor for r in rows] == ["officer", "officer"]
    assert not panels.update_member(db, lapsed, active=False)  # no change, no event
